"""Figures of the appendix "Which method when?": the method map and the benchmark
results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..bench import method_map
from .core import METHOD_COLORS, METHOD_MARKERS

__all__ = ["draw_method_map", "plot_bench_results", "draw_method_maps", "MAP_GRIDS",
           "plot_layer_counts"]


def _size_label(n: int) -> str:
    """``n`` as a tick label: powers of ten from 10**4 as ``10^k``, others in full."""
    k = round(np.log10(n))
    return f"$10^{{{k}}}$" if n >= 10**4 and n == 10**k else f"{n:d}"


def draw_method_map(ax: Axes, choices: np.ndarray, signal_sizes: Sequence[int],
                    kernel_sizes: Sequence[int], title: str | None = None) -> None:
    """Colour each (kernel, signal) cell by the method ``'auto'`` picks, and name it.

    ``choices`` is :func:`convlib.bench.method_map`'s array (kernels down the rows,
    signals across the columns). Cells where the kernel is larger than the signal
    (``''``: not mapped) stay white and are marked ``m > n`` in grey.
    """
    names = list(METHOD_COLORS)
    mapped = choices != ""
    codes = np.where(mapped, np.vectorize(
        lambda name: names.index(name) if name else 0)(choices), 0)
    cmap = matplotlib.colors.ListedColormap(list(METHOD_COLORS.values()))
    ax.imshow(np.ma.masked_where(~mapped, codes), cmap=cmap, vmin=-0.5,
              vmax=len(names) - 0.5, aspect="auto", origin="lower")
    short = {"direct": "dir", "separable": "sep", "fft": "fft", "overlap_add": "OA",
             "compiled": "cmp"}
    for (i, j), name in np.ndenumerate(choices):
        if name:
            ax.text(j, i, short[name], ha="center", va="center", fontsize=8,
                    color="white")
        else:
            ax.text(j, i, "m > n", ha="center", va="center", fontsize=6, color="0.45")
    ax.set_xticks(range(len(signal_sizes)), [_size_label(n) for n in signal_sizes])
    ax.set_yticks(range(len(kernel_sizes)), [_size_label(m) for m in kernel_sizes])
    ax.set_xlabel("signal side n")
    ax.set_ylabel("kernel side m")
    if title:
        ax.set_title(title)


#: Labelled speed-ups on the benchmark's log axis (minor ticks stay unlabelled).
_SPEEDUP_TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]


def plot_bench_results(fig: Figure, results: dict[str, Any]) -> None:
    """The benchmark's 1-D and 2-D speed-ups over ``scipy.signal.convolve(auto)``.

    ``results`` is the ``'results'`` part of ``python -m convlib.bench --json``'s file.
    One panel per kind of input: each case's speed-up (SciPy's time over convlib's, log
    scale; above 1 convlib is faster) against its output size, coloured by the method
    convlib picked, with the geometric mean dashed and parity (1) grey. The size axis
    spans whole decades, with a case on a decade inside the axis, not on its edge, and
    labels only the decades; only the speed-ups in ``_SPEEDUP_TICKS``
    are labelled, so labels never overlap.
    """
    goals = [g for g in ("2d", "1d") if g in results]
    axes = fig.subplots(1, len(goals), squeeze=False)[0]
    for ax, goal in zip(axes, goals):
        rows = results[goal]
        for method, color in METHOD_COLORS.items():
            pick = [r for r in rows if r["method"] == method]
            if pick:
                ax.scatter([r["n"] ** (2 if goal == "2d" else 1) * r["m"] for r in pick],
                           [r["speedup"] for r in pick], s=14, color=color,
                           marker=METHOD_MARKERS.get(method, "o"), label=method)
        geo = float(np.exp(np.mean(np.log([r["speedup"] for r in rows]))))
        ax.axhline(1.0, color="0.5", lw=0.8, label="as fast as SciPy")
        ax.axhline(geo, color="k", lw=1.2, ls="--", label=f"geo-mean {geo:.2f}x")
        ax.set_xscale("log")
        ax.set_yscale("log")
        sizes = np.log10([r["n"] ** (2 if goal == "2d" else 1) * r["m"] for r in rows])
        # whole decades around the cases, a point on a decade (10**11) not on the edge
        ax.set_xlim(10.0 ** (np.ceil(sizes.min()) - 1), 10.0 ** (np.floor(sizes.max()) + 1))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(_SPEEDUP_TICKS))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("signal size x kernel side")
        ax.set_ylabel("speed-up over SciPy auto")
        ax.set_title(f"{goal.upper()}: {len(rows)} cases")
        ax.legend(fontsize=7, loc="upper left")


#: The small grids of :func:`draw_method_maps`, per panel: (title, signal sides, kernel
#: sides, ndim, rank-1 kernel).
MAP_GRIDS = (("1-D", (10**3, 10**4, 10**5, 10**6), (3, 10, 30, 100, 300, 1000), 1, False),
             ("2-D, random kernel", (64, 128, 256, 512, 1024), (3, 5, 9, 15, 31), 2, False),
             ("2-D, rank-1 kernel", (64, 128, 256, 512, 1024), (3, 5, 9, 15, 31), 2, True))


def draw_method_maps(fig: Figure, state: tuple[str, str],
                     grids: Sequence[tuple[Any, ...]] = MAP_GRIDS) -> dict[str, np.ndarray]:
    """The appendix's widget: the method map for one data type and mode, one panel per grid.

    Parameters
    ----------
    fig : Figure
        An empty figure; one axes per grid is added.
    state : (str, str)
        ``(dtype, mode)``: a dtype of :data:`convlib.bench.MAP_DTYPES` and a mode
        ``'full'``, ``'same'`` or ``'valid'``.
    grids : sequence of (title, signal sides, kernel sides, ndim, rank1)
        Default ``MAP_GRIDS``: 1-D, 2-D with a random kernel, 2-D with a rank-1 one.

    Returns
    -------
    dict
        ``{title: choices}``, the :func:`convlib.bench.method_map` array of each panel.

    Raises
    ------
    ValueError
        From :func:`convlib.bench.method_map`, for an unknown dtype or mode.
    """
    dtype, mode = state
    maps = {title: method_map(sizes, taps, ndim, rank1, mode, dtype)
            for title, sizes, taps, ndim, rank1 in grids}
    axes = fig.subplots(1, len(grids), squeeze=False)[0]
    for ax, (title, sizes, taps, _, _) in zip(axes, grids):
        draw_method_map(ax, maps[title], sizes, taps, title)
    fig.suptitle(f"{dtype}, mode '{mode}'", fontsize=10)
    return maps


#: Line styles of :func:`plot_layer_counts`, so that the curves differ without colour too.
_LAYER_STYLES = {"direct": "-", "im2col": "-", "winograd": "none", "fft": "--"}


def plot_layer_counts(ax: Axes, kernel_sizes: Sequence[int],
                      counts: dict[str, Sequence[float]]) -> None:
    """Multiplications per output value of a layer's algorithms against the kernel side.

    ``counts`` maps an algorithm (``'direct'``, ``'im2col'``, ``'winograd'``, ``'fft'``)
    to one count per kernel side; ``nan`` where the algorithm does not apply (Winograd's
    ``F(2x2, 3x3)`` serves 3x3 kernels only). Log scale on the counts; each algorithm
    has its own marker and line style as well as its colour.
    """
    colors = dict(METHOD_COLORS, winograd="#8172b2", im2col="#937860")
    for name, values in counts.items():
        ax.plot(kernel_sizes, values, ls=_LAYER_STYLES.get(name, "-"),
                marker=METHOD_MARKERS.get(name, "o"), color=colors.get(name, "0.3"),
                ms=6, label=name)
    ax.set_yscale("log")
    ax.set_xticks(list(kernel_sizes))
    ax.set_xlabel("kernel side k")
    ax.set_ylabel("multiplications per output")
    ax.legend(fontsize=8)
