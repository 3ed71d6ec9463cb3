"""Sphinx extension for the book's PDF (``make pdf``; loaded through _config.yml).

Sphinx's LaTeX builder inlines every chapter into the root page and drops what the HTML
shows around them. This puts the book's structure back, for the LaTeX builder only (the
HTML is untouched: raw LaTeX nodes are skipped by the HTML writer, and the transforms
below run for the ``latex`` format only):

* **Contents.** Sphinx titles the table of contents with the first toctree caption
  ("Part I — Foundations"); the preamble renames it "Contents".
* **Front matter.** The root page's title becomes the title page, so its text had no
  heading and the footer of the contents. It becomes an unnumbered front-matter chapter
  (``ROOT_CHAPTER``) with roman page numbers, listed in the contents, with its own footer.
* **Parts.** Each toctree caption of ``_toc.yml`` becomes a part divider page (the caption
  verbatim, "Part I — Foundations", in the contents as a part); arabic page numbers start
  at the first. The caption "Appendices" also starts LaTeX's appendix (chapters A, B, ...).
* **Bibliography.** Sphinx gathers every citation into a separate unnumbered chapter at
  the end of the document, leaving the appendix chapter that holds the ``{bibliography}``
  directive with its one sentence on an empty page. The entries move back into that
  chapter (``BIBLIOGRAPHY_LABEL``), printed as a list under its sentence.
* **Widget twins.** In print a twin (:class:`convlib.plotting.SliderPlayer`) is its
  first frame, a still image; a line under it says so (the parameter value shown, how
  many frames the web edition's player has). The notebook outputs are not changed.
* **Blank pages.** The blank left-hand page before a chapter or part has no running
  head or foot, as in a printed book.
* **Tables.** Inside tables an inline literal may break after an underscore, so long
  identifiers (``BORDER_REFLECT_101``) wrap inside their column instead of overflowing,
  and tabulary leaves every column at least a 10-character identifier wide.
"""

from __future__ import annotations

import html
import json
import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

ROOT_CHAPTER = "Introduction"
BIBLIOGRAPHY_LABEL = "appendix-bibliography"
APPENDIX_CAPTION = re.compile(r"^Appendi(x|ces)\b")

# Appended to latex_elements["preamble"] (which Sphinx places after its own packages and
# after the \contentsname it derives from the first toctree caption, so this one wins).
PREAMBLE = r"""
% --- book/_ext/book_latex.py -------------------------------------------------------
\makeatletter
\addto\captionsenglish{\renewcommand{\contentsname}{Contents}}
% the contents and the introduction keep roman page numbers; the first part switches
\renewcommand{\sphinxtableofcontents}{%
  \pagenumbering{roman}%
  \begingroup\parskip\z@skip\sphinxtableofcontentshook\tableofcontents\endgroup}
% an unnumbered front-matter chapter: in the contents, and named in the footer
\newcommand{\convlibfrontchapter}[1]{%
  \chapter*{#1}\phantomsection\addcontentsline{toc}{chapter}{#1}\markboth{#1}{#1}}
% a part divider titled with the toctree caption as written ("Part I — Foundations")
\newcommand{\convlibpart}[1]{%
  \if@openright\cleardoublepage\else\clearpage\fi
  \thispagestyle{empty}\markboth{}{}%
  \phantomsection\addcontentsline{toc}{part}{#1}%
  \null\vfil
  {\centering\interlinepenalty\@M\py@HeaderFamily\Huge #1\par}%
  \vfil\newpage
  \if@twoside\if@openright\null\thispagestyle{empty}\newpage\fi\fi}
% the bibliography as a list under the sentence of the chapter that holds it
% (thebibliography without its own \chapter* heading and marks)
\newenvironment{convlibbibliography}[1]%
  {\let\chapter\@gobbletwo\let\@mkboth\@gobbletwo\begin{thebibliography}{#1}}%
  {\end{thebibliography}}
% a blank left-hand page before a chapter or part carries no running head or foot
\renewcommand{\cleardoublepage}{\clearpage\if@twoside\ifodd\c@page\else
  \hbox{}\thispagestyle{empty}\newpage\fi\fi}
% tabulary squeezes columns of short words below their width (a column of `boundary`,
% `reflect` overflowed): no column narrower than a 10-character identifier
\AtBeginDocument{\settowidth{\tymin}{\ttfamily 0000000000}}
% in tables, inline literals may also break after an underscore
\g@addto@macro\sphinxattablestart{%
  \protected\def\_{\ifmmode\nfss@text{\textunderscore}\else
    \textunderscore\discretionary{}{}{}\fi}}
\makeatother
"""


