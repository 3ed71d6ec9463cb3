"""Live widgets (ipywidgets) for the chapters, and the update functions they drive.

Each widget pairs a ``draw(fig, value)`` function from :mod:`convlib.plotting` with
slider(s). :func:`live` builds the interactive version for a running kernel; the same
``draw`` feeds :func:`convlib.plotting.slider_player` for the static twin in the
published book. Tests drive the ``draw`` functions directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .data import load_image
from .plotting import FIGSIZE

__all__ = ["live", "live_with_upload", "uploaded_content"]


def live(draw: Callable[..., None], *, figsize: tuple[float, float] = FIGSIZE,
         **controls: Any) -> Any:
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

    def update(**values: Any) -> None:
        fig: Figure = plt.figure(figsize=figsize)
        draw(fig, **values)
        plt.show()

    return ipywidgets.interactive(update, **controls)


def live_with_upload(draw: Callable[..., None], default: np.ndarray, *,
                     max_side: int = 256, figsize: tuple[float, float] = FIGSIZE,
                     **controls: Any) -> Any:
    """Like :func:`live`, on the chapter's image or on one the reader uploads.

    Parameters
    ----------
    draw : callable
        ``draw(fig, image, **values)`` draws one state for a 2-D float image.
    default : ndarray of shape (H, W)
        The image used until the reader uploads one.
    max_side : int
        Uploaded images are subsampled to at most this many pixels per side
        (:func:`convlib.data.load_image`), so the widget stays responsive.
    figsize : (float, float)
    **controls
        As in :func:`live`.

    Returns
    -------
    ipywidgets.VBox
        An upload button above the interactive controls and figure. Its attributes
        ``upload`` (the ``FileUpload``), ``interactive`` and ``image()`` (the image now
        shown) let code and tests drive it.
    """
    import ipywidgets

    state = {"image": np.asarray(default, dtype=float)}

    def update(**values: Any) -> None:
        fig: Figure = plt.figure(figsize=figsize)
        draw(fig, state["image"], **values)
        plt.show()

    interactive = ipywidgets.interactive(update, **controls)
    upload = ipywidgets.FileUpload(accept="image/*", multiple=False,
                                   description="Your image")

    def on_upload(change: Any) -> None:
        content = uploaded_content(change["new"])
        if content is not None:
            state["image"] = load_image(content, max_side=max_side)
            interactive.update()

    upload.observe(on_upload, names="value")
    box = ipywidgets.VBox([upload, interactive])
    box.upload, box.interactive = upload, interactive
    box.image = lambda: state["image"]
    return box


def uploaded_content(value: Any) -> bytes | None:
    """The first uploaded file's bytes from a ``FileUpload`` value, or None if empty.

    ipywidgets 8 holds a tuple of dicts; ipywidgets 7, which Google Colab still ships
    by default, a dict of dicts keyed by file name. Both carry the bytes under
    ``'content'``.

    Examples
    --------
    >>> uploaded_content(({"name": "a.png", "content": memoryview(b"PNG")},))
    b'PNG'
    >>> uploaded_content({"a.png": {"metadata": {"name": "a.png"}, "content": b"PNG"}})
    b'PNG'
    >>> uploaded_content(()) is None
    True
    """
    files = list(value.values()) if isinstance(value, dict) else list(value)
    return bytes(files[0]["content"]) if files else None
