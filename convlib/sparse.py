"""Sparse convolution on active sites: the rulebook (chapter 14).

A point cloud or a sparse occupancy grid is stored as ``coords`` (one row of integer
grid coordinates per *active site*) and ``features`` (one row of ``C_in`` values per
site). Convolution then only touches pairs of active sites. For every kernel offset
``i`` the *rulebook* lists the pairs ``(input site, output site)`` that the offset
connects; the layer is one gather -- matrix product -- scatter per offset::

    out[out_idx] += features[in_idx] @ w[:, :, i].T        for each offset i

The semantics are those of :func:`convlib.nn.conv2d` / :func:`convlib.nn.conv3d`
(cross-correlation, weight ``(C_out, C_in, kH, kW)``, stride, zero padding) on the
densified grid (:func:`densify`), evaluated only where the result can be non-zero:

* :func:`sparse_conv` (regular sparse convolution): an output site is active if its
  window contains at least one active input, so the active set *dilates* layer by layer;
* :func:`submanifold_conv` (submanifold sparse convolution, Graham et al. 2018): stride 1,
  ``'same'`` padding, and outputs only at the active input sites, so the active set
  stays put however deep the network;
* :func:`sparse_conv_transpose` (transposed sparse convolution, the up-sampling block of
  a sparse U-Net): the adjoint of a strided :func:`sparse_conv`, either *generative*
  (every output site an active input reaches) or *inverse* (outputs exactly at given
  sites, e.g. the input sites of the matching down-sampling layer, as spconv's
  ``SparseInverseConv3d``). Its rulebook (:func:`transposed_rulebook`) is the down
  layer's with inputs and outputs swapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_tuple, check_int
from .shapes import _conv_transpose_output_size, _output_sizes, _padding_pairs

__all__ = ["Rulebook", "rulebook", "sparse_conv", "submanifold_conv", "densify",
           "sparsify", "grow_active", "transposed_rulebook", "sparse_conv_transpose"]

IntOrSeq = int | Sequence[int]


@dataclass(frozen=True)
class Rulebook:
    """Which input site feeds which output site through which kernel offset.

    Attributes
    ----------
    in_coords : ndarray
        Active input sites, shape ``(P, D)``.
    out_coords : ndarray
        Active output sites, shape ``(Q, D)`` (row-major order; for submanifold
        convolution, the input sites in their input order).
    offsets : ndarray
        Kernel offsets ``i`` in row-major order, shape ``(K, D)``,
        ``K = prod(kernel_size)``.
    rules : tuple
        ``K`` pairs of index arrays, ``rules[k] = (in_idx, out_idx)``: input site
        ``in_idx[m]`` reaches output site ``out_idx[m]`` through offset ``offsets[k]``.
        Within one offset every output appears at most once.
    in_shape, out_shape, kernel_size : tuple
        Spatial sizes of the dense grids and of the kernel.
    transposed : bool
        ``True`` for a transposed layer (:func:`transposed_rulebook`): offset ``i``
        carries input ``u`` to output ``stride * u - padding + i``.
    """

    in_coords: np.ndarray
    out_coords: np.ndarray
    offsets: np.ndarray
    rules: tuple
    in_shape: tuple
    out_shape: tuple
    kernel_size: tuple
    transposed: bool = False

    @property
    def n_pairs(self) -> int:
        """Total number of (input, output) pairs over all offsets."""
        return int(sum(len(i) for i, _ in self.rules))

    def multiply_adds(self, in_channels: int = 1, out_channels: int = 1) -> int:
        """Multiply-adds of the sparse layer: ``n_pairs * C_in * C_out``."""
        return self.n_pairs * in_channels * out_channels

    def dense_multiply_adds(self, in_channels: int = 1, out_channels: int = 1) -> int:
        """Multiply-adds of the dense layer on the same grid (no bias):
        ``prod(out_shape) * prod(kernel_size) * C_in * C_out``, or for a transposed
        layer (every input scattered through every offset)
        ``prod(in_shape) * prod(kernel_size) * C_in * C_out``."""
        grid = self.in_shape if self.transposed else self.out_shape
        return (int(np.prod(grid)) * int(np.prod(self.kernel_size))
                * in_channels * out_channels)


def _as_coords(coords, func: str, shape=None, name: str = "coords"
               ) -> tuple[np.ndarray, tuple[int, ...]]:
    """Coordinates as int64 (P, D) with D in (2, 3), no duplicates, inside ``shape``."""
    c = as_array(coords, name, func, ndim=2)
    if c.dtype.kind not in "iu":
        raise TypeError(f"{func}: {name} must hold integers; got dtype {c.dtype}")
    if c.shape[1] not in (2, 3):
        raise ValueError(f"{func}: {name} must have 2 or 3 columns (one per spatial "
                         f"axis); got shape {c.shape}")
    c = c.astype(np.int64)
    if (c < 0).any():
        raise ValueError(f"{func}: {name} must be >= 0; got a row "
                         f"{tuple(c[(c < 0).any(axis=1)][0].tolist())}")
    if shape is None:
        shape = tuple(int(m) + 1 for m in c.max(axis=0))
    shape = as_tuple(shape, c.shape[1], "shape", func, minimum=1)
    if (c >= np.array(shape)).any():
        raise ValueError(f"{func}: {name} must lie inside the grid of shape {shape}; "
                         f"got coordinates from {tuple(c.min(axis=0).tolist())} to "
                         f"{tuple(c.max(axis=0).tolist())}")
    distinct = len(np.unique(np.ravel_multi_index(c.T, shape)))
    if distinct != len(c):
        raise ValueError(f"{func}: {name} must not repeat a site; got {len(c)} rows "
                         f"for {distinct} distinct sites")
    return c, shape


def _lookup(keys: np.ndarray, order: np.ndarray, ordered: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Position of each of ``keys`` in a table of distinct keys, and whether found.

    ``order`` sorts the table and ``ordered`` is the sorted table (``table[order]``).
    """
    pos = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    return order[pos], ordered[pos] == keys


