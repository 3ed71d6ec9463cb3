"""The "Which method when?" appendix's figures: drive its plotting functions directly."""

import numpy as np

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
