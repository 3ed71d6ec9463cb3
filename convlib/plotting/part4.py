"""Figures of Part IV, convolution in neural networks (chapters 10-13): convolution
grids and arithmetic, group connectivity, transposed overlap, dilated stacks, learning a
kernel."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..nn.arithmetic import window_indices, windows_containing
from ..nn.layers import conv2d
from ..nn.transposed import conv_transpose1d, conv_transpose2d
from ..shapes import (RFGeometry, conv_output_size, receptive_field,
                      receptive_field_paths)
from .core import COLORS, GRID_IN, GRID_IN_HI, GRID_OUT, GRID_OUT_HI, show_image

__all__ = ["draw_conv_grid", "draw_conv_arithmetic", "draw_group_connectivity",
           "draw_transposed_overlap", "draw_dilated_stack", "draw_kernel_learning",
           "draw_roofline", "draw_phase_decomposition", "draw_dilation_coverage",
           "draw_field_windows", "draw_annotated_grids", "draw_gradient_check",
           "draw_learning_curve"]


def _cell(ax: Axes, x: float, y: float, face: str, *, dashed: bool = False,
          hatch: str | None = None) -> None:
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x, y), 1, 1, facecolor=face, edgecolor="0.35",
                           lw=0.8, ls="--" if dashed else "-", hatch=hatch))


def draw_conv_grid(ax: Axes, n: int, kernel_size: int, stride: int = 1,
                   padding: int = 0, dilation: int = 1, cell: tuple[int, int] = (0, 0),
                   pick: str = "output") -> tuple[np.ndarray, np.ndarray]:
    """Dumoulin & Visin's picture of a 2-D convolution on an ``n x n`` input.

    The padded input is drawn on the left (padding cells white and dashed; input cells
    that no window reads hatched), the output on the right. With ``pick='output'``, ``cell`` is an output position and the input
    cells its window reads are dark blue; with ``pick='input'``, ``cell`` is an input
    position and the outputs whose windows read it are dark green. Positions come from
    :func:`convlib.nn.window_indices` and :func:`convlib.nn.windows_containing`.

    Returns
    -------
    (ndarray, ndarray)
        The highlighted rows and columns (input coordinates for ``pick='output'``,
        output coordinates for ``pick='input'``).
    """
    args = (n, kernel_size, stride, padding, dilation)
    L = conv_output_size(*args)
    r, c = cell
    if pick == "output":
        rows, cols = window_indices(r, *args), window_indices(c, *args)
        in_hi = {(i, j) for i in rows for j in cols}
        out_hi = {(r, c)}
    else:
        rows, cols = windows_containing(r, *args), windows_containing(c, *args)
        in_hi = {(r, c)}
        out_hi = {(i, j) for i in rows for j in cols}
    size = n + 2 * padding
    read = {int(t) for o in range(L) for t in window_indices(o, *args)}   # per axis
    for i in range(-padding, n + padding):
        for j in range(-padding, n + padding):
            inside = 0 <= i < n and 0 <= j < n
            face = GRID_IN_HI if (i, j) in in_hi else (GRID_IN if inside else "white")
            unread = inside and not (i in read and j in read)
            _cell(ax, j + padding, -(i + padding), face, dashed=not inside,
                  hatch="////" if unread else None)
    x0, y0 = size + 1.5, -(size - L) / 2
    for i in range(L):
        for j in range(L):
            _cell(ax, x0 + j, y0 - i, GRID_OUT_HI if (i, j) in out_hi else GRID_OUT)
    ax.set_xlim(-0.3, x0 + L + 0.3)
    ax.set_ylim(-size + 0.7, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"n={n} k={kernel_size} s={stride} p={padding} d={dilation}"
                 f" → {L}×{L}", fontsize=9)
    return rows, cols


def draw_conv_arithmetic(fig: Figure, n: int = 5, kernel_size: int = 3, stride: int = 1,
                         padding: int = 0, dilation: int = 1, row: int = 0, col: int = 0,
                         pick: str = "output") -> None:
    """Chapter 11's widget state: :func:`draw_conv_grid` on one axes of ``fig``.

    ``row`` and ``col`` are clipped to the output (``pick='output'``) or the input
    (``pick='input'``), so the live sliders never pick a cell that does not exist.
    Impossible settings (kernel larger than the padded input) draw a message instead.
    """
    ax = fig.subplots()
    span = dilation * (kernel_size - 1) + 1
    if n + 2 * padding < span:
        ax.axis("off")
        ax.text(0.5, 0.5, f"the dilated kernel ({span}) does not fit in the padded "
                f"input ({n + 2 * padding})", ha="center", va="center")
        return
    limit = conv_output_size(n, kernel_size, stride, padding, dilation) \
        if pick == "output" else n
    cell = (min(row, limit - 1), min(col, limit - 1))
    draw_conv_grid(ax, n, kernel_size, stride, padding, dilation, cell, pick)


def draw_group_connectivity(fig: Figure, groups: int, in_channels: int = 8,
                            out_channels: int = 8, kernel_size: int = 3) -> None:
    """Which input channels each output channel of a grouped convolution reads.

    A ``C_out x C_in`` grid, dark where output channel ``o`` reads input channel ``c``
    (block diagonal: ``groups`` blocks), titled with the weight count
    ``C_out * (C_in / groups) * k * k`` and its fraction of the dense layer's.
    """
    # connectivity, measured: a channel o reads c iff an impulse in c reaches o
    weight = np.ones((out_channels, in_channels // groups, 1, 1))
    reads = np.stack([conv2d(np.eye(in_channels)[c].reshape(1, -1, 1, 1), weight,
                             groups=groups)[0, :, 0, 0] for c in range(in_channels)], 1)
    ax = fig.subplots()
    ax.imshow(reads > 0, cmap="Greens", vmin=0, vmax=1.3)
    ax.set_xticks(range(in_channels))
    ax.set_yticks(range(out_channels))
    ax.set_xlabel("input channel c")
    ax.set_ylabel("output channel o")
    params = out_channels * (in_channels // groups) * kernel_size ** 2
    dense = out_channels * in_channels * kernel_size ** 2
    ax.set_title(f"groups={groups}: {params} weights ({params / dense:.3g} of dense)",
                 fontsize=9)


def draw_transposed_overlap(fig: Figure, stride: int, kernel_size: int = 3,
                            n: int = 6) -> np.ndarray:
    """How many kernel copies cover each output of a transposed convolution.

    Left: the 1-D copies (one row per input sample) and their sum; right: the 2-D count
    map ``conv_transpose2d(ones, ones, stride)``, a checkerboard whenever ``stride``
    does not divide ``kernel_size``.

    Returns
    -------
    ndarray of shape (H_out, W_out)
        The 2-D count map.
    """
    counts1 = conv_transpose1d(np.ones((1, 1, n)), np.ones((1, 1, kernel_size)),
                               stride=stride)[0, 0]
    counts2 = conv_transpose2d(np.ones((1, 1, n, n)),
                               np.ones((1, 1, kernel_size, kernel_size)),
                               stride=stride)[0, 0]
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    base = counts1.max() + 1
    for i in range(n):
        ax1.barh(base + 0.8 * i, kernel_size - 0.2, left=i * stride - 0.4, height=0.6,
                 color=COLORS["h"], alpha=0.6)
    ax1.bar(np.arange(len(counts1)), counts1, color=COLORS["y"], width=0.8)
    ax1.set_yticks(range(int(counts1.max()) + 1))
    ax1.set_ylabel("overlap (copies)")
    ax1.set_xlabel("output position")
    ax1.set_title(f"k={kernel_size}, stride={stride}: copies (top), overlap (bottom)",
                  fontsize=9)
    im = ax2.imshow(counts2, cmap="viridis", vmin=0, vmax=max(4, counts2.max()))
    ax2.set_xticks([])
    ax2.set_yticks([])
    ax2.set_title(f"2-D overlap: {counts2.min():g} to {counts2.max():g}", fontsize=9)
    fig.colorbar(im, ax=ax2, shrink=0.7, label="copies")
    return counts2


def draw_dilated_stack(ax: Axes, dilations: Sequence[int], kernel_size: int = 2,
                       length: int | None = None) -> int:
    """A causal stack of dilated 1-D convolutions (WaveNet) and one output's tree.

    Row 0 is the input, row ``l`` the output of layer ``l``. Every node is a grey dot;
    the nodes that the last output of the top layer depends on are coloured and joined
    to the inputs they read (causal: each reads itself and ``kernel_size - 1`` earlier
    nodes, ``dilation`` apart).

    Returns
    -------
    int
        The number of input samples in the last output's receptive field.
    """
    r = receptive_field([kernel_size] * len(dilations), dilations=dilations)
    length = length or r + 2
    top = length - 1
    needed = {top}
    for level in range(len(dilations), 0, -1):
        d = dilations[level - 1]
        below = set()
        for t in needed:
            for i in range(kernel_size):
                src = t - d * i
                if src >= 0:
                    ax.plot([src, t], [level - 1, level], color=COLORS["h"], lw=0.9)
                    below.add(src)
        ax.plot(sorted(needed), [level] * len(needed), "o", color=COLORS["h"], ms=5)
        needed = below
    for level in range(len(dilations) + 1):
        ax.plot(range(length), [level] * length, "o", color="0.8", ms=3, zorder=0)
    ax.plot(sorted(needed), [0] * len(needed), "o", color=COLORS["x"], ms=5)
    ax.set_yticks(range(len(dilations) + 1),
                  ["input"] + [f"d={d}" for d in dilations])
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("time")
    ax.set_title(f"receptive field of the last output: {r} samples", fontsize=9)
    return len(needed)


def draw_kernel_learning(fig: Figure, kernels: np.ndarray, losses: np.ndarray,
                         step: int, target: np.ndarray) -> None:
    """Gradient descent recovering a kernel: the estimate at ``step``, the target, and
    the loss curve with the current step marked (chapter 13's widget)."""
    ax1, ax2, ax3 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.6]})
    lim = np.abs(target).max()
    for ax, k, title in ((ax1, kernels[step], f"step {step}"), (ax2, target, "target")):
        show_image(ax, k, title, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (i, j), v in np.ndenumerate(k):  # round(...) + 0.0: no "-0.0" labels
            ax.text(j, i, f"{round(v, 1) + 0.0:.1f}", ha="center", va="center",
                    fontsize=7, color="white" if abs(v) > 0.6 * lim else "black")
    ax3.semilogy(losses, color=COLORS["grey"])
    ax3.semilogy([step], [losses[step]], "o", color=COLORS["h"])
    ax3.set_xlabel("step")
    ax3.set_ylabel("loss")


#: Markers of the layer variants in chapter 10's roofline (shape as well as colour).
_VARIANT_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")


def draw_roofline(ax: Axes, peak: float, bandwidth: float,
                  intensities: dict[str, float],
                  achieved: dict[str, float] | None = None) -> list[float]:
    """The roofline model (Williams, Waterman and Patterson 2009) with layers on it.

    Draws the attainable performance ``min(peak, bandwidth * I)`` in GFLOP/s against
    the arithmetic intensity ``I`` in FLOP/byte on log-log axes, the ridge point
    ``peak / bandwidth`` where the two limits meet, and one marker per layer at its
    intensity on the roof (hollow) and, if ``achieved`` gives its measured GFLOP/s,
    there too (filled, same marker). Returns the roof's height at each layer's
    intensity (chapter 10).
    """
    ridge = peak / bandwidth
    lo = min(min(intensities.values()), ridge) / 4
    hi = max(max(intensities.values()), ridge) * 4
    grid = np.geomspace(lo, hi, 200)
    ax.loglog(grid, np.minimum(peak, bandwidth * grid), color=COLORS["grey"], lw=1.5)
    ax.axvline(ridge, color=COLORS["grey"], ls=":", lw=1)
    ax.annotate(f"ridge {ridge:.3g} FLOP/B", (ridge, peak), xytext=(4, -12),
                textcoords="offset points", fontsize=8)
    roofs = []
    for (name, i), marker in zip(intensities.items(), _VARIANT_MARKERS):
        roof = min(peak, bandwidth * i)
        roofs.append(roof)
        line, = ax.loglog([i], [roof], marker, mfc="none", ms=7, label=name)
        if achieved is not None and name in achieved:
            ax.loglog([i], [achieved[name]], marker, color=line.get_color(), ms=6)
    ax.set_xlabel("arithmetic intensity (FLOP per byte)")
    ax.set_ylabel("GFLOP/s")
    ax.legend(fontsize=7, loc="lower right")
    return roofs


# Okabe and Ito's colour-blind-safe qualitative palette, one colour per output phase.
_PHASE_COLORS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                "#CC79A7", "#999999", "#FFFFFF"]


