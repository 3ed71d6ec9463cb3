"""Convolving images larger than memory: tiles with overlapping borders (chapter 15).

An output tile of a 2-D convolution depends only on the input tile grown by the
kernel's reach, its *halo*: ``kH - 1`` rows and ``kW - 1`` columns in total. So the
output can be computed tile by tile -- read tile plus halo, convolve in ``'valid'``
mode, write -- with memory bounded by one tile, and the result is exact at the seams
(the 2-D form of overlap-save, chapter 5). :func:`tiled_convolve2d` does this over any
array-like with ``shape``, ``dtype`` and 2-D slicing that returns arrays (tested with
ndarrays, ``numpy.memmap``, :class:`NpyArray` and a minimal sliceable object);
:func:`tiled_fftconvolve2d` is the overlap-add form for large kernels (FFT per tile,
tails added into the neighbours); :func:`dask_convolve2d` hands the same idea to ``dask.array.map_overlap``,
which runs it on threads, processes or a distributed cluster.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import numpy as np
import scipy.fft as sp_fft

from ._typing import ArrayLike, Method, Mode, NDArray
from ._validation import as_array, as_tuple, check_choice
from .dispatch import convolve
from .shapes import MODES, _mode_offset, _output_shape

__all__ = ["tiled_convolve2d", "tile_slices", "read_window", "dask_convolve2d",
           "TextProgress", "NpyArray", "tiled_fftconvolve2d"]

IntPair = int | Sequence[int]


def _source(x: Any, func: str) -> tuple[tuple[int, int], np.dtype[Any]]:
    """Shape and dtype of an array-like that is *not* loaded (memmap, NpyArray...)."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__getitem__")):
        raise TypeError(f"{func}: x must be an array-like with shape, dtype and slicing "
                        f"(ndarray, numpy.memmap, NpyArray); got "
                        f"{type(x).__name__}")
    if len(x.shape) != 2:
        raise ValueError(f"{func}: x must be 2-D; got shape {tuple(x.shape)}")
    if np.dtype(x.dtype).kind not in "biufc" or 0 in tuple(x.shape):
        raise ValueError(f"{func}: x must be a non-empty array of numbers; got dtype "
                         f"{x.dtype} and shape {tuple(x.shape)}")
    return (int(x.shape[0]), int(x.shape[1])), np.dtype(x.dtype)


def _result_dtype(dtype: np.dtype[Any], h: NDArray[Any], method: str, func: str
                  ) -> np.dtype[Any]:
    """The dtype ``convolve(x, h, method=method)`` gives; checks ``method`` for ``func``."""
    try:
        return convolve(np.zeros((1, 1), dtype), h[:1, :1], method=method).dtype
    except ValueError as exc:
        raise ValueError(str(exc).replace("convolve:", f"{func}:", 1)) from None


def tile_slices(shape: IntPair, tile_shape: IntPair) -> list[tuple[slice, slice]]:
    """The tiles of a 2-D grid, row by row: ``(rows, cols)`` slices covering it once.

    Examples
    --------
    >>> [(r.start, r.stop, c.start, c.stop) for r, c in tile_slices((3, 5), (2, 4))]
    [(0, 2, 0, 4), (0, 2, 4, 5), (2, 3, 0, 4), (2, 3, 4, 5)]
    """
    H, W = as_tuple(shape, 2, "shape", "tile_slices", minimum=1)
    th, tw = as_tuple(tile_shape, 2, "tile_shape", "tile_slices", minimum=1)
    return [(slice(r, min(r + th, H)), slice(c, min(c + tw, W)))
            for r in range(0, H, th) for c in range(0, W, tw)]


def _read_padded(x: Any, rows: tuple[int, int], cols: tuple[int, int]) -> NDArray[Any]:
    """``x[rows, cols]`` with zeros wherever the range leaves the array."""
    H, W = x.shape
    (a, b), (c, d) = rows, cols
    slab = np.asarray(x[max(a, 0):min(b, H), max(c, 0):min(d, W)])
    pads = ((max(0, -a), max(0, b - H)), (max(0, -c), max(0, d - W)))
    return np.pad(slab, pads) if any(p for pair in pads for p in pair) else slab


