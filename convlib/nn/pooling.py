"""Pooling: ``max_pool2d``, ``avg_pool2d`` and their backward passes (PyTorch semantics).

A pooling layer slides a ``kH x kW`` window over each channel separately (no weights)
and keeps the window's maximum or mean. The backward passes route the upstream gradient
back through the same windows: to the position of each maximum, or spread evenly.
Windows are :func:`convlib.im2col` columns; the backward passes fold gradients with
:func:`convlib.col2im`. Chapter 13 teaches them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import ArrayLike, IntOrSeq, Ints, NDArray
from ..im2col import fold, unfold
from ._args import (Pairs, as_layer_array, check_grown_size, output_sizes, pad_input,
                    padding_pairs, per_axis)

__all__ = ["max_pool2d", "avg_pool2d", "max_pool2d_backward", "avg_pool2d_backward"]



def _pool_args(x: Any, kernel_size: IntOrSeq, stride: IntOrSeq | None,
               padding: IntOrSeq, func: str, *, real: bool
               ) -> tuple[NDArray[Any], bool, Ints, Ints, Pairs, Ints]:
    x = as_layer_array(x, "x", 4, func)
    if real and x.dtype.kind == "c":
        raise TypeError(f"{func}: x must be real (max of complex numbers is undefined); "
                        f"got dtype {x.dtype}")
    batched = x.ndim == 4
    xb = x if batched else x[None]
    k = per_axis(kernel_size, 2, "kernel_size", func, 1)
    s = k if stride is None else per_axis(stride, 2, "stride", func, 1)
    pads = padding_pairs(padding, k, s, (1, 1), func, strings=(), pairs=False)
    for (pi, _), ki in zip(pads, k):
        if pi > ki // 2:
            raise ValueError(f"{func}: padding must be at most half the kernel size "
                             f"({ki // 2}); got {pi}")
    out_hw = output_sizes(xb.shape[2:], k, s, pads, (1, 1), func)
    # the windows are copied (im2col): kH*kW values per output position; with a
    # 1 x 1 window they are the input itself
    check_grown_size(func, "kernel_size", [
        (xb.shape[:2] + (k[0] * k[1], out_hw[0] * out_hw[1]), xb.shape, xb.dtype.itemsize,
         "the copy of every pooling window (kH*kW values per output); use a larger "
         "stride")])
    return xb, batched, k, s, pads, out_hw


def _windows(xp: NDArray[Any], k: Ints, s: Ints) -> NDArray[Any]:
    """(N, C, kH*kW, L): every pooling window of every channel."""
    N, C = xp.shape[:2]
    return unfold(xp, k, s, (1, 1)).reshape(N, C, k[0] * k[1], -1)


def _lowest(dtype: np.dtype[Any]) -> float | int:
    """The padding of max pooling: ``-inf``, or the smallest integer of ``dtype``."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _argmax(win: NDArray[Any], xb: NDArray[Any], k: Ints, s: Ints, pads: Pairs
            ) -> NDArray[Any]:
    """Index in each window (N, C, 1, L) that receives its gradient: PyTorch's rule.

    Only real elements (never the padding, even where a real maximum ties with the
    padding value): the first maximum in row-major order, or the last NaN if the
    window holds NaNs (PyTorch's CPU kernel keeps moving its index to each NaN).
    """
    H, W = xb.shape[2:]
    real = _windows(pad_input(np.ones((1, 1, H, W), dtype=bool), pads, False), k, s)
    kk = win.shape[2]
    top = win.max(axis=2, keepdims=True)
    first = np.argmax(real & (win == top), axis=2)
    if win.dtype.kind == "f":
        nan = np.isnan(win) & real
        last_nan = kk - 1 - np.argmax(nan[:, :, ::-1], axis=2)
        first = np.where(nan.any(axis=2), last_nan, first)
    return first[:, :, None, :]


def _fold(cols: NDArray[Any], xb: NDArray[Any], k: Ints, s: Ints, pads: Pairs
          ) -> NDArray[Any]:
    """Sum window gradients (N, C, kH*kW, L) back onto the input, dropping padding."""
    N, C, H, W = xb.shape
    (plo, phi), (qlo, qhi) = pads
    out = fold(cols.reshape(N, C * k[0] * k[1], -1), (H + plo + phi, W + qlo + qhi),
               k, s, (1, 1))
    return out[:, :, plo: plo + H, qlo: qlo + W]