def _phase_cell(ax: Axes, x: float, y: float, phase: int, text: str) -> None:
    _cell(ax, x, y, _PHASE_COLORS[phase % len(_PHASE_COLORS)])
    ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize=8)


def draw_phase_decomposition(fig: Figure, stride: int, kernel_size: int = 3,
                             n: int = 3) -> np.ndarray:
    """The phase decomposition of a stride-``stride`` transposed convolution in 2-D.

    Left: the ``kernel_size x kernel_size`` kernel, each tap coloured and labelled
    (``"ij"``) by its phase ``(i mod s, j mod s)``. Right: the output of an ``n x n``
    input of ones with a kernel of ones, each sample coloured by its phase ``(m mod s,
    m' mod s)`` and labelled with the number of kernel copies it receives
    (:func:`convlib.nn.conv_transpose2d`); away from the border that number is the
    count of the phase's taps. Colours come from a colour-blind-safe palette and the
    labels carry the same information.

    Returns
    -------
    ndarray of shape (stride, stride)
        The number of kernel taps of each phase, ``ceil((k - i)/s) * ceil((k - j)/s)``.
    """
    s, k = stride, kernel_size
    counts = conv_transpose2d(np.ones((1, 1, n, n)), np.ones((1, 1, k, k)),
                              stride=s)[0, 0]
    taps = np.zeros((s, s), dtype=int)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [k, counts.shape[1]]})
    for i in range(k):
        for j in range(k):
            taps[i % s, j % s] += 1
            _phase_cell(ax1, j, -i, (i % s) * s + j % s, f"{i % s}{j % s}")
    for m in range(counts.shape[0]):
        for q in range(counts.shape[1]):
            _phase_cell(ax2, q, -m, (m % s) * s + q % s, f"{counts[m, q]:g}")
    for ax, size, title in [(ax1, k, f"{k}×{k} kernel: taps by phase"),
                            (ax2, counts.shape[0], f"output (stride {s}): copies")]:
        ax.set_xlim(-0.2, size + 0.2)
        ax.set_ylim(-size + 0.8, 1.2)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=9)
    return taps