def rulebook(coords, kernel_size: IntOrSeq, stride: IntOrSeq = 1,
             padding: IntOrSeq | str = 0, *, shape: IntOrSeq | None = None,
             submanifold: bool = False) -> Rulebook:
    """Build the rulebook of a sparse convolution: the (input, output) pairs per offset.

    Parameters
    ----------
    coords : array_like of int, shape (P, D)
        Active sites, ``D = 2`` (rows, columns) or ``3``; distinct, inside ``shape``.
    kernel_size : int or tuple of D ints
        Kernel size ``(kH, kW)`` (or ``(kD, kH, kW)``).
    stride : int or tuple of D ints
        Step between windows, ``>= 1``.
    padding : int, tuple of D ints or 'same'
        Zeros added on both sides of each axis, as in :func:`convlib.nn.conv2d`;
        ``'same'`` is PyTorch's rule (:func:`convlib.same_padding`), stride 1 only.
    shape : int or tuple of D ints, optional
        Size of the dense grid; default ``coords.max(axis=0) + 1``.
    submanifold : bool
        Outputs only at the active input sites (requires ``stride=1``, ``padding='same'``).

    Returns
    -------
    Rulebook
        Output sites and, for each kernel offset, the pairs it connects. Output site
        ``o`` reads input site ``u = stride * o - padding_low + i`` through offset ``i``.

    Raises
    ------
    ValueError
        If ``coords`` are not ``(P, 2)`` or ``(P, 3)``, repeat a site or lie outside
        ``shape``; a size is out of range; ``'same'`` is combined with a stride; or
        ``submanifold`` is asked without stride 1 and ``'same'`` padding.
    TypeError
        If ``coords`` are not integers.

    Notes
    -----
    Building it costs ``O(K P log P)`` (one sorted lookup per offset); the layer then
    costs ``n_pairs * C_in * C_out`` multiply-adds against
    ``prod(out_shape) * K * C_in * C_out`` for the dense layer. Taught in
    :ref:`ch-sparse-convolution`.

    References
    ----------
    Graham, Engelcke and van der Maaten (2018), *3D semantic segmentation with
    submanifold sparse convolutional networks*, CVPR.

    Examples
    --------
    >>> rb = rulebook([[0, 0], [2, 2]], 3, padding="same", shape=(3, 3))
    >>> len(rb.out_coords), rb.n_pairs          # 4 + 4 neighbours, (1, 1) shared
    (7, 8)
    >>> rulebook([[0, 0], [2, 2]], 3, padding="same", submanifold=True).n_pairs
    2
    >>> rulebook([[0, 0], [0, 0]], 3)
    Traceback (most recent call last):
    ...
    ValueError: rulebook: coords must not repeat a site; got 2 rows for 1 distinct sites
    """
    return _rulebook(coords, kernel_size, stride, padding, shape, submanifold, "rulebook")


