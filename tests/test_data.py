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


@pytest.mark.parametrize("call, exc, match", [
    # issue 13: sizes set by an argument are refused before allocating, naming it
    (lambda: cl.data.impulse((10**5, 10**5)), ValueError,
     r"^impulse: shape asks for an output of shape \(100000, 100000\) \(80000.0 MB\)"),
    (lambda: cl.data.step_edge(10**6), ValueError, r"^step_edge: n asks for an output"),
    (lambda: cl.data.checkerboard(10**6), ValueError, r"^checkerboard: n asks for an output"),
    (lambda: cl.data.shapes(10**6), ValueError, r"^shapes: n asks for an output"),
    # adversarial kinds and values
    (lambda: cl.data.impulse(4, at=(4,)), ValueError,
     r"^impulse: at must lie inside the shape \(4,\); got \(4,\)$"),
    (lambda: cl.data.impulse((3, 3), at=(1,)), ValueError, r"^impulse: at must lie inside"),
    (lambda: cl.data.impulse(4, at=(1.5,)), TypeError, r"^impulse: at must be an integer"),
    (lambda: cl.data.impulse(4.0), TypeError, r"^impulse: shape must be an int or a sequence"),
    (lambda: cl.data.impulse(True), TypeError, r"^impulse: shape must be an int or a sequence"),
    (lambda: cl.data.step_edge(8, np.nan), ValueError, r"^step_edge: angle must be finite"),
    (lambda: cl.data.step_edge(8, "45"), TypeError, r"^step_edge: angle must be a real"),
    (lambda: cl.data.photo(gray="yes"), TypeError, r"^photo: gray must be True or False"),
    (lambda: cl.data.load_image(b"x", gray=1), TypeError, r"^load_image: gray must be True"),
    (lambda: cl.data.load_image(3), TypeError,
     r"^load_image: source must be the file's bytes or a path; got int$"),
    (lambda: cl.data.rgb_to_gray(np.ones((2, 2, 3)) * 1j), TypeError,
     r"^rgb_to_gray: rgb must be real; got dtype complex128$"),
    (lambda: cl.data.rgb_to_gray([[["a", "b", "c"]]]), TypeError,
     r"^rgb_to_gray: rgb must hold numbers"),
])
def test_more_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_impulse_at_accepts_an_int_and_negative_indices():
    assert cl.data.impulse(4, at=2).tolist() == [0, 0, 1, 0]
    assert cl.data.impulse(4, at=(-1,)).tolist() == [0, 0, 0, 1]
    assert cl.data.impulse((2, 2), at=np.array([1, 0])).tolist() == [[0, 0], [1, 0]]


def test_photo_is_matplotlibs_portrait_decoded_losslessly():
    """convlib ships matplotlib's grace_hopper.jpg as the pinned Pillow decodes it, so
    every environment (the browser's older Pillow included) sees the same pixels."""
    import matplotlib.cbook as cbook
    import matplotlib.image as mimage

    ours = np.round(cl.data.photo(gray=False) * 255).astype(np.uint8)
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        decoded = mimage.imread(f, format="jpeg")
    assert ours.shape == decoded.shape == (600, 512, 3)
    # JPEG decoders differ by a grey level here and there; never by more
    assert np.abs(ours.astype(int) - decoded).max() <= 2
    assert np.mean(ours != decoded) < 0.01


# sha256 of scikit-learn 1.9.1's sklearn/datasets/data/digits.csv.gz, printed by
# tools/fixtures/digits_data.py when it copied the file
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def test_digits_file_is_the_recorded_copy():
    import hashlib
    from importlib import resources

    files = resources.files("convlib").joinpath("data_files")
    digest = hashlib.sha256(files.joinpath("digits.csv.gz").read_bytes()).hexdigest()
    recorded = files.joinpath("digits.csv.gz.sha256").read_text().split()
    assert digest == DIGITS_SHA256 == recorded[0] and recorded[1] == "digits.csv.gz"


def test_digits():
    images, labels = cl.data.digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert np.array_equal(images, np.round(images)) and images.min() == 0
    assert images.max() == 16
    # every digit occurs, about 180 times each (UCI: 174 to 183 in optdigits.tes)
    counts = np.bincount(labels)
    assert counts.size == 10 and counts.min() == 174 and counts.max() == 183
    # sklearn's first row is a zero: a ring of ink, empty in the middle
    assert labels[0] == 0 and images[0, 3:5, 3:5].max() <= 1 and images[0].max() == 15
    # each call returns fresh arrays
    images[0] = -1
    assert cl.data.digits()[0][0].min() == 0
