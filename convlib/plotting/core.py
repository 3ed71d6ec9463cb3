"""The core of the book's plotting: style, signal and image plots, the colours shared by
several parts, and the static "twin" of a widget that works in the published HTML without a
kernel.

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
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["setup", "stem", "show_image", "image_grid", "render_png", "slider_player",
           "SliderPlayer", "FIGSIZE", "DPI", "COLORS", "show_matrix", "METHOD_COLORS",
           "METHOD_MARKERS"]


#: Default figure size (inches) and resolution of the book's figures.
FIGSIZE: tuple[float, float] = (7.0, 3.0)

DPI: int = 80

_STYLE: dict[str, Any] = {
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
    matplotlib.rcParams.update(_STYLE)  # type: ignore[arg-type]  # keys: rcParams names


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


def image_grid(images: Sequence[np.ndarray], titles: Sequence[str | None] | None = None, *,
               ncols: int | None = None, size: float = 2.6, **kwargs: Any) -> Figure:
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
    the frames), so nbval can compare it byte for byte. Static media (the PDF) show the
    frame at ``start`` as a still image; the book's LaTeX build (book/_ext/book_latex.py)
    prints a line under it saying so.

    Attributes
    ----------
    frames : list of bytes
        PNG of each state.
    values : list
        The parameter value of each frame, shown next to the slider.
    label : str
        The parameter's name.
    """

    def __init__(self, frames: list[bytes], values: list[Any], label: str, start: int = 0
                 ) -> None:
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

    def _repr_mimebundle_(self, include: object = None, exclude: object = None
                          ) -> dict[str, str]:
        # HTML for the web page; the frame at `start` as PNG for the PDF and other static media
        return {"text/html": self._repr_html_(),
                "image/png": base64.b64encode(self.frames[self.start]).decode("ascii"),
                "text/plain": repr(self)}

    def __repr__(self) -> str:
        return (f"SliderPlayer({self.label!r}, {len(self.frames)} frames, "
                f"values {self.values[0]}..{self.values[-1]})")


def slider_player(draw: Callable[[Figure, Any], None], values: Sequence[Any], label: str,
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
        Displays as self-contained HTML; in print, as the still frame at ``start``.
    """
    frames = []
    for value in values:
        fig = plt.figure(figsize=figsize)
        draw(fig, value)
        frames.append(render_png(fig))
        plt.close(fig)
    return SliderPlayer(frames, list(values), label, start)


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


#: Cell colours of the grid figures of Parts IV and V: input, highlighted input, output,
#: highlighted output.
GRID_IN, GRID_IN_HI, GRID_OUT, GRID_OUT_HI = "#c6dbef", "#2171b5", "#c7e9c0", "#238b45"

#: One colour per method of the method map and the benchmark figure.
METHOD_COLORS = {"direct": "#4c72b0", "separable": "#55a868", "fft": "#dd8452",
                 "overlap_add": "#c44e52", "compiled": "#8172b3", "": "#ffffff"}

#: A marker per method as well, so that no reader has to tell the methods apart by
#: colour alone (green, orange and red are hard to separate for red-green colour-blind
#: readers).
METHOD_MARKERS = {"direct": "o", "separable": "D", "fft": "s", "overlap_add": "^",
                  "winograd": "v", "toeplitz": "P", "im2col": "X", "loops": "*",
                  "compiled": "h"}
