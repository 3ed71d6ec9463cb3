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
    im2col, col2im               patches as columns (PyTorch's unfold / fold) (chapter 8)

Part IV -- Convolution in neural networks
    convlib.nn                   layers with PyTorch semantics (cross-correlation):
                                 conv1d/2d/3d (chapter 10), conv_transpose1d/2d
                                 (chapter 12), conv2d_backward, max/avg_pool2d
                                 (chapter 13)

Shapes
    output_shape, mode_offset    sizes of the 'full' / 'same' / 'valid' modes
    conv_output_size,            layer arithmetic: stride, padding, dilation
    conv_transpose_output_size
    same_padding,                padding='same' and the receptive field of a stack
    receptive_field              of layers (chapter 11)

Modules
    convlib.data                 offline sample data (photo, MRI slice, EEG) and
                                 synthetic images
    convlib.plotting             the book's figures and static widget twins
    convlib.widgets              live ipywidgets
    convlib.direct               the 'loops' and 'direct' methods
    convlib.boundaries           boundary extensions

Examples
--------
>>> import convlib as cl
>>> cl.convolve([1, 2, 3], [1, 1])
array([1, 3, 5, 3])
"""

from . import data, direct, nn, plotting, widgets
from .boundaries import BOUNDARIES, convolve2d, convolve_at, correlate2d
from .im2col import col2im, im2col
from .dispatch import METHODS, choose_method, convolve, correlate
from .shapes import (MODES, conv_output_size, conv_transpose_output_size, mode_offset,
                     output_shape, receptive_field, same_padding)

__version__ = "0.1.0"

__all__ = [
    # Part I
    "convolve", "correlate", "choose_method", "convolve2d", "correlate2d", "convolve_at",
    "METHODS", "MODES", "BOUNDARIES",
    # Part III
    "im2col", "col2im",
    # shapes
    "output_shape", "mode_offset", "conv_output_size", "conv_transpose_output_size",
    "same_padding", "receptive_field",
    # modules
    "data", "direct", "plotting", "widgets", "nn",
]
