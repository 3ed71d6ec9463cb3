"""Data that ships offline: real samples bundled with matplotlib, and synthetic images.

Nothing here touches the network. The real samples are files inside the installed
matplotlib package (``matplotlib.cbook.get_sample_data``):

* :func:`photo` -- the portrait of Grace Hopper (matplotlib's ``grace_hopper.jpg``, 600 x
  512 RGB), read from a lossless copy shipped with convlib
  (``convlib/data_files/grace_hopper.png``, the JPEG as Pillow 13 decodes it): JPEG
  decoders differ in the last grey level (Pillow 10.2, which the book's live mode runs in
  the browser, decodes 1 of 9 pixels of chapter 2's hand-worked patch one level darker),
  and the book's hand-worked examples need the same pixels everywhere;
* :func:`mri_slice` -- one 256 x 256 MRI slice of a head (``s1045.ima.gz``, 16-bit);
* :func:`eeg` -- four channels of an EEG recording, 800 samples each (``eeg.dat``).

One more real sample ships inside convlib itself: :func:`digits`, 1797 handwritten digits
of 8 x 8 pixels (Alpaydin and Kaynak's UCI data as scikit-learn ships them, CC BY 4.0;
``convlib/data_files/README`` gives the source and licence).

The synthetic generators are deterministic (seeded where random).
"""

from __future__ import annotations

import gzip
import numbers
from importlib import resources
from typing import IO, Any, cast

import matplotlib.cbook as cbook
import matplotlib.image as mimage
import numpy as np
import PIL.Image

from ._typing import NDArray
from ._validation import as_array, check_int, check_output_bytes, check_real

__all__ = ["photo", "mri_slice", "eeg", "digits", "load_image", "EEG_SAMPLE_RATE", "impulse", "step_edge",
           "checkerboard", "shapes", "rgb_to_gray"]

#: Samples per second of :func:`eeg` (matplotlib's example spans 10 s with 800 samples).
EEG_SAMPLE_RATE: float = 80.0

# scikit-image's rgb2gray weights: close to, but not, ITU-R BT.709's
# (0.2126, 0.7152, 0.0722)
_LUMA = np.array([0.2125, 0.7154, 0.0721])


