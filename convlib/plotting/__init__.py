"""The book's plotting: one package, a core and one module per part of the book.

``convlib.plotting.core`` holds the style (:func:`setup`), the signal and image plots
every chapter uses, the colours shared by several parts and the static "twin" of a widget
(:func:`slider_player`) that works in the published HTML without a kernel. Each part's
figures live in their own module (``part1`` ... ``part6``, ``appendix``); every public name
is re-exported here, so ``cl.plotting.draw_flip_slide`` and
``from convlib.plotting import stem`` work whichever module defines them.

Loading this package loads matplotlib; ``import convlib`` does not (it loads
``convlib.plotting`` on first use).
"""

from __future__ import annotations

from . import appendix, core, part1, part2, part3, part4, part5, part6
from .appendix import *  # noqa: F403
from .core import *  # noqa: F403
from .part1 import *  # noqa: F403
from .part2 import *  # noqa: F403
from .part3 import *  # noqa: F403
from .part4 import *  # noqa: F403
from .part5 import *  # noqa: F403
from .part6 import *  # noqa: F403

__all__ = [*core.__all__, *part1.__all__, *part2.__all__, *part3.__all__, *part4.__all__,
           *part5.__all__, *part6.__all__, *appendix.__all__]
