"""The house (STYLE.md section 16): how convlib's modules may import each other.

Every module of convlib is parsed with ``ast`` (nothing is imported) and its imports of
convlib modules are resolved to module names. The tests fail on

* any cycle among convlib modules (counting every import, at module level or not);
* a numeric module importing plotting, widgets, the benchmark, machine or notebook;
* an import that goes up the layers of section 16;
* any import of a convlib module inside a function body (the way a cycle hides);
* ``import convlib`` loading matplotlib (the package is headless; ``convlib.plotting``,
  ``convlib.widgets`` and ``convlib.data`` load on first use).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

PACKAGE = ROOT / "convlib"

#: Modules for people, not numbers: figures, live widgets, the benchmark with the
#: calibration of the cost model, the machine it ran on, the chapters' glue.
TOOLING = {"plotting", "widgets", "bench", "machine", "notebook"}

#: Section 16's layers, bottom first; a module imports only from its own layer or below.
LAYERS = [
    # shape arithmetic, validation and the exception every method raises
    {"_validation", "_errors", "shapes", "_timing", "_typing"},
    # the method implementations (and the sample data, which needs only validation)
    # (and _fft, the FFT core that fourier and overlap share)
    {"direct", "fourier", "overlap", "exact", "matrices", "im2col", "winograd",
     "separable", "integral", "recursive", "kernels", "boundaries", "deconvolution",
     "restoration", "data", "_fft", "radix2", "edges", "compiled", "compiled_columns",
     "roofline"},
    # the dispatcher and its cost model
    {"costmodel", "dispatch"},
    # neural-network layers
    {"nn"},
    # Part V
    {"sparse", "tiled", "masked", "pixelcnn"},
    # on top, beside each other
    TOOLING,
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
           if "data_files" not in p.parts}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(name: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The convlib modules an import statement in module ``name`` loads."""
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names if a.name.split(".")[0] == "convlib"]
    else:
        if node.level:
            base = name.split(".") if _is_package(name) else name.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        if module.split(".")[0] != "convlib":
            return []
        # `from package import submodule` loads the submodule
        subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES]
        targets = subs if len(subs) == len(node.names) else [module, *subs]
    out = []
    for target in targets:
        while target not in MODULES:  # an attribute path: its module
            target = target.rpartition(".")[0]
        out.append(target)
        # importing convlib.nn.layers from outside convlib.nn runs convlib/nn/__init__
        parent = target.rpartition(".")[0]
        while parent and parent != "convlib":
            if not (name == parent or name.startswith(parent + ".")):
                out.append(parent)
            parent = parent.rpartition(".")[0]
    return out


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
        or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(name: str) -> list[tuple[str, int, bool]]:
    """``(target module, line, inside a function)`` for every convlib import of a module."""
    tree = ast.parse(MODULES[name].read_text(), str(MODULES[name]))
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue  # never executed
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend((t, child.lineno, in_function) for t in _resolve(name, child))
            visit(child, in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


GRAPH = {name: imports(name) for name in MODULES}


def short(name: str) -> str:
    return name.removeprefix("convlib.") if name != "convlib" else name


def top(name: str) -> str:
    """The top-level module of convlib a module belongs to (``nn`` for ``nn.layers``)."""
    return short(name).split(".")[0]


def edges(function_level: bool = True) -> dict[str, set[str]]:
    return {name: {t for t, _, inside in found if t != name and (function_level or not inside)}
            for name, found in GRAPH.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def describe(graph: dict[str, set[str]], component: list[str]) -> str:
    inside = set(component)
    return ", ".join(f"{short(a)} -> {short(b)}" for a in component
                     for b in sorted(graph[a] & inside))


# ---- the parser itself ---------------------------------------------------------------

def test_the_parser_sees_the_imports_it_must():
    assert len(MODULES) > 20 and "convlib.nn.layers" in MODULES
    assert "convlib.dispatch" in edges()["convlib.tiled"]
    assert "convlib.im2col" in edges()["convlib.nn.layers"]
    assert {"convlib.nn.layers", "convlib.nn"} <= edges()["convlib.masked"]
    # a submodule importing a sibling does not depend on its own package
    assert "convlib.nn" not in edges()["convlib.nn.layers"]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert describe(graph, ["a", "b", "c"]) == "a -> b, b -> c, c -> a"


def test_every_module_has_a_layer():
    layered = set().union(*LAYERS)
    missing = sorted({top(n) for n in MODULES if n != "convlib"} - layered)
    assert not missing, f"place these modules in a layer of LAYERS (STYLE.md 16): {missing}"


# ---- the rules -----------------------------------------------------------------------

def test_no_import_cycle():
    graph = edges(function_level=True)
    found = cycles(graph)
    assert not found, "import cycles among convlib modules:\n" + "\n".join(
        describe(graph, c) for c in found)


def test_numeric_modules_do_not_import_tooling():
    bad = [f"{short(name)}:{line} imports {short(target)}"
           for name, found in GRAPH.items() if name != "convlib" and top(name) not in TOOLING
           for target, line, _ in found if top(target) in TOOLING]
    assert not bad, "numeric modules importing plotting, widgets, bench, machine or " \
        "notebook:\n" + "\n".join(bad)


def test_imports_go_down_the_layers():
    layer = {m: i for i, group in enumerate(LAYERS) for m in group}
    bad = [f"{short(name)}:{line} (layer {layer[top(name)]}) imports {short(target)} "
           f"(layer {layer[top(target)]})"
           for name, found in GRAPH.items() if name != "convlib"
           for target, line, _ in found
           if top(target) in layer and top(name) in layer
           and layer[top(target)] > layer[top(name)]]
    assert not bad, "imports going up the layers of STYLE.md 16:\n" + "\n".join(bad)


def test_no_function_level_import_of_convlib():
    bad = [f"{short(name)}:{line} imports {short(target)} inside a function"
           for name, found in GRAPH.items() for target, line, inside in found if inside]
    assert not bad, "import convlib modules at module level (a function-level import " \
        "hides a cycle):\n" + "\n".join(bad)


@pytest.mark.parametrize("module", ["matplotlib.pyplot", "matplotlib", "PIL", "ipywidgets"])
def test_import_convlib_is_headless(module):
    code = f"import convlib, sys; assert {module!r} not in sys.modules, 'loaded'"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, f"import convlib loads {module}:\n{run.stderr[-2000:]}"


def test_lazy_modules_load_on_first_use():
    code = ("import sys, convlib as cl\n"
            "assert 'convlib.plotting' not in sys.modules\n"
            "assert callable(cl.plotting.setup) and callable(cl.widgets.live)\n"
            "assert callable(cl.data.load_image) and callable(cl.bench.bench_methods)\n"
            "assert 'matplotlib.pyplot' in sys.modules\n"
            "from convlib import plotting\n"
            "assert plotting is cl.plotting is sys.modules['convlib.plotting']\n"
            "assert {'plotting', 'widgets', 'data', 'bench'} <= set(dir(cl))\n"
            "try:\n"
            "    cl.no_such_module\n"
            "except AttributeError as exc:\n"
            "    assert 'no_such_module' in str(exc)\n"
            "else:\n"
            "    raise AssertionError('no AttributeError')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]


def test_method_cannot_serve_is_one_class():
    import convlib
    from convlib import _errors, dispatch
    assert dispatch.MethodCannotServe is _errors.MethodCannotServe
    assert issubclass(dispatch.MethodCannotServe, ValueError)
    assert getattr(convlib, "MethodCannotServe", dispatch.MethodCannotServe) \
        is dispatch.MethodCannotServe


# ---- private names stay in their module (issue 15, item 7) -----------------------------

#: The private bottom modules: their ``_names`` are shared by the package on purpose.
PRIVATE_BOTTOM = {"_validation", "_errors", "_timing", "_fft"}

#: Known imports of private names, each ``(importer, module, name)``, with ``*`` for
#: any importer. Delete entries as they go; the test fails on entries no longer used.
PRIVATE_IMPORT_ALLOWLIST: set[tuple[str, str, str]] = set()


def takes_caller_name(module: str, private: str) -> bool:
    """Whether ``module``'s function ``private`` takes ``func``, the name of the public
    function the user called (issue 15 item 6): such a helper is the package-internal
    face of a public function (``shapes._output_shape(s1, s2, mode, func)`` behind
    ``output_shape``), shared on purpose so that every error names the caller."""
    tree = ast.parse(MODULES[module].read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == private:
            args = node.args
            return "func" in {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    return False


def private_imports(name: str, source: str | None = None) -> list[tuple[str, str, int]]:
    """``(module, private name, line)`` for every name with a leading underscore that a
    convlib module (its ``source``, default its file) takes from another convlib
    module: ``from <module> import _x``, or ``<module>._x`` through an imported module
    (``from . import direct`` then ``direct._x``). Private submodules are not names."""
    if source is None:
        source = MODULES[name].read_text()
    tree = ast.parse(source)
    found, modules = [], {}   # modules: local name -> convlib module it is bound to
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for alias in node.names:
            if isinstance(node, ast.Import):
                if alias.asname and alias.name.split(".")[0] == "convlib" \
                        and alias.name in MODULES:
                    modules[alias.asname] = alias.name
                continue
            single = ast.ImportFrom(module=node.module, names=[alias], level=node.level)
            for target in _resolve(name, single):
                if target.endswith("." + alias.name):   # a module, not a name
                    modules[alias.asname or alias.name] = target
                elif alias.name.startswith("_") and not alias.name.startswith("__") \
                        and target != name:
                    found.append((target, alias.name, node.lineno))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and node.attr.startswith("_")
                and not node.attr.startswith("__") and modules[node.value.id] != name):
            found.append((modules[node.value.id], node.attr, node.lineno))
    return sorted(found, key=lambda f: f[2])


def test_the_private_import_parser_sees_them():
    source = ("from .fourier import _as_float, fft_convolve\n"
              "from ._validation import as_array, _limit\n"
              "from . import _errors, direct\n"
              "from .nn import layers as nn_layers\n"
              "import convlib.exact as ex\n"
              "def f():\n"
              "    from convlib.direct import _secret\n"
              "    return direct._windows(nn_layers._conv2d_gemm, ex._plan,\n"
              "                           direct.DIRECT_BLOCK)\n")
    assert private_imports("convlib.overlap", source) == [
        ("convlib.fourier", "_as_float", 1), ("convlib._validation", "_limit", 2),
        ("convlib.direct", "_secret", 7), ("convlib.direct", "_windows", 8),
        ("convlib.nn.layers", "_conv2d_gemm", 8), ("convlib.exact", "_plan", 8)]


def test_no_module_imports_another_modules_private_names():
    bad, used = [], set()
    for name in MODULES:
        for target, private, line in private_imports(name):
            if short(target).split(".")[-1] in PRIVATE_BOTTOM \
                    or takes_caller_name(target, private):
                continue
            allowed = {(short(name), short(target), private), ("*", short(target), private)}
            if allowed & PRIVATE_IMPORT_ALLOWLIST:
                used |= allowed & PRIVATE_IMPORT_ALLOWLIST
                continue
            bad.append(f"{short(name)}:{line} imports {private} from {short(target)}")
    assert not bad, "a private name (leading underscore) belongs to its module; make " \
        "it a documented package function, a helper taking the caller's name (func), " \
        "or move it to a private bottom module " \
        f"({sorted(PRIVATE_BOTTOM)}):\n" + "\n".join(bad)
    stale = sorted(PRIVATE_IMPORT_ALLOWLIST - used)
    assert not stale, f"allowlisted private imports that are gone; delete them: {stale}"


def test_every_package_directory_is_installed():
    """pyproject lists packages explicitly: a new subpackage left out installs nowhere
    but the editable checkout (``convlib.plotting`` was missing from the wheel the live
    site installs)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")}
    assert found == listed
