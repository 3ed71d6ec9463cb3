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
    {"direct", "fourier", "overlap", "exact", "matrices", "im2col", "winograd",
     "separable", "integral", "kernels", "boundaries", "deconvolution", "data"},
    # the dispatcher and its cost model
    {"costmodel", "dispatch"},
    # neural-network layers
    {"nn"},
    # Part V
    {"sparse", "tiled", "masked"},
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