def _add_preamble(app, config):
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + PREAMBLE
    config.latex_elements = elements


def _raw(tex: str) -> nodes.raw:
    return nodes.raw("", tex, format="latex")


def _tex_escape(text: str) -> str:
    return re.sub(r"([\\{}$&#%_^~])", r"\\\1", text)


def _structure_root(app, doctree):
    """Front-matter heading and part dividers, in the root page (LaTeX only sees them)."""
    if app.env.docname != app.config.root_doc:
        return
    sections = [s for s in doctree.children if isinstance(s, nodes.section)]
    if not sections:
        return
    top = sections[0]
    title = next((i for i, child in enumerate(top.children)
                  if isinstance(child, nodes.title)), None)
    if title is not None:
        top.insert(title + 1, _raw(r"\convlibfrontchapter{%s}" % ROOT_CHAPTER))
    import sphinx.addnodes as addnodes

    first = True
    for toctree in list(doctree.findall(addnodes.toctree)):
        caption = toctree.get("caption")
        if not caption:
            continue
        anchor = toctree.parent if isinstance(toctree.parent, nodes.compound) else toctree
        tex = ""
        if first:  # the main matter starts on a right-hand page 1
            tex += r"\cleardoublepage\pagenumbering{arabic}"
            first = False
        tex += r"\convlibpart{%s}" % _tex_escape(caption)
        if APPENDIX_CAPTION.match(caption):
            tex += r"\appendix"
        anchor.parent.insert(anchor.parent.index(anchor), _raw(tex))


class TwinStillFrame(SphinxPostTransform):
    """Under each widget twin in print: it is a still frame, and which one."""

    default_priority = 3  # before myst-nb's SelectMimeType (4) drops the HTML
    formats = ("latex",)

    def run(self, **kwargs):
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            page = "".join(child.astext() for child in bundle.children
                           if child.get("mime_type") == "text/html")
            if 'class="convlib-player"' not in page:
                continue
            note = twin_note(page)
            if note is None:
                continue
            para = nodes.paragraph("", "", nodes.emphasis("", note),
                                   classes=["convlib-twin-print"])
            after = bundle
            while after.parent is not None and not isinstance(after, nodes.figure) \
                    and isinstance(after.parent, (nodes.container, nodes.figure)):
                after = after.parent
            after.parent.insert(after.parent.index(after) + 1, para)


def twin_note(page: str) -> str | None:
    """The print line for a SliderPlayer's HTML: the frame shown and the frame count.

    >>> print(twin_note('<div class="convlib-player"><input type="range" min="0" max="2" '
    ...                 'value="1" aria-label="sigma"/><script>var f=[],'
    ...                 'v=["0.5", "1", "2"],' "p='x';</script></div>"))
    ... # doctest: +NORMALIZE_WHITESPACE
    Still frame for print (sigma = 1, frame 2 of 3): on the web page the player steps
    through all 3 frames without Python.
    """
    label = re.search(r'<input type="range"[^>]*aria-label="([^"]*)"', page)
    start = re.search(r'<input type="range"[^>]*value="(\d+)"', page)
    values = re.search(r"v=(\[.*?\]),p=", page)
    if not (label and start and values):
        return None
    values = json.loads(values[1])
    k = int(start[1])
    return (f"Still frame for print ({html.unescape(label[1])} = {values[k]}, frame {k + 1} "
            f"of {len(values)}): on the web page the player steps through all {len(values)} "
            "frames without Python.")


class BibliographyInPlace(SphinxPostTransform):
    """Print the citations in the chapter with the ``{bibliography}`` directive."""

    default_priority = 751  # after Sphinx's BibliographyTransform gathered them (750)
    formats = ("latex",)

    def run(self, **kwargs):
        from sphinx.builders.latex.nodes import thebibliography

        gathered = [n for n in self.document.children if isinstance(n, thebibliography)]
        target = next((s for s in self.document.findall(nodes.section)
                       if BIBLIOGRAPHY_LABEL in s["ids"]), None)
        if not gathered or target is None:
            return
        for node in gathered:
            node.parent.remove(node)
            target += _raw(r"\let\sphinxthebibliography\convlibbibliography"
                           r"\let\endsphinxthebibliography\endconvlibbibliography")
            target += node


def setup(app):
    app.connect("config-inited", _add_preamble)
    app.connect("doctree-read", _structure_root)
    app.add_post_transform(TwinStillFrame)
    app.add_post_transform(BibliographyInPlace)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
