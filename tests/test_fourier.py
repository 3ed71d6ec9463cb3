"""convlib.fourier (DFT, circular and FFT convolution): against SciPy and identities."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import scipy.fft
import scipy.linalg
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib.fourier import circular_convolve, dft_matrix, fft_convolve

from support import (DTYPES, MODES, array_pairs, assert_fft_close, elements, fft_tol,
                     scipy_or_none)


def as_transformed(ref):
    """SciPy returns the plain product, in the input dtype, when every axis has size 1;
    functions that always transform return float64 there."""
    return ref.astype(np.float64) if ref.dtype.kind in "biu" else ref


# ---- hand-computed literals ----------------------------------------------------------------

def test_literals():
    assert fft_convolve([1, 2, 3], [1, 1]).round(12).tolist() == [1, 3, 5, 3]
    assert fft_convolve([1, 2, 3], [1, 1], "valid").round(12).tolist() == [3, 5]
    assert fft_convolve([1, 2, 3, 4], [1, 1, 1], "same").round(12).tolist() == [3, 6, 9, 7]
    # circular: [1, 2, 3] * [1, 1, 0] = y[n] = a[n] + a[n - 1 mod 3]
    assert circular_convolve([1, 2, 3], [1, 1, 0]).round(12).tolist() == [4, 3, 5]


def test_dft_matrix_is_the_dft():
    for n in (1, 2, 5, 8):
        F = dft_matrix(n)
        np.testing.assert_allclose(F, scipy.linalg.dft(n), atol=1e-12)
        x = np.arange(n) + 1j
        np.testing.assert_allclose(F @ x, np.fft.fft(x), atol=1e-12)
        np.testing.assert_allclose(F.conj().T @ F, n * np.eye(n), atol=1e-12)


def test_dft_diagonalises_circulant():
    c = np.array([2.0, -1, 0, 0, 3])
    C = scipy.linalg.circulant(c)  # C @ x == circular_convolve(c, x)
    F = dft_matrix(5)
    D = F @ C @ np.linalg.inv(F)
    np.testing.assert_allclose(D, np.diag(np.fft.fft(c)), atol=1e-12)
    x = np.arange(5.0)
    np.testing.assert_allclose(C @ x, circular_convolve(c, x), atol=1e-12)


# ---- differential tests against SciPy --------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(max_side=7))
def test_fft_convolve_equals_scipy(mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.fftconvolve, a, b, mode)
    if ref is None:
        with pytest.raises(ValueError, match="^fft_convolve: in 'valid' mode"):
            fft_convolve(a, b, mode)
        return
    assert_fft_close(fft_convolve(a, b, mode), ref, a, b)


@st.composite
def broadcast_pairs(draw):
    """Arrays with some axes convolved and the others equal or 1 (SciPy's axes rule)."""
    ndim = draw(st.integers(1, 3))
    axes = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                         unique_by=lambda ax: ax % ndim))
    dtype = draw(st.sampled_from(DTYPES))
    s1, s2 = [], []
    for ax in range(ndim):
        if ax in [a % ndim for a in axes]:
            s1.append(draw(st.integers(1, 6)))
            s2.append(draw(st.integers(1, 6)))
        else:
            n = draw(st.integers(1, 4))
            s1.append(draw(st.sampled_from([n, 1])))
            s2.append(draw(st.sampled_from([n, 1])))
    a = draw(hnp.arrays(dtype, tuple(s1), elements=elements(dtype)))
    b = draw(hnp.arrays(dtype, tuple(s2), elements=elements(dtype)))
    return a, b, axes


@pytest.mark.parametrize("mode", MODES)
@given(case=broadcast_pairs())
def test_fft_convolve_axes_equals_scipy(mode, case):
    a, b, axes = case
    ref = scipy_or_none(scipy.signal.fftconvolve, a, b, mode, axes)
    if ref is None:
        with pytest.raises(ValueError, match="^fft_convolve: in 'valid' mode"):
            fft_convolve(a, b, mode, axes)
        return
    assert_fft_close(fft_convolve(a, b, mode, axes), ref, a, b)


# ---- identities ----------------------------------------------------------------------------

