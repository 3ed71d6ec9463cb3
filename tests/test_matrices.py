"""Tests of convlib.matrices: convolution matrices against SciPy, the 2-D matrix against
convolve2d in every mode, the memory limit, errors, and method='toeplitz'."""

from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import scipy.signal
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import matrices

from support import MODES


# ---------------------------------------------------------------- literals by hand

def test_convolution_matrix_literal():
    T = cl.convolution_matrix([1, 2, 3], 3)
    expected = np.array([[1, 0, 0], [2, 1, 0], [3, 2, 1], [0, 3, 2], [0, 0, 3]])
    np.testing.assert_array_equal(T, expected)


def test_circulant_literal():
    np.testing.assert_array_equal(cl.circulant_matrix([1, 2, 3, 4])[0], [1, 4, 3, 2])


def test_convolution_matrix_2d_literal_blocks():
    # h = [[1, 2], [3, 4]] on a 2x2 image, 'full': a 3x2 grid of 3x2 Toeplitz blocks
    T = cl.convolution_matrix_2d([[1, 2], [3, 4]], (2, 2))
    H1 = np.array([[1, 0], [2, 1], [0, 2]])   # convolution matrix of kernel row 0
    H2 = np.array([[3, 0], [4, 3], [0, 4]])   # ... of kernel row 1
    Z = np.zeros((3, 2), dtype=int)
    np.testing.assert_array_equal(T, np.block([[H1, Z], [H2, H1], [Z, H2]]))


# ---------------------------------------------------------------- oracles

@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 6), n=st.integers(1, 8), mode=st.sampled_from(MODES),
       seed=st.integers(0, 2**16))
def test_convolution_matrix_equals_scipy(m, n, mode, seed):
    rng = np.random.default_rng(seed)
    h = rng.integers(-9, 10, size=m)
    T = cl.convolution_matrix(h, n, mode)
    S = scipy.linalg.convolution_matrix(h, n, mode)
    np.testing.assert_array_equal(T, S)
    assert T.dtype == S.dtype
    x = rng.integers(-9, 10, size=n)
    np.testing.assert_array_equal(T @ x, np.convolve(h, x, mode))


def test_convolution_matrix_float32_complex():
    h = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    assert cl.convolution_matrix(h, 4).dtype == np.float32
    hc = np.array([1 + 2j, 3j])
    np.testing.assert_array_equal(cl.convolution_matrix(hc, 3, "same"),
                                  scipy.linalg.convolution_matrix(hc, 3, "same"))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 9), seed=st.integers(0, 2**16))
def test_circulant_equals_scipy_and_is_circular_convolution(n, seed):
    rng = np.random.default_rng(seed)
    c = rng.integers(-9, 10, size=n)
    C = cl.circulant_matrix(c)
    np.testing.assert_array_equal(C, scipy.linalg.circulant(c))
    x = rng.integers(-9, 10, size=n)
    circ = np.rint(np.fft.ifft(np.fft.fft(c) * np.fft.fft(x)).real).astype(int)
    np.testing.assert_array_equal(C @ x, circ)


def test_circulant_eigenvectors_are_dft():
    rng = np.random.default_rng(0)
    c = rng.standard_normal(8)
    C = cl.circulant_matrix(c)
    F = np.fft.fft(np.eye(8))               # DFT matrix; its conjugate columns ...
    V = F.conj() / np.sqrt(8)               # ... are the eigenvectors
    lam = np.fft.fft(c)
    # float64: products of O(1) entries summed over 8 terms, error ~1e-15
    np.testing.assert_allclose(C @ V, V * lam, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       kshape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       mode=st.sampled_from(MODES), sparse=st.booleans(), seed=st.integers(0, 2**16))
