"""convlib -- the companion library of *Convolution, from first principles*.

Every method the book derives, readable and tested against NumPy and SciPy. Two
conventions, as in the field: the signal-processing functions below compute true
convolution with SciPy's semantics; ``convlib.nn`` (neural-network layers) computes
cross-correlation with PyTorch's.

The index, grouped like the book:

* Part I, foundations -- :func:`convolve`, :func:`correlate` (N-d, ``method=``
  dispatcher) and :func:`choose_method` (chapter 1); :func:`convolve2d`,
  :func:`correlate2d` with boundaries fill/wrap/symm/reflect/edge (chapter 2);
  :func:`convolve_at`, one output value from one window (chapters 2 and 4);
  :mod:`convlib.kernels`, the image-filter kernels (box, Gaussian and its derivatives,
  Sobel, Scharr, Laplacian, LoG, sharpen, unsharp, emboss, disk, and the box's
  response in closed form; chapter 3); :mod:`convlib.edges`, Canny's edge detector
  and Marr-Hildreth's zero crossings built from those kernels (chapter 3);
  :func:`is_separable`, :func:`separate`, :func:`low_rank` and ``method='separable'`` (rank-1 factors and
  low-rank terms of a kernel), :func:`integral_image`, :func:`box_filter` (a box filter
  at a cost independent of its size), :func:`running_box_filter` (the same by running
  sums, one pass per axis) and :func:`recursive_gaussian` (a Gaussian at a cost
  independent of sigma, :mod:`convlib.recursive`) (chapter 4).
* Part II, fast convolution -- :func:`fft_convolve` (the convolution theorem with zero
  padding; ``method='fft'``), :func:`overlap_add` (``method='overlap_add'``) and
  :func:`overlap_save` for long signals in blocks, :func:`circular_convolve`,
  :func:`dft_matrix`, :func:`block_length`, :func:`block_plan`, and
  :func:`estimate_costs`, the cost model behind :func:`choose_method`, and
  :mod:`convlib.radix2`, how the FFT works (the radix-2 FFT, its operation count, the
  DTFT that the DFT samples) (chapter 5);
  :func:`inverse_filter`, :func:`wiener_deconvolve`, :func:`tikhonov_deconvolve`,
  :func:`transfer_function` and :func:`circular_blur` (deconvolution, chapter 6);
  :func:`estimate_noise`, :func:`wiener_power_law`, :func:`richardson_lucy` and
  :func:`edge_taper` (restoration in practice, :mod:`convlib.restoration`, chapter 6).
* Part III, convolution as matrix multiplication -- :func:`convolution_matrix` (1-D
  Toeplitz, = ``scipy.linalg.convolution_matrix``), :func:`convolution_matrix_2d`
  (doubly block Toeplitz, dense or sparse, row- or column-major), :func:`circulant_matrix`,
  :func:`circulant_matrix_2d` (BCCB) and :func:`boundary_matrix_2d` (chapter 7);
  :func:`im2col`, :func:`col2im`, patches as columns (PyTorch's ``unfold``/``fold``;
  chapter 8); :func:`winograd_correlate1d`, :func:`winograd_correlate2d` (F(2,3) and
  F(2x2,3x3), tiled) and :func:`winograd_transforms` (chapter 9).
* Shapes -- :func:`output_shape`, :func:`mode_offset` (sizes of the ``'full'``, ``'same'``
  and ``'valid'`` modes); :func:`conv_output_size`, :func:`conv_transpose_output_size`
  (stride, padding, dilation); :func:`same_padding`, :func:`receptive_field`,
  :func:`receptive_field_geometry` and :func:`receptive_field_paths` (chapter 11).
* Part IV, convolution in neural networks -- :mod:`convlib.nn`: layers with PyTorch's
  semantics (cross-correlation), ``conv1d``/``conv2d``/``conv3d`` with
  ``padding_mode`` and ``layer_cost``/``chain_cost`` (chapter 10),
  ``conv_transpose1d``/``conv_transpose2d`` (chapter 12), ``conv2d_backward`` and
  max/average pooling with their backward passes (chapter 13).
* Part V, beyond the dense grid -- :mod:`convlib.sparse`: sparse convolution on active
  sites with a rulebook, regular, submanifold, strided and transposed (the blocks of a
  sparse U-Net; chapter 14); :mod:`convlib.tiled`:
  convolving images larger than memory, tile by tile with halos and with
  ``dask.array`` (chapter 15); :mod:`convlib.masked`: causal 1-D, PixelCNN-masked and
  locally masked 2-D convolution (chapter 16); :mod:`convlib.pixelcnn`: the gated
  PixelCNN's vertical and horizontal stacks, colour masks, autoregressive sampling
  (chapter 16).
* Modules -- :mod:`convlib.data` (offline sample data and synthetic images),
  :mod:`convlib.plotting` (figures and static widget twins), :mod:`convlib.widgets`
  (live ipywidgets), :mod:`convlib.direct` (the ``'loops'`` and ``'direct'`` methods),
  :mod:`convlib.boundaries` (boundary extensions), :mod:`convlib.separable` (separable
  kernels), :mod:`convlib.integral` (the integral image), :mod:`convlib.matrices` (the
  ``'toeplitz'`` method and convolution matrices), :mod:`convlib.winograd` (the
  ``'winograd'`` method and its transforms), ``convlib.fourier`` (DFT,
  circular and FFT convolution), ``convlib.overlap`` (block convolution),
  :mod:`convlib.costmodel` (the cost model of ``method='auto'``),
  :mod:`convlib.compiled` (``method='compiled'``: the direct sum in compiled,
  threaded loops, with numba when it is installed; also the compiled paths of
  ``convolve2d`` and of depthwise ``nn.conv2d`` and its backward),
  :mod:`convlib.exact` (the FFT's error bound; exact integer convolution by FFT),
  :mod:`convlib.deconvolution`, :mod:`convlib.bench` (the performance benchmark,
  ``python -m convlib.bench``, and the calibration of the cost model; appendix "Which
  method when?") and :mod:`convlib.machine`
  (the machine it ran on and whether that machine was quiet); :mod:`convlib.notebook`
  (``glue``, for the chapters' computed prose, without myst-nb).

``import convlib`` is headless: it needs only NumPy and SciPy and loads no plotting
library. :mod:`convlib.plotting`, :mod:`convlib.widgets`, :mod:`convlib.data` and
:mod:`convlib.bench` load on first use (``cl.plotting.setup()`` imports matplotlib
then); matplotlib, Pillow and ipywidgets come with the package's extras ``plotting``,
``data`` and ``widgets`` (``pip install ".[all]"`` in the repository).

Examples
--------
>>> import convlib as cl
>>> cl.convolve([1, 2, 3], [1, 1])
array([1, 3, 5, 3])
"""

