"""The dispatcher's fast path (issue 19, the cost of a call on small inputs).

``convolve`` and ``correlate`` keep, per shapes, dtypes, mode and method of ndarray
inputs, what they decided from those alone (``dispatch._planned``); the next calls
skip the conversion, the validation and the cost model. These tests hold it to the
general path (``_planned`` replaced by ``None``): the same method, dtype, values (bit
for bit), warnings and error messages, on random valid and invalid inputs; inputs never
modified. Also the 1-D direct shortcut (``dispatch._direct_1d``) against
``convolve_direct``, and the compiled wrapper's memoised layout and thread setting.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
import scipy.signal

import convlib as cl
from convlib import compiled, dispatch, shapes
from convlib._fft import pruned_real
from convlib.direct import convolve_direct, mostly_zero
from convlib.shapes import MODES

FLOATS = [np.float32, np.float64]
DTYPES = FLOATS + [np.complex128]


def general(func, in1, in2, mode="full", method="auto"):
    """``func`` by the general path: what the dispatcher did before the fast path."""
    name = func.__name__
    a, b = dispatch.as_operands(in1, in2, mode, MODES, name)
    method = dispatch._check_method(method, name)
    if name == "correlate":
        b = dispatch.reverse_conj(b)
    return dispatch._run(a, b, mode, method, name)


def outcome(call):
    """What a call gives: ('ok', result, warnings) or ('error', type, message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = call()
        except (TypeError, ValueError) as exc:
            return ("error", type(exc), str(exc))
    return ("ok", out, [(w.category, str(w.message)) for w in caught])


def assert_same_outcome(fast, slow):
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "error":
        assert fast[1:] == slow[1:]
        return
    assert fast[1].dtype == slow[1].dtype
    np.testing.assert_array_equal(fast[1], slow[1])  # bit for bit (NaN where NaN)
    assert fast[2] == slow[2]


def random_shape(rng, ndim, small=False):
    top = 6 if small else 70
    return tuple(int(n) for n in rng.integers(1, top, ndim))


def random_pair(rng):
    """Random inputs that reach every choice of ``auto``: 1-D to 3-D, float32/float64/
    complex (mixed sometimes), small and long, rank-1 kernels, zero taps, NaN."""
    ndim = int(rng.integers(1, 4))
    dt1 = DTYPES[int(rng.integers(0, 3))] if rng.random() < 0.3 else FLOATS[int(rng.integers(0, 2))]
    dt2 = dt1 if rng.random() < 0.8 else FLOATS[int(rng.integers(0, 2))]
    if ndim == 1:
        s1 = (int(rng.choice([5, 100, 1000, 3000, 20_000])),)
        s2 = (int(rng.choice([1, 3, 10, 40, 300, 1000, 3000])),)
    elif ndim == 2:
        s1 = tuple(int(n) for n in rng.integers(1, 200, 2))
        s2 = random_shape(rng, ndim, small=True)
    else:
        s1 = random_shape(rng, ndim, small=ndim == 3)
        s2 = random_shape(rng, ndim, small=True)
    if rng.random() < 0.3:
        s1, s2 = s2, s1
    a = rng.standard_normal(s1).astype(dt1)
    if ndim == 2 and rng.random() < 0.4:  # rank 1: separable is a candidate
        b = np.outer(rng.standard_normal(s2[0]), rng.standard_normal(s2[1])).astype(dt2)
    else:
        b = rng.standard_normal(s2).astype(dt2)
    if rng.random() < 0.2:  # mostly zero taps: the tap loop of 'direct'
        b = np.where(rng.random(b.shape) < 0.9, 0, b).astype(dt2)
    if rng.random() < 0.2:
        a.flat[int(rng.integers(0, a.size))] = np.nan
    if rng.random() < 0.2:  # not contiguous
        a = a[..., ::-1]
    return a, b


def expected_choices(uses_compiled):
    """The choices of auto the random inputs reach: 'separable' where the compiled sum
    does not compete (it is predicted faster on every rank-1 kernel of these sizes)."""
    if uses_compiled:
        return {"direct", "fft", "overlap_add"} | (
            {"compiled"} if compiled.numba_available() else {"separable"})
    return {"direct", "fft", "overlap_add", "separable"}


@pytest.mark.parametrize("uses_compiled", [True, False])
@pytest.mark.parametrize("func", [cl.convolve, cl.correlate])
def test_fast_path_equals_general_path_on_random_inputs(func, uses_compiled, monkeypatch):
    monkeypatch.setattr(dispatch, "AUTO_USES_COMPILED", uses_compiled)
    rng = np.random.default_rng(19)
    reached = set()
    for _ in range(250):
        a, b = random_pair(rng)
        mode = MODES[int(rng.integers(0, 3))]
        if mode == "valid" and not (all(p >= q for p, q in zip(a.shape, b.shape))
                                    or all(q >= p for p, q in zip(a.shape, b.shape))):
            mode = "full"
        method = str(rng.choice(["auto"] * 5 + ["direct", "compiled", "fft", "overlap_add"]))
        if method in ("direct", "compiled") and a.size * b.size > 3e6:
            method = "auto"
        a0, b0 = a.copy(), b.copy()
        slow = outcome(lambda: general(func, a, b, mode, method))
        first = outcome(lambda: func(a, b, mode, method))  # makes the plan
        again = outcome(lambda: func(a, b, mode, method))  # uses it
        assert_same_outcome(first, slow)
        assert_same_outcome(again, slow)
        np.testing.assert_array_equal(a, a0)  # inputs never modified
        np.testing.assert_array_equal(b, b0)
        if method == "auto" and slow[0] == "ok" and func is cl.convolve:
            plan = dispatch._planned(a, b, mode, method, "convolve")
            if plan is not None:
                x, y = (b, a) if plan.swap else (a, b)
                picked = plan.rule.pick(x, y)
                assert picked == cl.choose_method(a, b, mode)
                reached.add(picked)
    if func is cl.convolve:  # the random inputs reach the choices of auto
        assert expected_choices(uses_compiled) <= reached


@pytest.mark.parametrize("uses_compiled", [True, False])
def test_the_rule_picks_what_choose_method_picks(uses_compiled, monkeypatch):
    """Many random shapes, dtypes and modes: ``_Rule.pick`` of the plan equals
    ``choose_method`` (the general path), including rank-1 kernels and NaN."""
    monkeypatch.setattr(dispatch, "AUTO_USES_COMPILED", uses_compiled)
    rng = np.random.default_rng(5)
    picked = set()
    for _ in range(400):
        a, b = random_pair(rng)
        for mode in MODES:
            try:
                expected = cl.choose_method(a, b, mode)
            except ValueError:
                continue
            plan = dispatch._planned(a, b, mode, "auto", "convolve")
            x, y = (b, a) if plan.swap else (a, b)
            assert plan.rule.pick(x, y) == expected, (a.shape, b.shape, a.dtype, mode)
            picked.add(expected)
    assert expected_choices(uses_compiled) <= picked


INVALID = [
    (np.ones(5), np.ones(3), "middle", "auto"),
    (np.ones(5), np.ones(3), "full", "fastest"),
    (np.ones(5), np.ones((3, 1)), "full", "auto"),
    (np.ones(0), np.ones(3), "full", "auto"),
    (np.ones(5), np.ones(0), "same", "direct"),
    (np.ones((2, 5)), np.ones((3, 2)), "valid", "auto"),
    (np.ones((2, 5)), np.ones((3, 2)), "valid", "compiled"),
    (np.ones(5, int), np.ones(3, int), "full", "compiled"),
    (np.ones((2,) * 4), np.ones((1,) * 4), "full", "compiled"),
    (np.ones(5, np.float16), np.ones(3, np.float16), "full", "compiled"),
    (np.ones(5, object), np.ones(3), "full", "auto"),
    (np.array(["a", "b"]), np.ones(3), "full", "auto"),
    (np.ones(5), np.ones(3), ["full"], "auto"),
    (np.ones(5), np.ones(3), "full", None),
    (np.ones(5), np.ones(4), "full", "winograd"),
    (np.ones((8, 8)), np.eye(3), "full", "separable"),
    (np.ones(5), np.ones(3), "FULL", "auto"),
]


@pytest.mark.parametrize("func", [cl.convolve, cl.correlate])
@pytest.mark.parametrize("case", range(len(INVALID)))
def test_invalid_inputs_raise_as_the_general_path(func, case):
    a, b, mode, method = INVALID[case]
    slow = outcome(lambda: general(func, a, b, mode, method))
    assert slow[0] == "error"
    for _ in range(2):  # an error is not remembered as a plan
        assert_same_outcome(outcome(lambda: func(a, b, mode, method)), slow)


def test_other_inputs_go_the_general_path():
    """Lists, scalars, integers, booleans, subclasses: no plan, same results."""
    x = np.arange(6.0)
    cases = [([1, 2, 3], [1, 1]), (np.float64(2.0), np.float64(3.0)),
             (np.arange(6), np.arange(3)), (x > 2, np.ones(2, bool)),
             (np.ma.masked_array(x), np.ones(3)), (np.asarray(2.0), np.asarray(3.0))]
    for a, b in cases:
        assert dispatch._planned(a, b, "full", "auto", "convolve") is None
        expected = scipy.signal.convolve(np.asarray(a), np.asarray(b))
        np.testing.assert_array_equal(cl.convolve(a, b), expected)


def test_the_settings_of_auto_are_part_of_the_key(monkeypatch):
    """Changing AUTO_USES_COMPILED or NONFINITE_DIRECT_FACTOR changes the choice of the
    fast path as of the general one."""
    if not compiled.numba_available():
        pytest.skip("numba missing")
    a, b = np.ones((256, 256)), np.random.default_rng(0).standard_normal((15, 15))
    monkeypatch.setattr(dispatch, "AUTO_USES_COMPILED", True)
    on = dispatch._planned(a, b, "full", "auto", "convolve").rule.pick(a, b)
    monkeypatch.setattr(dispatch, "AUTO_USES_COMPILED", False)
    off = dispatch._planned(a, b, "full", "auto", "convolve").rule.pick(a, b)
    assert (on, off) == ("compiled", cl.choose_method(a, b)) and off != "compiled"
    x = np.random.default_rng(1).standard_normal(20_000)
    x[10_000] = np.nan
    monkeypatch.setattr(dispatch, "NONFINITE_DIRECT_FACTOR", 0.0)
    assert dispatch._planned(x, np.ones(1000), "full", "auto", "convolve").rule.pick(
        x, np.ones(1000)) == "overlap_add" == cl.choose_method(x, np.ones(1000))


def test_the_plans_are_bounded(monkeypatch):
    monkeypatch.setattr(dispatch, "_PLANS", {})
    monkeypatch.setattr(dispatch, "_PLANS_MAX", 5)
    for n in range(2, 30):
        cl.convolve(np.ones(n), np.ones(2))
        assert len(dispatch._PLANS) <= 5


def test_fast_path_uses_a_replaced_method(monkeypatch):
    """A method replaced in METHODS (as a test spies on one) runs on the fast path too."""
    a, b = np.ones(3000), np.ones(3000)
    cl.convolve(a, b, "same")  # a plan exists
    calls = []
    original = dispatch.METHODS["fft"]
    spy = dataclasses.replace(original, run=lambda x, y, mode: (
        calls.append(mode), original.run(x, y, mode))[1])
    monkeypatch.setitem(dispatch.METHODS, "fft", spy)
    out = cl.convolve(a, b, "same")
    assert calls == ["same"] and out.shape == (3000,)


def test_fft_shortcut_plans_real_inputs_of_one_dtype(monkeypatch):
    """Where 'fft' is the plan's method (or auto's best), real inputs of one float dtype
    keep pruned_real's lengths and axes in the plan; the call gives fft_convolve_core's
    result bit for bit, and a non-finite input still warns (the general path)."""
    from convlib._fft import NonFiniteWarning, fft_convolve_core
    rng = np.random.default_rng(23)
    # the dispatcher's own calls of pruned_real (the general path reaches it through
    # fft_convolve_core, which this spy does not see)
    shortcut = []
    monkeypatch.setattr(dispatch, "pruned_real", lambda *args: (
        shortcut.append(args[-1]), pruned_real(*args))[1])
    for dtype in FLOATS:
        x = rng.standard_normal((64, 64)).astype(dtype)
        h = rng.standard_normal((31, 31)).astype(dtype)
        for mode, lengths in (("full", [96, 96]), ("same", [80, 80]), ("valid", [64, 64])):
            for method in ("auto", "fft"):
                plan = dispatch._planned(x, h, mode, method, "convolve")
                assert plan.fft == (lengths, [0, 1])
                shortcut.clear()
                out = cl.convolve(x, h, mode, method)
                assert shortcut == [mode]  # the plan's call, not the general path
                assert out.dtype == dtype
                np.testing.assert_array_equal(out, fft_convolve_core(x, h, mode))
        swapped = dispatch._planned(h, x, "valid", "fft", "convolve")
        assert swapped.swap and swapped.fft == ([64, 64], [0, 1])
        np.testing.assert_array_equal(cl.convolve(h, x, "valid", "fft"),
                                      fft_convolve_core(x, h, "valid"))
        bad = x.copy()
        bad[3, 5] = np.nan
        with pytest.warns(NonFiniteWarning):
            out = cl.convolve(bad, h, "same", "fft")
        assert np.isnan(out).all()
        for method in ("fft", "auto"):  # non-finite: the general path, its outcome
            shortcut.clear()
            fast = outcome(lambda: cl.convolve(bad, h, "same", method))
            slow = outcome(lambda: general(cl.convolve, bad, h, "same", method))
            assert_same_outcome(fast, slow)
            assert shortcut == []
    x, h = rng.standard_normal((64, 64)), rng.standard_normal((31, 31))
    for a, b in ((x.astype(np.float32), h), (x + 0j, h), (x, h[:1])):
        plan = dispatch._planned(a, b, "full", "fft", "convolve")
        # mixed or complex dtypes: none; a kernel of one row: axis 1 alone (94 -> 96)
        assert plan.fft == (None if b.shape[0] > 1 else ([96], [1]))
        np.testing.assert_array_equal(cl.convolve(a, b, "full", "fft"),
                                      general(cl.convolve, a, b, "full", "fft"))
    assert dispatch._planned(x, h, "full", "direct", "convolve").fft is None


# ---- the 1-D direct shortcut --------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_direct_1d_equals_convolve_direct(dtype, monkeypatch):
    rng = np.random.default_rng(3)
    general_calls = []  # _direct_1d hands mostly-zero kernels to convolve_direct
    monkeypatch.setattr(dispatch, "convolve_direct", lambda x, y, mode: (
        general_calls.append(1), convolve_direct(x, y, mode))[1])
    for _ in range(200):
        n, m = (int(v) for v in rng.integers(1, 400, 2))
        a = rng.standard_normal(n).astype(dtype)
        b = rng.standard_normal(m).astype(dtype)
        if rng.random() < 0.3:  # mostly zero taps, in one input or the other
            a = np.where(rng.random(n) < 0.95, 0, a).astype(dtype)
        if rng.random() < 0.3:
            b = np.where(rng.random(m) < 0.95, 0, b).astype(dtype)
        for mode in MODES:
            if mode == "valid" and n < m:
                x, y = b, a  # the dispatcher's swap
            else:
                x, y = a, b
            plan = dispatch._planned(x, y, mode, "direct", "convolve")
            assert plan.direct_1d is not None and not plan.swap
            general_calls.clear()
            out = dispatch._direct_1d(x, y, mode, *plan.direct_1d)
            smaller = x if y.size > x.size else y
            assert len(general_calls) == mostly_zero(smaller)
            expected = convolve_direct(x, y, mode)
            assert out.dtype == expected.dtype
            np.testing.assert_array_equal(out, expected)
            np.testing.assert_array_equal(cl.convolve(a, b, mode, "direct"), expected)
            np.testing.assert_allclose(
                cl.convolve(a, b, mode, "direct"),
                scipy.signal.convolve(a, b, mode, method="direct"),
                rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-4)


def test_direct_1d_needs_one_dtype():
    a, b = np.ones(10, np.float32), np.ones(3)
    plan = dispatch._planned(a, b, "full", "direct", "convolve")
    assert plan.direct_1d is None
    np.testing.assert_array_equal(cl.convolve(a, b, method="direct"),
                                  convolve_direct(a, b))


# ---- the compiled wrapper ------------------------------------------------------------

needs_numba = pytest.mark.skipif(not compiled.numba_available(), reason="numba missing")


@needs_numba
def test_compiled_layout_equals_direct_on_random_shapes():
    """The memoised layout (swap, 3-D shapes, offsets) on 1-D to 3-D shapes, both
    orders, every mode: 'compiled' equals 'direct' (bit for bit on 2-D and 3-D)."""
    rng = np.random.default_rng(11)
    for _ in range(120):
        ndim = int(rng.integers(1, 4))
        s1, s2 = random_shape(rng, ndim, small=True), random_shape(rng, ndim, small=True)
        dtype = FLOATS[int(rng.integers(0, 2))]
        a = rng.standard_normal(s1).astype(dtype)
        b = rng.standard_normal(s2).astype(FLOATS[int(rng.integers(0, 2))])
        for mode in MODES:
            x, y = a, b
            if mode == "valid":
                if all(p >= q for p, q in zip(s1, s2)):
                    pass
                elif all(q >= p for p, q in zip(s1, s2)):
                    x, y = b, a
                else:
                    continue
            out = compiled.convolve_compiled(x, y, mode)
            expected = convolve_direct(x, y, mode)
            assert out.dtype == expected.dtype and out.shape == expected.shape
            if ndim == 1:
                np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
            else:
                np.testing.assert_array_equal(out, expected)


@needs_numba
def test_compiled_layout_reasons():
    reason = compiled._layout((4,), (2,), "full", np.dtype(int), np.dtype(int))
    assert reason == compiled.serves_compiled(np.ones(4, int), np.ones(2, int))
    assert compiled._layout((1,) * 4, (1,) * 4, "full", np.dtype(float),
                            np.dtype(float)) == compiled.serves_compiled(
        np.ones((1,) * 4), np.ones((1,) * 4))
    for mode in ("middle", ["full"]):  # an unhashable mode too: output_shape's error
        with pytest.raises(ValueError, match="^output_shape: mode must be one of"):
            compiled.convolve_compiled(np.ones(4), np.ones(2), mode)


@needs_numba
def test_one_thread_restores_the_thread_count():
    numba = compiled._numba()
    before = numba.get_num_threads()
    a, b = np.ones((64, 64)), np.ones((3, 3))
    get_threads, set_threads = compiled._thread_count()
    assert get_threads() == before
    seen = []
    compiled._on_one_thread(lambda: seen.append(numba.get_num_threads()))
    assert seen == [1] and numba.get_num_threads() == before
    numba.set_num_threads(1)  # already one thread: run as is
    try:
        compiled._on_one_thread(lambda: seen.append(numba.get_num_threads()))
        np.testing.assert_array_equal(compiled.convolve_compiled(a, b),
                                      convolve_direct(a, b))
        assert numba.get_num_threads() == 1
    finally:
        numba.set_num_threads(before)
    assert seen == [1, 1] and numba.get_num_threads() == before

    def boom():
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        compiled._on_one_thread(boom)
    assert numba.get_num_threads() == before


# ---- shapes: the quick check of ndarray shapes keeps the errors of the general one ----

def test_shape_checks_keep_their_errors():
    assert shapes.output_shape((5, 4), (3, 2), "valid") == (3, 3)
    assert shapes.output_shape([5], (np.int64(3),), "full") == (7,)
    with pytest.raises(TypeError, match="shape1 must be a sequence of ints"):
        shapes.output_shape((True,), (1,))
    with pytest.raises(TypeError, match="shape2 must be a sequence of ints"):
        shapes.output_shape((3,), (2.0,))
    with pytest.raises(ValueError, match="shape1 must hold sizes >= 1; got \\(0,\\)"):
        shapes.output_shape((0,), (1,))
    with pytest.raises(ValueError, match="same length"):
        shapes.mode_offset((3, 3), (1,), "same")
    assert shapes.valid_swap_needed((2, 3), (3, 4)) and not shapes.valid_swap_needed((3, 3), (3, 3))


def test_mostly_zero_counts_the_head_first_and_agrees_with_the_rule():
    # mostly_zero decides a dense kernel from its first size // SPARSE_TAP_RATIO + 1
    # taps; the verdict is the rule's (non-zero taps * ratio <= size) on random
    # kernels of 1-300 taps, 1-D, 2-D and not contiguous, with the non-zero taps
    # anywhere (also all at the start, where the head alone cannot decide)
    from convlib.direct import SPARSE_TAP_RATIO
    rng = np.random.default_rng(7)
    for t in range(3000):
        n = int(rng.integers(1, 301))
        k = np.zeros(n)
        nnz = int(rng.integers(0, n + 1)) if t % 2 else int(rng.integers(0, n // 8 + 2))
        nnz = min(nnz, n)
        where = np.arange(nnz) if t % 5 == 0 else rng.choice(n, nnz, replace=False)
        k[where] = rng.standard_normal(nnz) + 3
        if t % 3 == 1:
            k = k.reshape(1, n)
        elif t % 3 == 2:
            k = np.stack([k, k])[:, ::-1]          # 2-D, not contiguous
        assert mostly_zero(k) == (np.count_nonzero(k) * SPARSE_TAP_RATIO <= k.size)
