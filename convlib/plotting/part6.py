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

__all__ = ["show_roofline", "draw_roofline_kernel", "ROOFLINE_MARKERS"]

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