def draw_dilation_coverage(fig: Figure, stacks: Sequence[Sequence[int]],
                           kernel_size: int = 3) -> list[tuple[int, int]]:
    """Which input pixels reach one output of a stack of dilated 2-D layers (gridding).

    One panel per stack of dilation rates (``kernel_size`` x ``kernel_size`` kernels,
    stride 1): the number of tap paths from the central output to each input pixel of
    its receptive field (:func:`convlib.receptive_field_paths`, outer product of the
    per-axis counts) on a shared colour scale; pixels of the field that no path
    reaches are left hatched. All panels share the axis limits, so the fields' sizes
    compare.

    Returns
    -------
    list of (int, int)
        Per stack: the number of input pixels reached and the number in the field's
        square span (``r * r``).
    """
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    counts = [np.outer(c, c) for c in (receptive_field_paths(
        [kernel_size] * len(d), dilations=list(d)) for d in stacks)]
    half = max(len(c) for c in counts) / 2
    axes = fig.subplots(1, len(stacks), squeeze=False)[0]
    norm = Normalize(1, max(int(c.max()) for c in counts))
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad=(0, 0, 0, 0))
    out = []
    for ax, d, c in zip(axes, stacks, counts):
        h = len(c) / 2
        ax.add_patch(Rectangle((-h, -h), 2 * h, 2 * h, fill=False, hatch="///",
                               ec="0.6", lw=0, zorder=0))
        image = ax.imshow(np.ma.masked_equal(c, 0), cmap=cmap, norm=norm,
                          extent=(-h, h, h, -h), interpolation="nearest", zorder=1)
        ax.set(xlim=(-half, half), ylim=(half, -half), xticks=[], yticks=[])
        ax.spines[:].set_visible(True)
        reached = int(np.count_nonzero(c))
        ax.set_title(f"d = {', '.join(map(str, d))}\n{reached} of {c.size} pixels",
                     fontsize=8)
        out.append((reached, c.size))
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="paths to the output")
    return out


