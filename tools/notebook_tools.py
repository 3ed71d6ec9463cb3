"""Execute the book's notebooks and store their outputs, the way nbval will re-run them.

Usage::

    python tools/notebook_tools.py execute book/part1/ch01_convolution_1d.ipynb [...]
    python tools/notebook_tools.py launch https://github.com/OWNER/REPO [BRANCH [HUB_URL]]

Each notebook is run top to bottom in a fresh ``python3`` kernel from its own folder
(as nbval runs it), outputs are stored with execution counts 1..n, and volatile metadata
(cell timings, widget state) is dropped so that re-executing an unchanged chapter gives
an identical file. Live-widget state is not stored: the published book shows each
widget's static twin instead (see CONTRIBUTING.md).

``launch`` points the book at its public repository (``make launch URL=...``): it writes
the ``repository`` and ``launch_buttons`` settings into ``_config.yml`` (Binder, Colab and,
given a hub, JupyterHub buttons on every notebook page) and gives every notebook of the
book a first code cell that installs convlib from that repository when the notebook runs
in Google Colab, and does nothing anywhere else (no output, so nbval and the stored
outputs are unaffected; execution counts are renumbered). Running it again replaces both.
"""

from __future__ import annotations

import re
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


#: How long one wait for the kernel's reply on the shell channel lasts before it is
#: asked again (seconds); see :func:`_sliced_shell_waits`.
SHELL_POLL_S = 0.5


def _sliced_shell_waits(client) -> None:
    """Make ``client``'s waits for a cell's reply short polls repeated until the cell's
    deadline.

    nbclient waits for the reply with one ``get_msg(timeout=<the cell's timeout>)`` on
    the asynchronous shell channel. After a cell that displays ipywidgets, that wait
    now and then misses the reply that has already arrived and returns only at the
    timeout, finding it then (jupyter/nbclient#312): 2-3 runs in 17 of chapter 6 sat
    idle for the full 300 s after its upload widget. A fresh poll sees a waiting
    message at once, so polling in short slices bounds the stall by ``SHELL_POLL_S``.
    nbval (``make test``) uses the blocking client and is not affected.
    """
    from queue import Empty

    channel = client.kc.shell_channel
    get_msg = channel.get_msg

    async def get_msg_sliced(timeout: float | None = None, **kwargs):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            step = SHELL_POLL_S if left is None else max(0.0, min(SHELL_POLL_S, left))
            try:
                return await get_msg(timeout=step, **kwargs)
            except Empty:
                if left is not None and left <= SHELL_POLL_S:
                    raise

    channel.get_msg = get_msg_sliced


def execute(path: Path, timeout: int = 300) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False, store_widget_state=True,
                            # one stream output per cell and name, as nbval compares
                            # them; myst-nb would put a line break between pieces
                            coalesce_streams=True)
    client.allow_errors = False
    # the kernel client exists once the notebook starts
    client.on_notebook_start = lambda notebook: _sliced_shell_waits(client)
    # cells tagged raises-exception may raise; nbclient honours that tag itself
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nb = normalise(nb)
    # shown on the book's execution-statistics page; whole seconds keep diffs quiet
    nb.metadata["convlib"] = {"execution_seconds": max(1, round(seconds))}
    nbformat.write(nb, path)


# ---- exercise solutions: plain {solution} directives and gated solution-start/-end -------

# the opening line of a MyST directive fence: ``` or ~~~ or ::: (3 or more), then {name}
DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|~{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$",
                       re.M)
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")


def directives(text: str) -> list[dict]:
    """The top-level MyST directives of one markdown text, in order: for each its name,
    argument, options (``:key: value`` lines right after the opening fence) and body.
    Directives nested inside another's body are not listed (they belong to the outer one).
    """
    found, pos = [], 0
    while (m := DIRECTIVE.search(text, pos)) is not None:
        fence = m["fence"]
        # a closing fence: the same character, at least as long, alone on its line
        close = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        end = close.search(text, m.end())
        body_end, pos = (end.start(), end.end()) if end else (len(text), len(text))
        lines = text[m.end():body_end].split("\n")[1:]
        options = {}
        while lines and (o := OPTION.match(lines[0])):
            options[o["key"]] = o["value"].strip()
            lines.pop(0)
        found.append({"name": m["name"], "arg": m["arg"].strip(), "options": options,
                      "body": "\n".join(lines), "start": m.start(), "end": pos})
    return found


