"""Receptive-field geometry and path counts (convlib.shapes, chapter 11), checked against
brute-force perturbation of convlib.nn layers (which inputs change which output) and
against PyTorch (autograd, and the guide's transposed and pooling cases)."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import nn

LAYER = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
                  st.integers(1, 3))          # (k, s, p, d)


def impulse_responses(layers, n):
    """Row q: the stack's output (kernels of ones) for a unit impulse at input q."""
    y = np.eye(n).reshape(n, 1, n)
    for k, s, p, d in layers:
        y = nn.conv1d(y, np.ones((1, 1, k)), stride=s, padding=p, dilation=d)
    return y[:, 0, :]


@settings(max_examples=60, deadline=None)
@given(st.lists(LAYER, min_size=1, max_size=4))
def test_geometry_and_paths_match_perturbation(layers):
    """Every input that changes output i lies where the geometry and the path counts
    put it; for an output none of whose paths runs through an intermediate layer's
    padding (the whole field is read), the counts are exact."""
    ks, ss, ps, ds = zip(*layers)
    geo = cl.receptive_field_geometry(ks, ss, ps, ds)[-1]
    paths = cl.receptive_field_paths(ks, ss, ds)
    n = geo.size + 3 * geo.jump + 8
    try:
        response = impulse_responses(layers, n)
    except ValueError:        # a layer's padded input is smaller than its kernel
        return
    interior = response.sum(axis=0) == np.prod(ks)     # every path reaches an input
    assert interior.any()
    for i in range(response.shape[1]):
        expected = np.zeros(n, dtype=np.int64)
        lo = geo.start + i * geo.jump
        for m, count in enumerate(paths):
            if 0 <= lo + m < n:
                expected[lo + m] = count
        assert np.all(response[:, i] <= expected)
        if interior[i]:
            np.testing.assert_array_equal(response[:, i], expected)


@given(st.lists(LAYER, min_size=1, max_size=5))
def test_closed_forms(layers):
    ks, ss, ps, ds = zip(*layers)
    geo = cl.receptive_field_geometry(ks, ss, ps, ds)
    paths = cl.receptive_field_paths(ks, ss, ds)
    for L, g in enumerate(geo, start=1):
        before = [int(np.prod(ss[:m])) for m in range(L)]
        assert g.jump == int(np.prod(ss[:L]))
        assert g.start == -sum(p * b for p, b in zip(ps[:L], before))
        assert g.size == cl.receptive_field(ks[:L], ss[:L], ds[:L])
        assert g.center == g.start + (g.size - 1) / 2
    assert len(paths) == geo[-1].size and paths.sum() == np.prod(ks)
    assert paths[0] >= 1 and paths[-1] >= 1


def test_two_dimensional_field_is_the_outer_product():
    rng = np.random.default_rng(0)
    layers = [(3, 2, 1, 1), (3, 1, 1, 2), (2, 1, 0, 1)]
    ks, ss, ps, ds = zip(*layers)
    geo = cl.receptive_field_geometry(ks, ss, ps, ds)[-1]
    paths = cl.receptive_field_paths(ks, ss, ds)
    n = 14
    x = rng.uniform(1, 2, (1, 1, n, n))
    weights = [rng.uniform(0.5, 1.5, (1, 1, k, k)) for k in ks]

    def stack(x):
        for w, (k, s, p, d) in zip(weights, layers):
            x = nn.conv2d(x, w, stride=s, padding=p, dilation=d)
        return x

    base = stack(x)
    perturbed = stack(x + np.eye(n * n).reshape(n * n, 1, n, n))
    for i, j in [(0, 0), (1, 2), (3, 3)]:
        changed = np.abs(perturbed[:, 0, i, j] - base[0, 0, i, j]) > 1e-9
        rows = geo.start + i * geo.jump + np.flatnonzero(paths)
        cols = geo.start + j * geo.jump + np.flatnonzero(paths)
        want = {(r, c) for r in rows for c in cols if 0 <= r < n and 0 <= c < n}
        assert {divmod(int(q), n) for q in np.flatnonzero(changed)} == want


def test_literals():
    assert cl.receptive_field_geometry([]) == ()
    g = cl.receptive_field_geometry([7, 3], [2, 2], [3, (1, 0)])
    assert g == (cl.RFGeometry(7, 2, -3, 0.0), cl.RFGeometry(11, 4, -5, 0.0))
    assert cl.receptive_field_paths([3, 3, 3], dilations=[2, 2, 2]).tolist() == [
        1, 0, 3, 0, 6, 0, 7, 0, 6, 0, 3, 0, 1]
    assert np.all(cl.receptive_field_paths([3, 3, 3], dilations=[1, 2, 5]) > 0)
    assert cl.receptive_field_paths([]).tolist() == [1]


