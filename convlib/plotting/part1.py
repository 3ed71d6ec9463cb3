"""Figures of Part I, foundations (chapters 1-4): flip and slide, superposition, modes,
window sums, kernel spectra and filters, low-rank kernels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._typing import Boundary
from ..boundaries import convolve2d, extend, window_terms
from ..direct import conv_terms
from ..kernels import PICKER, pick
from ..separable import low_rank
from ..shapes import mode_offset, output_shape
from .core import COLORS, METHOD_MARKERS, show_image, show_matrix, stem

__all__ = ["draw_flip_slide", "draw_superposition", "draw_modes", "draw_window_sum",
           "kernel_spectrum", "spectrum_grid", "draw_kernel_filter", "draw_low_rank",
           "to_db", "spectra_db_figure", "denoise_mse_figure",
           "plot_cost_and_error"]


def draw_flip_slide(fig: Figure, x: np.ndarray, h: np.ndarray, n: int) -> None:
    """Chapter 1's flip-and-slide picture of ``y[n] = sum_k x[k] h[n - k]``.

    Three stacked panels: ``x[k]`` with the flipped kernel ``h[n - k]`` laid over it; the
    products ``x[k] h[n - k]``; and the output ``y`` computed so far, with ``y[n]``
    highlighted.
    """
    x, h = np.asarray(x, float), np.asarray(h, float)
    N, M = len(x), len(h)
    k, xk, hk, prod = conv_terms(x, h, n)
    y = np.convolve(x, h)
    lo, hi = -(M - 1) - 0.5, N + M - 1.5
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True)
    stem(ax1, x, 0, color=COLORS["x"], label="x[k]")
    kk = n - np.arange(M)  # position of h[m] after flipping and shifting by n
    ax1.plot(kk, h, "s", color=COLORS["h"], ms=6, label=f"h[{n} - k]", alpha=0.8)
    ax1.vlines(kk, 0, h, color=COLORS["h"], lw=1, alpha=0.6)
    ax1.legend(loc="upper left", fontsize=8, ncols=2)
    ax1.set_ylabel("inputs")
    ax1.margins(y=0.12)  # whole markers at the extremes
    stem(ax2, prod, k[0] if len(k) else 0, color=COLORS["h"])
    ax2.set_ylabel("products")
    ax2.set_title(f"y[{n}] = sum of products = {prod.sum():.3g}", fontsize=9)
    stem(ax3, np.where(np.arange(len(y)) <= n, y, np.nan), 0, color=COLORS["y"])
    if 0 <= n < len(y):
        ax3.plot([n], [y[n]], "o", ms=10, mfc="none", color="k")
    ax3.set_ylabel("y[n]")
    ax3.set_xlabel("k (top, middle) and n (bottom)")
    ax3.set_xlim(lo, hi)
    span = max(np.abs(y).max(), np.abs(x).max(), np.abs(h).max())
    ax3.set_ylim(min(0, y.min()) - 0.1 * span, max(0, y.max()) + 0.2 * span)


def draw_superposition(fig: Figure, x: np.ndarray, h: np.ndarray) -> None:
    """Chapter 1's picture of ``y = sum_k x[k] h[n - k]`` as a sum of echoes.

    Top: the input as a sum of scaled impulses. Middle: each impulse's response, the
    kernel scaled by ``x[k]`` and shifted to start at ``k``. Bottom: their sum ``y``.
    """
    x, h = np.asarray(x, float), np.asarray(h, float)
    L = len(x) + len(h) - 1
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True)
    stem(ax1, x, 0, color=COLORS["x"])
    ax1.set_ylabel("x[k]")
    cmap = matplotlib.colormaps["viridis"]
    for k, xk in enumerate(x):
        n = np.arange(k, k + len(h))
        color = cmap(k / max(1, len(x) - 1))
        offset = 0.12 * (k - (len(x) - 1) / 2)  # side by side where echoes overlap
        ax2.vlines(n + offset, 0, xk * h, color=color, lw=1.5)
        ax2.plot(n + offset, xk * h, "o", color=color, ms=4, label=f"x[{k}] h[n-{k}]")
    ax2.axhline(0, color=COLORS["grey"], lw=0.8)
    ax2.set_ylabel("echoes")
    ax2.legend(fontsize=7, ncols=min(len(x), 4), loc="upper right")
    stem(ax3, np.convolve(x, h), 0, color=COLORS["y"], annotate=True)
    ax3.set_ylabel("y[n]")
    ax3.set_xlabel("n")
    ax3.set_xlim(-0.7, L - 0.3)
    ax3.margins(y=0.3)  # room for the value labels above and below the stems


def draw_modes(ax: Axes, n1: int, n2: int) -> None:
    """Which samples of the full output each mode keeps, for inputs of length n1 and n2.

    Uses :func:`convlib.output_shape` and :func:`convlib.mode_offset`, the
    same arithmetic every implementation uses.
    """
    full = output_shape((n1,), (n2,), "full")[0]
    for row, mode in enumerate(("full", "same", "valid")):
        start = mode_offset((n1,), (n2,), mode)[0]
        length = output_shape((n1,), (n2,), mode)[0]
        ax.barh(row, length, left=start - 0.45, height=0.6, color=COLORS["y"], alpha=0.35)
        ax.plot(np.arange(start, start + length), [row] * length, "o", color=COLORS["y"])
        ax.text(full - 0.2, row, f"{mode}: {length} samples", va="center", fontsize=9)
    ax.set_yticks(range(3), ["full", "same", "valid"])
    ax.set_ylim(2.6, -0.6)
    ax.set_xlim(-0.8, full + 4.5)
    ax.set_xticks(range(full))
    ax.set_xlabel("index n of the full output")


def draw_window_sum(fig: Figure, x: np.ndarray, h: np.ndarray, index: tuple[int, int],
                    boundary: Boundary = "fill") -> None:
    """Chapter 2's pixel picker: one output value of ``convolve2d(x, h, 'same')``.

    Four panels: the image with the window around ``index`` outlined (and the
    extension beyond the edges greyed); the window's values; the kernel flipped on both
    axes; and their products, whose sum (the title) is the output value.
    """
    from matplotlib.patches import Rectangle

    x, h = np.asarray(x), np.asarray(h)
    window, flipped, products = window_terms(x, h, index, "same", boundary)
    M, N = h.shape
    top, left = index[0] + (M - 1) // 2 - (M - 1), index[1] + (N - 1) // 2 - (N - 1)
    pad = [(M, M), (N, N)]
    ax0, ax1, ax2, ax3 = fig.subplots(1, 4, width_ratios=[1.4, 1, 1, 1])
    ax0.imshow(extend(x, pad, boundary), cmap="gray", alpha=0.45,
               extent=(-N - 0.5, x.shape[1] + N - 0.5, x.shape[0] + M - 0.5, -M - 0.5))
    ax0.imshow(x, cmap="gray", vmin=x.min(), vmax=x.max(),
               extent=(-0.5, x.shape[1] - 0.5, x.shape[0] - 0.5, -0.5))
    ax0.set_xlim(-N - 0.5, x.shape[1] + N - 0.5)
    ax0.set_ylim(x.shape[0] + M - 0.5, -M - 0.5)
    ax0.add_patch(Rectangle((-0.5, -0.5), x.shape[1], x.shape[0], fill=False,
                            ec=COLORS["x"], lw=1, ls="--"))
    ax0.add_patch(Rectangle((left - 0.5, top - 0.5), N, M, fill=False, ec=COLORS["h"], lw=2))
    ax0.plot(index[1], index[0], "+", color=COLORS["h"], ms=8)
    ax0.set_title(f"x, output pixel {tuple(int(i) for i in index)}", fontsize=9)
    ax0.set_xticks([])
    ax0.set_yticks([])
    show_matrix(ax1, window, "window of x", cmap="gray", symmetric=False)
    show_matrix(ax2, flipped, "kernel flipped")
    show_matrix(ax3, products, f"products: sum = {products.sum():g}")


def kernel_spectrum(h: np.ndarray, n: int = 64) -> np.ndarray:
    """``|DFT|`` of a 2-D kernel zero-padded to ``n x n``, zero frequency in the centre.

    The kernel's frequency response (chapters 3 and 5): near 1 at the centre and
    small at the edges for a low-pass (blur), the reverse for a high-pass.

    Examples
    --------
    >>> float(kernel_spectrum(np.full((2, 2), 0.25), 4)[2, 2])
    1.0
    """
    return np.abs(np.fft.fftshift(np.fft.fft2(np.asarray(h), s=(n, n))))


def spectrum_grid(spectra: dict[str, np.ndarray], ncols: int = 3,
                  size: float = 2.3) -> Figure:
    """Chapter 3's gallery of kernel spectra (from :func:`kernel_spectrum`), one panel each.

    Each panel shows ``|DFT|`` over frequencies from -1/2 to 1/2 cycle per pixel on both
    axes (frequency 0 in the centre, the checkerboard frequency at the corners) with
    its own colorbar, so that gains can be read off.
    """
    nrows = -(-len(spectra) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols * 1.25, size * nrows),
                             squeeze=False)
    for ax, (title, S) in zip(axes.flat, spectra.items()):
        im = ax.imshow(S, cmap="magma", vmin=0, extent=(-0.5, 0.5, 0.5, -0.5))
        ax.set_title(title, fontsize=9)
        ax.set_xticks([-0.5, 0, 0.5])
        ax.set_yticks([-0.5, 0, 0.5])
        ax.tick_params(labelsize=7)
        fig.colorbar(im, ax=ax, shrink=0.85).ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("cycles / pixel", fontsize=8)
    for ax in axes.flat[len(spectra):]:
        ax.axis("off")
    return fig


def draw_kernel_filter(fig: Figure, img: np.ndarray, name: str, param: float) -> None:
    """Chapter 3's kernel picker: the kernel, its frequency response, the filtered image.

    ``name`` and ``param`` select ``convlib.kernels.pick(name, param)``; the image is
    convolved with it in ``'same'`` mode with the ``'symm'`` boundary.
    """
    h = pick(name, param)
    y = convolve2d(img, h, "same", "symm")
    ax0, ax1, ax2 = fig.subplots(1, 3, width_ratios=[1, 1, 1.3])
    lim = float(np.abs(h).max())
    ax0.imshow(h, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax0.set_title(f"{name}, {PICKER[name][1]} = {param:g}\n{h.shape[0]}x{h.shape[1]} "
                  "kernel", fontsize=9)
    im = ax1.imshow(kernel_spectrum(h), cmap="magma", vmin=0,
                    extent=(-0.5, 0.5, 0.5, -0.5))
    fig.colorbar(im, ax=ax1, shrink=0.8).ax.tick_params(labelsize=7)
    ax1.set_title("|DFT| (centre: frequency 0)", fontsize=9)
    ax1.set_xlabel("cycles / pixel")
    show_image(ax2, y, "x * h")
    ax0.set_xticks([])
    ax0.set_yticks([])


def draw_low_rank(fig: Figure, h: np.ndarray, rank: int) -> None:
    """Chapter 4's rank slider: a kernel, its best rank-``rank`` approximation, the
    error, and the singular values with the kept ones highlighted."""
    h = np.asarray(h, dtype=float)
    approx = sum(np.outer(c, r) for c, r in low_rank(h, rank))
    s = np.linalg.svd(h, compute_uv=False)
    err = np.linalg.norm(h - approx) / np.linalg.norm(h)
    ax0, ax1, ax2, ax3 = fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.4])
    lim = float(np.abs(h).max())
    for ax, m, title in [(ax0, h, "kernel h"), (ax1, approx, f"rank {rank}"),
                         (ax2, h - approx, f"error: {err:.1%}")]:
        ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    k = np.arange(1, len(s) + 1)
    ax3.bar(k, s, color=np.where(k <= rank, COLORS["h"], COLORS["grey"]))
    ax3.set_yscale("log")
    ax3.set_ylim(max(s.min(), s[0] * 1e-6), s[0] * 2)
    M, N = h.shape
    ax3.set_title(f"singular values $s_i$ (red: kept)\ncost {rank * (M + N)} vs {M * N} "
                  "mults/pixel", fontsize=9)
    ax3.set_xlabel("i")


def to_db(magnitude: np.ndarray, floor: float = -140.0) -> np.ndarray:
    """``20 log10 |magnitude|`` in decibels (gain 1 is 0 dB), clipped below at ``floor``.

    Examples
    --------
    >>> to_db(np.array([1.0, 0.1, 0.0]), floor=-60.0)
    array([  0., -20., -60.])
    """
    with np.errstate(divide="ignore"):
        return np.maximum(20 * np.log10(np.abs(np.asarray(magnitude, float))), floor)


_CUT_STYLES = (("-", "o"), ("--", "s"), ("-.", "^"), ((0, (6, 1, 1, 1, 1, 1)), "D"),
               ("-", "v"))


def spectra_db_figure(maps: dict[str, np.ndarray],
                      cuts: dict[str, tuple[np.ndarray, np.ndarray]], *,
                      floor: float = -140.0,
                      reference: tuple[float, str] | None = None,
                      peaks: dict[str, tuple[float, float]] | None = None) -> Figure:
    """Chapter 3's spectra in decibels: 2-D maps, and 1-D cuts through their centre.

    Parameters
    ----------
    maps : dict of str to ndarray of shape (n, n)
        Magnitude spectra from :func:`kernel_spectrum` (frequency 0 in the centre),
        one panel each, in dB (:func:`to_db`) with a colour bar in dB.
    cuts : dict of str to (ndarray, ndarray)
        ``(f, |H|)`` per curve, ``f`` in cycles per pixel from 0 to 1/2; drawn in dB
        on one panel, each curve with its own line style and marker.
    floor : float
        The lowest level drawn, in dB.
    reference : (float, str), optional
        A level in dB and its label, drawn as a dotted horizontal line.
    peaks : dict of str to (float, float), optional
        ``(f, level_dB)`` marked with a black ``x`` (the side-lobe peaks).
    """
    fig, axes = plt.subplots(1, len(maps) + 1, figsize=(8.4, 2.7),
                             width_ratios=[1] * len(maps) + [1.9])
    for ax, (title, S) in zip(axes, maps.items()):
        im = ax.imshow(to_db(S, floor), cmap="magma", vmin=floor, vmax=0,
                       extent=(-0.5, 0.5, 0.5, -0.5))
        ax.set_title(title, fontsize=9)
        ax.set_xticks([-0.5, 0, 0.5])
        ax.set_yticks([-0.5, 0, 0.5])
        ax.tick_params(labelsize=7)
        ax.set_xlabel("cycles / pixel", fontsize=8)
        bar = fig.colorbar(im, ax=ax, shrink=0.8)
        bar.ax.tick_params(labelsize=7)
        bar.set_label("dB", fontsize=8)
    ax = axes[-1]
    for (name, (f, H)), (ls, marker) in zip(cuts.items(), _CUT_STYLES):
        ax.plot(f, to_db(H, floor), ls=ls, marker=marker, markevery=max(len(f) // 8, 1),
                ms=4, lw=1.2, label=name)
    if reference is not None:
        ax.axhline(reference[0], color=COLORS["grey"], ls=":", lw=1.5, label=reference[1])
    for f0, level in (peaks or {}).values():
        ax.plot(f0, level, "x", color="black", ms=7, mew=1.5)
    ax.set_ylim(floor, 5)
    ax.set_xlim(0, 0.5)
    ax.set_xlabel("cycles / pixel (cut through the centre)", fontsize=8)
    ax.set_ylabel("|H| in dB", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def denoise_mse_figure(panels: dict[str, dict[float, dict[str, float]]], *,
                       ylabel: str = "MSE") -> Figure:
    """Chapter 3's denoising comparison: error against noise level, one panel per noise.

    Parameters
    ----------
    panels : dict of str to dict of float to dict of str to float
        Per panel (its title names the noise and its level), per noise level, the error
        of each filter: ``{"salt and pepper": {0.02: {"median 3x3": 2.5, ...}, ...}}``.
    ylabel : str
        The label of the (logarithmic) error axis, shared by the panels.

    Each filter keeps its line style and marker across panels (not its colour alone).
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 2.7),
                             sharey=True, squeeze=False)
    for ax, (title, rows) in zip(axes[0], panels.items()):
        levels = sorted(rows)
        names = list(rows[levels[0]])
        for name, (ls, marker) in zip(names, _CUT_STYLES):
            ax.plot(levels, [rows[v][name] for v in levels], ls=ls, marker=marker,
                    ms=5, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(levels, [f"{v:g}" for v in levels])
        ax.minorticks_off()
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0, 0].set_ylabel(ylabel, fontsize=8)
    axes[0, -1].legend(fontsize=7)
    return fig


