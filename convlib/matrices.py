"""Convolution as a matrix: Toeplitz, circulant and doubly-block-Toeplitz matrices.

Convolution with a fixed kernel ``h`` is linear in the signal ``x``, so it is a matrix
product ``y = T x`` (:ref:`ch-toeplitz`):

* 1-D: ``T`` is *Toeplitz* (constant along each diagonal), ``T[i, j] = h[i - j]`` --
  :func:`~convlib.convolution_matrix`, equal to ``scipy.linalg.convolution_matrix``.
* circular 1-D: ``T`` is *circulant*, ``C[i, j] = c[(i - j) mod n]``; its eigenvectors
  are the DFT's -- :func:`~convlib.circulant_matrix`, equal to ``scipy.linalg.circulant``.
* 2-D: with the image raveled row by row, ``T`` is *doubly block Toeplitz*: a
  block-Toeplitz arrangement of one Toeplitz block per kernel row --
  :func:`~convlib.convolution_matrix_2d`, optionally as a ``scipy.sparse`` matrix, or
  raveled column by column as MATLAB's ``convmtx2`` (``order='F'``).
* circular 2-D: *block circulant with circulant blocks* (BCCB),
  ``C[(p, q), (a, b)] = c[(p - a) mod H, (q - b) mod W]``, diagonalised by the 2-D DFT --
  :func:`~convlib.circulant_matrix_2d`.
* 2-D ``'same'`` convolution with a boundary rule (zero fill, wrap, mirror, edge) --
  :func:`~convlib.boundary_matrix_2d`; with ``'wrap'`` it is BCCB.

:func:`convolve_toeplitz` is ``convlib.convolve(..., method='toeplitz')``: it builds
the (sparse) matrix of ``in2`` and multiplies ``in1`` by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import scipy.sparse
from numpy.lib.stride_tricks import sliding_window_view

from ._typing import ArrayLike, Mode, NDArray
from ._errors import MethodCannotServe
from ._validation import (as_array, as_tuple, check_choice, check_int, check_output_bytes,
                          output_bytes_problem)
from .boundaries import _check_boundary, boundary_index
from .shapes import MODES, mode_offset, output_shape, _output_shape

__all__ = ["convolution_matrix", "convolution_matrix_2d", "circulant_matrix",
           "circulant_matrix_2d", "boundary_matrix_2d", "convolve_toeplitz",
           "MAX_DENSE_BYTES"]

#: Largest dense matrix (in bytes) :func:`~convlib.convolution_matrix_2d` builds: 256 MiB.
#: A larger dense request raises ``ValueError`` and suggests ``sparse=True``.
MAX_DENSE_BYTES: int = 256 * 2**20


def convolution_matrix(h: ArrayLike, n: int, mode: Mode = "full") -> NDArray[Any]:
    """The Toeplitz matrix of 1-D convolution with ``h`` (= SciPy's ``convolution_matrix``).

    Parameters
    ----------
    h : array_like of shape (M,)
        The kernel.
    n : int
        Length ``N`` of the signals the matrix multiplies (``>= 1``).
    mode : {'full', 'same', 'valid'}
        Which rows of the full matrix are kept, as in ``numpy.convolve(h, x, mode)``.

    Returns
    -------
    ndarray of shape (L, N)
        ``T`` with ``T @ x == numpy.convolve(h, x, mode)`` for every ``x`` of length
        ``N``, in ``h``'s dtype. ``L`` is ``N + M - 1`` (``'full'``), ``max(M, N)``
        (``'same'``) or ``max(M, N) - min(M, N) + 1`` (``'valid'``). Row ``i`` of the
        full matrix is ``T[i, j] = h[i - j]`` (zero outside ``0 <= i - j < M``).

    Raises
    ------
    TypeError
        If ``h`` does not hold numbers or ``n`` is not an integer.
    ValueError
        If ``h`` is not 1-D or is empty, ``n < 1``, ``mode`` is unknown, or the matrix
        would exceed ``convlib._validation.MAX_OUTPUT_BYTES`` (the error names
        ``n``).

    See Also
    --------
    convolution_matrix_2d, circulant_matrix, scipy.linalg.convolution_matrix

    Notes
    -----
    ``'same'`` and ``'valid'`` follow ``numpy.convolve`` (the output length is
    ``max(M, N)`` in ``'same'``), like SciPy's function; ``convlib.convolve``'s ``'same'``
    keeps the length of its *first* argument instead. The full matrix has the banded
    Toeplitz structure drawn in :ref:`ch-toeplitz`; it costs ``O(N (N + M))`` memory although only
    ``N M`` entries are non-zero.

    Examples
    --------
    >>> convolution_matrix([1, 2, 3], 4, mode="valid")
    array([[3, 2, 1, 0],
           [0, 3, 2, 1]])
    >>> convolution_matrix([1, 2, 3], 0)
    Traceback (most recent call last):
    ...
    ValueError: convolution_matrix: n must be >= 1; got 0
    """
    func = "convolution_matrix"
    h = as_array(h, "h", func, ndim=1)
    n = check_int(n, "n", func, minimum=1)
    check_choice(mode, "mode", MODES, func)
    m = len(h)
    full_len = n + m - 1
    if mode == "full":
        start, length = 0, full_len
    elif mode == "same":
        start, length = (min(n, m) - 1) // 2, max(n, m)
    else:
        start, length = min(n, m) - 1, max(n, m) - min(n, m) + 1
    check_output_bytes((length, n), h.dtype.itemsize, "n", func)
    # row i of the full matrix is T[i, j] = h[i - j]: the reversed, zero-padded kernel
    # read through a sliding window (no index arrays as large as the matrix)
    zeros = np.zeros(n - 1, dtype=h.dtype)
    rev = np.concatenate([zeros, h, zeros])[::-1]          # rev[k] = hp[len - 1 - k]
    rows = sliding_window_view(rev, n)[::-1]               # row i: hp[n - 1 + i - j]
    return rows[start:start + length].copy()


def circulant_matrix(c: ArrayLike) -> NDArray[Any]:
    """The circulant matrix with first column ``c``; = ``scipy.linalg.circulant``.

    Parameters
    ----------
    c : array_like of shape (N,)
        First column.

    Returns
    -------
    ndarray of shape (N, N)
        ``C[i, j] = c[(i - j) mod N]``, in ``c``'s dtype, so that ``C @ x`` is the
        circular convolution of ``c`` and ``x``.

    Raises
    ------
    TypeError
        If ``c`` does not hold numbers.
    ValueError
        If ``c`` is not 1-D or is empty, or the ``N x N`` matrix would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.

    See Also
    --------
    convolution_matrix, scipy.linalg.circulant

    Notes
    -----
    Every circulant matrix is diagonalised by the DFT: ``C = F^{-1} diag(fft(c)) F``.
    Its eigenvectors are the columns of the inverse DFT matrix and its eigenvalues
    ``fft(c)`` -- the convolution theorem as linear algebra (:ref:`ch-toeplitz`).

    Examples
    --------
    >>> circulant_matrix([1, 2, 3])
    array([[1, 3, 2],
           [2, 1, 3],
           [3, 2, 1]])
    >>> circulant_matrix([[1, 2]])
    Traceback (most recent call last):
    ...
    ValueError: circulant_matrix: c must be 1-D; got 2-D array of shape (1, 2)
    """
    func = "circulant_matrix"
    c = as_array(c, "c", func, ndim=1)
    n = len(c)
    check_output_bytes((n, n), c.dtype.itemsize, "c", func)
    # row i is c[(i - j) mod n] for j = 0..n-1: a window of the reversed c, repeated
    r = c[::-1]
    return sliding_window_view(np.concatenate([r, r]), n)[n - 1::-1][:n].copy()


def _sparse_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """A dtype scipy.sparse supports that holds ``dtype`` exactly (bool -> int64,
    float16 -> float32)."""
    if dtype.kind == "b":
        return np.dtype(np.int64)
    if dtype == np.float16:
        return np.dtype(np.float32)
    return dtype


def _coo_parts(h: NDArray[Any], input_shape: tuple[int, ...], mode: str,
               order: Literal["C", "F"] = "C"
               ) -> tuple[tuple[int, ...], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Output shape and (rows, cols, values) of the convolution matrix, raveled in
    ``order`` ('C' row-major, 'F' column-major).

    Tap ``h[k]`` sends input pixel ``a`` to full-output index ``a + k``; the entry goes
    to row ``ravel(a + k - offset)`` when that index lies in ``mode``'s window.
    """
    out_shape = output_shape(input_shape, h.shape, mode)
    offset = mode_offset(input_shape, h.shape, mode)
    grids = np.indices(input_shape).reshape(len(input_shape), -1)  # (ndim, prod(in))
    cols_all = np.asarray(np.ravel_multi_index(tuple(grids), input_shape, order=order))
    rows, cols, vals = [], [], []
    for k in np.ndindex(*h.shape):
        if h[k] == 0:
            continue
        target = grids + (np.array(k) - np.array(offset))[:, None]
        keep = np.all((target >= 0) & (target < np.array(out_shape)[:, None]), axis=0)
        rows.append(np.ravel_multi_index(target[:, keep], out_shape, order=order))
        cols.append(cols_all[keep])
        vals.append(np.full(keep.sum(), h[k], dtype=h.dtype))
    if not rows:
        empty = np.zeros(0, dtype=np.intp)
        return out_shape, empty, empty, np.zeros(0, dtype=h.dtype)
    return out_shape, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def convolution_matrix_2d(h: ArrayLike, input_shape: int | Sequence[int],
                          mode: Mode = "full", sparse: bool = False,
                          order: Literal["C", "F"] = "C"
                          ) -> NDArray[Any] | scipy.sparse.csr_array:
    """The doubly-block-Toeplitz matrix of 2-D convolution with ``h``.

    Parameters
    ----------
    h : array_like of shape (kH, kW)
        The kernel.
    input_shape : int or (int, int)
        Shape ``(H, W)`` of the images the matrix multiplies.
    mode : {'full', 'same', 'valid'}
        As in :func:`convlib.convolve2d`.
    sparse : bool
        Return a ``scipy.sparse.csr_array`` (memory ``O(H W kH kW)``) instead of a
        dense ndarray (memory ``O(H W H_out W_out)``).
    order : {'C', 'F'}
        How images and outputs are raveled: ``'C'`` row by row (NumPy's default),
        ``'F'`` column by column (MATLAB's ``X(:)``); with ``'F'`` and ``mode='full'``
        the matrix is MATLAB's ``convmtx2(h, H, W)``.

    Returns
    -------
    ndarray or scipy.sparse.csr_array of shape (H_out * W_out, H * W)
        ``T`` with ``(T @ X.ravel(order)).reshape(H_out, W_out, order=order) ==
        convolve2d(X, h, mode)`` for every ``X`` of shape ``(H, W)``, in ``h``'s dtype.
        ``(H_out, W_out)`` is ``convlib.output_shape((H, W), (kH, kW), mode)``.
        (A sparse matrix of a boolean or float16 ``h`` holds int64 or float32, the
        types scipy.sparse supports.)

    Raises
    ------
    TypeError
        If ``h`` does not hold numbers or ``input_shape`` is not made of ints.
    ValueError
        If ``h`` is not 2-D or is empty, a size is below 1, ``mode`` or ``order`` is
        unknown, a ``'valid'`` output does not exist, or the dense matrix would need more
        than :data:`~convlib.matrices.MAX_DENSE_BYTES` (then use ``sparse=True``), or the
        sparse matrix's up to ``H W kH kW`` entries would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.

    See Also
    --------
    convolution_matrix, convlib.convolve2d

    Notes
    -----
    Entry ``T[(p, q), (a, b)] = h[p + o_H - a, q + o_W - b]`` (zero outside the kernel),
    with ``(o_H, o_W)`` the offset of ``mode``'s window in the full output. Grouped by
    rows of the image, ``T`` is a grid of ``H_out x H`` blocks of shape ``(W_out, W)``;
    block ``(p, a)`` is the 1-D convolution matrix of kernel row ``p + o_H - a``, and
    blocks on one block-diagonal are equal: block Toeplitz with Toeplitz blocks
    (:ref:`ch-toeplitz`). Only ``H W kH kW`` entries at most are non-zero. With
    ``order='F'`` the same entries sit at column-major positions, and the blocks belong
    to kernel *columns*; MATLAB documents ``convmtx2(H, m, n)`` as the matrix with
    ``reshape(T*X(:), size(H)+[m n]-1) == conv2(X, H)`` (its ``X(:)`` is column-major).

    Examples
    --------
    >>> convolution_matrix_2d([[1, 2], [3, 4]], (2, 2), mode="valid")
    array([[4, 3, 2, 1]])
    >>> convolution_matrix_2d([[1, 2], [3, 4]], (2, 2), mode="valid", order="F")
    array([[4, 2, 3, 1]])
    >>> convolution_matrix_2d(np.ones((3, 3)), (200, 200))
    Traceback (most recent call last):
    ...
    ValueError: convolution_matrix_2d: the dense matrix of shape (40804, 40000) would need 13057.3 MB, more than MAX_DENSE_BYTES (268.4 MB); pass sparse=True
    """
    func = "convolution_matrix_2d"
    h = as_array(h, "h", func, ndim=2)
    shape = as_tuple(input_shape, 2, "input_shape", func, minimum=1)
    check_choice(mode, "mode", MODES, func)
    check_choice(order, "order", ("C", "F"), func)
    if not isinstance(sparse, (bool, np.bool_)):
        raise TypeError(f"{func}: sparse must be True or False; got {sparse!r}")
    out_shape = _output_shape(shape, h.shape, mode, func)
    n_rows, n_cols = int(np.prod(out_shape)), int(np.prod(shape))
    if not sparse:
        nbytes = n_rows * n_cols * h.dtype.itemsize
        if nbytes > MAX_DENSE_BYTES:
            raise ValueError(
                f"{func}: the dense matrix of shape ({n_rows}, {n_cols}) would need "
                f"{nbytes / 1e6:.1f} MB, more than MAX_DENSE_BYTES "
                f"({MAX_DENSE_BYTES / 1e6:.1f} MB); pass sparse=True"
            )
    else:  # row and column indices (int64) and a value per stored entry, at most one
        # entry per input pixel and kernel tap
        check_output_bytes((n_cols, h.size), 16 + _sparse_dtype(h.dtype).itemsize,
                           "input_shape", func,
                           hint="the sparse matrix stores up to H*W*kH*kW entries")
    _, rows, cols, vals = _coo_parts(h, shape, mode, order)
    if not sparse:
        T = np.zeros((n_rows, n_cols), dtype=h.dtype)
        T[rows, cols] = vals  # each (row, col) pair occurs at most once
        return T
    work = _sparse_dtype(h.dtype)
    return scipy.sparse.csr_array((vals.astype(work), (rows, cols)),
                                  shape=(n_rows, n_cols), dtype=work)


def circulant_matrix_2d(c: ArrayLike) -> NDArray[Any]:
    """The block-circulant-with-circulant-blocks (BCCB) matrix with first column ``c``.

    Parameters
    ----------
    c : array_like of shape (H, W)
        The first column, as an image: the response to the impulse at pixel ``(0, 0)``.

    Returns
    -------
    ndarray of shape (H * W, H * W)
        ``C[(p, q), (a, b)] = c[(p - a) mod H, (q - b) mod W]`` with pixels raveled row
        by row, in ``c``'s dtype, so that ``C @ X.ravel()`` is the 2-D circular
        convolution of ``c`` and ``X``.

    Raises
    ------
    TypeError
        If ``c`` does not hold numbers.
    ValueError
        If ``c`` is not 2-D or is empty, or the matrix would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.

    See Also
    --------
    circulant_matrix, boundary_matrix_2d, convlib.transfer_function

    Notes
    -----
    Block ``(p, a)`` is ``circulant_matrix(c[(p - a) mod H])``: the blocks form a
    circulant and each block is circulant. The 2-D DFT matrix
    ``F2 = kron(F_H, F_W)`` diagonalises every such matrix,
    ``F2 C F2^{-1} = diag(fft2(c).ravel())``, so its eigenvalues are ``fft2(c)``
    (:ref:`ch-toeplitz`).

    Examples
    --------
    >>> circulant_matrix_2d([[1, 2], [3, 4]])
    array([[1, 2, 3, 4],
           [2, 1, 4, 3],
           [3, 4, 1, 2],
           [4, 3, 2, 1]])
    >>> circulant_matrix_2d([1, 2])
    Traceback (most recent call last):
    ...
    ValueError: circulant_matrix_2d: c must be 2-D; got 1-D array of shape (2,)
    """
    func = "circulant_matrix_2d"
    c = as_array(c, "c", func, ndim=2)
    H, W = c.shape
    check_output_bytes((H * W, H * W), c.dtype.itemsize, "c", func)
    rows = np.subtract.outer(np.arange(H), np.arange(H)) % H   # block (p, a)
    cols = np.subtract.outer(np.arange(W), np.arange(W)) % W   # entry (q, b)
    C4 = c[rows[:, None, :, None], cols[None, :, None, :]]     # C4[p, q, a, b]
    return C4.reshape(H * W, H * W)


def boundary_matrix_2d(h: ArrayLike, input_shape: int | Sequence[int],
                       boundary: str = "fill") -> NDArray[Any]:
    """The matrix of 2-D ``'same'`` convolution with a boundary rule.

    Parameters
    ----------
    h : array_like of shape (kH, kW)
        The kernel.
    input_shape : int or (int, int)
        Shape ``(H, W)`` of the images the matrix multiplies (and of its outputs).
    boundary : {'fill', 'wrap', 'symm', 'reflect', 'edge'}
        How the image is extended beyond its edges, as in :func:`convlib.convolve2d`
        (``'fill'`` with zeros; SciPy's aliases are accepted).

    Returns
    -------
    ndarray of shape (H * W, H * W)
        ``T`` with ``(T @ X.ravel()).reshape(H, W) ==
        convolve2d(X, h, 'same', boundary=boundary)`` (row-major ravel; ``fillvalue``
        0), in ``h``'s dtype (booleans as int64).

    Raises
    ------
    TypeError
        If ``h`` does not hold numbers or ``input_shape`` is not made of ints.
    ValueError
        If ``h`` is not 2-D or is empty, a size is below 1, ``boundary`` is unknown,
        or the matrix would need more than :data:`~convlib.matrices.MAX_DENSE_BYTES`.

    See Also
    --------
    convolution_matrix_2d, circulant_matrix_2d, convlib.convolve2d

    Notes
    -----
    Output pixel ``(p, q)`` reads the extended image at ``(p + o_H - i, q + o_W - j)``
    for tap ``(i, j)`` (``o`` is the ``'same'`` offset); the boundary rule maps that
    position to a pixel (:func:`convlib.boundaries.boundary_index`) and the tap is
    added to that column. With ``'fill'`` the matrix is the ``'same'`` rows of the
    doubly block Toeplitz matrix; with ``'wrap'`` it is block circulant with circulant
    blocks, ``circulant_matrix_2d`` of its first column, and its eigenvalues are the
    2-D DFT of the wrapped kernel (:ref:`ch-toeplitz`).

    Examples
    --------
    >>> boundary_matrix_2d([[1, 2, 3]], (1, 3), "wrap")
    array([[2, 1, 3],
           [3, 2, 1],
           [1, 3, 2]])
    >>> boundary_matrix_2d([[1, 2, 3]], (1, 3), "fill")
    array([[2, 1, 0],
           [3, 2, 1],
           [0, 3, 2]])
    """
    func = "boundary_matrix_2d"
    h = as_array(h, "h", func, ndim=2)
    shape = as_tuple(input_shape, 2, "input_shape", func, minimum=1)
    boundary = _check_boundary(boundary, func)
    n = shape[0] * shape[1]
    dtype = np.dtype(np.int64) if h.dtype.kind == "b" else h.dtype
    if n * n * dtype.itemsize > MAX_DENSE_BYTES:
        raise ValueError(f"{func}: the matrix of shape ({n}, {n}) would need "
                         f"{n * n * dtype.itemsize / 1e6:.1f} MB, more than "
                         f"MAX_DENSE_BYTES ({MAX_DENSE_BYTES / 1e6:.1f} MB)")
    o_h, o_w = mode_offset(shape, h.shape, "same")
    P, Q = np.indices(shape).reshape(2, -1)
    T = np.zeros((n, n), dtype=dtype)
    for i, j in np.ndindex(*h.shape):
        a = boundary_index(P + o_h - i, shape[0], boundary)
        b = boundary_index(Q + o_w - j, shape[1], boundary)
        keep = (a >= 0) & (b >= 0)                   # 'fill' reads zeros outside
        np.add.at(T, (np.flatnonzero(keep), a[keep] * shape[1] + b[keep]), h[i, j])
    return T


def serves_toeplitz(in1: NDArray[Any], in2: NDArray[Any], mode: str = "full"
                    ) -> str | None:
    """Why ``method='toeplitz'`` cannot serve these inputs, or None if it can.

    The domain of :func:`convolve_toeplitz`: 1-D and 2-D inputs whose sparse matrix
    (up to ``in1.size * in2.size`` entries of an index pair and a value each) stays
    within the output limit of :mod:`convlib._validation`. The dispatcher asks before
    running the method and reports the reason as
    :class:`~convlib.dispatch.MethodCannotServe`.

    Examples
    --------
    >>> serves_toeplitz(np.ones(5), np.ones(3)) is None
    True
    >>> serves_toeplitz(np.ones((2, 2, 2)), np.ones((1, 1, 1)))
    "'toeplitz' serves 1-D and 2-D inputs; got 3-D inputs"
    """
    if in1.ndim not in (1, 2):
        return f"'toeplitz' serves 1-D and 2-D inputs; got {in1.ndim}-D inputs"
    dtype = _sparse_dtype(np.result_type(in1, in2))
    problem = output_bytes_problem((in1.size, in2.size), 16 + dtype.itemsize)
    if problem is not None:
        return (f"its sparse matrix of up to in1.size * in2.size entries needs {problem}; "
                "use method='direct' or 'fft'")
    return None


def convolve_toeplitz(in1: NDArray[Any], in2: NDArray[Any], mode: str = "full"
                      ) -> NDArray[Any]:
    """Convolution as one sparse matrix product (``method='toeplitz'``, 1-D and 2-D).

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
        ``T @ in1.ravel()`` reshaped to ``mode``'s output shape, where ``T`` is the
        (sparse) convolution matrix of ``in2``: the values of ``convlib.convolve``.

    Raises
    ------
    convlib.dispatch.MethodCannotServe
        If ``serves_toeplitz`` gives a reason (inputs not 1-D or 2-D, or a matrix
        too large), with that reason.

    Notes
    -----
    Computes in ``numpy.result_type(in1, in2)`` (booleans as integers). The matrix is
    built in CSR form, so memory is ``O(in1.size * in2.size)``, as for the direct sum;
    building it costs more than the product (:ref:`ch-toeplitz`).

    Examples
    --------
    >>> convolve_toeplitz(np.array([1, 2, 3]), np.array([1, 1]), "same")
    array([1, 3, 5])
    """
    reason = serves_toeplitz(in1, in2, mode)
    if reason is not None:  # the dispatcher asks first, naming the function called
        raise MethodCannotServe(reason)
    dtype = _sparse_dtype(np.result_type(in1, in2))
    x = in1.astype(dtype, copy=False)
    h = in2.astype(dtype, copy=False)
    out_shape, rows, cols, vals = _coo_parts(h, x.shape, mode)
    T = scipy.sparse.csr_array((vals, (rows, cols)),
                               shape=(int(np.prod(out_shape)), x.size), dtype=dtype)
    return (T @ x.ravel()).reshape(out_shape)
