"""convlib.radix2 (the teaching FFT, its operation count, the DTFT): against NumPy, SciPy,
the DFT matrix, the operation-count formulas and hand-computed literals."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib.radix2 import (bit_reversal, dtft, fft_radix2, radix2_op_count,
                            radix2_stages)

LENGTHS = [2**k for k in range(13)]                  # 1 .. 4096
DTYPES = [np.bool_, np.int8, np.int64, np.float16, np.float32, np.float64,
          np.complex64, np.complex128, np.longdouble]


def relative_error(actual, desired) -> float:
    """Norm-wise: an FFT's rounding error is spread evenly over its outputs."""
    desired = np.asarray(desired, np.clongdouble)
    scale = np.linalg.norm(desired.ravel()) or 1.0
    return float(np.linalg.norm((np.asarray(actual, np.clongdouble) - desired).ravel())
                 / scale)


def tolerance(dtype, n: int) -> float:
    # A radix-2 FFT's norm-wise relative error grows like eps * log2 n (Higham,
    # "Accuracy and Stability of Numerical Algorithms", section 24.1); 5 eps per level
    # covers the twiddle factors' own rounding. The twiddles are computed in complex128,
    # so long double is held to float64's eps.
    real = np.finfo(np.result_type(dtype, np.complex64)).dtype
    eps = max(np.finfo(real).eps, np.finfo(np.float64).eps)
    return 5 * eps * max(1, np.log2(n))


def test_hand_computed():
    # even [1, 3] -> [4, -2], odd [2, 4] -> [6, -2]; twiddles [1, -i] -> t = [6, 2i]
    # (exp(-i pi/2) is -i up to one rounding of cos(pi/2): hence the tolerance)
    np.testing.assert_allclose(fft_radix2([1, 2, 3, 4]), [10, -2 + 2j, -2, -2 - 2j],
                               rtol=0, atol=1e-15)
    assert fft_radix2([5]).tolist() == [5]
    assert fft_radix2([1, -1]).tolist() == [0, 2]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("n", LENGTHS)
def test_equals_numpy(n, dtype):
    rng = np.random.default_rng(n)
    values = rng.standard_normal(n) * 4
    if np.dtype(dtype).kind == "c":
        values = values + 1j * rng.standard_normal(n)
    x = (values > 0) if dtype is np.bool_ else values.astype(dtype)
    reference = np.fft.fft(x)
    ours = fft_radix2(x)
    assert ours.dtype == reference.dtype and ours.shape == (n,)
    assert relative_error(ours, reference) <= tolerance(dtype, n)


@pytest.mark.parametrize("n", [1, 2, 8, 64])
def test_equals_dft_matrix_and_batches_rows(n):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, n)) + 1j * rng.standard_normal((3, 2, n))
    np.testing.assert_allclose(fft_radix2(x), x @ cl.dft_matrix(n).T, atol=1e-12 * n)
    np.testing.assert_allclose(fft_radix2(x), np.fft.fft(x, axis=-1), atol=1e-12 * n)


# no subnormal inputs: their products with the twiddle factors keep only a few bits, so
# no bound relative to the result's norm holds (hypothesis found x = [0, 2.2e-311, 0, ...])
@given(st.integers(0, 10).flatmap(lambda k: hnp.arrays(
    np.float64, 2**k, elements=st.floats(-1e3, 1e3, allow_nan=False,
                                         allow_subnormal=False))))
def test_property_linear_and_parseval(x):
    X = fft_radix2(x)
    assert relative_error(X, np.fft.fft(x)) <= tolerance(np.float64, x.size)
    # Parseval: sum |X|^2 = n sum |x|^2
    assert np.isclose((np.abs(X) ** 2).sum(), x.size * (x ** 2).sum(), rtol=1e-9,
                      atol=1e-9)
    np.testing.assert_allclose(fft_radix2(3 * x), 3 * X, atol=1e-9 * (1 + abs(x).sum()))


def test_input_not_modified():
    x = np.arange(8.0)
    before = x.copy()
    out = fft_radix2(x)
    np.testing.assert_array_equal(x, before)
    one = np.array([2.0 + 1j])
    out = fft_radix2(one)
    out[0] = 0                                     # a new array, not a view of the input
    assert one[0] == 2.0 + 1j


@pytest.mark.parametrize("x, exc, message", [
    ([1, 2, 3], ValueError, "the length of x's last axis must be a power of two"),
    (np.ones((2, 6)), ValueError, "power of two (1, 2, 4, 8, ...); got 6"),
    ([], ValueError, "x must not be empty"),
    (3.0, ValueError, "x must have at least 1 dimension"),
    (["a", "b"], TypeError, "x must hold numbers"),
])
def test_fft_errors(x, exc, message):
    with pytest.raises(exc, match="^fft_radix2: ") as info:
        fft_radix2(x)
    assert message in str(info.value)