def test_convolution_matrix_2d_equals_convolve2d(shape, kshape, mode, sparse, seed):
    if mode == "valid" and not (all(a >= b for a, b in zip(shape, kshape))
                                or all(b >= a for a, b in zip(shape, kshape))):
        return
    rng = np.random.default_rng(seed)
    h = rng.integers(-9, 10, size=kshape)
    X = rng.integers(-9, 10, size=shape)
    T = cl.convolution_matrix_2d(h, shape, mode, sparse=sparse)
    ref = scipy.signal.convolve2d(X, h, mode)
    assert T.shape == (ref.size, X.size)
    assert scipy.sparse.issparse(T) == sparse
    np.testing.assert_array_equal((T @ X.ravel()).reshape(ref.shape), ref)  # exact ints
    np.testing.assert_array_equal((T @ X.ravel()).reshape(ref.shape),
                                  cl.convolve2d(X, h, mode))


def test_convolution_matrix_2d_sparse_equals_dense_and_counts_nonzeros():
    h = np.arange(1.0, 10.0).reshape(3, 3)
    D = cl.convolution_matrix_2d(h, (5, 6), "same")
    S = cl.convolution_matrix_2d(h, (5, 6), "same", sparse=True)
    np.testing.assert_array_equal(S.toarray(), D)
    assert S.nnz == np.count_nonzero(D)
    full = cl.convolution_matrix_2d(h, (5, 6), sparse=True)
    assert full.nnz == 9 * 30  # every tap meets every pixel in the full output


def test_convolution_matrix_2d_1d_kernel_row_equals_1d_matrix():
    h = np.array([[1, -2, 3]])
    np.testing.assert_array_equal(cl.convolution_matrix_2d(h, (1, 5), "same"),
                                  cl.convolution_matrix(h[0], 5, "same"))


def test_convolution_matrix_2d_dtypes():
    assert cl.convolution_matrix_2d(np.ones((2, 2), np.float32), 3).dtype == np.float32
    S = cl.convolution_matrix_2d(np.ones((2, 2), bool), 3, sparse=True)
    assert S.dtype == np.int64  # scipy.sparse has no bool arithmetic we rely on
    S16 = cl.convolution_matrix_2d(np.ones((2, 2), np.float16), 3, sparse=True)
    assert S16.dtype == np.float32
    h = np.array([[1 + 1j, 2]])
    X = np.arange(6).reshape(2, 3)
    T = cl.convolution_matrix_2d(h, X.shape)
    np.testing.assert_allclose((T @ X.ravel()).reshape(2, 4), scipy.signal.convolve2d(X, h))


def test_transpose_is_adjoint():
    """<T x, y> == <x, T^T y>: the transpose of convolution is correlation ('full')."""
    rng = np.random.default_rng(1)
    h = rng.standard_normal((3, 2))
    T = cl.convolution_matrix_2d(h, (4, 5), "valid")
    y = rng.standard_normal((2, 4))
    back = (T.T @ y.ravel()).reshape(4, 5)
    # float64: 6-term sums, error ~1e-15
    np.testing.assert_allclose(back, scipy.signal.correlate2d(y, h, "full"), atol=1e-12)


def test_inputs_not_modified():
    h = np.array([[1, 2], [3, 4]])
    before = h.copy()
    cl.convolution_matrix_2d(h, 3)
    cl.convolution_matrix(h[0], 3)
    cl.circulant_matrix(h[0])
    np.testing.assert_array_equal(h, before)


# ---------------------------------------------------------------- errors

def test_dense_memory_limit(monkeypatch):
    monkeypatch.setattr(matrices, "MAX_DENSE_BYTES", 1000)
    with pytest.raises(ValueError, match=r"convolution_matrix_2d: the dense matrix of "
                                         r"shape \(36, 16\) would need 0.0 MB, more than "
                                         r"MAX_DENSE_BYTES \(0.0 MB\); pass sparse=True"):
        cl.convolution_matrix_2d(np.ones((3, 3)), (4, 4))
    S = cl.convolution_matrix_2d(np.ones((3, 3)), (4, 4), sparse=True)  # sparse is fine
    assert S.shape == (36, 16)
    assert cl.convolution_matrix_2d(np.ones((3, 3), np.int8), (4, 4)).shape == (36, 16)


