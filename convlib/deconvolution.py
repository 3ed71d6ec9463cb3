"""Deconvolution in the frequency domain: undoing a known blur (chapter 6).

The model is a *circular* blur: the observed signal is

.. math:: y = h \\circledast x + n, \\qquad Y(f) = H(f)\\, X(f) + N(f),

with the kernel ``h`` centred (its middle tap at index 0, so the blur does not shift
the image) and ``n`` noise. Every estimate here has the form
:math:`\\hat X = G\\, Y` for a filter ``G``:

===================================== ================================================ =========
function                              ``G(f)``                                         parameter
===================================== ================================================ =========
:func:`convlib.inverse_filter`        ``1 / H`` (0 where ``|H| <= eps``)               ``eps``
:func:`convlib.wiener_deconvolve`     ``conj(H) / (|H|^2 + nsr)``                      ``nsr``
:func:`convlib.tikhonov_deconvolve`   ``conj(H) / (|H|^2 + lam |D|^2)``                ``lam``
===================================== ================================================ =========

``D`` is the transfer function of a regularising operator (the identity, or a
Laplacian that penalises roughness). Division by ``H`` is exact without noise but
multiplies the noise at frequency ``f`` by ``1 / |H(f)|``, which is huge where the blur
nearly removed that frequency; the regularised filters cap that gain at
``1 / (2 sqrt(nsr))``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from ._typing import ArrayLike, NDArray
from ._validation import as_array, check_real, check_same_ndim
from .fourier import circular_convolve

__all__ = ["transfer_function", "circular_blur", "inverse_filter", "wiener_deconvolve",
           "tikhonov_deconvolve", "laplacian_operator", "blur_and_restore"]


#: Relative size below which a transfer-function value counts as zero (rounding error of
#: a few float64 sums is ~1e-16 of max|H|; 1e-12 leaves a wide margin).
_ZERO = 1e-12


def _check_kernel(y: NDArray[Any], h: NDArray[Any], func: str) -> None:
    check_same_ndim(y, h, ("y", "h"), func)
    if any(m > n for m, n in zip(h.shape, y.shape)):
        raise ValueError(f"{func}: h must be no larger than the signal in every axis; "
                         f"got h of shape {h.shape} for a signal of shape {y.shape}")


def _check_nonneg(value: Any, name: str, func: str) -> float:
    check_real(value, name, func)
    if not float(value) >= 0:  # also rejects nan
        raise ValueError(f"{func}: {name} must be >= 0; got {value!r}")
    return float(value)


def _centred_pad(h: NDArray[Any], shape: tuple[int, ...]) -> NDArray[Any]:
    """``h`` zero-padded to ``shape`` and rolled so its centre tap is at index 0."""
    padded = np.zeros(shape, dtype=np.result_type(h, np.float64))
    padded[tuple(slice(m) for m in h.shape)] = h
    return np.roll(padded, [-(m // 2) for m in h.shape], axis=tuple(range(h.ndim)))


def transfer_function(h: ArrayLike, shape: Sequence[int]) -> NDArray[Any]:
    """The DFT of a centred kernel on a grid of ``shape``: the blur's ``H(f)``.

    Parameters
    ----------
    h : array_like of shape (M1, ..., Md)
        The kernel (point-spread function). Its centre tap ``h[M // 2]`` (per axis) is
        placed at index 0, so blurring does not translate the signal.
    shape : sequence of int of length d
        The signal's shape ``(N1, ..., Nd)``, at least ``h``'s in every axis.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        complex128, ``numpy.fft.fftn`` of the zero-padded, rolled kernel (MATLAB's
        ``psf2otf``). Circular convolution with ``h`` is multiplication by it.

    Raises
    ------
    ValueError
        If ``shape`` has the wrong length or is smaller than ``h``.

    Examples
    --------
    >>> transfer_function([1, 2, 1], (4,)).real
    array([4., 2., 0., 2.])
    >>> transfer_function([1, 2, 1], (2,))
    Traceback (most recent call last):
    ...
    ValueError: transfer_function: h must be no larger than the signal in every axis; got h of shape (3,) for a signal of shape (2,)
    """
    func = "transfer_function"
    k = as_array(h, "h", func, min_ndim=1)
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"{func}: shape must be a sequence of ints; got {shape!r}") from None
    if len(shape) != k.ndim:
        raise ValueError(f"{func}: shape must have one entry per axis of h ({k.ndim}); "
                         f"got {shape}")
    _check_kernel(np.empty(shape), k, func)
    return np.fft.fftn(_centred_pad(k, shape))


def circular_blur(x: ArrayLike, h: ArrayLike) -> NDArray[Any]:
    """Blur ``x`` with the centred kernel ``h``, wrapping around the edges.

    Parameters
    ----------
    x : array_like of shape (N1, ..., Nd)
        Signal or image.
    h : array_like of shape (M1, ..., Md)
        Kernel, no larger than ``x``; its centre tap sits on the output sample.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        ``y[n] = sum_k h[k] x[(n - k + M // 2) mod N]``: true convolution, circular,
        centred (``convlib.convolve2d(x, h, 'same', boundary='wrap')`` for odd ``M``).
        Real for real inputs.

    Raises
    ------
    ValueError
        If the inputs differ in ndim or ``h`` is larger than ``x``.

    Examples
    --------
    >>> circular_blur([0, 0, 3, 0], [1, 1, 1]).round(12)
    array([0., 3., 3., 3.])
    """
    func = "circular_blur"
    y = as_array(x, "x", func, min_ndim=1)
    k = as_array(h, "h", func)
    check_same_ndim(y, k, ("x", "h"), func)
    _check_kernel(y, k, func)
    return circular_convolve(y, _centred_pad(k, y.shape))


def _prepare(y: ArrayLike, h: ArrayLike, func: str) -> tuple[NDArray[Any], NDArray[Any]]:
    obs = as_array(y, "y", func, min_ndim=1)
    k = as_array(h, "h", func)
    _check_kernel(obs, k, func)
    return obs, k


def _finish(x: NDArray[Any], y: NDArray[Any], h: NDArray[Any]) -> NDArray[Any]:
    """Real inputs give a real estimate (the imaginary part is rounding error)."""
    return x if "c" in (y.dtype.kind, h.dtype.kind) else x.real.copy()


def inverse_filter(y: ArrayLike, h: ArrayLike, eps: float = 0.0) -> NDArray[Any]:
    r"""Undo a circular blur by dividing by its transfer function (naive deconvolution).

    .. math:: \hat X(f) = Y(f) / H(f) \quad \text{where } |H(f)| > \varepsilon,
              \qquad 0 \text{ elsewhere}

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The blurred (and possibly noisy) observation.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel (see :func:`convlib.circular_blur`).
    eps : float
        Frequencies where ``|H| <= eps`` are set to zero instead of divided
        (a truncated, "pseudo" inverse). Default 0: divide everywhere.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        The estimate of ``x``; real if ``y`` and ``h`` are real.

    Raises
    ------
    ValueError
        If ``eps < 0``, ``h`` is larger than ``y``, or ``eps == 0`` and ``H`` is zero
        to rounding (``|H| <= 1e-12 max|H|``) somewhere: pass ``eps > 0`` then.

    Notes
    -----
    Exact for a noiseless circular blur whose ``H`` has no zeros. With noise ``N`` the
    error is ``N(f) / H(f)``: noise at frequency ``f`` is amplified by ``1 / |H(f)|``
    (chapter 6).

    Examples
    --------
    >>> x = np.array([0.0, 1, 4, 2, 0, 0])
    >>> h = np.array([1, 4, 1]) / 6
    >>> bool(np.allclose(inverse_filter(circular_blur(x, h), h), x))
    True
    >>> inverse_filter(x, [1, 1])
    Traceback (most recent call last):
    ...
    ValueError: inverse_filter: H has zeros, at 1 frequency; pass eps > 0 to skip them
    """
    func = "inverse_filter"
    obs, k = _prepare(y, h, func)
    eps = _check_nonneg(eps, "eps", func)
    H = transfer_function(k, obs.shape)
    keep = np.abs(H) > eps
    zero = np.abs(H) <= _ZERO * np.abs(H).max()
    if eps == 0 and zero.any():
        zeros = int(zero.sum())
        raise ValueError(f"{func}: H has zeros, at {zeros} "
                         f"frequenc{'y' if zeros == 1 else 'ies'}; pass eps > 0 to skip them")
    gain = np.zeros_like(H)
    gain[keep] = 1 / H[keep]
    return _finish(np.fft.ifftn(gain * np.fft.fftn(obs)), obs, k)


def wiener_deconvolve(y: ArrayLike, h: ArrayLike, nsr: ArrayLike) -> NDArray[Any]:
    r"""Wiener deconvolution of a circular blur: the least-squares optimal linear filter.

    .. math:: \hat X(f) = \frac{\overline{H(f)}}{|H(f)|^2 + \mathrm{NSR}(f)}\, Y(f)

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The blurred, noisy observation.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel (see :func:`convlib.circular_blur`).
    nsr : float or array_like of shape (N1, ..., Nd)
        Noise-to-signal power ratio ``S_n(f) / S_x(f)``, ``>= 0``: a constant, or one
        value per DFT frequency (``numpy.fft.fftn`` order). ``0`` gives the inverse
        filter.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        The estimate of ``x``; real if ``y`` and ``h`` are real.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        If ``nsr`` is negative or of the wrong shape, or ``h`` is larger than ``y``.

    Notes
    -----
    Minimises the expected squared error when signal and noise are independent with
    power spectra ``S_x`` and ``S_n``. Where ``|H|^2 >> NSR`` it divides by ``H``;
    where ``|H|^2 << NSR`` it returns nearly nothing, so noise gain is at most
    ``1 / (2 sqrt(NSR))``. With a constant ``nsr`` it equals
    :func:`convlib.tikhonov_deconvolve` with ``lam = nsr`` (chapter 6).

    References
    ----------
    N. Wiener, *Extrapolation, Interpolation, and Smoothing of Stationary Time Series*,
    MIT Press, 1949. R. C. Gonzalez and R. E. Woods, *Digital Image Processing*,
    4th ed., section 5.8.

    Examples
    --------
    >>> x = np.array([0.0, 1, 4, 2, 0, 0])
    >>> h = np.array([1, 4, 1]) / 6
    >>> bool(np.allclose(wiener_deconvolve(circular_blur(x, h), h, 0), x))
    True
    >>> wiener_deconvolve(x, h, -1)
    Traceback (most recent call last):
    ...
    ValueError: wiener_deconvolve: nsr must be >= 0; got -1
    """
    func = "wiener_deconvolve"
    obs, k = _prepare(y, h, func)
    ratio: float | NDArray[Any]
    if np.ndim(nsr) == 0:
        ratio = _check_nonneg(nsr.item() if isinstance(nsr, np.ndarray) else nsr,
                              "nsr", func)
    else:
        ratio = as_array(nsr, "nsr", func)
        if ratio.shape != obs.shape or ratio.dtype.kind == "c" or not np.all(ratio >= 0):
            raise ValueError(f"{func}: nsr must be a number or a real array of shape "
                             f"{obs.shape} with values >= 0; got shape {ratio.shape}")
    H = transfer_function(k, obs.shape)
    denom = np.abs(H) ** 2 + ratio
    gain = np.divide(H.conj(), denom, out=np.zeros_like(H), where=denom > 0)
    return _finish(np.fft.ifftn(gain * np.fft.fftn(obs)), obs, k)


def laplacian_operator(ndim: int) -> NDArray[Any]:
    """The discrete Laplacian kernel in ``ndim`` dimensions (``3 x ... x 3``).

    Returns
    -------
    ndarray of shape (3,) * ndim
        ``-2 * ndim`` at the centre, ``1`` at the ``2 * ndim`` nearest neighbours.

    Examples
    --------
    >>> laplacian_operator(2)
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    """
    d = int(ndim)
    op = np.zeros((3,) * d)
    centre = (1,) * d
    op[centre] = -2.0 * d
    for axis in range(d):
        for side in (0, 2):
            idx = list(centre)
            idx[axis] = side
            op[tuple(idx)] = 1.0
    return op


def tikhonov_deconvolve(y: ArrayLike, h: ArrayLike, lam: float,
                        operator: Literal["identity", "laplacian"] | ArrayLike = "identity"
                        ) -> NDArray[Any]:
    r"""Tikhonov-regularised deconvolution of a circular blur, in closed form.

    Minimises :math:`\|h \circledast x - y\|^2 + \lambda \|d \circledast x\|^2`, whose
    solution, diagonal in the Fourier basis, is

    .. math:: \hat X(f) = \frac{\overline{H(f)}}{|H(f)|^2 + \lambda |D(f)|^2}\, Y(f)

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The blurred, noisy observation.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel (see :func:`convlib.circular_blur`).
    lam : float
        Regularisation weight ``lambda >= 0``; 0 gives the inverse filter.
    operator : {'identity', 'laplacian'} or array_like
        ``d``: ``'identity'`` penalises the energy of ``x`` (``D = 1``; then this is
        Wiener deconvolution with constant ``nsr = lam``), ``'laplacian'`` its roughness
        (:func:`convlib.deconvolution.laplacian_operator`), or any centred kernel of the same ndim.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        The estimate of ``x``; real if ``y`` and ``h`` are real.

    Raises
    ------
    TypeError
        If ``lam`` is not a real number or an input does not hold numbers.
    ValueError
        If ``lam < 0``, ``operator`` is unknown or too large, or ``h`` is larger than
        ``y``.

    Notes
    -----
    Setting the gradient of the objective to zero gives the normal equations
    ``(H^T H + lam D^T D) x = H^T y``; circulant matrices are diagonalised by the DFT
    (chapter 7), so they become one division per frequency. Frequencies where both
    ``H`` and ``D`` vanish (the mean, for the Laplacian with a zero-mean ``h``) are set
    to zero. Chapter 6 chooses ``lam`` from an error curve.

    References
    ----------
    A. N. Tikhonov and V. Y. Arsenin, *Solutions of Ill-Posed Problems*, Winston, 1977.

    Examples
    --------
    >>> x = np.array([0.0, 1, 4, 2, 0, 0])
    >>> h = np.array([1, 4, 1]) / 6
    >>> y = circular_blur(x, h)
    >>> bool(np.allclose(tikhonov_deconvolve(y, h, 0.1), wiener_deconvolve(y, h, 0.1)))
    True
    >>> tikhonov_deconvolve(y, h, 0.1, operator="gradient")
    Traceback (most recent call last):
    ...
    ValueError: tikhonov_deconvolve: operator must be 'identity', 'laplacian' or a kernel array; got 'gradient'
    """
    func = "tikhonov_deconvolve"
    obs, k = _prepare(y, h, func)
    lam = _check_nonneg(lam, "lam", func)
    if isinstance(operator, str):
        if operator not in ("identity", "laplacian"):
            raise ValueError(f"{func}: operator must be 'identity', 'laplacian' or a "
                             f"kernel array; got {operator!r}")
        op = np.ones((1,) * obs.ndim) if operator == "identity" else \
            laplacian_operator(obs.ndim)
    else:
        op = as_array(operator, "operator", func)
        check_same_ndim(obs, op, ("y", "operator"), func)
    if any(m > n for m, n in zip(op.shape, obs.shape)):
        raise ValueError(f"{func}: operator must be no larger than y in every axis; "
                         f"got shape {op.shape} for y of shape {obs.shape}")
    H = transfer_function(k, obs.shape)
    D = transfer_function(op, obs.shape)
    denom = np.abs(H) ** 2 + lam * np.abs(D) ** 2
    gain = np.divide(H.conj(), denom, out=np.zeros_like(H), where=denom > 0)
    return _finish(np.fft.ifftn(gain * np.fft.fftn(obs)), obs, k)


def blur_and_restore(x: ArrayLike, h: ArrayLike, noise: float, lam: float,
                     operator: Literal["identity", "laplacian"] | ArrayLike = "identity",
                     seed: int = 0) -> dict[str, Any]:
    """Blur ``x`` circularly, add seeded Gaussian noise, restore by Tikhonov.

    The state of chapter 6's widget: one noise level and one regularisation weight.

    Parameters
    ----------
    x : array_like of shape (N1, ..., Nd)
        The clean signal or image.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel.
    noise : float
        Standard deviation of the added white Gaussian noise, ``>= 0``.
    lam : float
        Regularisation weight of :func:`convlib.tikhonov_deconvolve`, ``>= 0``.
    operator : {'identity', 'laplacian'} or array_like
        As in :func:`convlib.tikhonov_deconvolve`.
    seed : int
        Seed of ``numpy.random.default_rng`` for the noise.

    Returns
    -------
    dict
        ``y`` (blurred and noisy), ``estimate`` (restored), and the root-mean-square
        errors against ``x`` of both: ``rmse_observed``, ``rmse_restored``.

    Raises
    ------
    ValueError, TypeError
        As :func:`convlib.circular_blur` and :func:`convlib.tikhonov_deconvolve`, or if ``noise < 0``.

    Examples
    --------
    >>> out = blur_and_restore(np.arange(8.0), [1, 4, 1], noise=0.0, lam=0.0)
    >>> bool(np.allclose(out["estimate"], np.arange(8.0)))
    True
    >>> blur_and_restore(np.arange(8.0), [1, 2, 1], noise=-1, lam=0)
    Traceback (most recent call last):
    ...
    ValueError: blur_and_restore: noise must be >= 0; got -1
    """
    func = "blur_and_restore"
    noise = _check_nonneg(noise, "noise", func)
    clean = as_array(x, "x", func, min_ndim=1)
    y = circular_blur(clean, h)
    y = y + noise * np.random.default_rng(seed).standard_normal(y.shape)
    estimate = tikhonov_deconvolve(y, h, lam, operator)
    rmse: Callable[[NDArray[Any]], float] = \
        lambda v: float(np.sqrt(np.mean(np.abs(v - clean) ** 2)))  # noqa: E731
    return {"y": y, "estimate": estimate, "rmse_observed": rmse(y),
            "rmse_restored": rmse(estimate)}