@given(pair=array_pairs(max_side=6))
def test_circular_convolution_theorem(pair):
    a, b = pair
    b = np.resize(b, a.shape).astype(b.dtype)  # equal shapes
    out = circular_convolve(a, b)
    # the definition: y = sum_k a[k] * b shifted (circularly) by k
    ref = sum(a[k] * np.roll(b, k, axis=tuple(range(a.ndim)))
              for k in np.ndindex(*a.shape)).astype(out.dtype)
    assert_fft_close(out, ref, a, b)
    # the theorem: DFT(a circ b) = DFT(a) DFT(b)
    lhs = np.fft.fftn(out.astype(complex))
    rhs = np.fft.fftn(a.astype(complex)) * np.fft.fftn(b.astype(complex))
    assert np.abs(lhs - rhs).max() <= fft_tol(a, b, out.dtype) * a.size


@given(pair=array_pairs(max_side=6))
def test_zero_padding_turns_circular_into_linear(pair):
    a, b = pair
    full = [p + q - 1 for p, q in zip(a.shape, b.shape)]
    pad = lambda x: np.pad(x, [(0, f - s) for f, s in zip(full, x.shape)])  # noqa: E731
    out = circular_convolve(pad(a), pad(b))
    assert_fft_close(out, as_transformed(fft_convolve(a, b)), a, b)


# ---- dtypes, dispatcher ----------------------------------------------------------------------

@pytest.mark.parametrize("t1, t2", [(np.float32, np.float32), (np.int64, np.int64),
                                    (np.float32, np.float64), (np.complex64, np.float32),
                                    (np.bool_, np.bool_), (np.int8, np.float32)])
def test_dtype_is_scipys(t1, t2):
    a = np.array([1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1], dtype=t1)
    b = np.array([1, 1, 0], dtype=t2)
    assert fft_convolve(a, b).dtype == scipy.signal.fftconvolve(a, b).dtype
    assert circular_convolve(a[:3], b).dtype == scipy.signal.fftconvolve(a[:3], b).dtype


@pytest.mark.parametrize("method", ["fft", "overlap_add"])
def test_dispatcher_integer_results_are_exact(method):
    rng = np.random.default_rng(1)
    x = rng.integers(-1000, 1000, 3000)
    h = rng.integers(-1000, 1000, 200)
    for mode in MODES:
        out = cl.convolve(x, h, mode, method=method)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, scipy.signal.convolve(x, h, mode, "direct"))


def test_inputs_are_not_modified():
    a = np.arange(20.0)
    b = np.array([1.0, 2.0, 3.0])
    a0, b0 = a.copy(), b.copy()
    for func in (fft_convolve, cl.overlap_add, cl.overlap_save):
        func(a, b)
        func(a, b, "valid")
    circular_convolve(a[:3], b)
    assert np.array_equal(a, a0) and np.array_equal(b, b0)


