"""Figures of Part III, convolution as matrix multiplication (chapters 7-9): sparse
matrices, matrix rows, im2col patches, the Winograd trade-off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._typing import Mode
from ..im2col import im2col, indirection_buffer, patch_taps
from ..matrices import convolution_matrix
from .core import COLORS, stem

__all__ = ["show_sparse_matrix", "draw_matrix_row", "draw_im2col_patch",
           "draw_winograd_tradeoff", "plot_singular_values",
           "draw_winograd_layer_ops", "draw_winograd_half_errors",
           "plot_copy_gemm_shares", "draw_indirection_vs_im2col"]


def show_sparse_matrix(ax: Axes, M: np.ndarray, title: str | None = None, *,
                       annotate: bool = True, blocks: tuple[int, int] | None = None,
                       fmt: str = "{:g}", cmap: str = "RdBu_r",
                       fontsize: float = 7) -> None:
    """A structured matrix as coloured cells, zero cells blank (Toeplitz bands, blocks).

    Unlike :func:`show_matrix`, zeros are left white and unlabelled, so the pattern of
    non-zeros (a band, a block-Toeplitz grid) stands out.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    M : ndarray of shape (R, C)
        Real values (symmetric colour scale around 0).
    title : str, optional
    annotate : bool
        Write each non-zero value in its cell.
    blocks : (int, int), optional
        Block shape ``(r, c)``: draws lines between blocks (block-Toeplitz structure).
    fmt : str
        Format of the annotations.
    """
    M = np.asarray(M)
    vmax = float(np.abs(M).max()) or 1.0
    shown = np.where(M != 0, M, np.nan).astype(float)
    im = ax.imshow(shown, cmap=cmap, vmin=-vmax, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, M.shape[1] - 0.5)
    ax.set_ylim(M.shape[0] - 0.5, -0.5)
    for spine in ax.spines.values():
        spine.set_visible(True)
    if annotate:
        for (i, j), v in np.ndenumerate(M):
            if v != 0:
                r, g, b, _ = im.cmap(im.norm(float(v)))  # type: ignore[arg-type]
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # perceived luminance
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                        color="white" if dark else "black")
    if blocks is not None:
        r, c = blocks
        for i in range(r, M.shape[0], r):
            ax.axhline(i - 0.5, color="k", lw=0.8)
        for j in range(c, M.shape[1], c):
            ax.axvline(j - 0.5, color="k", lw=0.8)
    if title:
        ax.set_title(title, fontsize=9)


def draw_matrix_row(fig: Figure, h: np.ndarray, x: np.ndarray, row: int,
                    mode: Mode = "full") -> dict[str, Any]:
    """Chapter 7: output ``y[row]`` as row ``row`` of the convolution matrix times ``x``.

    Left: the matrix ``T = convolution_matrix(h, len(x), mode)`` with the row outlined.
    Right: ``x`` and the row's weights (the flipped kernel, shifted), whose dot product
    is ``y[row]``.

    Returns
    -------
    dict
        ``{"weights": T[row], "y": T[row] @ x}`` -- the state drawn.
    """
    from matplotlib.patches import Rectangle

    x = np.asarray(x, dtype=float)
    T = convolution_matrix(np.asarray(h, dtype=float), len(x), mode)
    weights = T[row]
    y = float(weights @ x)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.6])
    show_sparse_matrix(ax1, T, f"T ({mode})", annotate=T.size <= 120)
    ax1.add_patch(Rectangle((-0.5, row - 0.5), T.shape[1], 1, fill=False, ec="k", lw=2))
    stem(ax2, x, 0, color=COLORS["x"], label="x[j]")
    j = np.arange(len(x))
    ax2.plot(j, weights, "s", color=COLORS["h"], ms=6, label=f"T[{row}, j]")
    ax2.vlines(j, 0, weights, color=COLORS["h"], lw=1)
    ax2.set_xlabel("j")
    ax2.legend(loc="upper right", fontsize=8)
    ax2.set_title(f"y[{row}] = T[{row}, :] @ x = {y:.3g}", fontsize=9)
    return {"weights": weights, "y": y}


def draw_im2col_patch(fig: Figure, x: np.ndarray, kernel_size: int | tuple[int, int],
                      col: int, stride: int = 1, padding: int = 0,
                      dilation: int = 1) -> dict[str, Any]:
    """Chapter 8: which pixels of a (padded) image become column ``col`` of ``im2col``.

    Left: the zero-padded image with the taps of patch ``col`` outlined. Right: the
    matrix ``im2col(x, kernel_size, ...)`` with column ``col`` outlined.

    Parameters
    ----------
    x : ndarray of shape (H, W)
        One single-channel image.

    Returns
    -------
    dict
        ``{"rows", "cols"}``: the padded-image coordinates of the taps (in im2col's
        row order) and ``"values"``: the pixels there, equal to the drawn column.
    """
    from matplotlib.patches import Rectangle

    x = np.asarray(x)
    cols = im2col(x[None, None], kernel_size, stride, padding, dilation)[0]
    r, c = patch_taps(x.shape, kernel_size, col, stride, padding, dilation)
    p = padding if isinstance(padding, (tuple, list)) else (padding, padding)
    xp = np.pad(x, ((p[0], p[0]), (p[1], p[1])))
    values = xp[r, c]
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.3])
    show_sparse_matrix(ax1, xp, "padded image", cmap="Greys", fontsize=7)
    ax1.imshow(np.where(xp == 0, 0.0, np.nan), cmap="Greys", vmin=0, vmax=4)
    if p[0] or p[1]:
        ax1.add_patch(Rectangle((p[1] - 0.5, p[0] - 0.5), x.shape[1], x.shape[0],
                                fill=False, ec=COLORS["grey"], ls="--"))
    for ri, ci in zip(r, c):
        ax1.add_patch(Rectangle((ci - 0.5, ri - 0.5), 1, 1, fill=False,
                                ec=COLORS["h"], lw=2))
    show_sparse_matrix(ax2, cols, f"im2col: column {col}", cmap="Greys",
                annotate=cols.size <= 200, fontsize=6)
    # show_sparse_matrix leaves zeros blank: write them, so the padding reads as zeros
    for ax, m, size in ((ax1, xp, 7), (ax2, cols if cols.size <= 200 else xp[:0], 6)):
        for i, j in zip(*np.nonzero(m == 0)):
            ax.text(j, i, "0", ha="center", va="center", fontsize=size,
                    color=COLORS["grey"])
    ax2.add_patch(Rectangle((col - 0.5, -0.5), 1, cols.shape[0], fill=False,
                            ec=COLORS["h"], lw=2))
    return {"rows": r, "cols": c, "values": values}


def draw_winograd_tradeoff(fig: Figure, m: int, table: dict[int, dict[str, float]]
                           ) -> dict[str, float]:
    """Chapter 9: multiplications per output against rounding error, for tile ``m``.

    Parameters
    ----------
    m : int
        The tile size highlighted (a key of ``table``).
    table : dict
        ``{m: {"mults": ..., "float32": ..., "float64": ...}}`` as returned by
        :func:`convlib.winograd.winograd_error_table`.

    Returns
    -------
    dict
        ``table[m]``.
    """
    ms = sorted(table)
    mults = [table[k]["mults"] for k in ms]
    ax1, ax2 = fig.subplots(1, 2)
    colors = [COLORS["h"] if k == m else COLORS["grey"] for k in ms]
    ax1.bar(ms, mults, color=colors)
    ax1.axhline(9, color=COLORS["x"], ls="--", label="direct: 9")
    ax1.set_xlabel("output tile m  (F(m x m, 3 x 3))")
    ax1.set_ylabel("multiplications per output")
    ax1.set_xticks(ms)
    ax1.legend(fontsize=8)
    for dtype, marker in (("float32", "o"), ("float64", "s")):
        ax2.semilogy(ms, [table[k][dtype] for k in ms], marker=marker, label=dtype,
                     color=COLORS["y"] if dtype == "float32" else COLORS["x"])
        ax2.plot([m], [table[m][dtype]], marker=marker, ms=12, mfc="none", color="k")
    ax2.set_xlabel("output tile m")
    ax2.set_ylabel("max relative error")
    ax2.set_xticks(ms)
    ax2.legend(fontsize=8)
    row = table[m]
    fig.suptitle(f"F({m}x{m}, 3x3): {row['mults']:.2f} multiplications per output, "
                 f"float32 error {row['float32']:.1e}", fontsize=9)
    return row


def plot_singular_values(ax: Axes, curves: dict[str, np.ndarray], *,
                         floor: float | None = None) -> dict[str, np.ndarray]:
    """Singular values sorted from largest to smallest, one curve per matrix (chapter 7).

    Each curve has its own colour (viridis), marker and line style, so the curves
    stay apart without colour; the y axis is logarithmic.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    curves : dict of str to ndarray of shape (n,)
        Label -> singular values (any order; non-negative).
    floor : float, optional
        Draw a dotted horizontal line at this value (e.g. the rounding level
        ``eps * s_max`` below which singular values are noise).

    Returns
    -------
    dict of str to ndarray
        The sorted (descending) values that were drawn, per label.
    """
    cmap = colormaps["viridis"]
    styles = ("-", "--", "-.", ":")
    markers = ("o", "s", "D", "^", "v", "P")
    drawn = {}
    for i, (label, values) in enumerate(curves.items()):
        s = np.sort(np.asarray(values, dtype=float))[::-1]
        drawn[label] = s
        colour = cmap(0.85 * i / max(len(curves) - 1, 1))
        ax.semilogy(np.arange(1, len(s) + 1), s, ls=styles[i % 4],
                    marker=markers[i % 6], markevery=max(len(s) // 8, 1), ms=4,
                    color=colour, label=label)
    if floor is not None:
        ax.axhline(floor, color=COLORS["grey"], ls=":", lw=1)
    ax.set_xlabel("index k (largest first)")
    ax.set_ylabel("singular value $s_k$")
    ax.legend(fontsize=8)
    return drawn


#: Steps of a Winograd layer in :func:`draw_winograd_layer_ops`: key of
#: :func:`convlib.nn.winograd_layer_ops`, label, hatch (the steps differ by hatch as
#: well as by colour).
_LAYER_STEPS = [("input", "input transform", "//"),
                ("output", "output transform", "\\\\"),
                ("filter", "filter transform", "..")]


def draw_winograd_layer_ops(ax: Axes, ops: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Chapter 9: operations of one 3x3 layer, direct against Winograd, step by step.

    One horizontal bar per algorithm, in millions of operations: the direct sum (the
    ``"direct"`` entry of the first ``ops``) split into multiplications and additions,
    then each Winograd variant split into its channel sums (multiplications, additions)
    and its input, output and filter transforms. Segments differ by colour and hatch.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    ops : dict of str to dict
        ``{label: convlib.nn.winograd_layer_ops(...)}`` for the same layer.

    Returns
    -------
    dict
        ``{bar label: total operations}``, the direct sum first.
    """
    first = next(iter(ops.values()))
    bars = {"direct (im2col)": [("multiplications", first["direct"][1], ""),
                                ("additions", first["direct"][0], "oo")]}
    for label, o in ops.items():
        segs = [("multiplications", o["gemm"][1], ""), ("additions", o["gemm"][0], "oo")]
        segs += [(name, sum(o[key]), hatch) for key, name, hatch in _LAYER_STEPS]
        bars[label] = segs
    names = list(dict.fromkeys(n for segs in bars.values() for n, _, _ in segs))
    cmap = colormaps["viridis"]
    colors = {n: cmap(i / max(1, len(names) - 1)) for i, n in enumerate(names)}
    totals = {}
    for row, (label, segs) in enumerate(bars.items()):
        left = 0.0
        for name, value, hatch in segs:
            ax.barh(row, value / 1e6, left=left, color=colors[name], hatch=hatch,
                    edgecolor="white", label=name if row <= 1 else None)
            left += value / 1e6
        totals[label] = left * 1e6
        ax.text(left, row, f" {left:.0f} M", va="center", fontsize=8)
    ax.set_yticks(range(len(bars)), list(bars))
    ax.invert_yaxis()
    ax.set_xlabel("operations (millions)")
    ax.set_xlim(0, max(totals.values()) / 1e6 * 1.18)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=7, loc="lower right")
    return totals


def draw_winograd_half_errors(ax: Axes, errors: dict[str, float],
                              unit: float) -> list[float]:
    """Chapter 9: each layer algorithm's rounding error in float16, in units ``unit``.

    One bar per algorithm (in the order given, the first, the direct sum, in grey; the
    others in viridis colours with distinct hatches), on a logarithmic axis, with each
    value written above its bar and a dashed line at one unit.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    errors : dict of str to float
        ``{algorithm: largest error relative to the largest output}``.
    unit : float
        The unit of the axis, e.g. float16's unit roundoff ``2**-11``.

    Returns
    -------
    list of float
        The bar heights, ``error / unit``.
    """
    heights = [e / unit for e in errors.values()]
    cmap = colormaps["viridis"]
    n = max(1, len(errors) - 1)
    colors = [COLORS["grey"]] + [cmap(0.85 * i / n) for i in range(n)]
    hatches = ["", "//", "..", "xx", "\\\\", "oo", "--"]
    for i, (label, h) in enumerate(zip(errors, heights)):
        ax.bar(i, h, color=colors[i], hatch=hatches[i % len(hatches)], edgecolor="white")
        ax.text(i, h * 1.1, f"{h:.1f}", ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.axhline(1, color="k", ls="--", lw=0.8)
    ax.set_xticks(range(len(errors)), list(errors), fontsize=8)
    ax.set_ylabel("max error / max output (units of u)")
    ax.set_ylim(min(heights + [1]) / 2, max(heights) * 3)
    return heights


def plot_copy_gemm_shares(ax: Axes, sizes: Sequence[int], copy_seconds: Sequence[float],
                          gemm_seconds: Sequence[float], layer: str = "") -> np.ndarray:
    """Chapter 8: the shares of the im2col copy and of the GEMM in a layer's time.

    One stacked bar per image size: the copy's fraction at the bottom (hatched, dark),
    the GEMM's above it (light), each labelled with its percentage.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : sequence of int
        Image sides ``n`` (the bars' labels).
    copy_seconds, gemm_seconds : sequence of float
        Measured seconds of the copy and of the product, per size (positive).
    layer : str, optional
        What was measured besides the size (channels, kernel), shown in brackets after
        the x-axis label "image size".

    Returns
    -------
    ndarray
        The copy's fraction ``copy / (copy + gemm)`` per size.
    """
    copy_s, gemm_s = np.asarray(copy_seconds, float), np.asarray(gemm_seconds, float)
    share = copy_s / (copy_s + gemm_s)
    at = np.arange(len(share))
    ax.bar(at, share, color="#3b0f70", hatch="//", edgecolor="white",
           label="im2col copy")
    ax.bar(at, 1 - share, bottom=share, color="#fcfdbf", edgecolor="k", lw=0.5,
           label="GEMM")
    for i, f in enumerate(share):
        ax.text(i, f / 2, f"{f:.0%}", ha="center", va="center", fontsize=8,
                color="white", bbox=dict(fc="#3b0f70", ec="none", pad=1))
        ax.text(i, f + (1 - f) / 2, f"{1 - f:.0%}", ha="center", va="center", fontsize=8)
    ax.set_xticks(at, [f"{n} x {n}" for n in sizes])
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"image size ({layer})" if layer else "image size")
    ax.set_ylabel("share of the layer's time")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return share



