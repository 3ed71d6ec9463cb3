r"""Fewer multiplications: Winograd (Toom-Cook) minimal filtering (:ref:`ch-winograd`).

``F(m, r)`` computes ``m`` outputs of a cross-correlation with an ``r``-tap filter from
one tile of ``alpha = m + r - 1`` inputs with only ``alpha`` multiplications (instead of
``m * r``)::

    y = A^T [ (G g) * (B^T d) ]            1-D tile, * element-wise
    Y = A^T [ (G g G^T) * (B^T d B) ] A    2-D tile F(m x m, r x r)

The three matrices come from polynomial multiplication: evaluate at ``alpha`` points
(one of them infinity), multiply the values, interpolate (Toom-Cook), and transpose the
result to turn convolution into correlation (:func:`~convlib.winograd_transforms`).
:func:`~convlib.winograd_correlate1d` and :func:`~convlib.winograd_correlate2d` tile
whole signals and images; :func:`convolve_winograd` is ``convlib.convolve(..., method='winograd')``.

References
----------
.. [1] S. Winograd, *Arithmetic Complexity of Computations*, SIAM, 1980.
.. [2] A. Lavin and S. Gray, "Fast Algorithms for Convolutional Neural Networks",
   CVPR 2016, arXiv:1509.09308.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._errors import MethodCannotServe
from ._validation import as_array, check_int
from .direct import convolve_direct
from .shapes import mode_offset, output_shape

__all__ = ["winograd_transforms", "winograd_correlate1d", "winograd_correlate2d",
           "convolve_winograd", "winograd_multiplications", "winograd_error_table",
           "DEFAULT_POINTS"]

#: Interpolation points used by default, in order (infinity is always added last).
#: Small values with small numerators and denominators keep the transforms' entries,
#: and therefore the rounding error, small.
DEFAULT_POINTS = tuple(
    Fraction(p) for p in ("0", "1", "-1", "2", "-2", "1/2", "-1/2", "3", "-3", "1/3",
                          "-1/3"))


def _vandermonde(points: Sequence[Fraction], k: int) -> list[list[Fraction]]:
    """Rows ``[p^0, ..., p^(k-1)]`` per finite point, then ``[0, ..., 0, 1]`` for infinity."""
    rows = [[p**j for j in range(k)] for p in points]
    rows.append([Fraction(0)] * (k - 1) + [Fraction(1)])
    return rows


def _inverse(a: list[list[Fraction]]) -> list[list[Fraction]]:
    """Exact inverse by Gauss-Jordan elimination over the rationals."""
    n = len(a)
    aug = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if aug[r][col] != 0)
        aug[col], aug[pivot] = aug[pivot], aug[col]
        p = aug[col][col]
        aug[col] = [v / p for v in aug[col]]
        for r in range(n):
            if r != col and aug[r][col] != 0:
                f = aug[r][col]
                aug[r] = [v - f * w for v, w in zip(aug[r], aug[col])]
    return [row[n:] for row in aug]


def winograd_transforms(m: int = 2, r: int = 3, points: Sequence | None = None, *,
                        exact: bool = False):
    r"""The matrices ``A^T``, ``G``, ``B^T`` of Winograd's ``F(m, r)``.

    Parameters
    ----------
    m : int
        Outputs per tile (``>= 1``).
    r : int
        Filter taps (``>= 1``).
    points : sequence of numbers, optional
        The ``alpha - 1 = m + r - 2`` distinct finite interpolation points (infinity is
        added as the last one). Default: the first ``alpha - 1`` of
        :data:`~convlib.winograd.DEFAULT_POINTS` (``0, 1, -1, 2, -2, 1/2, -1/2, ...``).
    exact : bool
        Return object arrays of ``fractions.Fraction`` instead of float64.

    Returns
    -------
    AT : ndarray of shape (m, alpha)
    G : ndarray of shape (alpha, r)
    BT : ndarray of shape (alpha, alpha)
        ``AT @ ((G @ g) * (BT @ d)) == np.correlate(d, g, 'valid')`` for every tile ``d``
        of length ``alpha = m + r - 1`` and filter ``g`` of length ``r`` (exactly, in
        rational arithmetic).

    Raises
    ------
    TypeError
        If ``m`` or ``r`` is not an integer.
    ValueError
        If ``m`` or ``r`` is below 1, too few default points exist, or ``points`` has the
        wrong length or repeats a point.

    Notes
    -----
    Let ``V_k`` be the ``alpha x k`` matrix that evaluates a polynomial with ``k``
    coefficients at the points (its last row, for infinity, picks the leading
    coefficient). Linear convolution of ``a`` (``m`` taps) and ``g`` (``r`` taps) is
    polynomial multiplication: ``a * g = V_alpha^{-1} ((V_m a) . (V_r g))``, a matrix
    ``M(g)`` applied to ``a``. Correlation of a tile ``d`` with ``g`` is ``M(g)^T d``,
    so ``AT = V_m^T``, ``G = V_r`` and ``BT = V_alpha^{-T}``. Each row ``i`` of ``BT``
    is then scaled to the smallest integers (and row ``i`` of ``G`` divided by the same
    factor), which changes nothing in exact arithmetic and keeps the data transform
    free of fractions, as in Lavin and Gray's tables. A sign is just as free: for
    ``F(2, 3)`` ours differ from theirs in the signs of rows 3 and 4 of ``G``,
    compensated by row 3 of ``BT`` and column 4 of ``AT``.
    :ref:`ch-winograd` derives this.

    Examples
    --------
    >>> AT, G, BT = winograd_transforms(2, 3)
    >>> BT
    array([[ 1.,  0., -1.,  0.],
           [ 0.,  1.,  1.,  0.],
           [ 0.,  1., -1.,  0.],
           [ 0.,  1.,  0., -1.]])
    >>> winograd_transforms(2, 3, points=[0, 1, 1])
    Traceback (most recent call last):
    ...
    ValueError: winograd_transforms: points must be 3 distinct numbers; got [0, 1, 1]
    """
    func = "winograd_transforms"
    m = check_int(m, "m", func, minimum=1)
    r = check_int(r, "r", func, minimum=1)
    alpha = m + r - 1
    if points is None:
        if alpha - 1 > len(DEFAULT_POINTS):
            raise ValueError(f"{func}: m + r - 2 must be at most {len(DEFAULT_POINTS)} "
                             f"with the default points; got {alpha - 1}")
        pts = list(DEFAULT_POINTS[: alpha - 1])
    else:
        try:
            pts = [Fraction(p) for p in points]
        except (TypeError, ValueError):
            raise TypeError(f"{func}: points must be rational numbers; got {points!r}") \
                from None
        if len(pts) != alpha - 1 or len(set(pts)) != len(pts):
            raise ValueError(f"{func}: points must be {alpha - 1} distinct numbers; "
                             f"got {list(points)!r}")
    AT = [list(col) for col in zip(*_vandermonde(pts, m))]           # V_m^T
    G = _vandermonde(pts, r)                                          # V_r
    BT = [list(col) for col in zip(*_inverse(_vandermonde(pts, alpha)))]  # V_alpha^{-T}
    for i, row in enumerate(BT):
        nums = [v for v in row if v != 0]
        scale = Fraction(math.lcm(*(v.denominator for v in nums)),
                         math.gcd(*(v.numerator for v in nums)))
        if nums[0] < 0:
            scale = -scale
        BT[i] = [v * scale for v in row]
        G[i] = [v / scale for v in G[i]]
    arrays = [np.array(M, dtype=object) for M in (AT, G, BT)]
    if exact:
        return tuple(arrays)
    return tuple(a.astype(np.float64) for a in arrays)


def _work_dtype(*arrays: np.ndarray) -> np.dtype:
    """Floating dtype the transforms run in: integers and booleans in float64,
    float16 in float32, other floating and complex types unchanged."""
    dtype = np.result_type(*arrays)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:
        return np.dtype(np.float32)
    return dtype


def _correlate1d(x: np.ndarray, g: np.ndarray, m: int) -> np.ndarray:
    """'valid' correlation (no conjugation) of validated 1-D arrays, F(m, 3) tiles."""
    dtype = _work_dtype(x, g)
    AT, G, BT = (t.astype(dtype) for t in winograd_transforms(m, len(g)))
    alpha = BT.shape[0]
    L = len(x) - len(g) + 1
    T = -(-L // m)                                          # tiles, rounded up
    xp = np.zeros(T * m + alpha - m, dtype=dtype)
    xp[: len(x)] = x
    tiles = sliding_window_view(xp, alpha)[::m]             # (T, alpha), a view
    U = G @ g.astype(dtype)                                 # filter transform (alpha,)
    V = tiles @ BT.T                                        # data transforms (T, alpha)
    Y = (U * V) @ AT.T                                      # alpha products per tile
    return Y.reshape(-1)[:L]


def _correlate2d(x: np.ndarray, g: np.ndarray, m: int) -> np.ndarray:
    """'valid' 2-D correlation (no conjugation) of validated arrays, F(m x m, 3 x 3)."""
    dtype = _work_dtype(x, g)
    AT, G, BT = (t.astype(dtype) for t in winograd_transforms(m, g.shape[0]))
    alpha = BT.shape[0]
    (H, W), (r, _) = x.shape, g.shape
    Lh, Lw = H - r + 1, W - r + 1
    Th, Tw = -(-Lh // m), -(-Lw // m)
    xp = np.zeros((Th * m + alpha - m, Tw * m + alpha - m), dtype=dtype)
    xp[:H, :W] = x
    tiles = sliding_window_view(xp, (alpha, alpha))[::m, ::m]   # (Th, Tw, alpha, alpha)
    U = G @ g.astype(dtype) @ G.T                               # (alpha, alpha)
    V = BT @ tiles @ BT.T
    Y = AT @ (U * V) @ AT.T                                     # (Th, Tw, m, m)
    return Y.transpose(0, 2, 1, 3).reshape(Th * m, Tw * m)[:Lh, :Lw]


def _check_tile(m: object, func: str) -> int:
    m = check_int(m, "m", func, minimum=1)
    if m > 6:
        raise ValueError(f"{func}: m must be at most 6 (larger tiles lose too much "
                         f"accuracy); got {m}")
    return m


def winograd_correlate1d(x, g, *, m: int = 2) -> np.ndarray:
    """1-D 'valid' cross-correlation by Winograd's F(2, 3) (or F(m, 3)), tiled.

    Parameters
    ----------
    x : array_like of shape (N,)
        The signal, ``N >= 3``.
    g : array_like of shape (3,)
        The filter.
    m : int
        Outputs per tile, 1 to 6: ``F(m, 3)`` uses ``m + 2`` multiplications per ``m``
        outputs. Default 2, Lavin and Gray's ``F(2, 3)``.

    Returns
    -------
    ndarray of shape (N - 2,)
        ``numpy.correlate(x, g, 'valid')`` (so ``g`` is conjugated for complex input),
        up to rounding. Computed in floating point: float64 for integer input, the
        input's type for float32/float64/complex.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        If an input is not 1-D, ``g`` does not have 3 taps, ``x`` is shorter than ``g``,
        or ``m`` is outside 1 to 6.

    See Also
    --------
    winograd_correlate2d, winograd_transforms, numpy.correlate

    Notes
    -----
    The signal is zero-padded on the right to a whole number of tiles; consecutive
    tiles of ``m + 2`` inputs overlap by 2. Cost: ``ceil((N - 2) / m) * (m + 2)``
    multiplications in the element-wise step, against ``3 (N - 2)`` for the direct sum;
    the transforms are additions (and, for ``m > 2``, multiplications by small
    constants). Taught in :ref:`ch-winograd`.

    Examples
    --------
    >>> winograd_correlate1d([1, 2, 3, 4, 5], [1, 0, -1])
    array([-2., -2., -2.])
    >>> winograd_correlate1d([1, 2, 3, 4, 5], [1, 1])
    Traceback (most recent call last):
    ...
    ValueError: winograd_correlate1d: g must have 3 taps; got shape (2,)
    """
    func = "winograd_correlate1d"
    x = as_array(x, "x", func, ndim=1)
    g = as_array(g, "g", func, ndim=1)
    m = _check_tile(m, func)
    if g.shape != (3,):
        raise ValueError(f"{func}: g must have 3 taps; got shape {g.shape}")
    if len(x) < 3:
        raise ValueError(f"{func}: x must be at least as long as g (3); "
                         f"got shape {x.shape}")
    return _correlate1d(x, g.conj(), m)


def winograd_correlate2d(x, g, *, m: int = 2) -> np.ndarray:
    """2-D 'valid' cross-correlation by Winograd's F(2x2, 3x3) (or F(mxm, 3x3)), tiled.

    Parameters
    ----------
    x : array_like of shape (H, W)
        The image, ``H, W >= 3`` (any sizes: a remainder tile is zero-padded).
    g : array_like of shape (3, 3)
        The filter.
    m : int
        Output tile size, 1 to 6: ``F(m x m, 3 x 3)`` uses ``(m + 2)**2``
        multiplications per ``m x m`` outputs. Default 2: 16 instead of 36.

    Returns
    -------
    ndarray of shape (H - 2, W - 2)
        ``scipy.signal.correlate2d(x, g, 'valid')`` up to rounding, in the dtype
        described in :func:`winograd_correlate1d`.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        If an input is not 2-D, ``g`` is not 3x3, ``x`` is smaller than 3x3, or ``m`` is
        outside 1 to 6.

    See Also
    --------
    winograd_correlate1d, winograd_transforms, scipy.signal.correlate2d

    Notes
    -----
    Nesting ``F(m, 3)`` in both directions: ``Y = A^T [(G g G^T) * (B^T d B)] A`` for each
    ``(m + 2) x (m + 2)`` input tile ``d``; tiles overlap by 2 rows and columns. The
    filter transform ``G g G^T`` is computed once (:ref:`ch-winograd`).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> winograd_correlate2d(x, np.ones((3, 3)))
    array([[45., 54.],
           [81., 90.]])
    >>> winograd_correlate2d(x, np.ones((2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: winograd_correlate2d: g must be 3x3; got shape (2, 2)
    """
    func = "winograd_correlate2d"
    x = as_array(x, "x", func, ndim=2)
    g = as_array(g, "g", func, ndim=2)
    m = _check_tile(m, func)
    if g.shape != (3, 3):
        raise ValueError(f"{func}: g must be 3x3; got shape {g.shape}")
    if x.shape[0] < 3 or x.shape[1] < 3:
        raise ValueError(f"{func}: x must be at least 3x3 (the size of g); "
                         f"got shape {x.shape}")
    return _correlate2d(x, g.conj(), m)


def serves_winograd(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> str | None:
    """Why ``method='winograd'`` cannot serve these inputs, or None if it can.

    The domain of :func:`convolve_winograd` (F(2, 3) and F(2x2, 3x3)): 1-D or 2-D
    inputs where ``in2`` is a 3-tap (3 x 3) kernel or, in ``'full'`` and ``'valid'``
    modes, whose outputs are symmetric in the inputs, ``in1`` is. The dispatcher asks
    before running the method and reports the reason as
    :class:`~convlib.dispatch.MethodCannotServe`.

    Examples
    --------
    >>> serves_winograd(np.ones(8), np.ones(3)) is None
    True
    >>> serves_winograd(np.ones(8), np.ones(5))
    "'winograd' (F(2,3) / F(2x2,3x3)) needs a 3-tap kernel as in2; got in2 of shape (5,)"
    """
    if in1.ndim not in (1, 2):
        return f"'winograd' serves 1-D and 2-D inputs; got {in1.ndim}-D inputs"
    three = (3,) * in1.ndim
    if in2.shape == three or (in1.shape == three and mode != "same"):
        return None
    want = "a 3-tap kernel" if in1.ndim == 1 else "a 3x3 kernel"
    return (f"'winograd' (F(2,3) / F(2x2,3x3)) needs {want} as in2; "
            f"got in2 of shape {in2.shape}")


def convolve_winograd(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> np.ndarray:
    """Convolution by Winograd's F(2, 3) / F(2x2, 3x3) (``method='winograd'``).

    Parameters
    ----------
    in1 : ndarray of shape (N,) or (H, W)
        The signal or image ``x``.
    in2 : ndarray of shape (3,) or (3, 3)
        The kernel ``h``.
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    ndarray
        The values of ``convlib.convolve(in1, in2, mode)`` up to rounding, in the
        floating dtype of :func:`~convlib.winograd_correlate1d` (the dispatcher casts back).

    Raises
    ------
    convlib.dispatch.MethodCannotServe
        If ``serves_winograd`` gives a reason (the inputs are not 1-D or 2-D, or
        neither ``in2`` nor, in ``'full'`` and ``'valid'`` modes, ``in1`` is a 3-tap or
        3x3 kernel), with that reason.

    Notes
    -----
    True convolution is the correlation of the zero-padded input with the flipped
    kernel; ``kernel - 1 - o`` zeros before and ``L + o - n`` after, per axis (``o``:
    offset of ``mode``'s window in the full output, ``L``: its length), give every mode.

    Non-finite input: the data transform mixes the whole input tile (4 samples, or
    4x4 pixels), so a NaN or infinity reaches every output of the tiles whose input
    tile holds it, also outputs whose own window does not read it (in 1-D up to 4
    outputs instead of 3, in 2-D up to 16 instead of 9). ``method='auto'`` never picks
    Winograd; use ``'direct'`` to keep non-finite values local.

    Integer inputs: the dispatcher runs this method through
    :func:`convlib.exact.exact_integer_convolve`, so integer results are exact.

    Examples
    --------
    >>> convolve_winograd(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), "same")
    array([3., 6., 5.])
    """
    reason = serves_winograd(in1, in2, mode)
    if reason is not None:  # the dispatcher asks first, naming the function called
        raise MethodCannotServe(reason)
    if in2.shape != (3,) * in1.ndim:  # serves_winograd: in1 is the 3-tap (3x3) one
        in1, in2 = in2, in1  # the full and valid outputs are symmetric in the inputs
    out_shape = output_shape(in1.shape, in2.shape, mode)
    offset = mode_offset(in1.shape, in2.shape, mode)
    pad = [(2 - o, L + o - n) for n, o, L in zip(in1.shape, offset, out_shape)]
    x = np.pad(in1.astype(_work_dtype(in1, in2)), pad)
    flipped = in2[(slice(None, None, -1),) * in2.ndim]
    return (_correlate1d if in1.ndim == 1 else _correlate2d)(x, flipped, 2)


def winograd_multiplications(out_shape: int | Sequence[int], m: int = 2,
                             r: int = 3) -> tuple[int, int]:
    """General multiplications of tiled ``F(m, r)`` and of the direct sum, for one output.

    Parameters
    ----------
    out_shape : int or sequence of int
        Shape of the ``'valid'`` correlation output (1-D or 2-D or more).
    m, r : int
        Output tile size and filter taps.

    Returns
    -------
    winograd, direct : int
        ``prod(ceil(L / m)) * (m + r - 1)**ndim`` (element-wise products, one per
        transformed tile entry; remainder tiles count in full) and
        ``prod(L) * r**ndim``. The transforms are not counted: they are additions and
        multiplications by small constants, and the filter's is done once.

    Examples
    --------
    >>> winograd_multiplications((2, 2))      # one F(2x2, 3x3) tile
    (16, 36)
    >>> winograd_multiplications(0)
    Traceback (most recent call last):
    ...
    ValueError: winograd_multiplications: out_shape must be >= 1; got 0
    """
    func = "winograd_multiplications"
    shape = (out_shape,) if isinstance(out_shape, (int, np.integer)) else tuple(out_shape)
    shape = tuple(check_int(n, "out_shape", func, minimum=1) for n in shape)
    m = check_int(m, "m", func, minimum=1)
    r = check_int(r, "r", func, minimum=1)
    tiles = math.prod(-(-n // m) for n in shape)
    return tiles * (m + r - 1) ** len(shape), math.prod(shape) * r ** len(shape)


def winograd_error_table(ms: Sequence[int] = (1, 2, 3, 4, 5, 6),
                         shape: tuple[int, int] = (66, 66), seed: int = 0) -> dict:
    """Rounding error of ``F(m x m, 3 x 3)`` in float32 and float64, for each tile ``m``.

    Parameters
    ----------
    ms : sequence of int
        Tile sizes, each 1 to 6.
    shape : (int, int)
        Size of the random image (standard normal, as is the 3x3 filter).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    dict
        ``{m: {"mults": (m + 2)**2 / m**2, "float32": e32, "float64": e64}}`` where
        ``e = max|winograd - exact| / max|exact|`` and ``exact`` is the direct sum of the
        *same* (rounded) inputs in ``numpy.longdouble`` (80-bit extended precision on
        x86-64; where ``longdouble`` is float64 the float64 column measures only the
        difference between two float64 computations).

    Examples
    --------
    >>> table = winograd_error_table((2,), shape=(8, 8))
    >>> table[2]["mults"], bool(table[2]["float32"] < 1e-5)
    (4.0, True)
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    g = rng.standard_normal((3, 3))
    table = {}
    for m in ms:
        m = _check_tile(m, "winograd_error_table")
        row = {"mults": (m + 2) ** 2 / m**2}
        for dtype in (np.float32, np.float64):
            xd, gd = x.astype(dtype), g.astype(dtype)
            # the correlation as a direct convolution with the flipped filter (real)
            exact = convolve_direct(xd.astype(np.longdouble),
                                    gd.astype(np.longdouble)[::-1, ::-1], "valid")
            err = np.abs(_correlate2d(xd, gd, m) - exact).max() / np.abs(exact).max()
            row[np.dtype(dtype).name] = float(err)
        table[m] = row
    return table
