"""Looking at graphs: debugprint, to_dot, count_nodes."""

from __future__ import annotations

from .dims import shape_str
from .graph import Node, as_node
from .traversal import toposort


def _outputs(outputs) -> list[Node]:
    if isinstance(outputs, (list, tuple)):
        return [as_node(o) for o in outputs]
    return [as_node(outputs)]


def _ids(order):
    """Short labels A, B, ..., Z, AA, ... in topological order."""
    labels = {}
    for k, n in enumerate(order):
        s, k1 = "", k
        while True:
            s = chr(ord("A") + k1 % 26) + s
            k1 = k1 // 26 - 1
            if k1 < 0:
                break
        labels[id(n)] = s
    return labels


def count_nodes(outputs) -> int:
    """Number of distinct operation nodes (inputs and constants are not counted).

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> sd.count_nodes([sd.exp(x) + 1.0, sd.exp(x) * 2.0])
    3
    """
    total, seen = 0, set()
    work = [_outputs(outputs)]
    while work:   # loop bodies count too, each distinct body once
        for n in toposort(work.pop()):
            if not (n.op.is_input or n.op.is_constant):
                total += 1
            for body in _bodies(n):
                if body not in seen:
                    seen.add(body)
                    work.append(list(body.outputs))
    return total


def _bodies(node: Node) -> list:
    return [node.kw[p] for p in node.op.body_params]


def _body_title(node: Node, param: str, tag: str) -> str:
    body = node.kw[param]
    args = ", ".join(f"{a.op.label(a)} {shape_str(a.shape)}" for a in body.args)
    return f"{param} of {node.op.label(node)} [id {tag}]: ({args}) -> {len(body.outputs)} outputs"


MAX_DEPTH = 24  # deeper subtrees restart at the left margin, so output stays linear in size


def debugprint(outputs) -> str:
    """The graph as indented text, one node per line; a shared node is expanded once.

    Subtrees deeper than ``MAX_DEPTH`` levels are printed afterwards as their
    own blocks (``...`` marks the cut), so a 100,000-node chain prints in
    linear space.

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> print(sd.debugprint(sd.exp(x) * x))
    multiply [id C] (3,) float64
     ├─ exp [id B] (3,) float64
     │   └─ x [id A] (3,) float64
     └─ x [id A]
    """
    outs = _outputs(outputs)
    order = toposort(outs)
    labels = _ids(order)
    lines: list[str] = []
    shown: set[int] = set()
    roots = list(outs)
    r = 0
    while r < len(roots):
        root = roots[r]
        r += 1
        if id(root) in shown and r > len(outs):
            continue
        stack = [(root, "", "", 0)]
        while stack:
            node, lead, branch, depth = stack.pop()
            tag = f"[id {labels[id(node)]}]"
            if id(node) in shown and (node.inputs or node.op.is_input):
                lines.append(f"{lead}{branch}{node.op.label(node)} {tag}")
                continue
            if depth > MAX_DEPTH and node.inputs:
                lines.append(f"{lead}{branch}{node.op.label(node)} {tag} ... (continued below)")
                roots.append(node)
                continue
            shown.add(id(node))
            lines.append(f"{lead}{branch}{node.op.label(node)} {tag} {shape_str(node.shape)} {node.dtype}")
            child_lead = lead + ("" if not branch else ("│   " if branch.startswith("├") else "    "))
            kids = node.inputs
            for k in range(len(kids) - 1, -1, -1):
                last = k == len(kids) - 1
                stack.append((kids[k], child_lead if branch else " ", "└─ " if last else "├─ ", depth + 1))
    for n in order:   # loop bodies: after the graph, indented, each with its own ids
        for p in n.op.body_params:
            lines.append(_body_title(n, p, labels[id(n)]))
            lines += ["    " + line for line in debugprint(list(n.kw[p].outputs)).splitlines()]
    return "\n".join(lines)


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(outputs) -> str:
    """Graphviz DOT source: operations as boxes, inputs as ellipses, edges labelled by position.

    >>> import symdiff as sd
    >>> x = sd.scalar("x")
    >>> print(sd.to_dot(sd.sin(x)).splitlines()[0])
    digraph symdiff {
    """
    outs = _outputs(outputs)
    order = toposort(outs)
    labels = _ids(order)
    lines = ["digraph symdiff {", "  rankdir=BT;", '  node [fontname="Helvetica"];']
    lines += _dot_nodes(order, labels, "")
    for k, y in enumerate(outs):
        lines.append(f'  out{k} [label="output {k}", shape=plaintext];')
        lines.append(f"  {labels[id(y)]} -> out{k};")
    lines.append("}")
    return "\n".join(lines)


def _dot_nodes(order, labels, prefix: str) -> list[str]:
    """Nodes and edges; a loop's bodies as clusters whose ids start with the loop's id."""
    lines = []
    for n in order:
        for p in n.op.body_params:
            inner = toposort(list(n.kw[p].outputs))
            sub = f"{prefix}{labels[id(n)]}_{p}_"
            inner_labels = {i: sub + v for i, v in _ids(inner).items()}
            title = _dot_escape(_body_title(n, p, labels[id(n)]))
            lines.append(f'  subgraph cluster_{sub} {{ label="{title}"; style=dashed;')
            lines += ["  " + line for line in _dot_nodes(inner, inner_labels, sub)]
            lines.append("  }")
        text = _dot_escape(f"{n.op.label(n)}\\n{shape_str(n.shape)} {n.dtype}")
        if n.op.is_input:
            style = 'shape=ellipse, style=filled, fillcolor="#dbe9f6"'
        elif n.op.is_constant:
            style = 'shape=box, style="rounded,dashed"'
        else:
            style = "shape=box"
        lines.append(f'  {labels[id(n)]} [label="{text}", {style}];')
        for k, i in enumerate(n.inputs):
            edge = f' [label="{k}"]' if len(n.inputs) > 1 else ""
            lines.append(f"  {labels[id(i)]} -> {labels[id(n)]}{edge};")
    return lines


def plan_source(inputs, outputs) -> str:
    """A readable listing of what the reference interpreter runs, one line per node."""
    order = toposort(outputs)
    labels = {id(x): x.name for x in inputs}
    lines = [f"def graph({', '.join(x.name for x in inputs)}):"]
    k = 0
    for n in order:
        if id(n) in labels:
            continue
        if n.op.is_constant:
            labels[id(n)] = repr(n.kw["value"])
            continue
        name = f"v{k}"
        k += 1
        labels[id(n)] = name
        args = ", ".join(labels[id(i)] for i in n.inputs)
        lines.append(f"    {name} = {n.op.label(n)}({args})  # {shape_str(n.shape)} {n.dtype}")
    rets = ", ".join(labels[id(y)] for y in outputs)
    lines.append(f"    return {rets}")
    return "\n".join(lines)
