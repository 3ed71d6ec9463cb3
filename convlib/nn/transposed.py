"""Transposed convolution: ``conv_transpose1d``, ``conv_transpose2d`` (PyTorch semantics).

A transposed convolution is the **adjoint** (the transpose of the matrix) of a
convolution layer: for ``y = conv2d(x, w)``,
``<conv2d(x, w), u> == <x, conv_transpose2d(u, w)>`` for every ``x`` and ``u`` of the
right shapes. So it is also the gradient of ``conv2d`` with respect to its input, and
it maps a ``conv2d`` output size back to the input size. Each input value scatters a
copy of the kernel, scaled by the value, into the output, ``stride`` samples apart; the
copies overlap and add. Computed as one matrix product per group followed by
:func:`convlib.col2im` (1 x 1 kernels: the product's columns are the strided pixels,
placed without a fold); depthwise layers scatter each tap's scaled copy instead, or
run :mod:`convlib.compiled`'s kernels (at stride 1 mostly the forward correlation with
the flipped kernel; a 3 x 3 kernel at stride 2 gathers each output once, cropped, with
the scatter's values).
Chapter 12 teaches it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import ArrayLike, IntOrSeq, Ints, NDArray
from ..compiled import (depthwise_adjoint, depthwise_adjoint_s2, depthwise_forward,
                        use_compiled)
from ..compiled_columns import fold_columns_into
from ..im2col import fold_cropped_into, fold_into, tap_window
from ..shapes import _conv_transpose_output_size
from .._validation import check_int, check_output_bytes, output_bytes_problem
from ._args import (Pairs, as_layer_array, layer_inputs, padding_pairs, per_axis,
                    result_dtype)
from .layers import conv2d

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose2d_phases",
           "subpixel_weight"]



def conv2d_adjoint(u: NDArray[Any], weight: NDArray[Any], full_hw: Ints, stride: Ints,
                   dilation: Ints, groups: int,
                   cropped: tuple[Ints, Ints] | None = None) -> NDArray[Any]:
    """The adjoint of an unpadded ``conv2d(., weight)`` applied to ``u``.

    ``u`` has shape ``(N, C_out, H_out, W_out)`` and ``weight`` ``(C_out, C_in/G, kH,
    kW)``; the result has shape ``(N, C_in, *full_hw)``, the (padded) input size of the
    convolution. Columns ``w_g^T @ u_g`` per group, folded with :func:`convlib.col2im`'s
    sum, a few samples at a time (:data:`DENSE_BLOCK_BYTES`; for 1 x 1 kernels the
    columns are the strided pixels: placed, no fold); depthwise
    layers add each tap's scaled copy of ``u`` in place instead (compiled:
    ``convlib.compiled.depthwise_adjoint``).

    ``cropped = (lows, sizes)`` (dense or grouped, kernel larger than 1 x 1, stride 1,
    ``sizes[1] == W_out``): the result cropped to ``sizes`` after ``lows``, folded
    directly into the cropped planes, one flat add per tap
    (:func:`convlib.im2col.fold_cropped_into`, compiled where numba serves the arrays:
    :func:`convlib.compiled_columns.fold_columns_into`): the same values as the crop
    of the full result, without the full array.
    """
    N, C_out, H_out, W_out = u.shape
    _, Cg, kH, kW = weight.shape
    if Cg == 1 and groups == C_out and use_compiled(u, weight):  # depthwise, compiled
        return depthwise_adjoint(u, weight, full_hw, stride, dilation)
    if Cg == 1 and groups == C_out:  # depthwise: scatter each tap, no columns
        out = np.zeros((N, C_out) + tuple(full_hw), dtype=np.result_type(u, weight))
        for i in range(kH):
            for j in range(kW):
                window = (Ellipsis,) + tap_window(i, j, stride, dilation, (H_out, W_out))
                out[window] += u * weight[:, 0, i, j][:, None, None]
        return out
    ug = u.reshape(N, groups, C_out // groups, H_out * W_out)
    wg = weight.reshape(groups, C_out // groups, Cg * kH * kW)
    if kH == kW == 1:  # the columns are the (strided) pixels: nothing overlaps to fold
        img = np.matmul(wg.transpose(0, 2, 1), ug).reshape(N, groups * Cg, H_out, W_out)
        if tuple(full_hw) == (H_out, W_out):
            return img
        out = np.zeros((N, groups * Cg) + tuple(full_hw), dtype=img.dtype)
        out[(Ellipsis,) + tap_window(0, 0, stride, dilation, (H_out, W_out))] = img
        return out
    dtype = np.result_type(u, weight)
    wt = even_rows(wg.transpose(0, 2, 1).astype(dtype, copy=False))
    K = Cg * kH * kW
    plane = tuple(full_hw) if cropped is None else tuple(cropped[1])
    out = np.zeros((N, groups * Cg) + plane, dtype=dtype)
    step = chunk_samples(N, groups * K * H_out * W_out * dtype.itemsize)
    cols = np.empty((step, groups, wt.shape[1], H_out * W_out), dtype=dtype)
    for n0 in range(0, N, step):  # columns of a few samples, folded while in cache
        m = min(step, N - n0)
        np.matmul(wt, ug[n0:n0 + m], out=cols[:m])
        blocks = cols[:m, :, :K].reshape(m, groups * Cg, kH, kW, H_out, W_out)
        if cropped is None:
            fold_into(out[n0:n0 + m], blocks, stride, dilation)
        else:
            if not fold_columns_into(out[n0:n0 + m], cols[:m], (kH, kW), dilation,
                                     cropped[0]):  # compiled, else NumPy: same values
                fold_cropped_into(out[n0:n0 + m], blocks, dilation, cropped[0])
    return out


def even_rows(wt: NDArray[Any]) -> NDArray[Any]:
    """The weights ``w_g^T`` (G, K, C_out/G) of the input gradient's GEMM, with the
    first row repeated when there is one group and ``K`` is odd: OpenBLAS's kernels
    ran the first layer's 27 rows (3 channels by 3 x 3) slower than 28 -- per sample
    of 3->64 @56, float32 0.50 against 0.44 ms, float64 1.16 against 1.12 ms (one
    thread, CPU time, min of 9 interleaved rounds). The caller drops the extra row of
    the product; being a copy of the first, it raises no floating-point warning (inf
    times 0) that the first row does not."""
    if wt.shape[0] != 1 or wt.shape[1] % 2 == 0:
        return wt
    return np.concatenate([wt, wt[:, :1]], axis=1)


#: Bytes of im2col columns that :func:`conv2d_adjoint` (the dense and grouped
#: :func:`conv_transpose2d` and the input gradient of :func:`conv2d_backward`) and the
#: weight gradient of ``conv2d_backward`` build at once for kernels larger than 1 x 1:
#: the batch is processed a few samples at a time (:func:`chunk_samples`, at least one
#: sample), in buffers reused from chunk to chunk, so that the columns stay in cache
#: between the GEMM that writes them and the pass that reads them (the fold, or the
#: GEMM of the weight gradient), and no page of them is faulted in again. Measured on
#: ``conv2d_backward`` serially (OpenBLAS on one thread, CPU time, min of 9
#: interleaved rounds, on a shared 2-core machine): 2 MiB was as fast as one sample a
#: chunk and faster than 8 MiB (3->64 @56 N=32: 2.35 against 2.72 times the forward);
#: the whole batch at once (the former code) 2.86.
DENSE_BLOCK_BYTES = 2 * 2**20


def chunk_samples(N: int, per_sample: int) -> int:
    """Samples per chunk: as many as :data:`DENSE_BLOCK_BYTES` of columns hold, at
    least one, at most ``N``, spread evenly (8 samples of which 6 fit: two chunks of
    4, not 6 and 2)."""
    step = max(1, min(N, DENSE_BLOCK_BYTES // max(1, per_sample)))
    return -(-N // -(-N // step)) if N > 0 else 1


def _check_scatter_size(xb: NDArray[Any], C_out: int, k: Ints, s: Ints, d: Ints,
                        op: Ints, dtype: np.dtype[Any], func: str) -> None:
    """Refuse, naming ``stride`` and/or ``dilation``, the array the kernel copies are
    scattered into -- ``(n - 1)*stride + dilation*(k - 1) + 1`` per axis, before the crop
    of ``padding`` -- when they make it too large (``stride=10**9``). Without them
    (stride and dilation 1) its size follows from the inputs, which the user allocated."""
    def shape(stride: Ints, dilation: Ints) -> Ints:
        return xb.shape[:1] + (C_out,) + tuple(
            _conv_transpose_output_size(n, ki, si, 0, 0, di, func) + oi
            for n, ki, si, di, oi in zip(xb.shape[2:], k, stride, dilation, op))

    ones = (1,) * len(k)
    full = shape(s, d)
    if output_bytes_problem(full, dtype.itemsize) is None \
            or output_bytes_problem(shape(ones, ones), dtype.itemsize) is not None:
        return
    if output_bytes_problem(shape(ones, d), dtype.itemsize) is None:
        name = "stride"
    elif output_bytes_problem(shape(s, ones), dtype.itemsize) is None:
        name = "dilation"
    else:
        name = "stride and dilation"
    check_output_bytes(full, dtype.itemsize, name, func,
                       hint="the kernel copies are scattered into (n - 1)*stride + "
                            "dilation*(k - 1) + 1 samples per axis before padding crops")


def flipped_correlation(u: NDArray[Any], weight: NDArray[Any], stride: Ints,
                        dilation: Ints, sizes: Sequence[int], pads: Pairs
                        ) -> NDArray[Any] | None:
    """The adjoint of a depthwise ``conv2d(., weight)`` at stride 1 applied to ``u``,
    cropped to ``sizes`` after the low ``pads``: the compiled forward correlation of
    ``u`` with the flipped kernel, whose zero padding ``d (k - 1) - pad_lo`` the kernel
    implies; None at another stride or where a low pad exceeds ``d (k - 1)``. The
    caller checks that the layer is depthwise, compiled, with finite taps."""
    flipped = tuple(di * (ki - 1) - lo
                    for di, ki, (lo, _) in zip(dilation, weight.shape[2:], pads))
    if tuple(stride) != (1, 1) or min(flipped) < 0:
        return None
    return depthwise_forward(u, weight[:, :, ::-1, ::-1], stride, dilation, tuple(sizes),
                             flipped)


def _crop(out: NDArray[Any], pads: Pairs, op: Ints, sizes: Sequence[int]
          ) -> NDArray[Any]:
    """The uncropped output ``(N, C, *full)`` cropped by ``p_lo`` before and by
    ``p_hi - output_padding`` after each axis (zeros appended if that is negative)."""
    extra = [(0, 0), (0, 0)] + [(0, max(0, o - hi)) for o, (lo, hi) in zip(op, pads)]
    out = np.pad(out, extra) if any(e[1] for e in extra) else out
    return out[:, :, pads[0][0]: pads[0][0] + sizes[0], pads[1][0]: pads[1][0] + sizes[1]]


def _transpose(x: Any, weight: Any, bias: Any, stride: IntOrSeq, padding: IntOrSeq,
               output_padding: IntOrSeq, groups: int, dilation: IntOrSeq, nd: int,
               func: str) -> NDArray[Any]:
    xb, weight, bias, groups, batched = layer_inputs(x, weight, bias, nd, groups, func,
                                                     transposed=True)
    s = per_axis(stride, nd, "stride", func, 1)
    d = per_axis(dilation, nd, "dilation", func, 1)
    op = per_axis(output_padding, nd, "output_padding", func, 0)
    k = weight.shape[2:]
    pads = padding_pairs(padding, k, s, d, func, strings=())
    sizes = [_conv_transpose_output_size(n, ki, si, pi, oi, di, func)
             for n, ki, si, pi, oi, di in zip(xb.shape[2:], k, s, pads, op, d)]
    _check_scatter_size(xb, weight.shape[1] * groups, k, s, d, op,
                        result_dtype(xb, weight, bias), func)
    if nd == 1:  # images of height 1
        xb, weight = xb[:, :, None], weight[:, :, None]
        s, d, op, pads, sizes = (1,) + s, (1,) + d, (0,) + op, ((0, 0),) + pads, \
            [1] + sizes
    full = tuple(_conv_transpose_output_size(n, ki, si, 0, 0, di, func)
                 for n, si, di, ki in zip(xb.shape[2:], s, d, weight.shape[2:]))
    out = None
    if (weight.shape[1] == 1 and groups == xb.shape[1] and math.prod(weight.shape[2:]) > 1
            and use_compiled(xb, weight) and bool(np.isfinite(weight).all())):
        # depthwise, compiled, at stride 1 (as conv2d_backward's input gradient): the
        # forward's nine-tap pass instead of a scatter per tap (taps added in reverse
        # order, so the values differ from the scatter's by rounding); 3 x 3 at stride
        # 2: each output gathered once, cropped (the scatter's values)
        out = (flipped_correlation(xb, weight, s, d, sizes, pads) if s == (1, 1) else
               depthwise_adjoint_s2(xb, weight, s, d, (pads[0][0], pads[1][0]), sizes))
    if (out is None and s == (1, 1) and sizes[1] == xb.shape[3]
            and not (weight.shape[1] == 1 and groups == xb.shape[1])
            and math.prod(weight.shape[2:]) > 1):
        # dense or grouped, stride 1, as wide as the input: folded into the cropped
        # planes (conv2d_adjoint's cropped; the crop's values)
        out = conv2d_adjoint(xb, weight, full, s, d, groups,
                             ((pads[0][0], pads[1][0]), (sizes[0], sizes[1])))
    if out is None:
        out = _crop(conv2d_adjoint(xb, weight, full, s, d, groups), pads, op, sizes)
    if nd == 1:
        out = out[:, :, 0]
    if bias is not None:
        out = out + bias.reshape((-1,) + (1,) * nd)
    return out if batched else out[0]


_PARAMS = """
    Parameters
    ----------
    x : array_like of shape (N, C_in, {sp}) or (C_in, {sp})
        Input batch (or one unbatched input), int, float or complex.
    weight : array_like of shape (C_in, C_out / groups, {ks})
        PyTorch's layout for transposed convolution: the weight of the ``conv{nd}d``
        (from ``C_out`` to ``C_in`` channels) whose adjoint this is.
    bias : array_like of shape (C_out,), optional
    stride : int or tuple of {nd} ints
        Spacing of the scattered kernel copies in the output, ``>= 1``.
    padding : int or tuple of {nd} ints or (low, high) pairs
        Rows/columns cropped from each end of the output (the padding of the forward
        convolution), ``>= 0``.
    output_padding : int or tuple of {nd} ints
        Extra size added at the high end of each axis, ``>= 0`` and smaller than either
        ``stride`` or ``dilation``: it picks which of the ``stride`` input sizes that a
        strided convolution maps to the same output size is produced.
    groups : int
        Channel groups, ``>= 1``, dividing ``C_in``.
    dilation : int or tuple of {nd} ints
        Spacing between kernel taps, ``>= 1``.

    Returns
    -------
    ndarray of shape (N, C_out, {outs}) or (C_out, {outs})
        Each output size is ``conv_transpose_output_size(n, k, stride, padding,
        output_padding, dilation)`` = ``(n - 1)*stride - p_lo - p_hi +
        dilation*(k - 1) + output_padding + 1``.

    Raises
    ------
    ValueError
        Wrong number of dimensions; ``groups`` not dividing ``C_in``;
        ``weight.shape[0] != C_in``; ``stride`` or ``dilation`` < 1; negative
        ``padding``; ``output_padding`` not smaller than ``stride`` or ``dilation``; an
        output size < 1; ``stride`` or ``dilation`` making the array the kernel copies
        are scattered into exceed ``convlib._validation.MAX_OUTPUT_BYTES``.
    TypeError
        If an argument has the wrong kind."""


def conv_transpose1d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: IntOrSeq = 1, padding: IntOrSeq = 0,
                     output_padding: IntOrSeq = 0, groups: int = 1,
                     dilation: IntOrSeq = 1) -> NDArray[Any]:
    """1-D transposed convolution: the adjoint of :func:`conv1d`.

    Equals ``torch.nn.functional.conv_transpose1d``.
    {params}

    See Also
    --------
    conv1d, conv_transpose2d, convlib.conv_transpose_output_size

    Notes
    -----
    ``y[n, o, s*l + d*i - p_lo] += w[c, o', i] x[n, c, l]`` for every input position
    ``l`` and tap ``i`` (``o'`` the index of ``o`` within its group). Cost: the same
    multiply-adds as the forward convolution. Taught in :ref:`ch-transposed-conv`.

    Examples
    --------
    >>> conv_transpose1d(np.array([[[1, 2]]]), np.array([[[1, 1, 1]]]), stride=2)
    array([[[1, 1, 3, 2, 2]]])
    >>> conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 3)), stride=2,
    ...                  output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: conv_transpose1d: output_padding must be smaller than either stride or dilation; got output_padding=2, stride=2, dilation=1
    """
    return _transpose(x, weight, bias, stride, padding, output_padding, groups,
                      dilation, 1, "conv_transpose1d")


def conv_transpose2d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: IntOrSeq = 1, padding: IntOrSeq = 0,
                     output_padding: IntOrSeq = 0, groups: int = 1,
                     dilation: IntOrSeq = 1) -> NDArray[Any]:
    """2-D transposed convolution: the adjoint of :func:`conv2d`.

    Equals ``torch.nn.functional.conv_transpose2d``.
    {params}

    See Also
    --------
    conv2d, conv2d_backward, convlib.col2im

    Notes
    -----
    ``y[n, o, sH*p + dH*i - pH, sW*q + dW*j - pW] += w[c, o', i, j] x[n, c, p, q]``.
    Computed as ``w_g^T @ x_g`` per group (columns), then :func:`convlib.col2im` adds
    the overlapping columns into the image. Taught in :ref:`ch-transposed-conv`.

    References
    ----------
    Dumoulin and Visin (2016), *A guide to convolution arithmetic for deep learning*,
    arXiv:1603.07285, chapter 4. Odena, Dumoulin and Olah (2016), *Deconvolution and
    checkerboard artifacts*, Distill, doi:10.23915/distill.00003.

    Examples
    --------
    >>> conv_transpose2d(np.ones((1, 1, 2, 2), dtype=int), np.ones((1, 1, 3, 3), dtype=int),
    ...                  stride=2)[0, 0]
    array([[1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1],
           [2, 2, 4, 2, 2],
           [1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1]])
    >>> conv_transpose2d(np.ones((1, 4, 3, 3)), np.ones((2, 1, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: conv_transpose2d: weight.shape[0] must equal in_channels (4); got weight of shape (2, 1, 3, 3)
    """
    return _transpose(x, weight, bias, stride, padding, output_padding, groups,
                      dilation, 2, "conv_transpose2d")


for _f, _nd, _sp, _ks, _outs in [
        (conv_transpose1d, 1, "L", "k", "L_out"),
        (conv_transpose2d, 2, "H, W", "kH, kW", "H_out, W_out")]:
    _f.__doc__ = (_f.__doc__ or "").format(
        params=_PARAMS.format(nd=_nd, sp=_sp, ks=_ks, outs=_outs))


def _forward_weight(sub: np.ndarray, groups: int) -> np.ndarray:
    """A transposed layer's weight ``(C_in, C_out/G, a, b)`` as the weight of the
    stride-1 ``conv2d`` from ``C_in`` to ``C_out`` channels that scatters the same
    taps: channels swapped within each group, kernel flipped in space."""
    C_in, Og, a, b = sub.shape
    wg = sub.reshape(groups, C_in // groups, Og, a, b).transpose(0, 2, 1, 3, 4)
    return wg.reshape(groups * Og, C_in // groups, a, b)[:, :, ::-1, ::-1]


def subpixel_weight(weight: ArrayLike, stride: IntOrSeq, groups: int = 1) -> NDArray[Any]:
    """The stride-1 convolution weight whose pixel-shuffled output is a transposed
    convolution of stride ``stride``: the phase sub-kernels, padded and stacked.

    Parameters
    ----------
    weight : array_like of shape (C_in, C_out / groups, kH, kW)
        A :func:`conv_transpose2d` weight (PyTorch's layout).
    stride : int or tuple of 2 ints
        ``(sH, sW)``, each ``>= 1``.
    groups : int
        Channel groups of the transposed layer, ``>= 1``, dividing ``C_in``.

    Returns
    -------
    ndarray of shape (C_out * sH * sW, C_in / groups, KH, KW)
        ``KH = ceil(kH / sH)``, ``KW = ceil(kW / sW)``. Output channel
        ``c*sH*sW + i*sW + j`` holds phase ``(i, j)`` of channel ``c``: the sub-kernel
        ``weight[:, c, i::sH, j::sW]`` zero-padded at its far end to ``KH x KW``, with
        channels swapped and flipped in space (a correlation weight for :func:`conv2d`).
        With ``sH = sW = r``, ``pixel_shuffle(conv2d(x, subpixel_weight(weight, r,
        groups), padding=(KH - 1, KW - 1), groups=groups), r)`` equals
        ``conv_transpose2d(x, weight, stride=r, groups=groups)`` followed by
        ``r*KH - kH`` rows and ``r*KW - kW`` columns of zeros.

    Raises
    ------
    ValueError
        If ``weight`` is not 4-D, ``stride < 1``, or ``groups`` does not divide
        ``C_in``.
    TypeError
        If an argument has the wrong kind.

    See Also
    --------
    conv_transpose2d_phases, pixel_shuffle

    Notes
    -----
    Output sample ``s*q + r`` of a transposed convolution (``padding=0``) receives
    only the taps ``w[s*t + r]``: ``y[s*q + r] = sum_t w[s*t + r] x[q - t]``, a true
    convolution of the input with the sub-kernel ``w[r::s]``, which has
    ``ceil((k - r)/s)`` taps. Taught in :ref:`ch-transposed-conv`.

    References
    ----------
    Shi et al. (2016), *Real-time single image and video super-resolution using an
    efficient sub-pixel convolutional neural network*, CVPR, doi:10.1109/CVPR.2016.207.

    Examples
    --------
    >>> subpixel_weight(np.array([[[[1, 2, 3]]]]), (1, 2))[:, 0, 0]
    array([[3, 1],
           [0, 2]])
    >>> subpixel_weight(np.ones((3, 1, 3, 3)), 2, groups=2)
    Traceback (most recent call last):
    ...
    ValueError: subpixel_weight: groups must divide in_channels, but 2 does not divide 3
    """
    func = "subpixel_weight"
    w = as_layer_array(weight, "weight", 4, func, batch=False)
    s = per_axis(stride, 2, "stride", func, 1)
    groups = check_int(groups, "groups", func, minimum=1)
    C_in, Og, kH, kW = w.shape
    if C_in % groups:
        raise ValueError(f"{func}: groups must divide in_channels, but {groups} does not "
                         f"divide {C_in}")
    K = (-(-kH // s[0]), -(-kW // s[1]))
    padded = np.zeros((C_in, Og, K[0] * s[0], K[1] * s[1]), dtype=w.dtype)
    padded[:, :, :kH, :kW] = w
    taps = padded.reshape(C_in, Og, K[0], s[0], K[1], s[1])   # w[s*t + r] at [t, r]
    phases = taps.transpose(0, 1, 3, 5, 2, 4)                 # (C_in, Og, sH, sW, KH, KW)
    return _forward_weight(phases.reshape(C_in, Og * s[0] * s[1], *K), groups).copy()


def conv_transpose2d_phases(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                            stride: IntOrSeq = 1, padding: IntOrSeq = 0,
                            output_padding: IntOrSeq = 0, groups: int = 1) -> NDArray[Any]:
    """:func:`conv_transpose2d` (dilation 1) computed by phases: one stride-1
    :func:`conv2d` per output phase, interleaved.

    The polyphase decomposition: output phase ``(i, j)`` (the samples
    ``y[..., i::sH, j::sW]`` before the ``padding`` crop) is a 'full' stride-1
    convolution of ``x`` with the sub-kernel ``weight[..., i::sH, j::sW]``; phases
    that no tap reaches (``i >= kH`` or ``j >= kW``) are zero.

    Parameters
    ----------
    x : array_like of shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like of shape (C_in, C_out / groups, kH, kW)
    bias : array_like of shape (C_out,), optional
    stride : int or tuple of 2 ints
    padding : int or tuple of 2 ints or (low, high) pairs
    output_padding : int or tuple of 2 ints
        As in :func:`conv_transpose2d` (``output_padding < stride``).
    groups : int

    Returns
    -------
    ndarray of shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        Equal to ``conv_transpose2d(x, weight, bias, stride, padding, output_padding,
        groups)`` (exactly for integers; to rounding for floats, whose sums are taken
        in another order).

    Raises
    ------
    ValueError, TypeError
        As :func:`conv_transpose2d`.

    See Also
    --------
    conv_transpose2d, subpixel_weight, pixel_shuffle

    Notes
    -----
    ``y[s*q + r] = sum_t w[s*t + r] x[q - t]`` along each axis: phase ``r`` has
    ``ceil((k - r)/s)`` taps, so when ``s`` does not divide ``k`` the phases have
    different numbers of taps and a constant input gives an output of period ``s``
    (the checkerboard). Each product of a tap and an input is formed once, as in the
    scatter (plus products with the 'full' padding at the borders), and none with the
    zeros that zero insertion puts between the inputs. Taught in
    :ref:`ch-transposed-conv`.

    References
    ----------
    Odena, Dumoulin and Olah (2016), *Deconvolution and checkerboard artifacts*,
    Distill, doi:10.23915/distill.00003.

    Examples
    --------
    >>> conv_transpose2d_phases(np.ones((1, 1, 2, 2), dtype=int),
    ...                         np.ones((1, 1, 3, 3), dtype=int), stride=2)[0, 0]
    array([[1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1],
           [2, 2, 4, 2, 2],
           [1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1]])
    >>> conv_transpose2d_phases(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
    ...                         stride=0)
    Traceback (most recent call last):
    ...
    ValueError: conv_transpose2d_phases: stride must be >= 1; got 0
    """
    func = "conv_transpose2d_phases"
    xb, w, b_, groups, batched = layer_inputs(x, weight, bias, 2, groups, func,
                                                     transposed=True)
    s = per_axis(stride, 2, "stride", func, 1)
    op = per_axis(output_padding, 2, "output_padding", func, 0)
    k = w.shape[2:]
    pads = padding_pairs(padding, k, s, (1, 1), func, strings=())
    sizes = [_conv_transpose_output_size(n, ki, si, pi, oi, 1, func)
             for n, ki, si, pi, oi in zip(xb.shape[2:], k, s, pads, op)]
    dtype = result_dtype(xb, w, b_)
    _check_scatter_size(xb, w.shape[1] * groups, k, s, (1, 1), op, dtype, func)
    full = [(n - 1) * si + ki for n, si, ki in zip(xb.shape[2:], s, k)]
    out = np.zeros((xb.shape[0], w.shape[1] * groups, *full), dtype=dtype)
    for i in range(min(s[0], k[0])):          # phases beyond the kernel stay zero
        for j in range(min(s[1], k[1])):
            sub = _forward_weight(w[:, :, i::s[0], j::s[1]], groups)
            out[:, :, i::s[0], j::s[1]] = conv2d(
                xb, sub, padding=(sub.shape[2] - 1, sub.shape[3] - 1), groups=groups)
    out = _crop(out, pads, op, sizes)
    if b_ is not None:
        out = out + b_.reshape(-1, 1, 1)
    return out if batched else out[0]