def read_window(rows: slice, cols: slice, shape: tuple[int, int],
                kernel_shape: tuple[int, int], mode: Mode = "same"
                ) -> tuple[tuple[int, int], tuple[int, int]]:
    """The input rows and columns an output tile reads: the tile plus its halo.

    Parameters
    ----------
    rows, cols : slice
        The output tile (``start`` and ``stop`` set, step 1).
    shape, kernel_shape : (int, int)
        Sizes of the input and of the kernel.
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    ((int, int), (int, int))
        Half-open ranges ``(start, stop)`` of input rows and columns; they may reach
        outside ``[0, H)`` and ``[0, W)``, where the input counts as zero.

    Examples
    --------
    >>> read_window(slice(0, 4), slice(4, 8), (8, 8), (3, 3), "same")
    ((-1, 5), (3, 9))
    """
    (oH, oW) = _mode_offset(tuple(shape), tuple(kernel_shape), mode, "read_window")
    kH, kW = kernel_shape
    return ((rows.start + oH - kH + 1, rows.stop + oH),
            (cols.start + oW - kW + 1, cols.stop + oW))



def _source_and_kernel(x: Any, h: ArrayLike, mode: str, func: str
                       ) -> tuple[tuple[int, int], np.dtype[Any], NDArray[Any]]:
    """The checked ``(shape, dtype)`` of the tiled source ``x``, and the 2-D kernel ``h``,
    for ``mode`` (in 'valid' mode ``x`` must be at least as large as ``h``)."""
    shape, dtype = _source(x, func)
    h = as_array(h, "h", func, ndim=2)
    check_choice(mode, "mode", MODES, func)
    if mode == "valid" and (shape[0] < h.shape[0] or shape[1] < h.shape[1]):
        raise ValueError(f"{func}: in 'valid' mode x must be at least as large as h in "
                         f"both axes; got shapes {shape} and {h.shape}")
    return shape, dtype, h


def tiled_convolve2d(x: Any, h: ArrayLike, mode: Mode = "same", *,
                     tile_shape: IntPair = 1024, out: Any = None, method: Method = "direct",
                     progress: Callable[[int, int], None] | None = None) -> Any:
    """2-D convolution computed tile by tile, reading each tile with its halo.

    Parameters
    ----------
    x : array-like of shape (H, W)
        The image; anything with ``shape``, ``dtype`` and 2-D slicing that returns
        arrays (tested: an ndarray, a ``numpy.memmap``, :class:`NpyArray`). Only one
        tile plus its halo is read at a time.
    h : array_like of shape (kH, kW)
        The kernel (small; held in memory).
    mode : {'full', 'same', 'valid'}
        As in :func:`convlib.convolve2d` with zero (``'fill'``) boundaries. In
        ``'valid'`` mode ``x`` must be at least as large as ``h`` in both axes.
    tile_shape : int or (int, int)
        Output tile size; the input read per tile is ``tile + (kH - 1, kW - 1)``.
    out : array-like of shape (H_out, W_out), optional
        Where to write (e.g. a ``numpy.memmap``); a new ndarray if not given.
    method : str
        The :func:`convlib.convolve` method used on each tile (``'valid'`` mode).
    progress : callable, optional
        Called as ``progress(done, total)`` after each tile (e.g. :class:`TextProgress`).

    Returns
    -------
    array-like of shape (H_out, W_out)
        ``out`` (or the new array), equal to ``convlib.convolve2d(x, h, mode)``;
        ``output_shape((H, W), (kH, kW), mode)``. Exact for integers; with
        ``method='direct'`` bit-for-bit equal to ``convlib.convolve(x, h, mode,
        method='direct')`` whenever ``x`` has at least as many elements as ``h`` (each
        output is then summed over the same taps in the same order).

    Raises
    ------
    ValueError
        If ``x`` is not 2-D and non-empty, ``h`` is not 2-D, ``mode`` or ``method`` is
        unknown, ``h`` is larger than ``x`` in ``'valid'`` mode, a tile size is < 1 or
        ``out`` has the wrong shape.
    TypeError
        If ``x`` has no ``shape``/``dtype``/slicing.

    See Also
    --------
    dask_convolve2d, convlib.convolve2d

    Notes
    -----
    Output element ``o`` (``'full'`` index ``f = o + offset``) reads inputs
    ``f - k + 1 ... f`` along each axis, so the tile of outputs ``[r0, r1)`` needs
    inputs ``[r0 + offset - kH + 1, r1 + offset)``: the tile plus a halo of ``kH - 1``
    rows. Memory: about ``(th + kH - 1)(tw + kW - 1)`` input and ``th * tw`` output
    elements plus the method's temporaries, independent of the image size. Taught in
    :ref:`ch-larger-than-memory`.

    Examples
    --------
    >>> x = np.arange(30).reshape(5, 6)
    >>> y = tiled_convolve2d(x, np.ones((3, 3), dtype=int), tile_shape=2)
    >>> bool((y == convolve(x, np.ones((3, 3), dtype=int), "same")).all())
    True
    >>> tiled_convolve2d(x, np.ones((6, 6)), "valid")
    Traceback (most recent call last):
    ...
    ValueError: tiled_convolve2d: in 'valid' mode x must be at least as large as h in both axes; got shapes (5, 6) and (6, 6)
    """
    func = "tiled_convolve2d"
    shape, dtype, h = _source_and_kernel(x, h, mode, func)
    tiles = tile_slices(_output_shape(shape, h.shape, mode, func),
                        as_tuple(tile_shape, 2, "tile_shape", func, minimum=1))
    out_shape = _output_shape(shape, h.shape, mode, func)
    result_dtype = _result_dtype(dtype, h, method, func)
    if out is None:
        out = np.empty(out_shape, dtype=result_dtype)
    elif tuple(out.shape) != out_shape:
        raise ValueError(f"{func}: out must have shape {out_shape}; got "
                         f"{tuple(out.shape)}")
    for done, (rows, cols) in enumerate(tiles, 1):
        slab = _read_padded(x, *read_window(rows, cols, shape, h.shape, mode))
        out[rows, cols] = convolve(slab, h, "valid", method=method)
        if progress is not None:
            progress(done, len(tiles))
    return out


