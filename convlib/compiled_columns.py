"""The im2col copy and the col2im fold of a dense layer, compiled with numba.

For a layer at stride 1 whose output is as wide as its input (``'same'`` padding, any
height), ``convlib.im2col.unfold_cropped_into`` and
``convlib.im2col.fold_cropped_into`` move each kernel tap's block as one flat run
of the flattened planes (``convlib.im2col.flat_taps``). In NumPy that is a few
calls per tap over the whole chunk of samples, whose overhead and passes over the
chunk cost more than the moves: for the first layer's 27 rows of 4 samples at 56 x
56, 47 us to copy and 62 us to fold in float32 (61 and 88 us in float64; NumPy
2.4.6, min of 5 rounds of 200 calls, a quiet machine), beside the chunk's two GEMMs
of about 0.5 ms. Here one loop per plane (sample and channel) runs every tap while
the plane is in cache: 21 and 25 us (42 and 41 us in float64; numba 0.68.1). Used by
:func:`convlib.nn.conv2d` (the columns of the forward GEMM), by
:func:`convlib.nn.conv2d_backward` (the fold of ``dL/dx`` and the columns of
``dL/dw``) and by :func:`convlib.nn.conv_transpose2d` (the fold).

The values are those of the NumPy functions bit for bit: the copy moves the same
samples and zeros; the fold adds each tap's block to the plane in the same (tap) order,
after setting the entries that wrap into the next row to zero, as
``convlib.im2col.fold_cropped_into`` does (``cols`` is scratch in both). The
functions return False, and leave the work to NumPy, where numba is missing
(:func:`convlib.compiled.use_compiled`), the dtypes differ or are not float32 or
float64, or an array is not C-contiguous.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
from numpy.typing import DTypeLike

from .compiled import use_compiled
from .im2col import flat_taps

__all__ = ["columns_served", "fold_columns_into", "unfold_columns_into"]


def _fold(out, cols, plan, W):  # pragma: no cover - runs compiled
    """``out[n, c]`` (flattened planes) plus the rows of ``cols[n, c // Cg]`` for
    channel ``c`` (``Cg = C // G`` channels a group, ``T`` rows a channel), tap by tap
    as ``plan`` (:func:`_plan`) says."""
    T = plan.shape[0]
    for nc in range(out.shape[0] * out.shape[1]):
        n, c = divmod(nc, out.shape[1])
        gi, ci = divmod(c, out.shape[1] // cols.shape[1])  # group, its channel
        o = out[n, c]
        for t in range(T):
            if plan[t, 0] == 0:
                continue
            start, stop, shift = plan[t, 1], plan[t, 2], plan[t, 3]
            b = cols[n, gi, ci * T + t]
            for p in range(plan[t, 4], plan[t, 5]):  # wrapped into the next row: zero
                for q in range(plan[t, 6], plan[t, 7]):
                    b[p * W + q] = 0
            ob = o[start + shift:stop + shift]
            bb = b[start:stop]
            for k in range(stop - start):  # indices from 0: no negative-index checks
                ob[k] += bb[k]


def _unfold(cols, x, plan, W):  # pragma: no cover - runs compiled
    """The rows of ``cols[n, c // Cg]`` for channel ``c``: the plane ``x[n, c]``
    (flattened) shifted per tap as ``plan`` says, zeros where the tap meets padding."""
    T, L = plan.shape[0], cols.shape[3]
    for nc in range(x.shape[0] * x.shape[1]):
        n, c = divmod(nc, x.shape[1])
        gi, ci = divmod(c, x.shape[1] // cols.shape[1])  # group, its channel
        xf = x[n, c]
        for t in range(T):
            row = cols[n, gi, ci * T + t]
            if plan[t, 0] == 0:
                for k in range(L):
                    row[k] = 0
                continue
            start, stop, shift = plan[t, 1], plan[t, 2], plan[t, 3]
            for k in range(start):
                row[k] = 0
            dst = row[start:stop]
            src = xf[start + shift:stop + shift]
            for k in range(stop - start):
                dst[k] = src[k]
            tail = row[stop:]
            for k in range(L - stop):
                tail[k] = 0
            for p in range(plan[t, 4], plan[t, 5]):
                for q in range(plan[t, 6], plan[t, 7]):
                    row[p * W + q] = 0


@functools.cache
def _kernels() -> SimpleNamespace:
    """The two kernels, compiled on first call per dtype (``cache=True``, no
    ``fastmath``), run on the calling thread: numba's thread pool (OpenMP) beside
    OpenBLAS's threads, which spin a while after each GEMM, made a dense layer's
    chunks of columns run up to ten times slower (64->64 @56 float32, measured
    ``conv_transpose2d``: 54 ms threaded against 6.4 ms on one thread). Called only
    once :func:`convlib.compiled.use_compiled` found numba importable."""
    numba = importlib.import_module("numba")
    return SimpleNamespace(fold=numba.njit(cache=True, nogil=True)(_fold),
                           unfold=numba.njit(cache=True, nogil=True)(_unfold))


@functools.lru_cache(maxsize=256)
def _plan(kernel_hw: tuple[int, int], dilation: tuple[int, int], lows: tuple[int, int],
          in_hw: tuple[int, int], out_h: int) -> np.ndarray:
    """``convlib.im2col.flat_taps`` as a read-only table, one row per tap:
    ``(meets, start, stop, shift, p0, p1, q0, q1)``, the wrapped entries being columns
    ``q0 .. q1 - 1`` of rows ``p0 .. p1 - 1`` (none where ``q0 == q1``)."""
    rows = []
    for _, _, tap in flat_taps(kernel_hw, dilation, lows, in_hw, out_h):
        if tap is None:
            rows.append((0,) * 8)
            continue
        start, stop, shift, out_rows, wrapped = tap
        q0, q1 = wrapped.indices(in_hw[1])[:2] if wrapped is not None else (0, 0)
        rows.append((1, start, stop, shift, out_rows.start, out_rows.stop, q0, q1))
    plan = np.array(rows, dtype=np.int64).reshape(len(rows), 8)
    plan.flags.writeable = False
    return plan


def _served(*arrays: np.ndarray) -> bool:
    return (use_compiled(*arrays) and len({a.dtype for a in arrays}) == 1
            and all(a.flags.c_contiguous for a in arrays))


def columns_served(images: np.ndarray, dtype: DTypeLike) -> bool:
    """Whether :func:`fold_columns_into` and :func:`unfold_columns_into` serve the
    images ``images`` with C-contiguous columns of ``dtype``: True where numba runs
    (:func:`convlib.compiled.use_compiled`), ``images`` is C-contiguous and both are
    of one dtype, float32 or float64. A caller checks it before allocating columns.

    Examples
    --------
    >>> columns_served(np.ones((1, 2, 3, 3), np.int64), np.int64)
    False
    >>> columns_served(np.ones((1, 2, 3, 3)).transpose(0, 1, 3, 2), np.float64)
    False
    """
    return _served(images) and images.dtype == np.dtype(dtype)


def _fits(cols: np.ndarray, C: int, W: int, kernel_hw: Sequence[int]) -> bool:
    """Whether ``cols`` holds a group's rows for ``C`` channels of planes ``W`` wide
    (the kernels index without bounds checks)."""
    G, R, L = cols.shape[1:]
    return (W > 0 and G > 0 and C % G == 0 and L % W == 0
            and R >= C // G * kernel_hw[0] * kernel_hw[1])




def fold_columns_into(out: np.ndarray, cols: np.ndarray, kernel_hw: Sequence[int],
                      dilation: Sequence[int], lows: Sequence[int]) -> bool:
    """Add the columns ``cols`` (m, G, R, H_out * W), whose first ``Cg * kH * kW`` rows
    are a group's ``Cg`` channels by kernel taps, into the unpadded images ``out``
    (m, G * Cg, H, W) of a stride-1 layer as wide as its input, in place, compiled:
    ``convlib.im2col.fold_cropped_into`` of ``cols[:, :, :Cg*kH*kW]`` reshaped to
    (m, G * Cg, kH, kW, H_out, W), the same values. ``cols`` is scratch. Returns
    False, having done nothing, where the compiled kernel does not serve the arrays
    (see the module docstring)."""
    m, C, H, W = out.shape
    if not (_served(out, cols) and _fits(cols, C, W, kernel_hw)):
        return False
    plan = _plan(tuple(kernel_hw), tuple(dilation), tuple(lows), (H, W), cols.shape[3] // W)
    _kernels().fold(out.reshape(m, C, H * W), cols, plan, W)
    return True


def unfold_columns_into(cols: np.ndarray, x: np.ndarray, kernel_hw: Sequence[int],
                        dilation: Sequence[int], lows: Sequence[int]) -> bool:
    """Write the im2col columns of the unpadded images ``x`` (m, G * Cg, H, W) of a
    stride-1 layer as wide as its input into the first ``Cg * kH * kW`` rows of each
    group of ``cols`` (m, G, R, H_out * W), compiled: the values
    ``convlib.im2col.unfold_cropped_into`` writes. Returns False, having done
    nothing, where the compiled kernel does not serve the arrays."""
    m, C, H, W = x.shape
    if not (_served(cols, x) and _fits(cols, C, W, kernel_hw)):
        return False
    plan = _plan(tuple(kernel_hw), tuple(dilation), tuple(lows), (H, W), cols.shape[3] // W)
    _kernels().unfold(cols, x.reshape(m, C, H * W), plan, W)
    return True
