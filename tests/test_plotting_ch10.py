"""Chapter 10's roofline: the roof is min(peak, bandwidth * intensity)."""

import matplotlib.pyplot as plt
import numpy as np

import convlib as cl


def test_draw_roofline_roof_and_markers():
    fig, ax = plt.subplots()
    roofs = cl.plotting.draw_roofline(ax, 100.0, 10.0, {"dw": 2.0, "dense": 130.0},
                                      achieved={"dw": 1.5})
    assert roofs == [20.0, 100.0]                 # below and above the ridge (10)
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(y, np.minimum(100.0, 10.0 * x))
    assert ax.lines[1].get_xdata()[0] == 10.0     # the ridge line
    markers = [line.get_marker() for line in ax.lines[2:]]
    assert markers == ["o", "o", "s"]             # hollow + measured, then hollow
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["dw", "dense"]
    plt.close(fig)
