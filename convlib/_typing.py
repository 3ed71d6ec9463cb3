"""The types of convlib's signatures, defined once (the bottom layer: no convlib imports).

Arrays in are :data:`numpy.typing.ArrayLike` (anything ``np.asarray`` accepts), arrays
out :data:`numpy.typing.NDArray`; the ``Literal`` aliases list the strings a parameter
accepts, so that a type checker catches ``mode='vaild'`` before NumPy runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias

from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = ["ArrayLike", "DTypeLike", "NDArray", "Mode", "Boundary", "Method", "IntOrSeq", "Ints",
           "Padding", "AxisSpec"]

#: SciPy's output modes of convolve and correlate (chapter 1)
Mode: TypeAlias = Literal["full", "same", "valid"]

#: the boundary rules of convolve2d, correlate2d and extend, with SciPy's aliases
#: ('pad' is 'fill', 'circular' is 'wrap', 'symmetric' is 'symm')
Boundary: TypeAlias = Literal["fill", "wrap", "symm", "reflect", "edge",
                              "pad", "circular", "symmetric"]

#: the methods of convlib.convolve
Method: TypeAlias = Literal["auto", "loops", "direct", "separable", "fft", "overlap_add",
                            "toeplitz", "im2col", "winograd"]

#: one integer for every axis, or one per axis
IntOrSeq: TypeAlias = int | Sequence[int]

#: the axes to convolve along: all (``None``), one, or several
AxisSpec: TypeAlias = int | Sequence[int] | None

#: one integer per axis, normalised (a validated stride, dilation or kernel size)
Ints: TypeAlias = tuple[int, ...]

#: a layer's padding: one integer, one per axis, (before, after) per axis, or a word
Padding: TypeAlias = int | str | Sequence[int] | Sequence[tuple[int, int]]
