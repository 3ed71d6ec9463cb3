"""convlib.plotting and widgets: figures are deterministic, twins and widgets share draw()."""

from __future__ import annotations

import base64
import datetime
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import convlib as cl  # noqa: E402
from convlib.direct import conv_terms  # noqa: E402

X = np.array([3.0, 1.0, 2.0, 0.5, -1.0])
H = np.array([1.0, 2.0, -1.0])


@pytest.fixture(autouse=True)
def _style():
    cl.plotting.setup()
    yield
    plt.close("all")


@pytest.mark.parametrize("n", [0, 2, 4, 6])
def test_flip_slide_state_and_drawing(n):
    k, xk, hk, products = conv_terms(X, H, n)
    assert np.all((k >= 0) & (k < len(X)) & (n - k >= 0) & (n - k < len(H)))
    assert np.isclose(products.sum(), np.convolve(X, H)[n])
    fig = plt.figure()
    cl.plotting.draw_flip_slide(fig, X, H, n)
    ax_inputs, ax_products, ax_output = fig.axes
    assert f"y[{n}] = sum of products = {products.sum():.3g}" in ax_products.get_title()
    # the flipped kernel is drawn at k = n, n - 1, ..., n - M + 1 with values h[0], h[1], ...
    squares = [line for line in ax_inputs.lines if line.get_marker() == "s"][0]
    assert squares.get_xdata().tolist() == [n, n - 1, n - 2]
    assert squares.get_ydata().tolist() == H.tolist()


def test_conv_terms_empty_and_errors():
    k, *_ = conv_terms(X, H, 20)
    assert k.size == 0
    with pytest.raises(ValueError, match="^conv_terms: x and h must be 1-D"):
        conv_terms(np.ones((2, 2)), H, 0)


def test_slider_player_is_deterministic_and_complete():
    def draw(fig, n):
        cl.plotting.draw_flip_slide(fig, X, H, n)

    one = cl.plotting.slider_player(draw, range(3), "n", figsize=(4, 3))
    two = cl.plotting.slider_player(draw, range(3), "n", figsize=(4, 3))
    html_one = one._repr_html_()
    assert html_one == two._repr_html_()
    assert len(one.frames) == 3 and len(set(one.frames)) == 3
    assert all(f.startswith(b"\x89PNG") for f in one.frames)
    assert html_one.count('type="range"') == 1 and 'max="2"' in html_one
    ids = set(re.findall(r'id="(clp-[0-9a-f]{12})"', html_one))
    assert len(ids) == 1
    assert "SliderPlayer('n', 3 frames" in repr(one)
    bundle = one._repr_mimebundle_()
    assert bundle["text/html"] == html_one and bundle["text/plain"] == repr(one)
    assert base64.b64decode(bundle["image/png"]) == one.frames[0]


def test_render_png_has_no_varying_metadata():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = cl.plotting.render_png(fig)
    assert b"Software" not in png and png == cl.plotting.render_png(fig)


def test_live_widget_calls_draw_with_slider_values(monkeypatch):
    ipywidgets = pytest.importorskip("ipywidgets")
    seen = []

    def draw(fig, n):
        seen.append(n)
        cl.plotting.draw_flip_slide(fig, X, H, n)

    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    widget = cl.widgets.live(draw, n=(0, 6))
    assert isinstance(widget, ipywidgets.interactive)
    slider = widget.children[0]
    for value in (0, 5, 2):
        slider.value = value  # the slider's observer redraws
        assert seen[-1] == value
    widget.update()
    assert seen[-1] == 2


def test_draw_superposition_and_modes():
    fig = plt.figure()
    cl.plotting.draw_superposition(fig, [1.0, 0.5], [1.0, 1.0, 1.0])
    assert len(fig.axes[1].lines) >= 2
    fig2, ax = plt.subplots()
    cl.plotting.draw_modes(ax, 8, 3)
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["full: 10 samples", "same: 8 samples", "valid: 6 samples"]


def test_image_grid():
    fig = cl.plotting.image_grid([np.eye(3)] * 3, ["a", "b", "c"], ncols=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:3] == ["a", "b", "c"] and not fig.axes[3].axison


def test_load_image_roundtrip_and_errors(tmp_path):
    rgb = np.zeros((40, 30, 3))
    rgb[:, :15, 0] = 1.0  # left half red
    path = tmp_path / "red.png"
    plt.imsave(path, rgb)
    gray = cl.data.load_image(path.read_bytes())
    assert gray.shape == (40, 30)
    np.testing.assert_allclose(gray[:, :15], 0.2125, atol=1e-6)
    np.testing.assert_allclose(gray[:, 15:], 0.0)
    assert cl.data.load_image(str(path), gray=False).shape == (40, 30, 3)
    assert cl.data.load_image(path.read_bytes(), max_side=16).shape == (14, 10)
    with pytest.raises(ValueError, match="^load_image: source is not a readable image"):
        cl.data.load_image(b"not an image")
    with pytest.raises(ValueError, match="^load_image: max_side must be >= 1; got 0"):
        cl.data.load_image(path.read_bytes(), max_side=0)


def test_live_with_upload_redraws_on_the_uploaded_image(monkeypatch, tmp_path):
    pytest.importorskip("ipywidgets")
    seen = []

    def draw(fig, image, size):
        seen.append((image.shape, size))
        cl.plotting.show_image(fig.add_subplot(), image)

    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    widget = cl.widgets.live_with_upload(draw, np.zeros((8, 8)), max_side=32, size=(1, 5))
    widget.interactive.children[0].value = 2
    assert seen[-1] == ((8, 8), 2)
    path = tmp_path / "upload.png"
    plt.imsave(path, np.linspace(0, 1, 64 * 48).reshape(64, 48), cmap="gray")
    widget.upload.value = ({"name": "upload.png", "type": "image/png", "size": 1,
                            "content": memoryview(path.read_bytes()),
                            "last_modified": datetime.datetime(2026, 1, 1,
                                                               tzinfo=datetime.timezone.utc)},)
    assert seen[-1] == ((32, 24), 2) and widget.image().shape == (32, 24)
