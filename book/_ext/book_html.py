"""Sphinx extension with the book's HTML fixes (loaded through _config.yml).

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


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
