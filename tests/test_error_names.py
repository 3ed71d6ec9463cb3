"""Every public function names itself in its errors (issue 15, item 6; STYLE.md 4).

One bad call per validating function of ``convlib.__all__`` and ``convlib.nn.__all__``,
chosen to pass through a shared helper (the shape rules of :mod:`convlib.shapes`, the
padding normaliser, the input prologue, the FFT core, the layers' core) where a
message could carry the name of another function; the message must start with the name
of the function the user called.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import convlib as cl
from convlib import masked, nn, sparse

#: Modules for people (figures, widgets, the benchmark, ...), not checked here.
TOOLING = {"plotting", "widgets", "bench", "machine", "notebook", "data"}

V = np.ones(3)
M2, M3 = np.ones((2, 3)), np.ones((3, 2))  # no 'valid' output: neither is larger
IMG, W = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))

#: (public name, the function, a call that must fail, the exception)
BAD_CALLS = [
    # the dispatcher and the methods: the 'valid' rule of convlib.shapes
    ("convolve", cl.convolve, lambda f: f(M2, M3, "valid"), ValueError),
    ("correlate", cl.correlate, lambda f: f(M2, M3, "valid"), ValueError),
    ("choose_method", cl.choose_method, lambda f: f(M2, M3, "valid"), ValueError),
    ("convolve2d", cl.convolve2d, lambda f: f(M2, M3, "valid"), ValueError),
    ("correlate2d", cl.correlate2d, lambda f: f(M2, M3, "valid"), ValueError),
    ("convolve_at", cl.convolve_at, lambda f: f(M2, M3, (0, 0), "valid"), ValueError),
    ("fft_convolve", cl.fft_convolve, lambda f: f(M2, M3, "valid"), ValueError),
    ("overlap_add", cl.overlap_add, lambda f: f(M2, M3, "valid"), ValueError),
    ("overlap_save", cl.overlap_save, lambda f: f(M2, M3, "valid"), ValueError),
    ("estimate_costs", cl.estimate_costs, lambda f: f(M2, M3, "valid"), ValueError),
    ("fft_convolve", cl.fft_convolve, lambda f: f(V, V, axes=[0, 0]), ValueError),
    ("overlap_add", cl.overlap_add, lambda f: f(V, V, axes=3), ValueError),
    ("overlap_save", cl.overlap_save, lambda f: f(V, V, "middle"), ValueError),
    ("circular_convolve", cl.circular_convolve, lambda f: f(V, M2), ValueError),
    ("dft_matrix", cl.dft_matrix, lambda f: f(0), ValueError),
    ("block_length", cl.block_length, lambda f: f(10, 0), ValueError),
    ("block_plan", cl.block_plan, lambda f: f(10, 3, block_size=2), ValueError),
    ("is_separable", cl.is_separable, lambda f: f(np.ones((2, 2)), tol=1j), TypeError),
    ("separate", cl.separate, lambda f: f(np.ones((2, 2)), tol=-1.0), ValueError),
    ("low_rank", cl.low_rank, lambda f: f(np.ones((2, 2)), 0), ValueError),
    ("integral_image", cl.integral_image, lambda f: f("x"), TypeError),
    ("box_filter", cl.box_filter, lambda f: f(M2, 3, "middle"), ValueError),
    ("running_box_filter", cl.running_box_filter, lambda f: f(M2, (3, 2), "valid"),
     ValueError),
    ("recursive_gaussian", cl.recursive_gaussian, lambda f: f(V, 1.0, axes=(0, 0)),
     ValueError),
    ("edge_taper", cl.edge_taper, lambda f: f(np.ones((8, 8)), np.ones((9, 9))), ValueError),
    ("estimate_noise", cl.estimate_noise, lambda f: f(np.ones((8, 8)), method="nope"),
     ValueError),
    ("richardson_lucy", cl.richardson_lucy, lambda f: f(np.ones((8, 8)), W[0, 0], -1),
     ValueError),
    ("wiener_power_law", cl.wiener_power_law,
     lambda f: f(np.ones((8, 8)), W[0, 0], sigma=-1.0), ValueError),
    ("wiener_power_law", cl.wiener_power_law,
     lambda f: f(np.ones((8, 8)), W[0, 0], sigma=0.1, exponent="x"), TypeError),
    ("boundary_matrix_2d", cl.boundary_matrix_2d,
     lambda f: f(np.ones((3, 3)), (4, 4), "nope"), ValueError),
    ("circulant_matrix_2d", cl.circulant_matrix_2d, lambda f: f(np.ones(3)), ValueError),
    ("transfer_function", cl.transfer_function, lambda f: f(V, (2,)), ValueError),
    ("circular_blur", cl.circular_blur, lambda f: f(V, M2), ValueError),
    ("inverse_filter", cl.inverse_filter, lambda f: f(V, V, eps=-1.0), ValueError),
    ("wiener_deconvolve", cl.wiener_deconvolve, lambda f: f(V, V, 1j), TypeError),
    ("tikhonov_deconvolve", cl.tikhonov_deconvolve, lambda f: f(V, V, True), TypeError),
    ("im2col", cl.im2col, lambda f: f(IMG, 5), ValueError),
    ("col2im", cl.col2im, lambda f: f(np.ones((4, 4)), 3, 2, padding="same"), TypeError),
    ("convolution_matrix", cl.convolution_matrix, lambda f: f(V, 0), ValueError),
    ("convolution_matrix_2d", cl.convolution_matrix_2d,
     lambda f: f(M3, (2, 3), "valid"), ValueError),
    ("circulant_matrix", cl.circulant_matrix, lambda f: f(M2), ValueError),
    ("winograd_correlate1d", cl.winograd_correlate1d, lambda f: f(V, np.ones(2)),
     ValueError),
    ("winograd_correlate2d", cl.winograd_correlate2d, lambda f: f(M2, W[0, 0]),
     ValueError),
    ("winograd_transforms", cl.winograd_transforms, lambda f: f(0), ValueError),
    # the shape rules themselves
    ("output_shape", cl.output_shape, lambda f: f((2, 3), (3, 2), "valid"), ValueError),
    ("mode_offset", cl.mode_offset, lambda f: f((2, 3), (3, 2), "valid"), ValueError),
    ("conv_output_size", cl.conv_output_size, lambda f: f(2, 3), ValueError),
    ("conv_transpose_output_size", cl.conv_transpose_output_size,
     lambda f: f(3, 3, 2, 0, 2), ValueError),
    ("same_padding", cl.same_padding, lambda f: f(3, 0), ValueError),
    ("receptive_field", cl.receptive_field, lambda f: f([3, 3], [1]), ValueError),
    ("receptive_field_geometry", cl.receptive_field_geometry,
     lambda f: f([3, 3], paddings=[1]), ValueError),
    ("receptive_field_paths", cl.receptive_field_paths, lambda f: f([3], [0]), ValueError),
    ("winograd_conv2d", nn.winograd_conv2d,
     lambda f: f(np.ones((1, 1, 4, 4)), np.ones((1, 1, 5, 5))), ValueError),
    ("winograd_layer_ops", nn.winograd_layer_ops,
     lambda f: f((1, 1, 4, 4), (1, 1, 3, 3), m=0), ValueError),
    ("window_indices", nn.window_indices, lambda f: f(0, 2, 3), ValueError),
    ("windows_containing", nn.windows_containing, lambda f: f(0, 5, 3, padding=-1),
     ValueError),
    # layers: the padding normaliser and the layers' core
    ("conv1d", nn.conv1d, lambda f: f(np.ones((1, 1, 4)), np.ones((1, 1, 3)), stride=2,
                                      padding="same"), ValueError),
    ("conv2d", nn.conv2d, lambda f: f(IMG, W, padding=(1, 2, 3)), TypeError),
    ("conv3d", nn.conv3d, lambda f: f(np.ones((1, 1, 2, 4, 4)), np.ones((1, 1, 3, 3, 3))),
     ValueError),
    ("conv_transpose1d", nn.conv_transpose1d,
     lambda f: f(np.ones((1, 1, 3)), np.ones((1, 1, 3)), stride=2, output_padding=2),
     ValueError),
    ("conv_transpose2d", nn.conv_transpose2d, lambda f: f(IMG, W, padding="same"),
     TypeError),
    ("conv_transpose2d_phases", nn.conv_transpose2d_phases,
     lambda f: f(IMG, W, stride=2, output_padding=2), ValueError),
    ("subpixel_weight", nn.subpixel_weight, lambda f: f(W, 0), ValueError),
    ("pixel_shuffle", nn.pixel_shuffle, lambda f: f(IMG, 2), ValueError),
    ("pixel_unshuffle", nn.pixel_unshuffle, lambda f: f(np.ones((1, 3, 4)), 2),
     ValueError),
    ("conv2d_backward", nn.conv2d_backward,
     lambda f: f(IMG, W, np.ones((1, 1, 2, 2)), padding=-1), ValueError),
    ("relative_error", nn.relative_error, lambda f: f([1.0, 2.0], [1.0]), ValueError),
    ("layer_cost", nn.layer_cost, lambda f: f(4, 4, 3, (5, 5), stride=2, padding="same"),
     ValueError),
    ("chain_cost", nn.chain_cost, lambda f: f([]), ValueError),
    ("max_pool2d", nn.max_pool2d, lambda f: f(IMG, 2, padding=2), ValueError),
    ("avg_pool2d", nn.avg_pool2d, lambda f: f(IMG, 5), ValueError),
    ("max_pool2d_backward", nn.max_pool2d_backward,
     lambda f: f(IMG, np.ones((1, 1, 2, 2)), 2, padding=(1, 1, 1)), ValueError),
    ("avg_pool2d_backward", nn.avg_pool2d_backward,
     lambda f: f(IMG, np.ones((1, 1, 2, 2)), 2, padding="same"), TypeError),
    # built on other public functions: the name is still the one called
    ("causal_conv1d", masked.causal_conv1d,
     lambda f: f(np.ones((1, 2, 4)), np.ones((1, 1, 2))), ValueError),
    ("masked_conv2d", masked.masked_conv2d,
     lambda f: f(IMG, W, np.ones((1, 1, 3, 3)), padding=-1), ValueError),
    ("sparse_conv", sparse.sparse_conv,
     lambda f: f([[1, 1]], [[1.0]], W, stride=2, padding="same"), ValueError),
    ("submanifold_conv", sparse.submanifold_conv,
     lambda f: f([[1, 1]], [[1.0], [2.0]], W), ValueError),
    ("transposed_rulebook", sparse.transposed_rulebook,
     lambda f: f([[1, 1]], 2, 2, output_padding=2), ValueError),
    ("sparse_conv_transpose", sparse.sparse_conv_transpose,
     lambda f: f([[1, 1]], [[1.0]], W, padding=(1, 9)), ValueError),
]


@pytest.mark.parametrize("name, func, call, exc", BAD_CALLS,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(BAD_CALLS)])
def test_the_message_names_the_function_called(name, func, call, exc):
    assert func.__name__ == name
    with pytest.raises(exc, match=rf"^{name}: "):
        call(func)


def test_the_table_covers_every_public_function():
    exported = {n for n in cl.__all__ if inspect.isfunction(getattr(cl, n))} | {
        n for n in nn.__all__ if inspect.isfunction(getattr(nn, n))}
    assert exported - {row[0] for row in BAD_CALLS} == set()


def test_no_public_function_takes_the_callers_name():
    """``func=`` is internal: the private helpers take it, the public functions do not."""
    numeric = [m.name for m in pkgutil.iter_modules(cl.__path__)
               if not m.name.startswith("_") and m.name not in TOOLING]
    modules = [cl, nn] + [importlib.import_module(f"convlib.{m}") for m in numeric]
    leaked = [f"{m.__name__}.{n}" for m in modules for n in m.__all__
              if inspect.isfunction(getattr(m, n))
              and "func" in inspect.signature(getattr(m, n)).parameters]
    assert leaked == []
