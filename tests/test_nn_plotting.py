"""The Part IV figures and widget states: drive the draw functions and their index
helpers for several settings and check what they compute."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import convlib as cl  # noqa: E402
from convlib import nn  # noqa: E402


@pytest.mark.parametrize("n,k,s,p,d", [(5, 3, 1, 0, 1), (5, 3, 2, 1, 1), (6, 3, 2, 1, 1),
                                       (7, 3, 1, 0, 2), (4, 3, 1, 2, 1), (5, 1, 3, 0, 1)])
def test_window_indices_agree_with_conv1d(n, k, s, p, d):
    """Output o reads exactly the inputs whose one-hot perturbation changes it."""
    L = cl.conv_output_size(n, k, s, p, d)
    for o in range(L):
        idx = nn.window_indices(o, n, k, s, p, d)
        inside = sorted(i for i in idx if 0 <= i < n)
        reads = [i for i in range(n) if nn.conv1d(np.eye(n)[i].reshape(1, 1, n),
                                                  np.ones((1, 1, k)), stride=s,
                                                  padding=p, dilation=d)[0, 0, o]]
        assert inside == reads
    for i in range(n):
        outs = nn.windows_containing(i, n, k, s, p, d)
        assert all(i in nn.window_indices(o, n, k, s, p, d) for o in outs)
        assert len(outs) == sum(i in nn.window_indices(o, n, k, s, p, d)
                                for o in range(L))


def test_index_helper_errors():
    with pytest.raises(ValueError, match=r"window_indices: out_pos must be in \[0, 3\); "
                                         r"got -1"):
        nn.window_indices(-1, 5, 3)
    with pytest.raises(ValueError, match=r"windows_containing: in_pos must be in "
                                         r"\[0, 5\); got 5"):
        nn.windows_containing(5, 5, 3)
    with pytest.raises(ValueError, match=r"window_indices: the padded input"):
        nn.window_indices(0, 2, 3)


@pytest.mark.parametrize("pick,cell,want", [("output", (1, 2), ([1, 2, 3], [3, 4, 5])),
                                            ("input", (0, 4), ([0], [2])), ("input", (2, 3), ([1], [1, 2]))])
def test_draw_conv_grid_highlights(pick, cell, want):
    fig, ax = plt.subplots()
    rows, cols = cl.plotting.draw_conv_grid(ax, 5, 3, 2, 1, 1, cell, pick)
    assert rows.tolist() == want[0] and cols.tolist() == want[1]
    # 7x7 padded input + 3x3 output cells
    assert len(ax.patches) == 49 + 9
    plt.close(fig)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, row=9, col=9),
                                    dict(pick="input", row=4, col=0),
                                    dict(n=3, kernel_size=3, dilation=3)])
def test_draw_conv_arithmetic_states(kwargs):
    fig = plt.figure()
    cl.plotting.draw_conv_arithmetic(fig, **kwargs)
    ax = fig.axes[0]
    if kwargs.get("dilation") == 3:
        assert "does not fit" in ax.texts[0].get_text()
    else:
        assert "→" in ax.get_title()
    plt.close(fig)


@pytest.mark.parametrize("groups", [1, 2, 4, 8])
def test_group_connectivity(groups):
    fig = plt.figure()
    cl.plotting.draw_group_connectivity(fig, groups)
    reads = fig.axes[0].images[0].get_array()
    assert reads.sum() == 64 // groups         # 8 x 8 / groups connections
    assert f"{8 * (8 // groups) * 9} weights" in fig.axes[0].get_title()
    plt.close(fig)


@pytest.mark.parametrize("s,k,uniform", [(1, 3, True), (2, 4, True), (2, 3, False),
                                         (3, 3, True)])
def test_transposed_overlap_interior(s, k, uniform):
    fig = plt.figure()
    counts = cl.plotting.draw_transposed_overlap(fig, s, k)
    interior = counts[k:-k, k:-k]
    assert (interior.min() == interior.max()) == uniform
    assert counts.sum() == 36 * k * k            # every copy adds k*k ones
    plt.close(fig)


def test_dilated_stack_and_kernel_learning():
    fig, ax = plt.subplots()
    assert cl.plotting.draw_dilated_stack(ax, [1, 2, 4, 8]) == 16
    assert cl.plotting.draw_dilated_stack(ax, [1, 1, 1], kernel_size=3) == 7
    plt.close(fig)
    fig = plt.figure()
    kernels = np.zeros((3, 3, 3))
    cl.plotting.draw_kernel_learning(fig, kernels, np.array([1.0, 0.5, 0.1]), 2,
                                     np.ones((3, 3)))
    assert len(fig.axes) == 3 and fig.axes[0].get_title() == "step 2"
    plt.close(fig)


@pytest.mark.parametrize("dilations", [(2, 2, 2), (1, 2, 5), (1, 2, 9), (2, 3)])
def test_dilation_coverage_counts_the_pixels_that_reach_the_output(dilations):
    """Oracle: perturb every input pixel of a stack of conv2d layers (kernels of
    ones, sized to give one output) and count the pixels that change it."""
    fig = plt.figure()
    [(reached, span)] = cl.plotting.draw_dilation_coverage(fig, [dilations])
    assert len(fig.axes) == 2                      # the panel and its colorbar
    plt.close(fig)
    r = cl.receptive_field([3] * len(dilations), dilations=dilations)
    y = np.eye(r * r).reshape(r * r, 1, r, r)
    for d in dilations:
        y = nn.conv2d(y, np.ones((1, 1, 3, 3)), dilation=d)
    assert y.shape[-2:] == (1, 1)
    assert (span, reached) == (r * r, np.count_nonzero(y))


def test_field_windows_are_what_a_perturbation_changes():
    """Oracle: add 1 to each input pixel of a stride-2 stack with positive weights and
    record which outputs change; the clipped squares drawn must be those pixels."""
    layers = [(5, 2, 2), (3, 2, 1)]                         # (k, s, p)
    g = cl.receptive_field_geometry(*zip(*layers))[-1]
    rng = np.random.default_rng(3)
    ws = [rng.uniform(0.5, 1.5, (1, 1, k, k)) for k, _, _ in layers]

    def run(x):
        for w, (_, s, p) in zip(ws, layers):
            x = nn.conv2d(x, w, stride=s, padding=p)
        return x

    n, outputs = 16, [(0, 0), (1, 2), (3, 3)]
    x = rng.uniform(0, 1, (1, 1, n, n))
    bumped = run(x + np.eye(n * n).reshape(-1, 1, n, n))
    changed = np.abs(bumped - run(x))[:, 0] > 1e-9
    reads = [changed[:, i, j].reshape(n, n) for i, j in outputs]
    fig, ax = plt.subplots()
    masks = cl.plotting.draw_field_windows(ax, n, g, outputs, reads)
    assert len(ax.patches) == 1 + len(outputs)              # border + one per output
    plt.close(fig)
    for mask, read in zip(masks, reads):
        np.testing.assert_array_equal(mask, read)
