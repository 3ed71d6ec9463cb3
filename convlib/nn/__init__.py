"""convlib.nn -- convolution layers with PyTorch's ``torch.nn.functional`` semantics.

NumPy arrays in and out; **cross-correlation** (no kernel flip) over NCHW batches with
weights of shape ``(C_out, C_in / groups, kH, kW)``, as in PyTorch. PyTorch is not a
dependency: the tests check every function against loops written from the definition,
adjoint identities and finite differences.

Layers (chapter 10)
    conv1d, conv2d, conv3d           stride, padding (int, tuple, 'valid', 'same'),
                                     dilation, groups
Transposed convolution (chapter 12)
    conv_transpose1d,                the adjoint of conv1d / conv2d
    conv_transpose2d
Backpropagation and pooling (chapter 13)
    conv2d_backward                  (grad_x, grad_weight, grad_bias)
    max_pool2d, avg_pool2d           PyTorch defaults (stride = kernel_size)
    max_pool2d_backward,
    avg_pool2d_backward
Arithmetic (chapter 11; from :mod:`convlib.shapes`)
    conv_output_size, conv_transpose_output_size, same_padding, receptive_field
    window_indices, windows_containing   which inputs an output reads, and the reverse

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
from .backward import conv2d_backward
from .layers import conv1d, conv2d, conv3d
from .pooling import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .transposed import conv_transpose1d, conv_transpose2d

__all__ = [
    "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d",
    "conv2d_backward",
    "max_pool2d", "avg_pool2d", "max_pool2d_backward", "avg_pool2d_backward",
    "conv_output_size", "conv_transpose_output_size", "same_padding", "receptive_field",
    "window_indices", "windows_containing",
]
