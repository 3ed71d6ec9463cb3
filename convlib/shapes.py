"""Output-shape arithmetic: the one public source of truth for sizes.

Two families live here.

* Signal-processing modes (``'full'``, ``'same'``, ``'valid'``) shared by every method of
  :func:`convlib.convolve` and by :func:`convlib.convolve2d` (SciPy's rules).
* Layer arithmetic (stride, padding, dilation) shared by :mod:`convlib.nn`:
  ``floor((n + p_lo + p_hi - d*(k - 1) - 1) / s) + 1``, and the index arithmetic of one
  layer axis (:func:`window_indices`, :func:`windows_containing`: which inputs an output
  reads, and the reverse), shared by :func:`convlib.im2col.patch_taps` and the figures of
  chapter 11 (re-exported as ``convlib.nn.window_indices``).

Every implementation, validator and table in the book calls these functions rather than
repeating the formulas. Each rule has one home here: the mode sizes and the 'same'
centring (:func:`output_shape`, :func:`mode_offset`), the layer size
(:func:`conv_output_size`), padding normalised to ``(low, high)`` pairs (``_padding_pairs``,
for ``convlib.nn``, :func:`convlib.im2col` and :mod:`convlib.sparse`) and the window
index arithmetic.

Error messages name the function the user called. A public function here is a thin
wrapper that passes its own name to a private helper (``_output_shape``,
``_mode_offset``, ``_valid_swap_needed``, ``_conv_output_size``, ...); the other convlib
modules call those helpers with *their* public name, so ``convlib.convolve`` reports
"convolve: ..." and ``convlib.output_shape`` reports "output_shape: ...".
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._validation import as_tuple, check_choice, check_index, check_int, check_output_bytes

__all__ = [
    "MODES",
    "output_shape",
    "mode_offset",
    "valid_swap_needed",
    "normalize_padding",
    "conv_output_size",
    "window_indices",
    "windows_containing",
    "conv_transpose_output_size",
    "same_padding",
    "receptive_field",
    "RFGeometry",
    "receptive_field_geometry",
    "receptive_field_paths",
]

#: The output modes of signal-processing convolution, as in SciPy and NumPy.
MODES: tuple[str, ...] = ("full", "same", "valid")


def _check_shapes(shape1: object, shape2: object, func: str
                  ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Both shapes as tuples of ints >= 1, of the same length (one entry per axis)."""
    # the common case, ndarray shapes (tuples of Python ints), checked without the
    # abstract-class tests below (they cost microseconds per call of convolve)
    if type(shape1) is tuple and type(shape2) is tuple and len(shape1) == len(shape2):
        for n in shape1 + shape2:
            if type(n) is not int or n < 1:
                break
        else:
            return shape1, shape2
    shapes = []
    for name, shape in (("shape1", shape1), ("shape2", shape2)):
        if isinstance(shape, (str, bytes)) or not isinstance(shape, (Sequence, np.ndarray)):
            raise TypeError(f"{func}: {name} must be a sequence of ints; got {shape!r}")
        for n in shape:
            if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
                raise TypeError(f"{func}: {name} must be a sequence of ints; "
                                f"got {tuple(shape)!r}")
            if n < 1:
                raise ValueError(f"{func}: {name} must hold sizes >= 1; "
                                 f"got {tuple(int(v) for v in shape)}")
        shapes.append(tuple(int(n) for n in shape))
    if len(shapes[0]) != len(shapes[1]):
        raise ValueError(f"{func}: shape1 and shape2 must have the same length (one size "
                         f"per axis); got {shapes[0]} and {shapes[1]}")
    return shapes[0], shapes[1]


