"""convlib.shapes: mode sizes and layer arithmetic, against brute-force counting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convlib as cl
from convlib.shapes import normalize_padding


def windows_by_counting(n, k, s, lo, hi, d):
    """Number of window starts whose dilated taps all fall inside the padded input."""
    span = d * (k - 1) + 1
    return len(range(0, n + lo + hi - span + 1, s))


@given(n=st.integers(1, 30), k=st.integers(1, 6), s=st.integers(1, 4),
       lo=st.integers(0, 4), hi=st.integers(0, 4), d=st.integers(1, 3))
def test_conv_output_size_counts_windows(n, k, s, lo, hi, d):
    span = d * (k - 1) + 1
    if n + lo + hi < span:
        with pytest.raises(ValueError, match="smaller than the dilated kernel"):
            cl.conv_output_size(n, k, s, (lo, hi), d)
    else:
        assert cl.conv_output_size(n, k, s, (lo, hi), d) == windows_by_counting(
            n, k, s, lo, hi, d)


@given(n=st.integers(1, 12), k=st.integers(1, 5), s=st.integers(1, 4),
       p=st.integers(0, 3), d=st.integers(1, 3), op=st.integers(0, 3))
def test_transpose_size_inverts_forward_size(n, k, s, p, d, op):
    if op >= s and op >= d:
        with pytest.raises(ValueError, match="output_padding must be smaller"):
            cl.conv_transpose_output_size(n, k, s, p, op, d)
        return
    try:
        m = cl.conv_transpose_output_size(n, k, s, p, op, d)
    except ValueError:
        return  # padding larger than the output
    assert m == (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if op < s:
        # the forward convolution maps the transposed output size back to n; output_padding
        # picks one of the s input sizes that the forward floor sends to the same n
        assert cl.conv_output_size(m, k, s, p, d) == n


@pytest.mark.parametrize("s1, s2, full, same, valid, offsets", [
    ((5,), (3,), (7,), (5,), (3,), ((0,), (1,), (2,))),
    ((5,), (4,), (8,), (5,), (2,), ((0,), (1,), (3,))),
    ((3,), (6,), (8,), (3,), (4,), ((0,), (2,), (2,))),
    ((4, 7), (2, 3), (5, 9), (4, 7), (3, 5), ((0, 0), (0, 1), (1, 2))),
])
def test_mode_shapes_and_offsets(s1, s2, full, same, valid, offsets):
    assert cl.output_shape(s1, s2, "full") == full
    assert cl.output_shape(s1, s2, "same") == same
    assert cl.output_shape(s1, s2, "valid") == valid
    assert tuple(cl.mode_offset(s1, s2, m) for m in ("full", "same", "valid")) == offsets


@given(n1=st.integers(1, 9), n2=st.integers(1, 9))
def test_offsets_locate_modes_in_full_output(n1, n2):
    rng = np.random.default_rng(n1 * 10 + n2)
    a, b = rng.standard_normal(n1), rng.standard_normal(n2)
    full = np.convolve(a, b)
    for mode in ("same", "valid"):
        (o,), (L,) = cl.mode_offset((n1,), (n2,), mode), cl.output_shape((n1,), (n2,), mode)
        np.testing.assert_allclose(cl.convolve(a, b, mode), full[o:o + L])


@pytest.mark.parametrize("call, exc, message", [
    (lambda: cl.conv_output_size(0, 3), ValueError, r"conv_output_size: n must be >= 1; got 0"),
    (lambda: cl.conv_output_size(5, 3, stride=0), ValueError, r"stride must be >= 1; got 0"),
    (lambda: cl.conv_output_size(5, 3, dilation=0), ValueError, r"dilation must be >= 1"),
    (lambda: cl.conv_output_size(5, 3, padding=-1), ValueError, r"padding must be >= 0; got -1"),
    (lambda: cl.conv_output_size(5, 3, padding=(1, 2, 3)), ValueError,
     r"padding must be an int or a \(low, high\) pair"),
    (lambda: cl.conv_output_size(5.0, 3), TypeError, r"n must be an integer; got 5.0"),
    (lambda: cl.conv_output_size(5, True), TypeError, r"kernel_size must be an integer"),
    (lambda: cl.conv_transpose_output_size(3, 3, stride=2, output_padding=2), ValueError,
     r"output_padding must be smaller than either stride or dilation; got "
     r"output_padding=2, stride=2, dilation=1"),
    (lambda: cl.conv_transpose_output_size(1, 1, padding=1), ValueError,
     r"^conv_transpose_output_size: padding must leave an output size >= 1; got padding "
     r"\(1, 1\), which leaves -1$"),
    (lambda: cl.output_shape((2, 3), (3, 2), "valid"), ValueError, r"in 'valid' mode"),
    # issue 13: negative sizes and shapes of different lengths were accepted silently
    (lambda: cl.output_shape((-3,), (2,)), ValueError,
     r"^output_shape: shape1 must hold sizes >= 1; got \(-3,\)$"),
    (lambda: cl.output_shape((3,), (0,), "same"), ValueError,
     r"^output_shape: shape2 must hold sizes >= 1; got \(0,\)$"),
    (lambda: cl.output_shape((3, 4), (2,)), ValueError,
     r"^output_shape: shape1 and shape2 must have the same length \(one size per axis\); "
     r"got \(3, 4\) and \(2,\)$"),
    (lambda: cl.output_shape((3, 4), (2,), "same"), ValueError, r"same length"),
    (lambda: cl.output_shape((3.0,), (2,)), TypeError,
     r"^output_shape: shape1 must be a sequence of ints; got \(3.0,\)$"),
    (lambda: cl.output_shape(3, (2,)), TypeError,
     r"^output_shape: shape1 must be a sequence of ints; got 3$"),
    (lambda: cl.output_shape((True,), (2,)), TypeError, r"shape1 must be a sequence of ints"),
    (lambda: cl.mode_offset((-3,), (2,)), ValueError,
     r"^mode_offset: shape1 must hold sizes >= 1; got \(-3,\)$"),
    (lambda: cl.mode_offset((3, 4), (2,), "same"), ValueError,
     r"^mode_offset: shape1 and shape2 must have the same length"),
    # issue 15: the message names the function called, never the one it serves
    (lambda: cl.output_shape((2, 3), (3, 2), "valid"), ValueError,
     r"^output_shape: in .valid. mode"),
    (lambda: cl.mode_offset((2, 3), (3, 2), "valid"), ValueError,
     r"^mode_offset: in .valid. mode"),
    (lambda: cl.shapes.valid_swap_needed((2, 3), (3, 2)), ValueError,
     r"^valid_swap_needed: in .valid. mode"),
    (lambda: cl.shapes.normalize_padding(-1), ValueError,
     r"^normalize_padding: padding must be >= 0; got -1$"),
    (lambda: cl.convolve(np.ones((2, 3)), np.ones((3, 2)), "valid"), ValueError,
     r"^convolve: in .valid. mode"),
])
def test_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_normalize_padding():
    assert normalize_padding(2) == (2, 2)
    assert normalize_padding((0, 3)) == (0, 3)


def test_shapes_accept_numpy_sizes_and_arrays():
    assert cl.output_shape(np.array([5, 4]), (np.int64(3), 2)) == (7, 5)
    assert cl.mode_offset(np.ones((5, 4)).shape, (3, 2), "valid") == (2, 1)