def test_errors():
    with pytest.raises(ValueError, match=r"convolution_matrix: h must be 1-D; got 2-D"):
        cl.convolution_matrix([[1, 2]], 3)
    with pytest.raises(ValueError, match=r"convolution_matrix: h must not be empty"):
        cl.convolution_matrix([], 3)
    with pytest.raises(ValueError, match=r"convolution_matrix: n must be >= 1; got 0"):
        cl.convolution_matrix([1], 0)
    with pytest.raises(TypeError, match=r"convolution_matrix: n must be an integer; "
                                        r"got 2.5"):
        cl.convolution_matrix([1], 2.5)
    with pytest.raises(ValueError, match=r"convolution_matrix: mode must be one of "
                                         r"'full', 'same', 'valid'; got 'middle'"):
        cl.convolution_matrix([1], 3, "middle")
    with pytest.raises(TypeError, match=r"convolution_matrix: h must hold numbers"):
        cl.convolution_matrix(["a"], 3)
    with pytest.raises(ValueError, match=r"circulant_matrix: c must be 1-D; got 2-D"):
        cl.circulant_matrix([[1, 2]])
    with pytest.raises(ValueError, match=r"circulant_matrix: c must not be empty"):
        cl.circulant_matrix([])
    with pytest.raises(ValueError, match=r"convolution_matrix_2d: h must be 2-D; got 1-D"):
        cl.convolution_matrix_2d([1, 2], (3, 3))
    with pytest.raises(ValueError, match=r"convolution_matrix_2d: input_shape must be >= "
                                         r"1; got 0"):
        cl.convolution_matrix_2d([[1]], (0, 3))
    with pytest.raises(ValueError, match=r"convolution_matrix_2d: input_shape must be an "
                                         r"int or a sequence of 2 ints; got \(1, 2, 3\)"):
        cl.convolution_matrix_2d([[1]], (1, 2, 3))
    with pytest.raises(TypeError, match=r"convolution_matrix_2d: input_shape must be an "
                                        r"int or a sequence of 2 ints; got 3.5"):
        cl.convolution_matrix_2d([[1]], 3.5)
    with pytest.raises(TypeError, match=r"circulant_matrix: c must hold numbers"):
        cl.circulant_matrix(["a", "b"])
    with pytest.raises(ValueError, match=r"convolution_matrix_2d: mode must be one of"):
        cl.convolution_matrix_2d([[1]], 3, "middle")
    with pytest.raises(TypeError, match=r"convolution_matrix_2d: sparse must be True or "
                                        r"False; got 'yes'"):
        cl.convolution_matrix_2d([[1]], 3, sparse="yes")
    with pytest.raises(ValueError, match=r"convolution_matrix_2d: in 'valid' mode one "
                                         r"input must be at least as large"):
        cl.convolution_matrix_2d(np.ones((1, 4)), (4, 1), "valid")


# ---------------------------------------------------------------- method='toeplitz'

@settings(max_examples=60, deadline=None)
@given(n1=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       n2=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       ndim=st.sampled_from([1, 2]), mode=st.sampled_from(MODES),
       seed=st.integers(0, 2**16))
def test_method_toeplitz_equals_scipy(n1, n2, ndim, mode, seed):
    n1, n2 = n1[:ndim], n2[:ndim]
    if mode == "valid" and not (all(a >= b for a, b in zip(n1, n2))
                                or all(b >= a for a, b in zip(n1, n2))):
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=n1)
    h = rng.integers(-9, 10, size=n2)
    np.testing.assert_array_equal(cl.convolve(x, h, mode, method="toeplitz"),
                                  scipy.signal.convolve(x, h, mode))
    xf = x.astype(np.float32) / 3
    out = cl.convolve(xf, h.astype(np.float32), mode, method="toeplitz")
    assert out.dtype == np.float32
    # float32 eps 1.2e-7 on sums of <= 16 products of size <= 27
    np.testing.assert_allclose(out, scipy.signal.convolve(xf, h.astype(np.float32), mode),
                               rtol=1e-5, atol=1e-4)


