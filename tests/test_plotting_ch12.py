"""Chapter 12's figure helper: the phase decomposition of a transposed convolution."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import convlib as cl  # noqa: E402
from convlib import nn  # noqa: E402


@pytest.mark.parametrize("s,k", [(2, 3), (2, 4), (3, 4), (3, 2), (1, 3)])
def test_phase_taps_match_subpixel_weight_and_overlap(s, k):
    fig = plt.figure()
    taps = cl.plotting.draw_phase_decomposition(fig, s, k, n=4)
    plt.close(fig)
    # oracle 1: the nonzero taps of each stacked sub-kernel of subpixel_weight
    sub = nn.subpixel_weight(np.ones((1, 1, k, k), dtype=int), s)
    assert taps.ravel().tolist() == sub.sum(axis=(1, 2, 3)).tolist()
    # oracle 2: the closed form ceil((k - i)/s) per axis
    per_axis = [-(-(k - i) // s) for i in range(s)]
    np.testing.assert_array_equal(taps, np.outer(per_axis, per_axis))
    assert taps.sum() == k * k


def test_phase_figure_draws_every_sample():
    fig = plt.figure()
    cl.plotting.draw_phase_decomposition(fig, 2, 3, n=3)
    kernel_ax, out_ax = fig.axes
    assert len(kernel_ax.patches) == 9 and len(out_ax.patches) == 7 * 7
    labels = [t.get_text() for t in out_ax.texts]
    assert labels.count("4") == 4 and labels[0] == "1"   # interior (even, even): 4
    plt.close(fig)
