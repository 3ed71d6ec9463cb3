"""The gated PixelCNN: two stacks without a blind spot, colour masks, sampling (chapter 16).

A stack of PixelCNN-masked 3x3 layers (:mod:`convlib.masked`) is causal but has a blind
spot up and to the right. The gated PixelCNN of van den Oord et al. (2016) replaces it
by two stacks:

* a **vertical stack** of ``(k//2 + 1) x k`` convolutions that read the rows above and
  the current row; its features enter the horizontal stack **shifted down by one row**,
  so they carry only rows strictly above;
* a **horizontal stack** of ``1 x (k//2 + 1)`` convolutions over the current row, left
  of the pixel (the pixel itself excluded in the first layer: mask A);

both with the gated activation ``tanh(f) * sigmoid(g)``. Also here:
:func:`color_mask` (R, G, B channel groups in the masks), :func:`perturbation_field`
(which inputs an output reads, measured by perturbing each input) and
:func:`sample_raster` (autoregressive sampling, one forward pass per pixel).

All convolutions are cross-correlations with :mod:`convlib.nn`'s semantics (PyTorch's).
"""

from __future__ import annotations

from typing import Any, Callable, Literal, NamedTuple, Sequence

import numpy as np
from scipy.special import expit, softmax

from ._typing import ArrayLike, NDArray
from ._validation import as_array, as_tuple, check_choice, check_int
from .masked import pixelcnn_mask
from .nn.layers import conv_forward

__all__ = ["GatedLayer", "gated_activation", "gated_layer", "gated_pixelcnn",
           "random_gated_pixelcnn", "gated_pixelcnn_field", "color_mask",
           "perturbation_field", "sample_raster", "pixel_probabilities"]


class GatedLayer(NamedTuple):
    """The weights of one gated PixelCNN layer (``C`` features, ``C_in`` inputs, odd ``k``).

    Parameters
    ----------
    vertical : ndarray of shape (2C, C_in, k//2 + 1, k)
        The vertical stack's kernel: rows ``p - k//2 ... p``, columns ``q ± k//2``.
    horizontal : ndarray of shape (2C, C_in, 1, k//2 + 1)
        The horizontal stack's kernel: columns ``q - k//2 ... q`` of row ``p``.
    link : ndarray of shape (2C, 2C, 1, 1)
        The 1x1 convolution that feeds the (shifted) vertical features to the horizontal.
    out : ndarray of shape (C, C, 1, 1)
        The 1x1 convolution after the horizontal gate (then the residual is added).
    """

    vertical: np.ndarray
    horizontal: np.ndarray
    link: np.ndarray
    out: np.ndarray


