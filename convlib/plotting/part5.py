"""Figures of Part V, beyond the dense grid (chapters 14-16): sparse layers, tiles with
halos, PixelCNN receptive fields."""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from ..masked import pixelcnn_receptive_field
from ..sparse import densify, grow_active
from ..tiled import read_window, tile_slices
from .core import GRID_IN, GRID_IN_HI, GRID_OUT_HI

__all__ = ["draw_sparse_layers", "draw_tile_halo", "draw_pixelcnn_field",
           "draw_causal_fields", "show_sparse_sites"]


def draw_sparse_layers(fig: Figure, coords: np.ndarray, shape: tuple[int, int],
                       layers: int, kernel_size: int = 3) -> dict[str, Any]:
    """Active sites after ``layers`` regular vs submanifold sparse 3x3 convolutions.

    Returns ``{'regular': n, 'submanifold': m}``, the numbers of active sites drawn.
    """
    counts = {}
    axes = fig.subplots(1, 2)
    for ax, sub in zip(axes, (False, True)):
        name = "submanifold" if sub else "regular"
        active = grow_active(coords, layers, kernel_size, shape=shape, submanifold=sub)
        grid = densify(active, np.ones((len(active), 1), dtype=int), shape)[0]
        grid = grid + densify(coords, np.ones((len(coords), 1), dtype=int), shape)[0]
        ax.imshow(grid, cmap="Blues", vmin=0, vmax=2)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name}: {len(active)} active sites", fontsize=9)
        counts[name] = len(active)
    fig.suptitle(f"after {layers} layer(s) of {kernel_size}x{kernel_size} convolution "
                 "(dark: the input sites)", fontsize=9)
    return counts


def draw_tile_halo(fig: Figure, shape: tuple[int, int], tile_shape: tuple[int, int],
                   kernel_shape: tuple[int, int], index: int) -> tuple[Any, ...]:
    """The output tiles of an image and the input window (tile + halo) of tile ``index``.

    'same' mode. Returns the read window ``((r0, r1), (c0, c1))`` of that tile.
    """
    from matplotlib.patches import Rectangle

    tiles = tile_slices(shape, tile_shape)
    rows, cols = tiles[index]
    (r0, r1), (c0, c1) = window = read_window(rows, cols, shape, kernel_shape, "same")
    ax = fig.subplots()
    ax.add_patch(Rectangle((0, 0), shape[1], shape[0], facecolor=GRID_IN, edgecolor="none"))
    for rr, cc in tiles:
        ax.add_patch(Rectangle((cc.start, rr.start), cc.stop - cc.start,
                               rr.stop - rr.start, fill=False, edgecolor="0.5", lw=0.6))
    ax.add_patch(Rectangle((c0, r0), c1 - c0, r1 - r0, facecolor=GRID_IN_HI, alpha=0.35,
                           edgecolor=GRID_IN_HI, ls="--", lw=1.5, label="read: tile + halo"))
    ax.add_patch(Rectangle((cols.start, rows.start), cols.stop - cols.start,
                           rows.stop - rows.start, facecolor=GRID_OUT_HI, alpha=0.8,
                           edgecolor="k", label="output tile"))
    pad = max(kernel_shape)
    ax.set_xlim(-pad, shape[1] + pad)
    ax.set_ylim(shape[0] + pad, -pad)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
    ax.set_title(f"tile {index + 1} of {len(tiles)}: rows {r0}..{r1 - 1}, "
                 f"cols {c0}..{c1 - 1}", fontsize=9)
    return window


