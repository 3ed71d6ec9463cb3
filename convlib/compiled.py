"""Direct convolution compiled to machine code with numba (``method='compiled'``).

The same sum as :func:`convlib.direct.convolve_direct` -- one pass per kernel tap,
``out[n] += b[k] * a[n - k]``, zero taps skipped, taps in the same (row-major) order --
but each pass runs in a compiled loop instead of a NumPy call: the output is cut into
rows (the last axis; a long 1-D row into chunks of :data:`CHUNK` samples or fewer,
:func:`row_chunk`), the rows
are shared among threads (``numba.prange``), and for each row every tap adds a scaled
stretch of one input row to the output row while that row sits in the L1 cache (three
consecutive non-zero taps of a kernel row in one pass, added in the same order; the
row's first such pass writes its sums instead of adding them to a zeroed row). The
innermost loop runs along the row, so the compiler vectorises it (SIMD). A 2-D 3 x 3
kernel without zero taps goes further: on the output rows whose three input rows exist,
each output sample takes all nine taps in one pass (one slice per input row, so the
loop still vectorises), added in the same order. With it, the book's stored benchmark
run (``book/images/bench_full.json``) beat OpenCV's ``filter2D`` on 3 x 3 kernels on
images from 512 x 512 up, not on 64 x 64 ones: on short rows each pass's loop
start-up and the columns near the edges, which only some taps of a pass reach, cost
more than its multiply-adds. So a small input of several rows (:data:`PLANE_BYTES`)
takes **whole-plane passes** instead: each input plane is copied once with zero rows
above and below and zero columns between its rows (none in ``'valid'`` mode, which
reads the input as it is), so that the output plane, flattened with the copy's row
stride, reads each tap's input at one constant shift; a pass of four taps (nine for
a 3 x 3 kernel without zero taps, up to :data:`PLANE_NINE_BYTES`) then runs over a
chunk of the flat output (:data:`PLANE_CHUNK_BYTES`; the chunks shared among
threads), one long loop instead of one per row, and the output's rows are copied out
of it. In the row passes (larger inputs, and those of :data:`PADDED_MAX` samples
whose copy exceeds :data:`PLANE_BYTES`) a small input with short rows
(:data:`PADDED_ROW`) is copied with four zeros on both sides of each row, each pass of
up to five taps running over every column one of them reaches, the others reading
zeros. Both copies are exact for finite taps (a zero product adds nothing: the sums
start at +0, and x + (-0) is x); a NaN or infinite tap times a padded zero would be
NaN, so such kernels take the passes with edge loops. An output row of at most
:data:`NARROW` columns (a kernel nearly as large as the image, in ``'valid'`` mode)
has each output's taps summed in one scalar loop instead, two outputs side by side.

**Depthwise layers** (``depthwise_forward``, ``depthwise_adjoint``,
``depthwise_weight_gradient``, used by :mod:`convlib.nn`): one task per plane (per
channel for the weight gradient), the zero padding implied rather than copied, the same
nine-tap pass for 3 x 3 kernels with column stride 1 or 2 and no column dilation (at
stride 1 with the output as wide as the input, over the flattened plane at once; on
rows of at most ``DW_MASKED_ROW_BYTES``, over the whole plane, edges included, each
tap that falls outside the plane selected away: one loop per plane, no scalar edge
loops or short row loops, whose start-up and scalar remainders cost more than such a
row's products; at stride 2 (no column dilation) with at most ``DW_GATHER_COLUMNS``
output columns, the same over the output plane, each output's taps read by gathered
loads); the adjoint at column stride 2 takes a kernel row's three taps in one pass. The
weight gradient of a 3 x 3 kernel at stride 1 (no dilation) with the gradient as wide as
the input runs one pass per kernel row over the flattened plane, four batch samples a
pass, the taps outside the plane selected away as in the forward's masked pass, and sums
each tap's products in 64 interleaved partial sums (``_dw_weight_grad_masked``); other
kernels at stride 1 with the gradient as wide as the input run one pass per
tap over the flattened plane, four batch samples a pass, and sum each tap's products in 64
interleaved partial sums too (``_dw_weight_grad_flat``; from
:data:`DW_GRAD_THREE_MIN_BATCH` samples on, a kernel row's three taps a pass,
``_dw_weight_grad_flat3``, the same sums in the same order); at stride 2 with an even input
twice the output, from the input's four phases (even or odd rows by even or odd
columns), each a stride-1 problem for that kernel; otherwise it adds each tap's
products into a row of partial sums (at column stride 2 in a kernel of its own, whose
loop reads the input at a constant stride). The masked, flat and phase kernels add the same
terms in another order than the NumPy path: equal within rounding.

**Exactness.** No ``fastmath``: every product is rounded, then added, in the same
order as ``'direct'`` adds them on N-d inputs (no fused multiply-add, no
re-association), so on 2-D and 3-D inputs the result equals ``method='direct'`` bit
for bit (``tests/test_compiled.py`` checks it) wherever ``'direct'`` adds tap by tap,
but for the sign of a zero: the nine-tap passes start each sum with a product, so nine
products of -0 (negative taps over zeros) give -0 where ``'direct'``, whose sums start
at +0, gives +0 (the two compare equal). Two cases sum in another order, so there the
two differ by rounding: where ``'direct'`` computes each output as one dot product of
a window (``convlib.direct.windows_pay``: far fewer outputs than taps, e.g. a 64 x 64
image by a 61 x 61 kernel in ``'valid'`` mode), and on 1-D inputs, where ``'direct'``
calls ``numpy.convolve`` (there at most 0.64 ``eps * sum|terms|``, measured on float32
and float64 signals of 10**3 to 10**5 samples with 3 to 1000 taps, within the bound
every summation order obeys). NaN and infinity stay in the outputs whose window holds them,
as with ``'direct'``; a zero tap is skipped, so an infinity under it adds nothing, as
in ``'direct'`` on 2-D and 3-D inputs (on 1-D ones ``numpy.convolve`` multiplies it:
``inf * 0`` is NaN there).

**Domain** (:func:`serves_compiled`): float32 and float64 results of inputs with 1 to
3 dimensions, and numba installed. Integer, boolean and complex results are left to
the exact ``'direct'`` sum (and the digit-splitting FFT of :mod:`convlib.exact`), so
that only two machine-code versions of the kernel are ever compiled.

**numba is optional.** ``import convlib`` does not import it; the first use does
(:func:`numba_available`). Without numba (e.g. in the browser build, Pyodide, which has
no numba) ``method='compiled'`` raises :class:`convlib.dispatch.MethodCannotServe`
naming the missing package, and ``method='auto'`` never chooses it. The kernels are
compiled on first call per dtype (about a second each; ``cache=True`` stores the
machine code in this package's ``__pycache__``, so later processes load it in
milliseconds).
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import time
import types
from types import SimpleNamespace
from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import MethodCannotServe
from ._timing import cpu_seconds
from .shapes import mode_offset, output_shape

__all__ = ["convolve_compiled", "serves_compiled", "numba_available", "use_compiled",
           "USE_COMPILED", "CHUNK", "SPLIT_MIN", "row_chunk", "PADDED_MAX", "PADDED_ROW",
           "NARROW",
           "PARALLEL_MIN_MACS", "PLANE_BYTES", "PLANE_NINE_BYTES", "PLANE_CHUNK_BYTES",
           "THREADS", "LOAD_INTERVAL", "LOAD_STALE", "COMPILED_DTYPES",
           "MAX_NDIM", "depthwise_forward", "depthwise_adjoint", "depthwise_adjoint_s2",
           "depthwise_backward_s2", "depthwise_weight_gradient"]

#: Fewest batch samples for which the weight gradient over the flattened plane
#: (``_dw_weight_grad_flat``) takes a kernel row's three taps in one pass (``dL/dy``
#: loaded once for three products, three rows of partial sums; no column dilation).
#: Measured with numba 0.68.1, serially, 64 channels of 14 x 14 to 56 x 56 by 3 x 3
#: against one tap a pass: 0.77-0.93x the time at 32 samples, 0.8-1.8x at 16,
#: 1.0-1.5x at 4 and 8 (its loop of twelve products a sample runs slower per product
#: than the one-tap loop; it pays where the batch's planes of a channel outgrow the
#: L1 cache, read three times instead of nine). 3 x 3 kernels without dilation take
#: ``_dw_weight_grad_masked`` instead, at every batch size.
DW_GRAD_THREE_MIN_BATCH = 32

#: Output samples per task along the last axis. A row longer than this (a long 1-D
#: signal) is cut into chunks so that both threads get work and a chunk of the output
#: (64 KiB of float64) stays in cache while every tap is applied to it.
CHUNK = 8192

#: Fewest output samples per task where an output of one row is cut for the threads
#: (:func:`row_chunk`): a chosen floor (8 KiB of float64 per task), not a measured
#: crossover.
SPLIT_MIN = 1024

#: Most samples of an input of several rows whose rows the kernel copies with four
#: zeros on both sides, so that its passes of up to five taps need no edge loops
#: (kernels with finite taps, except the nine-tap 3 x 3 pass), if its rows are short
#: too (:data:`PADDED_ROW`; a 1-D signal is one row, whose edge loops cost little
#: beside a copy). Measured serially (numba 0.68.1, 2 x86-64 cores): 64 x 64
#: images with 9 x 9 and 15 x 15 kernels ran 1.7 to 2.5 times as fast (passes of
#: three taps; five taps per pass added 7 to 25 %), 256 x 256 ones with 9 x 9
#: kernels about 1.5 times; on 1024 x 1024 float64 images with 4 x 4 to 9 x 9
#: kernels the copy made the call 1.8 to 4 times slower.
PADDED_MAX = 2**18

#: Most input samples per row per pass of three taps of an output row for the copy
#: (:data:`PADDED_MAX`): the edge loops it saves cost once per pass, the copy once per
#: input sample.
PADDED_ROW = 64

#: Most bytes of the copy of the input (zero rows above and below, zero columns
#: between its rows) for which a call takes whole-plane passes (the module's notes);
#: :data:`PLANE_NINE_BYTES` for a 3 x 3 kernel without zero taps. Measured serially (numba 0.68.1, 2 x86-64 cores with AVX-512):
#: 64 x 64 images with 3 x 3 to 15 x 15 kernels ran 2 to 4 times as fast as in the
#: row passes, 256 x 256 and 512 x 512 float32 ones with 5 x 5 and 9 x 9 kernels 1.7 to
#: 2.7 times; 512 x 512 float64 ones (2 MiB copies, allocated per call) several times
#: slower.
PLANE_BYTES = 2**20

#: :data:`PLANE_BYTES` for a 3 x 3 kernel without zero taps, whose row passes take
#: all nine taps at once: the planes ran 2 to 2.5 times as fast on 64 x 64 images,
#: slower on 192 x 192 float64 and 256 x 256 float64 ones.
PLANE_NINE_BYTES = 2**18

#: Bytes of the flat output plane that each run of the whole-plane passes covers
#: (a chunk stays in the L1 cache while every tap is applied to it): 4096 float32 or
#: 2048 float64 samples, measured against 2 and 4 times as many.
PLANE_CHUNK_BYTES = 2**14

#: Most output columns (last axis) for which each output's sum runs in one scalar
#: loop over the taps (two columns at a time), not in passes over the row: measured
#: serially, 64 x 64 images by 61 x 61 and 63 x 63 kernels in ``'valid'`` mode (4 x 4
#: and 2 x 2 outputs) ran 2 to 2.7 times as fast.
NARROW = 4

#: Most bytes of an input row for which a depthwise layer's 3 x 3 kernel at stride 1
#: with the output as wide as the input takes the masked pass over the whole plane
#: (``_dw_forward``; 32 float32 or 16 float64 columns). Measured serially (numba
#: 0.68.1), 8 x 256 planes by 3 x 3, time against the row passes: 0.16-0.47x on planes
#: of 7 x 7 to 24 x 24 in float32, 0.6-0.8x on 28 x 28, 0.9-1.6x on 40 x 40; in
#: float64 0.15-0.45x from 7 x 7 to 14 x 14, 0.45-1.0x on 20 x 20, 0.7-1.1x on 24 x 24,
#: 1.2x on 28 x 28.
DW_MASKED_ROW_BYTES = 128

#: Most output columns for which a depthwise layer's 3 x 3 kernel at stride 2 (no
#: column dilation) takes the masked pass over the whole plane with gathered loads
#: (``_dw_forward``): measured serially (numba 0.68.1) in float32 and float64, 0.4x
#: the row passes' time on 8 x 256 x 14 x 14 inputs, 0.65-0.78x on 8 x 128 x 28 x 28
#: (14 output columns), 0.76-0.81x with 16 output columns, 0.86-0.95x with 20,
#: 0.94-1.02x with 24, 1.0-1.1x on 8 x 64 x 56 x 56 (28).
DW_GATHER_COLUMNS = 16

#: Fewest multiply-adds for which the kernels run on several threads. Below it the
#: calling thread runs them alone (``numba.set_num_threads(1)`` for the call). Waking a
#: thread pool costs microseconds on an idle machine.
PARALLEL_MIN_MACS = 2**20

#: Whether the kernels may use threads. ``'auto'`` (default) uses them for work of at
#: least :data:`PARALLEL_MIN_MACS` multiply-adds only while other processes leave the
#: cores idle (they used less than half a core since the last reading of the CPU time,
#: taken at most every ``LOAD_INTERVAL`` seconds; with no reading younger than
#: ``LOAD_STALE`` seconds, the 1-minute load average must leave a core idle); True
#: always, False never. On a busy machine a thread pool costs milliseconds per call:
#: the call ends when its slowest thread does, and a thread that waits for a core
#: waits a scheduler time slice (measured: 10 ms for a 0.15 ms convolution at load
#: average 5 on 2 cores). Threads never change the result: each output row is
#: computed by one thread, in the same order.
THREADS: bool | str = "auto"

#: Fewest seconds between two readings of the other processes' CPU use (``THREADS``).
LOAD_INTERVAL = 0.25

#: Most seconds a reading may be old for the CPU time since then to judge the load;
#: past it (and before the first reading) the 1-minute load average judges.
LOAD_STALE = 5.0

#: Result dtypes the compiled kernels serve.
COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

#: Largest number of dimensions served (1-D and 2-D inputs run as 3-D ones with
#: leading axes of length 1: one kernel per dtype).
MAX_NDIM = 3


#: Whether :func:`convlib.convolve2d` / :func:`convlib.correlate2d` (their direct sum)
#: and depthwise :func:`convlib.nn.conv2d` with its backward
#: (:func:`convlib.nn.conv2d_backward`), and the 1-D passes of
#: :func:`convlib.separable.convolve_separable` (also when ``method='auto'`` picks
#: ``'separable'``), use the compiled kernels when numba is
#: importable and the result is float32 or float64 (:func:`use_compiled`). Set it to
#: False to run their NumPy paths (the tests compare the two); ``method='compiled'``
#: and the other methods ``method='auto'`` picks do not read it.
USE_COMPILED = True


@functools.cache
def _numba():
    """The numba module, or None if it cannot be imported (imported on first use)."""
    try:
        return importlib.import_module("numba")
    except ImportError:
        return None


def numba_available() -> bool:
    """Whether numba can be imported, i.e. whether ``method='compiled'`` can run.

    Examples
    --------
    >>> isinstance(numba_available(), bool)
    True
    """
    return _numba() is not None


def serves_compiled(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> str | None:
    """The domain of ``method='compiled'``: None, or the reason it cannot serve.

    Parameters
    ----------
    in1, in2 : ndarray
        Validated inputs of equal ndim (as the dispatcher passes them).
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    None or str
        None for a float32 or float64 result of 1-D to 3-D inputs with numba
        installed; else why not.

    Examples
    --------
    >>> serves_compiled(np.ones((2, 2, 2, 2)), np.ones((1, 1, 1, 1)))
    "'compiled' serves inputs of 1 to 3 dimensions; got 4"
    >>> serves_compiled(np.ones(4, int), np.ones(2, int))
    "'compiled' computes float32 and float64 results; got int64 (use 'direct', exact)"
    """
    return _reason(in1.ndim, np.result_type(in1, in2))


def _reason(ndim: int, dtype: np.dtype) -> str | None:
    """:func:`serves_compiled` of inputs of ``ndim`` dimensions and result ``dtype``."""
    if not 1 <= ndim <= MAX_NDIM:
        return f"'compiled' serves inputs of 1 to {MAX_NDIM} dimensions; got {ndim}"
    if dtype not in COMPILED_DTYPES:
        hint = " (use 'direct', exact)" if dtype.kind in "biu" else ""
        return f"'compiled' computes float32 and float64 results; got {dtype}{hint}"
    if not numba_available():
        return ("'compiled' needs numba, which cannot be imported (pip install numba, "
                "or convlib[compiled]); method='auto' uses the other methods")
    return None


# --------------------------------------------------------------------------------------
# The kernels, as plain Python; _kernels() compiles them with numba on first use.

def _conv3d_rows(a, b, out, o0, o1, o2, chunk, pad_max, pad_row, narrow):  # pragma: no cover - runs compiled
    """``out[i] = sum_k b[k] * a[i + o - k]`` over the ``k`` with ``a``'s index inside
    ``a`` (``o`` = the output's offset in the full convolution), 3-D C-contiguous."""
    L0, L1, L2 = out.shape
    N0, N1, N2 = a.shape
    M0, M1, M2 = b.shape
    nchunks = (L2 + chunk - 1) // chunk
    zero = np.zeros(1, out.dtype)[0]  # of the output's dtype (a float 0 is float64)
    # a 2-D 3 x 3 kernel without zero taps: rows whose three input rows exist take all
    # nine taps in one pass (the output row loaded and stored once, not three times)
    nine = M0 == 1 and M1 == 3 and M2 == 3
    if nine:
        for q in range(3):
            for t in range(3):
                if b[0, q, t] == 0:
                    nine = False
    # small inputs of several rows (PADDED_MAX samples) with short rows (PADDED_ROW samples per three
    # taps of the kernel rows reaching an output row) and finite taps: the input's rows
    # copied with four zeros on both sides, so that a pass of up to five taps runs over
    # every column that one of them reaches, without edge loops (which cost more than
    # the pass on short rows). The product of a finite tap with a padded
    # zero is a zero, which adds nothing (the sums start at +0 and never become -0),
    # so the sums stay those of 'direct'; a NaN or infinite tap times a zero would be
    # NaN, so such kernels take the passes with edge loops.
    padded = (not nine and L2 > narrow and 1 < N0 * N1 and N0 * N1 * (N2 + 8) <= pad_max
              and N2 + 8 <= pad_row * M0 * M1 * ((M2 + 2) // 3))
    for p in range(M0):
        for q in range(M1):
            for t in range(M2):
                if not np.isfinite(b[p, q, t]):
                    padded = False
    ap = np.empty((N0 if padded else 0, N1, N2 + 8), dtype=a.dtype)
    if padded:  # loops: a slice assignment ran several times slower (numba 0.68.1)
        for r0 in range(N0):
            for r1 in range(N1):
                prow = ap[r0, r1]
                arow = a[r0, r1]
                for k in range(4):
                    prow[k] = prow[N2 + 4 + k] = 0
                for k in range(N2):
                    prow[k + 4] = arow[k]
    for task in _prange(L0 * L1 * nchunks):
        row = task // nchunks
        c = task - row * nchunks
        i0 = row // L1
        i1 = row - i0 * L1
        j0 = c * chunk
        j1 = min(L2, j0 + chunk)
        orow = out[i0, i1]
        r0 = i0 + o0
        if nine and 0 <= r0 < N0 and i1 + o1 - 2 >= 0 and i1 + o1 < N1:
            lo = min(max(j0, 2 - o2), j1)  # columns all three taps of a row reach
            hi = max(lo, min(j1, N2 - o2))
            for e in range(lo - j0 + j1 - hi):  # the columns near the edges, in order
                j = j0 + e if j0 + e < lo else hi + e - (lo - j0)
                orow[j] = 0
                for q in range(3):
                    for t in range(3):
                        col = j + o2 - t
                        if 0 <= col < N2:
                            orow[j] += b[0, q, t] * a[r0, i1 + o1 - q, col]
            if lo < hi:
                # one slice per input row, read at constant offsets (measured with
                # numba 0.68.1: nine slices of runtime starts, one per tap, ran the
                # depthwise form of this loop about half as fast, serially)
                ov = orow[lo:hi]
                u = a[r0, i1 + o1][lo + o2 - 2:hi + o2]
                v = a[r0, i1 + o1 - 1][lo + o2 - 2:hi + o2]
                z = a[r0, i1 + o1 - 2][lo + o2 - 2:hi + o2]
                b00, b01, b02 = b[0, 0, 0], b[0, 0, 1], b[0, 0, 2]
                b10, b11, b12 = b[0, 1, 0], b[0, 1, 1], b[0, 1, 2]
                b20, b21, b22 = b[0, 2, 0], b[0, 2, 1], b[0, 2, 2]
                for k in range(hi - lo):
                    ov[k] = ((((((((b00 * u[k + 2] + b01 * u[k + 1]) + b02 * u[k])
                                 + b10 * v[k + 2]) + b11 * v[k + 1]) + b12 * v[k])
                              + b20 * z[k + 2]) + b21 * z[k + 1]) + b22 * z[k])
            continue
        zeros = orow[j0:j1]  # a slice, so the index is known non-negative: without
        if j1 - j0 <= narrow or padded:  # it, a wrap-around test per sample kept this
            for j in range(j1 - j0):     # loop scalar (measured on the rows of 1-D 10**5 x 3: 1.5x the
                zeros[j] = 0             # time); the other passes zero lazily (fresh)
        if j1 - j0 <= narrow:
            # a few columns: each output's taps in one scalar sum, in the same order
            # (a pass over a row this short costs more than its multiply-adds); two
            # columns at a time where both reach every tap of a row, so that two
            # chains of additions overlap
            j = j0
            while j < j1:
                pair = j + 1 < j1 and j + o2 - (M2 - 1) >= 0 and j + 1 + o2 < N2
                s0 = orow[j]
                s1 = orow[j + 1] if pair else s0
                for p in range(M0):
                    r0 = i0 + o0 - p
                    if r0 < 0 or r0 >= N0:
                        continue
                    for q in range(M1):
                        r1 = i1 + o1 - q
                        if r1 < 0 or r1 >= N1:
                            continue
                        arow = a[r0, r1]
                        if pair:
                            for t in range(M2):
                                tap = b[p, q, t]
                                if tap != 0:
                                    s0 += tap * arow[j + o2 - t]
                                    s1 += tap * arow[j + 1 + o2 - t]
                        else:
                            for t in range(max(0, j + o2 - N2 + 1), min(M2, j + o2 + 1)):
                                tap = b[p, q, t]
                                if tap != 0:
                                    s0 += tap * arow[j + o2 - t]
                orow[j] = s0
                if pair:
                    orow[j + 1] = s1
                    j += 1
                j += 1
            continue
        if padded:
            for p in range(M0):
                r0 = i0 + o0 - p
                if r0 < 0 or r0 >= N0:
                    continue
                for q in range(M1):
                    r1 = i1 + o1 - q
                    if r1 < 0 or r1 >= N1:
                        continue
                    arow = ap[r0, r1]
                    t = 0
                    while t < M2:
                        # a pass takes the next 5, 4 or 3 taps if none is zero, over
                        # the columns one of them reaches (the others read padded
                        # zeros there), each sum in the order of single passes
                        g = 0
                        while g < 5 and t + g < M2 and b[p, q, t + g] != 0:
                            g += 1
                        if g < 3:
                            tap = b[p, q, t]
                            lo = max(j0, t - o2)
                            hi = min(j1, N2 + t - o2)
                            if tap != 0 and lo < hi:
                                ov = orow[lo:hi]
                                av = arow[lo + o2 - t + 4:hi + o2 - t + 4]
                                for j in range(hi - lo):
                                    ov[j] += tap * av[j]
                            t += 1
                            continue
                        lo = max(j0, t - o2)
                        hi = max(lo, min(j1, N2 + t + g - 1 - o2))
                        c = o2 - t + 4  # ap's column of a[j + o2 - t] is j + c
                        ov = orow[lo:hi]
                        t0, t1, t2 = b[p, q, t], b[p, q, t + 1], b[p, q, t + 2]
                        a0 = arow[lo + c:hi + c]
                        a1 = arow[lo + c - 1:hi + c - 1]
                        a2 = arow[lo + c - 2:hi + c - 2]
                        if g == 3:
                            for j in range(hi - lo):
                                ov[j] = ((ov[j] + t0 * a0[j]) + t1 * a1[j]) + t2 * a2[j]
                        elif g == 4:
                            t3 = b[p, q, t + 3]
                            a3 = arow[lo + c - 3:hi + c - 3]
                            for j in range(hi - lo):
                                ov[j] = (((ov[j] + t0 * a0[j]) + t1 * a1[j]) + t2 * a2[j]
                                         ) + t3 * a3[j]
                        else:
                            t3, t4 = b[p, q, t + 3], b[p, q, t + 4]
                            a3 = arow[lo + c - 3:hi + c - 3]
                            a4 = arow[lo + c - 4:hi + c - 4]
                            for j in range(hi - lo):
                                ov[j] = ((((ov[j] + t0 * a0[j]) + t1 * a1[j]) + t2 * a2[j]
                                          ) + t3 * a3[j]) + t4 * a4[j]
                        t += g
            continue
        # the row's first pass writes its sums instead of adding them to a zeroed
        # row (the zero pass and a load per sample saved): a three-tap pass zeroes
        # only the columns outside those all three taps reach and writes
        # ((t0 a0 + 0) + t1 a1) + t2 a2 there, the same value as ((0 + t0 a0) + ...)
        # (x + 0 is 0 + x, -0 included); a one-tap pass zeroes the row first
        fresh = True
        for p in range(M0):
            r0 = i0 + o0 - p
            if r0 < 0 or r0 >= N0:
                continue
            for q in range(M1):
                r1 = i1 + o1 - q
                if r1 < 0 or r1 >= N1:
                    continue
                arow = a[r0, r1]
                t = 0
                while t < M2:
                    if t + 2 < M2 and b[p, q, t] != 0 and b[p, q, t + 1] != 0 \
                            and b[p, q, t + 2] != 0:
                        # three taps in one pass: the output row is loaded and stored
                        # once, the sums added in the same order as three passes
                        t0, t1, t2 = b[p, q, t], b[p, q, t + 1], b[p, q, t + 2]
                        lo = max(j0, t + 2 - o2)  # columns all three taps reach
                        hi = max(lo, min(j1, N2 + t - o2))
                        if fresh:
                            lz = min(lo, j1)
                            for j in range(lz - j0):
                                zeros[j] = 0
                            for j in range(max(hi, lz) - j0, j1 - j0):
                                zeros[j] = 0
                        for u in range(3):  # the columns only some reach, tap by tap
                            tap = b[p, q, t + u]
                            lo_u = max(j0, t + u - o2)
                            hi_u = min(j1, N2 + t + u - o2)
                            for j in range(lo_u, min(hi_u, lo)):
                                orow[j] += tap * arow[j + o2 - t - u]
                            for j in range(max(lo_u, hi), hi_u):
                                orow[j] += tap * arow[j + o2 - t - u]
                        if lo < hi:
                            ov = orow[lo:hi]
                            a0 = arow[lo + o2 - t:hi + o2 - t]
                            a1 = arow[lo + o2 - t - 1:hi + o2 - t - 1]
                            a2 = arow[lo + o2 - t - 2:hi + o2 - t - 2]
                            if fresh:
                                for j in range(hi - lo):
                                    ov[j] = ((t0 * a0[j] + zero) + t1 * a1[j]) + t2 * a2[j]
                            else:
                                for j in range(hi - lo):
                                    ov[j] = ((ov[j] + t0 * a0[j]) + t1 * a1[j]) + t2 * a2[j]
                        fresh = False
                        t += 3
                        continue
                    tap = b[p, q, t]
                    # columns j with 0 <= j + o2 - t < N2
                    lo = max(j0, t - o2)
                    hi = min(j1, N2 + t - o2)
                    if tap != 0 and lo < hi:
                        if fresh:
                            for j in range(j1 - j0):
                                zeros[j] = 0
                            fresh = False
                        # slices, so the loop index is non-negative: no wrap-around
                        # test for negative indices, and the loop vectorises
                        ov = orow[lo:hi]
                        av = arow[lo + o2 - t:hi + o2 - t]
                        for j in range(hi - lo):
                            ov[j] += tap * av[j]
                    t += 1
        if fresh:  # no tap reached the row
            for j in range(j1 - j0):
                zeros[j] = 0


def _conv3d_plane(a, b, out, o0, o1, o2, chunk_bytes, nine_bytes):  # pragma: no cover
    """:func:`_conv3d_rows` (same sums in the same order) in whole-plane passes, on
    the calling thread: returns False, computing nothing, if a tap is not finite or if
    the kernel is 3 x 3 without zero taps and the copy of the input has more than
    ``nine_bytes`` bytes.

    Each input plane is copied once (not in ``'valid'`` mode, where it is read as it
    is) with zero rows above and below and ``G`` zero columns after each row and before
    the first, so that its rows have the stride ``W = N2 + G`` of the flat output plane
    (output ``(i, j)`` at ``i * W + j``, the columns ``j >= L2`` scratch): then every
    tap reads the input at one constant flat shift, and a zero wherever 'direct' has no
    term for it. The passes (four taps each, in row-major order, zero taps skipped;
    all nine taps of a 3 x 3 kernel) run over a chunk of ``chunk_bytes`` of the flat
    output at a time, so a pass pays its loop start-up once per chunk, not once per
    row. Each sum starts at +0 and adds the products in the order of 'direct'; a
    finite tap times a padded zero is a zero, which changes no sum (nor the sign of a
    zero sum: x + (-0) is x), so the results are those of 'direct' bit for bit."""
    L0, L1, L2 = out.shape
    N0, N1, N2 = a.shape
    M0, M1, M2 = b.shape
    nonzero = 0
    for p in range(M0):
        for q in range(M1):
            for t in range(M2):
                if not np.isfinite(b[p, q, t]):
                    return False
                if b[p, q, t] != 0:
                    nonzero += 1
    G = max(0, M2 - 1 - o2, L2 - 1 + o2 - (N2 - 1))
    T = max(0, M1 - 1 - o1)
    B = max(0, L1 - 1 + o1 - (N1 - 1))
    W = N2 + G
    plen = G + (T + N1 + B) * W
    if (M0 == 1 and M1 == 3 and M2 == 3 and nonzero == 9
            and N0 * plen * a.itemsize > nine_bytes):
        return False
    chunk = max(1, chunk_bytes // a.itemsize)
    n = (L1 - 1) * W + L2  # the flat output plane's samples, row stride W
    direct_out = W == L2
    ov = out.reshape((L0, L1 * L2)) if direct_out else np.empty((L0, n), dtype=out.dtype)
    copy_in = G > 0 or T > 0 or B > 0
    copy = np.empty((N0 if copy_in else 0, plen), dtype=a.dtype)
    taps = np.empty((M0, M1 * M2), dtype=b.dtype)
    shifts = np.empty((M0, M1 * M2), dtype=np.int64)
    counts = np.empty(M0, dtype=np.int64)
    base = G + T * W
    for p in range(M0):
        nt = 0
        for q in range(M1):
            for t in range(M2):
                if b[p, q, t] != 0:
                    taps[p, nt] = b[p, q, t]
                    shifts[p, nt] = base + (o1 - q) * W + o2 - t
                    nt += 1
        counts[p] = nt
    if copy_in:
        for r0 in range(N0):
            pr = copy[r0]
            # loops over slices indexed from 0, which vectorise (slice assignments
            # and loops over offset indices ran several times slower, numba 0.68.1)
            top = pr[:G + T * W]
            for k in range(G + T * W):
                top[k] = 0
            for r1 in range(N1):
                s = G + (T + r1) * W
                prow = pr[s:s + W]
                arow = a[r0, r1]
                for k in range(N2):
                    prow[k] = arow[k]
                gap = prow[N2:]
                for k in range(G):
                    gap[k] = 0
            bottom = pr[G + (T + N1) * W:]
            for k in range(B * W):
                bottom[k] = 0
    # (written to `copy`, read through `ap`: `a` may be a read-only array)
    ap = copy if copy_in else a.reshape((N0, N1 * N2))
    nch = (n + chunk - 1) // chunk
    for task in _prange(L0 * nch):  # threads in the parallel compilation (plane_threads)
        i0 = task // nch
        k0 = (task - i0 * nch) * chunk
        k1 = min(n, k0 + chunk)
        m = k1 - k0
        ovs = ov[i0][k0:k1]
        for k in range(m):
            ovs[k] = 0
        for p in range(M0):
            r0 = i0 + o0 - p
            if r0 < 0 or r0 >= N0:
                continue
            pr = ap[r0]
            cnt = counts[p]
            e = 0
            if M1 == 3 and M2 == 3 and cnt == 9:
                # a 3 x 3 kernel without zero taps: nine taps in one pass, one slice
                # per kernel row read at constant offsets
                sa = shifts[p, 0] + k0 - 2
                sb = shifts[p, 3] + k0 - 2
                sc = shifts[p, 6] + k0 - 2
                u, v, z = pr[sa:sa + m + 2], pr[sb:sb + m + 2], pr[sc:sc + m + 2]
                b00, b01, b02 = taps[p, 0], taps[p, 1], taps[p, 2]
                b10, b11, b12 = taps[p, 3], taps[p, 4], taps[p, 5]
                b20, b21, b22 = taps[p, 6], taps[p, 7], taps[p, 8]
                for k in range(m):
                    ovs[k] = (((((((((ovs[k] + b00 * u[k + 2]) + b01 * u[k + 1])
                                     + b02 * u[k]) + b10 * v[k + 2]) + b11 * v[k + 1])
                                  + b12 * v[k]) + b20 * z[k + 2]) + b21 * z[k + 1])
                              + b22 * z[k])
                e = 9
            while e < cnt:
                if cnt - e >= 4:
                    c0, c1 = taps[p, e], taps[p, e + 1]
                    c2, c3 = taps[p, e + 2], taps[p, e + 3]
                    s0, s1 = shifts[p, e] + k0, shifts[p, e + 1] + k0
                    s2, s3 = shifts[p, e + 2] + k0, shifts[p, e + 3] + k0
                    x0, x1 = pr[s0:s0 + m], pr[s1:s1 + m]
                    x2, x3 = pr[s2:s2 + m], pr[s3:s3 + m]
                    for k in range(m):
                        ovs[k] = (((ovs[k] + c0 * x0[k]) + c1 * x1[k]) + c2 * x2[k]
                                  ) + c3 * x3[k]
                    e += 4
                elif cnt - e >= 2:
                    c0, c1 = taps[p, e], taps[p, e + 1]
                    s0, s1 = shifts[p, e] + k0, shifts[p, e + 1] + k0
                    x0, x1 = pr[s0:s0 + m], pr[s1:s1 + m]
                    for k in range(m):
                        ovs[k] = (ovs[k] + c0 * x0[k]) + c1 * x1[k]
                    e += 2
                else:
                    c0 = taps[p, e]
                    s0 = shifts[p, e] + k0
                    x0 = pr[s0:s0 + m]
                    for k in range(m):
                        ovs[k] = ovs[k] + c0 * x0[k]
                    e += 1
        if not direct_out:
            _copy_rows(ov[i0], out[i0], W, k0, k1)
    return True


def _copy_rows(src, dst, W, k0, k1):  # pragma: no cover - runs compiled
    """``dst[i, j] = src[i * W + j]`` for the flat indices ``k0 <= i * W + j < k1``
    (a function of its own: inside the plane kernel the loop ran several times slower,
    numba 0.68.1)."""
    L2 = dst.shape[1]
    for i1 in range(k0 // W, (k1 - 1) // W + 1):
        lo = max(0, k0 - i1 * W)
        hi = min(L2, k1 - i1 * W)
        orow = dst[i1][lo:hi]
        s = src[i1 * W + lo:i1 * W + hi]
        for j in range(hi - lo):  # slices: indices from 0, so the loop vectorises
            orow[j] = s[j]



def _column_ranges(kW, W, W_out, s1, d1, p1):  # pragma: no cover - runs compiled
    """Per kernel column ``j``: the output columns ``q`` whose input column
    ``s1 q + d1 j - p1`` lies inside ``[0, W)``, as ``[lo, hi)`` (computed once: an
    integer division per row and tap would cost more than the row's products)."""
    cols = np.empty((kW, 2), dtype=np.int64)
    for j in range(kW):
        off = d1 * j - p1
        cols[j, 0] = max(0, -(off // s1))               # s1 q + off >= 0
        cols[j, 1] = min(W_out, -((off - W) // s1))     # s1 q + off < W
    return cols


def _tap_tables(H, W, H_out, W_out, s0, s1, d0, d1, p0, p1, on):  # pragma: no cover
    """For the masked nine-tap passes of :func:`_dw_forward` (3 x 3 kernel): bit
    ``3 i + j`` of ``m[p W_out + q]`` set where tap ``(i, j)`` of output ``(p, q)``
    reads inside the plane (row ``s0 p + d0 i - p0``, column ``s1 q + d1 j - p1``),
    and ``idx[p W_out + q] = s0 p W + s1 q``, where its first tap reads, counted from
    the plane's sample ``(-p0, -p1)``; both empty unless ``on``."""
    m = np.zeros(H_out * W_out if on else 0, dtype=np.uint16)
    idx = np.zeros(H_out * W_out if on else 0, dtype=np.uint32)
    if on:
        for p in range(H_out):
            for q in range(W_out):
                b = 0
                for i in range(3):
                    r = s0 * p + d0 * i - p0
                    for j in range(3):
                        col = s1 * q + d1 * j - p1
                        if 0 <= r < H and 0 <= col < W:
                            b |= 1 << (3 * i + j)
                m[p * W_out + q] = b
                idx[p * W_out + q] = s0 * p * W + s1 * q
    return m, idx


def _dw_forward(x, w, out, s0, s1, d0, d1, p0, p1, mult, masked_max,
                gather_max):  # pragma: no cover - runs compiled
    """Depthwise conv2d (cross-correlation): ``out[n, o, p, q] = sum_ij w[o, i, j] *
    x[n, o // mult, s0 p + d0 i - p0, s1 q + d1 j - p1]``, the terms whose index falls
    outside ``x`` (its zero padding) left out; taps added in row-major order, as the
    NumPy path adds them. One task per (sample, output channel): a plane stays in cache.
    ``x`` C-contiguous. A 3 x 3 kernel at stride 1 (no column dilation) whose output is
    as wide as an input of at most ``masked_max`` columns, and one at stride 2 with at
    most ``gather_max`` output columns (no column dilation), take the masked passes
    (below)."""
    N, C_out, H_out, W_out = out.shape
    C_in, H, W = x.shape[1], x.shape[2], x.shape[3]
    kH, kW = w.shape[1], w.shape[2]
    cols = _column_ranges(kW, W, W_out, s1, d1, p1)
    masked = (kH == 3 and kW == 3 and s0 == 1 and s1 == 1 and d1 == 1 and W_out == W
              and W <= masked_max)
    gathered = (kH == 3 and kW == 3 and s0 == 2 and s1 == 2 and d1 == 1
                and W_out <= gather_max)
    mask, idx = _tap_tables(H, W, H_out, W_out, s0, s1, d0, d1, p0, p1,
                            masked or gathered)
    span = 2 * (H_out - 1) * W + 2 * (W_out - 1) + 2 * d0 * W + 2 * d1 + 1
    P = H_out * W_out
    xa = x.reshape(x.size)
    oa = out.reshape(out.size)
    zero = np.zeros(1, dtype=out.dtype)[0]
    for task in _prange(N * C_out):
        n = task // C_out
        o = task - n * C_out
        c = o // mult
        # short rows (masked_max): the whole output plane in one pass of nine taps, as
        # one long row (input and output rows equally long, so each tap reads the
        # flattened batch at one constant offset), each tap's product replaced by +0
        # where the tap falls outside the plane (the bits of `mask`, one per output:
        # a select, not a product, so what the tap read there -- a neighbouring row's
        # or plane's sample, perhaps infinite -- never reaches the sum). Not for the
        # planes whose reads would leave the batch (the first and last, with padding):
        # they take the passes below. Measured with numba 0.68.1, serially, 8 x 256
        # planes of 14 x 14 by 3 x 3: 0.21-0.26x the time of those passes in float32,
        # 0.35-0.43x in float64 (their short rows ran the loops' scalar remainders and
        # start-up; the planes' edges took scalar loops of their own); on 28 x 28
        # planes 0.6-0.8x in float32 and slower in float64 (DW_MASKED_ROW_BYTES).
        if masked:
            base = (n * C_in + c) * (H * W) - p0 * W - p1
            if base >= 0 and base + 2 * d0 * W + P + 2 <= xa.size:
                w00, w01, w02 = w[o, 0, 0], w[o, 0, 1], w[o, 0, 2]
                w10, w11, w12 = w[o, 1, 0], w[o, 1, 1], w[o, 1, 2]
                w20, w21, w22 = w[o, 2, 0], w[o, 2, 1], w[o, 2, 2]
                u = xa[base:base + P + 2]
                v = xa[base + d0 * W:base + d0 * W + P + 2]
                z = xa[base + 2 * d0 * W:base + 2 * d0 * W + P + 2]
                ov = oa[task * P:task * P + P]
                for k in range(P):
                    mk = mask[k]
                    t00 = w00 * u[k] if mk & 1 else zero
                    t01 = w01 * u[k + 1] if mk & 2 else zero
                    t02 = w02 * u[k + 2] if mk & 4 else zero
                    t10 = w10 * v[k] if mk & 8 else zero
                    t11 = w11 * v[k + 1] if mk & 16 else zero
                    t12 = w12 * v[k + 2] if mk & 32 else zero
                    t20 = w20 * z[k] if mk & 64 else zero
                    t21 = w21 * z[k + 1] if mk & 128 else zero
                    t22 = w22 * z[k + 2] if mk & 256 else zero
                    ov[k] = ((((((((t00 + t01) + t02) + t10) + t11) + t12) + t20) + t21)
                             + t22)
                continue
        # stride 2 on short output rows (gather_max): the same masked pass over the
        # whole output plane, each output reading its taps at idx[k] + (tap's offset)
        # (gathered loads: the output's flat index is not an affine map of the input's
        # at stride 2). Measured with numba 0.68.1, serially, 8 x 128 planes of
        # 28 x 28 by 3 x 3: 0.70-0.78x the time of the row passes below in float32 and
        # float64 (whose stride-2 loop took about as long per output in float32 as in
        # float64: 2.8 ns at 14 output columns, 1.6 against 1.8 ns at 48, serially;
        # bound by instructions per output, not by bytes), 0.37-0.40x on 14 x 14 planes,
        # 1.0-1.1x on 56 x 56 ones (28 outputs a row). The column offsets are
        # constants (no column dilation): with offsets d1, 2 d1 read at run time the
        # pass ran no faster than the row passes.
        if gathered:
            base = (n * C_in + c) * (H * W) - p0 * W - p1
            if base >= 0 and base + span <= xa.size:
                w00, w01, w02 = w[o, 0, 0], w[o, 0, 1], w[o, 0, 2]
                w10, w11, w12 = w[o, 1, 0], w[o, 1, 1], w[o, 1, 2]
                w20, w21, w22 = w[o, 2, 0], w[o, 2, 1], w[o, 2, 2]
                u = xa[base:base + span]
                v = xa[base + d0 * W:base + span]
                z = xa[base + 2 * d0 * W:base + span]
                ov = oa[task * P:task * P + P]
                for k in range(P):
                    mk = mask[k]
                    j = idx[k]
                    t00 = w00 * u[j] if mk & 1 else zero
                    t01 = w01 * u[j + 1] if mk & 2 else zero
                    t02 = w02 * u[j + 2] if mk & 4 else zero
                    t10 = w10 * v[j] if mk & 8 else zero
                    t11 = w11 * v[j + 1] if mk & 16 else zero
                    t12 = w12 * v[j + 2] if mk & 32 else zero
                    t20 = w20 * z[j] if mk & 64 else zero
                    t21 = w21 * z[j + 1] if mk & 128 else zero
                    t22 = w22 * z[j + 2] if mk & 256 else zero
                    ov[k] = ((((((((t00 + t01) + t02) + t10) + t11) + t12) + t20) + t21)
                             + t22)
                continue
        # stride 1 with the output as wide as the input ('same' columns): the nine-tap
        # pass over all the rows whose three input rows exist at once, as one long row
        # of the flattened plane (input and output rows are equally long, so each tap
        # reads at one constant offset); the columns near the edges, computed wrongly
        # there (they read across a row end), are then overwritten below. Measured
        # with numba 0.68.1: a short row's loop remainder and slices cost more than
        # its products.
        flat = (kH == 3 and kW == 3 and s0 == 1 and s1 == 1 and d1 == 1 and W_out == W
                and cols[0, 0] < cols[2, 1])
        if flat:
            pa = max(0, p0)                       # rows with r0 = p - p0 >= 0 ...
            pb = min(H_out, H - 2 * d0 + p0)      # ... and r0 + 2 d0 < H
            lo = cols[0, 0]
            hi = cols[2, 1]
            flat = pa < pb
            if flat:
                ka = pa * W + lo
                m = (pb - 1) * W + hi - ka
                base = (pa - p0) * W + lo - p1
                ov = out[n, o].reshape(H_out * W)[ka:ka + m]
                xf = x[n, c].reshape(H * W)
                u = xf[base:base + m + 2]
                v = xf[base + d0 * W:base + d0 * W + m + 2]
                z = xf[base + 2 * d0 * W:base + 2 * d0 * W + m + 2]
                w00, w01, w02 = w[o, 0, 0], w[o, 0, 1], w[o, 0, 2]
                w10, w11, w12 = w[o, 1, 0], w[o, 1, 1], w[o, 1, 2]
                w20, w21, w22 = w[o, 2, 0], w[o, 2, 1], w[o, 2, 2]
                for q in range(m):
                    ov[q] = ((((((((w00 * u[q] + w01 * u[q + 1]) + w02 * u[q + 2])
                                 + w10 * v[q]) + w11 * v[q + 1]) + w12 * v[q + 2])
                              + w20 * z[q]) + w21 * z[q + 1]) + w22 * z[q + 2])
        for p in range(H_out):
            orow = out[n, o, p]
            r0 = s0 * p - p0  # the input row of the kernel's first row
            if (kH == 3 and kW == 3 and d1 == 1 and (s1 == 1 or s1 == 2) and r0 >= 0
                    and r0 + 2 * d0 < H):
                # a 3 x 3 kernel inside the rows: its nine taps in one pass over the
                # columns all of them reach (the output row loaded and stored once)
                lo = cols[0, 0]
                hi = max(lo, cols[2, 1])
                for e in range(lo + W_out - hi):  # the columns near the edges
                    q = e if e < lo else hi + e - lo
                    orow[q] = 0
                    for i in range(3):
                        for j in range(3):
                            col = s1 * q + j - p1
                            if 0 <= col < W:
                                orow[q] += w[o, i, j] * x[n, c, r0 + d0 * i, col]
                if lo < hi and not flat:
                    # one slice per input row, read at constant offsets (and a
                    # constant stride; measured with numba 0.68.1: nine slices of
                    # runtime starts, one per tap, ran this loop about half as fast,
                    # serially)
                    m = hi - lo
                    ov = orow[lo:hi]
                    k0 = s1 * lo - p1
                    k1 = s1 * (hi - 1) - p1 + 3
                    u = x[n, c, r0][k0:k1]
                    v = x[n, c, r0 + d0][k0:k1]
                    z = x[n, c, r0 + 2 * d0][k0:k1]
                    w00, w01, w02 = w[o, 0, 0], w[o, 0, 1], w[o, 0, 2]
                    w10, w11, w12 = w[o, 1, 0], w[o, 1, 1], w[o, 1, 2]
                    w20, w21, w22 = w[o, 2, 0], w[o, 2, 1], w[o, 2, 2]
                    if s1 == 1:
                        for q in range(m):
                            ov[q] = ((((((((w00 * u[q] + w01 * u[q + 1]) + w02 * u[q + 2])
                                         + w10 * v[q]) + w11 * v[q + 1]) + w12 * v[q + 2])
                                      + w20 * z[q]) + w21 * z[q + 1]) + w22 * z[q + 2])
                    else:
                        for q in range(m):
                            t = 2 * q
                            ov[q] = ((((((((w00 * u[t] + w01 * u[t + 1]) + w02 * u[t + 2])
                                         + w10 * v[t]) + w11 * v[t + 1]) + w12 * v[t + 2])
                                      + w20 * z[t]) + w21 * z[t + 1]) + w22 * z[t + 2])
                continue
            for q in range(W_out):
                orow[q] = 0
            for i in range(kH):
                r = r0 + d0 * i
                if r < 0 or r >= H:
                    continue
                xrow = x[n, c, r]
                for j in range(kW):
                    tap = w[o, i, j]
                    off = d1 * j - p1  # output column q reads input column s1 q + off
                    lo, hi = cols[j, 0], cols[j, 1]
                    if lo >= hi:
                        continue
                    if s1 == 1:  # slices, so the loop vectorises
                        ov = orow[lo:hi]
                        xv = xrow[lo + off:hi + off]
                        for q in range(hi - lo):
                            ov[q] += tap * xv[q]
                    else:
                        for q in range(lo, hi):
                            orow[q] += tap * xrow[s1 * q + off]


def _dw_adjoint(u, w, out, s0, s1, d0, d1):  # pragma: no cover - runs compiled
    """The adjoint of depthwise conv2d (one input channel per output channel):
    ``out[n, c, s0 p + d0 i, s1 q + d1 j] += w[c, i, j] * u[n, c, p, q]``, into a
    zeroed ``out`` of the padded input's size; one task per (sample, channel). At column
    stride 2 with three kernel columns (no column dilation) a kernel row's three taps
    share one pass per row, each output's terms added in the scatter's order (the same
    values; measured with numba 0.68.1, serially, on 8 x 128 x 14 x 14: 0.47x the time
    of three passes in float32, 0.67x in float64)."""
    N, C, H_out, W_out = u.shape
    kH, kW = w.shape[1], w.shape[2]
    for task in _prange(N * C):
        n = task // C
        c = task - n * C
        if kW == 3 and s1 == 2 and d1 == 1:
            # the three taps of a kernel row in one pass: output column 2 q takes tap 0
            # of input column q, then tap 2 of column q - 1; column 2 q + 1 tap 1 of
            # column q (each output's terms added in the order of the scatter below)
            for i in range(kH):
                t0, t1, t2 = w[c, i, 0], w[c, i, 1], w[c, i, 2]
                for p in range(H_out):
                    urow = u[n, c, p]
                    orow = out[n, c, s0 * p + d0 * i]
                    if W_out > 0:
                        orow[0] += t0 * urow[0]
                        orow[1] += t1 * urow[0]
                    for q in range(1, W_out):
                        orow[2 * q] = (orow[2 * q] + t0 * urow[q]) + t2 * urow[q - 1]
                        orow[2 * q + 1] += t1 * urow[q]
                    if W_out > 0:
                        orow[2 * W_out] += t2 * urow[W_out - 1]
            continue
        for i in range(kH):
            for j in range(kW):
                tap = w[c, i, j]
                off = d1 * j
                for p in range(H_out):
                    urow = u[n, c, p]
                    orow = out[n, c, s0 * p + d0 * i]
                    if s1 == 1:  # slices, so the loop vectorises
                        ov = orow[off:off + W_out]
                        for q in range(W_out):
                            ov[q] += tap * urow[q]
                    else:
                        for q in range(W_out):
                            orow[s1 * q + off] += tap * urow[q]


def _dw_s2_plane(ur, w, c, o, dyb, odd, Hc, WE, p0, p1):  # pragma: no cover - compiled
    """One plane of the adjoint of a depthwise 3 x 3 conv2d at stride 2 (no dilation),
    cropped: ``o`` (the plane ``(Hc, 2 WE)`` flattened) is the scatter of ``w[c] *
    ur`` (``ur = dL/dy``, ``(H_out, W_out)``) at rows ``p0 ...`` and columns ``p1
    ...`` of the padded grid. Gathered, not scattered: an output at padded row ``R``
    and column ``S`` takes the taps ``i = R mod 2 (+ 2)``, ``j = S mod 2 (+ 2)`` of
    ``dL/dy`` at ``((R - i) / 2, (S - j) / 2)``, added from +0 in the scatter's order
    (kernel rows, then columns). ``dyb`` (zeros around ``ur``, rows ``2 WE`` long)
    turns a missing sample into a product with 0, which adds nothing to a sum that
    starts at +0 (the tap must be finite): the values equal the scatter's bit for bit.
    One pass over the plane's output pairs: output rows are ``WE`` pairs of columns and
    the buffer's rows ``2 WE`` samples long, so each of the four parity classes reads
    ``dyb`` at a constant offset from the pair's flat index; a pair's two outputs
    compute the formulas of both row parities and keep the one of their row (``odd``,
    one flag a pair), then are stored side by side (no interleave of phases row by
    row, which cost more than the products: measured with numba 0.68.1, serially,
    8 x 128 planes of 28 x 28, 0.46 of 0.67 ms)."""
    H_out, W_out = ur.shape
    WB = 2 * WE
    for p in range(H_out):
        row = dyb[(p + 1) * WB + 1:(p + 1) * WB + 1 + W_out]
        src = ur[p]
        for s in range(W_out):
            row[s] = src[s]
    b0 = p1 & 1                 # the column parity of the pair's first output
    cs0 = (p1 + 1) >> 1         # the pair's dL/dy column less its index in the row,
    cs1 = p1 >> 1               # for the even-column class and the odd-column one
    zero = dyb[0] - dyb[0]      # +0 in the dtype (dyb[0] is a border zero)
    w00, w01, w02 = w[c, 0, 0], w[c, 0, 1], w[c, 0, 2]
    w10, w11, w12 = w[c, 1, 0], w[c, 1, 1], w[c, 1, 2]
    w20, w21, w22 = w[c, 2, 0], w[c, 2, 1], w[c, 2, 2]
    P = Hc * WE
    A0 = p0 * WE + WB + 1       # the pair's sample of dL/dy (t = 0): even rows ...
    A1 = A0 - WE                # ... and odd rows
    e0 = dyb[A0 + cs0:A0 + cs0 + P]             # even rows: taps (0, 0), (0, 2), ...
    e0v = dyb[A0 + cs0 - 1:A0 + cs0 - 1 + P]
    e1 = dyb[A0 + cs1:A0 + cs1 + P]             # ... (0, 1) ...
    f0 = dyb[A0 - WB + cs0:A0 - WB + cs0 + P]   # ... and the row before: (2, 0), (2, 2)
    f0v = dyb[A0 - WB + cs0 - 1:A0 - WB + cs0 - 1 + P]
    f1 = dyb[A0 - WB + cs1:A0 - WB + cs1 + P]   # (2, 1)
    g0 = dyb[A1 + cs0:A1 + cs0 + P]             # odd rows: (1, 0), (1, 2), (1, 1)
    g0v = dyb[A1 + cs0 - 1:A1 + cs0 - 1 + P]
    g1 = dyb[A1 + cs1:A1 + cs1 + P]
    for m in range(P):
        q00 = (((zero + w00 * e0[m]) + w02 * e0v[m]) + w20 * f0[m]) + w22 * f0v[m]
        q01 = (zero + w01 * e1[m]) + w21 * f1[m]
        q10 = (zero + w10 * g0[m]) + w12 * g0v[m]
        q11 = zero + w11 * g1[m]
        r = odd[m]
        v0 = q10 if r else q00  # the even-column output
        v1 = q11 if r else q01  # the odd-column one
        if b0 == 0:
            o[2 * m] = v0
            o[2 * m + 1] = v1
        else:
            o[2 * m] = v1
            o[2 * m + 1] = v0


def _dw_adjoint_s2(u, w, out, p0, p1, odd, blocks):  # pragma: no cover - compiled
    """The adjoint of a depthwise 3 x 3 conv2d at stride 2, cropped at ``(p0, p1)`` to
    ``out`` (of even width): :func:`_dw_s2_plane` on each (sample, channel), in
    ``blocks`` runs of consecutive planes (one zeroed buffer a run)."""
    N, C = u.shape[0], u.shape[1]
    Hc, Wc = out.shape[2], out.shape[3]
    WE = Wc // 2
    size = (max(Hc + p0, u.shape[2]) + 4) * Wc + 4
    flat = out.reshape(out.size)
    P2 = Hc * Wc
    tasks = N * C
    for b in _prange(blocks):
        dyb = np.zeros(size, dtype=out.dtype)
        for task in range(b * tasks // blocks, (b + 1) * tasks // blocks):
            n = task // C
            c = task - n * C
            _dw_s2_plane(u[n, c], w, c, flat[task * P2:(task + 1) * P2], dyb, odd, Hc,
                         WE, p0, p1)


def _dw_backward_s2(x, u, w, gx, gw, gb, p0, p1, odd):  # pragma: no cover - compiled
    """The three gradients of a depthwise 3 x 3 conv2d at stride 2 (no dilation), one
    task per channel, its samples in order, each plane read once: ``gx`` (``dL/dx``,
    cropped at ``(p0, p1)``) by :func:`_dw_s2_plane`; ``gw``, ``gb`` from sums over
    flattened planes. The input's padded rows ``2 WQ`` samples long are split into
    even and odd columns (``xe``, ``xo``, rows ``WQ`` long, ``WQ >= W_out + 1`` a
    multiple of 16), and ``dL/dy`` is laid out twice in rows ``2 WQ`` long (``dzz``:
    row ``p`` at ``2 p WQ`` and ``(2 p + 1) WQ``, zeros after each copy): then the
    products ``dzz[k] * xe[k + o]`` at one offset ``o`` serve the taps of kernel row 0
    in each row's first half and of row 1 in its second (input rows ``2 p`` and ``2 p
    + 1``), so six passes over ``H_out 2 WQ`` samples serve the nine taps (and the
    second halves of three are not used). Each product is added into a partial sum of
    its position over the batch, in order; at the end each half's partial sums are
    added in 64 or more interleaved lanes (below), the lanes in order. The zeros after each row meet
    input samples, so an infinite or NaN input there makes a NaN the sum does not
    have: the caller checks. Measured with numba 0.68.1, serially, 8 x 128 x 28 x 28
    float64: products 0.32 us a plane, against 0.67 us with one pass a kernel row and
    output row (sums over 16 columns, loops too short to run fast)."""
    N, C, H_out, W_out = u.shape
    H, W = x.shape[2], x.shape[3]
    Hc, Wc = gx.shape[2], gx.shape[3]
    WE = Wc // 2
    size = (max(Hc + p0, H_out) + 4) * Wc + 4
    WQ = (W_out + 16) // 16 * 16
    XP = 2 * WQ
    XR = 2 * H_out + 2
    LZ = H_out * XP
    flat = gx.reshape(gx.size)
    P2 = Hc * Wc
    s_hi = min(W, XP - p1)  # the input's columns in a row of the padded copy
    for c in _prange(C):
        dyb = np.zeros(size, dtype=gx.dtype)
        dzz = np.zeros(LZ, dtype=gx.dtype)
        xb = np.zeros(XR * XP, dtype=gx.dtype)
        xe = np.zeros(XR * WQ + XP + 16, dtype=gx.dtype)
        xo = np.zeros(XR * WQ + XP + 16, dtype=gx.dtype)
        acc = np.zeros((6, LZ), dtype=gx.dtype)
        a0, a1, a2, a3, a4, a5 = acc[0], acc[1], acc[2], acc[3], acc[4], acc[5]
        bias = np.zeros(W_out, dtype=gx.dtype)
        for n in range(N):
            task = n * C + c
            ur = u[n, c]
            _dw_s2_plane(ur, w, c, flat[task * P2:(task + 1) * P2], dyb, odd, Hc, WE,
                         p0, p1)
            for p in range(H_out):
                src = ur[p]
                r0 = dzz[p * XP:p * XP + W_out]
                r1 = dzz[p * XP + WQ:p * XP + WQ + W_out]
                for q in range(W_out):
                    r0[q] = src[q]
                    r1[q] = src[q]
                    bias[q] += src[q]
            xr = x[n, c]
            for r in range(min(H, XR - p0)):
                row = xb[(r + p0) * XP + p1:(r + p0) * XP + p1 + s_hi]
                xrow = xr[r]
                for q in range(s_hi):
                    row[q] = xrow[q]
            for k in range(XR * WQ):
                xe[k] = xb[2 * k]
                xo[k] = xb[2 * k + 1]
            # taps (0, 0) | (1, 0), (0, 2) | (1, 2), (0, 1) | (1, 1), and the bias
            x0, x1, y0 = xe[0:LZ], xe[1:LZ + 1], xo[0:LZ]
            for k in range(LZ):
                d = dzz[k]
                a0[k] += d * x0[k]
                a1[k] += d * x1[k]
                a2[k] += d * y0[k]
            # taps (2, 0), (2, 2), (2, 1) (input rows 2 p + 2)
            x2, x3, y2 = xe[XP:LZ + XP], xe[XP + 1:LZ + XP + 1], xo[XP:LZ + XP]
            for k in range(LZ):
                d = dzz[k]
                a3[k] += d * x2[k]
                a4[k] += d * x3[k]
                a5[k] += d * y2[k]
        # each half's partial sums, R rows of them folded at once into R XP lanes (a
        # block of at least 64: with 16 lanes a block, each stored and loaded again,
        # the chain of dependent additions took 0.77x the forward's time in float64,
        # serially, on 8 x 128 x 28 x 28; 0.38x with 64 lanes, 0.73x with 128, whose
        # lanes took longer to add up), the R rows of lanes added into one, then each
        # half's WQ lanes added in order
        R = max(1, 64 // XP)
        lanes = np.zeros(R * XP, dtype=gx.dtype)
        for t in range(6):
            at = acc[t]
            for l in range(R * XP):
                lanes[l] = 0
            nb = H_out // R
            for b in range(nb):
                blk = at[b * R * XP:(b + 1) * R * XP]
                for l in range(R * XP):
                    lanes[l] += blk[l]
            for pp in range(nb * R, H_out):
                blk = at[pp * XP:(pp + 1) * XP]
                for l in range(XP):
                    lanes[l] += blk[l]
            for r in range(1, R):   # the R rows of lanes added into the first
                for l in range(XP):
                    lanes[l] += lanes[r * XP + l]
            s0 = lanes[0]
            s1 = lanes[WQ]
            for l in range(1, WQ):
                s0 += lanes[l]
                s1 += lanes[WQ + l]
            if t < 3:   # kernel rows 0 and 1
                j = 2 * t if t < 2 else 1
                gw[c, 0, j] = s0
                gw[c, 1, j] = s1
            else:  # kernel row 2
                j = 2 * (t - 3) if t < 5 else 1
                gw[c, 2, j] = s0
        total = bias[0]
        for q in range(1, W_out):
            total += bias[q]
        gb[c] = total


def _dw_weight_grad(x, g, gw, gb, s0, s1, d0, d1, p0, p1):  # pragma: no cover - compiled
    """``gw[c, i, j] = sum_{n,p,q} g[n, c, p, q] * x[n, c, s0 p + d0 i - p0,
    s1 q + d1 j - p1]`` (the terms whose index falls outside ``x``, its zero padding,
    left out) and ``gb[c] = sum_{n,p,q} g[n, c, p, q]``: one task per channel; each
    tap's products are added into a row of partial sums (one per output column, so the
    loop vectorises), summed at the end."""
    N, C, H_out, W_out = g.shape
    H, W = x.shape[2], x.shape[3]
    kH, kW = gw.shape[1], gw.shape[2]
    cols = _column_ranges(kW, W, W_out, s1, d1, p1)
    for c in _prange(C):
        acc = np.zeros(W_out, dtype=gw.dtype)
        for n in range(N):
            for p in range(H_out):
                grow = g[n, c, p]
                for q in range(W_out):
                    acc[q] += grow[q]
        gb[c] = acc.sum()
        for i in range(kH):
            for j in range(kW):
                off = d1 * j - p1  # output column q reads input column s1 q + off
                lo, hi = cols[j, 0], cols[j, 1]
                for q in range(W_out):
                    acc[q] = 0
                if lo < hi:
                    av = acc[lo:hi]
                    for n in range(N):
                        for p in range(H_out):
                            r = s0 * p + d0 * i - p0
                            if r < 0 or r >= H:
                                continue
                            xrow = x[n, c, r]
                            grow = g[n, c, p]
                            if s1 == 1:  # slices, so the loop vectorises
                                gv = grow[lo:hi]
                                xv = xrow[lo + off:hi + off]
                                for q in range(hi - lo):
                                    av[q] += gv[q] * xv[q]
                            else:
                                for q in range(lo, hi):
                                    acc[q] += grow[q] * xrow[s1 * q + off]
                gw[c, i, j] = acc.sum()


def _dw_weight_grad_s2(x, g, gw, gb, s0, d0, d1, p0, p1):  # pragma: no cover - compiled
    """:func:`_dw_weight_grad` at column stride 2, the same sums in the same order: its
    loop reads the input row at a constant stride, which vectorises (a kernel of its
    own: measured with numba 0.68.1, a stride-2 loop nest added to that kernel made its
    stride-1 loops 10-20 % slower, serially)."""
    N, C, H_out, W_out = g.shape
    H, W = x.shape[2], x.shape[3]
    kH, kW = gw.shape[1], gw.shape[2]
    cols = _column_ranges(kW, W, W_out, 2, d1, p1)
    for c in _prange(C):
        acc = np.zeros(W_out, dtype=gw.dtype)
        for n in range(N):
            for p in range(H_out):
                grow = g[n, c, p]
                for q in range(W_out):
                    acc[q] += grow[q]
        gb[c] = acc.sum()
        for i in range(kH):
            for j in range(kW):
                off = d1 * j - p1  # output column q reads input column 2 q + off
                lo, hi = cols[j, 0], cols[j, 1]
                for q in range(W_out):
                    acc[q] = 0
                if lo < hi:
                    av = acc[lo:hi]
                    for n in range(N):
                        for p in range(H_out):
                            r = s0 * p + d0 * i - p0
                            if r < 0 or r >= H:
                                continue
                            gv = g[n, c, p][lo:hi]
                            xv = x[n, c, r][2 * lo + off:2 * hi + off - 1]
                            for q in range(hi - lo):
                                av[q] += gv[q] * xv[2 * q]
                gw[c, i, j] = acc.sum()


def _dw_wide_sum(a, lo, hi, part):  # pragma: no cover - runs compiled
    """``a[lo:hi].sum()`` in 64 interleaved partial sums (``a[lo + 64 b + l]`` into
    ``part[l]``, a scratch array of 64; the loop over a block of 64 vectorises), folded
    to 16 (``((part[l] + part[16 + l]) + part[32 + l]) + part[48 + l]``), added in
    order, then the last ``(hi - lo) % 64`` terms in order. Measured with numba 0.68.1
    on 784 and 3,022 terms: 0.55x and 0.44x the time of 16 such partial sums, which,
    stored and loaded again each block, make a chain of dependent additions four times
    as long (16 partial sums took 0.4x the time of sixteen scalar ones on 180 to 370
    terms)."""
    for l in range(64):
        part[l] = 0
    end = lo + (hi - lo) // 64 * 64
    for k in range(lo, end, 64):
        blk = a[k:k + 64]
        for l in range(64):
            part[l] += blk[l]
    for l in range(16):
        part[l] = ((part[l] + part[16 + l]) + part[32 + l]) + part[48 + l]
    total = part[0]
    for l in range(1, 16):
        total += part[l]
    for k in range(end, hi):
        total += a[k]
    return total


def _dw_weight_grad_flat(x, g, gw, gb, W, d0, d1, p0, p1):  # pragma: no cover - compiled
    """:func:`_dw_weight_grad` at stride 1 with ``dL/dy`` as wide as ``x`` (the 'same'
    columns), on planes flattened to rows (``x``, ``g`` of shapes ``(N, C, H * W)``,
    ``(N, C, H_out * W)``): each tap's products over the flattened plane at once, one
    pass per tap and sample (a row's loop start-up paid once per plane, not once per
    row), into a row of partial sums, one per output sample, summed over the batch in
    order; the partial sums of the columns the tap does not reach (whose pass read
    across a row end) are then set to zero, and the row summed (:func:`_dw_wide_sum`).
    Four samples per pass (``((acc + g0 x0) + g1 x1) + ...``, the batch still added in
    order: a partial sum loaded and stored once per four products). The same terms as
    :func:`_dw_weight_grad`, added in another order (equal up to rounding). Measured
    with numba 0.68.1, serially: 0.5-0.95x the time of :func:`_dw_weight_grad` on the
    benchmark's 3 x 3 layers with one sample per pass, 0.75-0.93x that with four; a
    plane cut into blocks of 256-4096 samples, each read once for all taps, and sixteen
    partial sums per block held in registers over the batch were slower."""
    N, C, P = g.shape
    H = x.shape[2] // W
    H_out = P // W
    kH, kW = gw.shape[1], gw.shape[2]
    cols = _column_ranges(kW, W, W, 1, d1, p1)
    for c in _prange(C):
        acc = np.zeros(P, dtype=gw.dtype)
        part = np.zeros(64, dtype=gw.dtype)
        for n in range(N):
            gf = g[n, c]
            for k in range(P):
                acc[k] += gf[k]
        gb[c] = _dw_wide_sum(acc, 0, P, part)
        for i in range(kH):
            pa = max(0, p0 - d0 * i)           # rows p whose input row p + d0 i - p0 ...
            pb = min(H_out, H + p0 - d0 * i)   # ... lies in [0, H)
            for j in range(kW):
                lo, hi = cols[j, 0], cols[j, 1]
                if pa >= pb or lo >= hi:
                    gw[c, i, j] = 0
                    continue
                ka = pa * W + lo                # samples [ka, kb) of the plane, each
                kb = (pb - 1) * W + hi          # reading x at k + shift
                shift = (d0 * i - p0) * W + d1 * j - p1
                _dw_one_tap(x, g, acc, c, ka, kb, shift)
                for p in range(pa, pb):  # the columns outside [lo, hi): left out
                    for q in range(lo):
                        if p * W + q >= ka:
                            acc[p * W + q] = 0
                    for q in range(hi, W):
                        if p * W + q < kb:
                            acc[p * W + q] = 0
                gw[c, i, j] = _dw_wide_sum(acc, ka, kb, part)


def _dw_one_tap(x, g, acc, c, ka, kb, shift):  # pragma: no cover - runs compiled
    """One tap's products of channel ``c`` over the samples ``[ka, kb)`` of the
    flattened plane, ``g[n, c, k] * x[n, c, k + shift]``, summed over the batch into
    ``acc[ka:kb]`` (zeroed first): four samples a pass, added in order, then the rest
    one a pass (the pass of :func:`_dw_weight_grad_flat` and of the taps that
    :func:`_dw_weight_grad_flat3` takes one at a time)."""
    N = g.shape[0]
    av = acc[ka:kb]
    for k in range(kb - ka):
        av[k] = 0
    n4 = N - N % 4
    for n in range(0, n4, 4):  # four samples per pass, added in order
        ga, gb_, gc, gd = (g[n, c, ka:kb], g[n + 1, c, ka:kb],
                           g[n + 2, c, ka:kb], g[n + 3, c, ka:kb])
        xa = x[n, c, ka + shift:kb + shift]
        xb = x[n + 1, c, ka + shift:kb + shift]
        xc = x[n + 2, c, ka + shift:kb + shift]
        xd = x[n + 3, c, ka + shift:kb + shift]
        for k in range(kb - ka):
            av[k] = (((av[k] + ga[k] * xa[k]) + gb_[k] * xb[k])
                     + gc[k] * xc[k]) + gd[k] * xd[k]
    for n in range(n4, N):
        gv = g[n, c, ka:kb]
        xv = x[n, c, ka + shift:kb + shift]
        for k in range(kb - ka):
            av[k] += gv[k] * xv[k]


def _dw_weight_grad_flat3(x, g, gw, gb, W, d0, d1, p0, p1):  # pragma: no cover - compiled
    """:func:`_dw_weight_grad_flat` with a kernel row's three taps in one pass where
    they fit (no column dilation; the others one a pass, as there): ``dL/dy`` loaded
    once for three products, each added into a row of partial sums of its own, over
    the samples ``[KA, KB)`` of the flattened plane all three reach (the few that only
    one reaches added tap by tap). Every sum adds the same terms in the same order as
    :func:`_dw_weight_grad_flat` (the batch in order into each partial sum, four
    samples a pass, then the same lane sums): equal bit for bit. For large batches only
    (:data:`DW_GRAD_THREE_MIN_BATCH`)."""
    N, C, P = g.shape
    H = x.shape[2] // W
    H_out = P // W
    kH, kW = gw.shape[1], gw.shape[2]
    cols = _column_ranges(kW, W, W, 1, d1, p1)
    n4 = N - N % 4
    for c in _prange(C):
        a0 = np.zeros(P, dtype=gw.dtype)   # three rows of partial sums (separate
        a1 = np.zeros(P, dtype=gw.dtype)   # arrays: the compiler sees they do not
        a2 = np.zeros(P, dtype=gw.dtype)   # overlap)
        part = np.zeros(64, dtype=gw.dtype)
        for n in range(N):
            gf = g[n, c]
            for k in range(P):
                a0[k] += gf[k]
        gb[c] = _dw_wide_sum(a0, 0, P, part)
        for i in range(kH):
            pa = max(0, p0 - d0 * i)           # rows p whose input row p + d0 i - p0 ...
            pb = min(H_out, H + p0 - d0 * i)   # ... lies in [0, H)
            j = 0
            while j < kW:
                # three taps of the row in one pass (no column dilation): the samples
                # [KA, KB) all three reach in the flattened plane, dL/dy loaded once
                # for three products, each into its own row of partial sums (the
                # same terms, each sum's in the same order as one tap a pass)
                three = d1 == 1 and j + 3 <= kW and pa < pb
                if three:
                    KA = pa * W + max(cols[j, 0], cols[j + 1, 0], cols[j + 2, 0])
                    KB = (pb - 1) * W + min(cols[j, 1], cols[j + 1, 1], cols[j + 2, 1])
                    three = KA < KB
                if not three:  # one tap a pass, four samples a pass
                    lo, hi = cols[j, 0], cols[j, 1]
                    if pa >= pb or lo >= hi:
                        gw[c, i, j] = 0
                        j += 1
                        continue
                    ka = pa * W + lo                # samples [ka, kb) of the plane, each
                    kb = (pb - 1) * W + hi          # reading x at k + shift
                    shift = (d0 * i - p0) * W + d1 * j - p1
                    _dw_one_tap(x, g, a0, c, ka, kb, shift)
                    _dw_mask_columns(a0, pa, pb, W, lo, hi, ka, kb)
                    gw[c, i, j] = _dw_wide_sum(a0, ka, kb, part)
                    j += 1
                    continue
                shift = (d0 * i - p0) * W + j - p1   # tap j + t reads x at k + shift + t
                for t in range(3):
                    ka = pa * W + cols[j + t, 0]
                    kb = (pb - 1) * W + cols[j + t, 1]
                    at = a0 if t == 0 else (a1 if t == 1 else a2)
                    zeros = at[ka:kb]  # a slice: the index known non-negative
                    for k in range(kb - ka):
                        zeros[k] = 0
                    for k in range(ka, KA):   # the few samples only this tap reaches
                        for n in range(N):
                            at[k] += g[n, c, k] * x[n, c, k + shift + t]
                av0, av1, av2 = a0[KA:KB], a1[KA:KB], a2[KA:KB]
                m = KB - KA
                for n in range(0, n4, 4):  # four samples per pass, added in order
                    ga, gb_, gc, gd = (g[n, c, KA:KB], g[n + 1, c, KA:KB],
                                       g[n + 2, c, KA:KB], g[n + 3, c, KA:KB])
                    xa = x[n, c, KA + shift:KB + shift + 2]
                    xb = x[n + 1, c, KA + shift:KB + shift + 2]
                    xc = x[n + 2, c, KA + shift:KB + shift + 2]
                    xd = x[n + 3, c, KA + shift:KB + shift + 2]
                    for k in range(m):
                        u0, u1, u2, u3 = ga[k], gb_[k], gc[k], gd[k]
                        av0[k] = (((av0[k] + u0 * xa[k]) + u1 * xb[k]) + u2 * xc[k]) + u3 * xd[k]
                        av1[k] = ((((av1[k] + u0 * xa[k + 1]) + u1 * xb[k + 1])
                                   + u2 * xc[k + 1]) + u3 * xd[k + 1])
                        av2[k] = ((((av2[k] + u0 * xa[k + 2]) + u1 * xb[k + 2])
                                   + u2 * xc[k + 2]) + u3 * xd[k + 2])
                for n in range(n4, N):
                    gv = g[n, c, KA:KB]
                    xv = x[n, c, KA + shift:KB + shift + 2]
                    for k in range(m):
                        u0 = gv[k]
                        av0[k] += u0 * xv[k]
                        av1[k] += u0 * xv[k + 1]
                        av2[k] += u0 * xv[k + 2]
                for t in range(3):
                    lo, hi = cols[j + t, 0], cols[j + t, 1]
                    ka = pa * W + lo
                    kb = (pb - 1) * W + hi
                    at = a0 if t == 0 else (a1 if t == 1 else a2)
                    for k in range(KB, kb):   # the few samples only this tap reaches
                        for n in range(N):
                            at[k] += g[n, c, k] * x[n, c, k + shift + t]
                    _dw_mask_columns(at, pa, pb, W, lo, hi, ka, kb)
                    gw[c, i, j + t] = _dw_wide_sum(at, ka, kb, part)
                j += 3


def _dw_plane_reads(xa, xs, row, start, off, length, PX, M):  # pragma: no cover
    """``length`` samples of the flattened batch ``xa`` from ``start + off`` on (the
    plane starting at ``start``, read ``off`` samples before or after its start), or,
    where that leaves ``xa`` (the batch's first and last planes), the same samples of a
    copy of the plane placed at ``M`` in the zeroed scratch row ``xs[row]`` (the
    samples around it read as zeros: they are selected away by the caller's mask)."""
    b = start + off
    if b >= 0 and b + length <= xa.size:
        return xa[b:b + length]
    buf = xs[row]
    buf[M:M + PX] = xa[start:start + PX]
    return buf[M + off:M + off + length]


def _dw_weight_grad_masked(x, g, gw, gb, mask, p0, p1, blocks):  # pragma: no cover
    """:func:`_dw_weight_grad` of a 3 x 3 kernel at stride 1 (no dilation) whose
    ``dL/dy`` is as wide as ``x`` (the 'same' columns): per channel, a kernel row's three
    taps in one pass over the flattened output plane (``dL/dy`` loaded once for three
    products, four batch samples a pass, each product into a row of partial sums of its
    tap, one per output sample; the first row's pass adds ``dL/dy`` into the bias's
    row too), the taps that fall outside the plane selected away by the bits of
    ``mask`` (:func:`_masked_taps`: a select, not a product, so what such a tap read --
    a neighbouring row's or plane's sample, perhaps infinite -- never reaches a sum);
    each row summed by :func:`_dw_wide_sum`. The same terms as
    :func:`_dw_weight_grad`, each position's batch added in order: equal up to
    rounding. The passes read the flattened batch at constant offsets; a run of four
    planes whose reads would leave it (the batch's first and last planes) is read from
    zero-bordered copies (:func:`_dw_plane_reads`). ``blocks`` runs of consecutive
    channels, each allocating its buffers once. Measured with numba 0.68.1, serially,
    8 x 256 x 14 x 14, 8 x 64 x 56 x 56 and 32 x 128 x 28 x 28: 0.45-0.85x the time of
    :func:`_dw_weight_grad_flat` and ``_flat3`` (one pass a tap or a row, the columns a
    tap does not reach set to zero after each pass, the bias in a pass of its own),
    whose fixed costs per tap and plane (slices, zeroing, the edge loops, the lane
    sums) were as large as its products on 14 x 14 planes."""
    N, C, H_out, W = g.shape
    H = x.shape[2]
    P = H_out * W
    PX = H * W
    xa = x.reshape(x.size)
    ga = g.reshape(g.size)
    st = C * PX                                   # from a sample's plane to the next's
    M = max(0, p0 * W + p1)                       # the scratch's samples before a plane
    S = M + max(PX, (2 - p0) * W - p1 + P + 2)    # ... and its length
    for blk in _prange(blocks):  # runs of consecutive channels, buffers allocated once
        a0 = np.zeros(P, dtype=gw.dtype)   # rows of partial sums: three taps' and the
        a1 = np.zeros(P, dtype=gw.dtype)   # bias's (separate arrays: the compiler sees
        a2 = np.zeros(P, dtype=gw.dtype)   # they do not overlap)
        ab = np.zeros(P, dtype=gw.dtype)
        part = np.zeros(64, dtype=gw.dtype)
        xs = np.zeros((4, S), dtype=gw.dtype)
        for c in range(blk * C // blocks, (blk + 1) * C // blocks):
            for k in range(P):
                ab[k] = 0
            for i in range(3):
                for k in range(P):
                    a0[k] = 0
                    a1[k] = 0
                    a2[k] = 0
                m0, m1, m2 = 1 << (3 * i), 2 << (3 * i), 4 << (3 * i)
                off = (i - p0) * W - p1   # tap (i, j) of output k reads its plane at k + off + j
                n = 0
                while n < N:
                    if n + 4 <= N:  # four samples a pass, added in order
                        gA = ga[(n * C + c) * P:(n * C + c + 1) * P]
                        gB = ga[((n + 1) * C + c) * P:((n + 1) * C + c + 1) * P]
                        gC = ga[((n + 2) * C + c) * P:((n + 2) * C + c + 1) * P]
                        gD = ga[((n + 3) * C + c) * P:((n + 3) * C + c + 1) * P]
                        bA = (n * C + c) * PX + off
                        if bA >= 0 and bA + 3 * st + P + 2 <= xa.size:
                            # (slices here: made by a call returning them, they took
                            # 0.2x the kernel's time on 8 x 256 planes of 14 x 14,
                            # serially, numba 0.68.1)
                            xA = xa[bA:bA + P + 2]
                            xB = xa[bA + st:bA + st + P + 2]
                            xC = xa[bA + 2 * st:bA + 2 * st + P + 2]
                            xD = xa[bA + 3 * st:bA + 3 * st + P + 2]
                        else:
                            xA = _dw_plane_reads(xa, xs, 0, bA - off, off, P + 2, PX, M)
                            xB = _dw_plane_reads(xa, xs, 1, bA - off + st, off, P + 2, PX, M)
                            xC = _dw_plane_reads(xa, xs, 2, bA - off + 2 * st, off, P + 2,
                                                 PX, M)
                            xD = _dw_plane_reads(xa, xs, 3, bA - off + 3 * st, off, P + 2,
                                                 PX, M)
                        for k in range(P):
                            mk = mask[k]
                            u0, u1, u2, u3 = gA[k], gB[k], gC[k], gD[k]
                            if i == 0:
                                ab[k] = (((ab[k] + u0) + u1) + u2) + u3
                            if mk & m0:
                                a0[k] = (((a0[k] + u0 * xA[k]) + u1 * xB[k]) + u2 * xC[k]
                                         ) + u3 * xD[k]
                            if mk & m1:
                                a1[k] = ((((a1[k] + u0 * xA[k + 1]) + u1 * xB[k + 1])
                                          + u2 * xC[k + 1]) + u3 * xD[k + 1])
                            if mk & m2:
                                a2[k] = ((((a2[k] + u0 * xA[k + 2]) + u1 * xB[k + 2])
                                          + u2 * xC[k + 2]) + u3 * xD[k + 2])
                        n += 4
                        continue
                    gA = ga[(n * C + c) * P:(n * C + c + 1) * P]
                    xA = _dw_plane_reads(xa, xs, 0, (n * C + c) * PX, off, P + 2, PX, M)
                    for k in range(P):
                        mk = mask[k]
                        u0 = gA[k]
                        if i == 0:
                            ab[k] += u0
                        if mk & m0:
                            a0[k] += u0 * xA[k]
                        if mk & m1:
                            a1[k] += u0 * xA[k + 1]
                        if mk & m2:
                            a2[k] += u0 * xA[k + 2]
                    n += 1
                gw[c, i, 0] = _dw_wide_sum(a0, 0, P, part)
                gw[c, i, 1] = _dw_wide_sum(a1, 0, P, part)
                gw[c, i, 2] = _dw_wide_sum(a2, 0, P, part)
            gb[c] = _dw_wide_sum(ab, 0, P, part)


def _dw_mask_columns(acc, pa, pb, W, lo, hi, ka, kb):  # pragma: no cover - compiled
    """Set to zero the partial sums ``acc[p W + q]`` in ``[ka, kb)`` of the columns
    ``q`` outside ``[lo, hi)`` of rows ``[pa, pb)`` (a flattened pass read them across a
    row end; the tap does not reach them)."""
    for p in range(pa, pb):
        for q in range(lo):
            if p * W + q >= ka:
                acc[p * W + q] = 0
        for q in range(hi, W):
            if p * W + q < kb:
                acc[p * W + q] = 0


def _dw_phases(x, out):  # pragma: no cover - runs compiled
    """The four phases of ``x`` (even height and width): ``out[a, b, n, c, r W/2 + q]
    = x[n, c, 2 r + a, 2 q + b]``, one task per plane, each input row read once (two
    rows per step, four phases written). Measured with numba 0.68.1, serially,
    8 x 128 x 28 x 28: 0.87x (float32) and 0.6x (float64) the time of four NumPy
    copies of the strided views."""
    N, C, H, W = x.shape
    Wo = W // 2
    for task in _prange(N * C):
        n = task // C
        c = task - n * C
        for r in range(H // 2):
            e = x[n, c, 2 * r]
            o = x[n, c, 2 * r + 1]
            d00 = out[0, 0, n, c, r * Wo:(r + 1) * Wo]
            d01 = out[0, 1, n, c, r * Wo:(r + 1) * Wo]
            d10 = out[1, 0, n, c, r * Wo:(r + 1) * Wo]
            d11 = out[1, 1, n, c, r * Wo:(r + 1) * Wo]
            for q in range(Wo):
                d00[q] = e[2 * q]
                d01[q] = e[2 * q + 1]
                d10[q] = o[2 * q]
                d11[q] = o[2 * q + 1]


def _prange(n):  # replaced by numba.prange in the compiled kernels
    return range(n)


@functools.cache
def _kernels() -> SimpleNamespace:
    """The kernels compiled (lazily, per dtype on first call) with
    ``numba.njit(cache=True, parallel=True)``; no ``fastmath``."""
    numba = _numba()
    if numba is None:
        raise MethodCannotServe(serves_compiled(np.ones(1), np.ones(1)))
    globals()["_prange"] = numba.prange  # the kernels' globals, read when compiled
    globals()["_column_ranges"] = numba.njit(cache=True, nogil=True)(_column_ranges)
    globals()["_copy_rows"] = numba.njit(cache=True, nogil=True)(_copy_rows)
    globals()["_dw_mask_columns"] = numba.njit(cache=True, nogil=True)(_dw_mask_columns)
    globals()["_dw_one_tap"] = numba.njit(cache=True, nogil=True)(_dw_one_tap)
    globals()["_dw_plane_reads"] = numba.njit(cache=True, nogil=True)(_dw_plane_reads)
    globals()["_dw_wide_sum"] = numba.njit(cache=True, nogil=True)(_dw_wide_sum)
    globals()["_dw_s2_plane"] = numba.njit(cache=True, nogil=True)(_dw_s2_plane)
    globals()["_tap_tables"] = numba.njit(cache=True, nogil=True)(_tap_tables)
    kernels = {"conv": _conv3d_rows, "dw_forward": _dw_forward, "dw_adjoint": _dw_adjoint,
               "dw_weight_grad": _dw_weight_grad, "dw_weight_grad_s2": _dw_weight_grad_s2,
               "dw_weight_grad_flat": _dw_weight_grad_flat,
               "dw_weight_grad_flat3": _dw_weight_grad_flat3, "dw_phases": _dw_phases,
               "dw_weight_grad_masked": _dw_weight_grad_masked,
               "dw_adjoint_s2": _dw_adjoint_s2, "dw_backward_s2": _dw_backward_s2}
    # one compilation each, run on one thread where threads do not pay (_kernel): a
    # serial compilation of the same loops ran them half as fast (64 x 64 by 15 x 15,
    # numba 0.68.1: 0.27 ms against 0.13 ms on one thread of the parallel one)
    compiled = {name: numba.njit(cache=True, parallel=True, nogil=True)(func)
                for name, func in kernels.items()}
    # the whole-plane passes compiled twice: on the calling thread (no parallel
    # region to start: about 1 us less per call) and threaded over the chunks, each
    # chunk the loops that ran 1.3 to 3 times as fast as the row passes serially on
    # 256 x 256 images by 5 x 5 to 15 x 15 kernels (threaded timings on the shared
    # machine that measured this were too noisy to compare; to re-measure quiet)
    # (numba's cache keys a function's compilations by its name and signature, not
    # by `parallel`: the threaded one is compiled from a copy of another name, else
    # each would load the other's machine code from the cache)
    compiled["plane"] = numba.njit(cache=True, nogil=True)(_conv3d_plane)
    threaded = types.FunctionType(_conv3d_plane.__code__, globals(),
                                  "_conv3d_plane_threads")
    threaded.__qualname__ = "_conv3d_plane_threads"
    compiled["plane_threads"] = numba.njit(cache=True, parallel=True, nogil=True)(threaded)
    return SimpleNamespace(**compiled)


#: The last reading of the CPU time (:func:`_idle_core`): monotonic time, busy seconds
#: of the machine, own CPU seconds, and the verdict drawn from the one before.
_LOAD: dict[str, Any] = {"time": None, "busy": 0.0, "own": 0.0, "idle": True}

def _idle_core() -> bool:
    """Whether other processes left every core but half of one idle since the last
    reading (at least :data:`LOAD_INTERVAL` seconds before; the verdict is kept in
    between): the machine's busy CPU time from ``/proc/stat`` less this process's own,
    so that a benchmark's own threads do not count against it (as they do in the load
    average). With no recent reading (none yet, or older than :data:`LOAD_STALE`
    seconds) or no ``/proc/stat``, the 1-minute load average must leave a core idle."""
    now = time.monotonic()
    last = _LOAD["time"]
    if last is not None and now - last < LOAD_INTERVAL:
        return bool(_LOAD["idle"])
    reading, own = cpu_seconds(), sum(os.times()[:2])
    if reading is not None and last is not None and now - last <= LOAD_STALE:
        others = max(0.0, (reading[0] - _LOAD["busy"]) - (own - _LOAD["own"])) / (now - last)
        _LOAD["idle"] = others < 0.5
    else:
        try:
            _LOAD["idle"] = os.getloadavg()[0] < (os.cpu_count() or 1) - 0.5
        except (OSError, AttributeError):  # no load average (Windows)
            _LOAD["idle"] = True
    if reading is not None:
        _LOAD.update(time=now, busy=reading[0], own=own)
    return bool(_LOAD["idle"])


def _threads(macs: float) -> bool:
    """Whether a kernel call of ``macs`` multiply-adds runs threads (:data:`THREADS`)."""
    return bool(THREADS if THREADS != "auto" else (macs >= PARALLEL_MIN_MACS
                                                   and _idle_core()))


def _kernel(name: str, macs: float, threaded: bool | None = None) -> Callable[..., None]:
    """The compiled kernel ``name``: threaded as :data:`THREADS` says (or as
    ``threaded``, where the caller decided it with :func:`_threads`), else on the
    calling thread alone (``numba.set_num_threads(1)`` for the call: a setting of the
    calling thread only)."""
    kernel = getattr(_kernels(), name)
    if threaded is None:
        threaded = _threads(macs)
    return kernel if threaded else functools.partial(_on_one_thread, kernel)


def _on_one_thread(kernel: Callable[..., None], *args: Any) -> None:
    get_threads, set_threads = _thread_count()
    threads = get_threads()
    if threads < 1:  # numba's sanity check (the public getter raises)
        threads = _numba().get_num_threads()
    if threads == 1:  # numba runs one thread already (NUMBA_NUM_THREADS=1, or set so)
        kernel(*args)
        return
    set_threads(1)
    try:
        kernel(*args)
    finally:
        set_threads(threads)


@functools.cache
def _thread_count() -> tuple[Callable[[], int], Callable[[int], None]]:
    """numba's getter and setter of the calling thread's number of threads.

    Its C entry points once the thread pool runs (``numba.get_num_threads()`` starts
    it): the public functions check their argument and the pool on every call, which
    cost about 2 us of a 64 x 64 convolution by 3 x 3 (numba 0.68.1: 2.2 us for the
    get and two sets, against 0.8 us); the values passed here (1, and what the getter
    returned) need no check. The public functions where the entry points are missing
    (another numba version)."""
    numba = _numba()
    numba.get_num_threads()  # starts the thread pool, once
    parallel = importlib.import_module("numba.np.ufunc.parallel")
    get_threads = getattr(parallel, "_get_num_threads", None)
    set_threads = getattr(parallel, "_set_num_threads", None)
    if get_threads is None or set_threads is None:
        return numba.get_num_threads, numba.set_num_threads
    return get_threads, set_threads


def row_chunk(rows: int, length: int, threads: int) -> int:
    """Output samples per task of the compiled row passes, for an output of ``rows``
    rows of ``length`` samples on ``threads`` threads.

    :data:`CHUNK`, except for an output of one row (a 1-D signal) on two or more
    threads: numba gives each thread one contiguous block of the tasks, so chunks of
    :data:`CHUNK` samples shared 9,701 outputs as 8,192 + 1,509, and an output of
    8,192 samples or fewer was one task, on one thread. There the row is cut into equal
    chunks of at most :data:`CHUNK` samples, their number rounded up to a multiple of
    ``threads``, or, where that would leave a chunk under :data:`SPLIT_MIN` samples, as
    many as keep :data:`SPLIT_MIN` each. The chunks change which thread computes an
    output, not its sum: the values are the same. Measured with numba 0.68.1 on a quiet
    2-core machine (min of 7 interleaved rounds; float64 unless named), against chunks
    of :data:`CHUNK` samples: 1-D signals of 10**4 samples by 300 taps in ``'valid'``
    mode 0.65 times the time (252 -> 163 us), by 10**3 taps in ``'full'`` mode 0.72,
    float32 by 10**3 taps in ``'valid'`` mode 0.54, 5,000 samples by 300 taps in
    ``'full'`` mode (one task before) 0.46, 10**5 samples by 300 taps in ``'full'``
    mode 0.86. The cost model (:data:`convlib.costmodel.COMPILED_THREADS`) still counts
    chunks of :data:`CHUNK` samples, as its calibration was measured.

    Examples
    --------
    >>> row_chunk(1, 9701, 2), row_chunk(1, 9701, 1), row_chunk(4, 9701, 2)
    (4851, 8192, 8192)
    >>> row_chunk(1, 5000, 2), row_chunk(1, 1500, 2), row_chunk(1, 10**5, 2)
    (2500, 1500, 7143)
    >>> row_chunk(1, 3000, 3), row_chunk(1, 8000, 8)    # 2 and 7 chunks of >= SPLIT_MIN
    (1500, 1143)
    """
    if rows != 1 or threads < 2:
        return CHUNK
    chunks = -(-length // CHUNK)
    even = -(-chunks // threads) * threads
    chunks = max(chunks, min(even, length // SPLIT_MIN))
    return -(-length // chunks)


def _as3d(x: np.ndarray, dtype: np.dtype, shape3: tuple[int, ...]) -> np.ndarray:
    """``x`` C-contiguous in ``dtype`` (copied only if it is not), reshaped to the 3-D
    ``shape3`` (its shape with leading axes of length 1, from :func:`_layout`)."""
    if x.dtype == dtype and x.flags.c_contiguous:  # the usual case: 0.1 us less
        return x.reshape(shape3)
    return np.ascontiguousarray(x, dtype=dtype).reshape(shape3)


def _layout_of(shape1: tuple[int, ...], shape2: tuple[int, ...], mode: str,
               dtype1: np.dtype, dtype2: np.dtype) -> str | tuple:
    """What :func:`convolve_compiled` computes from the shapes and dtypes: the reason
    it cannot serve them, or ``(dtype, swap, shape, a_shape3, b_shape3, out_shape3,
    offset3, plane_bytes)`` (``plane_bytes``: the size of the whole-plane passes' copy
    of the input, :data:`PLANE_BYTES`; 0 for an input of one row, which they do not
    serve); memoised as :func:`_layout` (it costs microseconds per call on small
    inputs), for a ``mode`` that is a string (else the error of ``output_shape``)."""
    dtype = np.result_type(dtype1, dtype2)
    reason = _reason(len(shape1), dtype)
    if reason is not None:
        return reason
    shape = output_shape(shape1, shape2, mode)
    offset = mode_offset(shape1, shape2, mode)
    swap = math.prod(shape2) > math.prod(shape1)  # the full output is symmetric in
    if swap:                                      # the inputs: loop the smaller
        shape1, shape2 = shape2, shape1
    lead = (1,) * (3 - len(shape))  # leading axes of length 1, at offset 0
    a3, b3, out3 = lead + shape1, lead + shape2, lead + shape
    o3 = (0,) * (3 - len(shape)) + offset
    plen = plane_geometry(a3, b3, out3, o3)[1]
    plane = plen * a3[0] * dtype.itemsize if a3[0] * a3[1] > 1 else 0
    return (dtype, swap, shape, a3, b3, out3, o3, plane)


def plane_geometry(a3: tuple[int, ...], b3: tuple[int, ...], out3: tuple[int, ...],
                   o3: tuple[int, ...]) -> tuple[int, int, int, bool]:
    """The layout of the whole-plane passes of ``_conv3d_plane`` (the same formulas)
    for 3-D shapes of the looped input ``a3``, the kernel ``b3``, the output ``out3``
    and the output's offset ``o3`` in the full output: ``(W, plen, n, copy_in)``, the
    row stride of the flat output, the samples of one plane's copy of the input (``G``
    zero columns after each row and before the first, zero rows above and below), the
    samples of the flat output plane, and whether the input is copied at all (not
    where no zero column or row is needed, as in ``'valid'`` mode). For
    :func:`convolve_compiled` and the cost model, which counts the passes' work.

    Examples
    --------
    >>> plane_geometry((1, 64, 64), (1, 5, 5), (1, 64, 64), (0, 2, 2))  # 'same'
    (66, 4490, 4222, True)
    >>> plane_geometry((1, 64, 64), (1, 5, 5), (1, 60, 60), (0, 4, 4))  # 'valid'
    (64, 4096, 3836, False)
    """
    gap = max(0, b3[2] - 1 - o3[2], out3[2] - 1 + o3[2] - (a3[2] - 1))
    top = max(0, b3[1] - 1 - o3[1])
    bottom = max(0, out3[1] - 1 + o3[1] - (a3[1] - 1))
    width = a3[2] + gap
    return (width, gap + (top + a3[1] + bottom) * width, (out3[1] - 1) * width + out3[2],
            gap > 0 or top > 0 or bottom > 0)


_layout = functools.lru_cache(maxsize=1024)(_layout_of)


def convolve_compiled(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> np.ndarray:
    """Direct convolution in compiled, threaded loops (``method='compiled'``).

    Parameters
    ----------
    in1 : ndarray of shape (N1, ..., Nd)
        First input, ``1 <= d <= 3``.
    in2 : ndarray of shape (M1, ..., Md)
        Second input, same number of dimensions.
    mode : {'full', 'same', 'valid'}
        Output size; in ``'valid'`` mode ``in1`` at least as large as ``in2`` (the
        dispatcher swaps them as SciPy does).

    Returns
    -------
    ndarray
        The values of :func:`convlib.direct.convolve_direct` (bit for bit on 2-D and
        3-D inputs where it adds tap by tap, but for the sign of a zero; within
        rounding on 1-D ones and where it takes one dot product per output, see the
        module's notes), in
        ``numpy.result_type(in1, in2)``.

    Raises
    ------
    convlib.dispatch.MethodCannotServe
        If :func:`serves_compiled` gives a reason: numba missing, a dtype other than
        float32/float64, or more than 3 dimensions.

    Notes
    -----
    Work ``prod(N) * prod(M)`` multiply-adds (fewer in ``'same'``/``'valid'``), in
    ``prod(L[:-1]) * ceil(L[-1] / chunk)`` parallel tasks of one output row each
    (:func:`row_chunk`: ``chunk`` is :data:`CHUNK`, less on a threaded row alone); a
    small input of several rows in whole-plane passes over chunks of the flat output
    (:data:`PLANE_BYTES`, the module's notes), one task each. The inputs are read,
    never modified (non-contiguous ones are copied once).

    Examples
    --------
    >>> if numba_available():
    ...     out = convolve_compiled(np.array([1.0, 2, 3]), np.array([0, 1, 0.5]))
    ... else:
    ...     out = np.array([0., 1., 2.5, 4., 1.5])
    >>> out
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve_compiled(np.ones(3, int), np.ones(2, int))
    Traceback (most recent call last):
    ...
    convlib._errors.MethodCannotServe: 'compiled' computes float32 and float64 results; got int64 (use 'direct', exact)
    """
    layout = (_layout if type(mode) is str else _layout_of)(
        in1.shape, in2.shape, mode, in1.dtype, in2.dtype)
    if isinstance(layout, str):
        raise MethodCannotServe(layout)
    dtype, swap, shape, shape_a, shape_b, shape_out, o, plane = layout
    a, b = (in2, in1) if swap else (in1, in2)
    a3, b3 = _as3d(a, dtype, shape_a), _as3d(b, dtype, shape_b)
    out = np.empty(shape_out, dtype=dtype)
    if not out.size:
        return out.reshape(shape)
    macs = out.size * b.size
    if 0 < plane <= PLANE_BYTES and shape_out[2] > NARROW:
        kernels = _kernels()
        kernel = kernels.plane_threads if _threads(macs) else kernels.plane
        if kernel(a3, b3, out, o[0], o[1], o[2], PLANE_CHUNK_BYTES, PLANE_NINE_BYTES):
            return out.reshape(shape)
    threaded = _threads(macs)
    chunk = (row_chunk(shape_out[0] * shape_out[1], shape_out[2], _thread_count()[0]())
             if threaded else CHUNK)
    _kernel("conv", macs, threaded)(a3, b3, out, o[0], o[1], o[2], chunk, PADDED_MAX,
                                    PADDED_ROW, NARROW)
    return out.reshape(shape)


def _dw_args(xp: np.ndarray, weight: np.ndarray, dtype: np.dtype):
    w = np.ascontiguousarray(weight[:, 0], dtype=dtype)
    return np.ascontiguousarray(xp, dtype=dtype), w


def depthwise_forward(x: np.ndarray, weight: np.ndarray, stride, dilation, out_hw,
                      pads=(0, 0)) -> np.ndarray:
    """Depthwise ``conv2d`` (one input channel per group, ``C_out = mult * C_in``) of a
    batch ``x`` of shape ``(N, C_in, H, W)`` with ``pads = (top, left)`` zeros implied
    before its rows and columns (the bottom and right ones follow from ``out_hw``),
    compiled.

    For the package (:func:`convlib.nn.conv2d`): ``weight`` has shape
    ``(C_out, 1, kH, kW)``; the result dtype must be float32 or float64 and numba
    importable (:func:`use_compiled`). Same sums as the NumPy path on the padded input,
    taps in the same order, except that the products of padded zeros are left out: the
    results are equal unless a weight is infinite or NaN (its product with a padded zero
    is NaN), so :func:`convlib.nn.conv2d` pads such inputs itself and passes no ``pads``.
    """
    dtype = np.result_type(x, weight)
    xc, w = _dw_args(x, weight, dtype)
    N, C_in = xc.shape[:2]
    out = np.empty((N, w.shape[0]) + tuple(out_hw), dtype=dtype)
    if out.size:
        _kernel("dw_forward", out.size * w[0].size)(
            xc, w, out, stride[0], stride[1], dilation[0], dilation[1], pads[0], pads[1],
            w.shape[0] // C_in, DW_MASKED_ROW_BYTES // dtype.itemsize, DW_GATHER_COLUMNS)
    return out


def depthwise_adjoint(u: np.ndarray, weight: np.ndarray, full_hw, stride,
                      dilation) -> np.ndarray:
    """The adjoint of depthwise conv2d with ``C_out == C_in`` (the input gradient before
    the crop of padding), compiled: shape ``(N, C, *full_hw)``. For the package
    (:func:`convlib.nn.conv2d_backward`)."""
    dtype = np.result_type(u, weight)
    g, w = _dw_args(u, weight, dtype)
    out = np.zeros(g.shape[:2] + tuple(full_hw), dtype=dtype)
    if g.size:
        _kernel("dw_adjoint", g.size * w[0].size)(g, w, out, stride[0], stride[1], dilation[0], dilation[1])
    return out


def _s2_layer(kernel_hw, stride, dilation, sizes, g_hw) -> bool:
    """Whether :func:`_dw_s2_plane` serves a depthwise layer: a 3 x 3 kernel at stride
    2 without dilation, whose cropped ``dL/dx`` (``sizes``) has rows of an even number
    of samples, at least 4 and more than ``dL/dy``'s."""
    Hc, Wc = sizes
    return (tuple(kernel_hw) == (3, 3) and tuple(stride) == (2, 2)
            and tuple(dilation) == (1, 1) and Hc >= 1 and Wc % 2 == 0
            and Wc >= max(4, g_hw[1] + 1))


def _s2_odd_rows(Hc: int, WE: int, p0: int) -> np.ndarray:
    """One flag per output pair of :func:`_dw_s2_plane`: whether its padded row is
    odd."""
    return (((np.arange(Hc * WE) // WE) + p0) % 2).astype(np.uint8)


def depthwise_adjoint_s2(u: np.ndarray, weight: np.ndarray, stride, dilation, pads,
                         sizes) -> np.ndarray | None:
    """The adjoint of depthwise conv2d (``C_out == C_in``) applied to ``u``, cropped:
    the rows and columns of the padded grid from ``pads = (top, left)`` on, ``sizes``
    of them (zeros past the scatter's end), compiled, in one pass that writes each
    output once (``_dw_s2_plane``); None for a layer it does not serve
    (``_s2_layer``).
    The taps must be finite. For the package (:func:`convlib.nn.conv_transpose2d`):
    equal bit for bit to the crop of :func:`depthwise_adjoint`."""
    if not _s2_layer(weight.shape[2:], stride, dilation, sizes, u.shape[2:]):
        return None
    dtype = np.result_type(u, weight)
    g, w = _dw_args(u, weight, dtype)
    out = np.empty(g.shape[:2] + tuple(sizes), dtype=dtype)
    if out.size:
        tasks = g.shape[0] * g.shape[1]
        _kernel("dw_adjoint_s2", g.size * 9)(
            g, w, out, pads[0], pads[1], _s2_odd_rows(sizes[0], sizes[1] // 2, pads[0]),
            min(tasks, 64))
    return out


def depthwise_backward_s2(x: np.ndarray, g: np.ndarray, weight: np.ndarray, stride,
                          dilation, pads) -> tuple[np.ndarray, ...] | None:
    """``dL/dx``, ``dL/dw`` (shape ``(C, 1, 3, 3)``) and ``dL/db`` of a depthwise 3 x 3
    conv2d at stride 2 (``C_out == C_in``) whose input ``x`` has ``pads = (top,
    left)`` zeros implied, compiled in one pass over the planes
    (``_dw_backward_s2``); None for a layer it does not serve
    (``_s2_layer``) or operands of more than one dtype. The taps must be finite.
    For the package (:func:`convlib.nn.conv2d_backward`): ``dL/dx`` equals the NumPy
    path's bit for bit; ``dL/dw`` and ``dL/db`` add their terms in an order of their
    own (equal up to rounding), and are NaN where an infinite or NaN input sample
    met a padded zero of ``dL/dy``'s rows: the caller recomputes those."""
    if (not _s2_layer(weight.shape[2:], stride, dilation, x.shape[2:], g.shape[2:])
            or not x.dtype == g.dtype == weight.dtype):
        return None
    xc, w = _dw_args(x, weight, x.dtype)
    gg = np.ascontiguousarray(g)
    gx = np.empty(xc.shape, dtype=x.dtype)
    gw = np.empty((w.shape[0], 3, 3), dtype=x.dtype)
    gb = np.empty(w.shape[0], dtype=x.dtype)
    H, W = xc.shape[2:]   # not empty: the layers refuse empty inputs
    _kernel("dw_backward_s2", 2 * gg.size * 9)(
        xc, gg, w, gx, gw, gb, pads[0], pads[1], _s2_odd_rows(H, W // 2, pads[0]))
    return gx, gw[:, None], gb


def _dw_flat_name(N: int, kernel_hw, dilation) -> str:
    """The weight-gradient kernel over flattened planes for a batch of ``N``: three taps
    a pass (``_dw_weight_grad_flat3``) from :data:`DW_GRAD_THREE_MIN_BATCH` samples on
    where a kernel row has three taps or more and no column dilation, else one."""
    if N >= DW_GRAD_THREE_MIN_BATCH and kernel_hw[1] >= 3 and dilation[1] == 1:
        return "dw_weight_grad_flat3"
    return "dw_weight_grad_flat"


def _dw_weight_grad_phases(xc: np.ndarray, gg: np.ndarray, kernel_hw, stride, dilation,
                           pads, gw: np.ndarray, gb: np.ndarray) -> bool:
    """At stride 2 with an input of even height and width twice the output's (no
    dilation): the weight gradient from the input's four phases (even or odd rows by
    even or odd columns, each as large as ``dL/dy``), on each of which the taps of one
    parity class form a stride-1 kernel whose output is as wide as its input, computed
    by ``_dw_weight_grad_flat`` (a row's loop start-up paid once per plane, with
    reads at stride 1). Fills ``gw`` and ``gb`` and returns True, or returns False for
    other layers. Measured with numba 0.68.1, serially (CPU time), 8 x 128 x 28 x 28 by
    3 x 3: 0.71x the time of :func:`_dw_weight_grad_s2` in float32, 0.86x in float64.
    The phases are copied by ``_dw_phases`` (in one pass over ``x``)."""
    N, C, H, W = xc.shape
    H_out, W_out = gg.shape[2:]
    if (tuple(stride) != (2, 2) or tuple(dilation) != (1, 1) or H % 2 or W % 2
            or (H_out, W_out) != (H // 2, W // 2) or not gg.size):
        return False
    kernel = _kernel(_dw_flat_name(N, kernel_hw, (1, 1)), 2 * gg.size * gw[0].size)
    g3 = gg.reshape(N, C, H_out * W_out)
    phases = np.empty((2, 2, N, C, H_out * W_out), dtype=xc.dtype)
    _kernel("dw_phases", xc.size)(xc, phases)
    for a in (0, 1):
        i0 = (pads[0] + a) % 2               # the first row tap reading phase row a
        for b in (0, 1):
            j0 = (pads[1] + b) % 2
            if i0 >= kernel_hw[0] or j0 >= kernel_hw[1]:
                continue
            phase = phases[a, b]
            sub = np.zeros((C, len(range(i0, kernel_hw[0], 2)),
                            len(range(j0, kernel_hw[1], 2))), dtype=gw.dtype)
            # tap i reads phase row p + (i - pad - a) / 2: a kernel of its own with
            # top padding (pad + a - i0) / 2
            kernel(phase, g3, sub, gb, W_out, 1, 1, (pads[0] + a - i0) // 2,
                   (pads[1] + b - j0) // 2)
            gw[:, i0::2, j0::2] = sub
    return True


@functools.lru_cache(maxsize=64)
def _masked_taps(H: int, W: int, H_out: int, p0: int, p1: int) -> np.ndarray:
    """The mask of :func:`_dw_weight_grad_masked`, the forward's at stride 1 (from the
    compiled :func:`_tap_tables`), read-only and kept per geometry: bit ``3 i + j`` of
    ``m[p W + q]`` set where tap ``(i, j)`` of output ``(p, q)`` reads inside the
    ``H x W`` plane (row ``p + i - p0``, column ``q + j - p1``)."""
    _kernels()  # compiles _tap_tables (a Python loop until then)
    m = _tap_tables(H, W, H_out, W, 1, 1, 1, 1, p0, p1, True)[0]
    m.flags.writeable = False
    return m


def depthwise_weight_gradient(x: np.ndarray, g: np.ndarray, kernel_hw, stride,
                              dilation, pads=(0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """``dL/dw`` of depthwise conv2d (``C_out == C_in``), shape ``(C, 1, kH, kW)``, and
    ``dL/db``, shape ``(C,)``, from the input ``x`` (with ``pads = (top, left)`` zeros
    implied, as :func:`depthwise_forward`) and ``g = dL/dy``, compiled. For the
    package (:func:`convlib.nn.conv2d_backward`). Each sum adds its terms in an order
    of its own (at stride 1 with ``g`` as wide as ``x``, the batch first, then the
    plane in 64 interleaved partial sums: ``_dw_weight_grad_flat``; at stride 2 with
    ``x`` twice as large as ``g``, the same on the input's four phases:
    :func:`_dw_weight_grad_phases`; a 3 x 3 kernel without dilation at stride 1, ``g``
    as wide as ``x``, a kernel row's taps a pass, the position's batch first, then the
    plane in 64 interleaved partial sums: ``_dw_weight_grad_masked``), so it equals the
    NumPy path's ``einsum`` up to rounding."""
    dtype = np.result_type(x, g)
    xc = np.ascontiguousarray(x, dtype=dtype)
    gg = np.ascontiguousarray(g, dtype=dtype)
    gw = np.zeros((gg.shape[1],) + tuple(kernel_hw), dtype=dtype)
    gb = np.zeros(gg.shape[1], dtype=dtype)
    if not gg.size or _dw_weight_grad_phases(xc, gg, kernel_hw, stride, dilation, pads,
                                             gw, gb):
        return gw[:, None], gb
    if (tuple(stride) == (1, 1) and tuple(dilation) == (1, 1)
            and tuple(kernel_hw) == (3, 3) and gg.shape[3] == xc.shape[3]):
        _kernel("dw_weight_grad_masked", gg.size * 9)(
            xc, gg, gw, gb, _masked_taps(xc.shape[2], xc.shape[3], gg.shape[2], pads[0],
                                         pads[1]), pads[0], pads[1], min(gg.shape[1], 16))
    elif tuple(stride) == (1, 1) and gg.shape[3] == xc.shape[3]:
        _kernel(_dw_flat_name(xc.shape[0], kernel_hw, dilation), gg.size * gw[0].size)(
            xc.reshape(xc.shape[:2] + (xc.shape[2] * xc.shape[3],)),
            gg.reshape(gg.shape[:2] + (gg.shape[2] * gg.shape[3],)), gw, gb,
            xc.shape[3], dilation[0], dilation[1], pads[0], pads[1])
    elif stride[1] == 2:  # a kernel of its own (_dw_weight_grad_s2)
        _kernel("dw_weight_grad_s2", gg.size * gw[0].size)(
            xc, gg, gw, gb, stride[0], dilation[0], dilation[1], pads[0], pads[1])
    else:
        _kernel("dw_weight_grad", gg.size * gw[0].size)(
            xc, gg, gw, gb, stride[0], stride[1], dilation[0], dilation[1], pads[0],
            pads[1])
    return gw[:, None], gb


def use_compiled(*arrays: np.ndarray) -> bool:
    """Whether the functions listed at :data:`USE_COMPILED` run compiled on these
    operands: ``USE_COMPILED`` is true, their result dtype is float32 or float64 and
    numba is importable.

    Examples
    --------
    >>> use_compiled(np.ones(3, int), np.ones(3, int))
    False
    """
    return (USE_COMPILED and np.result_type(*arrays) in COMPILED_DTYPES
            and numba_available())