def draw_field_windows(ax: Axes, n: int, geometry: RFGeometry,
                       outputs: Sequence[tuple[int, int]],
                       reads: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """Where the receptive fields of some outputs lie on an ``n x n`` input.

    For each output ``(i, j)``: the square that ``geometry`` (the last layer's
    :class:`convlib.RFGeometry`, the same along both axes) predicts, outlined with a
    dashed, dotted or dash-dotted line in turn (it may reach into the padding, outside
    the solid image border), and its centre (a cross). ``reads``, if given, holds one boolean ``n x n`` mask per output, the
    pixels found to change it, filled in that output's colour.

    Returns
    -------
    list of ndarray of bool
        Per output, the predicted square clipped to the image.
    """
    from matplotlib.patches import Rectangle

    colours = matplotlib.colormaps["viridis"](np.linspace(0.1, 0.8, len(outputs)))
    ax.add_patch(Rectangle((-0.5, -0.5), n, n, fill=False, ec="k", lw=1.2))
    masks = []
    for m, ((i, j), colour) in enumerate(zip(outputs, colours)):
        r0, c0, size = geometry.start + i * geometry.jump, \
            geometry.start + j * geometry.jump, geometry.size
        if reads is not None:
            rows, cols = np.nonzero(reads[m])
            ax.scatter(cols, rows, s=14, marker="s", color=colour, alpha=0.45, lw=0)
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), size, size, fill=False, ec=colour,
                               ls=("--", ":", "-.")[m % 3], lw=1.6))
        ax.plot(geometry.center + j * geometry.jump, geometry.center + i * geometry.jump,
                "x", color=colour, ms=7, mew=2, label=f"output ({i}, {j})")
        mask = np.zeros((n, n), dtype=bool)
        mask[max(r0, 0):r0 + size, max(c0, 0):c0 + size] = True
        masks.append(mask)
    pad = geometry.size
    ax.set(xlim=(-pad, n + pad / 2), ylim=(n + pad / 2, -pad), aspect="equal",
           xlabel="input column", ylabel="input row")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    return masks


