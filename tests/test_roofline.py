"""convlib.roofline against independent counts: piecewise definitions and byte tallies."""

import numpy as np
import pytest

from convlib import roofline as rf


def test_roofline_is_the_lower_of_two_lines():
    peak, bw = 2e11, 1.6e10
    i = np.array([[0.0, 0.1, 1.0], [12.5, 13.0, 1e3]])
    expected = np.where(i * bw < peak, i * bw, peak)     # the piecewise definition
    np.testing.assert_array_equal(rf.roofline(i, peak, bw), expected)
    assert rf.roofline(i, peak, bw).shape == i.shape
    # the ridge point is where both lines meet
    r = rf.ridge_point(peak, bw)
    assert r == 12.5 and rf.roofline(r, peak, bw) == pytest.approx(peak)
    i_before = i.copy()
    rf.roofline(i, peak, bw)
    np.testing.assert_array_equal(i, i_before)          # input not modified


@pytest.mark.parametrize("itemsize", [4, 8])
@pytest.mark.parametrize("k", [1, 3, 7])
def test_direct_intensity_by_tally(itemsize, k):
    # tally the bytes of the shifted-slice loop on a 64 x 64 'same' image literally
    n, taps = 64 * 64, k * k
    flops = 2 * taps * n
    per_tap_bytes = taps * 3 * n * itemsize       # read x, read out, write out, per tap
    once_bytes = 2 * n * itemsize                 # read x once, write out once
    assert rf.direct_intensity(taps, itemsize) == pytest.approx(flops / per_tap_bytes)
    assert rf.direct_intensity(taps, itemsize, "once") == pytest.approx(flops / once_bytes)


@pytest.mark.parametrize("call, err, match", [
    (lambda: rf.roofline([1.0], 0, 1e9), ValueError, "peak must be positive"),
    (lambda: rf.roofline([1.0], 1e9, -1), ValueError, "bandwidth must be positive"),
    (lambda: rf.roofline([-1.0], 1e9, 1e9), ValueError, "intensity"),
    (lambda: rf.roofline([np.nan], 1e9, 1e9), ValueError, "intensity"),
    (lambda: rf.roofline([1.0], "fast", 1e9), TypeError, "peak must be a real"),
    (lambda: rf.ridge_point(1e9, np.inf), ValueError, "bandwidth must be finite"),
    (lambda: rf.direct_intensity(0, 4), ValueError, "taps must be >= 1"),
    (lambda: rf.direct_intensity(9, 4.0), TypeError, "itemsize must be an integer"),
    (lambda: rf.direct_intensity(9, 4, "twice"), ValueError, "passes must be one of"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
