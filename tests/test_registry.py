"""Registry-wide checks: every operation is complete in every place it must be.

An operation is one class in ``symdiff/ops`` (shape rule, value, VJP, JVP,
docstring), one lowering entry in ``symdiff/backends/numba/lowerings`` and
rows in ``tests/optable.py``. These tests fail when a piece is missing.
"""

from __future__ import annotations

import pytest

import symdiff.graph as g
from symdiff.backends.numba import lowering as L
from symdiff.traversal import all_nodes
from tests.registry_graphs import every_op_graph

_NODES = all_nodes(every_op_graph())   # loop bodies included

#: methods a lowering entry of each kind must implement (not inherit from the protocol)
REQUIRED = {
    "array": [], "source": ["expr"], "inline": ["inputs_at", "expr"], "piecewise": ["pieces"],
    "reduction": ["accumulators", "update"], "scatter": ["inputs_at", "target"], "step": ["emit"],
}
_BASE = {"array": L.Array, "source": L.Source, "inline": L.Inline, "piecewise": L.Piecewise,
         "reduction": L.Reduction, "scatter": L.Scatter, "step": L.Step}


def test_every_operation_is_reached_by_the_table_its_gradients_or_the_internal_graph():
    reached = {n.op.name for n in _NODES}
    assert sorted(set(g.OPS) - reached) == [], "operations without a table row or derivative that uses them"


def test_every_node_of_every_operation_rebuilds_from_its_parts():
    """node.op.make(*node.inputs, **node.kw) is node (the rebuild invariant), for every operation."""
    seen = set()
    for node in _NODES:
        assert node.op.make(*node.inputs, **node.kw) is node, node
        seen.add(node.op.name)
    assert seen == set(g.OPS)


def test_every_operation_has_a_lowering_entry():
    assert L.missing_lowerings() == []
    assert set(L.LOWERINGS) == set(g.OPS)


@pytest.mark.parametrize("name", sorted(g.OPS))
def test_lowering_entries_implement_their_kind(name):
    entry = L.LOWERINGS[name]
    kinds = {entry.kind_of(n) for n in _NODES if n.op.name == name} | {entry.kind}
    for kind in kinds:
        assert kind in L.KINDS, (name, kind)
        for method in REQUIRED[kind]:
            impl = getattr(type(entry), method, None)
            assert impl is not None and impl is not getattr(_BASE[kind], method, None), \
                f"lowering of {name} ({kind}) lacks {method}"


@pytest.mark.parametrize("name", sorted(g.OPS))
def test_every_operation_declares_its_sparsity(name):
    """Sparsity detection (``symdiff/sparsity/rules.py``) needs each operation's kind; none falls back silently."""
    from symdiff.sparsity.rules import _MAPS

    op = g.OPS[name]
    assert op.sparsity in set(_MAPS) | {"none"}, f"{name} declares no sparsity kind"
    curvature = op.curvature
    assert curvature in ("all", "none", "cofactor") or all(
        isinstance(p, tuple) and len(p) == 2 for p in curvature), (name, curvature)
    if op.sparsity == "scatter":
        assert op.gather_op in g.OPS, name