def draw_annotated_grids(fig: Figure, arrays: Sequence[np.ndarray], titles: Sequence[str],
                         fmt: str = "{:.0f}") -> list[Axes]:
    """Small 2-D arrays side by side, each value written in its cell, on a diverging
    scale symmetric about zero per panel (chapter 13's strided weight gradient by hand).

    Returns the axes, one per array.
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    axes = np.atleast_1d(fig.subplots(1, len(arrays), gridspec_kw={
        "width_ratios": [a.shape[1] for a in arrays]}))
    for ax, a, title in zip(axes, arrays, titles):
        lim = max(float(np.abs(a).max()), 1e-12)
        show_image(ax, a, title, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (i, j), v in np.ndenumerate(a):  # + 0.0: no "-0" labels
            ax.text(j, i, fmt.format(v + 0.0), ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * lim else "black")
    return list(axes)


def draw_gradient_check(ax: Axes, gradients: dict[str, np.ndarray],
                        errors: dict[str, np.ndarray], rounding: float,
                        thresholds: Sequence[float] = (1e-7, 1e-4, 1e-2)) -> None:
    """Relative error of each gradient element against the gradient's size, log-log.

    One marker per parameter (``gradients`` and ``errors`` share keys); the line
    ``rounding / |g|`` is what an absolute error of ``rounding`` gives; ``thresholds``
    (CS231n's, by default) are dotted. Elements with a zero error or gradient are
    left out (a log axis has no zero).
    """
    sizes = np.concatenate([np.abs(g).ravel() for g in gradients.values()])
    for (name, g), marker in zip(gradients.items(), ("o", "s", "^", "D", "v")):
        a, e = np.abs(g).ravel(), np.asarray(errors[name]).ravel()
        keep = (a > 0) & (e > 0)
        ax.loglog(a[keep], e[keep], marker, ms=3.5, alpha=0.7, ls="none", label=name)
    span = np.geomspace(sizes[sizes > 0].min(), sizes.max(), 50)
    ax.loglog(span, rounding / span, "k-", lw=1, label="rounding / |gradient|")
    for t in thresholds:
        ax.axhline(t, color="0.5", ls=":", lw=1)
        ax.text(span[-1], t, f"{t:.0e}", ha="right", va="bottom", fontsize=7, color="0.3")
    ax.set_xlabel("|gradient| of the element")
    ax.set_ylabel("relative error")
    ax.legend(fontsize=7, loc="lower left")


def draw_learning_curve(fig: Figure, train_loss: Sequence[float],
                        accuracy: dict[str, Sequence[float]], chance: float) -> None:
    """Training loss and accuracies per epoch, side by side, with the chance level.

    ``accuracy`` maps a curve's label (e.g. "train", "test") to one value per epoch;
    curves differ by marker and line style as well as colour.
    """
    ax1, ax2 = fig.subplots(1, 2)
    epochs = np.arange(1, len(train_loss) + 1)
    ax1.plot(epochs, train_loss, "o-", color=COLORS["grey"])
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss (epoch mean)")
    for (label, acc), marker, ls in zip(accuracy.items(), "s^Dv", ("-", "--", "-.")):
        ax2.plot(epochs, acc, marker=marker, ls=ls, label=label)
    ax2.axhline(chance, color="0.5", ls=":", label="chance")
    ax2.set_ylim(0, 1.02)
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.legend(fontsize=7, loc="lower right")
    for ax in (ax1, ax2):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
