"""The exception a method implementation raises for inputs it cannot serve.

It lives at the bottom of the house (STYLE.md 16) so that the implementations raise it
without importing the dispatcher that reports it: :mod:`convlib.dispatch` re-exports it
as ``convlib.dispatch.MethodCannotServe`` and turns it into a ``ValueError`` naming the
function the user called.
"""

from __future__ import annotations

__all__ = ["MethodCannotServe"]


class MethodCannotServe(ValueError):
    """Raised by a method implementation that cannot serve the given inputs."""
