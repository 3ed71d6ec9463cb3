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

Part III -- Convolution as matrix multiplication
    convolution_matrix           1-D Toeplitz matrix (= scipy.linalg.convolution_matrix)
    convolution_matrix_2d        doubly-block-Toeplitz matrix, dense or sparse (chapter 7)
    circulant_matrix             circular convolution as a matrix (chapter 7)
    im2col, col2im               patches as columns (PyTorch's unfold / fold) (chapter 8)
    winograd_correlate1d,        F(2,3) and F(2x2,3x3) minimal filtering, tiled;
    winograd_correlate2d,        winograd_transforms derives A^T, G, B^T (chapter 9)
    winograd_transforms

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
    convlib.matrices             the 'toeplitz' method and convolution matrices
    convlib.winograd             the 'winograd' method and its transforms

Examples
--------
>>> import convlib as cl
>>> cl.convolve([1, 2, 3], [1, 1])
array([1, 3, 5, 3])
"""

from . import data, direct, plotting, widgets
from .boundaries import BOUNDARIES, convolve2d, convolve_at, correlate2d
from .im2col import col2im, im2col
from .matrices import circulant_matrix, convolution_matrix, convolution_matrix_2d
from .winograd import winograd_correlate1d, winograd_correlate2d, winograd_transforms
from .dispatch import METHODS, choose_method, convolve, correlate
from .shapes import (MODES, conv_output_size, conv_transpose_output_size, mode_offset,
                     output_shape)

__version__ = "0.1.0"

__all__ = [
    # Part I
    "convolve", "correlate", "choose_method", "convolve2d", "correlate2d", "convolve_at",
    "METHODS", "MODES", "BOUNDARIES",
    # Part III
    "im2col", "col2im", "convolution_matrix", "convolution_matrix_2d", "circulant_matrix",
    "winograd_correlate1d", "winograd_correlate2d", "winograd_transforms",
    # shapes
    "output_shape", "mode_offset", "conv_output_size", "conv_transpose_output_size",
    # modules
    "data", "direct", "plotting", "widgets",
]
