"""convlib -- the companion library of *Convolution, from first principles*.

Every method the book derives, readable and tested against NumPy and SciPy. Two
conventions, as in the field: the signal-processing functions below compute true
convolution with SciPy's semantics; :mod:`convlib.nn` (neural-network layers) computes
cross-correlation with PyTorch's.

Part I -- Foundations
    convolve, correlate          N-d convolution / correlation, ``method=`` dispatcher
                                 (chapter 1); choose_method
    convolve2d, correlate2d      2-D with boundaries fill/wrap/symm/reflect (chapter 2)
    convolve_at                  one output value from one window (chapters 2 and 4)

Part II -- Fast convolution
    fft_convolve                 convolution theorem, zero padding (chapter 5);
                                 method='fft'
    overlap_add, overlap_save    long signals in blocks (chapter 5); method='overlap_add'
    circular_convolve            periodic convolution by FFT; dft_matrix
    block_length, block_plan     block sizes of overlap-add / overlap-save
    estimate_costs               the cost model behind choose_method (chapter 5)
    inverse_filter               deconvolution by division (chapter 6)
    wiener_deconvolve,           regularised deconvolution (chapter 6);
    tikhonov_deconvolve          transfer_function, circular_blur

Part III -- Convolution as matrix multiplication
    im2col, col2im               patches as columns (PyTorch's unfold / fold) (chapter 8)

Shapes
    output_shape, mode_offset    sizes of the 'full' / 'same' / 'valid' modes
    conv_output_size,            layer arithmetic: stride, padding, dilation
    conv_transpose_output_size

Modules
    convlib.data                 offline sample data (photo, MRI slice, EEG) and
                                 synthetic images
    convlib.plotting             the book's figures and static widget twins
    convlib.widgets              live ipywidgets
    convlib.direct               the 'loops' and 'direct' methods
    convlib.boundaries           boundary extensions
    convlib.fourier              DFT, circular, FFT and block convolution
    convlib.deconvolution        frequency-domain deconvolution

Examples
--------
>>> import convlib as cl
>>> cl.convolve([1, 2, 3], [1, 1])
array([1, 3, 5, 3])
"""

from . import data, deconvolution, direct, fourier, plotting, widgets
from .boundaries import BOUNDARIES, convolve2d, convolve_at, correlate2d
from .deconvolution import (circular_blur, inverse_filter, tikhonov_deconvolve,
                            transfer_function, wiener_deconvolve)
from .dispatch import METHODS, choose_method, convolve, correlate, estimate_costs
from .fourier import (block_length, block_plan, circular_convolve, dft_matrix, fft_convolve,
                      overlap_add, overlap_save)
from .im2col import col2im, im2col
from .shapes import (MODES, conv_output_size, conv_transpose_output_size, mode_offset,
                     output_shape)

__version__ = "0.1.0"

__all__ = [
    # Part I
    "convolve", "correlate", "choose_method", "convolve2d", "correlate2d", "convolve_at",
    "METHODS", "MODES", "BOUNDARIES",
    # Part II
    "fft_convolve", "overlap_add", "overlap_save", "circular_convolve", "dft_matrix",
    "block_length", "block_plan", "estimate_costs", "transfer_function", "circular_blur",
    "inverse_filter", "wiener_deconvolve", "tikhonov_deconvolve",
    # Part III
    "im2col", "col2im",
    # shapes
    "output_shape", "mode_offset", "conv_output_size", "conv_transpose_output_size",
    # modules
    "data", "direct", "plotting", "widgets", "fourier", "deconvolution",
]