def draw_indirection_vs_im2col(fig: Figure, image_shape: tuple[int, int],
                               kernel_size: int, channels: int,
                               padding: int = 0) -> dict[str, Any]:
    """Chapter 8: the column matrix of a ``channels``-channel image next to the
    indirection buffer of the same layer, both showing pixel numbers.

    Left: ``im2col`` of an image whose every channel holds its pixel numbers
    ``h * W + w`` (blank where a tap reads padding); horizontal lines separate the
    channels. Right: :func:`convlib.im2col.indirection_buffer` (blank where it points
    to the zero row). The left matrix repeats the right one once per channel.

    Returns
    -------
    dict
        ``{"columns": ..., "buffer": ...}``: the pixel numbers shown (-1 for padding).
    """
    H, W = image_shape
    numbers = np.arange(1, H * W + 1).reshape(1, H, W).repeat(channels, axis=0)
    columns = im2col(numbers, kernel_size, padding=padding) - 1      # -1: padding
    buffer = indirection_buffer(image_shape, kernel_size, padding=padding)
    buffer = np.where(buffer == H * W, -1, buffer)
    ax1, ax2 = fig.subplots(1, 2)
    taps = kernel_size * kernel_size
    for ax, M, name in ((ax1, columns, "im2col columns"),
                        (ax2, buffer, "indirection buffer")):
        shown = np.where(M >= 0, M, np.nan).astype(float)
        ax.imshow(shown, cmap="viridis", vmin=0, vmax=H * W - 1)
        for (i, j), v in np.ndenumerate(M):
            if v >= 0:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=6,
                        color="white" if v < 0.6 * (H * W - 1) else "black")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("output position")
        ax.set_title(f"{name}: {M.shape[0]} rows", fontsize=9)
    for c in range(1, channels):
        ax1.axhline(c * taps - 0.5, color="k", lw=1)
    ax1.set_ylabel(f"channel, tap ({channels} x {taps})")
    ax2.set_ylabel(f"tap ({taps})")
    return {"columns": columns, "buffer": buffer}
