"""The draw function behind chapter 6's restoration widget (draw_restoration)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import convlib as cl  # noqa: E402
from convlib.plotting import draw_restoration  # noqa: E402
from convlib.restoration import compare_restorations  # noqa: E402

G = np.exp(-np.arange(-6, 7) ** 2 / (2 * 1.5 ** 2))
H = np.outer(G, G) / G.sum() ** 2          # chapter 6's 13 x 13 Gaussian


def test_draw_restoration_draws_the_state_it_returns():
    x = cl.data.photo()[100:164, 200:264]
    fig = plt.figure()
    out = draw_restoration(fig, x, H, 0.01, 5)
    axes = fig.get_axes()
    assert len(axes) == 3
    assert [ax.get_title().split("\n")[0] for ax in axes] == [
        "observed, noise 0.01", "practical Wiener", "Richardson-Lucy, 5 it."]
    expected = compare_restorations(x, H, 0.01, 5)
    for ax, key in zip(axes, ("observed", "wiener", "richardson_lucy")):
        assert ax.get_title().endswith(f"RMSE {expected['rmse'][key]:.3f}")
        np.testing.assert_array_equal(out[key], expected[key])
    plt.close(fig)


def test_draw_restoration_on_a_small_uploaded_picture():
    # the browser test uploads a 48 x 64 picture; the widget must draw it
    yy, xx = np.mgrid[0:48, 0:64]
    picture = 0.3 * xx / 63 + 0.7 * ((xx - 30) ** 2 + (yy - 24) ** 2 < 15 ** 2)
    fig = plt.figure()
    out = draw_restoration(fig, picture, H, 0.02, 10)
    assert out["rmse"]["wiener"] < out["rmse"]["observed"]
    assert out["richardson_lucy"].min() >= 0
    plt.close(fig)