def gated_activation(a: ArrayLike) -> NDArray[Any]:
    """The gated activation unit ``tanh(f) * sigmoid(g)``, ``f, g`` the two channel halves.

    Parameters
    ----------
    a : array_like of shape (N, 2C, H, W) or (2C, H, W)
        Pre-activations: channels ``0 ... C-1`` are ``f``, channels ``C ... 2C-1``
        are ``g``.

    Returns
    -------
    ndarray of shape (N, C, H, W) or (C, H, W)

    Raises
    ------
    ValueError
        If ``a`` is not 3-D or 4-D or has an odd number of channels.

    Notes
    -----
    The sigmoid gate in ``(0, 1)`` scales each ``tanh`` feature, as the gates of an LSTM
    do; van den Oord et al. (2016) use it in place of PixelCNN's ReLU. Taught in
    :ref:`ch-masked-causal`.

    References
    ----------
    van den Oord, Kalchbrenner, Espeholt, Vinyals, Graves and Kavukcuoglu (2016),
    *Conditional image generation with PixelCNN decoders*, NeurIPS, equation (2).

    Examples
    --------
    >>> gated_activation(np.array([[[0.5]], [[0.0]]])).round(4)   # tanh(0.5) * sigmoid(0)
    array([[[0.2311]]])
    >>> gated_activation(np.ones((3, 2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: gated_activation: a must have an even number of channels (axis -3); got 3
    """
    func = "gated_activation"
    a = as_array(a, "a", func, ndim=(3, 4)).astype(float)
    C2 = a.shape[-3]
    if C2 % 2:
        raise ValueError(f"{func}: a must have an even number of channels (axis -3); "
                         f"got {C2}")
    f, g = a[..., : C2 // 2, :, :], a[..., C2 // 2:, :, :]
    return np.tanh(f) * expit(g)


def _check_layer(weights: GatedLayer, c_in: int, func: str) -> tuple[int, int]:
    """Validate the four kernels' shapes against each other; return ``(C, k)``."""
    wv = as_array(weights.vertical, "weights.vertical", func, ndim=4)
    C2, k = wv.shape[0], wv.shape[-1]
    if k % 2 == 0 or C2 % 2:
        raise ValueError(f"{func}: weights.vertical must have shape (2C, C_in, k//2 + 1, "
                         f"k) with odd k; got shape {wv.shape}")
    expected = {"vertical": (C2, c_in, k // 2 + 1, k),
                "horizontal": (C2, c_in, 1, k // 2 + 1),
                "link": (C2, C2, 1, 1), "out": (C2 // 2, C2 // 2, 1, 1)}
    for name, shape in expected.items():
        got = np.shape(getattr(weights, name))
        if got != shape:
            raise ValueError(f"{func}: weights.{name} must have shape {shape}; "
                             f"got shape {got}")
    return C2 // 2, k


def gated_layer(v: ArrayLike, h: ArrayLike, weights: GatedLayer, first: bool = False
                ) -> tuple[NDArray[Any], NDArray[Any]]:
    """One layer of the gated PixelCNN: the vertical and the horizontal stack.

    Parameters
    ----------
    v, h : array_like of shape (N, C_in, H, W)
        The vertical and the horizontal stack's inputs (both the image in layer 1).
    weights : GatedLayer
        The kernels, see :class:`GatedLayer`.
    first : bool
        Layer 1: the horizontal kernel's last tap (the pixel itself) is masked off
        (mask A), and there is no residual connection.

    Returns
    -------
    v_out, h_out : ndarray of shape (N, C, H, W)
        ``v_out = gate(V * v)`` and
        ``h_out = out * gate(Hk * h + link * shift_down(V * v)) (+ h unless first)``,
        ``*`` the cross-correlations with their paddings, ``gate`` :func:`gated_activation`.

    Raises
    ------
    ValueError
        If ``v`` and ``h`` differ in shape, a kernel's shape does not fit, or a later
        layer's input channels differ from ``C`` (the residual needs them equal).

    Notes
    -----
    With ``hk = k // 2``, the vertical pre-activation at ``(p, q)`` reads rows
    ``p - hk ... p`` and columns ``q - hk ... q + hk`` of ``v`` (padding ``hk`` on top and
    on both sides, none below): it sees the current row, future pixels included. It
    reaches the horizontal stack only **shifted down by one row** (row ``p`` receives
    row ``p - 1``, row 0 zeros), so through it the pixel sees rows strictly above. The
    horizontal pre-activation reads columns ``q - hk ... q`` of row ``p`` of ``h``
    (``q - 1`` at most in the first layer). After ``L`` layers the output at ``(p, q)``
    reads exactly rows ``p - 1 - L hk ... p - 1`` within ``L hk`` columns either side,
    and columns ``q - L hk ... q - 1`` of row ``p``: no blind spot
    (:func:`gated_pixelcnn_field`). Cost per layer and pixel:
    ``2C C_in (hk + 1)(k + 1) + 4C^2 + C^2`` multiply-adds. Taught in
    :ref:`ch-masked-causal`.

    References
    ----------
    van den Oord et al. (2016), *Conditional image generation with PixelCNN decoders*,
    NeurIPS (the gated layer with its vertical and horizontal stacks).

    Examples
    --------
    >>> w = GatedLayer(np.ones((2, 1, 2, 3)), np.ones((2, 1, 1, 2)),
    ...                np.zeros((2, 2, 1, 1)), np.ones((1, 1, 1, 1)))
    >>> x = np.zeros((1, 1, 2, 3)); x[0, 0, 0, 0] = 1
    >>> v, h = gated_layer(x, x, w, first=True)
    >>> (v[0, 0] > 0).astype(int)           # the vertical stack reads down and right
    array([[1, 1, 0],
           [1, 1, 0]])
    >>> (h[0, 0] > 0).astype(int)           # the horizontal stack: right, same row
    array([[0, 1, 0],
           [0, 0, 0]])
    >>> gated_layer(x, x[..., :2], w)
    Traceback (most recent call last):
    ...
    ValueError: gated_layer: v and h must have the same shape; got (1, 1, 2, 3) and (1, 1, 2, 2)
    """
    func = "gated_layer"
    v = as_array(v, "v", func, ndim=4)
    h = as_array(h, "h", func, ndim=4)
    if v.shape != h.shape:
        raise ValueError(f"{func}: v and h must have the same shape; got {v.shape} and "
                         f"{h.shape}")
    C, k = _check_layer(weights, v.shape[1], func)
    if not first and v.shape[1] != C:
        raise ValueError(f"{func}: a later layer's input must have C = {C} channels (the "
                         f"residual); got {v.shape[1]}")
    hk = k // 2
    pre_v = conv_forward(v, weights.vertical, None, 1, ((hk, 0), (hk, hk)), 1, 1, 2, func)
    down = np.zeros_like(pre_v)
    down[:, :, 1:] = pre_v[:, :, :-1]                    # row p gets row p - 1
    wh = np.array(weights.horizontal, dtype=float)
    if first:
        wh[..., -1] = 0                                  # mask A: not the pixel itself
    pre_h = conv_forward(h, wh, None, 1, ((0, 0), (hk, 0)), 1, 1, 2, func)
    pre_h = pre_h + conv_forward(down, weights.link, None, 1, 0, 1, 1, 2, func)
    h_out = conv_forward(gated_activation(pre_h), weights.out, None, 1, 0, 1, 1, 2, func)
    return gated_activation(pre_v), h_out if first else h_out + h


def gated_pixelcnn(x: ArrayLike, layers: Sequence[GatedLayer], head: ArrayLike
                   ) -> NDArray[Any]:
    """A stack of gated PixelCNN layers and a 1x1 output convolution.

    Parameters
    ----------
    x : array_like of shape (N, C_in, H, W)
        The image(s).
    layers : sequence of GatedLayer
        Layer 1 maps ``C_in`` to ``C`` channels (mask A), the others ``C`` to ``C``.
    head : array_like of shape (C_out, C, 1, 1)
        Reads the last horizontal stack, e.g. ``C_out`` logits per pixel.

    Returns
    -------
    ndarray of shape (N, C_out, H, W)
        Output ``(p, q)`` reads only pixels before ``(p, q)`` in raster order.

    Raises
    ------
    ValueError
        If ``layers`` is empty, or as :func:`gated_layer` and :func:`convlib.nn.conv2d`.

    Examples
    --------
    >>> layers, head = random_gated_pixelcnn(0, 1, 2, 2, 3, 2)
    >>> gated_pixelcnn(np.zeros((1, 1, 4, 4)), layers, head).shape
    (1, 2, 4, 4)
    >>> gated_pixelcnn(np.zeros((1, 1, 4, 4)), [], head)
    Traceback (most recent call last):
    ...
    ValueError: gated_pixelcnn: layers must hold at least one GatedLayer; got 0
    """
    func = "gated_pixelcnn"
    if len(layers) == 0:
        raise ValueError(f"{func}: layers must hold at least one GatedLayer; got 0")
    v = h = as_array(x, "x", func, ndim=4)
    for i, weights in enumerate(layers):
        v, h = gated_layer(v, h, weights, first=i == 0)
    return conv_forward(h, head, None, 1, 0, 1, 1, 2, func)


def random_gated_pixelcnn(seed: int, in_channels: int, channels: int, layers: int,
                          kernel_size: int = 3, out_channels: int = 1
                          ) -> tuple[list[GatedLayer], np.ndarray]:
    """Random (untrained) weights for :func:`gated_pixelcnn`, scaled by ``1/sqrt(fan_in)``.

    Parameters
    ----------
    seed : int
        Seed of ``np.random.default_rng``.
    in_channels, channels, layers, out_channels : int
        ``C_in``, ``C``, the number of layers and ``C_out``, each ``>= 1``.
    kernel_size : int
        Odd ``k``.

    Returns
    -------
    layers : list of GatedLayer
    head : ndarray of shape (out_channels, channels, 1, 1)

    Raises
    ------
    ValueError
        If a count is < 1 or ``kernel_size`` is even.

    Examples
    --------
    >>> layers, head = random_gated_pixelcnn(0, 1, 4, 2)
    >>> layers[0].vertical.shape, layers[1].horizontal.shape, head.shape
    ((8, 1, 2, 3), (8, 4, 1, 2), (1, 4, 1, 1))
    """
    func = "random_gated_pixelcnn"
    c_in = check_int(in_channels, "in_channels", func, minimum=1)
    C = check_int(channels, "channels", func, minimum=1)
    n = check_int(layers, "layers", func, minimum=1)
    c_out = check_int(out_channels, "out_channels", func, minimum=1)
    k = check_int(kernel_size, "kernel_size", func, minimum=1)
    if k % 2 == 0:
        raise ValueError(f"{func}: kernel_size must be odd; got {k}")
    rng = np.random.default_rng(seed)

    def draw(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))

    stack = [GatedLayer(draw(2 * C, c, k // 2 + 1, k), draw(2 * C, c, 1, k // 2 + 1),
                        draw(2 * C, 2 * C, 1, 1), draw(C, C, 1, 1))
             for c in [c_in] + [C] * (n - 1)]
    return stack, draw(c_out, C, 1, 1)


def gated_pixelcnn_field(shape: tuple[int, int], pixel: tuple[int, int], layers: int,
                         kernel_size: int = 3) -> np.ndarray:
    """The input pixels that output ``pixel`` of ``layers`` gated layers reads (predicted).

    Parameters
    ----------
    shape : (int, int)
        Image size ``(H, W)``.
    pixel : (int, int)
        The output pixel ``(p, q)``, inside the image.
    layers : int
        ``L >= 1``.
    kernel_size : int
        Odd ``k``; ``hk = k // 2``.

    Returns
    -------
    ndarray of bool, shape (H, W)
        True on rows ``p - 1 - L hk ... p - 1`` within ``L hk`` columns of ``q`` and on
        columns ``q - L hk ... q - 1`` of row ``p``: the causal half-plane cut to the
        stack's reach. :func:`perturbation_field` measures it.

    Raises
    ------
    ValueError
        If ``pixel`` lies outside ``shape`` or a size is out of range.

    Examples
    --------
    >>> gated_pixelcnn_field((4, 5), (2, 2), 1).astype(int)
    array([[0, 1, 1, 1, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 0, 0, 0],
           [0, 0, 0, 0, 0]])
    """
    func = "gated_pixelcnn_field"
    H, W = as_tuple(shape, 2, "shape", func, minimum=1)
    p, q = as_tuple(pixel, 2, "pixel", func, minimum=0)
    if p >= H or q >= W:
        raise ValueError(f"{func}: pixel must lie inside shape {(H, W)}; got {(p, q)}")
    n = check_int(layers, "layers", func, minimum=1)
    k = check_int(kernel_size, "kernel_size", func, minimum=1)
    if k % 2 == 0:
        raise ValueError(f"{func}: kernel_size must be odd; got {k}")
    reach = n * (k // 2)
    r, c = np.indices((H, W))
    above = (r < p) & (r >= p - 1 - reach) & (abs(c - q) <= reach)
    return above | ((r == p) & (c < q) & (c >= q - reach))


def color_mask(kernel_size: int | tuple[int, int], mask_type: Literal["A", "B"],
               in_channels: int, out_channels: int) -> NDArray[np.float64]:
    """PixelCNN's mask with the colour order R, G, B inside each pixel.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Odd sizes ``(kH, kW)``.
    mask_type : {'A', 'B'}
    in_channels, out_channels : int
        Multiples of 3; channel ``c`` of ``C`` belongs to group ``c // (C // 3)``
        (0 = R, 1 = G, 2 = B: three contiguous blocks).

    Returns
    -------
    ndarray of shape (out_channels, in_channels, kH, kW)
        0/1 floats: the taps before the centre in raster order connect every channel
        pair; the centre tap connects output group ``go`` to input group ``gi`` only if
        ``gi < go`` (mask A) or ``gi <= go`` (mask B); the taps after the centre are 0.

    Raises
    ------
    ValueError
        If a channel count is not a positive multiple of 3, a kernel size is even or
        < 1, or ``mask_type`` is not 'A' or 'B'.

    Notes
    -----
    With mask A in the first layer and B after it, the prediction of R at ``(p, q)``
    reads only earlier pixels, G also reads R of ``(p, q)``, and B reads R and G of
    ``(p, q)``: ``p(x) = prod p(x_R | x_<) p(x_G | x_<, x_R) p(x_B | x_<, x_R, x_G)``.
    Taught in :ref:`ch-masked-causal`.

    References
    ----------
    van den Oord, Kalchbrenner and Kavukcuoglu (2016), *Pixel recurrent neural
    networks*, ICML (the masked convolution, with its R, G, B channel groups).

    Examples
    --------
    >>> color_mask(3, "A", 3, 3)[:, :, 1, 1]         # the centre tap, out x in
    array([[0., 0., 0.],
           [1., 0., 0.],
           [1., 1., 0.]])
    >>> color_mask(3, "A", 2, 3)
    Traceback (most recent call last):
    ...
    ValueError: color_mask: in_channels must be a positive multiple of 3; got 2
    """
    func = "color_mask"
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
        if check_int(value, name, func, minimum=1) % 3:
            raise ValueError(f"{func}: {name} must be a positive multiple of 3; "
                             f"got {value}")
    check_choice(mask_type, "mask_type", ("A", "B"), func)
    kH, kW = as_tuple(kernel_size, 2, "kernel_size", func, minimum=1)
    if kH % 2 == 0 or kW % 2 == 0:
        raise ValueError(f"{func}: kernel_size must be odd; got {(kH, kW)}")
    mask = pixelcnn_mask((kH, kW), "A", in_channels, out_channels)
    g_out = np.arange(out_channels) // (out_channels // 3)
    g_in = np.arange(in_channels) // (in_channels // 3)
    centre = g_in[None, :] < g_out[:, None] if mask_type == "A" else \
        g_in[None, :] <= g_out[:, None]
    mask[:, :, kH // 2, kW // 2] = centre
    return mask


def perturbation_field(model: Callable[[np.ndarray], np.ndarray], x: ArrayLike,
                       pixel: tuple[int, int], delta: float = 1.0) -> np.ndarray:
    """Which inputs the output at ``pixel`` reads: perturb each input, one at a time.

    Parameters
    ----------
    model : callable
        Maps a batch of shape (N, C_in, H, W) to outputs of shape (N, C_out, H, W).
    x : array_like of shape (C_in, H, W)
        The input around which to perturb.
    pixel : (int, int)
        The output location ``(p, q)``.
    delta : float
        The change added to one input value at a time.

    Returns
    -------
    ndarray of bool, shape (C_out, C_in, H, W)
        ``field[o, c, r, s]``: changing ``x[c, r, s]`` by ``delta`` changes output
        ``o`` at ``pixel`` (compared exactly).

    Raises
    ------
    ValueError
        If ``x`` is not 3-D or ``pixel`` lies outside it.

    Notes
    -----
    One call of ``model`` on a batch of ``C_in H W + 1`` images. An input that is never
    read gives an output equal to the last bit; a read input whose change cancels
    exactly would be missed, which random weights make a probability-zero event. For a
    linear model this is the sparsity pattern of the Jacobian.

    Examples
    --------
    >>> shift = lambda b: np.roll(b, 1, axis=-1)      # output q reads input q - 1
    >>> perturbation_field(shift, np.zeros((1, 1, 3)), (0, 2))[0, 0].astype(int)
    array([[0, 1, 0]])
    >>> perturbation_field(shift, np.zeros((1, 1, 3)), (1, 0))
    Traceback (most recent call last):
    ...
    ValueError: perturbation_field: pixel must lie inside (H, W) = (1, 3); got (1, 0)
    """
    func = "perturbation_field"
    x = as_array(x, "x", func, ndim=3).astype(float)
    p, q = as_tuple(pixel, 2, "pixel", func, minimum=0)
    C, H, W = x.shape
    if p >= H or q >= W:
        raise ValueError(f"{func}: pixel must lie inside (H, W) = {(H, W)}; got {(p, q)}")
    batch = np.broadcast_to(x, (C * H * W + 1, C, H, W)).copy()
    batch[np.arange(C * H * W), *np.unravel_index(np.arange(C * H * W), x.shape)] += delta
    out = np.asarray(model(batch))[:, :, p, q]               # (C H W + 1, C_out)
    return (out[:-1] != out[-1]).T.reshape(-1, C, H, W)


def pixel_probabilities(model: Callable[[np.ndarray], np.ndarray], image: ArrayLike
                        ) -> NDArray[Any]:
    """All conditionals ``p(x[p, q] = level | earlier pixels)`` from one forward pass.

    Parameters
    ----------
    model : callable
        Maps images of shape (N, 1, H, W) to logits of shape (N, levels, H, W) and reads
        only earlier pixels (e.g. a :func:`gated_pixelcnn`).
    image : array_like of int, shape (H, W)
        Levels ``0 ... levels - 1``.

    Returns
    -------
    ndarray of shape (H, W, levels)
        The softmax over the logits at every pixel.

    Examples
    --------
    >>> flat = lambda b: np.zeros((len(b), 2) + b.shape[2:])
    >>> pixel_probabilities(flat, np.zeros((1, 2), int))[0, 1]
    array([0.5, 0.5])
    """
    img = as_array(image, "image", "pixel_probabilities", ndim=2)
    logits = np.asarray(model(img[None, None].astype(float)))[0]
    return softmax(logits, axis=0).transpose(1, 2, 0)


def sample_raster(model: Callable[[np.ndarray], np.ndarray], shape: tuple[int, int],
                  seed: int | np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Sample an image pixel by pixel in raster order: one forward pass per pixel.

    Parameters
    ----------
    model : callable
        As in :func:`pixel_probabilities`: ``(N, 1, H, W)`` images to ``(N, levels,
        H, W)`` logits, reading only earlier pixels.
    shape : (int, int)
        ``(H, W)``.
    seed : int or numpy.random.Generator
        Seeds the draws.

    Returns
    -------
    image : ndarray of int, shape (H, W)
        The sample, levels ``0 ... levels - 1``.
    probs : ndarray of shape (H, W, levels)
        The distribution each pixel was drawn from (later pixels still 0 then).
    passes : int
        Forward passes made: ``H W``.

    Raises
    ------
    ValueError
        If a size is < 1.

    Notes
    -----
    Training and scoring need one forward pass (:func:`pixel_probabilities`: every
    conditional at once); sampling needs ``H W`` sequential passes, because pixel
    ``(p, q)`` can be drawn only once its predecessors are; each pass computes all
    ``H W`` outputs and uses one. Taught in :ref:`ch-masked-causal`.

    Examples
    --------
    >>> flat = lambda b: np.zeros((len(b), 2) + b.shape[2:])
    >>> image, probs, passes = sample_raster(flat, (2, 3), 0)
    >>> image.shape, probs.shape, passes
    ((2, 3), (2, 3, 2), 6)
    """
    func = "sample_raster"
    H, W = as_tuple(shape, 2, "shape", func, minimum=1)
    rng = np.random.default_rng(seed)
    x = np.zeros((1, 1, H, W))
    probs, passes = None, 0
    for p, q in np.ndindex(H, W):
        pr = softmax(np.asarray(model(x))[0, :, p, q])
        passes += 1
        if probs is None:
            probs = np.zeros((H, W, len(pr)))
        probs[p, q] = pr
        x[0, 0, p, q] = rng.choice(len(pr), p=pr)
    assert probs is not None        # H, W >= 1: at least one pass was made
    return x[0, 0].astype(int), probs, passes
