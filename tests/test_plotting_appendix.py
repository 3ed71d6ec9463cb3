"""The "Which method when?" appendix's figures: drive its plotting functions directly."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import convlib as cl


def test_draw_method_map_marks_unmapped_cells(fig):
    ax = fig.subplots()
    choices = np.array([["direct", "direct"], ["", "overlap_add"]])
    cl.plotting.draw_method_map(ax, choices, [100, 10**6], [3, 1000], "1-D")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["dir", "dir", "m > n", "OA"]
    image = ax.images[0].get_array()
    assert image.mask.tolist() == [[False, False], [True, False]]   # left white
    ticks = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    assert ticks == ["100", "$10^{6}$", "3", "1000"]                # no '1e+06'


def test_plot_bench_results_labels_only_round_speedups(fig):
    rows = [{"n": n, "m": 3, "method": "direct", "speedup": s}
            for n, s in [(64, 0.8), (128, 1.3), (256, 1.7)]]
    cl.plotting.plot_bench_results(fig, {"2d": rows})
    ax = fig.axes[0]
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    shown = [t.get_text() for t in ax.get_yticklabels()
             if t.get_text() and lo <= t.get_position()[1] <= hi]
    assert shown and set(shown) <= {"0.5", "1", "2"}
    assert not [t for t in ax.get_yminorticklabels() if t.get_text()]
    labels = ax.get_legend_handles_labels()[1]
    assert "as fast as SciPy" in labels and not any("goal" in lb for lb in labels)


def test_plot_bench_results_size_axis_labels_whole_decades(fig):
    rows = [{"n": n, "m": 3, "method": "fft", "speedup": 1.0}
            for n in (300, 400, 900)]                  # 2.7e5 to 2.4e6
    cl.plotting.plot_bench_results(fig, {"2d": rows})
    ax = fig.axes[0]
    assert ax.get_xlim() == (1e5, 1e7)
    fig.canvas.draw()
    assert not [t for t in ax.get_xminorticklabels() if t.get_text()]


def test_plot_bench_results_keeps_cases_on_a_decade_inside(fig):
    """A case whose size is a whole decade (10**7 samples by 10**4 taps = 10**11) lies
    inside the size axis, not on its edge, where its marker was cut in half."""
    rows = [{"n": n, "m": m, "method": "overlap_add", "speedup": 1.0}
            for n, m in ((1000, 10), (10**7, 10**4))]        # 1e4 and 1e11
    cl.plotting.plot_bench_results(fig, {"1d": rows})
    lo, hi = fig.axes[0].get_xlim()
    assert (lo, hi) == (1e3, 1e12) and lo < 1e4 and 1e11 < hi


@pytest.mark.parametrize("state", [("float64", "full"), ("complex128", "valid")])
def test_draw_method_maps_draws_method_map_of_the_state(fig, state):
    grids = (("1-D", (100, 1000), (3, 300), 1, False),
             ("2-D", (64, 512), (3, 5), 2, True))
    maps = cl.plotting.draw_method_maps(fig, state, grids)
    dtype, mode = state
    assert len(fig.axes) == 2 and fig._suptitle.get_text() == f"{dtype}, mode '{mode}'"
    for ax, (title, sizes, taps, ndim, rank1) in zip(fig.axes, grids):
        expected = cl.bench.method_map(sizes, taps, ndim, rank1, mode, dtype)
        assert (maps[title] == expected).all() and ax.get_title() == title
        assert len(ax.texts) == expected.size                 # one label per cell
    labels = {t.get_text() for t in fig.axes[1].texts}       # cmp: compiled (numba)
    assert bool(labels & {"sep", "cmp"}) == (dtype != "complex128")


def test_draw_method_maps_default_grids_and_bad_state(fig):
    maps = cl.plotting.draw_method_maps(fig, ("float32", "same"))
    assert list(maps) == [g[0] for g in cl.plotting.MAP_GRIDS]
    with pytest.raises(ValueError, match="method_map: dtype must be one of"):
        cl.plotting.draw_method_maps(plt.figure(), ("int8", "full"))
    plt.close("all")


def test_plot_layer_counts_one_line_per_algorithm(fig):
    ax = fig.subplots()
    counts = {"direct": [9.0, 25.0], "winograd": [4.0, np.nan], "fft": [3.0, 3.0]}
    cl.plotting.plot_layer_counts(ax, [3, 5], counts)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(lines) == ["direct", "winograd", "fft"]
    assert lines["winograd"].get_ydata()[0] == 4.0 and np.isnan(lines["winograd"].get_ydata()[1])
    assert len({ln.get_marker() for ln in lines.values()}) == 3     # not colour alone
    assert ax.get_yscale() == "log" and [t for t in ax.get_xticks()] == [3, 5]
