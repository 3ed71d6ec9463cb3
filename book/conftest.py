"""pytest for the notebooks under book/: nbval compares their figures too.

tests/nbval_figures.py wraps nbval's output comparison so that every stored PNG must be
redrawn by the fresh run (see its docstring for the rule and the tolerance).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nbval_figures import pytest_configure  # noqa: E402,F401  (the hook pytest calls)
