"""Seconds per call of each convolution method: the best of a few rounds.

The timing loop behind ``choose_method(..., measure=True)`` (:mod:`convlib.dispatch`)
and :func:`convlib.bench.bench_methods`. It takes the ``convolve`` to time as an
argument, so that it sits at the bottom of the house (STYLE.md 16) and both callers
import it without importing each other.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["time_methods"]


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