def draw_pixelcnn_field(fig: Figure, layers: int, size: int = 11,
                        kernel_size: int = 3) -> dict[str, int]:
    """Which earlier pixels the centre pixel sees after ``layers`` PixelCNN masked layers.

    Every pixel before the centre in raster order is one of three kinds, in colours that
    stay distinct under the common colour-vision deficiencies (Okabe-Ito blue, yellow,
    vermillion): *seen* (in the receptive field of ``layers`` layers), *not yet* (reached
    by a deeper stack) and *never* (the blind spot: above-right pixels that no stack of
    masked layers reaches inside the ``size x size`` image). The centre is black, later
    pixels white. Returns the three counts, keyed ``'seen'``, ``'not yet'``, ``'never'``.
    """
    from matplotlib.patches import Patch

    centre = (size // 2, size // 2)
    field = pixelcnn_receptive_field((size, size), centre, layers, kernel_size)
    # each layer reaches kernel_size // 2 rows up and columns left: size layers cover
    # everything any depth reaches inside the image
    ever = pixelcnn_receptive_field((size, size), centre, size, kernel_size)
    before = np.arange(size * size).reshape(size, size) < centre[0] * size + centre[1]
    kinds = {"seen": field, "not yet": ever & ~field, "never": before & ~ever}
    colors = {"seen": "#0072B2", "not yet": "#F0E442", "never": "#D55E00"}
    img = np.select(list(kinds.values()), [1, 2, 3], 0)
    img[centre] = 4
    ax = fig.subplots()
    ax.imshow(img, cmap=matplotlib.colors.ListedColormap(
        ["white", *colors.values(), "black"]), vmin=-0.5, vmax=4.5)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
    counts = {name: int(mask.sum()) for name, mask in kinds.items()}
    ax.legend(handles=[Patch(facecolor=colors[n], edgecolor="0.3", label=f"{n}: {c}")
                       for n, c in counts.items()],
              loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
              title="earlier pixels", title_fontsize=8, frameon=False)
    ax.set_title(f"{layers} layer(s): sees {counts['seen']} pixels", fontsize=9)
    return counts


def draw_causal_fields(fig: Figure, fields: dict[str, np.ndarray],
                       pixel: tuple[int, int]) -> dict[str, int]:
    """Receptive fields of one output ``pixel``, one panel per model, side by side.

    ``fields`` maps a panel title to a boolean ``(H, W)`` field (e.g. measured with
    :func:`convlib.pixelcnn.perturbation_field`). Each earlier pixel in raster order is
    *seen* (Okabe-Ito blue) or *unseen* (vermillion, hatched); the pixel is black, later
    pixels white. Returns the number of unseen earlier pixels per panel.
    """
    from matplotlib.patches import Patch

    colors = {"seen": "#0072B2", "unseen": "#D55E00"}
    axes = np.atleast_1d(fig.subplots(1, len(fields)))
    unseen = {}
    for ax, (title, field) in zip(axes, fields.items()):
        H, W = field.shape
        before = np.arange(H * W).reshape(H, W) < pixel[0] * W + pixel[1]
        img = np.select([before & field, before & ~field], [1, 2], 0)
        img[pixel] = 3
        ax.imshow(img, cmap=matplotlib.colors.ListedColormap(
            ["white", *colors.values(), "black"]), vmin=-0.5, vmax=3.5)
        rows, cols = np.nonzero(before & ~field)
        ax.scatter(cols, rows, marker="x", s=12, color="k", lw=0.8)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
        unseen[title] = int((before & ~field).sum())
        ax.set_title(f"{title}\n{unseen[title]} earlier pixels unseen", fontsize=9)
    axes[-1].legend(handles=[Patch(facecolor=colors["seen"], label="seen"),
                             Patch(facecolor=colors["unseen"], label="unseen (x)"),
                             Patch(facecolor="black", label="the pixel")],
                    loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
                    frameon=False)
    return unseen


def show_sparse_sites(ax: Axes, coords: np.ndarray, values: np.ndarray,
                      shape: tuple[int, int], title: str | None = None, *,
                      cmap: str = "viridis", symmetric: bool = False,
                      vmax: float | None = None) -> AxesImage:
    """One channel of a sparse 2-D grid: active sites coloured by ``values``.

    Inactive cells are left blank (light grey), so a zero *value* and *no site* look
    different. ``symmetric`` centres the colour scale on zero (for a diverging ``cmap``
    such as ``'RdBu'``); ``vmax`` caps the scale (``[-vmax, vmax]`` if symmetric), for
    values with a few large outliers. Returns the image, for a colour bar.
    """
    grid = np.full(shape, np.nan)
    grid[tuple(np.asarray(coords).T)] = values
    vmin, top = np.nanmin(grid), np.nanmax(grid)
    if symmetric:
        top = vmax if vmax is not None else (max(abs(vmin), abs(top)) or 1.0)
        vmin = -top
    elif vmax is not None:
        top = vmax
    vmax = top
    colours = matplotlib.colormaps[cmap].with_extremes(bad="0.9")
    im = ax.imshow(np.ma.masked_invalid(grid), cmap=colours, vmin=vmin, vmax=vmax,
                   interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return im