def _check_grad(grad_output: ArrayLike, xb: NDArray[Any], batched: bool,
                out_hw: Ints, func: str) -> NDArray[Any]:
    g = as_layer_array(grad_output, "grad_output", 4, func)
    expected = xb.shape[:2] + out_hw
    if (g if g.ndim == 4 else g[None]).shape != expected or (g.ndim == 4) != batched:
        shown = expected if batched else expected[1:]
        raise ValueError(f"{func}: grad_output must have the output's shape {shown}; "
                         f"got {g.shape}")
    return (g if batched else g[None]).reshape(expected[:2] + (1, -1))


_PARAMS = """
    Parameters
    ----------
    x : array_like of shape (N, C, H, W) or (C, H, W)
        Input batch (or one unbatched input).
    kernel_size : int or (int, int)
        Window size ``(kH, kW)``.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int)
        Added to both sides of each axis, at most half the kernel size."""


def max_pool2d(x: ArrayLike, kernel_size: IntOrSeq, stride: IntOrSeq | None = None,
               padding: IntOrSeq = 0) -> NDArray[Any]:
    """2-D max pooling: the maximum of each window, channel by channel.

    Equals ``torch.nn.functional.max_pool2d`` (dilation 1, ``ceil_mode=False``).
    {params} The padding is ``-inf`` (the smallest integer for integer input), so it
        is never the maximum.

    Returns
    -------
    ndarray of shape (N, C, H_out, W_out) or (C, H_out, W_out)
        ``H_out = conv_output_size(H, kH, sH, pH)`` (same for ``W``); ``x``'s dtype.

    Raises
    ------
    ValueError
        Wrong number of dimensions, ``kernel_size`` or ``stride`` < 1, negative padding
        or padding above half the kernel, a window larger than the padded input, or
        copies of the windows (``kH*kW`` values per output) that would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.
    TypeError
        If ``x`` is complex or an argument has the wrong kind.

    See Also
    --------
    avg_pool2d, max_pool2d_backward

    Notes
    -----
    ``y[n, c, p, q] = max_{{i, j}} x_pad[n, c, sH*p + i, sW*q + j]``. Taught in
    :ref:`ch-backprop-conv`.

    Examples
    --------
    >>> x = np.array([[[1, 5, 2, 0], [3, 4, 8, 1], [0, 1, 2, 3], [7, 2, 1, 1]]])
    >>> max_pool2d(x, 2)
    array([[[5, 8],
            [7, 3]]])
    >>> max_pool2d(x, 2, padding=2)
    Traceback (most recent call last):
    ...
    ValueError: max_pool2d: padding must be at most half the kernel size (1); got 2
    """
    xb, batched, k, s, pads, out_hw = _pool_args(x, kernel_size, stride, padding,
                                                 "max_pool2d", real=True)
    out = _windows(pad_input(xb, pads, _lowest(xb.dtype)), k, s).max(axis=2)
    out = out.reshape(xb.shape[:2] + out_hw)
    return out if batched else out[0]


def avg_pool2d(x: ArrayLike, kernel_size: IntOrSeq, stride: IntOrSeq | None = None,
               padding: IntOrSeq = 0) -> NDArray[Any]:
    """2-D average pooling: the mean of each window, channel by channel.

    Equals ``torch.nn.functional.avg_pool2d`` (``count_include_pad=True``).
    {params} The padding is zeros and counts in the average (PyTorch's default).

    Returns
    -------
    ndarray of shape (N, C, H_out, W_out) or (C, H_out, W_out)
        ``H_out = conv_output_size(H, kH, sH, pH)`` (same for ``W``); floating (the
        mean of integers is a float, as in ``numpy.mean``).

    Raises
    ------
    ValueError
        As :func:`max_pool2d`.
    TypeError
        If an argument has the wrong kind.

    See Also
    --------
    max_pool2d, avg_pool2d_backward

    Notes
    -----
    ``y[n, c, p, q] = (1 / (kH kW)) sum_{{i, j}} x_pad[n, c, sH*p + i, sW*q + j]``:
    a depthwise convolution with a constant kernel. Taught in :ref:`ch-backprop-conv`.

    Examples
    --------
    >>> avg_pool2d(np.arange(16.0).reshape(1, 4, 4), 2)
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    >>> avg_pool2d(np.ones((1, 3, 3)), 2, padding=1)
    array([[[0.25, 0.5 ],
            [0.5 , 1.  ]]])
    """
    xb, batched, k, s, pads, out_hw = _pool_args(x, kernel_size, stride, padding,
                                                 "avg_pool2d", real=False)
    out = _windows(pad_input(xb, pads), k, s).mean(axis=2)
    out = out.reshape(xb.shape[:2] + out_hw)
    return out if batched else out[0]


