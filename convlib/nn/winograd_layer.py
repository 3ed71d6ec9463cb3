r"""A 3x3 convolution layer by Winograd's ``F(m x m, 3 x 3)``: Lavin and Gray's algorithm.

For a layer with ``C`` input and ``K`` output channels, every output tile is
``Y_k = A^T [ sum_c U_{k,c} * V_c ] A`` with ``U_{k,c} = G g_{k,c} G^T`` (each filter
transformed once) and ``V_c = B^T d_c B`` (each input tile transformed once, for all
``K`` filters). The channel sum, for each of the ``alpha**2`` positions ``(i, j)`` of the
transformed tile (16 for ``F(2x2, 3x3)``), is a matrix product::

    M[i, j] = U[i, j] @ V[i, j]     (K x C) @ (C x P),  P = tiles in the batch

so the layer is ``alpha**2`` batched GEMMs between two cheap transforms (Lavin and Gray
2016, section 4). Chapter 9 (:ref:`ch-winograd`) derives it.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from ..winograd import _check_tile, winograd_transforms
from ._args import layer_inputs, output_sizes, padding_pairs, pad_input

__all__ = ["winograd_conv2d", "winograd_layer_ops"]


def _work_dtype(x: np.ndarray, w: np.ndarray) -> np.dtype:
    """Floating types (float16 included) are kept; integers are computed in float64."""
    dtype = np.result_type(x, w)
    return np.dtype(np.float64) if dtype.kind in "biu" else dtype


def _sandwich(L: np.ndarray, t: np.ndarray, R: np.ndarray, axes: tuple[int, int]):
    """``L @ t @ R.T`` over the two ``axes`` of ``t``, which come out first: a tensordot
    each (one BLAS call over all tiles) instead of a product of tiny matrices per tile."""
    t = np.tensordot(R, t, axes=([1], [axes[1]]))          # new column axis first
    t = np.tensordot(L, t, axes=([1], [axes[0] + 1]))      # new row axis first
    return t                                               # (rows, cols, other axes...)


def _input_transform(xp: np.ndarray, BT: np.ndarray, m: int, Th: int, Tw: int):
    """``B^T d B`` of every tile ``d`` of ``xp`` (N, C, H, W), rows then columns: the
    ``alpha`` strided row slices (every ``m``-th row, from offset ``a``) are stacked and
    contracted with ``B^T`` at once, then the same along columns.
    Returns (alpha, alpha, N, C, Th, Tw)."""
    a = BT.shape[0]
    rows = np.stack([xp[:, :, i:i + m * Th:m] for i in range(a)])    # (a, N, C, Th, W)
    Z = np.tensordot(BT, rows, axes=1)                               # (a, N, C, Th, W)
    cols = np.stack([Z[..., j:j + m * Tw:m] for j in range(a)])  # (a, a, N, C, Th, Tw)
    return np.tensordot(BT, cols, axes=1).swapaxes(0, 1)             # (i, j, N, C, ...)


def _winograd_layer(xp: np.ndarray, w: np.ndarray, m: int) -> np.ndarray:
    """'valid' F(m x m, 3 x 3) layer of a padded batch ``xp`` (N, C, H, W), float."""
    AT, G, BT = (t.astype(xp.dtype) for t in winograd_transforms(m, 3))
    a = m + 2
    N, C, H, W = xp.shape
    Ho, Wo = H - 2, W - 2
    Th, Tw = -(-Ho // m), -(-Wo // m)
    xp = np.pad(xp, ((0, 0), (0, 0), (0, Th * m + 2 - H), (0, Tw * m + 2 - W)))
    V = _input_transform(xp, BT, m, Th, Tw)                # (a, a, N, C, Th, Tw)
    V = V.transpose(0, 1, 3, 2, 4, 5).reshape(a * a, C, N * Th * Tw)
    U = _sandwich(G, w, G, (2, 3)).reshape(a * a, w.shape[0], C)   # (a*a, K, C)
    M = (U @ V).reshape(a, a, w.shape[0], N, Th, Tw)       # alpha**2 batched GEMMs
    Y = _sandwich(AT, M, AT, (0, 1))                       # (m, m, K, N, Th, Tw)
    Y = Y.transpose(3, 2, 4, 0, 5, 1).reshape(N, w.shape[0], Th * m, Tw * m)
    return Y[:, :, :Ho, :Wo]


def winograd_conv2d(x, weight, bias=None, padding=0, *, m: int = 2) -> np.ndarray:
    r"""3x3 convolution layer (cross-correlation, stride 1) by Winograd's F(m x m, 3 x 3).

    Lavin and Gray's layer algorithm: filters and input tiles are transformed once,
    and the sum over input channels is ``(m + 2)**2`` batched matrix products in the
    transform domain (16 for the default ``F(2x2, 3x3)``).

    Parameters
    ----------
    x : array_like of shape (N, C_in, H, W) or (C_in, H, W)
        Input batch (or one unbatched input), int, float or complex.
    weight : array_like of shape (C_out, C_in, 3, 3)
        One 3x3 kernel per output channel and input channel (no groups).
    bias : array_like of shape (C_out,), optional
        Added to every output position of each channel.
    padding : int, tuple, 'valid' or 'same'
        Zeros added to each spatial axis, as in :func:`convlib.nn.conv2d`.
    m : int
        Output tile size, 1 to 6 (``F(m x m, 3 x 3)``). Default 2.

    Returns
    -------
    ndarray of shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``convlib.nn.conv2d(x, weight, bias, padding=padding)`` up to rounding.
        Computed in the inputs' floating type, float64 for integer inputs. float16
        stays float16: the result of each contraction (two per transform) and of the
        GEMMs is rounded to it; NumPy accumulates each float16 dot product in float32
        and rounds only its result.

    Raises
    ------
    ValueError
        If ``weight`` is not ``(C_out, C_in, 3, 3)``, the channels disagree, ``bias``
        has the wrong shape, ``padding`` is negative or leaves the input smaller than
        3x3, or ``m`` is outside 1 to 6.
    TypeError
        If an argument has the wrong kind (e.g. a float ``m``, a boolean array).

    See Also
    --------
    conv2d, winograd_layer_ops, convlib.winograd_transforms

    Notes
    -----
    For each tile position ``p`` (``P = N * ceil(H_out/m) * ceil(W_out/m)`` of them;
    a remainder tile is zero-padded), ``V[:, c, p] = B^T d_{c,p} B`` and
    ``U[:, k, c] = G g_{k,c} G^T`` flattened to ``(m+2)**2`` entries; then
    ``M[e] = U[e] @ V[e]`` for every entry ``e`` and ``Y_{k,p} = A^T M_{k,p} A``.
    Multiplications: ``(m+2)**2 * C_out * C_in * P`` in the GEMMs instead of
    ``9 * C_out * C_in * N * H_out * W_out``; :func:`winograd_layer_ops` counts the
    transforms' too. Taught in :ref:`ch-winograd`.

    References
    ----------
    A. Lavin and S. Gray, "Fast Algorithms for Convolutional Neural Networks",
    CVPR 2016, arXiv:1509.09308.

    Examples
    --------
    >>> from convlib import nn
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 3, 3))
    >>> y = winograd_conv2d(x, w, padding=1)
    >>> y.shape, bool(np.allclose(y, nn.conv2d(x, w, padding=1)))
    ((2, 4, 6, 7), True)
    >>> winograd_conv2d(x, np.ones((4, 3, 5, 5)))
    Traceback (most recent call last):
    ...
    ValueError: winograd_conv2d: weight must have 3x3 kernels; got shape (4, 3, 5, 5)
    """
    func = "winograd_conv2d"
    xb, weight, bias, _, batched = layer_inputs(x, weight, bias, 2, 1, func)
    if weight.shape[2:] != (3, 3):
        raise ValueError(f"{func}: weight must have 3x3 kernels; "
                         f"got shape {weight.shape}")
    m = _check_tile(m, func)
    pads = padding_pairs(padding, (3, 3), (1, 1), (1, 1), func)
    output_sizes(xb.shape[2:], (3, 3), (1, 1), pads, (1, 1), func)  # raises if too small
    dtype = _work_dtype(xb, weight)
    xp = pad_input(xb.astype(dtype, copy=False), pads)
    out = _winograd_layer(xp, weight.astype(dtype, copy=False), m)
    if bias is not None:
        out = out + bias.astype(dtype, copy=False).reshape(-1, 1, 1)
    return out if batched else out[0]


def _transform_ops(T: np.ndarray) -> tuple[int, int]:
    """Additions and multiplications of ``T @ v`` computed row by row: each row adds its
    nonzero terms (``nnz - 1`` additions) and multiplies by each entry other than
    ``0`` and ``+-1`` (a sign is folded into the addition)."""
    nz = T != 0
    adds = int(np.maximum(nz.sum(axis=1) - 1, 0).sum())
    return adds, int((nz & (np.abs(T) != 1)).sum())


def winograd_layer_ops(x_shape, weight_shape, padding=0, *, m: int = 2) -> dict:
    """Arithmetic of a 3x3 layer by F(m x m, 3 x 3), step by step, and of the direct sum.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        ``(N, C_in, H, W)``.
    weight_shape : tuple of 4 ints
        ``(C_out, C_in, 3, 3)``.
    padding : int, tuple, 'valid' or 'same'
        As in :func:`winograd_conv2d`.
    m : int
        Output tile size, 1 to 6.

    Returns
    -------
    dict
        ``tiles`` (``P``) and, each a ``(additions, multiplications)`` pair:
        ``input`` (data transforms ``B^T d B``, one per tile and input channel),
        ``filter`` (``G g G^T``, one per filter, done once for fixed weights),
        ``gemm`` (the channel sums: ``(m+2)**2 * C_out * C_in * P`` multiplications,
        ``(m+2)**2 * C_out * (C_in - 1) * P`` additions), ``output`` (``A^T M A``, one
        per tile and output channel), and ``direct`` (``9 C_in`` multiplications and
        ``9 C_in - 1`` additions per output, as im2col's GEMM also does).

    Raises
    ------
    ValueError
        If a shape does not have 4 positive entries, the kernel is not 3x3, the channels
        disagree, or the padded input is smaller than 3x3.

    Notes
    -----
    A 2-D transform ``L t R^T`` is counted as ``L`` applied to each column of ``t``,
    then to each row of the result, each row of ``L`` computed on its own (no
    subexpression shared between rows, no fused multiply-add). For ``F(2x2, 3x3)``
    that gives 32 additions per data transform and 24 per output transform, the counts
    of Lavin and Gray (section 4.1); their filter transform count (28 floating-point
    instructions) shares a sum and fuses, which this plain count does not.

    References
    ----------
    A. Lavin and S. Gray, "Fast Algorithms for Convolutional Neural Networks",
    CVPR 2016, arXiv:1509.09308.

    Examples
    --------
    >>> ops = winograd_layer_ops((1, 1, 4, 4), (1, 1, 3, 3))   # one tile
    >>> ops["tiles"], ops["input"], ops["gemm"], ops["output"], ops["direct"]
    (1, (32, 0), (0, 16), (24, 0), (32, 36))
    >>> winograd_layer_ops((1, 2, 4, 4), (1, 3, 3, 3))
    Traceback (most recent call last):
    ...
    ValueError: winograd_layer_ops: weight_shape[1] must equal x_shape[1] (2); got (1, 3, 3, 3)
    """
    func = "winograd_layer_ops"
    N, C, H, W = (check_int(v, "x_shape", func, minimum=1) for v in _four(x_shape, func,
                                                                           "x_shape"))
    K, Cw, kh, kw = (check_int(v, "weight_shape", func, minimum=1)
                     for v in _four(weight_shape, func, "weight_shape"))
    if (kh, kw) != (3, 3):
        raise ValueError(f"{func}: weight_shape must have 3x3 kernels; got "
                         f"{tuple(weight_shape)}")
    if Cw != C:
        raise ValueError(f"{func}: weight_shape[1] must equal x_shape[1] ({C}); got "
                         f"{tuple(weight_shape)}")
    m = _check_tile(m, func)
    pads = padding_pairs(padding, (3, 3), (1, 1), (1, 1), func)
    Ho, Wo = output_sizes((H, W), (3, 3), (1, 1), pads, (1, 1), func)
    AT, G, BT = winograd_transforms(m, 3)
    a, P = m + 2, N * -(-Ho // m) * -(-Wo // m)
    nested = {"input": (BT, a, a), "filter": (G, 3, a), "output": (AT, a, m)}
    ops: dict[str, int | tuple[int, int]] = {"tiles": P}
    for step, (T, first, second) in nested.items():
        adds, mults = _transform_ops(T)
        count = P * C if step == "input" else (K * C if step == "filter" else P * K)
        ops[step] = ((first + second) * adds * count, (first + second) * mults * count)
    ops["gemm"] = (a * a * K * (C - 1) * P, a * a * K * C * P)
    ops["direct"] = (N * K * Ho * Wo * (9 * C - 1), N * K * Ho * Wo * 9 * C)
    return ops


def _four(shape, func: str, name: str) -> tuple:
    try:
        values = tuple(shape)
    except TypeError:
        raise TypeError(f"{func}: {name} must be a tuple of 4 ints; got {shape!r}") \
            from None
    if len(values) != 4:
        raise ValueError(f"{func}: {name} must be a tuple of 4 ints; got {shape!r}")
    return values
