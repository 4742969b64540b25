"""Exceptions raised by symdiff."""

from __future__ import annotations


class ShapeError(ValueError):
    """A shape or dtype mistake found while building a node.

    Raised at build time, before anything runs; the message names the operation
    and the shapes (or dtypes) involved.

    >>> import symdiff as sd
    >>> try:
    ...     sd.vector("x", 3) + sd.vector("y", 4)
    ... except sd.ShapeError as e:
    ...     print(e)
    add: cannot broadcast shapes (3,) and (4,)
    """


def shape_error(op: str, message: str) -> ShapeError:
    return ShapeError(f"{op}: {message}")
