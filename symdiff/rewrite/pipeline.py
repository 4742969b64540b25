"""What ``sd.simplify`` and ``sd.function`` run: the rule groups, in one pass.

All groups run together in the single bottom-up pass (each node tries its
rules until none fires), so no phase ordering is needed: a stability rewrite
that exposes an algebraic identity is settled on the spot.
"""

from __future__ import annotations

from typing import Iterable

from ..graph import Node, as_node
from .engine import rewrite
from .loops import LOOP_RULES, merge_loops
from .rules import ALGEBRA, FOLD, STABILITY

ALL_RULES = ALGEBRA + STABILITY + FOLD + LOOP_RULES


def _flatten(outputs):
    if isinstance(outputs, (list, tuple)):
        return [as_node(o) for o in outputs]
    return [as_node(outputs)]


def _restore(outputs, new):
    if isinstance(outputs, tuple):
        return tuple(new)
    if isinstance(outputs, list):
        return list(new)
    return new[0]


def simplify(outputs, fast_math: bool = False):
    """The rewritten graph that ``sd.function`` compiles, in the structure given.

    Applies algebraic identities, numerically stable forms and constant
    folding in one pass to a fixed point. ``fast_math=True`` also allows
    identities that fail for inf or nan (``x * 0 -> 0``, ``x - x -> 0``).

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> print(sd.debugprint(sd.simplify(sd.log(sd.sigmoid(x)) * 1.0)))
    negative [id D] (3,) float64
     └─ softplus [id C] (3,) float64
         └─ negative [id B] (3,) float64
             └─ x [id A] (3,) float64
    """
    return _restore(outputs, merge_loops(rewrite(_flatten(outputs), ALL_RULES, fast_math=fast_math)))


def stabilize(outputs: list[Node], protect: Iterable[Node] = ()) -> list[Node]:
    """Only the numerically stable forms, leaving ``protect``ed nodes in place.

    The differentiation API runs this on the graph it differentiates, so the
    derivative of ``log(sigmoid(x))`` is built from ``-softplus(-x)`` and stays
    finite where the textbook form gives nan.
    """
    return rewrite(list(outputs), STABILITY, protect=protect)


def rules_table() -> list[tuple[str, str, str]]:
    """(group, name, identity and condition) for every rule, for docs and tests."""
    out = []
    for group, rules in (("algebra", ALGEBRA), ("stability", STABILITY), ("fold", FOLD), ("loops", LOOP_RULES)):
        for r in rules:
            out.append((group, r.name, r.doc))
    return out
