"""Seconds per call of each convolution method: the best of a few rounds.

The timing loop behind ``choose_method(..., measure=True)`` (:mod:`convlib.dispatch`)
and :func:`convlib.bench.bench_methods`. It takes the ``convolve`` to time as an
argument, so that it sits at the bottom of the house (STYLE.md 16) and both callers
import it without importing each other.
"""

from __future__ import annotations

import os
import timeit
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["time_methods", "cpu_seconds"]


def time_methods(convolve: Callable[..., Any], in1: Any, in2: Any, mode: str,
                 methods: Sequence[str],
                 repeat: int, budget: float) -> dict[str, float]:
    """``{method: seconds per call}`` of ``convolve(in1, in2, mode, method)``.

    Each method runs ``repeat`` rounds of as many calls as fit in about ``budget``
    seconds (at least one); the best round's time per call is reported, the usual
    estimate of the undisturbed cost (``timeit``'s advice). ``repeat`` is not checked.
    """
    times = {}
    for method in methods:
        def call(method: str = method) -> Any:
            return convolve(in1, in2, mode, method)
        first = timeit.timeit(call, number=1)
        number = max(1, int(budget / max(first, 1e-7)))
        times[method] = min(timeit.repeat(call, number=number, repeat=repeat)) / number
    return times


def cpu_seconds() -> tuple[float, float] | None:
    """Seconds of busy and of all CPU time summed over the machine's cores since boot,
    from ``/proc/stat`` (None where it cannot be read: not Linux).

    With the process's own CPU time (``os.times()``) subtracted from the busy time, the
    difference of two readings is the other processes' CPU use in between:
    :func:`convlib.machine.cpu_load` and the thread rule of :mod:`convlib.compiled`.
    """
    try:
        with open("/proc/stat", encoding="utf-8") as f:
            fields = [float(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick
