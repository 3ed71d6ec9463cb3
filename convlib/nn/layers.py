"""Convolution layers: ``conv1d``, ``conv2d``, ``conv3d`` (PyTorch semantics).

A layer computes **cross-correlation** (no kernel flip), as every deep-learning
framework does, over a batch of multi-channel signals::

    y[n, o, p] = b[o] + sum_{c, i} w[o, c, i] * x_pad[n, g*C_in/G + c, s*p + d*i]

for output channel ``o`` in group ``g = o // (C_out/G)`` (2-D and 3-D: one index per
spatial axis). ``conv2d`` is one matrix product per group on :func:`convlib.im2col`'s
columns (chapter 8); ``conv1d`` is ``conv2d`` on images of height 1; ``conv3d`` contracts
a strided window view with the weights. Chapter 10 teaches all three.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._typing import ArrayLike, IntOrSeq, Ints, NDArray, Padding
from ..compiled import depthwise_forward, use_compiled
from ..compiled_columns import columns_served, unfold_columns_into
from ..direct import DIRECT_BLOCK
from ..im2col import tap_window, unfold
from ._args import (check_padding_mode, check_padding_size, layer_inputs, output_sizes,
                    pad_input, padding_pairs, per_axis, result_dtype)

__all__ = ["conv1d", "conv2d", "conv3d"]



#: Largest im2col matrix, in bytes, that :func:`convlib.nn.conv2d` builds at once: its
#: columns are ``kH * kW`` times larger than the input (chapter 8), so a batch whose columns would
#: exceed this is processed a few samples at a time (at least one). Peak extra memory of
#: ``conv2d`` is therefore about ``min(columns of the whole batch, IM2COL_LIMIT)`` plus
#: the padded input (none at stride 1 with a ``'same'``-width output where the columns
#: are copied compiled, from the unpadded input), next to its output.
IM2COL_LIMIT = 64 * 2**20


def _conv2d_gemm(xp: NDArray[Any], weight: NDArray[Any], stride: Ints,
                 dilation: Ints, groups: int) -> NDArray[Any]:
    """conv2d of an already padded batch ``xp``: one GEMM per group on im2col columns.

    Fast paths with the same sums: depthwise layers (one input channel per group) add
    ``kH * kW`` scaled, strided slices of the input instead of a product of tiny
    matrices, and a 1 x 1 kernel needs no columns at all (its "patches" are the pixels).
    """
    N, C_in, H, W = xp.shape
    C_out, Cg, kH, kW = weight.shape
    H_out, W_out = output_sizes((H, W), (kH, kW), stride, ((0, 0), (0, 0)), dilation,
                                "conv2d")
    dtype = np.result_type(xp, weight)
    if Cg == 1 and kH * kW > 1:
        return _conv2d_depthwise(xp, weight, stride, dilation, groups, (H_out, W_out))
    K, L = Cg * kH * kW, H_out * W_out
    wg = weight.reshape(groups, C_out // groups, K).astype(dtype, copy=False)
    if kH == kW == 1:
        cols = xp[(Ellipsis,) + tap_window(0, 0, stride, dilation, (H_out, W_out))]
        cols = cols.astype(dtype, copy=False).reshape(N, groups, K, L)
        return (wg @ cols).reshape(N, C_out, H_out, W_out)
    out = np.empty((N, groups, C_out // groups, L), dtype=dtype)
    per_sample = C_in * kH * kW * L * xp.dtype.itemsize
    step = max(1, IM2COL_LIMIT // max(per_sample, 1))
    for n0 in range(0, N, step):
        cols = unfold(xp[n0:n0 + step], (kH, kW), stride, dilation)      # (n, C*k, L)
        cols = cols.reshape(-1, groups, K, L)
        np.matmul(wg, cols, out=out[n0:n0 + step])
    return out.reshape(N, C_out, H_out, W_out)


def _conv2d_flat(x: NDArray[Any], weight: NDArray[Any], dilation: Ints, groups: int,
                 pads: Sequence[tuple[int, int]], out_h: int) -> NDArray[Any]:
    """:func:`_conv2d_gemm` of a dense or grouped layer (kernel larger than 1 x 1) at
    stride 1 whose output is as wide as the unpadded input ``x``, with zero padding
    ``pads``: the same columns, built by the compiled flat copy
    (:func:`convlib.compiled_columns.unfold_columns_into`) from ``x`` itself instead
    of a padded copy and its window view, then the same GEMMs in the same chunks: the
    same values. The caller checks first that the compiled copy serves ``x``
    (:func:`convlib.compiled_columns.columns_served` with the result's dtype).

    Measured (numba 0.68.1, NumPy 2.4.6 and its OpenBLAS, 2 threads, min of 11
    interleaved rounds, a quiet machine): the padding, copy and GEMMs took 0.80x the
    time of the padded path on 8 x 3 x 56 x 56 by 64 x 3 x 3 x 3 in float32 (0.29
    against 0.37 ms), 0.89x in float64, 0.91x on 8 x 64 x 56 x 56 by 64 x 64 x 3 x 3,
    0.84x (float32) and 0.92x (float64) on 8 x 256 x 14 x 14 by 256 x 256 x 3 x 3."""
    N, C_in, H, W = x.shape
    C_out, Cg, kH, kW = weight.shape
    dtype = np.result_type(x, weight)
    K, L = Cg * kH * kW, out_h * W
    wg = weight.reshape(groups, C_out // groups, K).astype(dtype, copy=False)
    out = np.empty((N, groups, C_out // groups, L), dtype=dtype)
    step = max(1, IM2COL_LIMIT // max(C_in * kH * kW * L * x.dtype.itemsize, 1))
    cols = np.empty((min(step, N), groups, K, L), dtype=dtype)
    lows = (pads[0][0], pads[1][0])
    for n0 in range(0, N, step):
        m = min(step, N - n0)
        if not unfold_columns_into(cols[:m], x[n0:n0 + m], (kH, kW), dilation, lows):
            raise RuntimeError("internal: the compiled copy declined images that "
                               "columns_served accepted")
        np.matmul(wg, cols[:m], out=out[n0:n0 + m])
    return out.reshape(N, C_out, out_h, W)


def _conv2d_depthwise(xp: NDArray[Any], weight: NDArray[Any], stride: Ints,
                      dilation: Ints, groups: int, out_hw: Ints) -> NDArray[Any]:
    """Grouped conv2d with one input channel per group: a sum of ``kH * kW`` strided
    slices, each scaled per output channel (in-place multiply-adds, one scratch array);
    compiled loops for float32/float64 when :func:`convlib.compiled.use_compiled`."""
    N, C_in = xp.shape[:2]
    C_out, _, kH, kW = weight.shape
    H_out, W_out = out_hw
    dtype = np.result_type(xp, weight)
    if use_compiled(xp, weight):  # the same sums, compiled (convlib.compiled)
        return depthwise_forward(xp, weight, stride, dilation, out_hw)
    mult = C_out // groups                     # output channels per input channel
    src_all = xp if mult == 1 else np.repeat(xp, mult, axis=1)
    out = np.zeros((N, C_out, H_out, W_out), dtype=dtype)
    w = weight.astype(dtype, copy=False)[:, 0, :, :, None, None]   # (C_out, kH, kW, 1, 1)
    # whole channels of one sample per block of convlib.direct.DIRECT_BLOCK output
    # values: all kH * kW taps are applied to one block while it is in cache
    step = max(1, DIRECT_BLOCK // (H_out * W_out))
    tmp = np.empty((min(step, C_out), H_out, W_out), dtype=dtype)
    for n in range(N):
        for c0 in range(0, C_out, step):
            c1 = min(C_out, c0 + step)
            o, t = out[n, c0:c1], tmp[:c1 - c0]
            for i in range(kH):
                for j in range(kW):
                    src = src_all[(n, slice(c0, c1)) + tap_window(
                        i, j, stride, dilation, out_hw)]
                    np.multiply(src, w[c0:c1, i, j], out=t)
                    o += t
    return out


def _conv3d_windows(xp: NDArray[Any], weight: NDArray[Any], stride: Ints,
                    dilation: Ints, groups: int) -> NDArray[Any]:
    """conv3d of an already padded batch ``xp``: contract a strided window view."""
    N, C_in = xp.shape[:2]
    C_out, Cg, *k = weight.shape
    spans = [d * (ki - 1) + 1 for ki, d in zip(k, dilation)]
    win = sliding_window_view(xp, spans, axis=(2, 3, 4))   # (N, C, D', H', W', spans)
    win = win[(slice(None),) * 2 + tuple(slice(None, None, s) for s in stride)
              + tuple(slice(None, None, d) for d in dilation)]
    win = win.reshape(N, groups, Cg, *win.shape[2:])          # (N, G, Cg, out..., k...)
    wg = weight.reshape(groups, C_out // groups, Cg, *k)
    out = np.einsum("ngcdhwijk,gocijk->ngodhw", win, wg, optimize=True)
    return out.reshape(N, C_out, *out.shape[3:])


def conv_forward(x: Any, weight: Any, bias: Any, stride: IntOrSeq, padding: Padding,
                 dilation: IntOrSeq, groups: int, nd: int, func: str,
                 padding_mode: str = "zeros") -> NDArray[Any]:
    """Validate, pad, dispatch on the number of spatial axes, add the bias.

    ``conv1d``, ``conv2d`` and ``conv3d`` with ``nd`` spatial axes; errors name ``func``,
    the public function called (a layer, or :mod:`convlib.masked`'s layers built on it).
    The input is padded as ``padding_mode`` says, then the layer runs unpadded, as
    PyTorch's ``nn.Conv*d`` does for every mode but 'zeros'.
    """
    xb, weight, bias, groups, batched = layer_inputs(x, weight, bias, nd, groups, func)
    s = per_axis(stride, nd, "stride", func, 1)
    d = per_axis(dilation, nd, "dilation", func, 1)
    k = weight.shape[2:]
    pads = padding_pairs(padding, k, s, d, func)
    out_sizes = output_sizes(xb.shape[2:], k, s, pads, d, func)  # raises if too small
    mode = check_padding_mode(padding_mode, pads, xb.shape[2:], func)
    check_padding_size(xb, weight.shape[0], k, s, pads, d, out_sizes,
                       result_dtype(xb, weight), func, padding)
    Cg = weight.shape[1]
    if (nd == 2 and mode == "zeros" and Cg == 1 and math.prod(k) > 1
            and use_compiled(xb, weight) and np.isfinite(weight).all()):
        # depthwise, compiled: the zero padding is implied, not copied (finite weights
        # only: their products with padded zeros, left out, are zeros)
        out = depthwise_forward(xb, weight, s, d, out_sizes, (pads[0][0], pads[1][0]))
    else:
        # dense or grouped at stride 1, as wide as the input: the columns copied from
        # the unpadded input, compiled, where numba serves it (the same values)
        flat = (nd == 2 and mode == "zeros" and tuple(s) == (1, 1) and Cg > 1
                and math.prod(k) > 1 and out_sizes[1] == xb.shape[3]
                and columns_served(xb, result_dtype(xb, weight)))
        out = (_conv2d_flat(xb, weight, d, groups, pads, out_sizes[0]) if flat
               else _conv_padded(pad_input(xb, pads, mode=mode), weight, s, d, groups, nd))
    if bias is not None:
        out = out + bias.reshape((-1,) + (1,) * nd)
    return out if batched else out[0]


def _conv_padded(xp: NDArray[Any], weight: NDArray[Any], s: Ints, d: Ints, groups: int,
                 nd: int) -> NDArray[Any]:
    """The layer of ``nd`` spatial axes on an already padded batch."""
    if nd == 1:
        out = _conv2d_gemm(xp[:, :, None], weight[:, :, None], (1,) + s, (1,) + d,
                           groups)[:, :, 0]
    elif nd == 2:
        out = _conv2d_gemm(xp, weight, s, d, groups)
    else:
        out = _conv3d_windows(xp, weight, s, d, groups)
    return out


_PARAMS = """
    Parameters
    ----------
    x : array_like of shape (N, C_in, {sp}) or (C_in, {sp})
        Input batch (or one unbatched input), int, float or complex.
    weight : array_like of shape (C_out, C_in / groups, {ks})
        One kernel per output channel, spanning the channels of its group.
    bias : array_like of shape (C_out,), optional
        Added to every output position of each channel.
    stride : int or tuple of {nd} ints
        Step between windows, ``>= 1``.
    padding : int, tuple, 'valid' or 'same'
        Samples added to each spatial axis: an int (both sides of every axis), a tuple
        with one int or one ``(low, high)`` pair per axis, ``'valid'`` (none) or
        ``'same'`` (output size = input size; stride 1 only; an odd total ``d*(k - 1)``
        puts the extra sample on the high side, as PyTorch does).
    dilation : int or tuple of {nd} ints
        Spacing between kernel taps, ``>= 1``.
    groups : int
        Number of channel groups, ``>= 1``, dividing ``C_in`` and ``C_out``; group ``g``
        maps input channels ``g*C_in/G ...`` to output channels ``g*C_out/G ...``.
    padding_mode : {{'zeros', 'reflect', 'replicate', 'circular'}}
        What the padded samples hold, as ``padding_mode`` of PyTorch's ``nn.Conv{nd}d``:
        zeros; the input mirrored about its edge sample, not repeating it
        (``numpy.pad``'s ``'reflect'``); the edge sample repeated (``'edge'``); or the
        input wrapped around periodically (``'wrap'``).

    Returns
    -------
    ndarray of shape (N, C_out, {outs}) or (C_out, {outs})
        Each output size is
        ``conv_output_size(n, k, stride, (p_lo, p_hi), dilation)`` =
        ``floor((n + p_lo + p_hi - dilation*(k - 1) - 1) / stride) + 1``; the dtype is
        NumPy's promotion of the inputs' (integer inputs give exact integer results).

    Raises
    ------
    ValueError
        If ``x`` or ``weight`` has the wrong number of dimensions, ``groups`` does not
        divide the channels, the channels of ``x`` and ``weight`` disagree, ``bias`` has
        the wrong shape, ``stride`` or ``dilation`` is < 1, ``padding`` is negative,
        ``padding='same'`` is combined with a stride, the padded input is smaller than
        the dilated kernel ``dilation*(k - 1) + 1``, padding makes the padded input or
        the output exceed ``convlib._validation.MAX_OUTPUT_BYTES``, ``padding_mode`` is
        not one of the four, or a side's padding is not smaller than the input
        (``'reflect'``) or larger than it (``'circular'``), PyTorch's limits.
    TypeError
        If an argument has the wrong kind (e.g. a float stride, a boolean array)."""


def conv1d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: IntOrSeq = 1, padding: Padding = 0, dilation: IntOrSeq = 1,
           groups: int = 1, padding_mode: str = "zeros") -> NDArray[Any]:
    """1-D convolution layer (cross-correlation) over a batch of multichannel signals.

    Equals ``torch.nn.functional.conv1d`` (and, with ``padding_mode``, the layer
    ``torch.nn.Conv1d``).
    {params}

    See Also
    --------
    conv2d, conv_transpose1d, convlib.conv_output_size

    Notes
    -----
    ``y[n, o, l] = b[o] + sum_{{c, i}} w[o, c, i] x_pad[n, c', stride*l + dilation*i]``
    (``c'`` the ``c``-th channel of ``o``'s group). Computed as :func:`conv2d` on
    images of height 1. Cost: ``N * C_out * L_out * (C_in/groups) * k``
    multiply-adds. Taught in :ref:`ch-conv-layers`; sizes in :ref:`ch-conv-arithmetic`.

    Examples
    --------
    >>> x = np.array([[[1, 2, 3, 4]]])            # N=1, C_in=1, L=4
    >>> conv1d(x, np.array([[[1, 0, -1]]]))         # correlation: no flip
    array([[[-2, -2]]])
    >>> conv1d(x, np.array([[[1, 1]]]), padding="same")
    array([[[3, 5, 7, 4]]])
    >>> for mode in ("zeros", "reflect", "replicate", "circular"):
    ...     print(mode, conv1d(x, np.ones((1, 1, 3), dtype=int), padding=1,
    ...                        padding_mode=mode)[0, 0].tolist())
    zeros [3, 6, 9, 7]
    reflect [5, 6, 9, 10]
    replicate [4, 6, 9, 11]
    circular [7, 6, 9, 8]
    >>> conv1d(x, np.ones((2, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: conv1d: x must have weight.shape[1] * groups = 3 channels; got x of shape (1, 1, 4)
    """
    return conv_forward(x, weight, bias, stride, padding, dilation, groups, 1, "conv1d",
                        padding_mode)


def conv2d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: IntOrSeq = 1, padding: Padding = 0, dilation: IntOrSeq = 1,
           groups: int = 1, padding_mode: str = "zeros") -> NDArray[Any]:
    """2-D convolution layer (cross-correlation) over a batch of NCHW images.

    Equals ``torch.nn.functional.conv2d`` (and, with ``padding_mode``, the layer
    ``torch.nn.Conv2d``).
    {params}

    See Also
    --------
    conv1d, conv3d, conv_transpose2d, conv2d_backward, convlib.im2col

    Notes
    -----
    ``y[n, o, p, q] = b[o] + sum_{{c, i, j}} w[o, c, i, j]
    x_pad[n, c', sH*p + dH*i, sW*q + dW*j]``. Computed as one matrix product per group,
    ``w.reshape(C_out/G, -1) @ im2col(x)`` (chapter 8). Cost:
    ``N * C_out * H_out * W_out * (C_in/groups) * kH * kW`` multiply-adds. Taught in
    :ref:`ch-conv-layers`.

    A ``padding_mode`` other than ``'zeros'`` pads the input first (``numpy.pad`` with
    the mode's NumPy name) and then runs the layer unpadded, as ``torch.nn.Conv2d``
    does; ``torch.nn.functional.conv2d`` itself has no ``padding_mode``, and PyTorch's
    transposed layers accept only ``'zeros'`` (so :func:`conv_transpose2d` has none).

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, chapter 9, MIT Press.
    Dumoulin and Visin (2016), *A guide to convolution arithmetic for deep learning*,
    arXiv:1603.07285.

    Examples
    --------
    >>> x = np.arange(16).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2), dtype=int), stride=2)
    array([[[[10, 18],
             [42, 50]]]])
    >>> conv2d(np.ones((1, 6, 5, 5)), np.ones((9, 2, 3, 3)), groups=3).shape
    (1, 9, 3, 3)
    >>> conv2d(np.ones((1, 8, 5, 5)), np.ones((3, 1, 3, 3)), groups=3)
    Traceback (most recent call last):
    ...
    ValueError: conv2d: groups must divide in_channels, but 3 does not divide 8
    >>> conv2d(np.ones((1, 1, 2, 5)), np.ones((1, 1, 3, 3)), padding=2,
    ...        padding_mode="reflect")
    Traceback (most recent call last):
    ...
    ValueError: conv2d: padding_mode='reflect' needs the padding of each side smaller than the input size; got padding (2, 2) for spatial axis 0 of size 2
    """
    return conv_forward(x, weight, bias, stride, padding, dilation, groups, 2, "conv2d",
                        padding_mode)


def conv3d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: IntOrSeq = 1, padding: Padding = 0, dilation: IntOrSeq = 1,
           groups: int = 1, padding_mode: str = "zeros") -> NDArray[Any]:
    """3-D convolution layer (cross-correlation) over a batch of NCDHW volumes.

    Equals ``torch.nn.functional.conv3d`` (and, with ``padding_mode``, the layer
    ``torch.nn.Conv3d``).
    {params}

    See Also
    --------
    conv2d

    Notes
    -----
    ``y[n, o, a, p, q] = b[o] + sum_{{c, h, i, j}} w[o, c, h, i, j]
    x_pad[n, c', sD*a + dD*h, sH*p + dH*i, sW*q + dW*j]``. Computed by contracting a
    strided window view of the input with the weights (``numpy.einsum``). Cost:
    ``N * C_out * D_out * H_out * W_out * (C_in/groups) * kD * kH * kW`` multiply-adds.
    Taught in :ref:`ch-conv-layers`.

    Examples
    --------
    >>> conv3d(np.ones((1, 1, 4, 4, 4)), np.ones((2, 1, 3, 3, 3))).shape
    (1, 2, 2, 2, 2)
    >>> conv3d(np.ones((1, 1, 2, 4, 4)), np.ones((1, 1, 3, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: conv3d: the padded input (2) is smaller than the dilated kernel (3)
    """
    return conv_forward(x, weight, bias, stride, padding, dilation, groups, 3, "conv3d",
                        padding_mode)


for _f, _nd, _sp, _ks, _outs in [
        (conv1d, 1, "L", "k", "L_out"),
        (conv2d, 2, "H, W", "kH, kW", "H_out, W_out"),
        (conv3d, 3, "D, H, W", "kD, kH, kW", "D_out, H_out, W_out")]:
    _f.__doc__ = (_f.__doc__ or "").format(
        params=_PARAMS.format(nd=_nd, sp=_sp, ks=_ks, outs=_outs))
