"""What convlib's tests share: paths, modes, SciPy oracles, hypothesis strategies, dtypes
and tolerances. Defined here once; test modules import from here, never from each other.

A module of its own, imported by name (``from support import array_pairs``), not from
``conftest``: book/ has a conftest.py too, and ``import conftest`` would return
whichever of the two pytest loaded last. (Fixtures live in tests/conftest.py, which
also puts tools/ on the import path for the tests of tools/notebook_tools.py.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: the repository's root
ROOT = Path(__file__).resolve().parents[1]

#: the output modes of convolve and correlate (SciPy's)
MODES = ("full", "same", "valid")

# dtypes the contract covers, with the absolute tolerance factor used against a reference
# computed in a different summation order: a few ulps (eps = 2.2e-16 for float64, 1.2e-7
# for float32) times the number of terms, relative to the sum of |terms| (see bound()).
DTYPES = [np.int64, np.float32, np.float64, np.complex128]
RTOL = {np.dtype(np.int64): 0, np.dtype(np.float32): 1e-5,
        np.dtype(np.float64): 1e-12, np.dtype(np.complex128): 1e-12}


def elements(dtype):
    """Small integers for exactness, bounded floats so tolerances stay meaningful."""
    if np.dtype(dtype).kind in "iu":
        return st.integers(-20, 20)
    if np.dtype(dtype).kind == "c":
        return st.complex_numbers(max_magnitude=10, allow_nan=False, allow_infinity=False)
    return st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def array_pairs(draw, ndim=None, max_side=6, dtypes=DTYPES):
    """Two arrays of equal ndim and a shared dtype; sides from 1 to ``max_side``."""
    ndim = ndim or draw(st.integers(1, 3))
    dtype = draw(st.sampled_from(dtypes))
    shapes = [tuple(draw(st.lists(st.integers(1, max_side), min_size=ndim, max_size=ndim)))
              for _ in range(2)]
    a, b = (draw(hnp.arrays(dtype, s, elements=elements(dtype))) for s in shapes)
    return a, b


def bound(a, b, reference_conv):
    """Elementwise sum of |terms| of a convolution: the scale of rounding errors."""
    return np.abs(reference_conv(np.abs(a).astype(float), np.abs(b).astype(float)))


def assert_close(actual, desired, scale):
    """Exact for integers; otherwise within RTOL[dtype] of the terms' magnitude."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.dtype == desired.dtype, (actual.dtype, desired.dtype)
    assert actual.shape == desired.shape, (actual.shape, desired.shape)
    rtol = RTOL.get(actual.dtype, 1e-12)
    if rtol == 0:
        np.testing.assert_array_equal(actual, desired)
    else:
        assert np.all(np.abs(actual - desired) <= rtol * (scale + 1)), \
            np.abs(actual - desired).max()


def assert_close_to_max(actual, desired):
    """Same dtype and shape, and within RTOL[dtype] relative to each sample and to the
    largest magnitude of ``desired`` (the compiled layers against the NumPy path)."""
    assert actual.dtype == desired.dtype and actual.shape == desired.shape
    rtol = RTOL[actual.dtype]
    assert np.allclose(actual, desired, rtol=rtol, atol=rtol * np.abs(desired).max())


def scipy_or_none(func, *args, **kwargs):
    """``func(*args, **kwargs)``, a SciPy reference, or None where SciPy refuses the inputs
    with a ValueError ('valid' with neither input at least as large as the other)."""
    try:
        return func(*args, **kwargs)
    except ValueError:
        return None


# FFT rounding error is global: every output sample is an inverse DFT of all products,
# so it is bounded by a few ulps x log2(FFT length) x sum|a| x max|b| (the largest
# possible output magnitude), not by the local output. eps is 1.2e-7 for float32 and
# 2.2e-16 for float64/complex128; the factor 50 covers log2 of the lengths used here
# (at most ~2**10) and the few operations per point.
EPS = {np.dtype(np.float32): 1.2e-7, np.dtype(np.float64): 2.2e-16,
       np.dtype(np.complex64): 1.2e-7, np.dtype(np.complex128): 2.2e-16}


def fft_tol(a, b, out_dtype):
    """The absolute error bound of an FFT-based convolution of a and b (see EPS)."""
    eps = max(EPS.get(np.dtype(out_dtype), 2.2e-16),
              *(EPS.get(x.dtype, 2.2e-16) for x in (a, b)))
    return 50 * eps * (np.abs(a).sum() * np.abs(b).max() + 1)


def assert_fft_close(actual, desired, a, b):
    """Same dtype and shape, and within fft_tol of the reference."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.dtype == desired.dtype, (actual.dtype, desired.dtype)
    assert actual.shape == desired.shape, (actual.shape, desired.shape)
    if actual.size:
        err = np.abs(actual.astype(complex) - desired).max()
        assert err <= fft_tol(a, b, actual.dtype), err