def _valid_swap_needed(shape1: object, shape2: object, func: str) -> bool:
    """:func:`valid_swap_needed`, with errors naming ``func``."""
    shape1, shape2 = _check_shapes(shape1, shape2, func)
    ge1 = ge2 = True
    for a, b in zip(shape1, shape2):
        ge1 = ge1 and a >= b
        ge2 = ge2 and b >= a
    if not (ge1 or ge2):
        raise ValueError(
            f"{func}: in 'valid' mode one input must be at least as large as the other in "
            f"every dimension; got shapes {tuple(shape1)} and {tuple(shape2)}"
        )
    return not ge1


def valid_swap_needed(shape1: Sequence[int], shape2: Sequence[int]) -> bool:
    """Whether ``'valid'`` mode needs the inputs swapped (SciPy's rule).

    In ``'valid'`` mode one input must be at least as large as the other in every
    dimension. If ``in2`` is the larger one, convolution's commutativity lets the inputs
    be swapped.

    Returns
    -------
    bool
        ``True`` if ``shape2`` is at least as large as ``shape1`` in every dimension and
        larger in at least one.

    Raises
    ------
    ValueError
        If neither input is at least as large as the other in every dimension, a size is
        below 1, or the shapes differ in length.
    TypeError
        If a shape is not a sequence of ints.

    Examples
    --------
    >>> valid_swap_needed((3,), (5,)), valid_swap_needed((5, 4), (3, 4))
    (True, False)
    >>> valid_swap_needed((2, 3), (3, 2))
    Traceback (most recent call last):
    ...
    ValueError: valid_swap_needed: in 'valid' mode one input must be at least as large as the other in every dimension; got shapes (2, 3) and (3, 2)
    """
    return _valid_swap_needed(shape1, shape2, "valid_swap_needed")


def _output_shape(shape1: object, shape2: object, mode: object, func: str
                  ) -> tuple[int, ...]:
    """:func:`output_shape`, with errors naming ``func``."""
    check_choice(mode, "mode", MODES, func)
    shape1, shape2 = _check_shapes(shape1, shape2, func)
    if mode == "full":
        return tuple([a + b - 1 for a, b in zip(shape1, shape2)])
    if mode == "same":
        return tuple(shape1)
    _valid_swap_needed(shape1, shape2, func)
    return tuple([abs(a - b) + 1 for a, b in zip(shape1, shape2)])


def output_shape(
    shape1: Sequence[int], shape2: Sequence[int], mode: str = "full"
) -> tuple[int, ...]:
    """Shape of the convolution of arrays of shapes ``shape1`` and ``shape2``.

    Parameters
    ----------
    shape1, shape2 : sequence of int
        Shapes of ``in1`` and ``in2`` (same length).
    mode : {'full', 'same', 'valid'}
        ``'full'``: ``n1 + n2 - 1`` per axis; ``'same'``: ``n1`` (the shape of ``in1``);
        ``'valid'``: ``max(n1, n2) - min(n1, n2) + 1``.

    Returns
    -------
    tuple of int
        The output shape.

    Raises
    ------
    ValueError
        If a size is below 1, the shapes differ in length, ``mode`` is unknown, or a
        ``'valid'`` output does not exist (see ``valid_swap_needed``).
    TypeError
        If a shape is not a sequence of ints.

    Examples
    --------
    >>> output_shape((5,), (3,), "full"), output_shape((5,), (3,), "valid")
    ((7,), (3,))
    >>> output_shape((3, 4), (2,))
    Traceback (most recent call last):
    ...
    ValueError: output_shape: shape1 and shape2 must have the same length (one size per axis); got (3, 4) and (2,)
    """
    return _output_shape(shape1, shape2, mode, "output_shape")