import importlib as _importlib
from types import ModuleType as _ModuleType

from . import (costmodel, deconvolution, direct, edges, exact, fourier, kernels, nn,
               overlap)
from . import masked, pixelcnn, radix2, restoration, roofline, sparse, tiled
from .boundaries import BOUNDARIES, convolve2d, convolve_at, correlate2d
from .costmodel import estimate_costs
from .deconvolution import (circular_blur, inverse_filter, tikhonov_deconvolve,
                            transfer_function, wiener_deconvolve)
from .restoration import edge_taper, estimate_noise, richardson_lucy, wiener_power_law
from .dispatch import METHODS, choose_method, convolve, correlate
from .fourier import circular_convolve, dft_matrix, fft_convolve
from .im2col import col2im, im2col
from .integral import box_filter, integral_image, running_box_filter
from .matrices import (boundary_matrix_2d, circulant_matrix, circulant_matrix_2d,
                       convolution_matrix, convolution_matrix_2d)
from .overlap import block_length, block_plan, overlap_add, overlap_save
from .recursive import recursive_gaussian
from .separable import is_separable, low_rank, separate
from .winograd import winograd_correlate1d, winograd_correlate2d, winograd_transforms
from .shapes import (MODES, RFGeometry, conv_output_size, conv_transpose_output_size,
                     mode_offset, output_shape, receptive_field, receptive_field_geometry,
                     receptive_field_paths, same_padding)

__version__ = "0.1.0"

#: Modules loaded on first use (PEP 562), not by ``import convlib``: figures and widgets
#: (matplotlib, ipywidgets), the sample data (matplotlib's and Pillow's image readers)
#: and the benchmark. ``import convlib`` needs only NumPy and SciPy and loads no
#: plotting library; ``convlib.plotting.X`` works as before, importing it on first use.
_LAZY_MODULES = ("bench", "data", "plotting", "widgets")


def __getattr__(name: str) -> _ModuleType:
    """``convlib.plotting``, ``convlib.widgets``, ``convlib.data`` and ``convlib.bench``,
    imported on first use (PEP 562)."""
    if name in _LAZY_MODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES))


__all__ = [
    # Part I
    "convolve", "correlate", "choose_method", "convolve2d", "correlate2d", "convolve_at",
    "METHODS", "MODES", "BOUNDARIES",
    "is_separable", "separate", "low_rank", "integral_image", "box_filter",
    "running_box_filter", "recursive_gaussian",
    # Part II
    "fft_convolve", "overlap_add", "overlap_save", "circular_convolve", "dft_matrix",
    "block_length", "block_plan", "estimate_costs", "transfer_function", "circular_blur",
    "inverse_filter", "wiener_deconvolve", "tikhonov_deconvolve",
    "estimate_noise", "wiener_power_law", "richardson_lucy", "edge_taper",
    # Part III
    "im2col", "col2im", "convolution_matrix", "convolution_matrix_2d", "circulant_matrix",
    "circulant_matrix_2d", "boundary_matrix_2d",
    "winograd_correlate1d", "winograd_correlate2d", "winograd_transforms",
    # shapes
    "output_shape", "mode_offset", "conv_output_size", "conv_transpose_output_size",
    "same_padding", "receptive_field", "RFGeometry", "receptive_field_geometry",
    "receptive_field_paths",
    # modules
    "data", "direct", "kernels", "edges", "plotting", "widgets", "nn", "fourier", "overlap",
    "costmodel", "exact", "deconvolution", "radix2", "restoration",
    # Part V
    "sparse", "tiled", "masked", "pixelcnn",
]