def solutions(nb) -> list[dict]:
    """Every exercise solution of a notebook (a dict from ``json`` or nbformat), in order.

    A plain ``{solution}`` directive lives in one markdown cell: its ``markdown`` is the
    directive's body and it has no ``code`` cells. A gated solution starts with a
    ``{solution-start}`` directive and ends with a ``{solution-end}`` directive, each in a
    markdown cell: its ``markdown`` is the markdown between them (start and end cells
    excluded) and ``code`` holds the sources of the code cells between them, which nbval
    executes. ``form`` is ``"plain"`` or ``"gated"``, ``label`` the exercise label,
    ``options`` those of the opening directive; ``closed`` is False for a gated solution
    without its ``{solution-end}``.
    """
    found, current = [], None
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            if current is not None:
                current["code"].append(text)
            continue
        if cell["cell_type"] != "markdown":
            continue
        pos = 0  # markdown of an open gated solution: the text between the directives
        for d in directives(text):
            if current is not None:
                current["markdown"].append(text[pos:d["start"]])
            pos = d["end"]
            if d["name"] == "solution":
                found.append({"form": "plain", "label": d["arg"], "options": d["options"],
                              "markdown": [d["body"]], "code": [], "closed": True})
            elif d["name"] == "solution-start":
                current = {"form": "gated", "label": d["arg"], "options": d["options"],
                           "markdown": [], "code": [], "closed": False}
                found.append(current)
            elif d["name"] == "solution-end" and current is not None:
                current["closed"] = True
                current = None
        if current is not None:
            current["markdown"].append(text[pos:])
    for s in found:
        s["markdown"] = "\n".join(s["markdown"])
    return found


# ---- launch buttons and the Colab install cell ----------------------------------------------

COLAB_MARK = "# In Google Colab, install convlib"
CONFIG_BEGIN = "# >>> launch buttons: written by `make launch URL=...`"
CONFIG_END = "# <<< launch buttons"
REPOSITORY = re.compile(r"https://github\.com/[A-Za-z0-9-]+/[A-Za-z0-9._-]+")


def colab_cell_source(url: str, branch: str) -> str:
    return (f"{COLAB_MARK} from the book's repository (does nothing elsewhere).\n"
            "import sys\n\n"
            'if "google.colab" in sys.modules:\n'
            f'    %pip install -q "convlib @ git+{url}@{branch}"')


def is_colab_cell(cell) -> bool:
    return cell.cell_type == "code" and "".join(cell.source).startswith(COLAB_MARK)


def toc_entries(root: Path = ROOT) -> list[str]:
    """The pages of root/_toc.yml in order, as paths without a suffix."""
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"(?:file|root):\s*([^\s#]+)", toc)


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks among the pages of root/_toc.yml."""
    return [root / f"{n}.ipynb" for n in toc_entries(root) if (root / f"{n}.ipynb").exists()]


def renumber(nb: nbformat.NotebookNode) -> None:
    """Execution counts 1..n over the code cells that ran, as a fresh run numbers them."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.execution_count is not None:
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = count


def add_colab_cell(nb: nbformat.NotebookNode, url: str, branch: str) -> None:
    """Put the guarded install cell first among the code cells (after the title)."""
    nb.cells = [c for c in nb.cells if not is_colab_cell(c)]
    cell = nbformat.v4.new_code_cell(colab_cell_source(url, branch))
    cell.id = "colab-install"  # a fixed id: running the tool again changes nothing
    cell.metadata = {"tags": ["remove-cell"]}  # the static pages do not need it
    cell.execution_count = 0  # ran (renumbered below), printed nothing
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"),
                      len(nb.cells))
    nb.cells.insert(first_code, cell)
    renumber(nb)


def launch_config(url: str, branch: str, hub: str | None) -> str:
    lines = [CONFIG_BEGIN, "repository:", f"  url: {url}", '  path_to_book: ""',
             f"  branch: {branch}", "launch_buttons:", "  notebook_interface: jupyterlab",
             "  binderhub_url: https://mybinder.org",
             "  colab_url: https://colab.research.google.com"]
    if hub:
        lines.append(f"  jupyterhub_url: {hub}")
    return "\n".join(lines + [CONFIG_END]) + "\n"


def set_launch(root: Path, url: str, branch: str = "main", hub: str | None = None) -> None:
    """Write the launch settings into root/_config.yml and the Colab cell into every
    notebook of root/_toc.yml (see the module docstring)."""
    if not REPOSITORY.fullmatch(url):
        raise ValueError(f"url must be a GitHub repository address like "
                         f"https://github.com/OWNER/REPO (Binder and Colab need one), "
                         f"got {url!r}")
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch):
        raise ValueError(f"branch must be a git branch name, got {branch!r}")
    if hub is not None and not re.fullmatch(r"https://[^\s\"']+", hub):
        raise ValueError(f"hub must be a JupyterHub's https:// address, got {hub!r}")
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(re.escape(CONFIG_BEGIN) + r".*?" + re.escape(CONFIG_END) + r"\n?", "",
                  text, flags=re.S)
    config.write_text(text.rstrip("\n") + "\n\n" + launch_config(url, branch, hub),
                      encoding="utf-8")
    for path in book_notebooks(root):
        nb = nbformat.read(path, as_version=4)
        add_colab_cell(nb, url, branch)
        nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "execute":
        for name in argv[1:]:
            path = Path(name).resolve()
            print(f"executing {path.relative_to(ROOT)}", flush=True)
            execute(path)
        return 0
    if 2 <= len(argv) <= 4 and argv[0] == "launch":
        set_launch(ROOT, *argv[1:])
        print(f"launch buttons and Colab install cells now point at {argv[1]}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