def _rulebook(coords, kernel_size, stride, padding, shape, submanifold, func,
              kernel_name: str = "kernel_size") -> Rulebook:
    c, shape = _as_coords(coords, func, shape)
    D = c.shape[1]
    k = as_tuple(kernel_size, D, kernel_name, func, minimum=1)
    s = as_tuple(stride, D, "stride", func, minimum=1)
    pads = _padding_pairs(padding, k, s, (1,) * D, func, strings=("same",), pairs=False)
    if submanifold and padding != "same":
        raise ValueError(f"{func}: submanifold convolution needs stride=1 and "
                         f"padding='same'; got stride={s}, padding={padding!r}")
    out_shape = _output_sizes(shape, k, s, pads, (1,) * D, func)
    offsets = np.array(list(np.ndindex(*k)), dtype=np.int64).reshape(-1, D)
    num = c[None] + np.array([lo for lo, _ in pads]) - offsets[:, None]   # (K, P, D)
    o = num // np.array(s)
    ok = np.all((num % np.array(s) == 0) & (o >= 0) & (o < np.array(out_shape)), axis=2)
    keys = np.where(ok, np.ravel_multi_index(np.where(ok[..., None], o, 0).T,
                                             out_shape).T, -1)
    if submanifold:
        out_coords = c
        table = np.ravel_multi_index(c.T, out_shape)
    else:
        table = np.unique(keys[ok])
        out_coords = np.stack(np.unravel_index(table, out_shape), axis=1).reshape(-1, D)
    return Rulebook(c, out_coords.astype(np.int64), offsets, _rules(keys, ok, table),
                    shape, out_shape, k)


def _rules(keys: np.ndarray, ok: np.ndarray, table: np.ndarray) -> tuple:
    """Per offset, the pairs (input, position in ``table``) of the candidate output
    ``keys`` (shape ``(K, P)``, valid where ``ok``) found in the table of outputs."""
    order = np.argsort(table, kind="stable")
    ordered = table[order]
    rules = []
    for kk in range(len(keys)):
        in_idx = np.flatnonzero(ok[kk])
        if len(in_idx) == 0 or len(table) == 0:
            rules.append((in_idx[:0], in_idx[:0]))
            continue
        out_idx, found = _lookup(keys[kk, in_idx], order, ordered)
        rules.append((in_idx[found], out_idx[found]))
    return tuple(rules)


def _apply(rb: Rulebook, features, weight, bias, func: str):
    f = as_array(features, "features", func, ndim=2)
    w = as_array(weight, "weight", func, ndim=rb.in_coords.shape[1] + 2)
    for name, a in (("features", f), ("weight", w)):
        if a.dtype.kind == "b":
            raise TypeError(f"{func}: {name} must hold int, float or complex numbers; "
                            f"got dtype bool")
    if f.shape[0] != len(rb.in_coords):
        raise ValueError(f"{func}: features must have one row per site "
                         f"({len(rb.in_coords)}); got shape {f.shape}")
    if w.shape[1] != f.shape[1]:
        raise ValueError(f"{func}: weight.shape[1] must equal the feature channels "
                         f"({f.shape[1]}); got weight of shape {w.shape}")
    b = None if bias is None else as_array(bias, "bias", func, ndim=1)
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"{func}: bias must have shape (C_out,) = ({w.shape[0]},); "
                         f"got shape {b.shape}")
    dtype = np.result_type(f, w) if b is None else np.result_type(f, w, b)
    out = np.zeros((len(rb.out_coords), w.shape[0]), dtype=dtype)
    for (in_idx, out_idx), off in zip(rb.rules, rb.offsets):
        if len(in_idx):   # gather, GEMM, scatter; out_idx has no repeats per offset
            out[out_idx] += f[in_idx] @ w[(slice(None), slice(None)) + tuple(off)].T
    if b is not None:
        out += b
    return rb.out_coords, out


