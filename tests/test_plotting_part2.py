"""Part II figures, driven directly: chapter 5's butterfly graph, chapter 6's restoration
widget (draw_restoration)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import convlib as cl
from convlib.plotting import draw_restoration
from convlib.restoration import compare_restorations


@pytest.fixture
def ax():
    fig, axis = plt.subplots()
    yield axis
    plt.close(fig)


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_draw_butterfly_edges(ax, n):
    edges = cl.plotting.draw_butterfly(ax, np.arange(n), show_values=False)
    levels = n.bit_length() - 1
    assert len(edges) == 2 * n * levels                # four edges per butterfly
    for s in range(1, levels + 1):
        into = [j for stage, _, j, _ in edges if stage == s]
        assert sorted(into) == sorted(list(range(n)) * 2)     # two inputs per node
        for _, i, j, twiddled in (e for e in edges if e[0] == s):
            assert i // 2**s == j // 2**s                # within one block of 2**s
            assert twiddled == bool((i // 2 ** (s - 1)) % 2)  # from the lower half
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"x[{j}]" for j in cl.radix2.bit_reversal(n)]
    assert len(ax.lines) == len(edges) + levels + 1     # edges and node columns


def test_draw_butterfly_values_are_the_stages(ax):
    cl.plotting.draw_butterfly(ax, [1, 2, 3, 4])
    texts = [t.get_text() for t in ax.texts]
    for value in ("1", "3", "4", "-2", "6", "10", "-2+2i", "-2-2i"):
        assert value in texts
    assert sum("omega" in t for t in texts) == 4        # one twiddle per lower input


def test_draw_butterfly_rejects_other_lengths(ax):
    with pytest.raises(ValueError, match="radix2_stages: the length of x must be a power"):
        cl.plotting.draw_butterfly(ax, [1, 2, 3])


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
