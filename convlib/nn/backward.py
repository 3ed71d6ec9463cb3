"""Backpropagation through a convolution layer: ``conv2d_backward``.

For ``y = conv2d(x, w, b)`` and a loss ``L`` with upstream gradient ``g = dL/dy``:

* ``dL/dx`` is the **transposed convolution** of ``g`` with ``w`` (the adjoint of the
  layer, chapter 12);
* ``dL/dw`` is the **correlation** of the input ``x`` with ``g`` (one GEMM per group on
  :func:`convlib.im2col`'s columns);
* ``dL/db`` is the **sum** of ``g`` over the batch and the positions.

Dense and grouped layers with kernels larger than 1 x 1 compute the three together, a
few samples at a time (``convlib.nn.transposed.DENSE_BLOCK_BYTES`` of columns), so that
each chunk of ``g`` and its columns stay in cache between the products that read them.

Chapter 13 derives the three formulas and checks them by finite differences, reporting
the agreement as :func:`relative_error`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import ArrayLike, IntOrSeq, Ints, NDArray, Padding
from .._validation import as_array
from ..compiled import depthwise_backward_s2, depthwise_weight_gradient, use_compiled
from ..compiled_columns import fold_columns_into, unfold_columns_into
from ..im2col import (fold_cropped_into, fold_into, tap_window, unfold_cropped_into,
                      unfold_view)
from ._args import (Pairs, as_layer_array, check_padding_mode, check_padding_size,
                    layer_inputs, output_sizes, pad_input, pad_input_adjoint,
                    padding_pairs, per_axis, result_dtype)
from .transposed import chunk_samples, conv2d_adjoint, even_rows, flipped_correlation

__all__ = ["conv2d_backward", "relative_error"]



def conv2d_backward(x: ArrayLike, weight: ArrayLike, grad_output: ArrayLike,
                    stride: IntOrSeq = 1, padding: Padding = 0, dilation: IntOrSeq = 1,
                    groups: int = 1, padding_mode: str = "zeros"
                    ) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Gradients of :func:`conv2d` with respect to its input, weight and bias.

    Parameters
    ----------
    x : array_like of shape (N, C_in, H, W) or (C_in, H, W)
        The layer's input in the forward pass.
    weight : array_like of shape (C_out, C_in / groups, kH, kW)
        The layer's weight.
    grad_output : array_like of shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``dL/dy``, the gradient of the loss with respect to the layer's output, batched
        like ``x``.
    stride, padding, dilation, groups, padding_mode
        As in the forward :func:`conv2d` (``padding`` also accepts ``'valid'``,
        ``'same'`` and ``(low, high)`` pairs).

    Returns
    -------
    grad_x : ndarray of shape (N, C_in, H, W) or (C_in, H, W)
        ``dL/dx``: the transposed convolution of ``grad_output`` with ``weight``, cropped
        to the input (zero padding receives no gradient); with another ``padding_mode``
        the gradient of each padded sample is added to the input sample it copies.
    grad_weight : ndarray of shape (C_out, C_in / groups, kH, kW)
        ``dL/dw[o, c, i, j] = sum_{n, p, q} g[n, o, p, q] x_pad[n, c', sH*p + dH*i,
        sW*q + dW*j]``: the correlation of the input with ``grad_output``.
    grad_bias : ndarray of shape (C_out,)
        ``dL/db[o] = sum_{n, p, q} g[n, o, p, q]``.

    Raises
    ------
    ValueError
        For the arguments, as :func:`conv2d`; and if ``grad_output`` does not have the
        shape of the layer's output.

    See Also
    --------
    conv2d, conv_transpose2d

    Notes
    -----
    Each gradient costs about as much as the forward pass:
    ``N * C_out * H_out * W_out * (C_in/groups) * kH * kW`` multiply-adds. Dense and
    grouped layers with kernels larger than 1 x 1 run the batch a few samples at a time
    (see the module docstring); their sums are the whole batch's in another order, equal up to
    rounding. Taught in :ref:`ch-backprop-conv`.

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, section 9.5, MIT Press.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> gx, gw, gb = conv2d_backward(x, np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    >>> gx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> gw[0, 0], gb
    (array([[ 8., 12.],
           [20., 24.]]), array([4.]))
    >>> conv2d_backward(x, np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: conv2d_backward: grad_output must have the output's shape (1, 1, 2, 2); got (1, 1, 3, 3)
    """
    func = "conv2d_backward"
    xb, w, _, groups, batched = layer_inputs(x, weight, None, 2, groups, func)
    g = as_layer_array(grad_output, "grad_output", 4, func)
    gb = g if g.ndim == 4 else g[None]
    s = per_axis(stride, 2, "stride", func, 1)
    d = per_axis(dilation, 2, "dilation", func, 1)
    k = w.shape[2:]
    pads = padding_pairs(padding, k, s, d, func)
    out_hw = output_sizes(xb.shape[2:], k, s, pads, d, func)
    expected = (xb.shape[0], w.shape[0]) + out_hw
    if gb.shape != expected or g.ndim != xb.ndim - (not batched):
        shown = expected if batched else expected[1:]
        raise ValueError(f"{func}: grad_output must have the output's shape {shown}; "
                         f"got {g.shape}")
    mode = check_padding_mode(padding_mode, pads, xb.shape[2:], func)
    check_padding_size(xb, w.shape[0], k, s, pads, d, out_hw,
                       result_dtype(xb, w, gb), func, padding)
    C_out, Cg, kH, kW = w.shape
    Hp, Wp = (n + lo + hi for n, (lo, hi) in zip(xb.shape[2:], pads))
    if not (Cg == 1 and groups == C_out) and kH * kW > 1:  # dense or grouped, k > 1
        dense = _dense_gradients(xb, gb, w, s, d, groups, pads, mode)
        return (dense[0] if batched else dense[0][0]), dense[1], dense[2]
    implied = (mode == "zeros" and Cg == 1 and groups == C_out and kH * kW > 1
               and use_compiled(xb, w, gb) and bool(np.isfinite(w).all()))
    lows = (pads[0][0], pads[1][0])
    # depthwise 3 x 3 at stride 2, compiled: the three gradients in one pass
    fused = depthwise_backward_s2(xb, gb, w, s, d, lows) if implied else None
    grad_x, grad_w, grad_b = fused if fused is not None else (None, None, None)
    if implied and fused is None:
        # depthwise, stride 1, compiled: dL/dx is the forward correlation of dL/dy
        # with the flipped kernel (chapter 14), whose zero padding the kernel implies
        grad_x = flipped_correlation(gb, w, s, d, xb.shape[2:], pads)
        # the input's zero padding implied
        grad_w, grad_b = depthwise_weight_gradient(xb, gb, (kH, kW), s, d, lows)
    if grad_x is None:
        grad_x = pad_input_adjoint(conv2d_adjoint(gb, w, (Hp, Wp), s, d, groups),
                                   pads, mode)
    if grad_w is not None and grad_b is not None:
        grad_b = grad_b.astype(gb.dtype, copy=False)
        # a non-finite dL/dy times a padded zero is NaN (and so, in the one-pass
        # kernel, is a non-finite input times a zero of its layout): pad, as the
        # NumPy path does
        if not (np.isfinite(grad_b).all()
                and (fused is None or np.isfinite(grad_w).all())):
            grad_w = None
    if grad_w is None or grad_b is None:
        xp = pad_input(xb, pads, mode=mode)
        grad_w = _weight_gradient(xp, gb, w.shape, s, d, groups)
        grad_b = _bias_gradient(gb)
    return (grad_x if batched else grad_x[0]), grad_w, grad_b