@pytest.mark.parametrize("n", LENGTHS + [2**16])
def test_op_count_matches_formulas(n):
    counts = radix2_op_count(n)
    log2n = n.bit_length() - 1
    assert counts == {"multiplications": n // 2 * log2n, "additions": n * log2n}
    if n >= 8:                                  # far fewer than the DFT matrix's n**2
        assert counts["multiplications"] < n * n / 2


@pytest.mark.parametrize("n, exc, message", [
    (12, ValueError, "n must be a power of two"), (0, ValueError, "n must be >= 1"),
    (4.0, TypeError, "n must be an integer"), (True, TypeError, "n must be an integer"),
    (2**60, ValueError, "more than the limit"),
])
def test_op_count_errors(n, exc, message):
    with pytest.raises(exc, match="^radix2_op_count: ") as info:
        radix2_op_count(n)
    assert message in str(info.value)


@pytest.mark.parametrize("h", [[1.0], [0.25, 0.5, 0.25], np.ones(7) / 7,
                               [1 + 2j, -1j, 0.5, 3.0]])
def test_dtft_against_freqz_and_the_dft(h):
    omega = np.linspace(-np.pi, 2 * np.pi, 301)
    _, reference = scipy.signal.freqz(h, worN=omega)
    np.testing.assert_allclose(dtft(h, omega), reference, atol=1e-12)
    # the DFT of h zero-padded to P >= M samples the DTFT at 2 pi k / P
    for P in (len(h), 16, 33):
        np.testing.assert_allclose(dtft(h, 2 * np.pi * np.arange(P) / P),
                                   np.fft.fft(h, P), atol=1e-12)


def test_dtft_shapes_and_closed_form():
    omega = np.linspace(0.1, 3.0, 12).reshape(3, 4)
    box = dtft(np.ones(5), omega)
    assert box.shape == (3, 4) and box.dtype == np.complex128
    dirichlet = np.sin(5 * omega / 2) / np.sin(omega / 2) * np.exp(-2j * omega)
    np.testing.assert_allclose(box, dirichlet, atol=1e-12)
    assert dtft([2, 1], 0.0) == 3 and dtft([1], []).shape == (0,)


@pytest.mark.parametrize("h, omega, exc, message", [
    ([1, 2], 1j, TypeError, "omega must be real; got dtype complex128"),
    ([[1, 2]], 0.0, ValueError, "h must be 1-D"),
    ([], 0.0, ValueError, "h must not be empty"),
    ([1, 2], ["a"], TypeError, "omega must hold numbers"),
    (np.ones(10**5), np.zeros(10**5), ValueError, "more than the limit"),
])
def test_dtft_errors(h, omega, exc, message):
    with pytest.raises(exc, match="^dtft: ") as info:
        dtft(h, omega)
    assert message in str(info.value)


@pytest.mark.parametrize("n", LENGTHS)
def test_bit_reversal_reverses_the_bits(n):
    bits = n.bit_length() - 1
    expected = [int(f"{p:0{bits}b}"[::-1] or "0", 2) for p in range(n)]  # by strings
    order = bit_reversal(n)
    assert order.tolist() == expected and order.dtype == np.int64
    np.testing.assert_array_equal(order[order], np.arange(n))     # an involution


@pytest.mark.parametrize("n", [1, 2, 4, 8, 64])
def test_stages_are_the_dfts_of_the_decimated_subsequences(n):
    x = np.random.default_rng(n).standard_normal(n) + 1j
    stages = radix2_stages(x)
    assert len(stages) == n.bit_length() and all(s.shape == (n,) for s in stages)
    np.testing.assert_array_equal(stages[0], x[bit_reversal(n)])
    for level, values in enumerate(stages):
        m = 2**level
        for b in range(n // m):          # block b: the DFT of every (n/m)-th sample
            start = bit_reversal(n)[b * m]
            np.testing.assert_allclose(values[b * m:(b + 1) * m],
                                       np.fft.fft(x[start::n // m]), atol=1e-12 * n)
    np.testing.assert_allclose(stages[-1], fft_radix2(x), atol=1e-12 * n)


def test_stages_hand_example_and_input_kept():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    stages = radix2_stages(x)
    np.testing.assert_allclose(stages[1], [4, -2, 6, -2], atol=1e-15)
    np.testing.assert_array_equal(x, [1, 2, 3, 4])


@pytest.mark.parametrize("func, arg, exc, message", [
    (bit_reversal, 6, ValueError, "bit_reversal: n must be a power of two"),
    (bit_reversal, 0, ValueError, "bit_reversal: n must be >= 1"),
    (bit_reversal, 2.0, TypeError, "bit_reversal: n must be an integer"),
    (bit_reversal, 2**62, ValueError, "more than the limit"),
    (radix2_stages, [1, 2, 3], ValueError,
     "radix2_stages: the length of x must be a power of two"),
    (radix2_stages, [[1, 2]], ValueError, "radix2_stages: x must be 1-D"),
    (radix2_stages, [], ValueError, "radix2_stages: x must not be empty"),
])
def test_stage_errors(func, arg, exc, message):
    with pytest.raises(exc) as info:
        func(arg)
    assert message in str(info.value)