def sparse_conv(coords, features, weight, bias=None, stride: IntOrSeq = 1,
                padding: IntOrSeq | str = 0, *, shape: IntOrSeq | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Regular sparse convolution (cross-correlation) of features on active sites.

    Parameters
    ----------
    coords : array_like of int, shape (P, D)
        Active input sites, ``D = 2`` or ``3``; distinct, inside ``shape``.
    features : array_like of shape (P, C_in)
        One feature vector per site (int, float or complex).
    weight : array_like of shape (C_out, C_in, kH, kW) or (C_out, C_in, kD, kH, kW)
        As in :func:`convlib.nn.conv2d` / :func:`convlib.nn.conv3d` (``groups=1``).
    bias : array_like of shape (C_out,), optional
        Added at every active output site.
    stride, padding, shape
        As in :func:`rulebook`.

    Returns
    -------
    out_coords : ndarray of shape (Q, D)
        Every output site whose window contains at least one active input (row-major).
    out_features : ndarray of shape (Q, C_out)
        ``densify(out_coords, out_features, out_shape)`` equals
        ``nn.conv2d(densify(coords, features, shape)[None], weight, stride=stride,
        padding=padding)[0]`` (plus ``bias`` only at active outputs).

    Raises
    ------
    ValueError
        As :func:`rulebook`, and if ``features``, ``weight`` or ``bias`` have
        inconsistent shapes.
    TypeError
        If ``coords`` are not integers or an array is boolean.

    See Also
    --------
    submanifold_conv, rulebook, densify, convlib.nn.conv2d

    Notes
    -----
    ``y[o] = b + sum_i w[:, :, i] x[stride*o - p_lo + i]`` over active inputs only.
    Cost: ``rulebook(...).multiply_adds(C_in, C_out)``. Taught in
    :ref:`ch-sparse-convolution`.

    Examples
    --------
    >>> c, f = sparse_conv([[1, 1]], [[2]], np.ones((1, 1, 3, 3), dtype=int),
    ...                    padding=1, shape=(3, 3))
    >>> len(c), f.ravel()                          # one active input lights 3x3 outputs
    (9, array([2, 2, 2, 2, 2, 2, 2, 2, 2]))
    >>> sparse_conv([[1, 1]], [[2, 3]], np.ones((1, 1, 3, 3)), shape=(3, 3))
    Traceback (most recent call last):
    ...
    ValueError: sparse_conv: weight.shape[1] must equal the feature channels (2); got weight of shape (1, 1, 3, 3)
    """
    w = as_array(weight, "weight", "sparse_conv", ndim=(4, 5)).shape
    rb = _rulebook(coords, w[2:], stride, padding, shape, False, "sparse_conv",
                   "weight.shape[2:]")
    return _apply(rb, features, weight, bias, "sparse_conv")


def submanifold_conv(coords, features, weight, bias=None, *,
                     shape: IntOrSeq | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Submanifold sparse convolution: outputs only at the active input sites.

    Parameters
    ----------
    coords, features, weight, bias, shape
        As in :func:`sparse_conv`; stride is 1 and padding ``'same'``.

    Returns
    -------
    out_coords : ndarray of shape (P, D)
        ``coords`` itself (as int64), in the same order.
    out_features : ndarray of shape (P, C_out)
        ``nn.conv2d(densify(coords, features, shape)[None], weight,
        padding='same')[0]`` read at ``coords`` (plus ``bias``).

    Raises
    ------
    ValueError, TypeError
        As :func:`sparse_conv`.

    See Also
    --------
    sparse_conv, rulebook

    Notes
    -----
    The active set never grows, so deep networks stay sparse; the price is that
    information only flows between sites linked by chains of neighbours. Taught in
    :ref:`ch-sparse-convolution`.

    References
    ----------
    Graham, Engelcke and van der Maaten (2018), CVPR.

    Examples
    --------
    >>> c, f = submanifold_conv([[0, 0], [0, 1], [5, 5]], [[1], [10], [100]],
    ...                         np.ones((1, 1, 3, 3), dtype=int))
    >>> f.ravel()                                  # neighbours sum; the loner stays alone
    array([ 11,  11, 100])
    """
    w = as_array(weight, "weight", "submanifold_conv", ndim=(4, 5)).shape
    rb = _rulebook(coords, w[2:], 1, "same", shape, True, "submanifold_conv",
                   "weight.shape[2:]")
    return _apply(rb, features, weight, bias, "submanifold_conv")


def densify(coords, features, shape: IntOrSeq) -> np.ndarray:
    """Scatter features on active sites into a dense ``(C, *shape)`` grid of zeros.

    Parameters
    ----------
    coords : array_like of int, shape (P, D)
    features : array_like of shape (P, C)
    shape : int or tuple of D ints

    Returns
    -------
    ndarray of shape (C, *shape)
        Zero except ``out[:, coords[m]] = features[m]``; ``features``' dtype.

    Examples
    --------
    >>> densify([[0, 1]], [[5]], (2, 2))
    array([[[0, 5],
            [0, 0]]])
    >>> densify([[0, 2]], [[5]], (2, 2))
    Traceback (most recent call last):
    ...
    ValueError: densify: coords must lie inside the grid of shape (2, 2); got coordinates from (0, 2) to (0, 2)
    """
    c, shape = _as_coords(coords, "densify", shape)
    f = as_array(features, "features", "densify", ndim=2)
    if f.shape[0] != len(c):
        raise ValueError(f"densify: features must have one row per site ({len(c)}); "
                         f"got shape {f.shape}")
    out = np.zeros((f.shape[1],) + shape, dtype=f.dtype)
    out[(slice(None),) + tuple(c.T)] = f.T
    return out


def sparsify(x) -> tuple[np.ndarray, np.ndarray]:
    """The active sites of a dense ``(C, *spatial)`` grid: where any channel is non-zero.

    Returns
    -------
    coords : ndarray of shape (P, D)
        Row-major order.
    features : ndarray of shape (P, C)

    Examples
    --------
    >>> c, f = sparsify(np.array([[[0, 5], [7, 0]]]))
    >>> c.tolist(), f.tolist()
    ([[0, 1], [1, 0]], [[5], [7]])
    """
    x = as_array(x, "x", "sparsify", ndim=(3, 4))
    coords = np.argwhere(np.any(x != 0, axis=0))
    return coords.astype(np.int64), x[(slice(None),) + tuple(coords.T)].T.copy()


def grow_active(coords, layers: int, kernel_size: IntOrSeq = 3, *,
                shape: IntOrSeq | None = None, submanifold: bool = False) -> np.ndarray:
    """Active sites after ``layers`` sparse convolutions with ``'same'`` padding.

    Regular sparse convolution dilates the active set by the kernel at every layer;
    submanifold convolution keeps it. Used by the chapter's widget.

    Parameters
    ----------
    coords : array_like of int, shape (P, D)
    layers : int
        Number of layers, ``>= 0``.
    kernel_size : int or tuple of D ints
    shape : int or tuple of D ints, optional
        Grid size (default ``coords.max(axis=0) + 1``).
    submanifold : bool

    Returns
    -------
    ndarray of shape (Q, D)
        The active sites (row-major; ``coords`` itself for submanifold convolution).

    Examples
    --------
    >>> len(grow_active([[5, 5]], 2, shape=(11, 11)))          # a 5x5 square
    25
    >>> len(grow_active([[5, 5]], 2, shape=(11, 11), submanifold=True))
    1
    """
    layers = check_int(layers, "layers", "grow_active", minimum=0)
    c, shape = _as_coords(coords, "grow_active", shape)
    for _ in range(layers):
        c = _rulebook(c, kernel_size, 1, "same", shape, submanifold,
                      "grow_active").out_coords
    return c


def transposed_rulebook(coords, kernel_size: IntOrSeq, stride: IntOrSeq = 1,
                        padding: IntOrSeq = 0, output_padding: IntOrSeq = 0, *,
                        shape: IntOrSeq | None = None, out_coords=None) -> Rulebook:
    """Build the rulebook of a transposed sparse convolution (sparse up-sampling).

    Parameters
    ----------
    coords : array_like of int, shape (P, D)
        Active input sites (the coarse grid), ``D = 2`` or ``3``; distinct.
    kernel_size : int or tuple of D ints
        Kernel size ``(kH, kW)`` (or ``(kD, kH, kW)``).
    stride, padding, output_padding : int or tuple of D ints
        As in :func:`convlib.nn.conv_transpose2d` (padding ``>= 0``, symmetric).
    shape : int or tuple of D ints, optional
        Size of the input grid; default ``coords.max(axis=0) + 1``.
    out_coords : array_like of int, shape (Q, D), optional
        *Inverse* mode: the output sites, e.g. the input sites of the strided
        :func:`sparse_conv` that this layer inverts (spconv's ``SparseInverseConv3d``,
        MinkowskiEngine's ``MinkowskiConvolutionTranspose``). Default: *generative*
        mode, every output site that some active input reaches (spconv's
        ``SparseConvTranspose3d``, ``MinkowskiGenerativeConvolutionTranspose``).

    Returns
    -------
    Rulebook
        ``transposed=True``; input ``u`` reaches output ``o = stride * u - padding + i``
        through offset ``i``; ``out_shape[a] = conv_transpose_output_size(shape[a],
        k[a], stride[a], padding[a], output_padding[a])``. ``out_coords`` in the given
        order (inverse) or row-major (generative).

    Raises
    ------
    ValueError
        If ``coords`` or ``out_coords`` are not ``(P, D)`` with ``D`` in (2, 3),
        repeat a site or lie outside their grid; a size is out of range.
    TypeError
        If ``coords`` or ``out_coords`` are not integers.

    Notes
    -----
    With ``out_coords`` set to the input sites of ``sparse_conv(..., stride, padding)``
    the pairs are exactly those of that layer's :func:`rulebook`, inputs and outputs
    swapped (the kernel map MinkowskiEngine reuses for its transposed layers).
    Taught in :ref:`ch-sparse-convolution`.

    References
    ----------
    Choy, Gwak and Savarese (2019), *4D spatio-temporal ConvNets: Minkowski
    convolutional neural networks*, CVPR.

    Examples
    --------
    >>> rb = transposed_rulebook([[0, 0]], 2, stride=2)      # one site -> a 2x2 block
    >>> rb.out_coords.tolist(), rb.n_pairs, rb.out_shape
    ([[0, 0], [0, 1], [1, 0], [1, 1]], 4, (2, 2))
    >>> transposed_rulebook([[0, 0]], 2, stride=2, out_coords=[[1, 1]]).n_pairs
    1
    >>> transposed_rulebook([[0, 0]], 2, stride=2, out_coords=[[2, 0]])
    Traceback (most recent call last):
    ...
    ValueError: transposed_rulebook: out_coords must lie inside the grid of shape (2, 2); got coordinates from (2, 0) to (2, 0)
    """
    return _transposed_rulebook(coords, kernel_size, stride, padding, output_padding,
                                shape, out_coords, "transposed_rulebook")


def _transposed_rulebook(coords, kernel_size, stride, padding, output_padding, shape,
                         out_coords, func, kernel_name: str = "kernel_size") -> Rulebook:
    c, shape = _as_coords(coords, func, shape)
    D = c.shape[1]
    k = as_tuple(kernel_size, D, kernel_name, func, minimum=1)
    s = as_tuple(stride, D, "stride", func, minimum=1)
    p = as_tuple(padding, D, "padding", func, minimum=0)
    op = as_tuple(output_padding, D, "output_padding", func, minimum=0)
    out_shape = tuple(_conv_transpose_output_size(n, *a, 1, func)
                      for n, a in zip(shape, zip(k, s, p, op)))
    offsets = np.array(list(np.ndindex(*k)), dtype=np.int64).reshape(-1, D)
    o = c[None] * np.array(s) - np.array(p) + offsets[:, None]          # (K, P, D)
    ok = np.all((o >= 0) & (o < np.array(out_shape)), axis=2)
    keys = np.where(ok, np.ravel_multi_index(np.where(ok[..., None], o, 0).T,
                                             out_shape).T, -1)
    if out_coords is None:
        table = np.unique(keys[ok])
        oc = np.stack(np.unravel_index(table, out_shape), axis=1).reshape(-1, D)
    else:
        oc = as_array(out_coords, "out_coords", func, ndim=2)
        if oc.shape[1] != D:
            raise ValueError(f"{func}: out_coords must have {D} columns, as coords; "
                             f"got shape {oc.shape}")
        oc, _ = _as_coords(oc, func, out_shape, "out_coords")
        table = np.asarray(np.ravel_multi_index(oc.T, out_shape))
    return Rulebook(c, oc.astype(np.int64), offsets, _rules(keys, ok, table), shape,
                    out_shape, k, transposed=True)


def sparse_conv_transpose(coords, features, weight, bias=None, stride: IntOrSeq = 1,
                          padding: IntOrSeq = 0, output_padding: IntOrSeq = 0, *,
                          shape: IntOrSeq | None = None, out_coords=None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Transposed sparse convolution: the up-sampling layer of a sparse U-Net.

    Parameters
    ----------
    coords : array_like of int, shape (P, D)
        Active input sites (coarse grid), ``D = 2`` or ``3``; distinct.
    features : array_like of shape (P, C_in)
        One feature vector per site.
    weight : array_like of shape (C_in, C_out, kH, kW) or (C_in, C_out, kD, kH, kW)
        As in :func:`convlib.nn.conv_transpose2d` (note ``C_in`` first).
    bias : array_like of shape (C_out,), optional
        Added at every output site.
    stride, padding, output_padding, shape, out_coords
        As in :func:`transposed_rulebook`; ``out_coords`` given is the *inverse*
        layer, outputs exactly there; omitted, the *generative* layer.

    Returns
    -------
    out_coords : ndarray of shape (Q, D)
        The output sites (``out_coords`` itself in inverse mode).
    out_features : ndarray of shape (Q, C_out)
        ``nn.conv_transpose2d(densify(coords, features, shape)[None], weight, bias,
        stride, padding, output_padding)[0]`` read at ``out_coords`` (``conv_transpose3d``
        for ``D = 3``).

    Raises
    ------
    ValueError
        As :func:`transposed_rulebook`, and if ``features``, ``weight`` or ``bias`` have
        inconsistent shapes.
    TypeError
        If coordinates are not integers or an array is boolean.

    See Also
    --------
    sparse_conv, transposed_rulebook, convlib.nn.conv_transpose2d

    Notes
    -----
    ``y[o] = b + sum w[:, :, i].T x[u]`` over the active ``u`` and offsets ``i`` with
    ``o = stride * u - padding + i``: the adjoint of :func:`sparse_conv`. Cost:
    ``transposed_rulebook(...).multiply_adds(C_in, C_out)``. Taught in
    :ref:`ch-sparse-convolution`.

    References
    ----------
    Choy, Gwak and Savarese (2019), CVPR; Graham, Engelcke and van der Maaten (2018),
    CVPR.

    Examples
    --------
    >>> c, f = sparse_conv_transpose([[0, 1]], [[3]], np.ones((1, 1, 2, 2), dtype=int),
    ...                              stride=2)
    >>> c.tolist(), f.ravel()                      # site (0, 1) -> rows 0-1, cols 2-3
    ([[0, 2], [0, 3], [1, 2], [1, 3]], array([3, 3, 3, 3]))
    >>> sparse_conv_transpose([[0, 1]], [[3]], np.ones((2, 1, 2, 2)), stride=2)
    Traceback (most recent call last):
    ...
    ValueError: sparse_conv_transpose: weight.shape[0] must equal the feature channels (1); got weight of shape (2, 1, 2, 2)
    """
    func = "sparse_conv_transpose"
    w = as_array(weight, "weight", func, ndim=(4, 5))
    rb = _transposed_rulebook(coords, w.shape[2:], stride, padding, output_padding,
                              shape, out_coords, func, "weight.shape[2:]")
    f = as_array(features, "features", func, ndim=2)
    if w.shape[0] != f.shape[1]:
        raise ValueError(f"{func}: weight.shape[0] must equal the feature channels "
                         f"({f.shape[1]}); got weight of shape {w.shape}")
    return _apply(rb, f, np.swapaxes(w, 0, 1), bias, func)
