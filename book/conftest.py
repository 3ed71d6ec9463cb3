"""pytest for the notebooks under book/: nbval compares their figures too.

tests/nbval_figures.py wraps nbval's output comparison so that every stored PNG must be
redrawn by the fresh run (see its docstring for the rule and the tolerance).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nbval_figures import pytest_configure  # noqa: E402,F401  (the hook pytest calls)


#: nbval waits at most this long for each output message of a cell once the kernel has
#: answered (nbval's own default is 5 s and no option changes it). On a loaded 2-core
#: machine a figure's message can take longer than that to arrive.
OUTPUT_TIMEOUT = 60


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if hasattr(item, "output_timeout"):            # a notebook cell under nbval
            item.output_timeout = OUTPUT_TIMEOUT
            item.add_marker(pytest.mark.slow)          # `pytest -m "not slow"` skips it
