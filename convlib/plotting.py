"""The one plotting module the chapters share: styles, signal and image plots, and the
static "twin" of a widget that works in the published HTML without a kernel.

Figures are deterministic: :func:`setup` fixes size, resolution and metadata so a notebook
re-executed by CI produces the same bytes. A widget and its twin call the same ``draw``
function, so scrubbing the twin shows exactly the states the live widget computes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .boundaries import convolve2d, extend, window_terms
from .deconvolution import blur_and_restore
from .direct import conv_terms
from .fourier import wraparound
from .im2col import im2col, patch_taps
from .kernels import PICKER, pick
from .masked import pixelcnn_receptive_field
from .matrices import convolution_matrix
from .nn.arithmetic import window_indices, windows_containing
from .nn.layers import conv2d
from .nn.transposed import conv_transpose1d, conv_transpose2d
from .overlap import block_plan
from .separable import low_rank
from .shapes import conv_output_size, mode_offset, output_shape, receptive_field
from .sparse import densify, grow_active
from .tiled import read_window, tile_slices

__all__ = ["setup", "stem", "show_image", "image_grid", "render_png", "slider_player",
           "SliderPlayer", "draw_flip_slide", "draw_superposition", "draw_modes",
           "FIGSIZE", "DPI", "COLORS",
           "show_matrix", "draw_window_sum", "kernel_spectrum", "spectrum_grid",
           "draw_kernel_filter",
           "draw_low_rank",
           "draw_wraparound", "draw_blocks", "plot_timings", "draw_deconvolution",
           "METHOD_COLORS", "draw_method_map", "plot_bench_results"]

#: Default figure size (inches) and resolution of the book's figures.
FIGSIZE: tuple[float, float] = (7.0, 3.0)
DPI: int = 80

_STYLE = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.constrained_layout.use": True,
    "svg.hashsalt": "convlib",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "image.interpolation": "nearest",
    "font.size": 10,
}

COLORS = {"x": "#1f77b4", "h": "#d62728", "y": "#2ca02c", "grey": "#7f7f7f"}


def setup() -> None:
    """Apply the book's matplotlib style (fixed size, resolution and fonts).

    Call once in a chapter's setup cell. Only ``matplotlib.rcParams`` changes.
    """
    matplotlib.rcParams.update(_STYLE)


def stem(ax: Axes, x: np.ndarray, n0: int = 0, *, color: str | None = None,
         label: str | None = None, annotate: bool = False) -> None:
    """Draw a discrete signal ``x`` as a stem plot whose first sample sits at ``n = n0``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x : ndarray of shape (N,)
    n0 : int
        Index of ``x[0]`` on the horizontal axis.
    color, label : str, optional
    annotate : bool
        Write each sample's value above its stem.
    """
    x = np.asarray(x)
    n = np.arange(n0, n0 + len(x))
    color = color or COLORS["x"]
    markers, stems, base = ax.stem(n, x, linefmt="-", markerfmt="o", basefmt=" ",
                                   label=label)
    plt.setp(stems, color=color)
    plt.setp(markers, color=color, markersize=5)
    ax.axhline(0, color=COLORS["grey"], lw=0.8)
    if annotate:
        for ni, xi in zip(n, x):
            ax.annotate(f"{xi:g}", (ni, xi), textcoords="offset points",
                        xytext=(0, 4 if xi >= 0 else -4), ha="center", fontsize=8,
                        va="bottom" if xi >= 0 else "top")


def show_image(ax: Axes, img: np.ndarray, title: str | None = None, *,
               cmap: str = "gray", vmin: float | None = None, vmax: float | None = None,
               colorbar: bool = False) -> None:
    """Show a 2-D array as an image without ticks (``origin`` at the top left)."""
    im = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.8)


def image_grid(images: Sequence[np.ndarray], titles: Sequence[str] | None = None, *,
               ncols: int | None = None, size: float = 2.6, **kwargs) -> Figure:
    """A row (or grid) of images with titles; keyword arguments go to :func:`show_image`."""
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows),
                             squeeze=False)
    titles = list(titles) if titles is not None else [None] * len(images)
    for ax, img, title in zip(axes.flat, images, titles):
        show_image(ax, img, title, **kwargs)
    for ax in axes.flat[len(images):]:
        ax.axis("off")
    return fig


def render_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, without metadata that could vary between runs."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


class SliderPlayer:
    """A static widget twin: pre-rendered frames behind an HTML range slider.

    Displayed in Jupyter or in the published book it needs no kernel: moving the slider
    swaps the frame in the browser. The HTML is deterministic (its element id is a hash of
    the frames), so nbval can compare it byte for byte.

    Attributes
    ----------
    frames : list of bytes
        PNG of each state.
    values : list
        The parameter value of each frame, shown next to the slider.
    label : str
        The parameter's name.
    """

    def __init__(self, frames: list[bytes], values: list, label: str, start: int = 0):
        self.frames, self.values, self.label, self.start = frames, values, label, start

    def _repr_html_(self) -> str:
        b64 = [base64.b64encode(f).decode("ascii") for f in self.frames]
        uid = "clp-" + hashlib.sha1("".join(b64).encode()).hexdigest()[:12]
        values = [str(v) for v in self.values]
        label = html.escape(self.label)
        return (
            f'<div class="convlib-player" id="{uid}">\n'
            f'<img id="{uid}-img" alt="{label} = {html.escape(values[self.start])}" '
            f'style="max-width:100%" src="data:image/png;base64,{b64[self.start]}"/>\n'
            f'<div style="display:flex;align-items:center;gap:0.6em">'
            f'<button type="button" id="{uid}-prev" aria-label="previous">&#9664;</button>'
            f'<input type="range" id="{uid}-range" min="0" max="{len(b64) - 1}" step="1" '
            f'value="{self.start}" style="flex:1" aria-label="{label}"/>'
            f'<button type="button" id="{uid}-next" aria-label="next">&#9654;</button>'
            f'<span>{label} = <output id="{uid}-out">{html.escape(values[self.start])}'
            f"</output></span></div>\n"
            "<script>(function(){"
            f"var f={json.dumps(b64)},v={json.dumps(values)},p='{uid}';"
            "var r=document.getElementById(p+'-range'),i=document.getElementById(p+'-img'),"
            "o=document.getElementById(p+'-out');"
            "function show(k){k=Math.max(0,Math.min(f.length-1,k));r.value=k;"
            "i.src='data:image/png;base64,'+f[k];i.alt=o.textContent=v[k];}"
            "r.addEventListener('input',function(){show(+r.value);});"
            "document.getElementById(p+'-prev').onclick=function(){show(+r.value-1);};"
            "document.getElementById(p+'-next').onclick=function(){show(+r.value+1);};"
            "})();</script>\n</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # HTML for the web page; the first frame as PNG for the PDF and other static media
        return {"text/html": self._repr_html_(),
                "image/png": base64.b64encode(self.frames[self.start]).decode("ascii"),
                "text/plain": repr(self)}

    def __repr__(self) -> str:
        return (f"SliderPlayer({self.label!r}, {len(self.frames)} frames, "
                f"values {self.values[0]}..{self.values[-1]})")


def slider_player(draw: Callable[[Figure, object], None], values: Sequence, label: str,
                  *, figsize: tuple[float, float] = FIGSIZE, start: int = 0) -> SliderPlayer:
    """Render ``draw(fig, value)`` for every value into a :class:`SliderPlayer`.

    Parameters
    ----------
    draw : callable
        ``draw(fig, value)`` draws one state on an empty figure; the live widget calls the
        same function.
    values : sequence
        Parameter values, one frame each. Keep it short (tens of frames).
    label : str
        Parameter name shown beside the slider.
    figsize : (float, float)
        Size of every frame, in inches.
    start : int
        Index of the frame shown first.

    Returns
    -------
    SliderPlayer
        Displays as self-contained HTML.
    """
    frames = []
    for value in values:
        fig = plt.figure(figsize=figsize)
        draw(fig, value)
        frames.append(render_png(fig))
        plt.close(fig)
    return SliderPlayer(frames, list(values), label, start)


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


# --- Part II: the convolution theorem and deconvolution (chapters 5 and 6) ---------------

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


# --- Part I: 2-D convolution, image filters, separability (chapters 2-4) ---

def show_matrix(ax: Axes, m: np.ndarray, title: str | None = None, *, fmt: str = "{:g}",
                cmap: str = "RdBu_r", symmetric: bool = True, fontsize: float = 8) -> None:
    """A small matrix as coloured cells with its values written in them.

    With ``symmetric`` the colour scale is centred on 0 (for a diverging ``cmap``, so
    signs read at a glance); otherwise it spans the values (for an image patch).
    Complex matrices are coloured by their real part and labelled ``a+bj``.
    """
    m = np.asarray(m)
    shown = (m.real if m.dtype.kind == "c" else m).astype(float)
    if symmetric:
        lim = float(np.abs(shown).max()) or 1.0
        lo, hi = -lim, lim
    else:
        lo, hi = float(shown.min()), float(shown.max())
        hi = hi if hi > lo else lo + 1.0
    im = ax.imshow(shown, cmap=cmap, vmin=lo, vmax=hi)
    for (i, j), v in np.ndenumerate(m):
        label = f"{v.real:g}{v.imag:+g}j" if m.dtype.kind == "c" else fmt.format(v)
        r, g, b, _ = im.cmap(im.norm(shown[i, j]))
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
        ax.text(j, i, label, ha="center", va="center", fontsize=fontsize,
                color="white" if dark else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


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


# --- Part IV: convolution in neural networks (chapters 10-13) ------------------------

__all__ += ["draw_conv_grid", "draw_conv_arithmetic", "draw_group_connectivity",
            "draw_transposed_overlap", "draw_dilated_stack", "draw_kernel_learning"]

_IN, _IN_HI, _OUT, _OUT_HI = "#c6dbef", "#2171b5", "#c7e9c0", "#238b45"


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
            face = _IN_HI if (i, j) in in_hi else (_IN if inside else "white")
            unread = inside and not (i in read and j in read)
            _cell(ax, j + padding, -(i + padding), face, dashed=not inside,
                  hatch="////" if unread else None)
    x0, y0 = size + 1.5, -(size - L) / 2
    for i in range(L):
        for j in range(L):
            _cell(ax, x0 + j, y0 - i, _OUT_HI if (i, j) in out_hi else _OUT)
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
    ax1.set_title(f"k={kernel_size}, stride={stride}: copies (red), overlap (green)",
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


# --- Part III: convolution as matrix multiplication (chapters 7-9) ---

__all__ += ["show_sparse_matrix", "draw_matrix_row", "draw_im2col_patch",
            "draw_winograd_tradeoff"]


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
                r, g, b, _ = im.cmap(im.norm(float(v)))
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
                    mode: str = "full") -> dict:
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
                      dilation: int = 1) -> dict:
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


def draw_winograd_tradeoff(fig: Figure, m: int, table: dict) -> dict:
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


# --- Appendix: which method when? (the benchmark and the method map) ---

#: One colour per method of the method map and the benchmark figure.
METHOD_COLORS = {"direct": "#4c72b0", "separable": "#55a868", "fft": "#dd8452",
                 "overlap_add": "#c44e52", "": "#ffffff"}
#: A marker per method as well, so that no reader has to tell the methods apart by
#: colour alone (green, orange and red are hard to separate for red-green colour-blind
#: readers).
METHOD_MARKERS = {"direct": "o", "separable": "D", "fft": "s", "overlap_add": "^",
                  "winograd": "v", "toeplitz": "P", "im2col": "X", "loops": "*"}


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
    short = {"direct": "dir", "separable": "sep", "fft": "fft", "overlap_add": "OA"}
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


def plot_bench_results(fig: Figure, results: dict) -> None:
    """The benchmark's 1-D and 2-D speed-ups over ``scipy.signal.convolve(auto)``.

    ``results`` is the ``'results'`` part of ``python -m convlib.bench --json``'s file.
    One panel per kind of input: each case's speed-up (SciPy's time over convlib's, log
    scale; above 1 convlib is faster) against its output size, coloured by the method
    convlib picked, with the geometric mean dashed and parity (1) grey. The size axis
    spans whole decades and labels only them; only the speed-ups in ``_SPEEDUP_TICKS``
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
        ax.set_xlim(10.0 ** np.floor(sizes.min()), 10.0 ** np.ceil(sizes.max()))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(_SPEEDUP_TICKS))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("signal size x kernel side")
        ax.set_ylabel("speed-up over SciPy auto")
        ax.set_title(f"{goal.upper()}: {len(rows)} cases")
        ax.legend(fontsize=7, loc="upper left")


