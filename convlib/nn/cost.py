"""What a convolution layer costs: parameters, multiply-adds, bytes moved, intensity.

``layer_cost`` counts, for one layer, the work (multiply-adds, FLOPs) and the memory
traffic of an ideal implementation that reads its input and weights once and writes its
output once; their ratio is the layer's **arithmetic intensity** in FLOP per byte, the
horizontal axis of the roofline model (Williams, Waterman and Patterson 2009). A layer
whose intensity is below a machine's ratio of peak FLOP/s to memory bandwidth cannot
keep the arithmetic units busy: it is memory-bound. ``chain_cost`` adds the costs of
layers run one after another (e.g. a depthwise-separable pair). Chapter 10 tabulates
them for the layer variants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .._typing import IntOrSeq, Padding
from .._validation import check_int
from ._args import output_sizes, padding_pairs, per_axis

__all__ = ["layer_cost", "chain_cost"]

_ADDITIVE = ("params", "macs", "flops", "input_bytes", "weight_bytes", "output_bytes",
             "bytes")


def layer_cost(in_channels: int, out_channels: int, kernel_size: IntOrSeq,
               input_size: IntOrSeq, *, groups: int = 1, stride: IntOrSeq = 1,
               padding: Padding = 0, dilation: IntOrSeq = 1, batch: int = 1,
               bias: bool = True, itemsize: int = 4) -> dict[str, Any]:
    """Parameters, multiply-adds, bytes moved and arithmetic intensity of one layer.

    The layer is :func:`convlib.nn.conv1d`, ``conv2d`` or ``conv3d`` (one spatial axis
    per entry of ``input_size``) with the given arguments; nothing is computed on data.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C_in`` and ``C_out``, both divisible by ``groups``.
    kernel_size : int or sequence of int
        ``k`` per spatial axis (an int: the same on every axis).
    input_size : int or sequence of int
        The spatial size of one input, e.g. ``(H, W)``; an int means one spatial axis.
    groups, stride, padding, dilation
        As in :func:`convlib.nn.conv2d` (``padding`` an int, a tuple, ``(low, high)``
        pairs, ``'valid'`` or ``'same'``).
    batch : int
        ``N``, the number of inputs.
    bias : bool
        Whether the layer has a bias (``C_out`` more parameters).
    itemsize : int
        Bytes per number: 4 for float32 (the default), 2 for float16, 8 for float64.

    Returns
    -------
    dict
        ``params`` (weights and biases); ``macs``, the multiply-adds
        ``N * C_out * prod(out) * (C_in/groups) * prod(k)``; ``flops = 2 * macs`` (a
        multiply and an add each; the bias additions are not counted);
        ``input_bytes = N * C_in * prod(input_size) * itemsize``;
        ``weight_bytes = params * itemsize``;
        ``output_bytes = N * C_out * prod(out) * itemsize`` (the activation memory the
        layer's output occupies); ``bytes``, their sum, the traffic of an ideal
        implementation; ``intensity = flops / bytes`` in FLOP per byte; and ``out``,
        the output's spatial size.

    Raises
    ------
    ValueError
        If a size is < 1, ``groups`` does not divide both channel counts, or the
        arguments are invalid for the layer (as :func:`convlib.nn.conv2d` says).
    TypeError
        If a count is not an integer, or ``bias`` is not a bool.

    See Also
    --------
    chain_cost, conv2d

    Notes
    -----
    The byte count is a lower bound: a real kernel re-reads inputs or weights when they
    do not fit in cache (im2col copies each input ``prod(k)`` times, chapter 8), so its
    traffic is higher and its effective intensity lower. Taught in
    :ref:`ch-conv-layers`.

    References
    ----------
    Williams, Waterman and Patterson (2009), Roofline: an insightful visual performance
    model for multicore architectures, *Communications of the ACM* 52(4), 65-76.

    Examples
    --------
    >>> c = layer_cost(64, 64, 3, (56, 56), padding="same")
    >>> c["params"], c["macs"], c["bytes"], round(c["intensity"], 1)
    (36928, 115605504, 1753344, 131.9)
    >>> layer_cost(64, 64, 3, (56, 56), groups=64, padding="same")["macs"]
    1806336
    >>> layer_cost(8, 6, 3, (5, 5), groups=4)
    Traceback (most recent call last):
    ...
    ValueError: layer_cost: groups must divide in_channels and out_channels; got groups=4, in_channels=8, out_channels=6
    """
    func = "layer_cost"
    C_in = check_int(in_channels, "in_channels", func, minimum=1)
    C_out = check_int(out_channels, "out_channels", func, minimum=1)
    groups = check_int(groups, "groups", func, minimum=1)
    if C_in % groups or C_out % groups:
        raise ValueError(f"{func}: groups must divide in_channels and out_channels; got "
                         f"groups={groups}, in_channels={C_in}, out_channels={C_out}")
    size = per_axis(input_size, 1 if np.ndim(input_size) == 0 else len(cast(Sequence[int], input_size)),
                    "input_size", func, 1)
    nd = len(size)
    k = per_axis(kernel_size, nd, "kernel_size", func, 1)
    s = per_axis(stride, nd, "stride", func, 1)
    d = per_axis(dilation, nd, "dilation", func, 1)
    N = check_int(batch, "batch", func, minimum=1)
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"{func}: bias must be True or False; got {bias!r}")
    itemsize = check_int(itemsize, "itemsize", func, minimum=1)
    out = output_sizes(size, k, s, padding_pairs(padding, k, s, d, func), d, func)
    taps = _prod(k)
    params = C_out * (C_in // groups) * taps + (C_out if bias else 0)
    macs = N * C_out * _prod(out) * (C_in // groups) * taps
    cost = dict(params=params, macs=macs, flops=2 * macs,
                input_bytes=N * C_in * _prod(size) * itemsize,
                weight_bytes=params * itemsize,
                output_bytes=N * C_out * _prod(out) * itemsize)
    return _finish(cost, out)


def chain_cost(costs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The cost of layers run one after another, each as :func:`layer_cost` counts it.

    Parameters
    ----------
    costs : sequence of dict
        ``layer_cost`` results, in the order the layers run (at least one).

    Returns
    -------
    dict
        The sums of ``params``, ``macs``, ``flops`` and of the bytes, and the
        ``intensity`` of the sums; ``out`` is the last layer's. Each intermediate
        activation is counted twice, written by one layer and read by the next: the
        traffic of running the layers separately, not fused.

    Raises
    ------
    ValueError
        If ``costs`` is empty.

    Examples
    --------
    >>> dw = layer_cost(64, 64, 3, (56, 56), groups=64, padding="same")
    >>> pw = layer_cost(64, 64, 1, (56, 56))
    >>> pair = chain_cost([dw, pw])
    >>> pair["macs"] == dw["macs"] + pw["macs"], pair["bytes"]
    (True, 3230464)
    """
    costs = list(costs)
    if not costs:
        raise ValueError("chain_cost: costs must hold at least one layer's cost; got none")
    total = {key: sum(c[key] for c in costs) for key in _ADDITIVE if key != "bytes"}
    return _finish(total, costs[-1]["out"])


def _finish(cost: dict[str, Any], out: Sequence[int]) -> dict[str, Any]:
    cost["bytes"] = cost["input_bytes"] + cost["weight_bytes"] + cost["output_bytes"]
    cost["intensity"] = cost["flops"] / cost["bytes"]
    cost["out"] = tuple(out)
    return cost


def _prod(values: Sequence[int]) -> int:
    result = 1
    for v in values:
        result *= int(v)
    return result
