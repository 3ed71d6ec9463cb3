"""convlib.overlap's slab path (only one axis cut into blocks): against SciPy's oaconvolve.

The slab path (``_overlap_add_slabs``) transforms a few blocks at a time; these tests make
the slabs small (``OA_SLAB_BYTES``) so that every branch runs: a slab count that does not
divide the block count, one block per slab, the last partial block (and none), windows
that skip the first and last blocks (``'same'`` with the short input first), mixed dtypes
(the product not in place), N-d inputs with a second, uncut axis or a broadcast axis, and
the layouts that keep the batched path; and the path for two or more cut axes (block
rows along the first one at a time, each by the batched path).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib.overlap as ov
from convlib.fourier import fft_convolve
from convlib.overlap import block_length, overlap_add

from support import MODES, assert_fft_close


@pytest.fixture
def row_calls(monkeypatch):
    """Count the calls of the path for two or more cut axes."""
    calls = []
    real = ov._overlap_add_rows

    def spy(a, b, axis, *args):
        calls.append((a.shape, b.shape, axis))
        return real(a, b, axis, *args)

    monkeypatch.setattr(ov, "_overlap_add_rows", spy)
    return calls


@pytest.fixture
def slab_calls(monkeypatch):
    """Count the calls of the slab path (and the blocks of each slab)."""
    calls = []
    real = ov._overlap_add_slabs

    def spy(x, h, axis, fshape, window, cplx):
        calls.append((x.shape, h.shape, axis, fshape[axis]))
        return real(x, h, axis, fshape, window, cplx)

    monkeypatch.setattr(ov, "_overlap_add_slabs", spy)
    return calls


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _check(a, b, mode, **kwargs):
    ref = scipy.signal.oaconvolve(a, b, mode, **({"axes": kwargs["axes"]}
                                                 if "axes" in kwargs else {}))
    out = overlap_add(a, b, mode, **kwargs)
    assert_fft_close(out, ref, a, b)
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("slab_bytes", [1, 3 * 16 * 9, 2**20])  # 1 block, 3 blocks, all
@pytest.mark.parametrize("n, m, size", [
    (100, 7, 16),   # L = 10 divides n: no partial block; 10 blocks, 3 per slab: 3+3+3+1
    (101, 7, 16),   # a partial last block of 1 sample
    (97, 7, 16),    # a partial last block of 7 samples
    (50, 9, 10),    # L = 2 < m - 1: each block's tail spans 4 further blocks
    (300, 2, 3),    # the shortest kernel that is cut, L = 2
])
def test_slab_branches_equal_oaconvolve(mode, slab_bytes, n, m, size, monkeypatch,
                                        slab_calls):
    monkeypatch.setattr(ov, "OA_SLAB_BYTES", slab_bytes)
    rng = np.random.default_rng(n + m)
    x, h = rng.standard_normal(n), rng.standard_normal(m)
    out = _check(x, h, mode, block_size=size)
    assert slab_calls == [((n,), (m,), 0, size)]
    assert np.array_equal(out, _check(x, h, mode, block_size=size))  # the kept buffers
    # the kernel first: the signal is still the input cut into blocks
    _check(h, x, "full", block_size=size)
    assert slab_calls[-1] == ((n,), (m,), 0, size)


@pytest.mark.parametrize("slab_bytes", [1, 2**20])
def test_same_with_the_short_input_first_skips_blocks(slab_bytes, monkeypatch, slab_calls):
    # 'same' keeps len(in1) = 10 samples from the middle of 309: only the blocks that
    # reach them are computed (the first and last ones are skipped)
    monkeypatch.setattr(ov, "OA_SLAB_BYTES", slab_bytes)
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(10), rng.standard_normal(300)
    out = _check(a, b, "same", block_size=20)
    assert out.shape == (10,) and slab_calls == [((300,), (10,), 0, 20)]
    np.testing.assert_allclose(out, np.convolve(a, b)[149:159], atol=1e-12)


@pytest.mark.parametrize("t1, t2", [(np.float32, np.float32), (np.float32, np.float64),
                                    (np.float64, np.complex64), (np.complex64, np.float32),
                                    (np.complex128, np.complex128), (np.int64, np.int64)])
@pytest.mark.parametrize("mode", MODES)
def test_slab_dtypes(t1, t2, mode, monkeypatch, slab_calls):
    monkeypatch.setattr(ov, "OA_SLAB_BYTES", 64 * 16)
    rng = np.random.default_rng(5)
    a = (_random(rng, 1000, t1) if t1 != np.int64 else rng.integers(-9, 9, 1000))
    b = (_random(rng, 40, t2) if t2 != np.int64 else rng.integers(-9, 9, 40))
    _check(a, b, mode)
    assert len(slab_calls) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("s1, s2, kwargs", [
    ((6, 400), (3, 21), {}),              # axis 0 one block (6 by 3), axis 1 cut
    ((400, 6), (21, 3), {}),              # the cut axis first
    ((5, 400), (5, 21), {"axes": 1}),     # axis 0 not convolved, equal sizes
    ((5, 400), (1, 21), {}),              # axis 0 broadcast (size 1 in the kernel)
    ((3, 4, 300), (3, 1, 17), {"axes": [1, 2]}),  # one not convolved, one broadcast
    ((5, 6, 300), (3, 3, 30), {}),        # two uncut convolved axes
])
def test_slab_nd(s1, s2, kwargs, mode, monkeypatch, slab_calls):
    monkeypatch.setattr(ov, "OA_SLAB_BYTES", 4096)
    rng = np.random.default_rng(sum(s1))
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    _check(a, b, mode, **kwargs)
    assert len(slab_calls) == 1
    _check(b, a, "full", **kwargs)  # the kernel first: the same path
    assert len(slab_calls) == 2


@pytest.mark.parametrize("s1, s2, kwargs", [
    ((1, 400), (4, 21), {}),          # the kernel larger along a broadcast axis
    ((300,), (20,), {"block_size": 400}),  # one block: plain FFT convolution
    ((300,), (20,), {"dtype": np.float16}),  # float16: not a slab dtype
    ((60, 60), (7, 7), {"dtype": np.float16}),  # both axes cut, float16
])
def test_other_layouts_keep_the_batched_path(s1, s2, kwargs, slab_calls, row_calls):
    rng = np.random.default_rng(1)
    dtype = kwargs.pop("dtype", np.float64)
    a, b = rng.standard_normal(s1).astype(dtype), rng.standard_normal(s2).astype(dtype)
    for mode in MODES:
        _check(a, b, mode, **kwargs)
    assert slab_calls == [] and row_calls == []


@pytest.mark.parametrize("slab_bytes", [1, 64000, 2**24])  # block rows per slab: 1, 2, all
@pytest.mark.parametrize("s1, s2, kwargs", [
    ((61, 60), (7, 7), {"block_size": 20}),     # 5 block rows, the last partial
    ((56, 60), (7, 7), {"block_size": 20}),     # 4 whole block rows
    ((7, 60), (61, 7), {"block_size": 20}),     # in2 cut along axis 0, in1 along 1
    ((40, 41), (9, 8), {"block_size": [12, 11]}),  # L = 4 < m - 1 = 8 along axis 0
    ((30, 4, 40), (5, 3, 6), {"block_size": [9, 6, 10]}),  # axis 1 one block
    ((30, 3, 40), (5, 3, 6), {"axes": [0, 2], "block_size": 10}),  # axis 1 not convolved
])
@pytest.mark.parametrize("mode", MODES)
def test_rows_path_equals_oaconvolve(s1, s2, kwargs, mode, slab_bytes, monkeypatch,
                                     row_calls):
    monkeypatch.setattr(ov, "OA_SLAB_BYTES", slab_bytes)
    rng = np.random.default_rng(sum(s1) + sum(s2))
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    if mode == "valid" and not (all(p >= q for p, q in zip(s1, s2))
                                or all(p <= q for p, q in zip(s1, s2))):
        return
    _check(a, b, mode, **kwargs)
    assert len(row_calls) == 1
    _check(b, a, "same", **kwargs)  # the short input first along axis 0: blocks skipped


@pytest.mark.parametrize("t1, t2", [(np.float32, np.float64), (np.complex64, np.float32),
                                    (np.float32, np.float32), (np.complex128, np.float64)])
def test_rows_path_dtypes(t1, t2, monkeypatch, row_calls):
    # both axes cut: the spectra are multiplied in place unless the product's dtype
    # is wider than the signal's spectrum
    monkeypatch.setattr(ov, "OA_SLAB_BYTES", 1)
    rng = np.random.default_rng(4)
    a, b = _random(rng, (50, 45), t1), _random(rng, (6, 5), t2)
    for mode in MODES:
        _check(a, b, mode)
        _check(b, a, mode if mode != "valid" else "full")
    assert len(row_calls) == 6


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 400), m=st.integers(2, 40), extra=st.integers(0, 30),
       slab=st.integers(1, 12), mode=st.sampled_from(MODES), swap=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64, np.complex128]))
def test_slabs_random(n, m, extra, slab, mode, swap, dtype):
    rng = np.random.default_rng(n * m)
    x, h = _random(rng, n, dtype), _random(rng, m, dtype)
    a, b = (h, x) if swap else (x, h)
    size = min(n, m) + extra
    itemsize = 2 * np.dtype(dtype).itemsize
    old = ov.OA_SLAB_BYTES
    try:  # about `slab` blocks per slab
        ov.OA_SLAB_BYTES = slab * (size // 2 + 1) * itemsize
        try:
            ref = scipy.signal.oaconvolve(a, b, mode)
        except ValueError:
            return
        assert_fft_close(overlap_add(a, b, mode, block_size=size), ref, a, b)
    finally:
        ov.OA_SLAB_BYTES = old


def test_fresh_memory_is_about_the_output():
    # the batched path allocates several arrays of about the input's size (a padded
    # copy, the blocks' spectra, their product, the inverse, the fold); the slab path
    # the output, one slab's temporaries and its kept buffers
    n, m = 2**20, 1000
    x, h = np.random.default_rng(0).standard_normal(n), np.ones(m)
    assert block_length(n, m) < n
    overlap_add(x, h, "valid")  # the kept buffers
    tracemalloc.start()
    try:
        out = overlap_add(x, h, "valid")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.nbytes <= peak < out.nbytes + 4 * ov.OA_SLAB_BYTES
    np.testing.assert_allclose(out[:3], [x[i:i + m].sum() for i in range(3)])


def test_inputs_unchanged_and_result_fresh():
    rng = np.random.default_rng(2)
    x, h = rng.standard_normal(5000), rng.standard_normal(50)
    x0, h0 = x.copy(), h.copy()
    first = overlap_add(x, h, "same")
    second = overlap_add(x, h, "same")
    assert np.array_equal(x, x0) and np.array_equal(h, h0)
    assert not np.may_share_memory(first, second) and first.flags.owndata
    assert np.array_equal(first, second)


def test_one_block_along_every_axis_is_the_fft_convolution():
    """Where blocks do not pay along any axis (block_length >= n + m - 1), overlap_add
    is the FFT convolution itself: bit for bit fft_convolve, in every mode."""
    rng = np.random.default_rng(31)
    for s1, s2 in (((10_000,), (1_000,)), ((300,), (200,)), ((40, 50), (30, 20))):
        assert all(block_length(p, q) >= p + q - 1 for p, q in zip(s1, s2))
        x, h = rng.standard_normal(s1), rng.standard_normal(s2)
        for mode in ("full", "same", "valid"):
            np.testing.assert_array_equal(overlap_add(x, h, mode),
                                          fft_convolve(x, h, mode))