def test_method_toeplitz_bool_float16_complex():
    x = np.array([True, False, True, True])
    h = np.array([True, True])
    np.testing.assert_array_equal(cl.convolve(x, h, method="toeplitz"),
                                  cl.convolve(x, h, method="direct"))
    x16 = np.arange(5, dtype=np.float16)
    assert cl.convolve(x16, x16[:2], method="toeplitz").dtype == np.float16
    xc = np.array([1 + 1j, 2, 3j])
    np.testing.assert_allclose(cl.convolve(xc, xc, method="toeplitz"),
                               scipy.signal.convolve(xc, xc))


def test_method_toeplitz_refuses_3d():
    with pytest.raises(ValueError, match=r"convolve: method 'toeplitz' cannot serve these "
                                         r"inputs: 'toeplitz' serves 1-D and 2-D inputs; "
                                         r"got 3-D inputs"):
        cl.convolve(np.ones((2, 2, 2)), np.ones((1, 1, 1)), method="toeplitz")


# ---------------------------------------------------------------- size guards (issue 13)

@pytest.mark.parametrize("call, message", [
    (lambda: cl.convolution_matrix([1, 2, 3], 10**6),
     r"^convolution_matrix: n asks for an output of shape \(1000002, 1000000\) "
     r"\(8000016.0 MB\), more than the limit of 2147.5 MB$"),
    (lambda: cl.convolution_matrix(np.ones(3, np.int8), 10**5, "valid"),
     r"^convolution_matrix: n asks for an output of shape \(99998, 100000\)"),
    (lambda: cl.circulant_matrix(np.ones(10**5)),
     r"^circulant_matrix: c asks for an output of shape \(100000, 100000\) "
     r"\(80000.0 MB\)"),
    (lambda: cl.convolution_matrix_2d(np.ones((3, 3)), (10**5, 10**5), sparse=True),
     r"^convolution_matrix_2d: input_shape asks for an output of shape "
     r"\(10000000000, 9\) .*; the sparse matrix stores up to H\*W\*kH\*kW entries$"),
    (lambda: cl.convolve(np.ones(10**6), np.ones(10**4), method="toeplitz"),
     r"^convolve: method 'toeplitz' cannot serve these inputs: its sparse matrix of up to "
     r"in1.size \* in2.size entries needs an output of shape \(1000000, 10000\)"),
    (lambda: cl.convolve(np.ones((3000, 3000)), np.ones((200, 200)), method="im2col"),
     r"^convolve: method 'im2col' cannot serve these inputs: its column matrix of in2.size "
     r"rows and one column per output needs an output of shape \(40000, 10233601\)"),
])
def test_huge_requests_are_refused_before_allocating(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 9), n=st.integers(1, 9), mode=st.sampled_from(MODES),
       dtype=st.sampled_from([np.int8, np.float32, np.complex128, np.bool_]))
