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
    convlib.kernels              box, gaussian, gaussian2d, sobel, scharr, laplacian,
                                 laplacian_of_gaussian, sharpen, unsharp, emboss, disk
                                 (chapter 3)
    separate, low_rank           rank-1 factors and low-rank terms of a kernel; method
                                 'separable' of convolve (chapter 4)
    integral_image, box_filter   summed-area table; box filter at a cost independent of
                                 the box size (chapter 4)

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
    convlib.kernels              the image-filter kernels of chapter 3
    convlib.separable            separable kernels and method='separable'
    convlib.integral             the integral image

Examples
--------
>>> import convlib as cl
>>> cl.convolve([1, 2, 3], [1, 1])
array([1, 3, 5, 3])
"""

from . import data, direct, kernels, plotting, widgets
from .boundaries import BOUNDARIES, convolve2d, convolve_at, correlate2d
from .im2col import col2im, im2col
from .dispatch import METHODS, choose_method, convolve, correlate
from .integral import box_filter, integral_image
from .separable import low_rank, separate
from .shapes import (MODES, conv_output_size, conv_transpose_output_size, mode_offset,
                     output_shape)

__version__ = "0.1.0"

__all__ = [
    # Part I
    "convolve", "correlate", "choose_method", "convolve2d", "correlate2d", "convolve_at",
    "METHODS", "MODES", "BOUNDARIES",
    "separate", "low_rank", "integral_image", "box_filter",
    # Part III
    "im2col", "col2im",
    # shapes
    "output_shape", "mode_offset", "conv_output_size", "conv_transpose_output_size",
    # modules
    "data", "direct", "kernels", "plotting", "widgets",
]
