"""Part VI figures: the roofline and its widget, driven directly."""

import numpy as np
import pytest

import convlib as cl
from convlib import roofline as rf


def test_show_roofline_draws_the_line_and_points(fig):
    ax = fig.subplots()
    pts = [{"label": "a", "intensity": 0.2, "flops": 1e9},
           {"label": "b", "intensity": 50.0, "flops": 5e10}]
    cl.plotting.show_roofline(ax, 1e11, 1e10, pts)
    line = ax.get_lines()[0]
    x, y = line.get_data()
    np.testing.assert_allclose(y, np.minimum(1e2, x * 10))     # GFLOP/s
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["roofline", "a", "b"]
    markers = {ln.get_marker() for ln in ax.get_lines()[2:]}   # after the roof and the ridge
    assert len(markers) == 2                       # points differ by marker shape


@pytest.mark.parametrize("k", [1, 3, 7, 15])
def test_draw_roofline_kernel(fig, k):
    state = cl.plotting.draw_roofline_kernel(fig, k, peak=2e11, bandwidth=1.7e10)
    assert state["per_tap"] == pytest.approx(2 / 12)          # 3 float32 per 2 FLOPs
    assert state["once"] == pytest.approx(k * k / 4)
    assert state["once_flops"] == pytest.approx(min(2e11, k * k / 4 * 1.7e10))
    bound = "compute" if k * k / 4 > 2e11 / 1.7e10 else "memory"
    assert fig.axes[0].get_title().endswith(f"({bound}-bound)")
    assert rf.ridge_point(2e11, 1.7e10) == pytest.approx(2e11 / 1.7e10)


def test_show_roofline_series_draws_each_series(fig):
    ax = fig.subplots()
    series = [{"label": "ours", "intensity": [1.0, 2.0], "flops": [5e9, 1.5e10],
               "marker": "s"},
              {"label": "peer", "intensity": [1.0], "flops": [8e9], "marker": "s",
               "filled": False}]
    cl.plotting.show_roofline_series(ax, 1e11, 1e10, series)
    x, y = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(y, np.minimum(1e2, x * 10))     # the roof, GFLOP/s
    ours, peer = ax.get_lines()[2:]                            # after roof and ridge
    np.testing.assert_allclose(ours.get_ydata(), [5.0, 15.0])
    np.testing.assert_allclose(peer.get_xdata(), [1.0])
    assert peer.get_markerfacecolor() == "none" != ours.get_markerfacecolor()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["roofline", "ours", "peer"]


def test_show_roofline_series_rejects_mismatched_lengths(fig):
    with pytest.raises(ValueError, match="'bad' has 2 intensities and 1 rates"):
        cl.plotting.show_roofline_series(
            fig.subplots(), 1e11, 1e10,
            [{"label": "bad", "intensity": [1.0, 2.0], "flops": [1e9]}])
