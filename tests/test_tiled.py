"""convlib.tiled: tiled and dask convolution against the in-memory one, every error."""

import io

import dask
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib import tiled
from support import DTYPES, MODES, assert_close, bound, elements


@st.composite
def image_case(draw, modes=MODES):
    dtype = draw(st.sampled_from(DTYPES))
    mode = draw(st.sampled_from(modes))
    x_shape = (draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    h_shape = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    if mode == "valid":
        h_shape = tuple(min(a, b) for a, b in zip(h_shape, x_shape))
    x = draw(hnp.arrays(dtype, x_shape, elements=elements(dtype)))
    h = draw(hnp.arrays(dtype, h_shape, elements=elements(dtype)))
    tile = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    return x, h, mode, tile


@given(image_case())
def test_tiled_equals_in_memory(case):
    x, h, mode, tile = case
    got = tiled.tiled_convolve2d(x, h, mode, tile_shape=tile)
    ref = cl.convolve2d(x, h, mode)
    # exact for integers; floats within a few ulps of the terms (conftest.RTOL)
    assert_close(got, ref, bound(x, h, lambda a, b: cl.convolve2d(a, b, mode)))
    if x.size >= h.size:        # same taps, same order as the in-memory direct method
        np.testing.assert_array_equal(got, cl.convolve(x, h, mode, method="direct"))


@given(image_case(modes=("same",)))
def test_dask_equals_in_memory(case):
    x, h, _, tile = case
    with dask.config.set(scheduler="synchronous"):
        got = tiled.dask_convolve2d(x, h, chunks=tile).compute()
    assert_close(got, cl.convolve2d(x, h, "same"),
                 bound(x, h, lambda a, b: cl.convolve2d(a, b, "same")))


@given(image_case())
def test_dask_blockwise_equals_in_memory(case):
    x, h, mode, tile = case
    got = tiled.dask_convolve2d(x, h, mode, chunks=tile, blockwise=True)
    got = got.compute(scheduler="synchronous")
    assert_close(got, cl.convolve2d(x, h, mode),
                 bound(x, h, lambda a, b: cl.convolve2d(a, b, mode)))


def test_npy_array_pickles_as_its_path(tmp_path):
    import pickle
    x = np.arange(200 * 300, dtype=np.float64).reshape(200, 300)
    np.save(tmp_path / "x.npy", x)
    a = tiled.NpyArray(tmp_path / "x.npy")
    assert (a.shape, a.dtype, a.ndim) == ((200, 300), np.float64, 2)
    assert len(pickle.dumps(a)) < 1000 < x.nbytes       # a memmap would carry its data
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(b[5:9, ::7], x[5:9, ::7])
    with pytest.raises(ValueError, match="NpyArray: .* was opened read-only"):
        a[0, 0] = 1.0
    w = tiled.NpyArray(tmp_path / "x.npy", writable=True)
    w[1:3, 2] = -1.0
    assert np.load(tmp_path / "x.npy")[1:3, 2].tolist() == [-1.0, -1.0]


def test_dask_blockwise_store_into_npy_files(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 61))
    np.save(tmp_path / "x.npy", x)
    np.lib.format.open_memmap(tmp_path / "y.npy", "w+", np.float64, (54, 63)).flush()
    src, dst = tiled.NpyArray(tmp_path / "x.npy"), tiled.NpyArray(tmp_path / "y.npy", True)
    import dask.array as da
    h = rng.standard_normal((5, 3))
    da.store(tiled.dask_convolve2d(src, h, "full", chunks=(16, 20), blockwise=True),
             dst, lock=False, scheduler="threads", num_workers=2)
    # float64: sums of 15 products: a few ulps (eps 2.2e-16) of their magnitude
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), cl.convolve2d(x, h, "full"),
                               atol=1e-12)


