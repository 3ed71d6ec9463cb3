"""Figures of Part VI, convolution at machine speed (chapter 17): the roofline with
measured points, and the widget that moves a direct convolution's points with its
kernel size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..roofline import direct_intensity, ridge_point, roofline

__all__ = ["show_roofline", "draw_roofline_kernel", "ROOFLINE_MARKERS",
           "show_roofline_series"]

#: Markers cycled over a roofline's points, so that points differ by shape as well as
#: colour.
ROOFLINE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h", "p", "d",
                    "H", "8")


def show_roofline(ax: Axes, peak: float, bandwidth: float,
                  points: Sequence[dict[str, Any]] = (), *,
                  intensities: tuple[float, float] = (0.03, 1000.0)) -> Axes:
    """The roofline ``min(peak, I * bandwidth)`` on log-log axes, with measured points.

    Parameters
    ----------
    ax : Axes
    peak, bandwidth : float
        FLOP/s and bytes/s of the machine.
    points : sequence of dict
        Each with ``label``, ``intensity`` (FLOP/byte) and ``flops`` (measured FLOP/s).
    intensities : (float, float)
        The range of the horizontal axis.
    """
    i = np.geomspace(*intensities, 200)
    ax.loglog(i, roofline(i, peak, bandwidth) / 1e9, color="k", lw=2, label="roofline")
    r = ridge_point(peak, bandwidth)
    ax.axvline(r, color="0.6", ls=":", lw=1)
    ax.annotate(f"ridge {r:.3g} FLOP/B", (r, peak / 1e9), xytext=(4, -14),
                textcoords="offset points", fontsize=8, color="0.3")
    cmap = matplotlib.colormaps["viridis"]
    for n, p in enumerate(points):
        ax.loglog(p["intensity"], p["flops"] / 1e9, ls="none",
                  marker=ROOFLINE_MARKERS[n % len(ROOFLINE_MARKERS)], ms=8,
                  color=cmap(n / max(len(points) - 1, 1) * 0.9), mec="k", mew=0.6,
                  label=p["label"])
    ax.set_xlabel("arithmetic intensity (FLOP per byte moved)")
    ax.set_ylabel("GFLOP/s")
    ax.grid(True, which="major", alpha=0.3)
    if points:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0)
    return ax


def draw_roofline_kernel(fig: Figure, k: int, *, peak: float, bandwidth: float,
                         itemsize: int = 4) -> dict[str, float]:
    """Where a ``k x k`` direct convolution sits on the roofline, in both formulations.

    One pass per tap (:func:`convlib.roofline.direct_intensity` ``'per_tap'``) stays at
    the same intensity whatever ``k``; reading the input once (``'once'``) moves right
    with ``k * k`` until it crosses the ridge. Returns the two intensities and the
    attainable FLOP/s at each (keys ``per_tap``, ``once``, ``per_tap_flops``,
    ``once_flops``).
    """
    taps = k * k
    state = {}
    for passes in ("per_tap", "once"):
        i = direct_intensity(taps, itemsize, passes)
        state[passes] = i
        state[f"{passes}_flops"] = float(roofline(i, peak, bandwidth))
    ax = fig.subplots()
    show_roofline(ax, peak, bandwidth, [
        {"label": "one pass per tap", "intensity": state["per_tap"],
         "flops": state["per_tap_flops"]},
        {"label": "input read once", "intensity": state["once"],
         "flops": state["once_flops"]}], intensities=(0.03, 300.0))
    bound = "compute" if state["once"] > ridge_point(peak, bandwidth) else "memory"
    ax.set_title(f"{k}x{k} kernel: one pass per tap {state['per_tap_flops'] / 1e9:.3g} "
                 f"GFLOP/s, read once {state['once_flops'] / 1e9:.3g} ({bound}-bound)",
                 fontsize=8)
    return state


def show_roofline_series(ax: Axes, peak: float, bandwidth: float,
                         series: Sequence[dict[str, Any]], *,
                         intensities: tuple[float, float] = (0.3, 100.0)) -> Axes:
    """The roofline ``min(peak, I * bandwidth)`` with series of measured points.

    For results stored from a benchmark run: each series is one implementation on one
    kind of case (e.g. convlib's depthwise layers), drawn with one colour and one
    marker shape, filled or hollow (e.g. filled for convlib, hollow for a peer
    library), so that series differ by shape and fill as well as colour.

    Parameters
    ----------
    ax : Axes
    peak, bandwidth : float
        FLOP/s and bytes/s of the machine the points were measured on.
    series : sequence of dict
        Each with ``label``, ``intensity`` (FLOP/byte, one per point), ``flops``
        (measured FLOP/s, one per point), and optionally ``marker`` (a matplotlib
        marker, default ``'o'``), ``color`` (default: viridis, spread over the series)
        and ``filled`` (default True).
    intensities : (float, float)
        The range of the horizontal axis.

    Returns
    -------
    Axes
        ``ax``, with the roofline, the ridge, one line object per series (after the
        roof and the ridge) and a legend outside the axes on the right.

    Raises
    ------
    ValueError
        If a series' ``intensity`` and ``flops`` differ in length.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = show_roofline_series(ax, 1e11, 1e10, [
    ...     {"label": "a", "intensity": [1.0, 4.0], "flops": [5e9, 3e10]}])
    >>> len(ax.get_lines())      # the roof, the ridge and the series
    3
    >>> plt.close(fig)
    """
    show_roofline(ax, peak, bandwidth, (), intensities=intensities)
    cmap = matplotlib.colormaps["viridis"]
    for n, s in enumerate(series):
        x = np.asarray(s["intensity"], dtype=float).ravel()
        y = np.asarray(s["flops"], dtype=float).ravel() / 1e9
        if x.shape != y.shape:
            raise ValueError(f"show_roofline_series: series {s['label']!r} has "
                             f"{x.size} intensities and {y.size} rates")
        color = s.get("color", cmap(n / max(len(series) - 1, 1) * 0.9))
        filled = s.get("filled", True)
        ax.loglog(x, y, ls="none", marker=s.get("marker", "o"), ms=8,
                  color=color, mfc=color if filled else "none",
                  mec="k" if filled else color, mew=0.7 if filled else 1.8,
                  label=s["label"])
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax
