"""A flat, versioned graph format: saving, loading and pickling graphs of any depth.

A graph is written as a list of nodes in topological order, each
``[operation name, [input positions], {params}]``, plus the positions of
the outputs. Params are encoded as JSON values: tuples, dtypes, slices,
non-finite floats, constant arrays (dtype, shape and base64 bytes) and loop
bodies (a nested graph) are tagged objects. Loading rebuilds every node
through its operation's own ``make``, so shape rules run again and equal
nodes are shared with the ones already in the process. Nothing in a file is
executed: the format holds no pickle and no code.

Input symbols carry a serial unique across processes (a random per-process
prefix and a counter), so a graph loaded in another process never merges
with a local symbol of the same name.

>>> import symdiff as sd
>>> x = sd.vector("x", "n")
>>> y = sd.exp(x) * 2.0
>>> graph_from_record(graph_record(y)) is y
True
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

from .graph import OPS, ConstValue, Node
from .ops.control.body import Body
from .traversal import toposort

FORMAT = "symdiff-graph"
VERSION = 1


class GraphFormatError(ValueError):
    """A graph file or record that cannot be read: another format, a newer version, damaged data."""


# -- params ----------------------------------------------------------------------------------------

def _encode(v: Any, where: str) -> Any:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else {"float": repr(v)}
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, tuple):
        return {"tuple": [_encode(x, where) for x in v]}
    if isinstance(v, slice):
        return {"slice": [_encode(x, where) for x in (v.start, v.stop, v.step)]}
    if isinstance(v, np.dtype):
        return {"dtype": v.str}
    if isinstance(v, ConstValue):
        a = np.array(v.array, order="C")   # (ascontiguousarray would make a 0-d array 1-d)
        return {"array": {"dtype": a.dtype.str, "shape": list(a.shape),
                          "data": base64.b64encode(a.tobytes()).decode("ascii")}}
    if isinstance(v, Body):
        return {"body": _graph(list(v.outputs), list(v.args))}
    raise TypeError(f"graph format: cannot encode the parameter {where} of type {type(v).__name__}")


def _decode(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if not isinstance(v, dict) or len(v) != 1:
        raise GraphFormatError(f"damaged parameter {v!r}")
    (tag, x), = v.items()
    if tag == "tuple":
        return tuple(_decode(e) for e in x)
    if tag == "float":
        return float(x)
    if tag == "slice":
        return slice(*(_decode(e) for e in x))
    if tag == "dtype":
        return np.dtype(x)
    if tag == "array":
        dtype = np.dtype(x["dtype"])
        if dtype.hasobject:
            raise GraphFormatError("object arrays are not part of the format")
        data = base64.b64decode(x["data"], validate=True)
        return ConstValue(np.frombuffer(data, dtype=dtype).reshape(tuple(x["shape"])))
    if tag == "body":
        outputs, args = _rebuild(x)
        return Body(args, outputs)
    raise GraphFormatError(f"unknown parameter tag {tag!r}")


# -- graphs ----------------------------------------------------------------------------------------

def _graph(outputs: list, args: list | None = None) -> dict:
    """``{"nodes": [[op, [inputs], {params}], ...], "outputs": [...]}`` (and a body's ``"args"``)."""
    order = toposort(outputs + (args or []))
    pos = {id(n): k for k, n in enumerate(order)}
    nodes = [[n.op.name, [pos[id(i)] for i in n.inputs],
              {k: _encode(v, f"{k!r} of {n.op.name}") for k, v in n.kw.items()}] for n in order]
    out = {"nodes": nodes, "outputs": [pos[id(y)] for y in outputs]}
    if args is not None:
        out["args"] = [pos[id(a)] for a in args]
    return out


def _rebuild(g: dict) -> tuple[list, list]:
    """The outputs (and a body's arguments) of a graph record, each node made by its operation."""
    try:
        built: list[Node] = []
        for op_name, inputs, params in g["nodes"]:
            op = OPS.get(op_name)
            if op is None:
                raise GraphFormatError(f"unknown operation {op_name!r} (a newer symdiff wrote this graph?)")
            if any(not isinstance(i, int) or not 0 <= i < len(built) for i in inputs):
                raise GraphFormatError(f"node {len(built)} ({op_name}) reads a node that is not before it")
            built.append(op.make(*[built[i] for i in inputs], **{k: _decode(v) for k, v in params.items()}))
        return [built[i] for i in g["outputs"]], [built[i] for i in g.get("args", [])]
    except GraphFormatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise GraphFormatError(f"damaged graph: {type(e).__name__}: {e}") from None


def graph_record(outputs) -> dict:
    """A JSON-ready record of the graph of ``outputs`` (a node, or a list or tuple of nodes)."""
    kind = "list" if isinstance(outputs, list) else "tuple" if isinstance(outputs, tuple) else "node"
    nodes = list(outputs) if kind != "node" else [outputs]
    for n in nodes:
        if not isinstance(n, Node):
            raise TypeError(f"can only save symdiff nodes, got {type(n).__name__}")
    return {"format": FORMAT, "version": VERSION, "structure": kind, "graph": _graph(nodes)}


def graph_from_record(record: dict):
    """The nodes of a record made by :func:`graph_record`, in the structure saved."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise GraphFormatError("not a symdiff graph")
    version = record.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise GraphFormatError(f"graph format version {version!r} is newer than this symdiff reads ({VERSION}); "
                               "upgrade symdiff")
    outputs, _ = _rebuild(record["graph"])
    kind = record.get("structure")
    return outputs[0] if kind == "node" else tuple(outputs) if kind == "tuple" else list(outputs)


def save(outputs, path) -> None:
    """Write the graph of ``outputs`` (a node, list or tuple of nodes) to ``path`` as JSON.

    >>> import os, tempfile, symdiff as sd
    >>> x = sd.scalar("x")
    >>> path = os.path.join(tempfile.mkdtemp(), "g.json")
    >>> sd.save([sd.sin(x), x * 2.0], path)
    >>> [n.op.name for n in sd.load(path)]
    ['sin', 'multiply']
    """
    with open(path, "w", encoding="utf-8") as f:
        json.dump(graph_record(outputs), f, separators=(",", ":"))


def load(path):
    """The nodes saved in ``path`` by :func:`save` (the same nodes when they exist in this process)."""
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except json.JSONDecodeError as e:
        raise GraphFormatError(f"{path}: not a symdiff graph file (damaged or truncated JSON: {e})") from None
    return graph_from_record(record)


def _node_from_record(record: dict) -> Node:
    return graph_from_record(record)


def node_reduce(node: Node):
    """``__reduce__`` of a node: its graph as a record (no recursion, any depth)."""
    return _node_from_record, (graph_record(node),)


__all__ = ["save", "load", "graph_record", "graph_from_record", "GraphFormatError"]
