"""What machine a benchmark ran on, and whether it was quiet while it ran.

A benchmark that compares libraries is only as good as the machine it ran on. Two facts
matter and are recorded with every run of :mod:`convlib.bench`:

* **the machine**: CPU model, logical cores, NumPy's BLAS and the BLAS kernel it runs
  (``OPENBLAS_CORETYPE`` forces an older kernel on some processors, which slows GEMM);
* **the load**: other processes' CPU use while the benchmark ran. On two cores, a busy
  core slows PyTorch's OpenMP threads four to five times and NumPy hardly at all, which
  once made a slower convlib layer look faster than PyTorch's. So a run is *quiet* only
  if, in every window sampled before and after each goal, the other processes used less
  than :data:`QUIET_OTHER_CORES` cores.

Nothing here times anything: it reads ``/proc/stat`` and the process's own CPU times
(Linux; elsewhere only the load average is recorded and quietness is unknown).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import time
from typing import Any

import numpy as np

from ._timing import cpu_seconds

__all__ = ["machine_info", "cpu_load", "QUIET_OTHER_CORES"]

#: The most CPU (in cores) other processes may use in a sampled window for a run to count
#: as quiet: a quarter of a core allows a shell, an editor and the kernel's own threads.
QUIET_OTHER_CORES = 0.25


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> dict[str, Any]:
    """NumPy's BLAS as NumPy's build configuration names it, and the forced kernel."""
    info: dict[str, Any] = {}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info = {"name": blas.get("name"), "version": blas.get("version")}
    except Exception:  # show_config's layout is not a stable API across NumPy versions
        info = {"name": None, "version": None}
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    info["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS")
    return info


def machine_info() -> dict[str, Any]:
    """The machine a benchmark runs on.

    Returns
    -------
    dict
        ``cpu`` (model name), ``cores`` (logical CPUs this process may use), ``python``,
        ``numpy``, ``scipy``, ``numba`` (None where not installed), ``platform``,
        ``blas`` (name, version and the OpenBLAS environment variables that select its
        kernel and threads) and ``peers``: the installed versions of the benchmark's
        peers, ``opencv`` and ``torch`` (None where not installed). The versions other
        than NumPy's are read from the packages' metadata, without importing them.

    Examples
    --------
    >>> info = machine_info()
    >>> sorted(info)
    ['blas', 'cores', 'cpu', 'numba', 'numpy', 'peers', 'platform', 'python', 'scipy']
    >>> sorted(info["peers"])
    ['opencv', 'torch']
    >>> info["cores"] >= 1
    True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count()
    return {"cpu": _cpu_model(), "cores": cores, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": _version("scipy"),
            "numba": _version("numba"), "platform": platform.platform(), "blas": _blas(),
            "peers": {"opencv": _version("opencv-python-headless", "opencv-python",
                                         "opencv-contrib-python-headless",
                                         "opencv-contrib-python"),
                      "torch": _version("torch")}}


def _version(*distributions: str) -> str | None:
    """The version of the first of ``distributions`` that is installed, else None."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def cpu_load(window: float = 0.5) -> dict[str, Any]:
    """Other processes' CPU use over a ``window`` of seconds, and the load averages.

    Parameters
    ----------
    window : float
        Seconds to sample; this process sleeps meanwhile, so what is busy is the others.

    Returns
    -------
    dict
        ``other_cores`` (cores' worth of CPU used by other processes in the window, or
        ``None`` without ``/proc/stat``), ``loadavg`` (1, 5 and 15 minutes) and ``quiet``
        (``other_cores < QUIET_OTHER_CORES``, or ``None`` when unknown).

    Examples
    --------
    >>> load = cpu_load(0.05)
    >>> sorted(load)
    ['loadavg', 'other_cores', 'quiet']
    """
    loadavg = [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None
    before, own_before = cpu_seconds(), sum(os.times()[:2])
    start = time.monotonic()
    time.sleep(window)
    after, own_after = cpu_seconds(), sum(os.times()[:2])
    elapsed = time.monotonic() - start
    if before is None or after is None:
        return {"other_cores": None, "loadavg": loadavg, "quiet": None}
    busy = (after[0] - before[0]) - (own_after - own_before)
    other = max(busy, 0.0) / elapsed
    return {"other_cores": round(other, 3), "loadavg": loadavg,
            "quiet": bool(other < QUIET_OTHER_CORES)}
