"""Shared validators for convlib's public functions.

Every public function validates its arguments here, at the boundary, and raises
``ValueError`` (wrong value) or ``TypeError`` (wrong kind) with one message template::

    "<function>: <argument> <rule>; got <value or shape>"

so that the error names the function the user called and the argument the user passed.
Nothing here modifies its input.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
from numpy.exceptions import AxisError
from numpy.lib.array_utils import normalize_axis_tuple

__all__ = [
    "as_array",
    "as_operands",
    "as_tuple",
    "check_axes",
    "check_choice",
    "check_index",
    "check_output_bytes",
    "output_bytes_problem",
    "check_int",
    "check_same_ndim",
    "check_number",
    "check_real",
]


def as_array(
    value: Any,
    name: str,
    func: str,
    *,
    ndim: int | Sequence[int] | None = None,
    min_ndim: int = 0,
    allow_empty: bool = False,
) -> np.ndarray:
    """Convert ``value`` to a numeric ndarray, checking dtype kind, ndim and size.

    Parameters
    ----------
    value : array_like
        What the user passed.
    name : str
        The argument's name, used in messages.
    func : str
        The public function's name, used in messages.
    ndim : int or sequence of int, optional
        Required number of dimensions (one of several if a sequence).
    min_ndim : int
        Smallest accepted number of dimensions when ``ndim`` is not given.
    allow_empty : bool
        Whether an array with zero elements is accepted.

    Returns
    -------
    ndarray
        ``numpy.asarray(value)``; a view of the input when possible, never modified.

    Raises
    ------
    TypeError
        If the array is not boolean, integer, floating or complex.
    ValueError
        If the number of dimensions or the size is wrong.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise TypeError(f"{func}: {name} must be array_like of numbers; got {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"{func}: {name} must hold numbers (bool, int, float or complex); "
            f"got dtype {arr.dtype}"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{func}: {name} must be {want}; got {arr.ndim}-D array of shape {arr.shape}"
            )
    elif arr.ndim < min_ndim:
        raise ValueError(
            f"{func}: {name} must have at least {min_ndim} dimension(s); "
            f"got {arr.ndim}-D array of shape {arr.shape}"
        )
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{func}: {name} must not be empty; got shape {arr.shape}")
    return arr


def as_operands(in1: Any, in2: Any, mode: Any, modes: Iterable[str], func: str
                ) -> tuple[np.ndarray, np.ndarray]:
    """The prologue of every two-input convolution entry point (``convolve``,
    ``fft_convolve``, ``overlap_add``, ...): ``in1`` and ``in2`` as numeric, non-empty
    arrays of the same ndim, and ``mode`` one of ``modes``.

    Examples
    --------
    >>> a, b = as_operands([1, 2, 3], [1, 1], "full", ("full", "same"), "f")
    >>> a.shape, b.shape
    ((3,), (2,))
    >>> as_operands([1, 2], [[1]], "full", ("full",), "f")
    Traceback (most recent call last):
    ...
    ValueError: f: in1 and in2 must have the same number of dimensions; got 1-D in1 of shape (2,) and 2-D in2 of shape (1, 1)
    """
    a = as_array(in1, "in1", func)
    b = as_array(in2, "in2", func)
    check_same_ndim(a, b, ("in1", "in2"), func)
    check_choice(mode, "mode", modes, func)
    return a, b


def check_choice(value: Any, name: str, choices: Iterable[str], func: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing the valid ones."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{func}: {name} must be one of {listed}; got {value!r}")
    return value


