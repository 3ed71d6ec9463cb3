"""Figures of Part II, fast convolution (chapters 5 and 6): wrap-around, overlap-add
blocks, timings, deconvolution, the FFT's butterflies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..deconvolution import blur_and_restore
from ..fourier import wraparound
from ..overlap import block_plan
from ..radix2 import bit_reversal, radix2_stages
from ..restoration import compare_restorations
from .core import COLORS, show_image, stem

__all__ = ["draw_wraparound", "draw_blocks", "plot_timings", "draw_deconvolution",
           "draw_butterfly", "draw_restoration"]


def draw_wraparound(fig: Figure, x: np.ndarray, h: np.ndarray, length: int) -> None:
    """Chapter 5's zero-padding picture: circular convolution of length ``length``.

    Top: the linear convolution ``x * h`` (``N + M - 1`` samples), its samples at and
    beyond ``length`` (the ones that wrap around) in red. Bottom: the circular
    convolution of ``x`` and ``h`` zero-padded to ``length`` (from
    :func:`convlib.fourier.wraparound`), samples that differ from the linear result
    marked; the title counts them.
    """
    circular, linear = wraparound(x, h, length)
    full = len(linear)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    stem(ax1, linear, 0, color=COLORS["y"])
    tail = np.arange(length, full)
    if tail.size:
        ax1.plot(tail, linear[tail], "o", color=COLORS["h"], ms=7,
                 label="wraps to n - length")
        ax1.legend(fontsize=8, loc="upper right")
    ax1.axvline(length - 0.5, color=COLORS["grey"], ls="--", lw=1)
    ax1.set_ylabel("linear")
    ax1.set_title(f"N + M - 1 = {full}, FFT length = {length}", fontsize=9)
    stem(ax2, circular, 0, color=COLORS["x"])
    wrong = np.flatnonzero(~np.isclose(circular, linear[:length]) if length <= full
                           else ~np.isclose(circular[:full], linear))
    ax2.plot(wrong, circular[wrong], "o", color=COLORS["h"], ms=9, mfc="none")
    ax2.set_ylabel("circular")
    ax2.set_title(f"{wrong.size} sample(s) differ from the linear convolution",
                  fontsize=9)
    ax2.set_xlabel("n")
    ax2.set_xlim(-0.7, max(full, length) - 0.3)


def draw_blocks(fig: Figure, n: int, m: int, block_size: int) -> None:
    """Chapter 5's diagram of overlap-add and overlap-save blocks (from
    :func:`convlib.block_plan`): which input samples each block reads and which output
    samples it writes, for a signal of ``n`` samples, ``m`` taps and FFT length
    ``block_size``."""
    axes = fig.subplots(2, 1, sharex=True)
    colors = matplotlib.colormaps["tab10"]
    for ax, method in zip(axes, ("add", "save")):
        plan = block_plan(n, m, block_size, method)
        for p, (i0, i1, o0, o1) in enumerate(zip(plan["in_start"], plan["in_stop"],
                                                 plan["out_start"], plan["out_stop"])):
            c = colors(p % 10)
            ax.barh(2 * p + 1, i1 - i0, left=i0 - 0.5, height=0.8, color=c, alpha=0.35)
            ax.barh(2 * p + 0.2, o1 - o0, left=o0 - 0.5, height=0.8, color=c)
            if method == "save":  # the wrapped-around head of the block, discarded
                ax.barh(2 * p + 0.2, m - 1, left=o0 - m + 0.5, height=0.8, color=c,
                        alpha=0.15, hatch="//")
        ax.axvspan(-0.5, n - 0.5, color=COLORS["grey"], alpha=0.08)
        ax.invert_yaxis()
        ax.set_yticks([])
        name = "overlap-add" if method == "add" else "overlap-save"
        ax.set_title(f"{name}: light bars read the input, dark bars write the output"
                     f" (B = {plan['block_size']}, L = {plan['step']})", fontsize=9)
    axes[1].set_xlabel(f"sample index (signal: 0 to {n - 1}, shaded)")


def plot_timings(ax: Axes, sizes: Sequence[int], times: dict[str, Sequence[float]],
                 predicted: dict[str, Sequence[float]] | None = None,
                 xlabel: str = "size") -> None:
    """Measured run times per method against a size, log-log, with the cost model's
    predictions (dashed) when given."""
    styles = {"direct": COLORS["h"], "fft": COLORS["x"], "overlap_add": COLORS["y"]}
    markers = {"direct": "o", "fft": "s", "overlap_add": "^"}  # not colour alone
    for method, t in times.items():
        color = styles.get(method, COLORS["grey"])
        ax.loglog(sizes, np.asarray(t) * 1e3, markers.get(method, "D") + "-",
                  color=color, ms=4, label=method)
        if predicted and method in predicted:
            ax.loglog(sizes, np.asarray(predicted[method]) * 1e3, "--", color=color,
                      lw=1, alpha=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("time (ms)")
    ax.legend(fontsize=8)


def draw_deconvolution(fig: Figure, x: np.ndarray, h: np.ndarray, noise: float,
                       lam: float, operator: str = "identity") -> None:
    """Chapter 6's widget: the blurred, noisy image and its Tikhonov restoration.

    Uses :func:`convlib.deconvolution.blur_and_restore` (seeded noise); titles give
    the RMS error of each against the clean ``x``.
    """
    out = blur_and_restore(x, h, noise, lam, operator)
    ax1, ax2 = fig.subplots(1, 2)
    show_image(ax1, out["y"], f"observed, noise {noise:g}\nRMSE {out['rmse_observed']:.3f}",
               vmin=0, vmax=1)
    show_image(ax2, out["estimate"],
               f"restored, λ = {lam:g}\nRMSE {out['rmse_restored']:.3f}", vmin=0, vmax=1)


def _complex_label(z: complex) -> str:
    """``z`` as a short label: ``4``, ``-2i``, ``-2+2i``."""
    real, imag = round(z.real, 3) + 0, round(z.imag, 3) + 0
    if imag == 0:
        return f"{real:g}"
    text = f"{abs(imag):g}i" if abs(imag) != 1 else "i"
    if real == 0:
        return ("-" if imag < 0 else "") + text
    return f"{real:g}{'-' if imag < 0 else '+'}{text}"


def draw_butterfly(ax: Axes, x: Sequence[complex] | np.ndarray,
                   show_values: bool = True) -> list[tuple[int, int, int, bool]]:
    """Chapter 5's signal-flow graph of the radix-2 FFT (decimation in time) of ``x``.

    Columns are the stages of :func:`convlib.radix2.radix2_stages`: the input in
    bit-reversed order on the left, the DFT on the right. Each butterfly has four edges
    from its two inputs to its two outputs. The lower input is first multiplied by its
    twiddle factor (labelled under it; its edges are blue, the upper input's grey).
    Edges into the upper output, the sum, are solid; edges into the lower output, the
    difference, are dashed (the blue dashed edge carries the twiddled lower input, which
    is subtracted). With ``show_values`` every node shows its value.

    Returns the edges as ``(stage, from_row, to_row, twiddled)``.
    """
    stages = radix2_stages(x)
    n, levels = len(stages[0]), len(stages) - 1

    def lower(row: int, s: int) -> bool:   # in the lower half of its length-2**s block
        return bool((row // 2 ** (s - 1)) % 2)

    edges = []
    for s in range(1, levels + 1):
        for top in (r for r in range(n) if not lower(r, s)):
            bottom = top + 2 ** (s - 1)
            edges += [(s, top, top, False), (s, bottom, top, True),
                      (s, top, bottom, False), (s, bottom, bottom, True)]
    for s, i, j, twiddled in edges:
        ax.plot([s - 1, s], [i, j], color=COLORS["x"] if twiddled else COLORS["grey"],
                ls="--" if lower(j, s) else "-", lw=1)
    for s in range(levels + 1):
        ax.plot(np.full(n, s), np.arange(n), "o", color="k", ms=4)
        for row in range(n):
            if show_values:
                ax.annotate(_complex_label(stages[s][row]), (s, row), xytext=(4, 4),
                            textcoords="offset points", fontsize=8)
            if s < levels and lower(row, s + 1):
                twiddle = rf"$\times\omega_{{{2 ** (s + 1)}}}^{{{row % 2 ** s}}}$"
                ax.annotate(twiddle, (s, row),
                            xytext=(4, -11), textcoords="offset points", fontsize=8,
                            color=COLORS["x"])
    ax.set_yticks(range(n), [f"x[{j}]" for j in bit_reversal(n)])
    ax.set_xticks(range(levels + 1), ["input,\nbit-reversed"]
                  + [f"DFTs of\nlength {2 ** s}" for s in range(1, levels + 1)])
    ax.set_ylim(n - 0.4, -0.6)
    ax.set_xlim(-0.15, levels + 0.5)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    return edges


def draw_restoration(fig: Figure, x: np.ndarray, h: np.ndarray, noise: float,
                     iterations: int) -> dict[str, Any]:
    """Chapter 6's restoration widget: one image restored two ways.

    ``x`` is blurred circularly by ``h``, seeded Gaussian noise of standard deviation
    ``noise`` is added, and it is restored by the practical Wiener filter (noise level
    and power-law spectrum estimated from the data) and by ``iterations`` updates of
    Richardson--Lucy (:func:`convlib.restoration.compare_restorations`). Each panel's
    title gives its RMS error against ``x``; grey levels span ``x``'s range.

    Returns
    -------
    dict
        The state that was drawn (the output of ``compare_restorations``).
    """
    out = compare_restorations(x, h, noise, iterations)
    lo, hi = float(np.min(x)), float(np.max(x))
    titles = {"observed": f"observed, noise {noise:g}",
              "wiener": "practical Wiener",
              "richardson_lucy": f"Richardson-Lucy, {iterations} it."}
    for ax, (key, title) in zip(fig.subplots(1, 3), titles.items()):
        show_image(ax, np.clip(out[key], lo, hi), f"{title}\nRMSE {out['rmse'][key]:.3f}",
                   vmin=lo, vmax=hi)
    return out
