"""Pixel shuffle: ``pixel_shuffle`` and ``pixel_unshuffle`` (PyTorch semantics).

The *periodic shuffling* of Shi et al.'s sub-pixel convolution layer: ``r**2`` channels
of a low-resolution map become the ``r**2`` phases (sub-pixel positions) of one channel
of an ``r`` times larger map. A stride-1 convolution with ``r**2 * C_out`` output
channels followed by :func:`pixel_shuffle` computes exactly a transposed convolution of
stride ``r`` (the phase decomposition, :func:`convlib.nn.subpixel_weight`). Pure index
rearrangements: no arithmetic, any dtype. Chapter 12 teaches them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import ArrayLike, NDArray
from .._validation import as_array, check_int

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _image_batch(x: ArrayLike, func: str) -> np.ndarray:
    return as_array(x, "x", func, min_ndim=3, allow_empty=True)


def _fresh(result: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``result``, copied if it is a view of the caller's ``x`` (``r = 1``)."""
    return result.copy() if np.may_share_memory(result, x) else result


def pixel_shuffle(x: ArrayLike, upscale_factor: int) -> NDArray[Any]:
    """Rearrange ``(*, C*r**2, H, W)`` into ``(*, C, H*r, W*r)``: channels to phases.

    Equals ``torch.nn.functional.pixel_shuffle``.

    Parameters
    ----------
    x : array_like of shape (*, C * r**2, H, W)
        At least 3-D; any leading (batch) axes; any dtype.
    upscale_factor : int
        ``r >= 1``.

    Returns
    -------
    ndarray of shape (*, C, H * r, W * r)
        ``out[..., c, h*r + i, w*r + j] = x[..., c*r**2 + i*r + j, h, w]``: channel
        ``c*r**2 + i*r + j`` of ``x`` becomes phase ``(i, j)`` of output channel ``c``.
        A new array (``x`` is not modified).

    Raises
    ------
    ValueError
        If ``x`` has fewer than 3 dimensions, ``r < 1``, or its channel count is not
        divisible by ``r**2``.
    TypeError
        If ``upscale_factor`` is not an integer or ``x`` is not numeric.

    See Also
    --------
    pixel_unshuffle : the inverse.
    subpixel_weight : the convolution whose shuffled output is a transposed convolution.

    Notes
    -----
    A reshape to ``(*, C, r, r, H, W)``, a transpose to ``(*, C, H, r, W, r)`` and a
    reshape: one copy, no arithmetic. Taught in :ref:`ch-transposed-conv`.

    References
    ----------
    Shi et al. (2016), *Real-time single image and video super-resolution using an
    efficient sub-pixel convolutional neural network*, CVPR, doi:10.1109/CVPR.2016.207.

    Examples
    --------
    >>> pixel_shuffle(np.arange(4).reshape(4, 1, 1), 2)
    array([[[0, 1],
            [2, 3]]])
    >>> pixel_shuffle(np.ones((3, 2, 2)), 2)
    Traceback (most recent call last):
    ...
    ValueError: pixel_shuffle: x must have a number of channels divisible by upscale_factor**2 = 4; got x of shape (3, 2, 2)
    """
    func = "pixel_shuffle"
    x = _image_batch(x, func)
    r = check_int(upscale_factor, "upscale_factor", func, minimum=1)
    *lead, C, H, W = x.shape
    if C % (r * r):
        raise ValueError(f"{func}: x must have a number of channels divisible by "
                         f"upscale_factor**2 = {r * r}; got x of shape {x.shape}")
    nl = len(lead)
    y = x.reshape(*lead, C // (r * r), r, r, H, W)
    axes = tuple(range(nl)) + tuple(nl + a for a in (0, 3, 1, 4, 2))
    return _fresh(y.transpose(axes).reshape(*lead, C // (r * r), H * r, W * r), x)


def pixel_unshuffle(x: ArrayLike, downscale_factor: int) -> NDArray[Any]:
    """Rearrange ``(*, C, H*r, W*r)`` into ``(*, C*r**2, H, W)``: phases to channels.

    Equals ``torch.nn.functional.pixel_unshuffle``; the inverse of
    :func:`pixel_shuffle`.

    Parameters
    ----------
    x : array_like of shape (*, C, H * r, W * r)
        At least 3-D; any leading (batch) axes; any dtype.
    downscale_factor : int
        ``r >= 1``, dividing both spatial sizes.

    Returns
    -------
    ndarray of shape (*, C * r**2, H, W)
        ``out[..., c*r**2 + i*r + j, h, w] = x[..., c, h*r + i, w*r + j]``: phase
        ``(i, j)`` of each channel (its every ``r``-th pixel from ``(i, j)``) becomes a
        channel. A new array (``x`` is not modified).

    Raises
    ------
    ValueError
        If ``x`` has fewer than 3 dimensions, ``r < 1``, or ``r`` does not divide the
        height and the width.
    TypeError
        If ``downscale_factor`` is not an integer or ``x`` is not numeric.

    See Also
    --------
    pixel_shuffle : the inverse.

    Notes
    -----
    Taught in :ref:`ch-transposed-conv`, where each channel of the result is one output
    phase of a strided transposed convolution.

    Examples
    --------
    >>> pixel_unshuffle(np.arange(4).reshape(1, 2, 2), 2)[:, 0, 0]
    array([0, 1, 2, 3])
    >>> pixel_unshuffle(np.ones((1, 3, 4)), 2)
    Traceback (most recent call last):
    ...
    ValueError: pixel_unshuffle: downscale_factor must divide the height and the width of x; got downscale_factor=2 and x of shape (1, 3, 4)
    """
    func = "pixel_unshuffle"
    x = _image_batch(x, func)
    r = check_int(downscale_factor, "downscale_factor", func, minimum=1)
    *lead, C, Hr, Wr = x.shape
    if Hr % r or Wr % r:
        raise ValueError(f"{func}: downscale_factor must divide the height and the width "
                         f"of x; got downscale_factor={r} and x of shape {x.shape}")
    nl = len(lead)
    y = x.reshape(*lead, C, Hr // r, r, Wr // r, r)
    axes = tuple(range(nl)) + tuple(nl + a for a in (0, 2, 4, 1, 3))
    return _fresh(y.transpose(axes).reshape(*lead, C * r * r, Hr // r, Wr // r), x)