def _mode_offset(shape1: object, shape2: object, mode: object, func: str
                 ) -> tuple[int, ...]:
    """:func:`mode_offset`, with errors naming ``func``."""
    check_choice(mode, "mode", MODES, func)
    shape1, shape2 = _check_shapes(shape1, shape2, func)
    if mode == "full":
        return (0,) * len(shape1)
    if mode == "same":
        return tuple([(b - 1) // 2 for b in shape2])
    _valid_swap_needed(shape1, shape2, func)
    return tuple([min(a, b) - 1 for a, b in zip(shape1, shape2)])


def mode_offset(
    shape1: Sequence[int], shape2: Sequence[int], mode: str = "full"
) -> tuple[int, ...]:
    """Where the ``mode`` output starts inside the ``'full'`` output, per axis.

    ``out[i] == full[i + offset]``: the offset is ``0`` for ``'full'``,
    ``(n2 - 1) // 2`` for ``'same'`` (SciPy's centring) and ``min(n1, n2) - 1`` for
    ``'valid'``.

    Raises
    ------
    ValueError, TypeError
        As :func:`output_shape`.

    Examples
    --------
    >>> mode_offset((5,), (4,), "same"), mode_offset((5,), (4,), "valid")
    ((1,), (3,))
    >>> mode_offset((-3,), (2,))
    Traceback (most recent call last):
    ...
    ValueError: mode_offset: shape1 must hold sizes >= 1; got (-3,)
    """
    return _mode_offset(shape1, shape2, mode, "mode_offset")


Pairs = tuple[tuple[int, int], ...]


def _normalize_padding(padding: object, func: str, name: str = "padding"
                       ) -> tuple[int, int]:
    """:func:`normalize_padding`, with errors naming ``func`` and the argument ``name``."""
    if isinstance(padding, np.ndarray) and padding.ndim == 0:
        padding = padding[()]
    if (isinstance(padding, Sequence) and not isinstance(padding, str)) or isinstance(
            padding, np.ndarray):
        if len(padding) != 2:
            raise ValueError(
                f"{func}: {name} must be an int or a (low, high) pair; got {padding!r}"
            )
        low, high = (check_int(p, name, func, minimum=0) for p in padding)
        return low, high
    p = check_int(padding, name, func, minimum=0)
    return p, p


def normalize_padding(padding: int | Sequence[int]) -> tuple[int, int]:
    """Normalise one axis' padding to a ``(low, high)`` pair of non-negative ints.

    Parameters
    ----------
    padding : int or (int, int)
        Zeros added before and after; an int pads both ends equally.

    Returns
    -------
    (int, int)
        ``(p_lo, p_hi)``.

    Raises
    ------
    ValueError
        If a value is negative or a sequence is not a pair.
    TypeError
        If a value is not an integer.

    Examples
    --------
    >>> normalize_padding(2), normalize_padding((0, 3))
    ((2, 2), (0, 3))
    >>> normalize_padding((1, 2, 3))
    Traceback (most recent call last):
    ...
    ValueError: normalize_padding: padding must be an int or a (low, high) pair; got (1, 2, 3)
    """
    return _normalize_padding(padding, "normalize_padding")


def _padding_pairs(padding: object, kernel: Sequence[int], stride: Sequence[int],
                   dilation: Sequence[int], func: str, *,
                   strings: tuple[str, ...] = ("valid", "same"),
                   pairs: bool = True) -> Pairs:
    """The one padding normaliser: ``padding`` as one ``(low, high)`` pair per axis.

    Accepted: an int (every side), a sequence with one entry per axis (an int, or if
    ``pairs`` a ``(low, high)`` pair), and the strings among ``strings``: ``'valid'``
    (no padding) or ``'same'`` (PyTorch's rule, stride 1 only, :func:`same_padding`).
    ``convlib.nn``'s layers accept all of it; transposed layers no strings;
    :func:`convlib.im2col` (symmetric padding, like ``torch.nn.functional.unfold``) and
    :mod:`convlib.sparse` (``'same'`` only) no pairs.
    """
    nd = len(kernel)
    if isinstance(padding, str) and strings:
        check_choice(padding, "padding", strings, func)
        if padding == "valid":
            return ((0, 0),) * nd
        if any(s != 1 for s in stride):
            raise ValueError(f"{func}: padding='same' requires stride 1; "
                             f"got stride={tuple(stride)}")
        return tuple(_same_padding(k, d, func) for k, d in zip(kernel, dilation))
    if not pairs:
        return tuple((p, p) for p in as_tuple(padding, nd, "padding", func, minimum=0))
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        items = (padding,) * nd
    elif ((isinstance(padding, Sequence) and not isinstance(padding, str))
          or (isinstance(padding, np.ndarray) and padding.ndim >= 1)) and len(padding) == nd:
        items = tuple(padding)
    else:
        kinds = "an int, " + ", ".join(repr(s) for s in strings) + "," if strings \
            else "an int"
        raise TypeError(f"{func}: padding must be {kinds} or a sequence of {nd} ints or "
                        f"(low, high) pairs; got {padding!r}")
    return tuple(_normalize_padding(p, func) for p in items)


def _conv_output_size(n: object, kernel_size: object, stride: object, padding: object,
                      dilation: object, func: str, axis: int | None = None) -> int:
    """:func:`conv_output_size`, with errors naming ``func`` (and the spatial ``axis``
    whose padded input is too small, if given)."""
    n = check_int(n, "n", func, minimum=1)
    k = check_int(kernel_size, "kernel_size", func, minimum=1)
    s = check_int(stride, "stride", func, minimum=1)
    d = check_int(dilation, "dilation", func, minimum=1)
    lo, hi = _normalize_padding(padding, func)
    span = d * (k - 1) + 1
    if n + lo + hi < span:
        where = "" if axis is None else f" along spatial axis {axis}"
        raise ValueError(
            f"{func}: the padded input ({n + lo + hi}){where} is smaller than the dilated "
            f"kernel ({span})"
        )
    return window_count(n + lo + hi, k, s, d)


def window_count(n: int, k: int, s: int = 1, d: int = 1) -> int:
    """The layer size formula for sizes already checked and no padding:
    ``floor((n - d*(k - 1) - 1) / s) + 1`` windows, or 0 if none fits. For the inner
    loops that size arrays they have validated (``convlib.im2col.unfold``, the
    size guards of ``convlib.nn``)."""
    return max(0, (n - d * (k - 1) - 1) // s + 1)


def _output_sizes(spatial: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                  pads: Pairs, dilation: Sequence[int], func: str, *,
                  name_axes: bool = False) -> tuple[int, ...]:
    """:func:`conv_output_size` per spatial axis; ``name_axes`` says which axis is too
    small in the error."""
    return tuple(_conv_output_size(n, k, s, p, d, func, i if name_axes else None)
                 for i, (n, k, s, p, d) in enumerate(zip(spatial, kernel, stride, pads,
                                                          dilation)))


def conv_output_size(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
) -> int:
    """Length of a strided, padded, dilated convolution along one axis.

    Parameters
    ----------
    n : int
        Input length.
    kernel_size : int
        Kernel length ``k``.
    stride : int
        Step ``s`` between windows (``>= 1``).
    padding : int or (int, int)
        Zeros added before and after (``p_lo, p_hi``); an int pads both ends equally.
    dilation : int
        Spacing ``d`` between kernel taps (``>= 1``).

    Returns
    -------
    int
        ``floor((n + p_lo + p_hi - d*(k - 1) - 1) / s) + 1``.

    Raises
    ------
    ValueError
        If a size is out of range, or the padded input is smaller than the dilated
        kernel ``d*(k - 1) + 1``.

    Notes
    -----
    Derived in :ref:`ch-conv-arithmetic`; PyTorch's ``Conv`` layers use the
    same formula.

    Examples
    --------
    >>> conv_output_size(5, 3), conv_output_size(5, 3, stride=2, padding=1)
    (3, 3)
    >>> conv_output_size(2, 3)
    Traceback (most recent call last):
    ...
    ValueError: conv_output_size: the padded input (2) is smaller than the dilated kernel (3)
    """
    return _conv_output_size(n, kernel_size, stride, padding, dilation, "conv_output_size")


def window_indices(out_pos: int, n: int, kernel_size: int, stride: int = 1,
                   padding: int | tuple[int, int] = 0, dilation: int = 1) -> np.ndarray:
    """Input positions read by output position ``out_pos`` along one axis.

    Parameters
    ----------
    out_pos : int
        Output position, ``0 <= out_pos < conv_output_size(n, kernel_size, stride,
        padding, dilation)``.
    n : int
        Input length.
    kernel_size, stride, padding, dilation
        As in :func:`convlib.conv_output_size`.

    Returns
    -------
    ndarray of shape (kernel_size,)
        ``stride*out_pos - p_lo + dilation*arange(kernel_size)``, in input coordinates:
        values below 0 or from ``n`` on fall in the padding.

    Raises
    ------
    ValueError
        If ``out_pos`` is outside the output, or the sizes are invalid.

    Examples
    --------
    >>> window_indices(1, 5, 3, stride=2, padding=1)
    array([1, 2, 3])
    >>> window_indices(0, 7, 3, dilation=2)
    array([0, 2, 4])
    >>> window_indices(3, 5, 3)
    Traceback (most recent call last):
    ...
    ValueError: window_indices: out_pos must be in [0, 3); got 3
    """
    func = "window_indices"
    L = _conv_output_size(n, kernel_size, stride, padding, dilation, func)
    o = check_index(out_pos, "out_pos", L, func)
    lo, _ = _normalize_padding(padding, func)
    check_output_bytes((kernel_size,), 8, "kernel_size", func)
    return stride * o - lo + dilation * np.arange(kernel_size)


def windows_containing(in_pos: int, n: int, kernel_size: int, stride: int = 1,
                       padding: int | tuple[int, int] = 0,
                       dilation: int = 1) -> np.ndarray:
    """Output positions whose window reads input position ``in_pos`` (one axis).

    Parameters
    ----------
    in_pos : int
        Input position, ``0 <= in_pos < n``.
    n, kernel_size, stride, padding, dilation
        As in :func:`window_indices`.

    Returns
    -------
    ndarray of int
        Sorted output positions ``o`` with ``in_pos`` in ``window_indices(o, ...)``;
        empty if a stride larger than the dilated kernel skips the input.

    Examples
    --------
    >>> windows_containing(2, 5, 3)
    array([0, 1, 2])
    >>> windows_containing(2, 5, 1, stride=2), windows_containing(1, 5, 1, stride=2)
    (array([1]), array([], dtype=int64))
    """
    func = "windows_containing"
    L = _conv_output_size(n, kernel_size, stride, padding, dilation, func)
    i = check_index(in_pos, "in_pos", n, func)
    lo, _ = _normalize_padding(padding, func)
    check_output_bytes((kernel_size,), 8, "kernel_size", func)
    # tap t of output o reads stride*o - lo + dilation*t = i: solve for o, one candidate
    # per tap (distinct taps give distinct outputs), instead of scanning all L outputs
    num = i + lo - dilation * np.arange(kernel_size - 1, -1, -1, dtype=np.int64)
    o = num // stride
    return o[(num % stride == 0) & (o >= 0) & (o < L)]


def _conv_transpose_output_size(n: object, kernel_size: object, stride: object,
                                padding: object, output_padding: object,
                                dilation: object, func: str) -> int:
    """:func:`conv_transpose_output_size`, with errors naming ``func``."""
    n = check_int(n, "n", func, minimum=1)
    k = check_int(kernel_size, "kernel_size", func, minimum=1)
    s = check_int(stride, "stride", func, minimum=1)
    d = check_int(dilation, "dilation", func, minimum=1)
    op = check_int(output_padding, "output_padding", func, minimum=0)
    lo, hi = _normalize_padding(padding, func)
    if op >= s and op >= d:
        raise ValueError(
            f"{func}: output_padding must be smaller than either stride or dilation; "
            f"got output_padding={op}, stride={s}, dilation={d}"
        )
    size = (n - 1) * s - lo - hi + d * (k - 1) + op + 1
    if size < 1:
        raise ValueError(f"{func}: padding must leave an output size >= 1; got padding "
                         f"({lo}, {hi}), which leaves {size}")
    return size


def conv_transpose_output_size(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Length of a transposed convolution along one axis (PyTorch's formula).

    Returns
    -------
    int
        ``(n - 1)*s - p_lo - p_hi + d*(k - 1) + output_padding + 1``.

    Raises
    ------
    ValueError
        If ``output_padding`` is not smaller than ``stride`` or ``dilation`` (then it
        would not resolve the ambiguity of :func:`conv_output_size`'s floor), or the
        result is not positive.

    Examples
    --------
    >>> conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    >>> conv_transpose_output_size(3, 3, stride=2, output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: conv_transpose_output_size: output_padding must be smaller than either stride or dilation; got output_padding=2, stride=2, dilation=1
    """
    return _conv_transpose_output_size(n, kernel_size, stride, padding, output_padding,
                                       dilation, "conv_transpose_output_size")


def _same_padding(kernel_size: object, dilation: object, func: str) -> tuple[int, int]:
    """:func:`same_padding`, with errors naming ``func``."""
    k = check_int(kernel_size, "kernel_size", func, minimum=1)
    d = check_int(dilation, "dilation", func, minimum=1)
    total = d * (k - 1)
    return total // 2, total - total // 2


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """The ``(low, high)`` zero padding of ``padding='same'`` (PyTorch's rule, stride 1).

    The dilated kernel spans ``d*(k - 1) + 1`` samples, so ``d*(k - 1)`` zeros in total
    keep the length unchanged. PyTorch puts half of them (rounded down) before the
    input and the rest after, so an even total is symmetric and an odd one puts the
    extra zero on the high side.

    Parameters
    ----------
    kernel_size : int
        Kernel length ``k`` (``>= 1``).
    dilation : int
        Spacing ``d`` between kernel taps (``>= 1``).

    Returns
    -------
    (int, int)
        ``(d*(k - 1) // 2, d*(k - 1) - d*(k - 1) // 2)``.

    References
    ----------
    PyTorch documentation of ``torch.nn.Conv2d`` (``padding='same'``).

    Examples
    --------
    >>> same_padding(3), same_padding(4), same_padding(3, dilation=2)
    ((1, 1), (1, 2), (2, 2))
    >>> same_padding(0)
    Traceback (most recent call last):
    ...
    ValueError: same_padding: kernel_size must be >= 1; got 0
    """
    return _same_padding(kernel_size, dilation, "same_padding")


def receptive_field(
    kernel_sizes: Sequence[int],
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
) -> int:
    """Receptive field of a stack of convolution layers, in input samples (one axis).

    Parameters
    ----------
    kernel_sizes : sequence of int
        Kernel length ``k_l`` of each layer, first layer first.
    strides, dilations : sequence of int, optional
        Stride ``s_l`` and dilation ``d_l`` of each layer (default all 1).

    Returns
    -------
    int
        ``r = 1 + sum_l d_l (k_l - 1) * prod_{m < l} s_m``: the number of consecutive
        input samples that one output sample of the last layer depends on.

    Notes
    -----
    Layer ``l`` widens the field by ``d_l (k_l - 1)`` of its own input samples, and one
    of those is ``prod_{m < l} s_m`` input samples apart. Derived in
    :ref:`ch-conv-arithmetic`.

    References
    ----------
    Araujo, Norris and Sim (2019), *Computing receptive fields of convolutional neural
    networks*, Distill, doi:10.23915/distill.00021.

    Examples
    --------
    >>> receptive_field([3, 3, 3]), receptive_field([2, 2, 2, 2], dilations=[1, 2, 4, 8])
    (7, 16)
    >>> receptive_field([3, 3], strides=[1])
    Traceback (most recent call last):
    ...
    ValueError: receptive_field: strides must have one entry per layer (2); got 1
    """
    ks, ss, _, ds = _stack_layers("receptive_field", kernel_sizes, strides, None,
                                  dilations)
    r, jump = 1, 1
    for k, s, d in zip(ks, ss, ds):
        r += d * (k - 1) * jump
        jump *= s
    return r


def _stack_layers(func: str, kernel_sizes: Any, strides: Any, paddings: Any,
                  dilations: Any) -> tuple[list[int], ...]:
    """Per-layer kernel sizes, strides, low paddings and dilations of a stack, checked
    (one entry per layer; ``None`` means all 1, or all 0 for paddings)."""
    per_layer = {"kernel_sizes": kernel_sizes, "strides": strides,
                 "paddings": paddings, "dilations": dilations}
    for name, values in per_layer.items():
        if (values is not None or name == "kernel_sizes") and (
                isinstance(values, (str, bytes))
                or not isinstance(values, (Sequence, np.ndarray))):
            raise TypeError(f"{func}: {name} must be a sequence of ints, one per layer; "
                            f"got {values!r}")
    ks = [check_int(k, "kernel_sizes", func, minimum=1) for k in kernel_sizes]
    for name, values in list(per_layer.items())[1:]:
        if values is not None and len(values) != len(ks):
            raise ValueError(f"{func}: {name} must have one entry per layer ({len(ks)}); "
                             f"got {len(values)}")

    def ints(values: Any, name: str, default: int) -> list[int]:
        return [default] * len(ks) if values is None else [
            check_int(v, name, func, minimum=1) for v in values]

    pads = [0] * len(ks) if paddings is None else [
        _normalize_padding(p, func, "paddings")[0] for p in paddings]
    return ks, ints(strides, "strides", 1), pads, ints(dilations, "dilations", 1)


class RFGeometry(NamedTuple):
    """Receptive-field geometry of one layer's output, in input coordinates (one axis).

    Output position ``i`` of the layer reads the input positions ``start + i*jump`` to
    ``start + i*jump + size - 1`` (negative positions, or positions from the input length
    on, lie in the padding); its centre is ``center + i*jump``.
    """

    #: receptive-field size ``r``, in input samples
    size: int
    #: jump (effective stride): input samples between neighbouring outputs
    jump: int
    #: first input position read by output 0 (negative inside the padding)
    start: int
    #: centre of output 0's receptive field, ``start + (size - 1)/2``
    center: float


def receptive_field_geometry(
    kernel_sizes: Sequence[int],
    strides: Sequence[int] | None = None,
    paddings: Sequence[int | tuple[int, int]] | None = None,
    dilations: Sequence[int] | None = None,
) -> tuple[RFGeometry, ...]:
    """Size, jump, start and centre of the receptive field after every layer of a stack.

    One axis, computed layer by layer from the input (layer 0, where ``size = jump = 1``
    and ``start = 0``)::

        size_l  = size_{l-1} + d_l (k_l - 1) jump_{l-1}
        jump_l  = jump_{l-1} s_l
        start_l = start_{l-1} - p_l jump_{l-1}

    A layer's output ``i`` reads its input at ``s_l i - p_l`` to
    ``s_l i - p_l + d_l (k_l - 1)``; substituting the previous layer's geometry gives the
    recurrence. Unrolled, these are the closed forms of Araujo, Norris and Sim:
    ``size = 1 + sum_l d_l (k_l - 1) prod_{m<l} s_m`` (:func:`receptive_field`),
    ``jump = prod_l s_l`` and ``start = -sum_l p_l prod_{m<l} s_m``.

    Parameters
    ----------
    kernel_sizes : sequence of int
        Kernel length ``k_l`` of each layer, first layer first.
    strides, dilations : sequence of int, optional
        Stride ``s_l`` and dilation ``d_l`` of each layer (default all 1).
    paddings : sequence of int or (int, int), optional
        Zero padding of each layer (default all 0); only the low side ``p_l`` moves the
        field (the high side only adds outputs at the end).

    Returns
    -------
    tuple of RFGeometry
        One ``(size, jump, start, center)`` per layer: output ``i`` of layer ``l`` reads
        input positions ``start + i*jump`` to ``start + i*jump + size - 1``. The span can
        have holes that no path reaches (dilation); :func:`receptive_field_paths` counts
        the paths to each position.

    Raises
    ------
    ValueError
        If a per-layer sequence has the wrong length, or a value is out of range.
    TypeError
        If an argument is not a sequence of ints.

    References
    ----------
    Araujo, Norris and Sim (2019), *Computing receptive fields of convolutional neural
    networks*, Distill, doi:10.23915/distill.00021.

    Examples
    --------
    >>> geo = receptive_field_geometry([3, 3, 3], [2, 2, 1], [1, 1, 1])
    >>> [(g.size, g.jump, g.start, g.center) for g in geo]
    [(3, 2, -1, 0.0), (7, 4, -3, 0.0), (15, 4, -7, 0.0)]
    >>> receptive_field_geometry([3], paddings=[-1])
    Traceback (most recent call last):
    ...
    ValueError: receptive_field_geometry: paddings must be >= 0; got -1
    """
    ks, ss, ps, ds = _stack_layers("receptive_field_geometry", kernel_sizes, strides,
                                   paddings, dilations)
    size, jump, start, out = 1, 1, 0, []
    for k, s, p, d in zip(ks, ss, ps, ds):
        size, start = size + d * (k - 1) * jump, start - p * jump
        jump *= s
        out.append(RFGeometry(size, jump, start, start + (size - 1) / 2))
    return tuple(out)


def receptive_field_paths(
    kernel_sizes: Sequence[int],
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
) -> np.ndarray:
    """Number of paths from one output of a stack to each input position of its field.

    Entry ``m`` counts the chains of kernel taps (one tap per layer) that connect output
    0 of the last layer to input position ``start + m`` (see
    :func:`receptive_field_geometry`): the stack's impulse response with kernels of
    ones. A zero is a hole: that input never affects the output, whatever the weights.
    Equal dilations leave holes on a sub-lattice (the gridding artifact); hybrid
    dilation rates avoid them.

    Parameters
    ----------
    kernel_sizes, strides, dilations
        As in :func:`receptive_field`.

    Returns
    -------
    ndarray of int64, shape (r,)
        Path counts over the receptive field of size ``r = receptive_field(...)``; they
        sum to ``prod_l k_l``. In 2-D, with the same layers along both axes, the counts
        are the outer product of this array with itself.

    Notes
    -----
    Layer ``l``'s taps are ``d_l prod_{m<l} s_m`` input samples apart, so the counts are
    the full convolution of one indicator per layer (``k_l`` ones at that spacing).

    References
    ----------
    Wang et al. (2018), *Understanding convolution for semantic segmentation*, WACV
    (gridding and hybrid dilated convolution).

    Examples
    --------
    >>> receptive_field_paths([3, 3])
    array([1, 2, 3, 2, 1])
    >>> receptive_field_paths([3, 3], dilations=[2, 2])
    array([1, 0, 2, 0, 3, 0, 2, 0, 1])
    >>> receptive_field_paths([3, 3], strides=[1, 2, 1])
    Traceback (most recent call last):
    ...
    ValueError: receptive_field_paths: strides must have one entry per layer (2); got 3
    """
    func = "receptive_field_paths"
    ks, ss, _, ds = _stack_layers(func, kernel_sizes, strides, None, dilations)
    check_output_bytes((receptive_field(ks, ss, ds),), 8, "kernel_sizes", func)
    counts, jump = np.ones(1, dtype=np.int64), 1
    for k, s, d in zip(ks, ss, ds):
        taps = np.zeros(d * (k - 1) * jump + 1, dtype=np.int64)
        taps[::d * jump] = 1
        counts, jump = np.convolve(counts, taps), jump * s
    return counts
