"""Execute the book's notebooks and store their outputs, the way nbval will re-run them.

Usage::

    python tests/notebook_tools.py execute book/part1/ch01_convolution_1d.ipynb [...]

Each notebook is run top to bottom in a fresh ``python3`` kernel from its own folder
(as nbval runs it), outputs are stored with execution counts 1..n, and volatile metadata
(cell timings, widget state) is dropped so that re-executing an unchanged chapter gives
an identical file. Live-widget state is not stored: the published book shows each
widget's static twin instead (see CONTRIBUTING.md).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop metadata that changes from run to run."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.metadata.pop("collapsed", None)
    return nb


def execute(path: Path, timeout: int = 300) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False, store_widget_state=True,
                            )
    client.allow_errors = False
    # cells tagged raises-exception may raise; nbclient honours that tag itself
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nb = normalise(nb)
    # shown on the book's execution-statistics page; whole seconds keep diffs quiet
    nb.metadata["convlib"] = {"execution_seconds": max(1, round(seconds))}
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "execute":
        print(__doc__)
        return 2
    for name in argv[1:]:
        path = Path(name).resolve()
        print(f"executing {path.relative_to(ROOT)}", flush=True)
        execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