def test_dask_threads_and_memmap_store(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((70, 45)).astype(np.float32)
    src = np.lib.format.open_memmap(tmp_path / "x.npy", "w+", np.float32, x.shape)
    src[:] = x
    src.flush()
    out = np.lib.format.open_memmap(tmp_path / "y.npy", "w+", np.float32, x.shape)
    h = cl.kernels.gaussian2d(1.5)
    import dask.array as da
    da.store(tiled.dask_convolve2d(src, h, chunks=16), out, lock=False,
             scheduler="threads", num_workers=2)
    # float32: a sum of 169 products of numbers below 5: ~1e-5 relative (eps 1.2e-7)
    np.testing.assert_allclose(out, cl.convolve2d(x, h, "same"), rtol=1e-5, atol=1e-5)


def test_memmap_in_and_out_and_progress(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.integers(-50, 50, (37, 53))
    src = np.lib.format.open_memmap(tmp_path / "x.npy", "w+", x.dtype, x.shape)
    src[:] = x
    out = np.lib.format.open_memmap(tmp_path / "y.npy", "w+", x.dtype, (41, 57))
    calls = []
    res = tiled.tiled_convolve2d(src, np.ones((5, 5), int), "full", tile_shape=(10, 20),
                                 out=out, progress=lambda d, t: calls.append((d, t)))
    assert res is out
    np.testing.assert_array_equal(out, cl.convolve2d(x, np.ones((5, 5), int), "full"))
    assert calls == [(i, 15) for i in range(1, 16)]       # 5 x 3 tiles


class Sliceable:
    """An array-like that records what was read: only tiles plus halos, never all."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.reads = a, a.shape, a.dtype, []

    def __getitem__(self, key):
        self.reads.append(self.a[key].size)
        return self.a[key]


def test_reads_are_bounded_by_tile_plus_halo():
    x = Sliceable(np.arange(100 * 90, dtype=float).reshape(100, 90))
    y = tiled.tiled_convolve2d(x, np.ones((7, 5)), tile_shape=(20, 30))
    np.testing.assert_array_equal(y, cl.convolve(x.a, np.ones((7, 5)), "same",
                                                 method="direct"))
    assert max(x.reads) <= (20 + 6) * (30 + 4) and len(x.reads) == 15


def test_read_window_and_tiles():
    assert tiled.read_window(slice(0, 4), slice(4, 8), (8, 8), (3, 3)) == ((-1, 5),
                                                                        (3, 9))
    assert tiled.read_window(slice(2, 3), slice(0, 1), (5, 5), (2, 4), "full") == \
        ((1, 3), (-3, 1))
    tiles = tiled.tile_slices((5, 7), (2, 3))
    cover = np.zeros((5, 7), int)
    for r, c in tiles:
        cover[r, c] += 1
    assert len(tiles) == 9 and (cover == 1).all()


def test_text_progress_is_deterministic():
    buf = io.StringIO()
    bar = tiled.TextProgress("tiles", width=10, file=buf)
    for done in range(1, 4):
        bar(done, 3)
    for done in range(1, 21):                # reusable: a second run prints a new bar
        bar(done, 20)
    assert buf.getvalue() == "tiles |##########| 3/3\ntiles |##########| 20/20\n"


def test_inputs_not_modified():
    x = np.arange(20.0).reshape(4, 5)
    h = np.ones((2, 2))
    before = x.copy(), h.copy()
    tiled.tiled_convolve2d(x, h, tile_shape=2)
    tiled.dask_convolve2d(x, h, chunks=2).compute(scheduler="sync")
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(h, before[1])


@pytest.mark.parametrize("call, exc, match", [
    (lambda: tiled.tiled_convolve2d([[1, 2]], [[1]]), TypeError,
     "tiled_convolve2d: x must be an array-like with shape, dtype and slicing"),
    (lambda: tiled.tiled_convolve2d(np.ones(3), [[1]]), ValueError,
     r"tiled_convolve2d: x must be 2-D; got shape \(3,\)"),
    (lambda: tiled.tiled_convolve2d(np.ones((0, 3)), [[1]]), ValueError,
     "tiled_convolve2d: x must be a non-empty array of numbers"),
    (lambda: tiled.tiled_convolve2d(np.array([["a"]]), [[1]]), ValueError,
     "tiled_convolve2d: x must be a non-empty array of numbers; got dtype <U1"),
    (lambda: tiled.tiled_convolve2d(np.ones((3, 3)), [1]), ValueError,
     "tiled_convolve2d: h must be 2-D"),
    (lambda: tiled.tiled_convolve2d(np.ones((3, 3)), [[1]], "middle"), ValueError,
     "tiled_convolve2d: mode must be one of 'full', 'same', 'valid'"),
    (lambda: tiled.tiled_convolve2d(np.ones((3, 3)), np.ones((4, 1)), "valid"),
     ValueError, "in 'valid' mode x must be at least as large as h"),
    (lambda: tiled.tiled_convolve2d(np.ones((3, 3)), [[1]], tile_shape=0), ValueError,
     "tiled_convolve2d: tile_shape must be >= 1"),
    (lambda: tiled.tiled_convolve2d(np.ones((3, 3)), [[1]], out=np.ones((2, 2))),
     ValueError, r"tiled_convolve2d: out must have shape \(3, 3\); got \(2, 2\)"),
    (lambda: tiled.tiled_convolve2d(np.ones((3, 3)), [[1]], method="magic"), ValueError,
     "tiled_convolve2d: method must be one of 'auto', 'loops', 'direct'"),
    (lambda: tiled.dask_convolve2d(np.ones((3, 3)), [[1]], method="magic"), ValueError,
     "dask_convolve2d: method must be one of 'auto', 'loops', 'direct'"),
    (lambda: tiled.dask_convolve2d(np.ones((3, 3)), [1]), ValueError,
     "dask_convolve2d: h must be 2-D"),
    (lambda: tiled.dask_convolve2d(np.ones(3), [[1]]), ValueError,
     "dask_convolve2d: x must be 2-D"),
    (lambda: tiled.dask_convolve2d(np.ones((3, 3)), [[1]], chunks=0), ValueError,
     "dask_convolve2d: chunks must be >= 1"),
    (lambda: tiled.dask_convolve2d(np.ones((3, 3)), [[1]], "full"), ValueError,
     "dask_convolve2d: map_overlap serves mode 'same' only"),
    (lambda: tiled.dask_convolve2d(np.ones((3, 3)), [[1]], "middle"), ValueError,
     "dask_convolve2d: mode must be one of"),
    (lambda: tiled.dask_convolve2d(__import__("dask.array").array.ones((3, 3)), [[1]],
                                   blockwise=True), TypeError,
     "dask_convolve2d: blockwise=True reads tiles from an array-like"),
    (lambda: tiled.dask_convolve2d(np.ones((3, 3)), np.ones((4, 4)), "valid",
                                   blockwise=True), ValueError,
     "dask_convolve2d: in 'valid' mode x must be at least as large as h"),
    (lambda: tiled.tile_slices((3, 3), (0, 1)), ValueError,
     "tile_slices: tile_shape must be >= 1"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