# ---- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: fft_convolve([1, 2], [[1]]), ValueError,
     r"^fft_convolve: in1 and in2 must have the same number of dimensions"),
    (lambda: fft_convolve([1, 2], [1], mode="middle"), ValueError,
     r"^fft_convolve: mode must be one of 'full', 'same', 'valid'; got 'middle'"),
    (lambda: fft_convolve([1, 2], [1], axes=2), ValueError,
     r"^fft_convolve: axes must be in \[-1, 1\) for 1-D inputs; got 2"),
    (lambda: fft_convolve(np.ones((2, 2)), np.ones((2, 2)), axes=[0, -2]), ValueError,
     r"^fft_convolve: axes must be unique; got \[0, -2\]"),
    (lambda: fft_convolve([1, 2], [1], axes=[]), ValueError,
     r"^fft_convolve: axes must not be empty when given"),
    (lambda: fft_convolve([1, 2], [1], axes=0.5), TypeError,
     r"^fft_convolve: axes must be an integer; got 0.5"),
    (lambda: fft_convolve(np.ones((2, 3)), np.ones((2, 2)), axes=0), ValueError,
     r"^fft_convolve: in1 and in2 must have equal sizes \(or size 1\) along the axes not "
     r"convolved; got shapes \(2, 3\) and \(2, 2\)"),
    (lambda: fft_convolve(np.ones((2, 3)), np.ones((3, 2)), "valid"), ValueError,
     r"^fft_convolve: in 'valid' mode one input must be at least as large"),
    (lambda: fft_convolve([], [1]), ValueError, r"^fft_convolve: in1 must not be empty"),
    (lambda: fft_convolve(["a"], [1]), TypeError, r"^fft_convolve: in1 must hold numbers"),
    (lambda: circular_convolve([1, 2, 3], [1, 2]), ValueError,
     r"^circular_convolve: a and b must have the same shape; got \(3,\) and \(2,\)"),
    (lambda: circular_convolve(1.0, 2.0), ValueError,
     r"^circular_convolve: a must have at least 1 dimension"),
    (lambda: dft_matrix(0), ValueError, r"^dft_matrix: n must be >= 1; got 0"),
    (lambda: dft_matrix(2.5), TypeError, r"^dft_matrix: n must be an integer; got 2.5"),
    (lambda: cl.convolve(np.ones((2, 3)), np.ones((3, 2)), "valid", method="fft"),
     ValueError, r"^convolve: in 'valid' mode"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- chapter 5's widget, figures and timing helper -------------------------------------------

@given(n=st.integers(1, 12), m=st.integers(1, 12), extra=st.integers(0, 25))
def test_wraparound_folds_the_tail(n, m, extra):
    rng = np.random.default_rng(n * 100 + m)
    x, h = rng.standard_normal(n), rng.standard_normal(m)
    length = max(n, m) + extra
    circular, linear = cl.fourier.wraparound(x, h, length)
    folded = np.zeros(length)
    np.add.at(folded, np.arange(n + m - 1) % length, linear)  # sum_r y[n + r L]
    np.testing.assert_allclose(circular, folded, atol=1e-12)
    np.testing.assert_allclose(linear, np.convolve(x, h), atol=1e-12)
    if length >= n + m - 1:
        np.testing.assert_allclose(circular[:n + m - 1], linear, atol=1e-12)


def test_wraparound_errors():
    with pytest.raises(ValueError, match=r"^wraparound: length must be >= 3; got 2"):
        cl.fourier.wraparound([1, 2, 3], [1], 2)
    with pytest.raises(ValueError, match=r"^wraparound: x must be 1-D"):
        cl.fourier.wraparound(np.ones((2, 2)), [1], 4)


@pytest.mark.parametrize("length", [7, 8, 10, 11, 13])
def test_draw_wraparound_marks_the_wrapped_samples(length):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.array([1.0, 2, 3, 2, 1, 0.5, 2])
    h = np.array([1.0, -1, 0.5, 1, 0.3])
    fig = plt.figure()
    cl.plotting.draw_wraparound(fig, x, h, length)
    wrong = max(0, 11 - length)
    top, bottom = fig.axes
    assert bottom.get_title().startswith(f"{wrong} sample(s) differ")
    circles = [ln for ln in bottom.lines if ln.get_markerfacecolor() == "none"]
    assert len(circles[0].get_xdata()) == wrong
    assert np.array_equal(circles[0].get_xdata(), np.arange(wrong))
    plt.close(fig)


# ---- the FFT core: circular lengths, kept work buffers -----------------------------------

def _window_ok(p, q, mode, length):
    """Whether the circular convolution of length ``length`` holds the ``mode`` window."""
    rng = np.random.default_rng(p * 100 + q)
    a, b = rng.standard_normal(p), rng.standard_normal(q)
    circ = np.fft.irfft(np.fft.rfft(a, length) * np.fft.rfft(b, length), length)
    (start,), (keep,) = cl.mode_offset((p,), (q,), mode), cl.output_shape((p,), (q,), mode)
    if start + keep > length:  # the window does not fit
        return False
    return np.allclose(circ[start:start + keep], np.convolve(a, b)[start:start + keep],
                       atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_circular_length_is_the_shortest_that_holds_the_window(mode):
    from convlib._fft import circular_length
    for p in range(1, 12):
        for q in range(1, 12):
            if mode == "valid" and p < q:
                continue
            length = circular_length(p, q, mode)
            assert length >= max(p, q) and _window_ok(p, q, mode, length)
            if length > max(p, q):  # one shorter wraps onto the window
                assert not _window_ok(p, q, mode, length - 1), (p, q, mode)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("min_bytes, slab", [(0, None), (None, None), (0, 1), (0, 300)])
def test_kept_buffers_paths_equal_scipy(monkeypatch, dtype, min_bytes, slab):
    """pruned_real in kept buffers (2-D and 3-D, some axes broadcast, the kernel larger
    than the image, every mode; with WORKSPACE_MIN_BYTES at 0, every one; real
    transforms whole, a slice at a time, or in slabs of a few) and its SciPy fallback,
    against fftconvolve."""
    from convlib import _fft
    if min_bytes is not None:
        monkeypatch.setattr(_fft, "WORKSPACE_MIN_BYTES", min_bytes)
    if slab is not None:
        monkeypatch.setattr(_fft, "SLAB_BYTES", slab)
    from convlib._fft import _pruned_scipy, fft_convolve_core, mode_window, pruned_real
    rng = np.random.default_rng(5)
    for trial in range(60):
        ndim = 1 + trial % 3
        s1 = tuple(int(n) for n in rng.integers(1, 20, ndim))
        s2 = tuple(int(n) for n in rng.integers(1, 20, ndim))
        a = rng.standard_normal(s1).astype(dtype)
        b = rng.standard_normal(s2).astype(dtype)
        for mode in MODES:
            if mode == "valid" and not all(p >= q for p, q in zip(s1, s2)):
                continue
            ref = scipy.signal.fftconvolve(a, b, mode)
            out = fft_convolve_core(a, b, mode)
            assert_fft_close(out, ref, a, b)
            assert out.flags.c_contiguous
            assert not any(np.shares_memory(out, kept) for kept in
                           getattr(_fft._WORK, "buffers", {}).values())
            axes = [i for i in range(ndim) if s1[i] != 1 and s2[i] != 1]
            if axes:
                from convlib._fft import circular_length
                fshape = [scipy.fft.next_fast_len(circular_length(s1[i], s2[i], mode), True)
                          for i in axes]
                slow = _pruned_scipy(a, b, fshape, axes, mode_window(s1, s2, mode, axes))
                assert_fft_close(pruned_real(a, b, fshape, axes, mode), slow, a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pair_path_equals_one_call_per_input(monkeypatch, dtype):
    """Two 2-D inputs in one SciPy call per transform (``_pruned_pair``) give the
    one-call-per-input result bit for bit, with fresh and with kept spectra (the
    kernel wider, taller or larger than the image too); above PAIR_MAX_BYTES the
    other paths run."""
    from convlib import _fft
    from convlib._fft import _pruned_scipy, fft_lengths, mode_window, pruned_real
    rng = np.random.default_rng(15)
    calls = []
    pair = _fft._pruned_pair
    monkeypatch.setattr(_fft, "_pruned_pair", lambda *args: (calls.append(1), pair(*args))[1])
    for trial in range(80):
        s1 = tuple(int(n) for n in rng.integers(2, 70, 2))
        s2 = tuple(int(n) for n in rng.integers(2, 40, 2))
        a = rng.standard_normal(s1).astype(dtype)
        b = rng.standard_normal(s2).astype(dtype)
        monkeypatch.setattr(_fft, "WORKSPACE_MIN_BYTES", 0 if trial % 2 else 2**17)
        for mode in MODES:
            if mode == "valid" and not all(p >= q for p, q in zip(s1, s2)):
                continue
            fshape = fft_lengths(s1, s2, mode, [0, 1], True)
            one_each = _pruned_scipy(a, b, fshape, [0, 1], mode_window(s1, s2, mode, [0, 1]))
            calls.clear()
            out = pruned_real(a, b, fshape, [0, 1], mode)
            assert calls == [1]
            assert out.dtype == one_each.dtype and out.flags.c_contiguous
            np.testing.assert_array_equal(out, one_each)
            assert_fft_close(out, scipy.signal.fftconvolve(a, b, mode), a, b)
    monkeypatch.setattr(_fft, "PAIR_MAX_BYTES", 0)
    calls.clear()
    a, b = rng.standard_normal((20, 30)).astype(dtype), rng.standard_normal((5, 4)).astype(dtype)
    assert_fft_close(fft_convolve(a, b, "same"), scipy.signal.fftconvolve(a, b, "same"), a, b)
    assert calls == []


def test_kept_buffers_are_never_returned(monkeypatch):
    """Each result is a new array: a later call (same shapes, or others that evict the
    kept buffers) leaves it alone, and the inputs are not modified."""
    import convlib._fft as core
    monkeypatch.setattr(core, "WORKSPACE_MIN_BYTES", 0)
    rng = np.random.default_rng(6)
    x, h = rng.standard_normal((40, 50)), rng.standard_normal((9, 7))
    x0, h0 = x.copy(), h.copy()
    first = fft_convolve(x, h, "same")
    kept = first.copy()
    second = fft_convolve(2 * x, h, "same")
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_allclose(second, 2 * kept, atol=1e-12)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(h, h0)
    monkeypatch.setattr(core, "WORKSPACE_BYTES", 4000)  # nothing kept, or one small buffer
    for shape in ((40, 50), (3, 4), (40, 50)):
        out = fft_convolve(x[:shape[0], :shape[1]], h, "full")
        ref = scipy.signal.fftconvolve(x[:shape[0], :shape[1]], h, "full")
        assert_fft_close(out, ref, x, h)
        assert sum(b.nbytes for b in core._WORK.buffers.values()) <= 4000


def test_kept_buffers_are_per_thread(monkeypatch):
    """Threads that convolve at once each use their own buffers."""
    from concurrent.futures import ThreadPoolExecutor
    import convlib._fft as core
    monkeypatch.setattr(core, "WORKSPACE_MIN_BYTES", 0)
    rng = np.random.default_rng(7)
    pairs = [(rng.standard_normal((64, 64)), rng.standard_normal((15, 15)))
             for _ in range(8)]
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda p: [fft_convolve(*p, "same") for _ in range(5)],
                             pairs))
    for (a, b), out in zip(pairs, outs):
        ref = scipy.signal.fftconvolve(a, b, "same")
        for o in out:
            assert_fft_close(o, ref, a, b)


@pytest.mark.parametrize("t1, t2", [(np.float32, np.float64), (np.float16, np.float16),
                                    (np.longdouble, np.longdouble)])
def test_other_dtypes_take_the_scipy_path(t1, t2):
    rng = np.random.default_rng(8)
    a = rng.standard_normal((12, 10)).astype(t1)
    b = rng.standard_normal((5, 4)).astype(t2)
    for mode in MODES:
        out = fft_convolve(a, b, mode)
        ref = scipy.signal.fftconvolve(a, b, mode)
        assert out.dtype == ref.dtype
        np.testing.assert_allclose(out.astype(np.float64), ref.astype(np.float64),
                                   atol=fft_tol(a, b, out.dtype))


def test_in_place_transforms_write_into_the_view():
    """SciPy's complex FFTs overwrite a (strided) view; a transform that returns a new
    array is copied back."""
    from convlib._fft import _in_place
    rng = np.random.default_rng(9)
    buf = rng.standard_normal((6, 8)) + 1j * rng.standard_normal((6, 8))
    for transform in (scipy.fft.fft,
                      lambda v, axis, overwrite_x: np.fft.fft(v, axis=axis)):
        work = buf.copy()
        view = work[:, 1:6]
        expected = np.fft.fft(view, axis=0)
        _in_place(transform, view, 0)
        np.testing.assert_allclose(work[:, 1:6], expected, atol=1e-12)
        np.testing.assert_array_equal(work[:, [0, 6, 7]], buf[:, [0, 6, 7]])


def test_small_spectra_take_fresh_arrays(monkeypatch):
    """Below WORKSPACE_MIN_BYTES no buffer is kept; from it on, the spectra's are."""
    import convlib._fft as core
    rng = np.random.default_rng(10)
    monkeypatch.setattr(core._WORK, "buffers", OrderedDict(), raising=False)
    small = rng.standard_normal((16, 16)), rng.standard_normal((3, 3))
    assert_fft_close(fft_convolve(*small, "same"),
                     scipy.signal.fftconvolve(*small, "same"), *small)
    assert not core._WORK.buffers
    large = rng.standard_normal((128, 128)), rng.standard_normal((31, 31))
    assert_fft_close(fft_convolve(*large, "same"),
                     scipy.signal.fftconvolve(*large, "same"), *large)
    assert sum(b.nbytes for b in core._WORK.buffers.values()) >= 2 * core.WORKSPACE_MIN_BYTES


def test_kept_buffers_with_the_last_axis_first(monkeypatch):
    """axes=(1, 0): the real transform runs along axis 0, the slabs along axis 1."""
    import convlib._fft as core
    monkeypatch.setattr(core, "WORKSPACE_MIN_BYTES", 0)
    monkeypatch.setattr(core, "SLAB_BYTES", 200)
    rng = np.random.default_rng(14)
    for s1, s2 in (((30, 17), (5, 9)), ((8, 3, 11), (3, 2, 11))):
        a, b = rng.standard_normal(s1), rng.standard_normal(s2)
        for mode in MODES:
            for axes in ((1, 0), (0, 1)):
                assert_fft_close(fft_convolve(a, b, mode, axes),
                                 scipy.signal.fftconvolve(a, b, mode, axes), a, b)
