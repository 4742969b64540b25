"""The NumPy-named user functions, gathered from the operation modules.

No math lives here: each name is defined next to its operation in ``ops/`` and
listed in that module's ``__all__``, so a new operation needs no line here.
"""

from __future__ import annotations

from .graph import constant, make_input
from .ops.composite import *  # noqa: F401,F403
from .ops.control import *  # noqa: F401,F403
from .ops.creation import *  # noqa: F401,F403  (each module's __all__: its public functions)
from .ops.cumulative import *  # noqa: F401,F403
from .ops.elementwise import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.matrix import *  # noqa: F401,F403
from .ops.contraction import *  # noqa: F401,F403
from .ops.nn import *  # noqa: F401,F403
from .ops.reduction import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.special import *  # noqa: F401,F403
from .ops.updates import *  # noqa: F401,F403


def scalar(name: str, dtype="float64"):
    """A 0-d input symbol.

    >>> import symdiff as sd
    >>> sd.scalar("x").shape
    ()
    """
    return make_input(name, (), dtype)


def vector(name: str, n, dtype="float64"):
    """A 1-d input symbol of length ``n`` (an int or a symbolic name).

    >>> import symdiff as sd
    >>> sd.vector("x", "n").shape
    ('n',)
    """
    return make_input(name, (n,), dtype)


def matrix(name: str, shape, dtype="float64"):
    """A 2-d input symbol.

    >>> import symdiff as sd
    >>> sd.matrix("A", ("m", 3)).shape
    ('m', 3)
    """
    shape = tuple(shape)
    if len(shape) != 2:
        raise ValueError(f"matrix {name!r}: shape must have 2 dimensions, got {shape}")
    return make_input(name, shape, dtype)


def tensor(name: str, shape, dtype="float64"):
    """An n-d input symbol of any shape."""
    if isinstance(shape, (int, str)):
        shape = (shape,)
    return make_input(name, tuple(shape), dtype)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("annotations",)]
