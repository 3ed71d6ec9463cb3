"""Argument handling shared by the layers of :mod:`convlib.nn`.

Every public function of the package validates here, once, at its boundary: arrays,
channel and group bookkeeping, per-axis ``stride`` / ``dilation`` tuples. Padding
normalised to ``(low, high)`` pairs (``padding_pairs``) and the sizes (``output_sizes``)
come from :mod:`convlib.shapes`, the one home of those rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .._typing import ArrayLike, IntOrSeq, Padding
from .._validation import (as_array, as_tuple, check_choice, check_int,
                           check_output_bytes, output_bytes_problem)
# padding normalised to (low, high) pairs and the output sizes: one home, convlib.shapes
from ..shapes import (Pairs, _output_sizes as output_sizes, _padding_pairs as padding_pairs,
                      window_count)

__all__ = ["as_layer_array", "layer_inputs", "per_axis", "padding_pairs", "output_sizes",
           "pad_input", "pad_input_adjoint", "check_padding_mode", "PADDING_MODES",
           "result_dtype", "check_grown_size", "check_padding_size"]

#: The padding modes of PyTorch's ``nn.Conv1d/2d/3d`` (``padding_mode=``), and the
#: ``numpy.pad`` mode that fills the same values: PyTorch's 'reflect' mirrors about the
#: edge sample without repeating it, as NumPy's 'reflect' (not 'symmetric') does.
PADDING_MODES: dict[str, Literal["constant", "reflect", "edge", "wrap"]] = {
    "zeros": "constant", "reflect": "reflect", "replicate": "edge",
    "circular": "wrap"}


def as_layer_array(value: ArrayLike, name: str, ndim: int, func: str, *, batch: bool = True
                   ) -> np.ndarray:
    """A numeric array with ``ndim`` (or ``ndim - 1`` if unbatched inputs are allowed)
    dimensions; booleans are rejected because a layer's sums must not saturate."""
    allowed = (ndim, ndim - 1) if batch else (ndim,)
    arr = as_array(value, name, func, ndim=allowed)
    if arr.dtype.kind == "b":
        raise TypeError(f"{func}: {name} must hold int, float or complex numbers; "
                        f"got dtype bool")
    return arr


def layer_inputs(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, nd: int,
                 groups: int, func: str, *, transposed: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int, bool]:
    """Validate ``x`` (batched or not), ``weight``, ``bias`` and ``groups``.

    Returns ``(xb, weight, bias, groups, batched)`` where ``xb`` has a batch axis and
    ``bias`` is ``None`` or an array of shape ``(C_out,)``.
    """
    x = as_layer_array(x, "x", nd + 2, func)
    weight = as_layer_array(weight, "weight", nd + 2, func, batch=False)
    groups = check_int(groups, "groups", func, minimum=1)
    batched = x.ndim == nd + 2
    xb = x if batched else x[None]
    C_in = xb.shape[1]
    if C_in % groups:
        raise ValueError(f"{func}: groups must divide in_channels, but {groups} does not "
                         f"divide {C_in}")
    if transposed:  # weight (C_in, C_out / groups, k...)
        if weight.shape[0] != C_in:
            raise ValueError(f"{func}: weight.shape[0] must equal in_channels ({C_in}); "
                             f"got weight of shape {weight.shape}")
        C_out = weight.shape[1] * groups
    else:  # weight (C_out, C_in / groups, k...)
        C_out = weight.shape[0]
        if C_out % groups:
            raise ValueError(f"{func}: groups must divide out_channels, but {groups} "
                             f"does not divide {C_out}")
        if weight.shape[1] * groups != C_in:
            raise ValueError(
                f"{func}: x must have weight.shape[1] * groups = "
                f"{weight.shape[1] * groups} channels; got x of shape {x.shape}")
    if bias is not None:
        bias = as_layer_array(bias, "bias", 1, func, batch=False)
        if bias.shape != (C_out,):
            raise ValueError(f"{func}: bias must have shape (out_channels,) = ({C_out},); "
                             f"got shape {bias.shape}")
    return xb, weight, bias, groups, batched


def per_axis(value: IntOrSeq, nd: int, name: str, func: str, minimum: int) -> tuple[int, ...]:
    """An int or a sequence of ``nd`` ints, as a tuple of ``nd`` ints ``>= minimum``."""
    return as_tuple(value, nd, name, func, minimum=minimum)


def pad_input(xb: np.ndarray, pads: Pairs, value: complex = 0, mode: str = "zeros"
              ) -> np.ndarray:
    """``xb`` (N, C, spatial...) with ``pads`` added to its spatial axes (a new array
    only if some padding is non-zero), filled as the padding ``mode`` says (one of
    :data:`PADDING_MODES`; ``value`` is the fill of ``'zeros'``)."""
    if not any(lo or hi for lo, hi in pads):
        return xb
    widths = ((0, 0), (0, 0)) + tuple(pads)
    if mode == "zeros":
        return np.pad(xb, widths, constant_values=value)
    return np.pad(xb, widths, mode=PADDING_MODES[mode])


