"""Figures of Part I, foundations (chapters 1-4): flip and slide, superposition, modes,
window sums, kernel spectra and filters, low-rank kernels."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..boundaries import convolve2d, extend, window_terms
from ..direct import conv_terms
from ..kernels import PICKER, pick
from ..separable import low_rank
from ..shapes import mode_offset, output_shape
from .core import COLORS, show_image, show_matrix, stem

__all__ = ["draw_flip_slide", "draw_superposition", "draw_modes", "draw_window_sum",
           "kernel_spectrum", "spectrum_grid", "draw_kernel_filter", "draw_low_rank"]


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
                    boundary: str = "fill") -> None:
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
