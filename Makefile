# The two commands of README.md, each setting itself up:
#   make book   execute every notebook (checking it reproduces its stored outputs), then
#               build the HTML book under _build/html, failing on any warning
#   make test   the type check (mypy, configured in pyproject.toml), then the whole test
#               suite: convlib's tests and doctests, notebook hygiene, nbval over every
#               notebook, and a warning-free book build
# Both install first (that needs the network), then run their tests and the build with
# no network at all: .ci/offline runs them in a network namespace with only loopback up
# (unshare -n as root, unshare -r -n otherwise). Where no namespace can be made it says so
# loudly and runs with the network, and tests/test_offline.py reports a skip with the
# reason (a failure under CI=1). OFFLINE=no runs with the network on purpose.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
# OpenBLAS picks its kernels for the CPU it finds, and their rounding differs (AVX2
# against AVX-512 kernels): the notebooks' stored outputs, to the last digit, carry the
# AVX2 (Haswell) kernels' rounding. Every target here runs those kernels on x86-64 (any
# AVX2 machine runs them) unless OPENBLAS_CORETYPE is set; the benchmark, run directly,
# measures the machine's own.
ifeq ($(shell uname -m),x86_64)
export OPENBLAS_CORETYPE ?= Haswell
endif
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
OFFLINE_RUN := .ci/offline
export OFFLINE

LITE   := _build/html/lite

.PHONY: book test execute freeze clean chromium pdf lab launch lite compat

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

book: $(STAMP)
	$(OFFLINE_RUN) $(BIN)/python -m pytest book -n $(JOBS) --dist loadfile -q
	$(OFFLINE_RUN) $(BIN)/jupyter-book build . -W -n --keep-going --all
	$(MAKE) lite

test: $(STAMP) chromium lite
	$(OFFLINE_RUN) $(BIN)/python -m mypy
	$(OFFLINE_RUN) $(BIN)/python -m pytest -n $(JOBS) --dist loadfile

# The live mode: every chapter runs in the reader's browser (JupyterLite, Pyodide), served
# with the book under _build/html/lite, offline once served. Built from pinned packages
# (tools/requirements-lite.txt, Pyodide from npm, every compiled wheel checked against
# Pyodide's own sha256s) in .venv-lite; downloads are cached in .lite-cache. Needs the
# network the first time, so it runs before the offline part of `make book`/`make test`.
lite: $(STAMP)
	$(BIN)/python tools/build_lite.py --out $(LITE)

# convlib's unit tests and doctests under the live mode's older versions (numpy 2.0,
# scipy 1.14, matplotlib 3.8, Pillow 10.2, as Pyodide 0.27.7 has them), on CPython, in
# .venv-compat (a few minutes). The notebook, book and browser tests need the book's tools.
COMPAT_IGNORE := $(addprefix --ignore=tests/,test_notebooks.py test_book.py \
	test_live_widgets.py test_launch.py test_nbval_strict.py test_offline.py \
	test_prose.py test_bench.py test_tiled.py test_notebook_glue.py)
compat:
	test -x .venv-compat/bin/python || $(PYTHON) -m venv .venv-compat
	.venv-compat/bin/python -m pip install -q --disable-pip-version-check \
	  -r tools/requirements-compat.txt
	PYTHONPATH=. MPLBACKEND=Agg .venv-compat/bin/python -m pytest -o addopts="" \
	  -p no:cacheprovider -q $(COMPAT_IGNORE) tests

# The browser test needs Debian's Chromium (Playwright drives the system browser; it
# cannot download its own here). Installed when missing and possible (root, apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium >/dev/null; } || \
	  echo "make: could not install chromium; the browser test will say so"

# Re-execute notebooks and store their outputs (after editing a chapter):
#   make execute                      every notebook under book/
#   make execute NB=book/part1/ch01_convolution_1d.ipynb
NB ?= $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
execute: $(STAMP)
	$(BIN)/python tools/notebook_tools.py execute $(NB)

# Point the book at its public repository: launch buttons (Binder, Colab; JupyterHub with
# HUB=https://...) in _config.yml and a Colab-only install cell in every notebook:
#   make launch URL=https://github.com/OWNER/REPO [BRANCH=main] [HUB=https://hub.example.org]
BRANCH ?= main
launch: $(STAMP)
	@test -n "$(URL)" || { echo "make launch URL=https://github.com/OWNER/REPO"; exit 2; }
	$(BIN)/python tools/notebook_tools.py launch "$(URL)" "$(BRANCH)" $(if $(HUB),"$(HUB)")

# The chapters live, in JupyterLab (widgets recompute with convlib)
lab: $(STAMP)
	$(BIN)/jupyter lab book

# Optional: the whole book as one PDF (_build/latex/convolution-from-first-principles.pdf).
# Needs LaTeX from Debian, offline once installed:
#   apt-get install --no-install-recommends texlive-latex-recommended texlive-latex-extra \
#     texlive-fonts-recommended texlive-xetex latexmk tex-gyre fonts-freefont-otf
pdf: $(STAMP)
	$(BIN)/jupyter-book build . --builder pdflatex

freeze: $(STAMP)
	$(BIN)/python -m pip install -q -r requirements.in
	( sed -n '1,4p' requirements.txt; $(BIN)/python -m pip freeze --exclude-editable \
	  | grep -v '^convlib'; echo '-e .' ) > requirements.tmp && mv requirements.tmp requirements.txt

clean:
	rm -rf _build
