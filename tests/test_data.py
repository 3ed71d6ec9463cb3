"""convlib.data: the offline samples load, with the documented shapes and ranges."""

from __future__ import annotations

import numpy as np
import pytest

import convlib as cl


def test_photo():
    gray, rgb = cl.data.photo(), cl.data.photo(gray=False)
    assert gray.shape == (600, 512) and rgb.shape == (600, 512, 3)
    assert gray.dtype == np.float64 and 0 <= gray.min() < gray.max() <= 1
    np.testing.assert_allclose(gray, rgb @ [0.2125, 0.7154, 0.0721])


def test_mri_slice_is_big_endian_16_bit():
    mri = cl.data.mri_slice()
    assert mri.shape == (256, 256)
    assert mri.min() == 0 and mri.max() == 215  # little-endian reading would give 55040
    # neighbouring pixels are similar in a real image (not byte-swapped noise)
    assert np.abs(np.diff(mri, axis=1)).mean() < 10


def test_eeg():
    eeg = cl.data.eeg()
    assert eeg.shape == (4, 800) and np.all(np.isfinite(eeg))
    assert cl.data.EEG_SAMPLE_RATE == 80.0


def test_synthetic_images():
    assert cl.data.impulse((3, 3)).sum() == 1 and cl.data.impulse((3, 3))[1, 1] == 1
    assert cl.data.impulse(4, at=(0,)).tolist() == [1, 0, 0, 0]
    board = cl.data.checkerboard(8, 2)
    assert board.shape == (8, 8) and board[0, 0] == 0 and board[0, 2] == 1
    edge = cl.data.step_edge(8)
    assert edge[:, :4].sum() == 0 and edge[:, 4:].min() == 1
    img = cl.data.shapes(64)
    assert img.shape == (64, 64) and set(np.unique(img)) == {0.0, 0.2, 0.7, 1.0}


def test_errors():
    with pytest.raises(ValueError, match=r"^checkerboard: square must be >= 1; got 0"):
        cl.data.checkerboard(8, 0)
    with pytest.raises(ValueError, match=r"^rgb_to_gray: rgb must have shape \(H, W, 3\)"):
        cl.data.rgb_to_gray(np.ones((4, 4)))
