"""`make launch URL=...`: launch buttons in _config.yml and the guarded Colab install cell.

The book's public address is written in one command (tests/notebook_tools.py launch); these
tests run that command on a scratch copy of the book and check what it writes: settings that
Jupyter Book turns into Binder and Colab buttons, and a first code cell that installs convlib
in Colab, is silent everywhere else (so nbval still reproduces every stored output), and
is replaced, never duplicated, when the command runs again.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from notebook_tools import (CONFIG_BEGIN, book_notebooks, colab_cell_source,
                            is_colab_cell, set_launch)
from support import ROOT

URL = "https://github.com/example-org/convolution-book"
COPIED = ["book/part1/ch01_convolution_1d.ipynb", "book/part4/ch13_backprop.ipynb"]


@pytest.fixture
def book(tmp_path):
    for name in ["_config.yml", "_toc.yml", *COPIED]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def without_counts(nb):
    """Each code cell's source and outputs, execution counts left out."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or is_colab_cell(cell):
            continue
        outputs = [{k: v for k, v in o.items() if k != "execution_count"} for o in cell.outputs]
        cells.append((cell.source, outputs))
    return cells


@pytest.mark.slow
def test_launch_settings_reach_the_theme(book):
    set_launch(book, URL, "main")
    config = yaml.safe_load((book / "_config.yml").read_text())
    assert config["repository"] == {"url": URL, "path_to_book": "", "branch": "main"}
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert "jupyterhub_url" not in config["launch_buttons"]
    assert config["title"] and config["sphinx"], "the rest of the configuration is kept"
    # Jupyter Book's own translation into Sphinx settings, as the build does it
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "config", "sphinx", str(book)], check=True, capture_output=True)
    conf = (book / "conf.py").read_text()
    options = ast.literal_eval(conf.split("html_theme_options = ", 1)[1].split("\n", 1)[0])
    assert options["repository_url"] == URL and options["repository_branch"] == "main"
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"


def test_every_notebook_gets_one_colab_cell_and_keeps_its_outputs(book):
    before = {p: nbformat.read(p, as_version=4) for p in book_notebooks(book)}
    assert len(before) == len(COPIED)
    set_launch(book, URL, "main")
    for path, old in before.items():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert is_colab_cell(code[0]) and not any(is_colab_cell(c) for c in code[1:])
        assert code[0].source == colab_cell_source(URL, "main")
        assert code[0].outputs == [] and code[0].metadata.tags == ["remove-cell"]
        assert f"git+{URL}@main" in code[0].source
        counts = [c.execution_count for c in code if c.execution_count is not None]
        assert counts == list(range(1, len(counts) + 1))
        assert without_counts(nb) == without_counts(old), "outputs changed"
        nbformat.validate(nb)


def test_running_again_replaces(book):
    set_launch(book, URL, "main")
    first = {p: p.read_bytes() for p in [book / "_config.yml", *book_notebooks(book)]}
    set_launch(book, URL, "main")
    assert {p: p.read_bytes() for p in first} == first, "not idempotent"
    other = "https://github.com/someone-else/book"
    set_launch(book, other, "stable", "https://hub.example.org")
    config = yaml.safe_load((book / "_config.yml").read_text())
    assert config["repository"]["url"] == other and config["repository"]["branch"] == "stable"
    assert config["launch_buttons"]["jupyterhub_url"] == "https://hub.example.org"
    assert (book / "_config.yml").read_text().count("launch_buttons:") == 1
    for path in book_notebooks(book):
        nb = nbformat.read(path, as_version=4)
        colab = [c for c in nb.cells if is_colab_cell(c)]
        assert len(colab) == 1 and f"git+{other}@stable" in colab[0].source


@pytest.mark.parametrize("args, message", [
    (("http://github.com/a/b",), "url must be a GitHub repository address"),
    (("https://github.com/a/b/",), "url must be a GitHub repository address"),
    (("https://gitlab.com/a/b",), "url must be a GitHub repository address"),
    ((URL, "main; rm -rf"), "branch must be a git branch name"),
    ((URL, "main", "hub.example.org"), "hub must be a JupyterHub's https:// address"),
])
def test_bad_arguments_are_refused_before_anything_is_written(book, args, message):
    config = (book / "_config.yml").read_bytes()
    with pytest.raises(ValueError, match=message):
        set_launch(book, *args)
    assert (book / "_config.yml").read_bytes() == config


def test_colab_cell_is_silent_outside_colab_and_installs_inside(tmp_path):
    """Run the cell in a real kernel: outside Colab it prints nothing; with a stand-in
    google.colab module and a recording %pip, it asks pip for exactly the repository."""
    from nbclient import NotebookClient

    cell = colab_cell_source(URL, "main")
    fake_colab = ("import sys, types\n"
                  "sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
                  "asked = []\n"
                  "get_ipython().register_magic_function(asked.append, 'line', 'pip')")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(cell), nbformat.v4.new_code_cell(fake_colab),
        nbformat.v4.new_code_cell(cell), nbformat.v4.new_code_cell("print(asked)")])
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs == [], "the cell printed something outside Colab"
    assert nb.cells[2].outputs == []
    printed = nb.cells[3].outputs[0]["text"]
    assert printed.strip() == repr([f'install -q "convlib @ git+{URL}@main"'])


def test_the_repository_is_consistent():
    """Launch buttons configured exactly when every notebook has the matching Colab cell."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = (config.get("repository") or {}).get("url")
    branch = (config.get("repository") or {}).get("branch", "main")
    for path in book_notebooks(ROOT):
        nb = nbformat.read(path, as_version=4)
        colab = [c for c in nb.cells if is_colab_cell(c)]
        if url is None:
            assert not colab, f"{path.name}: a Colab cell but no repository in _config.yml"
        else:
            assert len(colab) == 1 and colab[0].source == colab_cell_source(url, branch), \
                f"{path.name}: run `make launch URL={url}` again"
    assert (url is None) == (CONFIG_BEGIN not in (ROOT / "_config.yml").read_text())
