"""Separable kernels: rank-1 factorisation, low-rank approximation, ``method='separable'``.

A 2-D kernel ``h`` of shape ``(M, N)`` is *separable* when it is an outer product
``h = c r^T`` of a column ``c`` (length ``M``) and a row ``r`` (length ``N``), i.e. when
its matrix rank is 1. Convolution is associative, so

.. math:: x * h = x * (c\\, r^T) = (x * c) * r^T

costs ``M + N`` multiplications per output pixel instead of ``M N`` (chapter 4). The
singular value decomposition ``h = sum_i s_i u_i v_i^H`` decides separability (``s_2``
is zero up to rounding) and, when it is not, gives the best approximation of any rank
(Eckart-Young).
"""

from __future__ import annotations

import math

from typing import Any

import numpy as np

from ._errors import MethodCannotServe
from ._typing import ArrayLike, DTypeLike, Mode, NDArray
from ._validation import as_array, check_int, check_real
from .compiled import MAX_NDIM, convolve_compiled, use_compiled
from .direct import convolve_direct
from .shapes import mode_offset, output_shape

__all__ = ["is_separable", "separate", "separate_nd", "low_rank", "convolve_separable"]


def _check_finite(k: np.ndarray, func: str) -> None:
    """The SVD of a kernel with NaN or infinity fails inside LAPACK: say so first."""
    if k.dtype.kind in "fc" and not np.isfinite(k).all():
        bad = np.argwhere(~np.isfinite(k))[0]
        raise ValueError(f"{func}: kernel must hold finite values; got "
                         f"{k[tuple(bad)]} at index {tuple(int(i) for i in bad)}")


def _kernel_2d(kernel: ArrayLike, tol: float | None, func: str) -> np.ndarray:
    """The checked 2-D kernel of :func:`separate` and :func:`is_separable`, and ``tol``
    checked to be ``None`` or a real number >= 0."""
    k = as_array(kernel, "kernel", func, ndim=2)
    _check_finite(k, func)
    if tol is not None:
        check_real(tol, "tol", func)
        if not tol >= 0:
            raise ValueError(f"{func}: tol must be >= 0; got {tol!r}")
    return k