def dask_convolve2d(x: Any, h: ArrayLike, mode: Mode = "same", *,
                    chunks: IntPair | None = None, method: Method = "direct",
                    blockwise: bool = False) -> Any:
    """2-D convolution as a lazy ``dask.array`` graph: ``map_overlap`` or blockwise.

    Parameters
    ----------
    x : dask.array.Array of shape (H, W), or array-like
        The image. With ``blockwise=False`` anything that is not a dask array
        (ndarray, ``numpy.memmap``, :class:`NpyArray`) is wrapped
        with ``dask.array.from_array(x, chunks)``, which reads lazily. With
        ``blockwise=True``, ``x`` must be an array-like with slicing (not a dask array):
        each task reads its own tile plus halo from it.
    h : array_like of shape (kH, kW)
        The kernel.
    mode : {'full', 'same', 'valid'}
        Output mode; ``map_overlap`` (``blockwise=False``) serves ``'same'`` only.
    chunks : int or (int, int), optional
        Chunk (output tile) size, default ``1024``; ignored for a dask array ``x``.
    method : str
        The :func:`convlib.convolve` method used on each chunk.
    blockwise : bool
        ``False``: ``dask.array.map_overlap`` with ``depth`` = the kernel's radius.
        ``True``: one independent task per output tile that reads tile + halo itself
        (the graph of :func:`tiled_convolve2d`).

    Returns
    -------
    dask.array.Array of shape (H_out, W_out)
        Lazy; ``.compute()`` or ``dask.array.store`` on any scheduler -- threads,
        processes, a ``distributed`` cluster -- gives ``convlib.convolve2d(x, h, mode)``.

    Raises
    ------
    ValueError
        If ``x`` or ``h`` is not 2-D, ``chunks`` is < 1, ``mode`` or ``method`` is
        unknown, or ``mode`` is not ``'same'`` without ``blockwise``.
    TypeError
        If ``blockwise`` is asked for a dask array ``x``, or ``x`` cannot be sliced.

    See Also
    --------
    tiled_convolve2d

    Notes
    -----
    ``map_overlap`` extends each chunk by ``depth = (kH // 2, kW // 2)`` from its
    neighbours, zeros beyond the image (``boundary=0``); ``'same'`` convolution of the
    extended chunk is exact in its interior, which ``map_overlap`` keeps
    (``trim=True``). Its tasks share chunks, so a scheduler may hold many chunks at
    once; the blockwise graph's tasks are independent, so memory is bounded by the
    tasks in flight. Taught in :ref:`ch-larger-than-memory`.

    Examples
    --------
    >>> x = np.arange(30.0).reshape(5, 6)
    >>> y = dask_convolve2d(x, np.ones((3, 2)), chunks=2)
    >>> bool(np.allclose(y.compute(scheduler="sync"),
    ...                  convolve(x, np.ones((3, 2)), "same")))
    True
    >>> z = dask_convolve2d(x, np.ones((3, 2)), "full", chunks=2, blockwise=True)
    >>> bool(np.allclose(z.compute(scheduler="sync"), convolve(x, np.ones((3, 2)))))
    True
    >>> dask_convolve2d(x, np.ones(3))
    Traceback (most recent call last):
    ...
    ValueError: dask_convolve2d: h must be 2-D; got 1-D array of shape (3,)
    """
    import dask.array as da

    func = "dask_convolve2d"
    h = as_array(h, "h", func, ndim=2)
    check_choice(mode, "mode", MODES, func)
    size = as_tuple(1024 if chunks is None else chunks, 2, "chunks", func, minimum=1)
    if blockwise:
        if isinstance(x, da.Array):
            raise TypeError(f"{func}: blockwise=True reads tiles from an array-like "
                            f"with slicing, not a dask array; got a dask array")
        return _dask_blockwise(x, h, mode, size, method, func)
    if mode != "same":
        raise ValueError(f"{func}: map_overlap serves mode 'same' only (use "
                         f"blockwise=True for 'full' and 'valid'); got {mode!r}")
    if not isinstance(x, da.Array):
        _source(x, func)
        x = da.from_array(x, chunks=size)
    elif x.ndim != 2:
        raise ValueError(f"{func}: x must be 2-D; got shape {x.shape}")
    dtype = _result_dtype(x.dtype, h, method, func)
    depth = (h.shape[0] // 2, h.shape[1] // 2)
    H, W = x.shape
    if H < depth[0] or W < depth[1]:   # dask needs depth <= size: add zeros at the end
        x = da.pad(x, ((0, max(0, depth[0] - H)), (0, max(0, depth[1] - W))))
    y = da.map_overlap(lambda block: convolve(block, h, "same", method=method), x,
                       depth=dict(enumerate(depth)), boundary=0, trim=True,
                       dtype=dtype, meta=np.empty((0, 0), dtype))
    return y[:H, :W]


def _dask_blockwise(x: Any, h: NDArray[Any], mode: Mode, size: tuple[int, ...], method: str,
                    func: str) -> Any:
    """One independent dask task per output tile, reading its tile + halo from ``x``."""
    import dask.array as da

    shape, dtype = _source(x, func)
    if mode == "valid" and (shape[0] < h.shape[0] or shape[1] < h.shape[1]):
        raise ValueError(f"{func}: in 'valid' mode x must be at least as large as h in "
                         f"both axes; got shapes {shape} and {h.shape}")
    dtype = _result_dtype(dtype, h, method, func)
    out_shape = _output_shape(shape, h.shape, mode, func)
    chunks = tuple(tuple(min(s, n - i) for i in range(0, n, s))
                   for n, s in zip(out_shape, size))

    def tile(block_info: Any = None) -> NDArray[Any]:
        (r0, r1), (c0, c1) = block_info[None]["array-location"]
        window = read_window(slice(r0, r1), slice(c0, c1), shape, h.shape, mode)
        return convolve(_read_padded(x, *window), h, "valid", method=method)

    return da.map_blocks(tile, chunks=chunks, dtype=dtype,
                         meta=np.empty((0, 0), dtype))


class TextProgress:
    """A deterministic text progress bar for :func:`tiled_convolve2d`'s ``progress``.

    Prints ``label |`` once, then a ``#`` each time another ``1/width`` of the work is
    done, and ``| total/total`` at the end: the same text on every run, so it can sit
    in a notebook's compared output, and it grows live while a long run proceeds.

    Parameters
    ----------
    label : str
        Printed before the bar.
    width : int
        Number of ``#`` for the whole run.
    file : text stream, optional
        Where to print (default ``sys.stdout``).

    Examples
    --------
    >>> bar = TextProgress("tiles", width=4)
    >>> for done in range(1, 7):
    ...     bar(done, 6)
    tiles |####| 6/6
    """

    def __init__(self, label: str = "tiles", width: int = 40,
                 file: TextIO | None = None) -> None:
        self.label, self.width, self.file = label, width, file
        self.drawn: int | None = None

    def __call__(self, done: int, total: int) -> None:
        stream = self.file or sys.stdout
        if self.drawn is None:                  # first call: the label
            print(f"{self.label} |", end="", file=stream)
            self.drawn = 0
        marks = done * self.width // total
        print("#" * (marks - self.drawn), end="", file=stream, flush=True)
        self.drawn = marks
        if done == total:
            print(f"| {done}/{total}", file=stream, flush=True)
            self.drawn = None


class NpyArray:
    """A ``.npy`` file on disk as a read-only array-like that loads only what is sliced.

    Slicing memory-maps the file, copies the requested part and lets the map go, so
    nothing else stays in memory. Unlike a ``numpy.memmap``, which pickles *with its
    data*, it pickles as its path: a dask graph built on it stays small, and workers
    of a cluster that share the file system read their own chunks (the role a chunked
    store such as Zarr plays on a real cluster).

    Parameters
    ----------
    path : str or path-like
        A file written by ``numpy.save`` or ``numpy.lib.format.open_memmap``.
    writable : bool
        Allow writing slices (``a[rows, cols] = values``), e.g. as the target of
        ``dask.array.store`` or the ``out`` of :func:`tiled_convolve2d`.

    Attributes
    ----------
    path : str
    shape : tuple of int
    dtype : numpy.dtype
    ndim : int

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     np.save(pathlib.Path(d) / "x.npy", np.arange(12).reshape(3, 4))
    ...     a = NpyArray(pathlib.Path(d) / "x.npy")
    ...     print(a.shape, a[1:, ::2].tolist())
    (3, 4) [[4, 6], [8, 10]]
    """

    def __init__(self, path: str | os.PathLike[str], writable: bool = False) -> None:
        self.path, self.writable = os.fspath(path), bool(writable)
        m = np.load(self.path, mmap_mode="r")
        self.shape, self.dtype, self.ndim = m.shape, m.dtype, m.ndim

    def __getitem__(self, key: Any) -> NDArray[Any]:
        return np.array(np.load(self.path, mmap_mode="r")[key])

    def __setitem__(self, key: Any, value: ArrayLike) -> None:
        if not self.writable:
            raise ValueError(f"NpyArray: {self.path!r} was opened read-only; pass "
                             f"writable=True to write")
        m = np.load(self.path, mmap_mode="r+")
        m[key] = value
        m.flush()

    def __repr__(self) -> str:
        return f"NpyArray(shape={self.shape}, dtype={self.dtype})"


def tiled_fftconvolve2d(x: Any, h: ArrayLike, mode: Mode = "same", *,
                        tile_shape: IntPair = 1024, out: Any = None,
                        progress: Callable[[int, int], None] | None = None) -> Any:
    """2-D convolution by FFT per tile, overlap-add: for kernels too large for direct tiles.

    Each input tile (no halo) is convolved in full with ``h`` by an FFT of size at least
    ``tile + kernel - 1`` (so nothing wraps around), and the result, a tile with tails of
    ``kH - 1`` rows and ``kW - 1`` columns, is *added* into the output, where the tails
    overlap the neighbouring tiles' results: the 2-D form of overlap-add. The kernel's
    transform is computed once.

    Parameters
    ----------
    x : array-like of shape (H, W)
        The image; anything with ``shape``, ``dtype`` and 2-D slicing that returns
        arrays (ndarray, ``numpy.memmap``, :class:`NpyArray`). One tile is read at a time.
    h : array_like of shape (kH, kW)
        The kernel (held in memory, with its transform).
    mode : {'full', 'same', 'valid'}
        As in :func:`convlib.convolve2d` with zero boundaries; in ``'valid'`` mode ``x``
        must be at least as large as ``h`` in both axes.
    tile_shape : int or (int, int)
        Input tile size; the transforms have ``next_fast_len(tile + k - 1)`` points per
        axis.
    out : array-like of shape (H_out, W_out), optional
        Where to write (e.g. a ``numpy.memmap``); it is zeroed tile by tile first, then
        accumulated into (it must support ``out[rows, cols] += values``). A new ndarray
        if not given.
    progress : callable, optional
        Called as ``progress(done, total)`` after each tile.

    Returns
    -------
    array-like of shape (H_out, W_out)
        ``out`` (or the new array), equal to ``scipy.signal.fftconvolve(x, h, mode)`` up
        to floating-point rounding. Its dtype (when new) is floating:
        ``numpy.result_type(x.dtype, h.dtype, 1.0)`` (float32 stays float32, integers
        give float64).

    Raises
    ------
    ValueError
        If ``x`` is not 2-D and non-empty, ``h`` is not 2-D, ``mode`` is unknown, ``h``
        is larger than ``x`` in ``'valid'`` mode, a tile size is < 1 or ``out`` has the
        wrong shape.
    TypeError
        If ``x`` has no ``shape``/``dtype``/slicing.

    See Also
    --------
    tiled_convolve2d : the direct form (tile plus halo, overlap-save), cheaper for small
        kernels.

    Notes
    -----
    Input tile ``[r0, r0 + t)`` contributes to the full-convolution rows
    ``[r0, r0 + t + kH - 1)``, i.e. output rows shifted by the mode's offset and clipped
    to the output. Cost per tile: two FFTs of ``P = next_fast_len(t + k - 1)`` points
    per axis, about ``P^2 log P`` operations against ``t^2 k^2`` multiply-adds for a
    direct tile, so the FFT wins once the kernel is large. Memory: a few arrays of
    ``P^2`` elements (the tile's transform, the product and the result) plus the
    kernel's transform. Sectioned FFT convolution is due to Stockham (1966); the
    in-memory N-d form is ``convlib.overlap.overlap_add``. Taught in
    :ref:`ch-larger-than-memory`.

    References
    ----------
    Stockham (1966), *High-speed convolution and correlation*, Proc. AFIPS Spring Joint
    Computer Conference, pp. 229-233.

    Examples
    --------
    >>> from scipy.signal import fftconvolve
    >>> x = np.arange(48.0).reshape(6, 8)
    >>> h = np.ones((3, 5))
    >>> y = tiled_fftconvolve2d(x, h, tile_shape=(4, 3))
    >>> bool(np.allclose(y, fftconvolve(x, h, "same")))
    True
    >>> tiled_fftconvolve2d(x, h, tile_shape=0)
    Traceback (most recent call last):
    ...
    ValueError: tiled_fftconvolve2d: tile_shape must be >= 1; got 0
    """
    func = "tiled_fftconvolve2d"
    shape, dtype, h = _source_and_kernel(x, h, mode, func)
    th, tw = as_tuple(tile_shape, 2, "tile_shape", func, minimum=1)
    th, tw = min(th, shape[0]), min(tw, shape[1])
    (kH, kW), out_shape = h.shape, _output_shape(shape, h.shape, mode, func)
    offset = _mode_offset(shape, h.shape, mode, func)
    cplx = np.dtype(dtype).kind == "c" or h.dtype.kind == "c"
    fshape = (sp_fft.next_fast_len(th + kH - 1, not cplx),
              sp_fft.next_fast_len(tw + kW - 1, not cplx))
    if cplx:
        fwd, inv = sp_fft.fft2, sp_fft.ifft2
    else:
        fwd, inv = sp_fft.rfft2, sp_fft.irfft2
    if out is None:
        out = np.zeros(out_shape, dtype=np.result_type(dtype, h.dtype, 1.0))
    elif tuple(out.shape) != out_shape:
        raise ValueError(f"{func}: out must have shape {out_shape}; got "
                         f"{tuple(out.shape)}")
    else:
        for rows, cols in tile_slices(out_shape, (th, tw)):
            out[rows, cols] = 0
    h_hat = fwd(h, fshape)
    tiles = tile_slices(shape, (th, tw))
    for done, (rows, cols) in enumerate(tiles, 1):
        tile = np.asarray(x[rows, cols])
        full = inv(fwd(tile, fshape) * h_hat, fshape)
        window = []
        for start, n, k, off, size in zip((rows.start, cols.start), tile.shape,
                                          (kH, kW), offset, out_shape):
            lo, hi = max(start - off, 0), min(start + n + k - 1 - off, size)
            window.append((lo, hi, lo - (start - off)))
        (a, b, i), (c, d, j) = window
        if a < b and c < d:
            out[a:b, c:d] += full[i:i + b - a, j:j + d - c]
        if progress is not None:
            progress(done, len(tiles))
    return out
