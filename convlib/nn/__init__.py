"""convlib.nn -- convolution layers with PyTorch's ``torch.nn.functional`` semantics.

NumPy arrays in and out; **cross-correlation** (no kernel flip) over NCHW batches with
weights of shape ``(C_out, C_in / groups, kH, kW)``, as in PyTorch. PyTorch is not a
dependency: the tests check every function against loops written from the definition,
adjoint identities and finite differences.

* Layers (:ref:`ch-conv-layers`) -- :func:`conv1d`, :func:`conv2d`, :func:`conv3d`
  with stride, padding (int, tuple, ``'valid'``, ``'same'``), dilation, groups and
  ``padding_mode`` (zeros, reflect, replicate, circular, as ``torch.nn.Conv2d``).
* Winograd layer (:ref:`ch-winograd`) -- :func:`winograd_conv2d` (3x3, stride 1, by
  Lavin and Gray's batched-GEMM ``F(m x m, 3 x 3)``) and :func:`winograd_layer_ops`
  (its additions and multiplications, step by step).
* Transposed convolution (:ref:`ch-transposed-conv`) -- :func:`conv_transpose1d`,
  :func:`conv_transpose2d`, the adjoints of ``conv1d`` and ``conv2d``;
  :func:`conv_transpose2d_phases` (the same by its stride-1 phase convolutions),
  :func:`subpixel_weight`, and the sub-pixel rearrangements :func:`pixel_shuffle`,
  :func:`pixel_unshuffle`.
* Backpropagation and pooling (:ref:`ch-backprop-conv`) -- :func:`conv2d_backward`
  (``grad_x, grad_weight, grad_bias``) and :func:`relative_error` (a gradient check's
  measure); :func:`max_pool2d`, :func:`avg_pool2d`
  (stride defaults to the window) and their backward passes
  :func:`max_pool2d_backward`, :func:`avg_pool2d_backward`.
* Cost (:ref:`ch-conv-layers`) -- :func:`layer_cost`, :func:`chain_cost`: parameters,
  multiply-adds, bytes moved and arithmetic intensity of a layer (or a chain of them).
* Arithmetic (:ref:`ch-conv-arithmetic`) -- re-exported from ``convlib.shapes``:
  ``conv_output_size``, ``conv_transpose_output_size``, ``same_padding``,
  ``receptive_field``; and :func:`window_indices`, :func:`windows_containing` (which
  inputs an output reads, and the reverse).

Examples
--------
>>> import numpy as np
>>> from convlib import nn
>>> nn.conv2d(np.ones((1, 3, 5, 5)), np.ones((8, 3, 3, 3)), padding="same").shape
(1, 8, 5, 5)
"""

from ..shapes import (conv_output_size, conv_transpose_output_size, receptive_field,
                      same_padding)
from .arithmetic import window_indices, windows_containing
from .backward import conv2d_backward, relative_error
from .cost import chain_cost, layer_cost
from .layers import conv1d, conv2d, conv3d
from .pooling import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .shuffle import pixel_shuffle, pixel_unshuffle
from .transposed import (conv_transpose1d, conv_transpose2d, conv_transpose2d_phases,
                         subpixel_weight)
from .winograd_layer import winograd_conv2d, winograd_layer_ops

__all__ = [
    "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d",
    "conv_transpose2d_phases", "subpixel_weight", "pixel_shuffle", "pixel_unshuffle",
    "conv2d_backward", "relative_error",
    "layer_cost", "chain_cost",
    "max_pool2d", "avg_pool2d", "max_pool2d_backward", "avg_pool2d_backward",
    "conv_output_size", "conv_transpose_output_size", "same_padding", "receptive_field",
    "window_indices", "windows_containing",
    "winograd_conv2d", "winograd_layer_ops",
]
