"""Write tests/fixtures/canny_opencv.npz: OpenCV's Canny edges of the book's photograph.

A reference for convlib.edges, made once and committed, so that neither the tests nor
the book depend on OpenCV. Run it (OpenCV installed for this script only, e.g.
``pip install --no-deps --target /tmp/cv opencv-python-headless`` and
``PYTHONPATH=/tmp/cv``) from the repository root:

    python tools/canny_opencv_fixture.py

The image is ``convlib.data.photo()[::2, ::2]`` (chapter 3's photograph) in 8 bits;
``cv2.Canny`` runs with the 3x3 Sobel gradient (``apertureSize=3``), the Euclidean
magnitude (``L2gradient=True``) and each threshold pair of THRESHOLDS.
``tests/test_edges.py`` feeds convlib's non-maximum suppression and hysteresis the same
Sobel gradient and compares.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

import convlib as cl

THRESHOLDS = ((50, 150), (100, 200))
OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "canny_opencv.npz"


def main() -> None:
    image = np.round(cl.data.photo()[::2, ::2] * 255).astype(np.uint8)
    edges = [cv2.Canny(image, low, high, apertureSize=3, L2gradient=True) > 0
             for low, high in THRESHOLDS]
    np.savez_compressed(OUT, thresholds=np.array(THRESHOLDS), shape=np.array(image.shape),
                        edges=np.packbits(np.array(edges), axis=-1),
                        opencv=np.array(cv2.__version__))
    print(f"wrote {OUT.name}: OpenCV {cv2.__version__}, "
          f"{[int(e.sum()) for e in edges]} edge pixels")


if __name__ == "__main__":
    main()