def plot_cost_and_error(fig: Figure, sigmas: Sequence[float], times: dict[str, Any],
                        errors: dict[str, Any],
                        pixels: int) -> tuple[Axes, Axes]:
    """Chapter 4's comparison of Gaussian filters as sigma grows: time per pixel
    (left, ``times[name]`` in seconds for the whole image of ``pixels`` pixels) and
    largest error against the exact Gaussian convolution (right), log-log, one marker
    and line style per method. Returns the two axes."""
    ax0, ax1 = fig.subplots(1, 2)
    extra = iter(["o", "s", "^", "v"])
    styles = ["-", "--", ":", "-."]
    for i, name in enumerate(dict.fromkeys([*times, *errors])):
        style = dict(marker=METHOD_MARKERS.get(name) or next(extra),
                     linestyle=styles[i % 4], label=name)
        if name in times:
            ax0.plot(sigmas, np.asarray(times[name]) / pixels * 1e9, **style)
        if name in errors:
            ax1.plot(sigmas, errors[name], **style)
    ax0.set(xlabel="σ (samples)", ylabel="time per pixel (ns)", xscale="log",
            yscale="log", title="cost")
    ax1.set(xlabel="σ (samples)", ylabel="max |error|", xscale="log", yscale="log",
            title="error vs exact Gaussian")
    for ax in (ax0, ax1):
        ax.set_xticks(sigmas, [f"{s:g}" for s in sigmas])
        ax.minorticks_off()
        ax.legend(fontsize=8)
    return ax0, ax1
