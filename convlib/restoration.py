"""Image restoration in practice: noise level, signal spectrum, iterations, edges (chapter 6).

:mod:`convlib.deconvolution` holds the closed-form filters for a *known* blur and a
*known* noise-to-signal ratio. This module supplies what practice has to estimate or
work around:

* :func:`convlib.estimate_noise`: the noise's standard deviation from the data (a
  robust MAD of wavelet details, or the power where the blur left only noise);
* :func:`convlib.restoration.fit_power_law`: a power-law signal spectrum ``A / |f|^p``
  fitted to the observation, and :func:`convlib.restoration.power_law_nsr`, the Wiener
  filter's NSR from that model;
* :func:`convlib.wiener_power_law`: the practical Wiener filter (all three, then
  :func:`convlib.wiener_deconvolve`);
* :func:`convlib.richardson_lucy`: the Richardson--Lucy iteration (positive,
  flux-preserving, Poisson noise model);
* :func:`convlib.restoration.cg_deconvolve`: conjugate gradients on the normal equations
  of a blur with no boundary assumption;
* :func:`convlib.edge_taper`: blend the borders with the blurred image, so that circular
  deconvolution does not ring;
* :func:`convlib.restoration.estimate_motion_length`: the length of a linear motion blur
  from the period of its spectrum's zeros (the cepstrum).

Frequencies are in cycles per sample, in ``numpy.fft.fftn`` order; the blur is the
centred, circular one of :func:`convlib.circular_blur`. The DFT here is unnormalised, so
white noise of standard deviation ``sigma`` on ``n`` samples has the expected power
``E|N(f)|^2 = n sigma^2`` at every frequency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from ._typing import ArrayLike, NDArray
from ._validation import as_array, check_choice, check_int, check_real
from .deconvolution import (_check_kernel, _check_nonneg, circular_blur, transfer_function,
                            wiener_deconvolve)
from .fourier import fft_convolve

__all__ = ["estimate_noise", "fit_power_law", "power_law_nsr", "wiener_power_law",
           "richardson_lucy", "cg_deconvolve", "edge_taper", "estimate_motion_length",
           "compare_restorations"]

#: The median of ``abs(Z)`` for a standard normal ``Z`` (the normal quantile at 3/4), so
#: that ``median(abs(d)) / MAD_NORMAL`` estimates the standard deviation of Gaussian ``d``.
MAD_NORMAL = 0.6744897501960817


def _real(value: ArrayLike, name: str, func: str, *, min_ndim: int = 1) -> np.ndarray:
    arr = as_array(value, name, func, min_ndim=min_ndim)
    if arr.dtype.kind == "c":
        raise TypeError(f"{func}: {name} must be real; got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{func}: {name} must be finite; got a NaN or infinity")
    return arr.astype(np.float64, copy=False)


def _radial_frequency(shape: tuple[int, ...]) -> np.ndarray:
    """``|f|`` in cycles per sample at every DFT frequency of a grid of ``shape``."""
    grids = np.meshgrid(*[np.fft.fftfreq(n) for n in shape], indexing="ij")
    return np.sqrt(sum(g ** 2 for g in grids))


def _haar_details(y: np.ndarray) -> np.ndarray:
    """The finest diagonal Haar wavelet coefficients: the high-pass difference of
    neighbouring pairs along every axis, orthonormal (white noise of standard deviation
    sigma gives coefficients of standard deviation sigma)."""
    d = y[tuple(slice(0, n - n % 2) for n in y.shape)]
    for axis in range(d.ndim):
        even = np.take(d, np.arange(0, d.shape[axis], 2), axis=axis)
        odd = np.take(d, np.arange(1, d.shape[axis], 2), axis=axis)
        d = (even - odd) / np.sqrt(2)
    return d


def _observation_and_kernel(y: ArrayLike, h: ArrayLike, func: str
                            ) -> tuple[np.ndarray, np.ndarray]:
    """The checked real observation ``y`` and kernel ``h`` (no larger than ``y``)."""
    obs = _real(y, "y", func)
    k = _real(h, "h", func, min_ndim=0)
    _check_kernel(obs, k, func)
    return obs, k


def estimate_noise(y: ArrayLike, h: ArrayLike | None = None, *,
                   method: Literal["mad", "spectrum"] = "mad", cutoff: float = 1e-2
                   ) -> float:
    r"""Estimate the standard deviation of white noise added to a (blurred) signal.

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The observation, real, every ``Ni >= 2``.
    h : array_like of shape (M1, ..., Md), optional
        The centred blur kernel; needed by ``method='spectrum'``.
    method : {'mad', 'spectrum'}
        ``'mad'``: the median absolute value of the finest diagonal Haar wavelet
        coefficients divided by :data:`convlib.restoration.MAD_NORMAL` (Donoho and
        Johnstone): robust, needs no kernel, but counts whatever fine detail the signal
        still has as noise.
        ``'spectrum'``: the mean power of ``Y(f)`` over the frequencies where
        ``|H(f)| <= cutoff`` (the blur left only noise there), divided by the number of
        samples: ``sigma^2 = mean |Y|^2 / n``.
    cutoff : float
        For ``'spectrum'``, the gain below which a frequency counts as noise only.

    Returns
    -------
    float
        The estimate of ``sigma``.

    Raises
    ------
    ValueError
        If ``method`` is unknown, ``y`` has an axis shorter than 2, ``'spectrum'`` is
        asked without ``h``, or no frequency has ``|H| <= cutoff``.

    Notes
    -----
    A Haar detail coefficient is a difference of neighbours, so it removes smooth
    content and keeps noise at its full standard deviation; the median ignores the few
    large coefficients at edges. The spectral estimate needs a blur that nearly erases
    some frequencies, which strong blurs do (chapter 6 compares both against the true
    ``sigma``).

    References
    ----------
    D. L. Donoho and I. M. Johnstone, "Ideal spatial adaptation by wavelet shrinkage",
    *Biometrika* 81(3), 1994.

    Examples
    --------
    >>> noise = 0.1 * np.random.default_rng(0).standard_normal((64, 64))
    >>> round(estimate_noise(noise), 2)
    0.1
    >>> estimate_noise(noise, method="spectrum")
    Traceback (most recent call last):
    ...
    ValueError: estimate_noise: method 'spectrum' needs the kernel h; got h=None
    """
    func = "estimate_noise"
    obs = _real(y, "y", func)
    check_choice(method, "method", ("mad", "spectrum"), func)
    if min(obs.shape) < 2:
        raise ValueError(f"{func}: y must have at least 2 samples along every axis; "
                         f"got shape {obs.shape}")
    if method == "mad":
        return float(np.median(np.abs(_haar_details(obs))) / MAD_NORMAL)
    if h is None:
        raise ValueError(f"{func}: method 'spectrum' needs the kernel h; got h=None")
    cutoff = _check_nonneg(cutoff, "cutoff", func)
    H = transfer_function(_real(h, "h", func), obs.shape)
    noise_only = np.abs(H) <= cutoff
    if not noise_only.any():
        raise ValueError(f"{func}: no frequency has |H| <= cutoff; got cutoff={cutoff} "
                         f"and min |H| = {np.abs(H).min():.3g}: use method='mad'")
    power = np.abs(np.fft.fftn(obs)[noise_only]) ** 2
    return float(np.sqrt(power.mean() / obs.size))


def fit_power_law(y: ArrayLike, h: ArrayLike, sigma: float, *,
                  exponent: float | None = None,
                  band: float = 0.5) -> tuple[float, float]:
    r"""Fit the signal spectrum model ``S_x(f) = A / |f|^p`` to a blurred, noisy observation.

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The observation ``h (*) x + n``, real.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel.
    sigma : float
        The noise's standard deviation (e.g. from :func:`convlib.estimate_noise`), ``>= 0``.
    exponent : float, optional
        ``p``, fixed (natural images have ``p`` near 2); ``None`` fits it too.
    band : float
        Only frequencies with ``|H(f)|^2 >= band`` (well measured) and ``f != 0`` are
        used.

    Returns
    -------
    (float, float)
        ``(A, p)``.

    Raises
    ------
    ValueError
        If ``sigma < 0``, ``band`` is not in ``(0, 1]``, or fewer than two frequencies
        (or, to fit ``p``, fewer than two radii) are in the band.

    Notes
    -----
    At each frequency :math:`E|Y|^2 = |H|^2 S_x + n\,\sigma^2`, so
    :math:`\hat S_x = (|Y|^2 - n\sigma^2)/|H|^2` estimates the signal power where
    ``|H|`` is not small. With ``p`` fixed, ``A`` is the mean of
    :math:`\hat S_x |f|^p` (unbiased). To fit ``p``, :math:`\hat S_x` is averaged over
    rings of equal ``|f|`` (one per DFT bin of radius) and a line is fitted to
    :math:`\log \bar S` against :math:`\log |f|`; ``A`` then as above. Only the well-
    measured band enters, and the model extrapolates from it to the high frequencies,
    where the Wiener filter needs it (chapter 6).

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((32, 32))
    >>> h = np.ones((1, 1))              # no blur, no noise: white, so p is near 0
    >>> a, p = fit_power_law(x, h, 0.0)
    >>> abs(p) < 0.5
    True
    >>> fit_power_law(x, h, -1.0)
    Traceback (most recent call last):
    ...
    ValueError: fit_power_law: sigma must be >= 0; got -1.0
    """
    func = "fit_power_law"
    obs, k = _observation_and_kernel(y, h, func)
    sigma = _check_nonneg(sigma, "sigma", func)
    band = _check_nonneg(band, "band", func)
    if not 0 < band <= 1:
        raise ValueError(f"{func}: band must be in (0, 1]; got {band}")
    H2 = np.abs(transfer_function(k, obs.shape)) ** 2
    f = _radial_frequency(obs.shape)
    use = (H2 >= band) & (f > 0)
    if use.sum() < 2:
        raise ValueError(f"{func}: fewer than two frequencies have |H|^2 >= band; "
                         f"got band={band}")
    S = (np.abs(np.fft.fftn(obs)[use]) ** 2 - obs.size * sigma ** 2) / H2[use]
    f = f[use]
    if exponent is None:
        ring = np.round(f * max(obs.shape)).astype(int)
        count = np.bincount(ring)
        mean_S = np.bincount(ring, S) / np.maximum(count, 1)
        mean_f = np.bincount(ring, f) / np.maximum(count, 1)
        ok = (count > 0) & (mean_S > 0)
        if ok.sum() < 2:
            raise ValueError(f"{func}: fewer than two radii with positive power in the "
                             f"band to fit the exponent; got band={band}")
        log_f, log_S = np.log(mean_f[ok]), np.log(mean_S[ok])
        log_f = log_f - log_f.mean()                  # least-squares slope of the line
        exponent = -np.dot(log_f, log_S - log_S.mean()) / np.dot(log_f, log_f)
    exponent = float(exponent)
    return float(np.mean(S * f ** exponent)), exponent


def power_law_nsr(shape: Sequence[int], sigma: float, amplitude: float, exponent: float
                  ) -> NDArray[np.float64]:
    """The noise-to-signal ratio of white noise against a power-law signal spectrum.

    Parameters
    ----------
    shape : sequence of int
        The signal's shape ``(N1, ..., Nd)``.
    sigma : float
        The noise's standard deviation, ``>= 0``.
    amplitude, exponent : float
        ``A > 0`` and ``p`` of ``S_x(f) = A / |f|^p`` (:func:`convlib.restoration.fit_power_law`).

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        ``n sigma^2 |f|^p / A`` in ``numpy.fft.fftn`` order, ``n = N1 ... Nd``; 0 at
        ``f = 0`` (the model's signal power is infinite there, so the mean is trusted).

    Raises
    ------
    ValueError
        If ``sigma < 0`` or ``amplitude <= 0``.

    Examples
    --------
    >>> power_law_nsr((4,), 0.5, 1.0, 2.0)
    array([0.    , 0.0625, 0.25  , 0.0625])
    """
    func = "power_law_nsr"
    shape = tuple(check_int(n, "shape", func, minimum=1) for n in shape)
    sigma = _check_nonneg(sigma, "sigma", func)
    amplitude = _check_nonneg(amplitude, "amplitude", func)
    if amplitude == 0:
        raise ValueError(f"{func}: amplitude must be > 0; got {amplitude}")
    f = _radial_frequency(shape)
    return np.prod(shape) * sigma ** 2 * f ** float(exponent) / amplitude


def wiener_power_law(y: ArrayLike, h: ArrayLike, *, sigma: float | None = None,
                     exponent: float | None = 2.0) -> NDArray[Any]:
    """The practical Wiener filter: noise and signal spectrum estimated from ``y`` itself.

    ``sigma`` (if not given) from :func:`convlib.estimate_noise` (``'spectrum'`` where the
    blur nearly erases some frequencies, else ``'mad'``), the spectrum from
    :func:`convlib.restoration.fit_power_law`, the NSR from
    :func:`convlib.restoration.power_law_nsr`, then :func:`convlib.wiener_deconvolve`.

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The blurred, noisy observation, real.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel.
    sigma : float, optional
        The noise's standard deviation, if known.
    exponent : float or None
        The spectrum's exponent ``p``; ``None`` fits it.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        The estimate of ``x``.

    Raises
    ------
    ValueError
        As the functions it calls.

    References
    ----------
    N. Wiener, *Extrapolation, Interpolation, and Smoothing of Stationary Time Series*,
    MIT Press, 1949.

    Examples
    --------
    >>> x = np.cumsum(np.random.default_rng(0).standard_normal(64))  # ~ 1/f^2
    >>> h = np.array([1.0, 2, 1]) / 4
    >>> y = circular_blur(x, h) + 0.01 * np.random.default_rng(1).standard_normal(64)
    >>> bool(np.abs(wiener_power_law(y, h) - x).mean() < np.abs(y - x).mean())
    True
    """
    func = "wiener_power_law"
    obs, k = _observation_and_kernel(y, h, func)
    if sigma is None:
        H = np.abs(transfer_function(k, obs.shape))
        method: Literal["mad", "spectrum"] = (
            "spectrum" if H.min() <= 1e-2 * H.max() else "mad")
        sigma = estimate_noise(obs, k, method=method, cutoff=1e-2 * H.max())
    else:   # checked here, so that the error names the function the user called
        sigma = _check_nonneg(sigma, "sigma", func)
    if exponent is not None:
        exponent = float(check_real(exponent, "exponent", func, finite=True))
    amplitude, exponent = fit_power_law(obs, k, sigma, exponent=exponent)
    if amplitude <= 0:
        return wiener_deconvolve(obs, k, 0.0)  # no signal power measured: pure inverse
    return wiener_deconvolve(obs, k, power_law_nsr(obs.shape, sigma, amplitude, exponent))


def richardson_lucy(y: ArrayLike, h: ArrayLike, iterations: int, *,
                    x0: ArrayLike | None = None,
                    callback: Callable[[int, np.ndarray], None] | None = None
                    ) -> NDArray[Any]:
    r"""Richardson--Lucy deconvolution of a circular blur: multiplicative, positive updates.

    .. math:: x_{k+1} = x_k \cdot \frac{h^T \circledast \bigl(y / (h \circledast x_k)\bigr)}
              {\sum h}

    where :math:`h^T` is the flipped kernel (circular correlation) and the products and
    quotient are per sample.

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The observation, real and ``>= 0`` (counts, or intensities).
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel, ``>= 0`` with a positive sum.
    iterations : int
        Number of updates, ``>= 0``; the regulariser (few: smooth, many: noisy).
    x0 : array_like of shape (N1, ..., Nd), optional
        Positive start. Default: the constant ``sum(y) / (n sum(h))``, which already
        has the right total.
    callback : callable, optional
        ``callback(k, x_k)`` after update ``k = 1, ..., iterations`` (to record an
        error curve); ``x_k`` must not be modified.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        ``x`` after ``iterations`` updates; ``>= 0``.

    Raises
    ------
    ValueError
        If ``y`` or ``h`` has a negative or non-finite value, ``h`` sums to 0,
        ``iterations < 0``, or ``x0`` has the wrong shape or a value ``<= 0``.
    TypeError
        If ``iterations`` is not an integer or an input is complex.

    Notes
    -----
    Each update multiplies by a non-negative factor, so ``x`` stays ``>= 0``; after
    every update ``sum(x) = sum(y) / sum(h)`` (flux is preserved: sum the update and
    use the transpose, :math:`\sum_i x_i (h^T \circledast r)_i = \sum_j (h \circledast
    x)_j r_j` with :math:`r = y / (h \circledast x)`, which sums to ``sum(y)``). The iteration is the EM
    algorithm for Poisson data :math:`y \sim \mathrm{Poisson}(h \circledast x)`: each
    update does not decrease the likelihood, and its limit fits the noise, so the
    error against the truth first falls and then rises (semi-convergence, chapter 6).
    Cost: four FFTs per update.

    References
    ----------
    W. H. Richardson, "Bayesian-based iterative method of image restoration",
    *J. Opt. Soc. Am.* 62(1), 1972. L. B. Lucy, "An iterative technique for the
    rectification of observed distributions", *Astron. J.* 79(6), 1974.

    Examples
    --------
    >>> x = np.array([0.0, 1, 4, 2, 0, 0, 1, 0])
    >>> h = np.array([1.0, 2, 1]) / 4
    >>> est = richardson_lucy(circular_blur(x, h), h, 50)
    >>> bool(np.isclose(est.sum(), x.sum()) and est.min() >= 0)
    True
    >>> richardson_lucy(-x, h, 5)
    Traceback (most recent call last):
    ...
    ValueError: richardson_lucy: y must be >= 0; got a minimum of -4.0
    """
    func = "richardson_lucy"
    obs, k = _observation_and_kernel(y, h, func)
    iterations = check_int(iterations, "iterations", func, minimum=0)
    for name, arr in (("y", obs), ("h", k)):
        if arr.min() < 0:
            raise ValueError(f"{func}: {name} must be >= 0; got a minimum of {float(arr.min())!r}")
    if k.sum() <= 0:
        raise ValueError(f"{func}: h must have a positive sum; got {float(k.sum())!r}")
    if x0 is None:
        x = np.full(obs.shape, obs.sum() / (obs.size * k.sum()))
    else:
        x = _real(x0, "x0", func).copy()
        if x.shape != obs.shape:
            raise ValueError(f"{func}: x0 must have the shape of y, {obs.shape}; got "
                             f"shape {x.shape}")
        if x.min() <= 0:   # a multiplicative update keeps a zero at zero for ever
            raise ValueError(f"{func}: x0 must be positive everywhere; got a minimum "
                             f"of {float(x.min())!r}")
    H = transfer_function(k, obs.shape)
    for step in range(1, iterations + 1):
        predicted = np.fft.ifftn(H * np.fft.fftn(x)).real
        ratio = np.divide(obs, predicted, out=np.zeros_like(obs), where=predicted > 0)
        # FFT rounding can make the correlation of non-negatives ~ -1e-17: clip to keep x >= 0
        x = x * np.maximum(np.fft.ifftn(H.conj() * np.fft.fftn(ratio)).real, 0) / k.sum()
        if callback is not None:
            callback(step, x)
    return x


def cg_deconvolve(y: ArrayLike, h: ArrayLike, iterations: int, *, lam: float = 0.0,
                  callback: Callable[[int, np.ndarray], None] | None = None
                  ) -> NDArray[Any]:
    r"""Deconvolve a blur with *no* boundary assumption by conjugate gradients.

    The unknown is the scene ``x`` seen through the frame plus a margin of the kernel's
    size: ``y = h * x`` in ``'valid'`` mode, so no value outside the scene is assumed
    (neither zeros nor wrap-around). The matrix ``A`` of that map is not circulant, so
    there is no division per frequency; conjugate gradients solve the normal equations

    .. math:: (A^T A + \lambda I)\, x = A^T y

    from ``x_0 = 0``, with products by ``A`` (``'valid'`` convolution) and ``A^T``
    (``'full'`` correlation) computed by FFT.

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The observation, real.
    h : array_like of shape (M1, ..., Md)
        The blur kernel, no larger than ``y``.
    iterations : int
        Number of CG steps, ``>= 0``: with ``lam = 0`` the regulariser (few: smooth).
        Stops early if the residual of the normal equations is exactly zero.
    lam : float
        Tikhonov weight ``>= 0`` (default 0).
    callback : callable, optional
        ``callback(k, frame_k)`` after step ``k = 1, ..., iterations`` with the current
        estimate of the frame (the shape of ``y``).

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        The estimate of the scene inside the frame: ``x[(Mi - 1) // 2 : ... + Ni]`` per
        axis, the samples that the kernel's centre tap ``h[M // 2]`` maps onto ``y``.

    Raises
    ------
    ValueError
        If ``iterations < 0``, ``lam < 0`` or ``h`` is larger than ``y``.
    TypeError
        If an input is complex or ``iterations`` is not an integer.

    Notes
    -----
    Step ``k`` minimises ``||A x - y||^2 + lam ||x||^2`` over the Krylov space of
    dimension ``k``; on noisy data the error against the truth first falls, then rises
    (semi-convergence), like Richardson--Lucy's. Each step costs one product by
    ``A^T A`` (four FFTs). It is ``scipy.sparse.linalg.cg`` applied to a
    ``LinearOperator`` for ``A^T A + lam I`` (the tests compare the iterates; chapter 6).

    References
    ----------
    M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear
    systems", *J. Res. Natl. Bur. Stand.* 49(6), 1952.

    Examples
    --------
    >>> x = np.array([0.0, 1, 4, 2, 0, 0, 1, 0, 2, 1])
    >>> h = np.array([1.0, 2, 1]) / 4
    >>> y = np.convolve(x, h, "valid")              # 8 samples: no boundary assumed
    >>> frame = cg_deconvolve(y, h, 3)              # estimates x[1:9]
    >>> frame.shape
    (8,)
    >>> bool(np.abs(frame - x[1:9]).mean() < np.abs(y - x[1:9]).mean())
    True
    >>> cg_deconvolve(y, h, -1)
    Traceback (most recent call last):
    ...
    ValueError: cg_deconvolve: iterations must be >= 0; got -1
    """
    func = "cg_deconvolve"
    obs, k = _observation_and_kernel(y, h, func)
    iterations = check_int(iterations, "iterations", func, minimum=0)
    lam = _check_nonneg(lam, "lam", func)
    flipped = k[(slice(None, None, -1),) * k.ndim]
    frame = tuple(slice((m - 1) // 2, (m - 1) // 2 + n) for m, n in zip(k.shape, obs.shape))

    def normal(v: np.ndarray) -> np.ndarray:
        return fft_convolve(fft_convolve(v, k, "valid"), flipped, "full") + lam * v

    x = np.zeros(tuple(n + m - 1 for n, m in zip(obs.shape, k.shape)))
    r = fft_convolve(obs, flipped, "full")          # A^T y - (A^T A + lam) x_0
    p, rs = r.copy(), float(np.vdot(r, r))
    for step in range(1, iterations + 1):
        if rs == 0:                                 # solved exactly
            break
        q = normal(p)
        alpha = rs / float(np.vdot(p, q))
        x, r = x + alpha * p, r - alpha * q
        rs, rs_old = float(np.vdot(r, r)), rs
        p = r + (rs / rs_old) * p
        if callback is not None:
            callback(step, x[frame])
    return x[frame].copy()


def _taper_weights(shape: tuple[int, ...], h: np.ndarray) -> np.ndarray:
    """``alpha``: 0 on the borders, 1 inside, rising over the kernel's autocorrelation."""
    alpha = np.ones(())
    for axis, n in enumerate(shape):
        profile = h.sum(axis=tuple(a for a in range(h.ndim) if a != axis))
        if n > 2:
            auto = np.fft.ifft(np.abs(np.fft.fft(profile, n - 1)) ** 2).real
            auto = np.append(auto, auto[0])   # symmetric: 1 at both ends after scaling
        else:
            auto = np.ones(n)
        alpha = np.multiply.outer(alpha, 1 - auto / auto.max())
    return alpha


def edge_taper(y: ArrayLike, h: ArrayLike) -> NDArray[Any]:
    r"""Blend the borders of ``y`` into its circular blur, so that deconvolution by the
    circular model does not ring at the edges.

    .. math:: y_t = \alpha\, y + (1 - \alpha)\, (h \circledast y)

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The observation, real.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel, with a positive sum; ``Mi <= Ni / 2``.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        ``y_t``: equal to ``y`` farther than the kernel's width from every border, and to
        the circular blur ``h (*) y`` (periodic, so it matches across the wrap-around) on
        the borders.

    Raises
    ------
    ValueError
        If ``h`` is larger than half of ``y`` in some axis or sums to 0.

    Notes
    -----
    ``alpha`` is the outer product over the axes of ``1 - a / max(a)``, where ``a`` is
    the circular autocorrelation (length ``N - 1``, its first value repeated at the end)
    of the kernel summed over the other axes: 0 at both ends of the axis, 1 once the
    kernel's autocorrelation has died out. This is the construction of MATLAB's
    ``edgetaper``, whose documentation describes the weights as determined by the PSF's
    autocorrelation. The circular blur of ``y`` is what the circular model predicts at
    the wrap-around, so the tapered image is nearly consistent with it there (chapter 6
    measures the ringing it removes).

    Examples
    --------
    >>> y = np.arange(12.0)
    >>> t = edge_taper(y, np.ones(3) / 3)
    >>> bool(np.allclose(t[3:-3], y[3:-3])), bool(np.isclose(t[0], (11 + 0 + 1) / 3))
    (True, True)
    >>> edge_taper(y, np.ones(7) / 7)
    Traceback (most recent call last):
    ...
    ValueError: edge_taper: h must be at most half of y in every axis; got h of shape (7,) for y of shape (12,)
    """
    func = "edge_taper"
    obs, k = _observation_and_kernel(y, h, func)
    if any(2 * m > n for m, n in zip(k.shape, obs.shape)):
        raise ValueError(f"{func}: h must be at most half of y in every axis; got h of "
                         f"shape {k.shape} for y of shape {obs.shape}")
    if k.sum() == 0:
        raise ValueError(f"{func}: h must have a non-zero sum; got 0")
    k = k / k.sum()
    alpha = _taper_weights(obs.shape, k)
    return alpha * obs + (1 - alpha) * circular_blur(obs, k)


def estimate_motion_length(y: ArrayLike, max_length: int, *, axis: int = -1) -> int:
    r"""The length ``L`` of a linear motion blur along ``axis``, from the data alone.

    A motion blur averages ``L`` neighbours along ``axis``; its transfer function is zero
    at every multiple of ``1/L`` cycles per sample, so ``log |Y(f)|`` has dips with a
    period of ``N/L`` bins. The Fourier transform of the log spectrum (the *cepstrum*)
    turns that period into a negative peak at lag ``L``.

    Parameters
    ----------
    y : array_like of shape (N1, ..., Nd)
        The blurred image, real, ``d >= 1``.
    max_length : int
        The longest blur considered, ``2 <= max_length < N / 2`` along ``axis``.
    axis : int
        The direction of motion.

    Returns
    -------
    int
        The lag in ``[2, max_length]`` where the cepstrum is most negative.

    Raises
    ------
    ValueError
        If ``max_length`` is out of range or ``axis`` is not an axis of ``y``.

    Notes
    -----
    Each line along ``axis`` is made zero-mean and multiplied by a Hann window (so the
    image's borders add no spectral leakage); the power spectra of all lines are
    averaged, then ``c = ifft(log P)``. For an ``L``-tap box, ``log |H|^2`` is periodic
    in ``f`` with period ``1/L`` (and dives to ``-inf`` at its zeros), which dominates
    the smooth log spectrum of the scene at lag ``L``. The cepstrum was used for blur
    identification by Stockham, Cannon and Ingebretsen (chapter 6).

    References
    ----------
    T. G. Stockham, T. M. Cannon and R. B. Ingebretsen, "Blind deconvolution through
    digital signal processing", *Proc. IEEE* 63(4), 1975.

    Examples
    --------
    >>> x = np.random.default_rng(0).random((64, 128))
    >>> from convlib import convolve2d
    >>> estimate_motion_length(convolve2d(x, np.ones((1, 7)) / 7, "same", "symm"), 20)
    7
    """
    func = "estimate_motion_length"
    obs = _real(y, "y", func)
    ax = check_int(axis, "axis", func)
    if not -obs.ndim <= ax < obs.ndim:
        raise ValueError(f"{func}: axis must be an axis of y ({obs.ndim}-D); got {axis}")
    n = obs.shape[ax]
    max_length = check_int(max_length, "max_length", func, minimum=2)
    if not max_length < n / 2:
        raise ValueError(f"{func}: max_length must be < {n / 2:g} (half of y along axis); "
                         f"got {max_length}")
    lines = np.moveaxis(obs, ax, -1).reshape(-1, n)
    lines = (lines - lines.mean(axis=1, keepdims=True)) * np.hanning(n)
    power = np.mean(np.abs(np.fft.fft(lines, axis=1)) ** 2, axis=0)
    cepstrum = np.fft.ifft(np.log(power + 1e-300)).real
    return int(np.argmin(cepstrum[2:max_length + 1]) + 2)


def compare_restorations(x: ArrayLike, h: ArrayLike, noise: float, iterations: int = 20,
                         seed: int = 0) -> dict[str, Any]:
    """Blur ``x``, add seeded noise, restore it by the practical Wiener filter and by
    Richardson--Lucy: the state of chapter 6's restoration widget.

    Parameters
    ----------
    x : array_like of shape (N1, ..., Nd)
        The clean image, real, values in about ``[0, 1]``.
    h : array_like of shape (M1, ..., Md)
        The centred blur kernel, ``>= 0`` with a positive sum.
    noise : float
        Standard deviation of the added white Gaussian noise, ``>= 0``.
    iterations : int
        Richardson--Lucy updates (its input is the observation clipped at 0).
    seed : int
        Seed of ``numpy.random.default_rng`` for the noise.

    Returns
    -------
    dict
        ``observed``, ``wiener`` (:func:`convlib.wiener_power_law`, ``sigma`` estimated),
        ``richardson_lucy`` (arrays), and ``rmse`` (a dict of the three root-mean-square
        errors against ``x``).

    Raises
    ------
    ValueError, TypeError
        As the functions it calls, or if ``noise < 0``.

    Examples
    --------
    >>> x = np.random.default_rng(0).random((32, 32))
    >>> out = compare_restorations(x, np.ones((3, 3)) / 9, noise=0.01, iterations=5)
    >>> sorted(out["rmse"])
    ['observed', 'richardson_lucy', 'wiener']
    """
    func = "compare_restorations"
    noise = _check_nonneg(noise, "noise", func)
    clean = _real(x, "x", func)
    y = circular_blur(clean, h)
    y = y + noise * np.random.default_rng(seed).standard_normal(y.shape)
    arrays = {"observed": y, "wiener": wiener_power_law(y, h),
              "richardson_lucy": richardson_lucy(np.clip(y, 0, None), h, iterations)}
    rmse = {name: float(np.sqrt(np.mean((arrays[name] - clean) ** 2)))
            for name in ("observed", "wiener", "richardson_lucy")}
    return {**arrays, "rmse": rmse}
