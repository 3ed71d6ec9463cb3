"""The exception for inputs outside a method's domain.

It lives at the bottom of the house (STYLE.md 16) so that the implementations raise it
without importing the dispatcher: :mod:`convlib.dispatch` re-exports it as
``convlib.dispatch.MethodCannotServe`` and raises it, with the reason the method's
``serves`` predicate gives, naming the function the user called.
"""

from __future__ import annotations

__all__ = ["MethodCannotServe"]


class MethodCannotServe(ValueError):
    """Raised for inputs a method cannot serve (a ``ValueError``): by
    :func:`convlib.convolve` and :func:`convlib.correlate` before running the method,
    and by the method's implementation called directly; the message is the reason."""