def _dense_gradients(x: NDArray[Any], g: NDArray[Any], weight: NDArray[Any],
                     stride: Ints, dilation: Ints, groups: int, pads: Pairs, mode: str
                     ) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """``dL/dx``, ``dL/dw`` and ``dL/db`` of a layer with a kernel larger than 1 x 1
    that is not depthwise, on the (unpadded, batched) input ``x`` padded by ``pads`` as
    ``mode`` says.

    Chunks of samples (:data:`convlib.nn.transposed.DENSE_BLOCK_BYTES` of columns):
    per chunk and group the columns ``w_g^T @ g_g`` are folded into ``dL/dx`` (as
    :func:`conv2d_adjoint` does), and the chunk's im2col columns, with a row of ones
    appended when the input and ``g`` have one float dtype and ``K = Cg * kH * kW`` is
    odd (the first layer's 27), give ``g_g @ [cols; 1]^T``: the
    weight gradient and, in the last column, the bias gradient (the sum of ``g`` over
    the positions) from the GEMM that reads ``g`` anyway. Chunk results are added in
    chunk order. The sums are those of the whole-batch path in another order: equal
    up to rounding (exact on integers).

    Zero padding, stride 1 and an output as wide as the input (``'same'`` padding,
    the benchmark's 3 x 3 layers but the stride-2 one): the fold and the im2col copy
    run as one flat add or copy per tap on the unpadded planes
    (:func:`convlib.im2col.fold_cropped_into`, :func:`convlib.im2col.unfold_cropped_into`),
    with no padded copy of ``x`` and no crop: the same values (the same additions in
    the same order; the same columns). Measured with NumPy 2.4.6 and its OpenBLAS on
    this 2-core machine (``time_interleaved``, min of 7 rounds, while other jobs ran):
    the whole ``conv2d_backward`` took 0.74-0.97 times the former padded path on the
    benchmark's 3 x 3 stride-1 layers (3->64 @56 N=8 and 32, 64->64 @56, 128->128
    @28, 256->256 @14, 64->64 @28 d2; float32 and float64; 2 threads, 3 runs; about
    0.8 on the first layer and 64->64 @56, about 0.9 on the others), 0.84-1.00 on one
    thread (2 runs); the parts in :func:`convlib.im2col.fold_cropped_into`. Where numba
    serves the arrays, the same moves run compiled
    (:mod:`convlib.compiled_columns`, the same values): the whole backward then took
    0.79-0.97 times as long on those layers (min of 9 interleaved rounds, a quiet
    machine; 0.92 on the first layer)."""
    N, C_out, H_out, W_out = g.shape
    _, Cg, kH, kW = weight.shape
    C_in, Og, K, L = x.shape[1], C_out // groups, Cg * kH * kW, H_out * W_out
    dt_x = np.result_type(g, weight)
    dt_w = np.result_type(g, x)
    # the bias as a column of the GEMM where K is odd (K + 1 rows ran faster than K:
    # see even_rows); where K is even, K + 1 ran 1-3 % slower than K, more than the
    # einsum over g (_bias_gradient) costs
    fuse = dt_w.kind == "f" and dt_w == g.dtype and K % 2 == 1
    B = K + 1 if fuse else K
    step = chunk_samples(N, C_in * kH * kW * L * max(dt_x.itemsize, dt_w.itemsize))
    wt = even_rows(weight.reshape(groups, Og, K).transpose(0, 2, 1).astype(dt_x,
                                                                            copy=False))
    gg = g.reshape(N, groups, Og, L)
    flat = mode == "zeros" and tuple(stride) == (1, 1) and W_out == x.shape[3]
    lows = (pads[0][0], pads[1][0])
    if flat:  # fold and copy on the unpadded planes (fold_cropped_into)
        grad_x = np.zeros((N, C_in) + x.shape[2:], dtype=dt_x)
    else:
        xp = pad_input(x, pads, mode=mode)
        win = unfold_view(xp, (kH, kW), stride, dilation)  # (N, C, kH, kW, H_out, W_out)
        grad_x = np.zeros((N, C_in) + xp.shape[2:], dtype=dt_x)
    cols_x = np.empty((step, groups, wt.shape[1], L), dtype=dt_x)
    cols_w = np.empty((step, groups, B, L), dtype=dt_w)
    if fuse:
        cols_w[:, :, K] = 1
    part = np.empty((step, groups, Og, B), dtype=dt_w)
    grad_w = np.zeros((groups, Og, B), dtype=dt_w)
    for n0 in range(0, N, step):
        m = min(step, N - n0)
        g_m = gg[n0:n0 + m]
        cx = np.matmul(wt, g_m, out=cols_x[:m])
        blocks = cx[:, :, :K].reshape(m, C_in, kH, kW, H_out, W_out)
        # (with the ones row, groups and channels do not merge into one axis)
        cw = cols_w[:m]
        cw_k = cw[:, :, :K].reshape(m, groups, Cg, kH, kW, H_out, W_out)
        if flat:  # compiled where numba serves the arrays, else NumPy: the same values
            if not fold_columns_into(grad_x[n0:n0 + m], cx, (kH, kW), dilation, lows):
                fold_cropped_into(grad_x[n0:n0 + m], blocks, dilation, lows)
            xm = x[n0:n0 + m]
            if not unfold_columns_into(cw, xm, (kH, kW), dilation, lows):
                unfold_cropped_into(cw_k, xm.reshape(m, groups, Cg, *x.shape[2:]),
                                    dilation, lows)
        else:
            fold_into(grad_x[n0:n0 + m], blocks, stride, dilation)
            np.copyto(cw_k, win[n0:n0 + m].reshape(m, groups, Cg, kH, kW, H_out, W_out))
        grad_w += np.matmul(g_m, cw.swapaxes(-1, -2), out=part[:m]).sum(axis=0)
    grad_b = grad_w[:, :, K].reshape(C_out) if fuse else _bias_gradient(g)
    if not flat:
        grad_x = pad_input_adjoint(grad_x, pads, mode)
    return grad_x, grad_w[:, :, :K].reshape(weight.shape), grad_b