def _svd(k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    kf = k.astype(np.result_type(k.dtype, np.float64) if k.dtype.kind in "biu" else k.dtype)
    u, s, vh = np.linalg.svd(kf, full_matrices=False)
    return u, s, vh, kf


def _default_tol(s: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> float:
    eps = np.finfo(dtype).eps if dtype.kind in "fc" else np.finfo(np.float64).eps
    return float(s[0]) * max(shape) * float(eps)


def _shown(s: np.ndarray) -> str:
    """The leading singular values, as the rank errors show them."""
    return ", ".join(f"{v:.3g}" for v in s[:3]) + (", ..." if len(s) > 3 else "")


def _rank1(k: np.ndarray, tol: float | None, func: str, name: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(col, row, s) for a 2-D ``k``; raises ValueError if ``s[1] > tol``."""
    col, row, s, limit = _rank1_or_not(k, tol)
    if col is None:
        raise ValueError(
            f"{func}: {name} must have rank 1 (second singular value <= tol={limit:.3g}) "
            f"to be separable; got singular values {_shown(s)}")
    assert row is not None  # set with col
    return col, row, s


def _rank1_or_not(k: np.ndarray, tol: float | None
                  ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray, float]:
    """``(col, row, s, tol)`` for a 2-D ``k`` of rank 1 within ``tol`` (default
    :func:`_default_tol`), else ``(None, None, s, tol)``: the rank-1 rule of
    :func:`is_separable`, :func:`separate` and :func:`separate_nd`."""
    u, s, vh, kf = _svd(k)
    tol = _default_tol(s, k.shape, kf.dtype) if tol is None else tol
    if len(s) > 1 and s[1] > tol:
        return None, None, s, tol
    scale = np.sqrt(s[0])
    col, row = u[:, 0] * scale, vh[0] * scale
    pivot = col[np.argmax(np.abs(col))]
    if pivot != 0:  # put the phase on the row: col's largest entry is real and positive
        phase = pivot / abs(pivot)
        col, row = col / phase, row * phase
    return col, row, s, tol


def _norm(x: np.ndarray) -> float:
    """The 2-norm (Frobenius for a matrix), summed by NumPy (pairwise), not by BLAS."""
    return math.sqrt(float(np.sum(np.abs(x) ** 2)))


def _rank1_fast(k: np.ndarray, tol: float | None) -> tuple[np.ndarray, np.ndarray] | None:
    """``(col, row)`` of a 2-D ``k`` certified rank 1 within ``tol`` (default
    :func:`_default_tol`) without an SVD, or None when this cheap test cannot tell
    (then the SVD decides, as in :func:`_rank1_or_not`).

    ``col`` is the column of largest norm and ``row`` the least-squares fit
    ``col^H k / col^H col``; if the residual ``R = k - col row`` has
    ``||R||_F <= tol``, then ``s_2 <= ||R||_2 <= ||R||_F <= tol`` (Weyl: ``col row`` has
    rank 1), and ``sqrt(s_2**2 + s_3**2 + ...) <= ||R||_F`` too (Eckart-Young). The
    default tolerance is taken with the lower bound ``||k row^H|| / ||row||`` of ``s_1``,
    so it never exceeds :func:`_default_tol`'s. Costs a few passes over ``k`` instead
    of an SVD's ``O(M N min(M, N))`` (a 257 x 257 kernel: about 10 ms). Factors scaled
    as :func:`_rank1_or_not`'s (equal norms, ``col``'s largest entry real and
    positive); they equal the SVD's up to rounding.
    """
    info = np.finfo(k.dtype)
    peak = float(np.max(np.abs(k)))
    if not math.sqrt(info.tiny) / info.eps * 1e3 <= peak <= math.sqrt(info.max / k.size) / 16:
        return None  # zero, or squares that under/overflow: the SVD (LAPACK scales) decides
    norms = np.einsum("ij,ij->j", k.conj(), k).real
    j = int(np.argmax(norms))
    c = k[:, j]
    cc = float(norms[j])  # >= peak**2 > 0
    # no BLAS here: its threads, woken for a dot product of a few thousand terms,
    # cost milliseconds on a busy machine (numpy.linalg.norm of a 129 x 129 residual:
    # 8-11 ms measured at load average 4 on 2 cores, against 0.03 ms with np.sum)
    r = np.einsum("i,ij->j", c.conj(), k) / cc
    rn = _norm(r)  # >= 1: r[j] == 1
    if tol is None:
        s1_low = _norm(np.einsum("ij,j->i", k, r.conj())) / rn
        tol = _default_tol(np.array([s1_low]), k.shape, k.dtype)
    if not _norm(k - np.multiply.outer(c, r)) <= tol:
        return None
    scale = math.sqrt(rn / math.sqrt(cc))
    col, row = c * scale, r / scale
    pivot = col[np.argmax(np.abs(col))]
    phase = pivot / abs(pivot)
    return col / phase, row * phase


def is_separable(kernel: ArrayLike, tol: float | None = None) -> bool:
    """Whether a 2-D kernel is rank 1, i.e. whether :func:`separate` would split it.

    Parameters
    ----------
    kernel : array_like
        A 2-D, non-empty, finite kernel.
    tol : float, optional
        The largest second singular value still counted as zero. Default (as
        :func:`separate`) ``s[0] * max(M, N) * eps``.

    Returns
    -------
    bool
        ``True`` exactly when ``separate(kernel, tol)`` returns instead of raising the
        rank error.

    Raises
    ------
    ValueError
        As :func:`separate` for a kernel that is not 2-D, is empty or holds NaN or infinity.

    Examples
    --------
    >>> is_separable(np.ones((3, 5)))
    True
    >>> is_separable([[0, 1, 0], [1, -4, 1], [0, 1, 0]])          # the Laplacian: rank 2
    False
    """
    k = _kernel_2d(kernel, tol, "is_separable")
    return _rank1_or_not(k, tol)[0] is not None


def rank1_to_rounding(kernel: np.ndarray, dtype: DTypeLike) -> bool:
    """Whether a finite 2-D kernel is rank 1 to within the rounding of ``dtype``: the
    Frobenius error of its best rank-1 approximation, ``sqrt(s_2**2 + s_3**2 + ...)``
    with the SVD computed in ``dtype`` (float32 or float64), is at most
    ``s_1 * max(shape) * eps`` (the tolerance of :func:`is_separable`). A kernel that
    a cheap residual test certifies (``_rank1_fast``) needs no SVD.

    Stricter than :func:`is_separable`, which bounds ``s_2`` alone: the rule by which
    ``method='auto'`` runs a kernel as separable passes (a float32 kernel with a
    float64 image must be rank 1 to float64 accuracy). For the package.

    Examples
    --------
    >>> rank1_to_rounding(np.ones((3, 5)), np.float64)
    True
    >>> near = np.ones((3, 3)) + 1e-9 * np.eye(3)
    >>> rank1_to_rounding(near, np.float64), rank1_to_rounding(near, np.float32)
    (False, True)
    """
    dtype = np.dtype(dtype)
    if _clearly_not_rank1(kernel, dtype):  # no SVD needed: a random kernel, say
        return False
    if _rank1_fast(kernel.astype(dtype, copy=False), None) is not None:  # nor here
        return True
    s = np.linalg.svd(kernel.astype(dtype, copy=False), compute_uv=False)
    tol = _default_tol(s, kernel.shape, dtype)
    return bool(s[0] > 0 and np.sqrt(np.sum(s[1:] ** 2)) <= tol)


def _clearly_not_rank1(kernel: np.ndarray, dtype: np.dtype) -> bool:
    """Whether a real 2-D ``kernel`` is certainly not rank 1 to within the rounding of
    ``dtype`` (:func:`rank1_to_rounding`'s rule), without an SVD; False when this cheap
    test cannot tell (always for a complex kernel, left to the SVD).

    The two columns ``u`` (largest norm) and ``v`` (largest distance ``r`` from the
    line of ``u``) form a submatrix whose second singular value is at most the
    kernel's ``s_2`` (interlacing) and at least ``|u| r / sqrt(|u|^2 + |v|^2)`` (its
    ``s_1 s_2 = |u| r`` and ``s_1 <= sqrt(|u|^2 + |v|^2)``); the rule's tolerance is
    at most ``|k|_F max(shape) eps``, since ``s_1 <= |k|_F``. The bound is computed in
    float64 and must exceed four times that tolerance, which covers its rounding and
    that of an SVD in ``dtype``. For a random 63 x 63 kernel this replaces an SVD of
    about 0.4 ms by a few passes over the kernel, which ``method='auto'`` pays on
    every call where the separable estimate wins.
    """
    if kernel.dtype.kind == "c":  # its squares below would not be |k|^2: no answer
        return False
    k = kernel.astype(np.float64, copy=False)
    norms = np.einsum("ij,ij->j", k, k)
    j = int(np.argmax(norms))
    uu = float(norms[j])
    if not uu > 0 or not np.isfinite(uu):
        return False
    u = k[:, j]
    residual = k - np.multiply.outer(u, (u @ k) / uu)
    dist = np.einsum("ij,ij->j", residual, residual)
    l = int(np.argmax(dist))
    s2_low = math.sqrt(uu * float(dist[l]) / (uu + float(norms[l])))
    tol_high = math.sqrt(float(norms.sum())) * max(kernel.shape) * float(np.finfo(dtype).eps)
    return s2_low > 4 * tol_high


def separate(kernel: ArrayLike, tol: float | None = None) -> tuple[NDArray[Any], NDArray[Any]]:
    """Split a rank-1 2-D kernel into a column and a row: ``np.outer(col, row) ≈ kernel``.

    Parameters
    ----------
    kernel : array_like of shape (M, N)
        The kernel ``h``; real or complex.
    tol : float, optional
        Largest second singular value still counted as zero. Default
        ``s[0] * max(M, N) * eps`` (as ``numpy.linalg.matrix_rank``), with ``eps`` of the
        kernel's floating dtype (float64 for integers).

    Returns
    -------
    col : ndarray of shape (M,)
    row : ndarray of shape (N,)
        ``col = sqrt(s_1) u_1`` and ``row = sqrt(s_1) v_1^H`` from the SVD, so both carry
        the same norm; the phase (sign) is chosen so that ``col``'s largest entry is
        positive. Floating dtype (float64 for integer kernels).

    Raises
    ------
    TypeError
        If ``kernel`` does not hold numbers.
    ValueError
        If ``kernel`` is not 2-D, is empty, holds NaN or infinity, or is not rank 1
        within ``tol`` (the message lists its leading singular values).

    See Also
    --------
    convlib.low_rank : the best rank-``r`` approximation of any kernel.
    convlib.separable.separate_nd : the same for N-d kernels.

    Notes
    -----
    ``h = sum_i s_i u_i v_i^H`` (SVD); ``h`` is separable iff ``s_2 = 0``, and then
    ``h = (sqrt(s_1) u_1)(sqrt(s_1) v_1^H)``. Chapter 4 teaches it; the factors are
    unique up to a scale ``a`` moved from one to the other (``a col``, ``row / a``).

    Examples
    --------
    >>> col, row = separate([[1, 0, -1], [2, 0, -2], [1, 0, -1]])   # Sobel
    >>> (col / col[0]).round(12), (row * col[0]).round(12) + 0.0
    (array([1., 2., 1.]), array([ 1.,  0., -1.]))
    >>> separate([[1, 0], [0, 2]])                                   # rank 2
    Traceback (most recent call last):
    ...
    ValueError: separate: kernel must have rank 1 (second singular value <= tol=8.88e-16) \
to be separable; got singular values 2, 1
    """
    k = _kernel_2d(kernel, tol, "separate")
    col, row, _ = _rank1(k, tol, "separate", "kernel")
    return col, row


def separate_nd(kernel: ArrayLike, tol: float | None = None) -> list[NDArray[Any]]:
    """Split a rank-1 N-d kernel into one 1-D factor per axis.

    Parameters
    ----------
    kernel : array_like of shape (M1, ..., Md)
    tol : float, optional
        As in :func:`convlib.separate`, applied to each unfolding (see Notes).

    Returns
    -------
    list of d ndarrays
        ``factors[a]`` has shape ``(Ma,)``; their outer product is ``kernel`` (up to
        rounding). A 1-D kernel is returned as its own single factor (as float).

    Raises
    ------
    ValueError
        If the kernel is 0-d or empty, holds NaN or infinity, or is not rank 1.

    Notes
    -----
    The kernel is unfolded to ``(M1, M2 ... Md)``, split with :func:`convlib.separate`,
    and
    the row (reshaped to ``(M2, ..., Md)``) is split again: a tensor is an outer
    product of vectors iff each of these unfoldings has rank 1.

    Examples
    --------
    >>> h = np.einsum("i,j,k->ijk", [1, 2, 1], [1, 1], [1, 0, -1])
    >>> f = separate_nd(h)
    >>> [v.shape for v in f], bool(np.allclose(np.einsum("i,j,k->ijk", *f), h))
    ([(3,), (2,), (3,)], True)
    """
    k = as_array(kernel, "kernel", "separate_nd", min_ndim=1)
    _check_finite(k, "separate_nd")
    factors, s, limit = _split_nd(k, tol)
    if factors is None:
        assert s is not None and limit is not None  # set when factors is not
        raise ValueError(
            f"separate_nd: kernel must have rank 1 (second singular value <= "
            f"tol={limit:.3g}) to be separable; got singular values {_shown(s)}")
    return factors


def _split_nd(k: np.ndarray, tol: float | None, fast: bool = False
              ) -> tuple[list[np.ndarray] | None, np.ndarray | None, float | None]:
    """``(factors, None, None)`` for a finite N-d ``k`` each of whose unfoldings is
    rank 1 (:func:`separate_nd`), else ``(None, s, tol)`` of the first that is not.
    With ``fast``, an unfolding that :func:`_rank1_fast` certifies is split without an
    SVD (factors equal up to rounding; the same verdict)."""
    factors = []
    rest = k
    while rest.ndim > 1:
        unfolded = rest.reshape(rest.shape[0], -1)
        pair = _rank1_fast(unfolded, tol) if fast else None
        if pair is None:
            c, r, s, limit = _rank1_or_not(unfolded, tol)
            if c is None:
                return None, s, limit
            assert r is not None  # set with c
            pair = c, r
        col, row = pair
        factors.append(col)
        rest = row.reshape(rest.shape[1:])
    # integer (1-D) kernels become float64; floating factors keep the kernel's dtype
    factors.append(rest.astype(np.float64) if rest.dtype.kind in "biu" else rest)
    return factors, None, None


def low_rank(kernel: ArrayLike, rank: int) -> list[tuple[NDArray[Any], NDArray[Any]]]:
    """The best rank-``rank`` approximation of a 2-D kernel, as separable terms.

    Parameters
    ----------
    kernel : array_like of shape (M, N)
    rank : int
        Number of terms ``r``, ``1 <= r <= min(M, N)``.

    Returns
    -------
    list of r (col, row) pairs
        ``col`` of shape ``(M,)``, ``row`` of shape ``(N,)``: the terms
        ``sqrt(s_i) u_i``, ``sqrt(s_i) v_i^H`` in decreasing order of ``s_i``.
        ``sum(np.outer(c, r) for c, r in terms)`` is the closest rank-``r`` matrix to
        ``kernel`` in the Frobenius (and spectral) norm; its Frobenius error is
        ``sqrt(s_{r+1}^2 + ... )``.

    Raises
    ------
    ValueError
        If ``kernel`` is not 2-D, holds NaN or infinity, or ``rank`` is out of range.

    Notes
    -----
    Convolving with ``r`` separable terms costs ``r (M + N)`` multiplications per pixel
    instead of ``M N`` (chapter 4). That the truncated SVD is the best approximation is
    the Eckart-Young theorem.

    References
    ----------
    C. Eckart and G. Young, "The approximation of one matrix by another of lower rank",
    Psychometrika 1, 211-218 (1936).

    Examples
    --------
    >>> terms = low_rank([[0, 1, 0], [1, -4, 1], [0, 1, 0]], 2)
    >>> bool(np.allclose(sum(np.outer(c, r) for c, r in terms), [[0, 1, 0], [1, -4, 1],
    ...                                                           [0, 1, 0]]))
    True
    >>> low_rank(np.eye(3), 4)
    Traceback (most recent call last):
    ...
    ValueError: low_rank: rank must be between 1 and min(M, N) = 3; got 4
    """
    func = "low_rank"
    k = as_array(kernel, "kernel", func, ndim=2)
    _check_finite(k, func)
    rank = check_int(rank, "rank", func)
    if not 1 <= rank <= min(k.shape):
        raise ValueError(f"{func}: rank must be between 1 and min(M, N) = {min(k.shape)}; "
                         f"got {rank}")
    u, s, vh, _ = _svd(k)
    scale = np.sqrt(s[:rank])
    return [(u[:, i] * scale[i], vh[i] * scale[i]) for i in range(rank)]


def _integer_factors(h: np.ndarray) -> list[np.ndarray] | None:
    """Exact integer factors of a rank-1 integer kernel (a list of 1-D int64 arrays,
    their outer product equal to ``h`` modulo ``2**64``), or None if it is not rank 1.

    In Python integers: along the first axis take the slice ``col`` through an entry of
    largest magnitude and divide it by its gcd (a primitive vector ``c``); if ``h`` is
    rank 1, every slice along that axis is an integer multiple of ``c``, so the rest is
    ``h[i0] // c[i0]``, an integer kernel of one dimension less, and so on. No division
    is left for the convolution, whose int64 arithmetic is then exact modulo ``2**64``.
    """
    rest = np.asarray(h).astype(object)
    if not rest.any():  # the zero kernel: zero factors
        return [np.zeros(n, dtype=np.int64) for n in rest.shape]
    factors = []
    while rest.ndim > 1:
        flat = max(range(rest.size), key=lambda i: abs(rest.flat[i]))
        p = np.unravel_index(flat, rest.shape)
        col = rest[(slice(None),) + tuple(p[1:])]
        g = math.gcd(*col.tolist())
        c = col // g
        sub = rest[p[0]]
        if c[p[0]] == 0 or any(v % c[p[0]] for v in sub.flat):
            return None
        r = sub // c[p[0]]
        if not (np.multiply.outer(c, r) == rest).all():
            return None
        factors.append(c)
        rest = r
    return [_wrap_int64(f) for f in factors + [rest]]


def _wrap_int64(values: np.ndarray) -> np.ndarray:
    """Python integers modulo ``2**64``, as int64 (two's complement)."""
    return np.array([(int(v) + 2**63) % 2**64 - 2**63 for v in values], dtype=np.int64)


#: The dtypes ``numpy.linalg.svd`` computes in (it has no float16 and no long double).
_LAPACK = tuple(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


def _kernel_factors(in1: np.ndarray, in2: np.ndarray
                    ) -> tuple[list[np.ndarray] | None, str | None]:
    """``(factors, None)``: the 1-D kernels :func:`convolve_separable` convolves with,
    one per axis; or ``(None, reason)``: why ``in2`` has none (the one rule behind
    :func:`serves_separable` and the method itself)."""
    if in2.dtype.kind in "biu":  # exact integer factors
        factors = _integer_factors(in2)
        if factors is None:
            return None, (f"the kernel of shape {in2.shape} is not separable (not an outer "
                          "product of 1-D kernels, i.e. not rank 1); approximate it with "
                          "low_rank or use method='direct'")
        return factors, None
    k = in2.astype(np.result_type(in1, in2), copy=False)   # the SVD in the result's dtype
    if k.ndim > 1 and k.dtype not in _LAPACK:
        return None, (f"the kernel is factored by an SVD, which numpy.linalg does not "
                      f"compute in {k.dtype}; use method='direct'")
    if not np.isfinite(k).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(k))[0])
        return None, (f"the kernel of shape {in2.shape} holds {k[bad]} at index {bad}, "
                      "and a kernel with NaN or infinity has no rank-1 factors; use "
                      "method='direct'")
    factors, s, _ = _split_nd(k, None, fast=True)
    if factors is None:
        assert s is not None  # set when factors is not
        return None, (f"the kernel of shape {in2.shape} is not separable (not rank 1): its "
                      f"singular values {_shown(s)}; approximate it with low_rank or use "
                      "method='direct'")
    return factors, None


def serves_separable(in1: np.ndarray, in2: np.ndarray, mode: Mode = "full") -> str | None:
    """Why ``method='separable'`` cannot serve these inputs, or None if it can.

    The domain of :func:`convolve_separable`: a kernel ``in2`` that is an outer product
    of 1-D kernels (every 1-D kernel is). Integer and boolean kernels must factor
    exactly into integer vectors; floating ones must be finite and rank 1 by the rule
    of :func:`convlib.separate_nd` (every unfolding's second singular value at most
    ``s_1 * max(shape) * eps``), in the result's dtype, which for 2-D and larger kernels
    must be one ``numpy.linalg`` computes in (float32, float64, complex64, complex128).
    The dispatcher asks before running the method and reports the reason as
    :class:`~convlib.dispatch.MethodCannotServe`. ``mode`` does not matter.

    Examples
    --------
    >>> serves_separable(np.ones((5, 5)), np.ones((3, 3))) is None
    True
    >>> serves_separable(np.ones((5, 5)), np.eye(2))
    "the kernel of shape (2, 2) is not separable (not rank 1): its singular values 1, 1; \
approximate it with low_rank or use method='direct'"
    """
    return _kernel_factors(in1, in2)[1]


def convolve_separable(in1: np.ndarray, in2: np.ndarray, mode: Mode = "full"
                       ) -> NDArray[Any]:
    """Convolution with a rank-1 kernel, one 1-D pass per axis (``method='separable'``).

    Parameters
    ----------
    in1 : ndarray of shape (N1, ..., Nd)
        The signal or image ``x``.
    in2 : ndarray of shape (M1, ..., Md)
        The kernel ``h``; it must be an outer product of 1-D kernels.
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    ndarray
        ``convolve(in1, in2, mode)``, computed as ``d`` successive 1-D convolutions,
        each cropped to ``mode``'s window along its axis.

    Raises
    ------
    ValueError
        ``convlib.dispatch.MethodCannotServe`` (a ``ValueError``) with the reason of
        ``serves_separable`` if it gives one (``in2`` not rank 1, say).

    Notes
    -----
    Cost ``prod(N) * sum(M)`` multiply-adds instead of ``prod(N) * prod(M)``.
    Integer kernels are factored exactly into integer vectors (a primitive slice
    through the largest entry, then the rest divided by it, exactly) and the passes
    run in int64, so integer results are exact (modulo ``2**64``, like every integer
    method). Floating kernels are factored with the SVD
    (:func:`convlib.separable.separate_nd`) in the result's dtype, so a float32 kernel
    with a float64 image is factored to float64 accuracy; an unfolding whose fit by
    its largest column leaves a residual within the tolerance is certified rank 1 and
    split without the SVD (same verdict, factors equal up to rounding; a 257 x 257
    kernel's SVD alone takes about 10 ms, and the dispatcher asks for the factors twice).
    Chapter 4.

    The passes of float32 and float64 results on 1-D to 3-D inputs run compiled
    (:func:`convlib.compiled.convolve_compiled`, each computing only the ``mode``
    window along its axis) when :func:`convlib.compiled.use_compiled` says so (numba
    installed, :data:`convlib.compiled.USE_COMPILED`); the others run
    :func:`convlib.direct.convolve_direct` in ``'full'`` mode and are then cut. On 2-D
    and 3-D inputs both give the same values, bit for bit (the compiled sum adds the
    taps in the direct sum's order). Measured on the book's machine, one thread,
    256 x 256 by a 31 x 31 Gaussian, float64, ``'same'``: 0.59 ms compiled, 2.8 ms
    with NumPy passes (0.67 ms by FFT); 63 x 63: 1.07 ms, 5.8 ms (0.72 ms by FFT).

    Examples
    --------
    >>> x = np.arange(12).reshape(3, 4)
    >>> convolve_separable(x, np.ones((2, 2), dtype=int), "valid")
    array([[10, 14, 18],
           [26, 30, 34]])
    """
    dtype = np.result_type(in1, in2)
    factors, reason = _kernel_factors(in1, in2)
    if reason is not None:  # the dispatcher asks first, naming the function called
        raise MethodCannotServe(reason)
    assert factors is not None  # set when reason is not
    if in2.dtype.kind in "biu":  # integer factors; int64 is a ring mod 2**64
        work = np.dtype(np.int64) if dtype.kind in "biu" else np.result_type(dtype,
                                                                              np.int64)
    else:
        work = np.result_type(dtype, *factors)
    out = in1.astype(work, copy=False)
    compiled = in1.ndim <= MAX_NDIM and use_compiled(out)
    for axis, f in enumerate(factors):
        shape = [1] * in1.ndim
        shape[axis] = len(f)
        f = f.astype(work, copy=False).reshape(shape)
        if compiled:  # the mode's window along this axis only (the others: size 1)
            out = convolve_compiled(out, f, mode)
            continue
        out = convolve_direct(out, f, "full")
        n, m = in1.shape[axis], in2.shape[axis]
        start = mode_offset((n,), (m,), mode)[0]
        length = output_shape((n,), (m,), mode)[0]
        index = [slice(None)] * in1.ndim
        index[axis] = slice(start, start + length)
        out = out[tuple(index)]
    return out