def _check_bool(value: object, name: str, func: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: {name} must be True or False; got {value!r}")
    return bool(value)


def rgb_to_gray(rgb: NDArray[Any]) -> NDArray[Any]:
    """Luma ``0.2125 R + 0.7154 G + 0.0721 B`` of an ``(H, W, 3)`` image.

    The weights are scikit-image's ``rgb2gray`` weights, close to but not ITU-R
    BT.709's ``(0.2126, 0.7152, 0.0722)``.

    Returns
    -------
    ndarray of shape (H, W)
        float64; in ``[0, 1]`` if the input is.
    """
    func = "rgb_to_gray"
    rgb = as_array(rgb, "rgb", func, allow_empty=True)
    if rgb.dtype.kind == "c":
        raise TypeError(f"{func}: rgb must be real; got dtype {rgb.dtype}")
    if rgb.ndim != 3 or rgb.shape[-1] < 3:
        raise ValueError(f"{func}: rgb must have shape (H, W, 3); got {rgb.shape}")
    return rgb[..., :3].astype(np.float64) @ _LUMA


def load_image(source: bytes | str, gray: bool = True, max_side: int | None = None
               ) -> NDArray[Any]:
    """Decode an image file (PNG, JPEG, ...) into a float array in ``[0, 1]``.

    For readers who bring their own image to a chapter's widget.

    Parameters
    ----------
    source : bytes or str
        The file's content, or a path to it.
    gray : bool
        Return the luma (:func:`rgb_to_gray`) rather than the colour channels.
    max_side : int, optional
        Subsample by a whole step so that neither side exceeds ``max_side`` pixels.

    Returns
    -------
    ndarray of shape (H, W) or (H, W, 3)
        float64 in ``[0, 1]`` (an alpha channel is dropped).

    Raises
    ------
    ValueError
        If ``source`` is not a decodable image or ``max_side`` is smaller than 1.
    """
    import io

    import os

    gray = _check_bool(gray, "gray", "load_image")
    if not isinstance(source, (bytes, bytearray, memoryview, str, os.PathLike)):
        raise TypeError(f"load_image: source must be the file's bytes or a path; "
                        f"got {type(source).__name__}")
    if max_side is not None:
        max_side = check_int(max_side, "max_side", "load_image", minimum=1)
    try:
        handle = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray,
                                                                  memoryview)) else source
        img = np.asarray(mimage.imread(handle))
    except Exception as exc:  # PIL and matplotlib raise many kinds
        raise ValueError(f"load_image: source is not a readable image ({exc})") from None
    img = img.astype(np.float64) / (255.0 if img.dtype.kind in "ui" else 1.0)
    if img.ndim == 3:
        img = img[..., :3]
        if img.shape[-1] == 1:
            img = img[..., 0]
    if gray and img.ndim == 3:
        img = rgb_to_gray(img)
    if max_side is not None:
        step = -(-max(img.shape[:2]) // max_side)
        img = img[::step, ::step]
    return img


def photo(gray: bool = True) -> NDArray[Any]:
    """The portrait of Grace Hopper bundled with matplotlib, scaled to ``[0, 1]``.

    Parameters
    ----------
    gray : bool
        Return the luma of :func:`rgb_to_gray` (default) rather than the three colour channels.

    Returns
    -------
    ndarray of shape (600, 512) or (600, 512, 3)
        float64 in ``[0, 1]``.

    Examples
    --------
    >>> photo().shape, photo(gray=False).shape
    ((600, 512), (600, 512, 3))
    """
    gray = _check_bool(gray, "gray", "photo")
    with resources.files("convlib").joinpath("data_files/grace_hopper.png").open("rb") as f:
        rgb = np.asarray(PIL.Image.open(f).convert("RGB")).astype(np.float64) / 255.0
    return rgb_to_gray(rgb) if gray else rgb


def mri_slice() -> NDArray[Any]:
    """A 256 x 256 MRI slice of a head, bundled with matplotlib.

    Returns
    -------
    ndarray of shape (256, 256)
        float64, the raw big-endian 16-bit intensities (0 to 215 in this slice).
    """
    with cast(IO[bytes], cbook.get_sample_data("s1045.ima.gz")) as f:   # a file
        raw = f.read()
    return np.frombuffer(raw, dtype=">u2").reshape(256, 256).astype(np.float64)


def eeg() -> NDArray[Any]:
    """Four EEG channels of 800 samples at :data:`EEG_SAMPLE_RATE` Hz, bundled with matplotlib.

    Returns
    -------
    ndarray of shape (4, 800)
        float64, one row per channel (in the units of matplotlib's example).
    """
    with cast(IO[bytes], cbook.get_sample_data("eeg.dat")) as f:
        data = np.fromfile(f, dtype=np.float64)
    return data.reshape(800, 4).T.copy()


def digits() -> tuple[NDArray[Any], NDArray[Any]]:
    """1797 handwritten digits as 8 x 8 images of grey levels 0..16, with their labels.

    The file scikit-learn ships for ``sklearn.datasets.load_digits``, copied into
    ``convlib/data_files/digits.csv.gz`` by ``tools/fixtures/digits_data.py`` (scikit-learn
    is not a dependency): the test set of Alpaydin and Kaynak's "Optical Recognition of
    Handwritten Digits" (UCI Machine Learning Repository, 1998, CC BY 4.0), written by 13
    people. Each 32 x 32 bitmap was divided into 4 x 4 blocks and the set pixels of each
    block counted, which gives the levels 0..16. Chapter 13 trains a small network on it.

    Returns
    -------
    images : ndarray of shape (1797, 8, 8)
        float64 grey levels, integers from 0 to 16.
    labels : ndarray of shape (1797,)
        int64 digit labels, 0 to 9.

    References
    ----------
    E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
    Learning Repository, 1998.

    Examples
    --------
    >>> images, labels = digits()
    >>> images.shape, labels.shape, int(images.max()), sorted(set(labels.tolist()))[:3]
    ((1797, 8, 8), (1797,), 16, [0, 1, 2])
    """
    with resources.files("convlib").joinpath("data_files/digits.csv.gz").open("rb") as f:
        table = np.loadtxt(gzip.open(f), delimiter=",", dtype=np.int64)
    return table[:, :64].reshape(-1, 8, 8).astype(np.float64), table[:, 64].copy()


def impulse(shape: int | tuple[int, ...], at: tuple[int, ...] | None = None
            ) -> NDArray[Any]:
    """The unit impulse (Kronecker delta) of a given shape, 1 at ``at`` (default: centre).

    ``at`` holds one index per axis (an int for a 1-D shape); negative indices count
    from the end, as in NumPy.

    Examples
    --------
    >>> impulse(5)
    array([0., 0., 1., 0., 0.])
    >>> impulse(5, at=(5,))
    Traceback (most recent call last):
    ...
    ValueError: impulse: at must lie inside the shape (5,); got (5,)
    """
    func = "impulse"
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    elif isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list, np.ndarray)):
        raise TypeError(f"{func}: shape must be an int or a sequence of ints; got {shape!r}")
    shape = tuple(check_int(n, "shape", func, minimum=1) for n in shape)
    check_output_bytes(shape, 8, "shape", func)
    if at is None:
        at = tuple(n // 2 for n in shape)
    else:
        if isinstance(at, (numbers.Integral, np.integer)) and not isinstance(at, bool):
            at = (at,)
        elif isinstance(at, (str, bytes)) or not isinstance(at, (tuple, list, np.ndarray)):
            raise TypeError(f"{func}: at must be an int or a sequence of ints; got {at!r}")
        at = tuple(check_int(i, "at", func) for i in at)
        if len(at) != len(shape) or not all(-n <= i < n for i, n in zip(at, shape)):
            raise ValueError(f"{func}: at must lie inside the shape {shape}; got {at}")
    out = np.zeros(shape)
    out[at] = 1.0
    return out


def step_edge(n: int = 64, angle: float = 0.0) -> NDArray[Any]:
    """An ``n x n`` image, 0 on one side of a straight edge through the centre and 1 on
    the other; ``angle`` (degrees) turns the edge from vertical."""
    n = check_int(n, "n", "step_edge", minimum=2)
    check_real(angle, "angle", "step_edge", finite=True)
    check_output_bytes((n, n), 8, "n", "step_edge")
    y, x = np.mgrid[:n, :n] - (n - 1) / 2
    t = np.deg2rad(angle)
    return (x * np.cos(t) + y * np.sin(t) > 0).astype(np.float64)


def checkerboard(n: int = 64, square: int = 8) -> NDArray[Any]:
    """An ``n x n`` checkerboard of ``square``-pixel squares, values 0 and 1."""
    n = check_int(n, "n", "checkerboard", minimum=1)
    square = check_int(square, "square", "checkerboard", minimum=1)
    check_output_bytes((n, n), 8, "n", "checkerboard")
    i = np.arange(n) // square
    return ((i[:, None] + i[None, :]) % 2).astype(np.float64)


def shapes(n: int = 64) -> NDArray[Any]:
    """An ``n x n`` test image: a bright square, a disk and a thin diagonal line on grey."""
    n = check_int(n, "n", "shapes", minimum=16)
    check_output_bytes((n, n), 8, "n", "shapes")
    img = np.full((n, n), 0.2)
    q = n // 8
    img[q:3 * q, q:3 * q] = 1.0
    y, x = np.mgrid[:n, :n]
    img[(y - 5.5 * q) ** 2 + (x - 5.5 * q) ** 2 <= (1.5 * q) ** 2] = 0.7
    d = np.arange(n // 2, n - q)
    img[d, d - n // 2 + q] = 0.0
    return img