@pytest.mark.parametrize("call,exc,message", [
    (lambda: cl.receptive_field_geometry([3, 3], paddings=[1]), ValueError,
     r"^receptive_field_geometry: paddings must have one entry per layer \(2\); got 1$"),
    (lambda: cl.receptive_field_geometry([3], paddings=[(1, 2, 3)]), ValueError,
     r"^receptive_field_geometry: paddings must be an int or a \(low, high\) pair"),
    (lambda: cl.receptive_field_geometry([3], [1.5]), TypeError,
     r"^receptive_field_geometry: strides must be an integer; got 1.5$"),
    (lambda: cl.receptive_field_geometry(3), TypeError,
     r"^receptive_field_geometry: kernel_sizes must be a sequence of ints"),
    (lambda: cl.receptive_field_paths([3], dilations=[0]), ValueError,
     r"^receptive_field_paths: dilations must be >= 1; got 0$"),
    (lambda: cl.receptive_field_paths([0]), ValueError,
     r"^receptive_field_paths: kernel_sizes must be >= 1; got 0$"),
    (lambda: cl.receptive_field_paths([3] * 40, [4] * 40), ValueError,
     r"^receptive_field_paths: "),
])
def test_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_inputs_are_not_modified():
    ks, ss = [3, 3], np.array([2, 1])
    cl.receptive_field_geometry(ks, ss)
    cl.receptive_field_paths(ks, ss)
    assert ks == [3, 3] and ss.tolist() == [2, 1]


# PyTorch reference outputs, written by tools/fixtures/ch11_torch_reference.py
FIXTURE = np.load(Path(__file__).parent / "fixtures" / "ch11_torch_reference.npz")


@pytest.mark.parametrize("rel", range(8, 15))
def test_guide_transposed_cases_match_torch(rel):
    """Relationships 8-14 of Dumoulin & Visin: the guide's formula, convlib's size
    function and layer, and PyTorch's conv_transpose2d agree, and give back i."""
    i, k, s, p, a = FIXTURE[f"t{rel}_case"].tolist()
    x, w, want = FIXTURE[f"t{rel}_x"], FIXTURE[f"t{rel}_w"], FIXTURE[f"t{rel}_y"]
    i_t = x.shape[-1]
    got = nn.conv_transpose2d(x, w, stride=s, padding=p, output_padding=a)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    guide = s * (i_t - 1) + a + k - 2 * p                   # relationship 14
    size = cl.conv_transpose_output_size(i_t, k, s, p, a)
    assert got.shape[-1] == size == guide == i


def test_pooling_sizes_match_torch():
    for i, k, s, torch_max, torch_avg in FIXTURE["pool_sizes"].tolist():
        x = np.ones((1, 1, i, i))
        ours = (nn.max_pool2d(x, k, s).shape[-1], nn.avg_pool2d(x, k, s).shape[-1])
        assert ours == (torch_max, torch_avg) == ((i - k) // s + 1,) * 2   # rel. 7


@pytest.mark.parametrize("name", ["stem", "d222", "d125", "d129"])
def test_receptive_field_matches_torch_autograd(name):
    """The gradient of one output with respect to the input, through kernels of ones,
    is the path count of every input pixel: the outer product of
    receptive_field_paths, placed where receptive_field_geometry says."""
    layers = FIXTURE[f"rf_{name}_layers"].tolist()
    n, oi, oj = FIXTURE[f"rf_{name}_out"].tolist()
    ks, ss, ps, ds = zip(*layers)
    g = cl.receptive_field_geometry(ks, ss, ps, ds)[-1]
    paths = cl.receptive_field_paths(ks, ss, ds)
    want = np.zeros((n + 2 * g.size, n + 2 * g.size))       # room for the padding
    r0, c0 = g.start + oi * g.jump + g.size, g.start + oj * g.jump + g.size
    want[r0:r0 + g.size, c0:c0 + g.size] = np.outer(paths, paths)
    want = want[g.size:g.size + n, g.size:g.size + n]
    np.testing.assert_array_equal(FIXTURE[f"rf_{name}_grad"], want)
