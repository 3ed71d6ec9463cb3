"""Part II figures: drive chapter 5's butterfly graph directly."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import convlib as cl


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