# --- Part V: beyond the dense grid (chapters 14-16) ----------------------------------

__all__ += ["draw_sparse_layers", "draw_tile_halo", "draw_pixelcnn_field"]


def draw_sparse_layers(fig: Figure, coords: np.ndarray, shape: tuple[int, int],
                       layers: int, kernel_size: int = 3) -> dict:
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
                   kernel_shape: tuple[int, int], index: int) -> tuple:
    """The output tiles of an image and the input window (tile + halo) of tile ``index``.

    'same' mode. Returns the read window ``((r0, r1), (c0, c1))`` of that tile.
    """
    from matplotlib.patches import Rectangle

    tiles = tile_slices(shape, tile_shape)
    rows, cols = tiles[index]
    (r0, r1), (c0, c1) = window = read_window(rows, cols, shape, kernel_shape, "same")
    ax = fig.subplots()
    ax.add_patch(Rectangle((0, 0), shape[1], shape[0], facecolor=_IN, edgecolor="none"))
    for rr, cc in tiles:
        ax.add_patch(Rectangle((cc.start, rr.start), cc.stop - cc.start,
                               rr.stop - rr.start, fill=False, edgecolor="0.5", lw=0.6))
    ax.add_patch(Rectangle((c0, r0), c1 - c0, r1 - r0, facecolor=_IN_HI, alpha=0.35,
                           edgecolor=_IN_HI, ls="--", lw=1.5, label="read: tile + halo"))
    ax.add_patch(Rectangle((cols.start, rows.start), cols.stop - cols.start,
                           rows.stop - rows.start, facecolor=_OUT_HI, alpha=0.8,
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
