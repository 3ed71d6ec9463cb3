"""convlib.notebook.glue stores what myst_nb.glue stores, so the chapters can run where
myst-nb is not installed (JupyterLite, Colab) while the book renders the same."""

from __future__ import annotations

import IPython.display
import numpy as np
import pytest

from convlib import notebook


def _captured(monkeypatch, module, attribute, call):
    calls = []
    monkeypatch.setattr(module, attribute,
                        lambda obj, **kwargs: calls.append((obj, kwargs)))
    call()
    return calls


@pytest.mark.parametrize("value", [42, 0.125, np.float64(2.5), "text", [1, 2]])
@pytest.mark.parametrize("display", [True, False])
def test_glue_stores_what_myst_nb_stores(monkeypatch, value, display):
    myst_glue = pytest.importorskip("myst_nb.ext.glue")
    ours = _captured(monkeypatch, IPython.display, "display",
                     lambda: notebook.glue("key", value, display=display))
    theirs = _captured(monkeypatch, myst_glue, "ipy_display",
                       lambda: myst_glue.glue("key", value, display=display))
    assert ours == theirs and len(ours) == 1
    assert notebook.GLUE_PREFIX == myst_glue.GLUE_PREFIX
