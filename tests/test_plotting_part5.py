"""Part V widgets: drive the draw and state functions of chapters 14-16 directly."""

import numpy as np
import pytest

import convlib as cl
from convlib import masked, sparse


@pytest.mark.parametrize("layers", [0, 1, 2, 4])
def test_draw_sparse_layers(fig, layers):
    coords = np.array([[8, 8], [8, 9], [20, 24]])
    counts = cl.plotting.draw_sparse_layers(fig, coords, (32, 32), layers)
    # a 3x3 'same' layer grows each isolated site to a (2L+1)^2 square (no clipping
    # here); the two adjacent sites give a (2L+1) x (2L+2) rectangle
    side = 2 * layers + 1
    assert counts == {"regular": side * (side + 1) + side * side, "submanifold": 3}
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == f"regular: {counts['regular']} active sites"
    assert len(sparse.grow_active(coords, layers, shape=(32, 32))) == counts["regular"]


@pytest.mark.parametrize("index", [0, 1, 5, 11])
def test_draw_tile_halo(fig, index):
    window = cl.plotting.draw_tile_halo(fig, (40, 60), (16, 16), (5, 5), index)
    r, c = divmod(index, 4)                              # 3 x 4 tiles
    assert window == ((16 * r - 2, min(16 * r + 16, 40) + 2),
                      (16 * c - 2, min(16 * c + 16, 60) + 2))
    assert fig.axes[0].get_title().startswith(f"tile {index + 1} of 12")


@pytest.mark.parametrize("layers", [1, 2, 3, 5])
def test_draw_pixelcnn_field(fig, layers):
    counts = cl.plotting.draw_pixelcnn_field(fig, layers, size=11)
    field = masked.pixelcnn_receptive_field((11, 11), (5, 5), layers)
    # the field grows up and left by one pixel per layer, never right of the diagonal
    rows = np.flatnonzero(field.any(axis=1))
    assert rows[0] == 5 - layers and rows[-1] == 5
    assert field[5, 5 - layers] and not field[5, 5]
    assert not field[5 - 1, 5 + 2] or layers >= 2
    # the 60 earlier pixels split into seen / not yet / never; the blind spot (column
    # offset larger than row offset, up to 4 + 3 + 2 + 1 pixels) never changes
    assert counts["seen"] == field.sum() and sum(counts.values()) == 5 * 11 + 5
    assert counts["never"] == 10 and counts["not yet"] == (0 if layers >= 5 else
                                                           50 - field.sum())
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:3] == [f"{k}: {v}" for k, v in counts.items()]
    assert f"{layers} layer(s): sees {int(field.sum())} pixels" in \
        fig.axes[0].get_title()


def test_draw_causal_fields(fig):
    field = masked.pixelcnn_receptive_field((7, 7), (3, 3), 2)
    everything = np.arange(49).reshape(7, 7) < 3 * 7 + 3
    unseen = cl.plotting.draw_causal_fields(
        fig, {"masked": field, "all": everything}, (3, 3))
    assert unseen == {"masked": int((everything & ~field).sum()), "all": 0}
    assert unseen["masked"] > 0 and len(fig.axes) == 2
    assert fig.axes[1].get_title() == "all\n0 earlier pixels unseen"
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert labels == ["seen", "unseen (x)", "the pixel"]


@pytest.mark.parametrize("symmetric", [False, True])
def test_show_sparse_sites(fig, symmetric):
    ax = fig.subplots()
    coords = np.array([[0, 1], [2, 2]])
    im = cl.plotting.show_sparse_sites(ax, coords, np.array([-1.0, 3.0]), (3, 4),
                                       "sites", cmap="RdBu", symmetric=symmetric)
    data = im.get_array()
    assert data.shape == (3, 4) and ax.get_title() == "sites"
    assert data.mask.sum() == 10 and data[0, 1] == -1.0 and data[2, 2] == 3.0
    assert im.get_clim() == ((-3.0, 3.0) if symmetric else (-1.0, 3.0))
    capped = cl.plotting.show_sparse_sites(ax, coords, np.array([-1.0, 3.0]), (3, 4),
                                           symmetric=symmetric, vmax=2.0)
    assert capped.get_clim() == ((-2.0, 2.0) if symmetric else (-1.0, 2.0))