def max_pool2d_backward(x: ArrayLike, grad_output: ArrayLike, kernel_size: IntOrSeq,
                        stride: IntOrSeq | None = None,
                        padding: IntOrSeq = 0) -> NDArray[Any]:
    """Gradient of :func:`max_pool2d` with respect to its input.

    Each window's upstream gradient goes to the position of the window's maximum (the
    first one in row-major order if there are ties; the last NaN if the window holds
    NaNs); overlapping windows add. The padding never receives gradient, even where a
    real maximum equals the padding value (``-inf``, or the smallest integer): the
    rules of PyTorch's ``max_pool2d`` backward.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W) or (C, H, W)
        The forward pass's input.
    grad_output : array_like of shape (N, C, H_out, W_out) or (C, H_out, W_out)
        ``dL/dy`` for ``y = max_pool2d(x, kernel_size, stride, padding)``.
    kernel_size, stride, padding
        As in :func:`max_pool2d`.

    Returns
    -------
    ndarray of shape (N, C, H, W) or (C, H, W)
        ``dL/dx``.

    Raises
    ------
    ValueError
        As :func:`max_pool2d`, and if ``grad_output`` does not have the output's shape.

    Examples
    --------
    >>> x = np.array([[[1., 5.], [3., 4.]]])
    >>> max_pool2d_backward(x, np.array([[[10.]]]), 2)
    array([[[ 0., 10.],
            [ 0.,  0.]]])
    >>> max_pool2d_backward(x, np.ones((1, 2, 2)), 2)
    Traceback (most recent call last):
    ...
    ValueError: max_pool2d_backward: grad_output must have the output's shape (1, 1, 1); got (1, 2, 2)
    """
    func = "max_pool2d_backward"
    xb, batched, k, s, pads, out_hw = _pool_args(x, kernel_size, stride, padding, func,
                                                 real=True)
    g = _check_grad(grad_output, xb, batched, out_hw, func)      # (N, C, 1, L)
    win = _windows(pad_input(xb, pads, _lowest(xb.dtype)), k, s)  # (N, C, kk, L)
    cols = np.where(np.arange(win.shape[2])[:, None] == _argmax(win, xb, k, s, pads),
                    g, 0 * g)
    out = _fold(cols, xb, k, s, pads)
    return out if batched else out[0]


def avg_pool2d_backward(x: ArrayLike, grad_output: ArrayLike, kernel_size: IntOrSeq,
                        stride: IntOrSeq | None = None,
                        padding: IntOrSeq = 0) -> NDArray[Any]:
    """Gradient of :func:`avg_pool2d` with respect to its input.

    Each window's upstream gradient is spread evenly, ``1 / (kH kW)`` to each of its
    positions (padding included, whose share is dropped); overlapping windows add.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W) or (C, H, W)
        The forward pass's input (only its shape is used).
    grad_output : array_like of shape (N, C, H_out, W_out) or (C, H_out, W_out)
        ``dL/dy`` for ``y = avg_pool2d(x, kernel_size, stride, padding)``.
    kernel_size, stride, padding
        As in :func:`avg_pool2d`.

    Returns
    -------
    ndarray of shape (N, C, H, W) or (C, H, W)
        ``dL/dx``.

    Raises
    ------
    ValueError
        As :func:`avg_pool2d`, and if ``grad_output`` does not have the output's shape.

    Examples
    --------
    >>> avg_pool2d_backward(np.zeros((1, 2, 2)), np.array([[[8.]]]), 2)
    array([[[2., 2.],
            [2., 2.]]])
    """
    func = "avg_pool2d_backward"
    xb, batched, k, s, pads, out_hw = _pool_args(x, kernel_size, stride, padding, func,
                                                 real=False)
    g = _check_grad(grad_output, xb, batched, out_hw, func)      # (N, C, 1, L)
    cols = np.broadcast_to(g / (k[0] * k[1]), xb.shape[:2] + (k[0] * k[1], g.shape[-1]))
    out = _fold(np.ascontiguousarray(cols), xb, k, s, pads)
    return out if batched else out[0]


max_pool2d.__doc__ = (max_pool2d.__doc__ or "").format(params=_PARAMS)
avg_pool2d.__doc__ = (avg_pool2d.__doc__ or "").format(params=_PARAMS)