def test_window_built_matrices_keep_their_values(m, n, mode, dtype):
    # the matrices are now read through sliding windows (no index arrays as large as the
    # matrix): the same entries as the index formulas T[i, j] = h[i - j] and
    # C[i, j] = c[(i - j) mod n], a fresh writable array in the input's dtype
    rng = np.random.default_rng(m * 100 + n)
    h = rng.integers(-3, 4, m).astype(dtype)
    T = cl.convolution_matrix(h, n, mode)
    full_len = n + m - 1
    start, length = {"full": (0, full_len), "same": ((min(n, m) - 1) // 2, max(n, m)),
                     "valid": (min(n, m) - 1, max(n, m) - min(n, m) + 1)}[mode]
    k = np.arange(start, start + length)[:, None] - np.arange(n)[None, :]
    want = np.where((k >= 0) & (k < m), h[np.clip(k, 0, m - 1)], h.dtype.type(0))
    assert T.dtype == h.dtype and T.flags.writeable and not np.shares_memory(T, h)
    np.testing.assert_array_equal(T, want)
    C = cl.circulant_matrix(h)
    idx = (np.arange(m)[:, None] - np.arange(m)[None, :]) % m
    assert C.dtype == h.dtype and C.flags.writeable and not np.shares_memory(C, h)
    np.testing.assert_array_equal(C, h[idx])


# ---------------------------------------------------------------- MATLAB's convmtx2 order

CONVMTX2 = Path(__file__).parent / "fixtures" / "ch07_convmtx2.txt"


def _read_convmtx2(path: Path) -> list[tuple[np.ndarray, tuple[int, int], np.ndarray]]:
    """The cases of the fixture written by tools/fixtures/ch07_convmtx2.m."""
    lines = [ln.split() for ln in path.read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    cases, i = [], 0
    while i < len(lines):
        assert lines[i][0] == "case"
        kh, kw = map(int, lines[i + 1][1:])
        H = np.array(lines[i + 2:i + 2 + kh], dtype=float)
        m, n = map(int, lines[i + 2 + kh][1:])
        rows = int(lines[i + 3 + kh][1])
        start = i + 4 + kh
        T = np.array(lines[start:start + rows], dtype=float)
        cases.append((H, (m, n), T))
        i = start + rows
    return cases


def test_convmtx2_fixture_equals_order_f():
    cases = _read_convmtx2(CONVMTX2)
    assert len(cases) == 3
    for H, shape, T in cases:
        assert H.shape[0] * H.shape[1] > 1 and T.shape[1] == shape[0] * shape[1]
        np.testing.assert_array_equal(cl.convolution_matrix_2d(H, shape, order="F"), T)
        S = cl.convolution_matrix_2d(H, shape, sparse=True, order="F")
        np.testing.assert_array_equal(S.toarray(), T)
        # row-major is the same map with rows and columns permuted
        out = cl.output_shape(shape, H.shape, "full")
        perm_in = np.arange(shape[0] * shape[1]).reshape(shape).ravel(order="F")
        perm_out = np.arange(out[0] * out[1]).reshape(out).ravel(order="F")
        np.testing.assert_array_equal(
            cl.convolution_matrix_2d(H, shape)[perm_out][:, perm_in], T)


@settings(max_examples=40, deadline=None)
@given(shape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       kshape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       mode=st.sampled_from(MODES), seed=st.integers(0, 2**16))
def test_order_f_is_column_major_convolve2d(shape, kshape, mode, seed):
    rng = np.random.default_rng(seed)
    h = rng.integers(-9, 10, size=kshape)
    X = rng.integers(-9, 10, size=shape)
    if mode == "valid" and not all(s >= k for s, k in zip(shape, kshape)):
        return
    T = cl.convolution_matrix_2d(h, shape, mode, order="F")
    out = scipy.signal.convolve2d(X, h, mode)
    np.testing.assert_array_equal(T @ X.ravel(order="F"), out.ravel(order="F"))


# ---------------------------------------------------------------- BCCB and boundaries

def test_circulant_matrix_2d_literal_blocks():
    C = cl.circulant_matrix_2d([[1, 2], [3, 4]])
    C0, C1 = cl.circulant_matrix([1, 2]), cl.circulant_matrix([3, 4])
    np.testing.assert_array_equal(C, np.block([[C0, C1], [C1, C0]]))
    # eigenvalues by hand: the 2-D DFT of [[1, 2], [3, 4]] is [[10, -2], [-4, 0]]
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(C)), [-4, -2, 0, 10],
                               atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(shape=st.tuples(st.integers(1, 6), st.integers(1, 6)), seed=st.integers(0, 2**16))
def test_circulant_matrix_2d_is_circular_convolution_and_dft_diagonal(shape, seed):
    rng = np.random.default_rng(seed)
    c = rng.standard_normal(shape)
    X = rng.standard_normal(shape)
    C = cl.circulant_matrix_2d(c)
    circ = np.fft.ifft2(np.fft.fft2(c) * np.fft.fft2(X)).real
    np.testing.assert_allclose(C @ X.ravel(), circ.ravel(), atol=1e-12)
    F2 = np.kron(np.fft.fft(np.eye(shape[0])), np.fft.fft(np.eye(shape[1])))
    D = F2 @ C @ np.linalg.inv(F2)             # float64: errors near 1e-15 * size
    np.testing.assert_allclose(D, np.diag(np.fft.fft2(c).ravel()), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       kshape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       boundary=st.sampled_from(["fill", "wrap", "symm", "reflect", "edge",
                                 "circular"]),
       seed=st.integers(0, 2**16))
def test_boundary_matrix_2d_equals_convolve2d(shape, kshape, boundary, seed):
    rng = np.random.default_rng(seed)
    h = rng.integers(-9, 10, size=kshape)
    X = rng.integers(-9, 10, size=shape)
    T = cl.boundary_matrix_2d(h, shape, boundary)
    got = (T @ X.ravel()).reshape(shape)
    np.testing.assert_array_equal(got, cl.convolve2d(X, h, "same", boundary=boundary))
    if boundary in ("fill", "wrap", "symm") and all(s >= k for s, k in zip(shape, kshape)):
        np.testing.assert_array_equal(got, scipy.signal.convolve2d(X, h, "same",
                                                                   boundary=boundary))


def test_boundary_matrix_2d_fill_and_wrap_structure():
    rng = np.random.default_rng(7)
    h = rng.standard_normal((3, 5))
    shape = (6, 7)
    np.testing.assert_array_equal(cl.boundary_matrix_2d(h, shape, "fill"),
                                  cl.convolution_matrix_2d(h, shape, "same"))
    T = cl.boundary_matrix_2d(h, shape, "wrap")
    np.testing.assert_array_equal(T, cl.circulant_matrix_2d(T[:, 0].reshape(shape)))
    # odd kernel: the eigenvalues are chapter 6's transfer function
    H = cl.transfer_function(h, shape).ravel()
    F2 = np.kron(np.fft.fft(np.eye(shape[0])), np.fft.fft(np.eye(shape[1])))
    D = F2 @ T @ F2.conj().T / F2.shape[0]     # F2^{-1} = F2^H / (H W)
    np.testing.assert_allclose(D, np.diag(H), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(T, compute_uv=False),
                               np.sort(np.abs(H))[::-1], atol=1e-12)


def test_new_matrices_dtypes_and_inputs_untouched():
    h = np.array([[True, False], [True, True]])
    assert cl.boundary_matrix_2d(h, (2, 3)).dtype == np.int64
    hf = np.ones((2, 2), np.float32)
    assert cl.boundary_matrix_2d(hf, (3, 3), "wrap").dtype == np.float32
    c = np.arange(6.0).reshape(2, 3)
    before = c.copy()
    cl.circulant_matrix_2d(c)
    cl.boundary_matrix_2d(c, (3, 3), "symm")
    np.testing.assert_array_equal(c, before)


def test_new_matrices_errors(monkeypatch):
    with pytest.raises(ValueError, match=r"circulant_matrix_2d: c must be 2-D; got 1-D"):
        cl.circulant_matrix_2d([1, 2])
    with pytest.raises(TypeError, match=r"circulant_matrix_2d: c must hold numbers"):
        cl.circulant_matrix_2d([["a"]])
    with pytest.raises(ValueError, match=r"boundary_matrix_2d: boundary must be one of "
                                         r"'fill', 'wrap', 'symm', 'reflect', 'edge'; "
                                         r"got 'mirror'"):
        cl.boundary_matrix_2d([[1]], (2, 2), "mirror")
    with pytest.raises(ValueError, match=r"boundary_matrix_2d: h must be 2-D; got 1-D"):
        cl.boundary_matrix_2d([1, 2], (2, 2))
    with pytest.raises(ValueError, match=r"boundary_matrix_2d: input_shape must be >= 1"):
        cl.boundary_matrix_2d([[1]], (0, 2))
    with pytest.raises(ValueError, match=r"convolution_matrix_2d: order must be one of "
                                         r"'C', 'F'; got 'A'"):
        cl.convolution_matrix_2d([[1]], (2, 2), order="A")
    monkeypatch.setattr(matrices, "MAX_DENSE_BYTES", 100)
    with pytest.raises(ValueError, match=r"boundary_matrix_2d: the matrix of shape "
                                         r"\(16, 16\) would need"):
        cl.boundary_matrix_2d([[1.0]], (4, 4))
