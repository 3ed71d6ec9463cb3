"""Loop references for convlib.nn, written from the definitions (tests only).

Slow and obvious on purpose: every output element is one explicit sum, every size comes
from "how many windows fit", and nothing is shared with convlib.
"""

from itertools import product

import numpy as np


def conv(x, w, b=None, stride=None, pads=None, dilation=None, groups=1):
    """N-d cross-correlation layer. x (N, C_in, *S), w (C_out, C_in/groups, *K)."""
    nd = x.ndim - 2
    stride, dilation = stride or (1,) * nd, dilation or (1,) * nd
    xp = np.pad(x, [(0, 0), (0, 0)] + list(pads or [(0, 0)] * nd))
    C_out, Cg, *K = w.shape
    outs = []
    for n, k, s, d in zip(xp.shape[2:], K, stride, dilation):
        count = 0
        while s * count + d * (k - 1) < n:  # the window starting at s*count fits
            count += 1
        outs.append(count)
    y = np.zeros((x.shape[0], C_out, *outs), dtype=np.result_type(x, w))
    for n, o in product(range(x.shape[0]), range(C_out)):
        g = o // (C_out // groups)
        for pos in product(*map(range, outs)):
            for c in range(Cg):
                for tap in product(*map(range, K)):
                    idx = tuple(s * p + d * t for s, p, d, t in
                                zip(stride, pos, dilation, tap))
                    y[(n, o) + pos] += w[(o, c) + tap] * xp[(n, g * Cg + c) + idx]
    return y if b is None else y + np.reshape(b, (-1,) + (1,) * nd)


def conv_transpose(x, w, b=None, stride=None, pads=None, output_padding=None,
                   dilation=None, groups=1):
    """N-d transposed convolution: every input value scatters a scaled kernel copy.
    x (N, C_in, *S), w (C_in, C_out/groups, *K)."""
    nd = x.ndim - 2
    stride, dilation = stride or (1,) * nd, dilation or (1,) * nd
    pads, op = pads or [(0, 0)] * nd, output_padding or (0,) * nd
    C_in, Og, *K = w.shape
    full = [(n - 1) * s + d * (k - 1) + 1 + o
            for n, s, d, k, o in zip(x.shape[2:], stride, dilation, K, op)]
    y = np.zeros((x.shape[0], Og * groups, *full), dtype=np.result_type(x, w))
    for n, c in product(range(x.shape[0]), range(C_in)):
        g = c // (C_in // groups)
        for pos in product(*map(range, x.shape[2:])):
            for o, tap in product(range(Og), product(*map(range, K))):
                idx = tuple(s * p + d * t for s, p, d, t in
                            zip(stride, pos, dilation, tap))
                y[(n, g * Og + o) + idx] += x[(n, c) + pos] * w[(c, o) + tap]
    crop = tuple(slice(lo, f - hi) for (lo, hi), f in zip(pads, full))
    y = y[(slice(None), slice(None)) + crop]
    return y if b is None else y + np.reshape(b, (-1,) + (1,) * nd)


def pool2d(x, kernel, stride, padding, how):
    """Max ('max', padding -inf) or mean ('avg', zero padding counted) of each window."""
    fill = -np.inf if how == "max" else 0.0
    xp = np.pad(x.astype(float), [(0, 0), (0, 0)] + [(p, p) for p in padding],
                constant_values=fill)
    outs = [(n - k) // s + 1 for n, k, s in zip(xp.shape[2:], kernel, stride)]
    y = np.zeros(x.shape[:2] + tuple(outs))
    for n, c, p, q in product(*map(range, y.shape)):
        win = xp[n, c, p * stride[0]: p * stride[0] + kernel[0],
                 q * stride[1]: q * stride[1] + kernel[1]]
        y[n, c, p, q] = win.max() if how == "max" else win.sum() / win.size
    return y
