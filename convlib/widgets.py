"""Live widgets (ipywidgets) for the chapters, and the update functions they drive.

Each widget pairs a ``draw(fig, value)`` function from :mod:`convlib.plotting` with
slider(s). :func:`live` builds the interactive version for a running kernel; the same
``draw`` feeds :func:`convlib.plotting.slider_player` for the static twin in the
published book. Tests drive the ``draw`` functions directly.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .plotting import FIGSIZE

__all__ = ["live"]


def live(draw: Callable[..., None], *, figsize: tuple[float, float] = FIGSIZE, **controls):
    """An ipywidgets ``interactive`` that redraws ``draw(fig, **values)`` on each change.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)`` draws one state on an empty figure.
    figsize : (float, float)
        Figure size in inches.
    **controls
        Widgets or ``interact`` abbreviations, e.g. ``n=(0, 10)`` or
        ``n=ipywidgets.IntSlider(...)``.

    Returns
    -------
    ipywidgets.interactive
        Display it (it is the last expression of a cell) to use it.
    """
    import ipywidgets  # imported here so convlib works without a notebook front end

    def update(**values):
        fig: Figure = plt.figure(figsize=figsize)
        draw(fig, **values)
        plt.show()

    return ipywidgets.interactive(update, **controls)
