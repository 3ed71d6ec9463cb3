"""Sphinx extension for the book's HTML (loaded through _config.yml).

It adds the ``execution-statistics`` directive (a table of every notebook page, read from
the notebooks at build time), a "Run live in your browser" button under the title of every
notebook page that opens it in the book's own JupyterLite site (``lite/``, built by
``make lite`` from tools/build_lite.py; pages that cannot run there say why instead), and
fixes one problem of the stock HTML:

sphinx-thebe (pulled in by Jupyter Book 1.x) registers its inline configuration script
twice, so every page declares ``const THEBE_JS_URL`` twice and the browser reports a
SyntaxError. This drops duplicates (same file, or same inline body) from each page's script list.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # an inline script appears once with filename None and once with '' (same body)
        key = (getattr(script, "filename", script) or "",
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


# --- the live mode: a button on every notebook page ---------------------------------------

def _build_lite_constant(name: str) -> dict:
    """A constant of tools/build_lite.py (NOT_LIVE, LIVE_VERSIONS): one home for each."""
    import ast
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "tools" / "build_lite.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if getattr(target, "id", None) == name:
                return ast.literal_eval(node.value)
    raise RuntimeError(f"tools/build_lite.py defines no {name}")


def live_button(docname: str, not_live: dict, versions: dict) -> str:
    """The HTML under a notebook page's title: a link into the JupyterLite site, or why not.

    ``docname`` is the page's path from the repository root without suffix
    (``book/part1/ch01_convolution_1d``); the site serves ``book/`` as its root.
    """
    import html

    if docname in not_live:
        return ('<p class="convlib-live convlib-live-off">This chapter does not run live in '
                f"the browser: {html.escape(not_live[docname])}. Run it in Jupyter "
                "(<code>make lab</code>).</p>")
    depth = docname.count("/")
    path = docname.removeprefix("book/") + ".ipynb"
    href = "../" * depth + f"lite/notebooks/index.html?path={path}"
    listed = ", ".join(f"{k} {v}" for k, v in versions.items())
    return ('<p class="convlib-live"><a class="btn btn-sm btn-primary convlib-live-button" '
            f'href="{html.escape(href)}" target="_blank" rel="noopener">'
            "&#9654; Run live in your browser</a> <span class=\"convlib-live-note\">"
            "Python runs in your browser tab (JupyterLite with Pyodide): no server, no "
            "account, no network once the site is loaded; the first start takes a minute. "
            f"Its versions ({html.escape(listed)}) are older than the ones this page was "
            "computed with, so the last digits of some outputs may differ.</span></p>")


def _add_live_button(app, pagename, templatename, context, doctree):
    import re

    if not context.get("body") or not str(app.env.doc2path(pagename)).endswith(".ipynb"):
        return
    if not hasattr(app, "_convlib_live"):
        app._convlib_live = (_build_lite_constant("NOT_LIVE"),
                             _build_lite_constant("LIVE_VERSIONS"))
    button = live_button(pagename, *app._convlib_live)
    context["body"] = re.sub(r"(</h1>)", lambda m: m[1] + button, context["body"], count=1)


# --- the execution-statistics page --------------------------------------------------------

def _notebook_stats(path):
    import json
    import re

    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    outputs = [o for c in code for o in c.get("outputs", [])]
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in code]
    return {
        "cells": len(code),
        "checks": sum(bool(re.search(r"^\s*assert ", "".join(c["source"]), re.M))
                      for c in code),
        "figures": sum("image/png" in o.get("data", {}) for o in outputs),
        "twins": sum("convlib-player" in "".join(o.get("data", {}).get("text/html", ""))
                     for o in outputs),
        "ignored": sum("nbval-ignore-output" in t for t in tags),
        "seconds": nb.get("metadata", {}).get("convlib", {}).get("execution_seconds"),
    }


def _exec_stats_directive():
    from pathlib import Path

    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class ExecutionStatistics(SphinxDirective):
        """A table of every notebook page: cells, checks, figures, twins, run time."""

        def run(self):
            env = self.env
            rows = ["| page | code cells | cells with asserts | figures | widget twins "
                    "| ignored by nbval | last run (s) |", "|---|---|---|---|---|---|---|"]
            for docname in sorted(env.found_docs):
                path = Path(env.doc2path(docname))
                if path.suffix != ".ipynb":
                    continue
                env.note_dependency(str(path))
                s = _notebook_stats(path)
                seconds = "?" if s["seconds"] is None else str(s["seconds"])
                rows.append(f"| {{doc}}`/{docname}` | {s['cells']} | {s['checks']} "
                            f"| {s['figures']} | {s['twins']} | {s['ignored']} | {seconds} |")
            # the directive lives in a MyST page, so its content is parsed as Markdown
            text = rows
            content = StringList("\n".join(text).splitlines(), source="execution-statistics")
            from docutils import nodes

            container = nodes.container()
            self.state.nested_parse(content, self.content_offset, container)
            return container.children

    return ExecutionStatistics


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _add_live_button)
    app.add_directive("execution-statistics", _exec_stats_directive())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
