"""convlib.nn.max_pool2d / avg_pool2d: loops from the definition, PyTorch defaults,
errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import nn
from nn_reference import pool2d as pool_ref


@st.composite
def pool_case(draw):
    k = [draw(st.integers(1, 4)) for _ in range(2)]
    s = draw(st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    p = [draw(st.integers(0, ki // 2)) for ki in k]
    hw = [max(1, ki - 2 * pi) + draw(st.integers(0, 5)) for ki, pi in zip(k, p)]
    return k, s, p, hw, draw(st.sampled_from([np.int64, np.float64, np.float32])), \
        draw(st.integers(0, 2**16))


@settings(max_examples=100, deadline=None)
@given(pool_case())
def test_pools_match_loops(case):
    k, s, p, hw, dtype, seed = case
    rng = np.random.default_rng(seed)
    x = (rng.integers(-9, 10, (2, 3, *hw)) if dtype is np.int64
         else rng.standard_normal((2, 3, *hw))).astype(dtype)
    stride = tuple(k) if s is None else s
    got = nn.max_pool2d(x, k, s, p)
    assert got.dtype == dtype           # max keeps the dtype and is exact
    np.testing.assert_array_equal(got, pool_ref(x, k, stride, p, "max").astype(dtype))
    # avg: a mean of <= 16 values; float32 eps 1.2e-7 times the terms' size
    tol = 1e-5 if dtype is np.float32 else 1e-12
    np.testing.assert_allclose(nn.avg_pool2d(x, k, s, p),
                               pool_ref(x, k, stride, p, "avg"), rtol=tol, atol=tol)


def test_defaults_are_pytorchs():
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    assert nn.max_pool2d(x, 3).shape == (1, 1, 2, 2)        # stride = kernel_size
    np.testing.assert_array_equal(nn.max_pool2d(x, 3)[0, 0], [[14, 17], [32, 35]])
    # zero padding counts in the average: the corner window holds x[0,0] and 3 zeros
    assert nn.avg_pool2d(x + 1, 2, padding=1)[0, 0, 0, 0] == 0.25
    # max padding is -inf: an all-negative input never reports the 0 of the padding
    assert nn.max_pool2d(-1 - x, 2, padding=1)[0, 0, 0, 0] == -1


def test_unbatched_and_int_padding():
    x = np.arange(16).reshape(1, 4, 4)
    assert nn.max_pool2d(x, 3, 1, 1).dtype == x.dtype
    np.testing.assert_array_equal(nn.max_pool2d(x, 2), nn.max_pool2d(x[None], 2)[0])
    # each output is the largest (least negative) value of its clipped 3x3 window
    np.testing.assert_array_equal(nn.max_pool2d(-x, 3, 1, 1)[0], [[0, 0, -1, -2],
                                                                 [0, 0, -1, -2],
                                                                 [-4, -4, -5, -6],
                                                                 [-8, -8, -9, -10]])


@pytest.mark.parametrize("func,args,exc,match", [
    (nn.max_pool2d, (np.ones((4, 4)), 2), ValueError,
     r"max_pool2d: x must be 4-D or 3-D; got 2-D"),
    (nn.max_pool2d, (np.ones((1, 4, 4)), 2, None, 2), ValueError,
     r"max_pool2d: padding must be at most half the kernel size \(1\); got 2"),
    (nn.avg_pool2d, (np.ones((1, 4, 4)), 2, 0), ValueError,
     r"avg_pool2d: stride must be >= 1; got 0"),
    (nn.avg_pool2d, (np.ones((1, 4, 4)), 2, 1, -1), ValueError,
     r"avg_pool2d: padding must be >= 0; got -1"),
    (nn.avg_pool2d, (np.ones((1, 2, 2)), 3), ValueError,
     r"avg_pool2d: the padded input \(2\) is smaller than the dilated kernel \(3\)"),
    (nn.max_pool2d, (np.ones((1, 2, 2), complex), 2), TypeError,
     r"max_pool2d: x must be real"),
])
def test_pool_errors(func, args, exc, match):
    with pytest.raises(exc, match=match):
        func(*args)


def test_huge_window_copies_are_refused_before_allocating():
    # every window is copied (im2col): kH*kW values per output position
    x = np.ones((1, 1, 2000, 2000))
    for func in (nn.max_pool2d, nn.avg_pool2d):
        with pytest.raises(ValueError, match=rf"^{func.__name__}: kernel_size asks for an "
                                             r"output of shape \(1, 1, 1000000, 1002001\)"):
            func(x, 1000, 1)
    for func in (nn.max_pool2d_backward, nn.avg_pool2d_backward):
        with pytest.raises(ValueError, match=rf"^{func.__name__}: kernel_size asks for"):
            func(x, np.ones((1, 1, 1001, 1001)), 1000, 1)
    assert nn.max_pool2d(x, 1000).shape == (1, 1, 2, 2)   # non-overlapping: as large as x