def check_int(
    value: Any, name: str, func: str, *, minimum: int | None = None
) -> int:
    """Return ``value`` as a Python int, checking its kind and lower bound."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an integer; got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{func}: {name} must be >= {minimum}; got {value}")
    return value


#: The largest output (in bytes) any convlib function allocates before it refuses with an
#: error naming the argument that asked for it. 2 GiB: far above anything the book needs,
#: far below what makes a 24 GiB machine swap or NumPy fail with "array is too big".
MAX_OUTPUT_BYTES: int = 2 * 2**30


def output_bytes_problem(shape: Sequence[int], itemsize: int, *,
                         limit: int | None = None) -> str | None:
    """Why an array of ``shape`` and ``itemsize`` is too large, or ``None`` if it is not.

    The phrase ``"an output of shape (...) (X MB), more than the limit of Y MB"``, for a
    caller that raises its own exception (:func:`check_output_bytes` raises
    ``ValueError``). ``limit`` defaults to :data:`MAX_OUTPUT_BYTES`, read at call time.
    """
    limit = MAX_OUTPUT_BYTES if limit is None else limit
    nbytes = math.prod(int(s) for s in shape) * int(itemsize)
    if nbytes <= limit:
        return None
    shape_text = "(" + ", ".join(str(int(s)) for s in shape) + ")"
    return (f"an output of shape {shape_text} ({nbytes / 1e6:.1f} MB), more than the "
            f"limit of {limit / 1e6:.1f} MB")


def check_output_bytes(
    shape: Sequence[int], itemsize: int, name: str, func: str, *,
    limit: int | None = None, hint: str = "",
) -> None:
    """Raise ``ValueError`` before allocating an array of ``shape`` larger than ``limit``.

    ``name`` is the argument that asked for the size (``"padding"``, ``"n"``, ...); the
    message states the shape, the bytes needed and the limit, plus ``hint`` if given.
    ``limit`` defaults to :data:`MAX_OUTPUT_BYTES` (read at call time, so a user with
    more memory may raise it).

    Examples
    --------
    >>> check_output_bytes((1000, 1000), 8, "n", "f")
    >>> check_output_bytes((10**6, 10**6), 8, "n", "f", hint="use a smaller n")
    Traceback (most recent call last):
    ...
    ValueError: f: n asks for an output of shape (1000000, 1000000) (8000000.0 MB), more than the limit of 2147.5 MB; use a smaller n
    """
    problem = output_bytes_problem(shape, itemsize, limit=limit)
    if problem is not None:
        raise ValueError(f"{func}: {name} asks for {problem}" + (f"; {hint}" if hint else ""))


def check_index(value: Any, name: str, bound: int, func: str) -> int:
    """Return ``value`` as a Python int in ``[0, bound)`` (a position along an axis)."""
    value = check_int(value, name, func)
    if not 0 <= value < bound:
        raise ValueError(f"{func}: {name} must be in [0, {bound}); got {value}")
    return value


def check_real(value: Any, name: str, func: str, *, finite: bool = False) -> float | int:
    """Return ``value`` if it is a real scalar number (bool and complex refused; with
    ``finite``, NaN and infinities too).

    Examples
    --------
    >>> check_real(2.5, "sigma", "f"), check_real(3, "sigma", "f")
    (2.5, 3)
    >>> check_real(1j, "sigma", "f")
    Traceback (most recent call last):
    ...
    TypeError: f: sigma must be a real number; got 1j
    >>> check_real(float("inf"), "angle", "f", finite=True)
    Traceback (most recent call last):
    ...
    ValueError: f: angle must be finite; got inf
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number; got {value!r}")
    if finite:
        try:
            ok = math.isfinite(value)
        except OverflowError:  # an int beyond float64's range
            ok = False
        if not ok:
            raise ValueError(f"{func}: {name} must be finite; got {value!r}")
    return cast("float | int", value)


def check_axes(axes: Any, ndim: int, func: str, name: str = "axes") -> list[int]:
    """Axes of a ``ndim``-D array as non-negative ints (all axes if ``None``).

    NumPy's ``normalize_axis_tuple`` does the arithmetic; the messages are convlib's.

    Examples
    --------
    >>> check_axes(None, 3, "f"), check_axes(-1, 3, "f"), check_axes([0, -1], 3, "f")
    ([0, 1, 2], [2], [0, 2])
    >>> check_axes([0, 3], 2, "f")
    Traceback (most recent call last):
    ...
    ValueError: f: axes must be in [-2, 2) for 2-D inputs; got [0, 3]
    """
    if axes is None:
        return list(range(ndim))
    items = [axes] if not isinstance(axes, Sequence) or isinstance(axes, str) else axes
    if len(items) == 0:
        raise ValueError(f"{func}: {name} must not be empty when given; got {axes!r}")
    ints = [check_int(ax, name, func) for ax in items]
    try:
        return list(normalize_axis_tuple(ints, ndim, name))
    except AxisError:
        raise ValueError(f"{func}: {name} must be in [{-ndim}, {ndim}) for {ndim}-D "
                         f"inputs; got {axes!r}") from None
    except ValueError:  # a repeated axis
        raise ValueError(f"{func}: {name} must be unique; got {axes!r}") from None


def check_number(value: Any, name: str, func: str) -> complex | float | int:
    """Return ``value`` if it is a real or complex scalar number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Number):
        raise TypeError(f"{func}: {name} must be a scalar number; got {value!r}")
    return cast("complex | float | int", value)


def check_same_ndim(a: np.ndarray, b: np.ndarray, names: tuple[str, str], func: str) -> None:
    """Raise if two arrays differ in their number of dimensions."""
    if a.ndim != b.ndim:
        raise ValueError(
            f"{func}: {names[0]} and {names[1]} must have the same number of dimensions; "
            f"got {a.ndim}-D {names[0]} of shape {a.shape} and "
            f"{b.ndim}-D {names[1]} of shape {b.shape}"
        )


def as_tuple(value: Any, n: int, name: str, func: str, *, minimum: int = 0) -> tuple[int, ...]:
    """Normalise an int or a length-``n`` sequence of ints to a tuple of ``n`` ints.

    Used for per-axis layer arguments (``kernel_size``, ``stride``, ``dilation``, ...).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        items = (value,) * n
    elif (isinstance(value, Sequence) and not isinstance(value, str)) or (
            isinstance(value, np.ndarray) and value.ndim == 1):
        if len(value) != n:
            raise ValueError(f"{func}: {name} must be an int or a sequence of {n} ints; "
                             f"got {value!r}")
        items = tuple(value)
    else:
        raise TypeError(f"{func}: {name} must be an int or a sequence of {n} ints; "
                        f"got {value!r}")
    for v in items:
        check_int(v, name, func, minimum=minimum)
    return tuple(int(v) for v in items)
