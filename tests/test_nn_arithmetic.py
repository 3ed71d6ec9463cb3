"""Layer arithmetic in convlib.shapes used by convlib.nn: same_padding, receptive_field,
and the error messages that name the calling function."""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import nn


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
                min_size=1, max_size=4))
def test_receptive_field_is_the_support_of_one_output(layers):
    """Perturb each input of a stack of conv1d layers with positive weights: the inputs
    that change the first output span r samples (with holes if dilated)."""
    ks, ss, ds = zip(*layers)
    r = nn.receptive_field(ks, ss, ds)
    n = r + 8
    x = np.zeros((1, 1, n))

    def first_output(x):
        for k, s, d in layers:
            if x.shape[-1] < d * (k - 1) + 1:
                return None
            x = nn.conv1d(x, np.ones((1, 1, k)), stride=s, dilation=d)
        return x[0, 0, 0]

    assert first_output(x) is not None
    touched = [i for i in range(n)
               if first_output(np.where(np.arange(n) == i, 1.0, x)) != 0]
    assert touched[0] == 0 and touched[-1] == r - 1


def test_receptive_field_literals():
    assert nn.receptive_field([3] * 5) == 11                       # 1 + 5*2
    assert nn.receptive_field([2] * 4, dilations=[1, 2, 4, 8]) == 16  # WaveNet block
    assert nn.receptive_field([3, 3], strides=[2, 1]) == 7         # 1 + 2 + 2*2


def test_receptive_field_errors():
    with pytest.raises(ValueError, match=r"receptive_field: dilations must have one "
                                         r"entry per layer \(2\); got 3"):
        nn.receptive_field([3, 3], dilations=[1, 2, 4])
    with pytest.raises(ValueError, match=r"receptive_field: strides must be >= 1; got 0"):
        nn.receptive_field([3, 3], strides=[1, 0])


@pytest.mark.parametrize("k", range(1, 7))
@pytest.mark.parametrize("d", [1, 2, 3])
def test_same_padding_keeps_the_size(k, d):
    lo, hi = nn.same_padding(k, d)
    assert 0 <= hi - lo <= 1
    assert cl.conv_output_size(10, k, 1, (lo, hi), d) == 10


def test_errors_name_the_calling_function():
    # issue 15: no func= in the public signatures; a layer's error names the layer
    for f in (cl.conv_output_size, cl.conv_transpose_output_size, nn.same_padding,
              cl.output_shape, cl.mode_offset):
        assert "func" not in inspect.signature(f).parameters, f.__name__
    with pytest.raises(ValueError, match=r"^conv2d: the padded input"):
        nn.conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"^conv2d: padding='same' requires stride 1"):
        nn.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"^same_padding: kernel_size must be >= 1"):
        nn.same_padding(0)
    with pytest.raises(ValueError, match=r"^conv_output_size: stride must be >= 1; got 0"):
        cl.conv_output_size(5, 3, stride=0)
    with pytest.raises(ValueError, match=r"^conv_transpose_output_size: output_padding"):
        cl.conv_transpose_output_size(5, 3, stride=2, output_padding=2)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 4), lo=st.integers(0, 3),
       hi=st.integers(0, 3), d=st.integers(1, 3), data=st.data())
def test_windows_containing_is_the_reverse_of_window_indices(n, k, s, lo, hi, d, data):
    # solved per tap now (work ~ kernel_size), instead of scanning every output
    if n + lo + hi < d * (k - 1) + 1:
        return
    L = cl.conv_output_size(n, k, s, (lo, hi), d)
    i = data.draw(st.integers(0, n - 1))
    want = [o for o in range(L) if i in nn.window_indices(o, n, k, s, (lo, hi), d)]
    got = nn.windows_containing(i, n, k, s, (lo, hi), d)
    assert got.dtype == np.int64 and got.tolist() == want


def test_huge_windows_are_refused_before_allocating():
    # issue 13: sizes set by an argument are guarded, naming it
    with pytest.raises(ValueError, match=r"^window_indices: kernel_size asks for an output "
                                         r"of shape \(1000000000000\)"):
        nn.window_indices(0, 10**12, 10**12)
    with pytest.raises(ValueError, match=r"^windows_containing: kernel_size asks for"):
        nn.windows_containing(0, 10**12, 10**12)
    # a huge axis with a small kernel is fine: the answer has at most kernel_size entries
    assert nn.windows_containing(5 * 10**11, 10**12, 3).tolist() == [
        5 * 10**11 - 2, 5 * 10**11 - 1, 5 * 10**11]


@pytest.mark.parametrize("kwargs, match", [
    ({"kernel_sizes": 3}, r"^receptive_field: kernel_sizes must be a sequence of ints, one "
                          r"per layer; got 3$"),
    ({"kernel_sizes": "33"}, r"^receptive_field: kernel_sizes must be a sequence"),
    ({"kernel_sizes": [3, 3], "strides": 2}, r"^receptive_field: strides must be a sequence"),
    ({"kernel_sizes": [3], "dilations": 1.5}, r"^receptive_field: dilations must be a sequence"),
])
def test_receptive_field_refuses_non_sequences(kwargs, match):
    # these raised Python's "'int' object is not iterable"
    with pytest.raises(TypeError, match=match):
        nn.receptive_field(**kwargs)
    assert nn.receptive_field(np.array([3, 3]), dilations=np.array([1, 2])) == 7