def pad_input_adjoint(g: np.ndarray, pads: Pairs, mode: str = "zeros") -> np.ndarray:
    """The adjoint of :func:`pad_input` applied to ``g`` (N, C, padded spatial...).

    Each padded sample is a copy of one input sample, so the adjoint sends the value at
    every padded position back to the input sample it copies, and adds: for
    ``'zeros'`` it crops; otherwise, per axis, it crops and adds the padded strips at
    the indices they copy (``numpy.add.at``; exact in integer arithmetic).
    Backpropagation through a padded layer (``conv2d_backward``) uses it.
    """
    for axis, (lo, hi) in enumerate(pads, start=2):
        n = g.shape[axis] - lo - hi
        inside = np.moveaxis(g, axis, -1)[..., lo:lo + n]
        if mode == "zeros" or not (lo or hi):
            g = np.moveaxis(inside, -1, axis)
            continue
        source = np.pad(np.arange(n), (lo, hi), mode=PADDING_MODES[mode])
        strips = np.r_[0:lo, lo + n:lo + n + hi]          # the padded positions
        out = inside.copy()
        at: Any = (Ellipsis, source[strips])    # NumPy's stubs refuse tuple indices here
        np.add.at(out, at,
                  np.moveaxis(g, axis, -1)[..., strips])
        g = np.moveaxis(out, -1, axis)
    return g


def check_padding_mode(mode: str, pads: Pairs, spatial: Sequence[int], func: str) -> str:
    """``mode`` if it is one of :data:`PADDING_MODES` and the padding fits it.

    PyTorch's rules (its ``F.pad``): 'reflect' needs each side's padding smaller than
    the input along that axis (it mirrors without repeating the edge, so there are only
    ``n - 1`` samples to mirror); 'circular' needs it at most the input size (one wrap);
    'replicate' and 'zeros' take any padding.
    """
    mode = check_choice(mode, "padding_mode", PADDING_MODES, func)
    limit = {"reflect": 0, "circular": 1}.get(mode)
    for axis, (n, (lo, hi)) in enumerate(zip(spatial, pads)):
        if limit is not None and max(lo, hi) > n - 1 + limit:
            rule = "smaller than" if mode == "reflect" else "at most"
            raise ValueError(
                f"{func}: padding_mode={mode!r} needs the padding of each side {rule} "
                f"the input size; got padding {(lo, hi)} for spatial axis {axis} of "
                f"size {n}")
    return mode


def result_dtype(*arrays: np.ndarray | None) -> np.dtype[Any]:
    """The dtype of a layer's output: NumPy's promotion of its array arguments."""
    return np.result_type(*[a for a in arrays if a is not None])


def check_grown_size(func: str, name: str,
                     sizes: Sequence[tuple[Sequence[int], Sequence[int], int, str]]) -> None:
    """Refuse, naming the argument ``name``, an array that this argument makes too large.

    ``sizes`` holds ``(shape, shape_without, itemsize, what)`` tuples: the shape of an
    array the function is about to allocate (``what`` it is, for the message), and its
    shape had ``name`` kept its neutral value (no padding, stride 1, ...). Only growth is
    refused: an array already too large without the argument comes from the sizes of the
    inputs, which the user has allocated.
    """
    for shape, without, itemsize, what in sizes:
        if output_bytes_problem(without, itemsize) is None:
            check_output_bytes(shape, itemsize, name, func, hint=what)


def check_padding_size(xb: np.ndarray, C_out: int, k: Sequence[int], s: Sequence[int],
                       pads: Pairs, d: Sequence[int], out_sizes: Sequence[int],
                       dtype: np.dtype[Any], func: str, padding: Padding = 0) -> None:
    """Refuse, naming ``padding``, a padded input or an output that padding makes larger
    than ``convlib._validation.MAX_OUTPUT_BYTES`` (e.g. ``padding=10**9``); for
    ``padding='same'``, whose size the dilation sets, name the dilation."""
    if not any(lo or hi for lo, hi in pads):
        return
    spatial = xb.shape[2:]
    unpadded = tuple(window_count(n, kk, ss, dd) for n, kk, ss, dd in zip(spatial, k, s, d))
    name = "dilation (with padding='same')" if isinstance(padding, str) else "padding"
    check_grown_size(func, name, [
        (xb.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(spatial, pads)),
         xb.shape, xb.dtype.itemsize, "the padded input"),
        ((xb.shape[0], C_out) + tuple(out_sizes), (xb.shape[0], C_out) + unpadded,
         dtype.itemsize, "the layer's output")])
