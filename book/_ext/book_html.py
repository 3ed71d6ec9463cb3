"""Sphinx extension for the book's HTML (loaded through _config.yml).

It adds the ``execution-statistics`` directive (a table of every notebook page, read from
the notebooks at build time) and fixes one problem of the stock HTML:

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
    app.add_directive("execution-statistics", _exec_stats_directive())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