def _bias_gradient(g: NDArray[Any]) -> NDArray[Any]:
    """``dL/db = g.sum(axis=(0, 2, 3))`` of a batched ``g = dL/dy``; for real floats as
    one ``einsum`` over the flattened planes (SIMD partial sums, another order of the
    same additions: equal up to rounding; measured with NumPy 2.4.6 on one core,
    8 x 64 x 56 x 56: 0.06 ms against 0.21 ms in float32, 0.12 against 0.23 in
    float64)."""
    if g.dtype.kind != "f":
        return g.sum(axis=(0, 2, 3))
    return np.einsum("nck->c", g.reshape(g.shape[0], g.shape[1], g.shape[2] * g.shape[3]))


def _weight_gradient(xp: NDArray[Any], g: NDArray[Any], shape: Ints, stride: Ints,
                     dilation: Ints, groups: int) -> NDArray[Any]:
    """``dL/dw`` from the padded input ``xp`` and ``g = dL/dy`` (both batched), for the
    layers :func:`_dense_gradients` does not take: depthwise ones and 1 x 1 kernels."""
    N, C_out, H_out, W_out = g.shape
    _, Cg, kH, kW = shape
    if Cg == 1 and groups == C_out and use_compiled(xp, g):  # depthwise, compiled
        return depthwise_weight_gradient(xp, g, (kH, kW), stride, dilation)[0]
    if Cg == 1 and groups == C_out:  # depthwise: per tap, one product-sum per channel
        grad_w = np.empty((C_out, kH, kW), dtype=np.result_type(xp, g))
        for i in range(kH):
            for j in range(kW):
                window = xp[(Ellipsis,) + tap_window(i, j, stride, dilation,
                                                     (H_out, W_out))]
                grad_w[:, i, j] = np.einsum("nchw,nchw->c", g, window)
        return grad_w.reshape(shape)
    # 1 x 1: the columns are the (strided) pixels, a view, no im2col copy
    cols = xp[(Ellipsis,) + tap_window(0, 0, stride, dilation, (H_out, W_out))]
    cols = cols.reshape(N, groups, Cg, H_out * W_out)
    gg = g.reshape(N, groups, C_out // groups, H_out * W_out)
    # per sample and group one GEMM on the transposed view of the columns (no copy of
    # them), summed over the batch
    return np.matmul(gg, cols.swapaxes(-1, -2)).sum(axis=0).reshape(shape)


def relative_error(analytic: ArrayLike, numeric: ArrayLike) -> NDArray[Any]:
    """Elementwise relative error of a gradient check, as CS231n defines it.

    ``|a - b| / max(|a|, |b|)``: symmetric, and defined where only one of the two is
    zero; where both are zero the error is 0 (the check passes there).

    Parameters
    ----------
    analytic : array_like
        The gradient from backpropagation.
    numeric : array_like of the same shape
        The gradient from finite differences.

    Returns
    -------
    ndarray of the inputs' shape
        float, from 0 (equal) to 2 (opposite signs, equal size); NaN where either
        value is NaN or infinite (a check that met NaN or infinity does not pass).

    Raises
    ------
    ValueError
        If the two shapes differ or either is empty.
    TypeError
        If either is not real.

    Notes
    -----
    CS231n's notes rate the error: above ``1e-2`` the gradient is probably wrong,
    ``1e-7`` and less is good; in between it depends on kinks (ReLU, max) and depth.
    Rounding alone makes it large where both values are tiny, so read it together with
    the size of the values. Taught in :ref:`ch-backprop-conv`.

    References
    ----------
    A. Karpathy, CS231n course notes, "Neural Networks Part 3: Learning and
    Evaluation", section "Gradient checks", Stanford University.

    Examples
    --------
    >>> relative_error([2.0, 0.0, 2.0, -1.0], [1.5, 0.0, 0.0, 1.0])
    array([0.25, 0.  , 1.  , 2.  ])
    >>> relative_error([np.nan, 1.0], [1.0, np.inf])
    array([nan, nan])
    >>> relative_error([1.0, 2.0], [1.0])
    Traceback (most recent call last):
    ...
    ValueError: relative_error: numeric must have the shape of analytic (2,); got (1,)
    """
    func = "relative_error"
    a = as_array(analytic, "analytic", func)
    b = as_array(numeric, "numeric", func)
    for name, arr in (("analytic", a), ("numeric", b)):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{func}: {name} must be real; got dtype {arr.dtype}")
    if a.shape != b.shape:
        raise ValueError(f"{func}: numeric must have the shape of analytic {a.shape}; "
                         f"got {b.shape}")
    a, b = a.astype(np.float64), b.astype(np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    # scale != 0, not scale > 0: a NaN scale must give NaN, not the 0 of 'both zero'
    with np.errstate(invalid="ignore"):
        return np.divide(np.abs(a - b), scale, out=np.zeros_like(scale),
                         where=scale != 0)
