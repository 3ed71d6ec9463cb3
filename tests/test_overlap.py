"""convlib.overlap (overlap-add, overlap-save, block sizes): against SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib.fourier import circular_convolve
from convlib.overlap import block_length, block_plan, overlap_add, overlap_save

from support import DTYPES, MODES, array_pairs, assert_fft_close, elements, scipy_or_none


def test_literals():
    assert overlap_add(np.arange(8), [1, 1, 1], block_size=4).round(12).tolist() == \
        [0, 1, 3, 6, 9, 12, 15, 18, 13, 7]
    assert overlap_save(np.arange(8), [1, -1], block_size=3).round(12).tolist() == \
        [0, 1, 1, 1, 1, 1, 1, 1, -7]
    # the blocks of overlap-save: B = 6, L = 4, reads start M - 1 = 2 before each block
    plan = block_plan(10, 3, block_size=6, method="save")
    assert plan["in_start"].tolist() == [-2, 2, 6] and plan["out_start"].tolist() == [0, 4, 8]


@st.composite
def long_short_pairs(draw):
    """One input much longer than the other along some axes, so blocks are used."""
    ndim = draw(st.integers(1, 2))
    dtype = draw(st.sampled_from(DTYPES))
    big = 300 if ndim == 1 else 40
    s1 = tuple(draw(st.integers(1, big)) for _ in range(ndim))
    s2 = tuple(draw(st.integers(1, 12)) for _ in range(ndim))
    if draw(st.booleans()):
        s1, s2 = s2, s1
    a = draw(hnp.arrays(dtype, s1, elements=elements(dtype)))
    b = draw(hnp.arrays(dtype, s2, elements=elements(dtype)))
    return a, b


@pytest.mark.parametrize("mode", MODES)
@given(pair=st.one_of(array_pairs(max_side=7), long_short_pairs()))
def test_overlap_add_equals_oaconvolve(mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.oaconvolve, a, b, mode)
    if ref is None:
        with pytest.raises(ValueError, match="^overlap_add: in 'valid' mode"):
            overlap_add(a, b, mode)
        return
    assert_fft_close(overlap_add(a, b, mode), ref, a, b)


@pytest.mark.parametrize("mode", MODES)
@given(pair=st.one_of(array_pairs(max_side=7), long_short_pairs()), data=st.data())
def test_overlap_save_equals_convolve(mode, pair, data):
    a, b = pair
    ref = scipy_or_none(scipy.signal.fftconvolve, a, b, mode)
    if ref is None or scipy_or_none(scipy.signal.convolve, a, b, mode) is None:
        return
    # where every axis has a size 1, SciPy (and overlap_save, issue 13) return the
    # broadcast product in the input dtype; block_size is then not used
    assert_fft_close(overlap_save(a, b, mode), ref, a, b)
    kernel = b if b.size <= a.size else a  # overlap_save's kernel: the smaller input
    size = [data.draw(st.integers(m, m + 20)) for m in kernel.shape]
    assert_fft_close(overlap_save(a, b, mode, block_size=size), ref, a, b)
    small = [min(p, q) for p, q in zip(a.shape, b.shape)]
    size = [data.draw(st.integers(m, m + 20)) for m in small]
    assert_fft_close(overlap_add(a, b, mode, block_size=size), ref, a, b)


@given(n=st.integers(1, 5000), m=st.integers(1, 600))
def test_block_length_is_scipys_rule(n, m):
    from scipy.signal._signaltools import _calc_oa_lens  # the rule SciPy uses

    length = block_length(n, m)
    scipy_len, overlap, *_ = _calc_oa_lens(n, m)
    if overlap is None:  # SciPy: one block of the full length
        assert length == scipy.fft.next_fast_len(n + m - 1)
    else:
        assert length == scipy_len and length < max(n, m)
    assert length >= min(n, m)


def test_block_plan_reproduces_convolution():
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal(50), rng.standard_normal(7)
    ref = np.convolve(x, h)
    for size in (7, 8, 13, 16, 64):
        add = block_plan(50, 7, size, "add")
        y = np.zeros(len(ref))
        for i0, i1, o0, o1 in zip(add["in_start"], add["in_stop"], add["out_start"],
                                  add["out_stop"]):
            y[o0:o1] += np.convolve(x[i0:i1], h)[:o1 - o0]
        np.testing.assert_allclose(y, ref, atol=1e-12)
        save = block_plan(50, 7, size, "save")
        xp = np.pad(x, (7 - 1, size))
        y = np.zeros(len(ref))
        for i0, i1, o0, o1 in zip(save["in_start"], save["in_stop"], save["out_start"],
                                  save["out_stop"]):
            seg = xp[i0 + 6:i1 + 6]
            circ = circular_convolve(seg, np.pad(h, (0, size - 7)))
            y[o0:o1] = circ[6:6 + o1 - o0]
        np.testing.assert_allclose(y, ref, atol=1e-12)
        assert save["step"] == add["step"] == size - 6


@pytest.mark.parametrize("t1, t2", [(np.float32, np.float32), (np.int64, np.int64),
                                    (np.float32, np.float64), (np.complex64, np.float32),
                                    (np.bool_, np.bool_), (np.int8, np.float32)])
def test_dtype_is_scipys(t1, t2):
    a = np.array([1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1], dtype=t1)
    b = np.array([1, 1, 0], dtype=t2)
    assert overlap_add(a, b).dtype == scipy.signal.oaconvolve(a, b).dtype
    assert overlap_save(a, b).dtype == scipy.signal.fftconvolve(a, b).dtype


# ---- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: overlap_add(np.ones(10), np.ones(3), block_size=2), ValueError,
     r"^overlap_add: block_size must be >= the kernel length \(3\) along axis 0; got 2"),
    (lambda: overlap_add(np.ones(10), np.ones(3), block_size=(8, 8)), ValueError,
     r"^overlap_add: block_size must be an int or one int per axis \(1\); got \(8, 8\)"),
    (lambda: overlap_add(np.ones(10), np.ones(3), block_size=8.0), TypeError,
     r"^overlap_add: block_size must be an integer; got 8.0"),
    (lambda: overlap_add(np.ones((2, 3)), np.ones((3, 2)), "valid"), ValueError,
     r"^overlap_add: in 'valid' mode"),
    (lambda: overlap_save(np.ones(10), np.ones(3), block_size=2), ValueError,
     r"^overlap_save: block_size must be >= the kernel length \(3\) along axis 0; got 2"),
    (lambda: overlap_save(np.ones((2, 3)), np.ones((3, 2)), "valid"), ValueError,
     r"^overlap_save: in 'valid' mode"),
    (lambda: overlap_save([1, 2], [1], mode="all"), ValueError,
     r"^overlap_save: mode must be one of"),
    (lambda: block_length(5, 0), ValueError, r"^block_length: m must be >= 1; got 0"),
    (lambda: block_plan(10, 3, method="scrap"), ValueError,
     r"^block_plan: method must be one of 'add', 'save'; got 'scrap'"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- chapter 5's block diagram ---------------------------------------------------------------

@pytest.mark.parametrize("n, m, size", [(30, 5, 12), (100, 9, 16), (20, 3, 40)])
def test_draw_blocks_draws_every_block(n, m, size):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    cl.plotting.draw_blocks(fig, n, m, size)
    add_ax, save_ax = fig.axes
    add, save = block_plan(n, m, size, "add"), block_plan(n, m, size, "save")
    assert len(add_ax.patches) == 2 * len(add["in_start"]) + 1  # + the shaded signal
    assert len(save_ax.patches) == 3 * len(save["in_start"]) + 1
    assert f"B = {size}, L = {size - m + 1}" in add_ax.get_title()
    plt.close(fig)
