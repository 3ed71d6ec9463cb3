"""Masked and causal convolution for autoregressive models (chapter 16).

An autoregressive model predicts each sample from the samples *before* it, so its
convolutions must never read the present or the future:

* :func:`causal_conv1d` -- a 1-D layer padded on the past side only (WaveNet, TCN);
* :func:`pixelcnn_mask`, :func:`masked_conv2d` -- PixelCNN's type A / B masks zero the
  kernel taps at and after the centre in raster order;
* :func:`order_masks`, :func:`locally_masked_conv2d` -- a different mask at every output
  location (any generation order), computed with :func:`convlib.im2col`: mask the
  columns, then one matrix product.

All layers compute cross-correlation with :mod:`convlib.nn`'s semantics (PyTorch's).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ._typing import ArrayLike, NDArray, Padding
from ._validation import as_array, as_tuple, check_choice, check_int
from .im2col import im2col
from .nn._args import layer_inputs, output_sizes, pad_input, padding_pairs, per_axis
from .nn.layers import conv_forward
from .shapes import _same_padding

__all__ = ["causal_conv1d", "pixelcnn_mask", "masked_conv2d", "order_masks",
           "locally_masked_conv2d", "pixelcnn_receptive_field"]


def causal_conv1d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                  dilation: int = 1) -> NDArray[Any]:
    """Causal 1-D convolution layer: output ``t`` reads only inputs ``<= t``.

    Parameters
    ----------
    x : array_like of shape (N, C_in, L) or (C_in, L)
    weight : array_like of shape (C_out, C_in, k)
    bias : array_like of shape (C_out,), optional
    dilation : int
        Spacing between taps, ``>= 1``.

    Returns
    -------
    ndarray of shape (N, C_out, L) or (C_out, L)
        ``nn.conv1d(x, weight, bias, padding=((dilation*(k - 1), 0),),
        dilation=dilation)``: the same length as ``x``.

    Raises
    ------
    ValueError, TypeError
        As :func:`convlib.nn.conv1d`.

    Notes
    -----
    ``y[t] = b + sum_i w[i] x[t - dilation*(k - 1 - i)]`` (cross-correlation; the last
    tap ``w[k - 1]`` meets the present sample). Taught in :ref:`ch-masked-causal`;
    stacks of them in :ref:`ch-conv-arithmetic`.

    References
    ----------
    van den Oord et al. (2016), *WaveNet: a generative model for raw audio*,
    arXiv:1609.03499. Bai, Kolter and Koltun (2018), arXiv:1803.01271.

    Examples
    --------
    >>> causal_conv1d(np.array([[1, 2, 3, 4]]), np.array([[[1, 10]]]))
    array([[10, 21, 32, 43]])
    >>> causal_conv1d(np.array([[1, 2, 3, 4]]), np.array([[[1, 10]]]), dilation=0)
    Traceback (most recent call last):
    ...
    ValueError: causal_conv1d: dilation must be >= 1; got 0
    """
    func = "causal_conv1d"
    d = check_int(dilation, "dilation", func, minimum=1)
    w = as_array(weight, "weight", func, ndim=3)
    return conv_forward(x, w, bias, 1, ((d * (w.shape[-1] - 1), 0),), d, 1, 1, func)


def pixelcnn_mask(kernel_size: int | tuple[int, int], mask_type: Literal["A", "B"] = "A",
                  in_channels: int = 1, out_channels: int = 1) -> NDArray[np.float64]:
    """PixelCNN's mask: 1 on the taps above the centre row and left of the centre.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Odd sizes ``(kH, kW)``.
    mask_type : {'A', 'B'}
        ``'A'`` (first layer) excludes the centre tap: a pixel never sees itself.
        ``'B'`` (later layers) includes it: a feature may use its own earlier features.
    in_channels, out_channels : int
        Channels of the weight the mask is for.

    Returns
    -------
    ndarray of shape (out_channels, in_channels, kH, kW)
        0/1 floats, broadcastable against the weight.

    Raises
    ------
    ValueError
        If a kernel size is even or < 1, or ``mask_type`` is not 'A' or 'B'.

    Notes
    -----
    In raster order (row by row, left to right), a tap ``(i, j)`` reads pixel
    ``(p + i - kH//2, q + j - kW//2)`` for output ``(p, q)`` ('same' padding); it comes
    before ``(p, q)`` exactly when ``i < kH//2``, or ``i == kH//2`` and ``j < kW//2``.
    The per-colour-channel masks of the paper (R before G before B) are
    :func:`convlib.pixelcnn.color_mask`.
    Taught in :ref:`ch-masked-causal`.

    References
    ----------
    van den Oord, Kalchbrenner and Kavukcuoglu (2016), *Pixel recurrent neural
    networks*, ICML.

    Examples
    --------
    >>> pixelcnn_mask(3, "A")[0, 0]
    array([[1., 1., 1.],
           [1., 0., 0.],
           [0., 0., 0.]])
    >>> pixelcnn_mask(4)
    Traceback (most recent call last):
    ...
    ValueError: pixelcnn_mask: kernel_size must be odd; got (4, 4)
    """
    func = "pixelcnn_mask"
    kH, kW = as_tuple(kernel_size, 2, "kernel_size", func, minimum=1)
    if kH % 2 == 0 or kW % 2 == 0:
        raise ValueError(f"{func}: kernel_size must be odd; got {(kH, kW)}")
    check_choice(mask_type, "mask_type", ("A", "B"), func)
    c_in = check_int(in_channels, "in_channels", func, minimum=1)
    c_out = check_int(out_channels, "out_channels", func, minimum=1)
    mask = np.zeros((kH, kW))
    mask[: kH // 2] = 1
    mask[kH // 2, : kW // 2 + (mask_type == "B")] = 1
    return np.broadcast_to(mask, (c_out, c_in, kH, kW)).copy()


def masked_conv2d(x: ArrayLike, weight: ArrayLike, mask: ArrayLike,
                  bias: ArrayLike | None = None, padding: Padding = "same",
                  dilation: int | tuple[int, int] = 1) -> np.ndarray:
    """A conv2d layer whose kernel taps are multiplied by a fixed 0/1 ``mask``.

    Parameters
    ----------
    x : array_like of shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like of shape (C_out, C_in, kH, kW)
    mask : array_like broadcastable to weight's shape
        E.g. :func:`pixelcnn_mask`.
    bias : array_like of shape (C_out,), optional
    padding, dilation
        As in :func:`convlib.nn.conv2d` (default ``'same'``).

    Returns
    -------
    ndarray of shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``nn.conv2d(x, weight * mask, bias, padding=padding, dilation=dilation)``.

    Raises
    ------
    ValueError
        If ``mask`` does not broadcast to ``weight``'s shape, or as
        :func:`convlib.nn.conv2d`.

    Notes
    -----
    Masking the weight, not the input, keeps one kernel for every location. In
    training, the gradient of a masked tap is masked too, so it stays zero. Taught in
    :ref:`ch-masked-causal`.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3)
    >>> masked_conv2d(x, np.ones((1, 1, 3, 3)), pixelcnn_mask(3, "A"))[0]
    array([[ 0.,  0.,  1.],
           [ 1.,  6.,  7.],
           [ 7., 18., 16.]])
    >>> masked_conv2d(x, np.ones((1, 1, 3, 3)), np.ones((2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: masked_conv2d: mask must broadcast to weight's shape (1, 1, 3, 3); got shape (2, 2)
    """
    func = "masked_conv2d"
    w = as_array(weight, "weight", func, ndim=4)
    m = as_array(mask, "mask", func)
    try:
        fits = np.broadcast_shapes(m.shape, w.shape) == w.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{func}: mask must broadcast to weight's shape {w.shape}; "
                         f"got shape {m.shape}")
    return conv_forward(x, w * m, bias, 1, padding, dilation, 1, 2, func)


def order_masks(order: ArrayLike, kernel_size: int | tuple[int, int],
                mask_type: Literal["A", "B"] = "A", dilation: int | tuple[int, int] = 1
                ) -> NDArray[Any]:
    """Per-location masks for generating pixels in any order ('same' padding).

    Parameters
    ----------
    order : array_like of int, shape (H, W)
        ``order[p, q]`` is when pixel ``(p, q)`` is generated (a permutation of
        ``0 ... H*W - 1``; raster order is ``np.arange(H * W).reshape(H, W)``).
    kernel_size : int or (int, int)
    mask_type : {'A', 'B'}
        ``'A'``: a tap is on if its pixel comes strictly earlier; ``'B'``: earlier or
        the pixel itself.
    dilation : int or (int, int)

    Returns
    -------
    ndarray of shape (H, W, kH, kW)
        ``masks[p, q, i, j] = 1`` if the pixel tap ``(i, j)`` of output ``(p, q)`` reads
        lies inside the image and is allowed by the order, else 0.

    Raises
    ------
    ValueError
        If ``order`` is not 2-D or not a permutation, or a size is out of range.

    Examples
    --------
    >>> order_masks(np.arange(4).reshape(2, 2), 3)[1, 1]      # pixel 3 sees 0, 1, 2
    array([[1., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    >>> order_masks([[0, 0], [1, 2]], 3)
    Traceback (most recent call last):
    ...
    ValueError: order_masks: order must be a permutation of 0 ... H*W - 1; got [[0, 0], [1, 2]]
    """
    func = "order_masks"
    rank = as_array(order, "order", func, ndim=2)
    H, W = rank.shape
    if sorted(rank.ravel().tolist()) != list(range(H * W)):
        raise ValueError(f"{func}: order must be a permutation of 0 ... H*W - 1; got "
                         f"{rank.tolist()}")
    k = as_tuple(kernel_size, 2, "kernel_size", func, minimum=1)
    d = as_tuple(dilation, 2, "dilation", func, minimum=1)
    check_choice(mask_type, "mask_type", ("A", "B"), func)
    lo = [_same_padding(ki, di, func)[0] for ki, di in zip(k, d)]   # 'same', low side
    p, q, i, j = np.meshgrid(np.arange(H), np.arange(W), np.arange(k[0]),
                             np.arange(k[1]), indexing="ij")
    r, c = p - lo[0] + d[0] * i, q - lo[1] + d[1] * j      # the pixel each tap reads
    inside = (r >= 0) & (r < H) & (c >= 0) & (c < W)
    seen = rank[np.clip(r, 0, H - 1), np.clip(c, 0, W - 1)]
    allowed = seen < rank[p, q] if mask_type == "A" else seen <= rank[p, q]
    return (inside & allowed).astype(float)


def locally_masked_conv2d(x: ArrayLike, weight: ArrayLike, masks: ArrayLike,
                          bias: ArrayLike | None = None, padding: Padding = "same",
                          dilation: int | tuple[int, int] = 1) -> np.ndarray:
    """A conv2d layer with a different tap mask at every output location (im2col).

    Parameters
    ----------
    x : array_like of shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like of shape (C_out, C_in, kH, kW)
    masks : array_like of shape (H_out, W_out, kH, kW)
        ``masks[p, q]`` multiplies the taps of output ``(p, q)`` (for every channel),
        e.g. from :func:`order_masks`.
    bias : array_like of shape (C_out,), optional
    padding, dilation
        As in :func:`convlib.nn.conv2d` (stride 1; default ``'same'``).

    Returns
    -------
    ndarray of shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] masks[p, q, i, j]
        x_pad[n, c, p + d*i, q + d*j]``.

    Raises
    ------
    ValueError
        If ``masks`` has the wrong shape, or as :func:`convlib.nn.conv2d`.

    Notes
    -----
    The columns of :func:`convlib.im2col` hold one receptive field each, so masking
    column ``L = p*W_out + q`` with ``masks[p, q]`` and then multiplying by
    ``w.reshape(C_out, -1)`` computes every location with its own mask in one matrix
    product, at the cost of an ordinary conv2d plus one elementwise product. With one
    mask everywhere it equals :func:`masked_conv2d`. Taught in :ref:`ch-masked-causal`.

    References
    ----------
    Jain, Abbeel and Pathak (2020), *Locally masked convolution for autoregressive
    models*, UAI.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3)
    >>> m = order_masks(np.arange(9).reshape(3, 3), 3)
    >>> locally_masked_conv2d(x, np.ones((1, 1, 3, 3)), m)[0]
    array([[ 0.,  0.,  1.],
           [ 1.,  6.,  7.],
           [ 7., 18., 16.]])
    >>> locally_masked_conv2d(x, np.ones((1, 1, 3, 3)), m[:2])
    Traceback (most recent call last):
    ...
    ValueError: locally_masked_conv2d: masks must have shape (H_out, W_out, kH, kW) = (3, 3, 3, 3); got shape (2, 3, 3, 3)
    """
    func = "locally_masked_conv2d"
    xb, w, b, _, batched = layer_inputs(x, weight, bias, 2, 1, func)
    d = per_axis(dilation, 2, "dilation", func, 1)
    k = w.shape[2:]
    pads = padding_pairs(padding, k, (1, 1), d, func)
    H_out, W_out = output_sizes(xb.shape[2:], k, (1, 1), pads, d, func)
    m = as_array(masks, "masks", func)
    if m.shape != (H_out, W_out) + k:
        raise ValueError(f"{func}: masks must have shape (H_out, W_out, kH, kW) = "
                         f"{(H_out, W_out) + k}; got shape {m.shape}")
    N, C = xb.shape[:2]
    cols = im2col(pad_input(xb, pads), k, 1, 0, d)            # (N, C*kH*kW, L)
    cols = cols.reshape(N, C, k[0] * k[1], H_out * W_out) * m.reshape(-1, k[0] * k[1]).T
    out = w.reshape(w.shape[0], -1) @ cols.reshape(N, -1, H_out * W_out)
    out = out.reshape(N, w.shape[0], H_out, W_out)
    if b is not None:
        out = out + b.reshape(-1, 1, 1)
    return out if batched else out[0]


def pixelcnn_receptive_field(shape: tuple[int, int], pixel: tuple[int, int],
                             layers: int, kernel_size: int = 3) -> NDArray[np.bool_]:
    """Which input pixels reach ``pixel`` through a PixelCNN stack (one A, then B layers).

    Pushes one impulse per input pixel through ``layers`` masked convolutions with
    all-ones kernels (no cancellation), so the answer is exact for the connectivity.

    Parameters
    ----------
    shape : (int, int)
        Image size ``(H, W)``.
    pixel : (int, int)
        The output pixel.
    layers : int
        Number of layers, ``>= 1``: the first with mask ``'A'``, the rest ``'B'``.
    kernel_size : int
        Odd kernel size.

    Returns
    -------
    ndarray of bool, shape (H, W)
        ``True`` where a change of the input changes the output at ``pixel``.

    Examples
    --------
    >>> pixelcnn_receptive_field((3, 3), (1, 1), 1).astype(int)
    array([[1, 1, 1],
           [1, 0, 0],
           [0, 0, 0]])
    """
    func = "pixelcnn_receptive_field"
    H, W = as_tuple(shape, 2, "shape", func, minimum=1)
    p, q = as_tuple(pixel, 2, "pixel", func, minimum=0)
    if p >= H or q >= W:
        raise ValueError(f"{func}: pixel must lie inside shape {(H, W)}; got {(p, q)}")
    layers = check_int(layers, "layers", func, minimum=1)
    y = np.eye(H * W).reshape(H * W, 1, H, W)               # one impulse per pixel
    for layer in range(layers):
        mask = pixelcnn_mask(kernel_size, "A" if layer == 0 else "B")
        y = masked_conv2d(y, np.ones((1, 1, kernel_size, kernel_size)), mask)
    return (y[:, 0, p, q] != 0).reshape(H, W)
