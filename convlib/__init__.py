"""convlib -- the companion library of *Convolution, from first principles*.

Every method the book derives, readable and tested against NumPy and SciPy. Two
conventions, as in the field: the signal-processing functions below compute true
convolution with SciPy's semantics; ``convlib.nn`` (neural-network layers) computes
cross-correlation with PyTorch's.

The index, grouped like the book:

* Part I, foundations -- :func:`convolve`, :func:`correlate` (N-d, ``method=``
  dispatcher) and :func:`choose_method` (chapter 1); :func:`convolve2d`,
  :func:`correlate2d` with boundaries fill/wrap/symm/reflect (chapter 2);
  :func:`convolve_at`, one output value from one window (chapters 2 and 4).
* Part III, convolution as matrix multiplication -- :func:`convolution_matrix` (1-D
  Toeplitz, = ``scipy.linalg.convolution_matrix``), :func:`convolution_matrix_2d`
  (doubly block Toeplitz, dense or sparse) and :func:`circulant_matrix` (chapter 7);
  :func:`im2col`, :func:`col2im`, patches as columns (PyTorch's ``unfold``/``fold``;
  chapter 8); :func:`winograd_correlate1d`, :func:`winograd_correlate2d` (F(2,3) and
  F(2x2,3x3), tiled) and :func:`winograd_transforms` (chapter 9).
* Shapes -- :func:`output_shape`, :func:`mode_offset` (sizes of the ``'full'``, ``'same'``
  and ``'valid'`` modes); :func:`conv_output_size`, :func:`conv_transpose_output_size`
  (stride, padding, dilation).
* Modules -- :mod:`convlib.data` (offline sample data and synthetic images),
  :mod:`convlib.plotting` (figures and static widget twins), :mod:`convlib.widgets`
  (live ipywidgets), :mod:`convlib.direct` (the ``'loops'`` and ``'direct'`` methods),
  :mod:`convlib.boundaries` (boundary extensions), :mod:`convlib.matrices` (the
  ``'toeplitz'`` method and convolution matrices), :mod:`convlib.winograd` (the
  ``'winograd'`` method and its transforms).

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
