"""Patches as columns: ``im2col`` (PyTorch's ``unfold``) and ``col2im`` (``fold``).

``im2col`` copies every receptive field of a batch of images into one column of a
matrix, so that a whole convolution layer becomes a single matrix product (chapter 8)::

    out = w.reshape(C_out, -1) @ im2col(x, (kH, kW))        # (N, C_out, L)

The columns are ordered like PyTorch's ``torch.nn.functional.unfold``: row index
``c * kH * kW + i * kW + j`` (channel, kernel row, kernel column), column index
``p * W_out + q`` (output row, output column). ``im2col_nhwc`` is the same copy for
channels-last images (one patch per row, channels fastest); ``indirection_buffer`` and
``conv2d_indirect`` compute a layer without the copy, by indices (Dukhan 2019).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._errors import MethodCannotServe
from ._validation import (as_array, as_tuple, check_index, check_output_bytes,
                          output_bytes_problem)
from .shapes import (mode_offset, output_shape, window_indices, _output_sizes,
                     _padding_pairs, window_count)

__all__ = ["im2col", "col2im", "convolve_im2col", "patch_taps", "im2col_nhwc",
           "indirection_buffer", "conv2d_indirect"]

IntPair = int | Sequence[int]


def _layer_args(kernel_size, stride, padding, dilation, func):
    """Per-axis ``kernel_size``, ``stride``, symmetric ``padding`` (one int per axis, as
    ``torch.nn.functional.unfold``) and ``dilation``."""
    k = as_tuple(kernel_size, 2, "kernel_size", func, minimum=1)
    s = as_tuple(stride, 2, "stride", func, minimum=1)
    d = as_tuple(dilation, 2, "dilation", func, minimum=1)
    pads = _padding_pairs(padding, k, s, d, func, strings=(), pairs=False)
    return k, s, tuple(lo for lo, _ in pads), d


def _out_size(hw, k, s, p, d, func):
    return _output_sizes(hw, k, s, [(pi, pi) for pi in p], d, func, name_axes=True)


def _check_columns_size(xb, k, s, p, d, out_hw, func: str) -> None:
    """Refuse a padded input or a column matrix too large for
    ``convlib._validation.MAX_OUTPUT_BYTES``, naming ``padding`` if padding alone
    makes it so, else ``kernel_size`` (the columns are ``kH * kW`` times the output)."""
    N, C, H, W = xb.shape
    item = xb.dtype.itemsize
    if p[0] or p[1]:
        check_output_bytes((N, C, H + 2 * p[0], W + 2 * p[1]), item, "padding", func,
                           hint="the padded input")
    cols = (N, C * k[0] * k[1], out_hw[0] * out_hw[1])
    unpadded = [window_count(n, ki, si, di) for n, ki, si, di in zip((H, W), k, s, d)]
    name = "padding" if output_bytes_problem(
        (N, C * k[0] * k[1], unpadded[0] * unpadded[1]), item) is None else "kernel_size"
    check_output_bytes(cols, item, name, func,
                       hint="the columns hold kH*kW values per output position")


def im2col(x, kernel_size: IntPair, stride: IntPair = 1, padding: IntPair = 0,
           dilation: IntPair = 1) -> np.ndarray:
    """Unfold sliding patches of a batch of images into columns (= ``torch ... unfold``).

    Parameters
    ----------
    x : array_like of shape (N, C, H, W) or (C, H, W)
        Batch of images (or one image).
    kernel_size : int or (int, int)
        Patch size ``(kH, kW)``.
    stride : int or (int, int)
        Step between patches, ``>= 1``.
    padding : int or (int, int)
        Zeros added on both sides of each spatial axis, ``>= 0``.
    dilation : int or (int, int)
        Spacing between the patch's taps, ``>= 1``.

    Returns
    -------
    ndarray of shape (N, C*kH*kW, L) or (C*kH*kW, L)
        ``L = H_out * W_out`` with ``H_out = conv_output_size(H, kH, sH, pH, dH)`` (and
        the same for ``W``); a new array (a copy), in ``x``'s dtype.

    Raises
    ------
    ValueError
        If ``x`` is not 3-D or 4-D, or the padded input is smaller than the dilated
        kernel, or an argument is out of range, or the padded input or the columns would
        exceed ``convlib._validation.MAX_OUTPUT_BYTES`` (the error names
        ``padding`` or ``kernel_size``).

    Notes
    -----
    Built from a strided *view* (``sliding_window_view``): no data moves until the final
    reshape, which must copy because overlapping patches share elements. Where the
    strides let the reshape return a (read-only) view instead -- a 1 x 1 kernel, or a
    1 x k kernel on one channel -- the copy is made explicitly: the result is always a
    fresh, writable array. The copy is ``kH * kW`` times larger than the input for
    stride 1 (chapter 8).

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> im2col(x, 2)[0]
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    >>> im2col(x, 4)
    Traceback (most recent call last):
    ...
    ValueError: im2col: the padded input (3) along spatial axis 0 is smaller than the dilated kernel (4)
    """
    func = "im2col"
    x = as_array(x, "x", func, ndim=(3, 4))
    batched = x.ndim == 4
    xb = x if batched else x[None]
    (kH, kW), (sH, sW), (pH, pW), (dH, dW) = _layer_args(kernel_size, stride, padding,
                                                         dilation, func)
    H_out, W_out = _out_size(xb.shape[2:], (kH, kW), (sH, sW), (pH, pW), (dH, dW), func)
    _check_columns_size(xb, (kH, kW), (sH, sW), (pH, pW), (dH, dW), (H_out, W_out), func)
    if pH or pW:
        xb = np.pad(xb, ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    cols = unfold(xb, (kH, kW), (sH, sW), (dH, dW))
    return cols if batched else cols[0]


def unfold(xp: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    """:func:`im2col` of an already padded batch ``xp`` (N, C, H, W) whose arguments are
    valid, without the size guard: for the layers of :mod:`convlib.nn`, which guard
    their own arrays (or process the batch in pieces) on behalf of the function called.
    Always a fresh, writable array."""
    win = unfold_view(xp, kernel, stride, dilation)
    N, C, kH, kW, H_out, W_out = win.shape
    cols = win.reshape(N, C * kH * kW, H_out * W_out)
    if not cols.flags.writeable:  # the reshape found a view (1 x k, 1 x 1 kernels)
        cols = cols.copy()
    return cols


def unfold_view(xp: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    """The windows of an already padded batch ``xp`` (N, C, H, W) as a read-only
    strided view of shape ``(N, C, kH, kW, H_out, W_out)``: ``[n, c, i, j, p, q]`` is
    ``xp[n, c, sH*p + dH*i, sW*q + dW*j]`` (no copy; :func:`unfold` reshapes it into
    columns, :mod:`convlib.nn` copies a few samples of it at a time)."""
    (kH, kW), (sH, sW), (dH, dW) = kernel, stride, dilation
    span = (dH * (kH - 1) + 1, dW * (kW - 1) + 1)
    H_out, W_out = (window_count(n, k, st, d)
                    for n, k, st, d in zip(xp.shape[2:], kernel, stride, dilation))
    win = sliding_window_view(xp, span, axis=(2, 3))  # (N, C, H', W', spanH, spanW)
    win = win[:, :, : sH * (H_out - 1) + 1 : sH, : sW * (W_out - 1) + 1 : sW, ::dH, ::dW]
    return win.transpose(0, 1, 4, 5, 2, 3)


def tap_window(i: int, j: int, stride, dilation, out_hw) -> tuple[slice, slice]:
    """The rows and columns of a (padded) input that kernel tap ``(i, j)`` meets over all
    ``out_hw`` output positions: ``x[..., rows, cols]`` has the output's shape, and
    ``y[p, q] += w[i, j] * x[sH*p + dH*i, sW*q + dW*j]`` is one multiply-add of it.

    Examples
    --------
    >>> tap_window(1, 2, (2, 1), (1, 3), (3, 4))
    (slice(1, 6, 2), slice(6, 10, 1))
    """
    (sH, sW), (dH, dW), (H_out, W_out) = stride, dilation, out_hw
    return (slice(i * dH, i * dH + sH * (H_out - 1) + 1, sH),
            slice(j * dW, j * dW + sW * (W_out - 1) + 1, sW))


def col2im(cols, output_size: IntPair, kernel_size: IntPair, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1) -> np.ndarray:
    """Fold columns back into images, summing overlapping patches (= ``torch ... fold``).

    The adjoint of :func:`im2col`: ``<im2col(x), c> == <x, col2im(c)>``.

    Parameters
    ----------
    cols : array_like of shape (N, C*kH*kW, L) or (C*kH*kW, L)
        Columns in :func:`im2col`'s layout.
    output_size : int or (int, int)
        Spatial size ``(H, W)`` of the images to rebuild.
    kernel_size, stride, padding, dilation
        As in :func:`im2col`.

    Returns
    -------
    ndarray of shape (N, C, H, W) or (C, H, W)
        Each element is the sum of every column entry that :func:`im2col` would have
        copied from it.

    Raises
    ------
    ValueError
        If ``cols``' shape does not match ``kernel_size`` and the number of patches that
        ``output_size`` and the other arguments imply, or the images would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.

    Examples
    --------
    >>> col2im(np.ones((4, 4)), 3, 2)
    array([[[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]]])
    """
    func = "col2im"
    cols = as_array(cols, "cols", func, ndim=(2, 3))
    batched = cols.ndim == 3
    cb = cols if batched else cols[None]
    H, W = as_tuple(output_size, 2, "output_size", func, minimum=1)
    (kH, kW), (sH, sW), (pH, pW), (dH, dW) = _layer_args(kernel_size, stride, padding,
                                                         dilation, func)
    H_out, W_out = _out_size((H, W), (kH, kW), (sH, sW), (pH, pW), (dH, dW), func)
    N, CK, L = cb.shape
    if CK % (kH * kW) or L != H_out * W_out:
        raise ValueError(
            f"{func}: cols must have shape (N, C*{kH * kW}, {H_out * W_out}) for these "
            f"arguments; got {cols.shape}"
        )
    C = CK // (kH * kW)
    check_output_bytes((N, C, H + 2 * pH, W + 2 * pW), cb.dtype.itemsize,
                       "output_size" if output_bytes_problem((N, C, H, W), cb.dtype.itemsize)
                       is not None else "padding", func)
    out = fold(cb, (H + 2 * pH, W + 2 * pW), (kH, kW), (sH, sW), (dH, dW))
    out = out[:, :, pH : pH + H, pW : pW + W]
    return out if batched else out[0]


def fold(cb: np.ndarray, padded_hw, kernel, stride, dilation) -> np.ndarray:
    """:func:`col2im` of valid batched columns into the padded size ``padded_hw``
    (nothing cropped), without the size guard: for :mod:`convlib.nn`, which guards its
    own arrays on behalf of the function called."""
    (kH, kW), (Hp, Wp) = kernel, padded_hw
    H_out, W_out = (window_count(n, k, st, d)
                    for n, k, st, d in zip(padded_hw, kernel, stride, dilation))
    N, C = cb.shape[0], cb.shape[1] // (kH * kW)
    out = np.zeros((N, C, Hp, Wp), dtype=cb.dtype)
    fold_into(out, cb.reshape(N, C, kH, kW, H_out, W_out), stride, dilation)
    return out


def fold_into(out: np.ndarray, blocks: np.ndarray, stride, dilation) -> None:
    """Add the columns ``blocks`` (N, C, kH, kW, H_out, W_out) into the padded images
    ``out`` (N, C, Hp, Wp) in place: the sum of :func:`fold`, one strided add per tap
    (for :mod:`convlib.nn`, which folds a batch a few samples at a time into one
    array)."""
    kH, kW, H_out, W_out = blocks.shape[2:]
    for i in range(kH):
        for j in range(kW):
            rows, cols_ = tap_window(i, j, stride, dilation, (H_out, W_out))
            out[:, :, rows, cols_] += blocks[:, :, i, j]


def flat_taps(kernel: Sequence[int], dilation: Sequence[int], lows: Sequence[int],
              in_hw: Sequence[int], out_h: int
              ) -> Iterator[tuple[int, int, tuple[int, int, int, slice, slice | None]
                                  | None]]:
    """Per kernel tap, how :func:`fold_cropped_into` and :func:`unfold_cropped_into`
    move its block as one flat run: ``(i, j, (start, stop, shift, rows, wrapped))``,
    or ``(i, j, None)`` for a tap that meets no input sample.

    For stride 1 and an output as wide as the input (``W_out == W``: ``'same'``
    padding, any height), tap ``(i, j)`` meets input sample ``(p + r, q + c)`` at output
    ``(p, q)``, with ``r = dH*i - lo_H`` and ``c = dW*j - lo_W``; in the flattened
    ``H*W`` planes that is index ``p*W + q + shift``, ``shift = r*W + c``, for the
    output indices ``start <= p*W + q < stop``, except the ``|c|`` columns ``wrapped``
    of the output ``rows`` whose ``q + c`` falls outside ``0 .. W - 1`` (their flat
    index lands in the row above or below).

    Examples
    --------
    >>> [t[2][:3] for t in flat_taps((1, 3), (1, 1), (0, 1), (2, 4), 2)]
    [(1, 8, -1), (0, 8, 0), (0, 7, 1)]
    """
    (kH, kW), (dH, dW), (lo_h, lo_w), (H, W) = kernel, dilation, lows, in_hw
    for i in range(kH):
        r = dH * i - lo_h
        p0, p1 = max(0, -r), min(out_h, H - r)
        for j in range(kW):
            c = dW * j - lo_w
            if p1 <= p0 or abs(c) >= W:
                yield i, j, None
                continue
            wrapped = slice(0, -c) if c < 0 else slice(W - c, W) if c > 0 else None
            yield i, j, (p0 * W + max(0, -c), p1 * W - max(0, c), r * W + c,
                         slice(p0, p1), wrapped)


def fold_cropped_into(out: np.ndarray, blocks: np.ndarray, dilation: Sequence[int],
                      lows: Sequence[int]) -> None:
    """Add the columns ``blocks`` (..., kH, kW, H_out, W) of a stride-1 layer whose
    output is as wide as its input into the *unpadded* images ``out`` (..., H, W),
    C-contiguous, in place: what :func:`fold_into` then the crop of the zero padding
    (``lows`` before each axis) give, with the same additions in the same order (the
    same values), as one flat add per tap (see :func:`flat_taps`) instead of one add per
    image row. ``blocks`` is scratch: the entries that fall in the padding are set to
    zero (adding ``+0`` changes no sum that started from ``+0``).

    Measured with NumPy 2.4.6 on this 2-core machine (one core, CPU time, min of 9
    interleaved rounds, two runs): the 27 rows of 4 samples of a 3 x 3 layer from 3
    channels at 56 x 56 took 0.135-0.138 ms with :func:`fold_into` (about 20 ns per
    56-value row: NumPy's per-row overhead) and 0.061 ms flat in float32, 0.225-0.227
    against 0.088 ms in float64; one sample from 64 channels 0.71-0.77 against
    0.22-0.23 ms (float32), 1.31-1.58 against 0.39-0.44 ms (float64)."""
    H, W = out.shape[-2:]
    kH, kW, H_out, W_out = blocks.shape[-4:]
    if W_out != W:
        raise ValueError(f"fold_cropped_into: blocks must be {W} wide; got {W_out}")
    flat = np.reshape(out, out.shape[:-2] + (H * W,), copy=False)   # a view, or raise
    for i, j, plan in flat_taps((kH, kW), dilation, lows, (H, W), H_out):
        if plan is None:
            continue
        start, stop, shift, rows, wrapped = plan
        b = blocks[..., i, j, :, :]
        if wrapped is not None:
            b[..., rows, wrapped] = 0
        flat[..., start + shift:stop + shift] += \
            np.reshape(b, b.shape[:-2] + (H_out * W,), copy=False)[..., start:stop]


def unfold_cropped_into(cols: np.ndarray, x: np.ndarray, dilation: Sequence[int],
                        lows: Sequence[int]) -> None:
    """Write the im2col columns of ``x`` (..., H, W), zero padded by ``lows`` before
    each axis (and as needed after), into ``cols`` (..., kH, kW, H_out, W) for a
    stride-1 layer whose output is as wide as its input: the values of
    ``unfold_view(pad(x))`` without the padded copy, one flat copy per tap (see
    :func:`flat_taps`) instead of one per image row, zeros where the taps meet the
    padding. Measured as :func:`fold_cropped_into` (same runs): 4 samples of 3 channels
    at 56 x 56, 0.044-0.045 ms against 0.068-0.072 for ``numpy.pad`` and a copy of
    :func:`unfold_view` in float32 (0.059-0.060 against 0.098, float64); one sample of
    64 channels 0.17 against 0.25-0.26 ms (float32)."""
    H, W = x.shape[-2:]
    kH, kW, H_out, W_out = cols.shape[-4:]
    if W_out != W:
        raise ValueError(f"unfold_cropped_into: cols must be {W} wide; got {W_out}")
    flat = x.reshape(x.shape[:-2] + (H * W,))
    for i, j, plan in flat_taps((kH, kW), dilation, lows, (H, W), H_out):
        b = cols[..., i, j, :, :]
        if plan is None:
            b[...] = 0
            continue
        start, stop, shift, rows, wrapped = plan
        bf = np.reshape(b, b.shape[:-2] + (H_out * W,), copy=False)  # a view, or raise
        bf[..., start:stop] = flat[..., start + shift:stop + shift]
        bf[..., :start] = 0
        bf[..., stop:] = 0
        if wrapped is not None:
            b[..., rows, wrapped] = 0


def serves_im2col(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> str | None:
    """Why ``method='im2col'`` cannot serve these inputs, or None if it can.

    The domain of :func:`convolve_im2col`: 1-D and 2-D inputs whose column matrix
    (``in2.size`` rows, one column per output value) stays within the output limit of
    :mod:`convlib._validation`. The dispatcher asks before running the method and
    reports the reason as :class:`~convlib.dispatch.MethodCannotServe`.

    Examples
    --------
    >>> serves_im2col(np.ones((5, 5)), np.ones((3, 3))) is None
    True
    >>> serves_im2col(np.ones((2, 2, 2)), np.ones((1, 1, 1)))
    "'im2col' serves 1-D and 2-D inputs; got 3-D inputs"
    """
    if in1.ndim not in (1, 2):
        return f"'im2col' serves 1-D and 2-D inputs; got {in1.ndim}-D inputs"
    outputs = math.prod(output_shape(in1.shape, in2.shape, mode))
    problem = output_bytes_problem((in2.size, outputs), np.result_type(in1, in2).itemsize)
    if problem is not None:
        return (f"its column matrix of in2.size rows and one column per output needs "
                f"{problem}; use method='direct' or 'fft'")
    return None


def convolve_im2col(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> np.ndarray:
    """Convolution as one matrix product with :func:`~convlib.im2col` (``method='im2col'``).

    Parameters
    ----------
    in1 : ndarray of shape (N,) or (H, W)
        The signal or image ``x``.
    in2 : ndarray of shape (M,) or (kH, kW)
        The kernel ``h``, with ``in1``'s ndim.
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    ndarray
        The values of ``convlib.convolve(in1, in2, mode)``, in
        ``numpy.result_type(in1, in2)``.

    Raises
    ------
    convlib.dispatch.MethodCannotServe
        If ``serves_im2col`` gives a reason (inputs not 1-D or 2-D, or a column
        matrix too large), with that reason.

    Notes
    -----
    A 2-D image is a batch of one single-channel image, ``(1, 1, H, W)`` (a 1-D signal is
    ``(1, 1, 1, N)``). True convolution is the cross-correlation of the image with the
    flipped kernel, so the output is ``h[::-1, ::-1].ravel() @ im2col(x_padded, (kH,
    kW))``. The modes are zero padding: ``(kH - 1 - o_H, L_H + o_H - H)`` rows before and
    after (and the same for columns), where ``o_H`` is the offset of ``mode``'s window in
    the full output and ``L_H`` its length -- ``kH - 1`` on both sides for ``'full'``,
    none for ``'valid'``. Memory: the column matrix is ``kH * kW`` times the padded
    image (:ref:`ch-im2col`).

    Examples
    --------
    >>> convolve_im2col(np.array([1, 2, 3]), np.array([1, 1]), "full")
    array([1, 3, 5, 3])
    """
    reason = serves_im2col(in1, in2, mode)
    if reason is not None:  # the dispatcher asks first, naming the function called
        raise MethodCannotServe(reason)
    dtype = np.result_type(in1, in2)
    x = in1.astype(dtype, copy=False).reshape((1,) * (4 - in1.ndim) + in1.shape)
    h = in2.astype(dtype, copy=False).reshape((1,) * (2 - in2.ndim) + in2.shape)
    out_shape = output_shape(x.shape[2:], h.shape, mode)
    offset = mode_offset(x.shape[2:], h.shape, mode)
    pad = [(k - 1 - o, L + o - n) for n, k, o, L in zip(x.shape[2:], h.shape, offset,
                                                         out_shape)]
    xp = np.pad(x, ((0, 0), (0, 0), *pad))
    cols = im2col(xp, h.shape)[0]                       # (kH*kW, L)
    out = h[::-1, ::-1].reshape(-1) @ cols               # correlation with flipped h
    return out.reshape(output_shape(in1.shape, in2.shape, mode))


def patch_taps(image_shape: IntPair, kernel_size: IntPair, col: int, stride: IntPair = 1,
               padding: IntPair = 0,
               dilation: IntPair = 1) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates, in the zero-padded image, of the taps that form column ``col``.

    Parameters
    ----------
    image_shape : int or (int, int)
        ``(H, W)`` of the (unpadded) image.
    kernel_size, stride, padding, dilation
        As in :func:`~convlib.im2col`.
    col : int
        Column index ``p * W_out + q``, ``0 <= col < H_out * W_out``.

    Returns
    -------
    rows, cols : ndarray of int, shape (kH*kW,)
        ``xpad[rows, cols]`` is column ``col`` of ``im2col`` (one channel), in its row
        order ``i * kW + j``: ``rows = p*sH + i*dH``, ``cols = q*sW + j*dW``. Chapter 8's
        widget outlines these pixels.

    Raises
    ------
    ValueError
        If ``col`` is outside the columns, or an argument is invalid.

    Examples
    --------
    >>> rows, cols = patch_taps((4, 4), 2, 3)
    >>> rows.tolist(), cols.tolist()
    ([1, 1, 2, 2], [0, 1, 0, 1])
    >>> patch_taps((4, 4), 2, 9)
    Traceback (most recent call last):
    ...
    ValueError: patch_taps: col must be in [0, 9); got 9
    """
    func = "patch_taps"
    H, W = as_tuple(image_shape, 2, "image_shape", func, minimum=1)
    (kH, kW), (sH, sW), (pH, pW), (dH, dW) = _layer_args(kernel_size, stride, padding,
                                                         dilation, func)
    H_out, W_out = _out_size((H, W), (kH, kW), (sH, sW), (pH, pW), (dH, dW), func)
    col = check_index(col, "col", H_out * W_out, func)
    check_output_bytes((2, kH * kW), 8, "kernel_size", func)
    p, q = divmod(col, W_out)
    rows = window_indices(p, H, kH, sH, pH, dH) + pH  # in padded coordinates
    cols = window_indices(q, W, kW, sW, pW, dW) + pW
    return np.repeat(rows, kW), np.tile(cols, kH)  # row order i * kW + j


def im2col_nhwc(x, kernel_size: IntPair, stride: IntPair = 1, padding: IntPair = 0,
                dilation: IntPair = 1) -> np.ndarray:
    """Patches of channels-last (NHWC) images as rows, channels fastest ("im2row").

    Parameters
    ----------
    x : array_like of shape (N, H, W, C) or (H, W, C)
        Batch of images (or one image), channels last.
    kernel_size, stride, padding, dilation
        As in :func:`~convlib.im2col`.

    Returns
    -------
    ndarray of shape (N, L, kH*kW*C) or (L, kH*kW*C)
        Row ``p * W_out + q`` is the patch of output position ``(p, q)``; its entry
        ``(i * kW + j) * C + c`` is ``xpad[n, p*sH + i*dH, q*sW + j*dW, c]`` (kernel row,
        kernel column, channel: channels fastest). A new array (a copy). It holds the
        same numbers as ``im2col`` of the NCHW images, with the rows of ``im2col``'s
        columns permuted from ``(c, i, j)`` to ``(i, j, c)`` and transposed.

    Raises
    ------
    ValueError
        As :func:`~convlib.im2col`, naming ``im2col_nhwc``.

    Notes
    -----
    In NHWC memory the ``kW * C`` values of one kernel row of a patch are contiguous
    (for dilation 1), so each patch row is ``kH`` contiguous runs; in NCHW it is
    ``C * kH`` runs of ``kW``. The layer is then ``im2col_nhwc(x) @ w_hwio`` with the
    weight reshaped as ``w.transpose(2, 3, 1, 0).reshape(kH*kW*C, K)``, which gives the
    output in NHWC directly (chapter 8).

    Examples
    --------
    >>> x = np.arange(8.0).reshape(1, 2, 2, 2)          # (N, H, W, C): pixels 0..3
    >>> im2col_nhwc(x, (1, 2))[0]                       # taps (0,0) then (0,1), each C=2
    array([[0., 1., 2., 3.],
           [4., 5., 6., 7.]])
    """
    func = "im2col_nhwc"
    x = as_array(x, "x", func, ndim=(3, 4))
    xb = x if x.ndim == 4 else x[None]
    k, s, p, d = _layer_args(kernel_size, stride, padding, dilation, func)
    nchw = xb.transpose(0, 3, 1, 2)                     # a view: shapes for the guards
    H_out, W_out = _out_size(nchw.shape[2:], k, s, p, d, func)
    _check_columns_size(nchw, k, s, p, d, (H_out, W_out), func)
    if p[0] or p[1]:
        xb = np.pad(xb, ((0, 0), (p[0], p[0]), (p[1], p[1]), (0, 0)))
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    win = sliding_window_view(xb, span, axis=(1, 2))    # (N, H', W', C, spanH, spanW)
    win = win[:, : s[0] * (H_out - 1) + 1 : s[0], : s[1] * (W_out - 1) + 1 : s[1],
              :, :: d[0], :: d[1]]
    N, C = xb.shape[0], xb.shape[3]
    rows = win.transpose(0, 1, 2, 4, 5, 3).reshape(N, H_out * W_out, k[0] * k[1] * C)
    rows = np.array(rows)                               # always a fresh, writable copy
    return rows if x.ndim == 4 else rows[0]


def indirection_buffer(image_shape: IntPair, kernel_size: IntPair, stride: IntPair = 1,
                       padding: IntPair = 0, dilation: IntPair = 1) -> np.ndarray:
    """Indirection buffer of the indirect convolution algorithm: one pixel index per tap
    and output position, instead of a copy of the pixel's channels.

    Parameters
    ----------
    image_shape : int or (int, int)
        ``(H, W)`` of the (unpadded) images.
    kernel_size, stride, padding, dilation
        As in :func:`~convlib.im2col`.

    Returns
    -------
    ndarray of int32 (int64 if ``H * W`` needs it), shape (kH*kW, L)
        Entry ``[i * kW + j, p * W_out + q]`` is the index ``h * W + w`` of the pixel
        that tap ``(i, j)`` reads for output ``(p, q)``, with ``h = p*sH + i*dH - pH``
        and ``w = q*sW + j*dW - pW``; a tap in the zero padding gets ``H * W``, the
        index of one extra row of zeros. It depends only on the shapes, not on the
        data, the channels or the batch: ``C`` times fewer entries than ``im2col``.

    Raises
    ------
    ValueError
        If an argument is invalid or the images are smaller than the dilated kernel.

    References
    ----------
    M. Dukhan, "The Indirect Convolution Algorithm", arXiv:1907.02129, 2019: a buffer of
    pointers to pixel rows (NHWC), read by a modified GEMM micro-kernel.

    Examples
    --------
    >>> indirection_buffer((2, 3), 2, padding=(0, 1))     # 6 marks a padding tap
    array([[6, 0, 1, 2],
           [0, 1, 2, 6],
           [6, 3, 4, 5],
           [3, 4, 5, 6]], dtype=int32)
    """
    func = "indirection_buffer"
    H, W = as_tuple(image_shape, 2, "image_shape", func, minimum=1)
    k, s, p, d = _layer_args(kernel_size, stride, padding, dilation, func)
    out_hw = _out_size((H, W), k, s, p, d, func)
    return _indirection((H, W), k, s, p, d, out_hw, func)


def _indirection(hw, k, s, p, d, out_hw, func: str) -> np.ndarray:
    """:func:`indirection_buffer` of valid arguments (the size guard names ``func``)."""
    (H, W), (H_out, W_out) = hw, out_hw
    dtype = np.int32 if H * W < 2**31 - 1 else np.int64
    check_output_bytes((k[0] * k[1], H_out * W_out), np.dtype(dtype).itemsize,
                       "kernel_size", func)
    h = (np.arange(H_out) * s[0])[None, :] + (np.arange(k[0]) * d[0])[:, None] - p[0]
    w = (np.arange(W_out) * s[1])[None, :] + (np.arange(k[1]) * d[1])[:, None] - p[1]
    hh, ww = h[:, None, :, None], w[None, :, None, :]     # (kH, 1, H_out, 1), ...
    inside = (hh >= 0) & (hh < H) & (ww >= 0) & (ww < W)
    index = np.where(inside, hh * W + ww, H * W)          # (kH, kW, H_out, W_out)
    return index.reshape(k[0] * k[1], H_out * W_out).astype(dtype)


def conv2d_indirect(x, weight, stride: IntPair = 1, padding: IntPair = 0,
                    dilation: IntPair = 1) -> np.ndarray:
    """A convolution layer (cross-correlation) by indirect convolution: gathers through
    :func:`indirection_buffer`, one kernel tap at a time, instead of an im2col copy.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
        Batch of images (NCHW, as :func:`convlib.nn.conv2d`).
    weight : array_like of shape (K, C, kH, kW)
        The layer's weight.
    stride, padding, dilation
        As in :func:`~convlib.im2col`.

    Returns
    -------
    ndarray of shape (N, K, H_out, W_out)
        ``convlib.nn.conv2d(x, weight, stride=stride, padding=padding,
        dilation=dilation)``, in ``numpy.result_type(x, weight, float32)``.

    Raises
    ------
    ValueError
        If ``x`` or ``weight`` is not 4-D, their channel counts differ, or an argument
        is invalid.

    Notes
    -----
    The images are laid out as NHWC pixel rows of ``C`` values, plus one row of zeros
    for the padding. For each tap ``t`` the buffer's row ``t`` selects ``L`` pixel rows,
    an ``(N, L, C)`` array that is multiplied by the tap's ``(C, K)`` weights and
    accumulated. NumPy's gather copies that one tap's rows (``N * L * C`` values, the
    size of the input for stride 1 and size-keeping padding); a compiled implementation
    reads them through the pointers inside the GEMM and copies nothing, which is the
    point of the algorithm.

    References
    ----------
    M. Dukhan, "The Indirect Convolution Algorithm", arXiv:1907.02129, 2019.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d_indirect(x, np.ones((1, 1, 2, 2)))
    array([[[[ 8., 12.],
             [20., 24.]]]])
    """
    func = "conv2d_indirect"
    x = as_array(x, "x", func, ndim=4)
    weight = as_array(weight, "weight", func, ndim=4)
    N, C, H, W = x.shape
    K, Cw, kH, kW = weight.shape
    if Cw != C:
        raise ValueError(f"{func}: weight must have x's {C} input channels in axis 1; "
                         f"got weight of shape {weight.shape}")
    k, s, p, d = _layer_args((kH, kW), stride, padding, dilation, func)
    H_out, W_out = _out_size((H, W), k, s, p, d, func)
    index = _indirection((H, W), k, s, p, d, (H_out, W_out), func)
    dtype = np.result_type(x, weight, np.float32)
    check_output_bytes((N, K, H_out, W_out), dtype.itemsize, "x", func)
    rows = np.zeros((N, H * W + 1, C), dtype=dtype)       # NHWC pixel rows + a zero row
    rows[:, :-1] = x.transpose(0, 2, 3, 1).reshape(N, H * W, C)
    taps = weight.astype(dtype, copy=False).transpose(2, 3, 1, 0).reshape(kH * kW, C, K)
    out = np.zeros((N, H_out * W_out, K), dtype=dtype)
    for t in range(kH * kW):
        out += rows[:, index[t]] @ taps[t]                # gather one tap, then a GEMM
    return out.reshape(N, H_out, W_out, K).transpose(0, 3, 1, 2)
