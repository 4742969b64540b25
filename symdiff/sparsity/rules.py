"""The sparsity rule of each kind of operation: maps for first order, interacting pairs for second.

Every operation declares its kind in one line (``sparsity = "gather"`` in its
class; ``curvature`` says which inputs interact to second order). This module
turns a kind into, for one node at the bound sizes,

- ``maps(node, ctx)``: per input, a map from output elements to the input
  elements each may depend on (``patterns``: an index array, a 0/1 matrix,
  ``SAME`` or ``ALL``), ``None`` where nothing flows;
- ``pairs(node, ctx, maps)``: the second-order terms, tuples ``(k, l, Tk, Tl,
  term_out)``: *term* ``t`` couples the elements ``Tk[t]`` of input ``k`` and
  ``Tl[t]`` of input ``l``, and counts when output element ``term_out[t]``
  (``None``: terms are the output elements) reaches the cost.

Data movement is found by running the operation's own ``impl`` on element
numbers (a gather moves them; a scatter-add is the transpose of the gather it
undoes), so a new gather needs no rule beyond its declaration.

>>> import symdiff as sd
>>> x = sd.vector("x", 4)
>>> sd.jacobian_sparsity(x[1:] * x[:-1], x).toarray().astype(int)
array([[1, 1, 0, 0],
       [0, 1, 1, 0],
       [0, 0, 1, 1]])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .. import dtypes as dt
from ..graph import OPS
from .patterns import from_pairs

#: the output has the input's shape and element o reads element o
SAME = "same"
#: every output element may depend on every input element
ALL = "all"
#: contractions enumerate one term per combination of indices; past this, they are taken as dense
MAX_TERMS = 4_000_000


def _flows(node, k) -> bool:
    """Whether a derivative can flow from input ``k`` into ``node``."""
    x = node.inputs[k]
    return (dt.is_float(x.dtype) or x.dtype.kind == "O") and k not in node.op.nondiff_inputs


def _carries(node) -> bool:
    return dt.is_float(node.dtype) or node.dtype.kind == "O"


# -- first order ------------------------------------------------------------------------------------

def maps(node, ctx) -> list:
    kind = node.op.sparsity or "dense"
    if kind == "none" or not _carries(node):
        return [None] * len(node.inputs)
    try:
        return _MAPS[kind](node, ctx)
    except _Unknown:
        return _dense(node, ctx)


class _Unknown(Exception):
    """The structure depends on a value not known before the call: the rule falls back to dense."""


def _dense(node, ctx):
    return [ALL if _flows(node, k) else None for k in range(len(node.inputs))]


def _elementwise(node, ctx):
    out_shape = ctx.shape(node)
    result = []
    for k, x in enumerate(node.inputs):
        if not _flows(node, k):
            result.append(None)
            continue
        shape = ctx.shape(x)
        if shape == out_shape:
            result.append(SAME)
        else:
            size = int(np.prod(shape))
            ids = np.arange(size, dtype=np.int64).reshape(shape)
            result.append(np.broadcast_to(ids, out_shape).ravel())
    return result


def _numbered(node, ctx):
    """Float inputs replaced by element numbers (1-based, one range per input); others by their values."""
    args, ranges, offset = [], [], 0
    for k, x in enumerate(node.inputs):
        if _flows(node, k):
            shape = ctx.shape(x)
            size = int(np.prod(shape))
            args.append(np.arange(offset + 1, offset + size + 1, dtype=np.float64).reshape(shape))
            ranges.append((offset, size))
            offset += size
        else:
            value = ctx.value(x)
            if value is None:
                raise _Unknown
            args.append(value)
            ranges.append(None)
    if offset >= 2 ** 53:
        raise _Unknown
    return args, ranges


def _gather(node, ctx):
    args, ranges = _numbered(node, ctx)
    with np.errstate(all="ignore"):
        moved = np.asarray(node.op.impl(*args, **ctx.params(node)), dtype=np.float64).ravel()
    result = []
    for r in ranges:
        if r is None:
            result.append(None)
            continue
        off, size = r
        inside = (moved > off) & (moved <= off + size)
        result.append(np.where(inside, moved - off - 1, -1).astype(np.int64))
    return result


def _scatter(node, ctx):
    """A scatter-add ``x -> out`` is the transpose of the gather ``out -> x`` with the same indices."""
    gather = OPS[node.op.gather_op]
    out_shape = ctx.shape(node)
    params = {k: v for k, v in ctx.params(node).items() if k != "shape"}
    args = [np.arange(1, int(np.prod(out_shape)) + 1, dtype=np.float64).reshape(out_shape)]
    for k, x in enumerate(node.inputs[1:], start=1):
        value = ctx.value(x)
        if value is None:
            raise _Unknown
        args.append(value)
    target = np.asarray(gather.impl(*args, **params), dtype=np.float64).ravel()
    in_size = ctx.size(node.inputs[0])
    hit = target > 0
    m = from_pairs(target[hit].astype(np.int64) - 1, np.flatnonzero(hit), (int(np.prod(out_shape)), in_size))
    return [m if _flows(node, 0) else None] + [None] * (len(node.inputs) - 1)


def _reduce(node, ctx):
    if not _flows(node, 0):
        return [None]
    shape = ctx.shape(node.inputs[0])
    axes = node.kw["axes"]
    kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
    out_of = np.broadcast_to(np.arange(int(np.prod(kept)), dtype=np.int64).reshape(kept), shape).ravel()
    return [from_pairs(out_of, np.arange(out_of.size), (int(np.prod(kept)), out_of.size))]


def _prefix(node, ctx):
    """Running operations along ``axis``: element t of a line reads elements up to t (from t: reverse)."""
    shape = ctx.shape(node)
    axis, reverse = node.kw["axis"], node.kw.get("reverse", False)
    n = shape[axis]
    ids = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    lines = np.moveaxis(ids, axis, -1).reshape(ids.size // max(n, 1), n)
    tri = np.triu(np.ones((n, n), dtype=bool)) if reverse else np.tril(np.ones((n, n), dtype=bool))
    t, s = np.nonzero(tri)
    rows = lines[:, t].ravel()
    cols = lines[:, s].ravel()
    m = from_pairs(rows, cols, (ids.size, ids.size))
    return [m if _flows(node, k) else None for k in range(len(node.inputs))]


def _batched(node, ctx):
    """Linear algebra over leading batch axes: each matrix of the batch on its own, dense inside."""
    nbatch = node.inputs[0].ndim - 2
    out_shape = ctx.shape(node)
    batch = out_shape[:nbatch]
    nb = int(np.prod(batch))
    result = []
    for k, x in enumerate(node.inputs):
        if not _flows(node, k):
            result.append(None)
            continue
        shape = ctx.shape(x)
        if shape[:nbatch] != batch:
            return _dense(node, ctx)
        core_out = int(np.prod(out_shape[nbatch:]))
        core_in = int(np.prod(shape[nbatch:]))
        result.append(sp.csr_array(sp.kron(sp.eye_array(nb), np.ones((core_out, core_in)), format="csr"), dtype=bool))
    return result


def _contract(node, ctx):
    terms = _einsum_terms(node, ctx)
    out_idx, idx, nonzero = terms
    result = []
    for k in range(len(node.inputs)):
        if not _flows(node, k):
            result.append(None)
            continue
        keep = _all_nonzero(nonzero, skip=(k,))
        result.append(from_pairs(out_idx[keep], idx[k][keep], (ctx.size(node), ctx.size(node.inputs[k]))))
    return result


def _einsum_terms(node, ctx):
    """Per term (one combination of all indices): the output element, each operand's element, and,
    for constant operands, whether their entry is nonzero (made once per node: both sweeps read it)."""
    found = ctx.terms.get(id(node))
    if found is None:
        found = ctx.terms[id(node)] = _enumerate_terms(node, ctx)
    return found


def _enumerate_terms(node, ctx):
    from ..ops.contraction import parse_spec

    in_subs, out_sub = parse_spec(node.kw["spec"])
    sizes = {}
    for s, x in zip(in_subs, node.inputs):
        sizes.update(zip(s, ctx.shape(x)))
    letters = sorted(sizes)
    if int(np.prod([sizes[c] for c in letters])) > MAX_TERMS:
        raise _Unknown
    grid = np.indices([sizes[c] for c in letters]).reshape(len(letters), -1)
    pos = {c: i for i, c in enumerate(letters)}

    def flat(sub):
        if not sub:
            return np.zeros(grid.shape[1], dtype=np.int64)
        return np.ravel_multi_index(tuple(grid[pos[c]] for c in sub), tuple(sizes[c] for c in sub))

    idx = [flat(s) for s in in_subs]
    nonzero = []
    for k, x in enumerate(node.inputs):
        value = ctx.value(x) if x.op.is_constant or not ctx.active(x) else None
        nonzero.append(None if value is None else np.asarray(value).ravel()[idx[k]] != 0)
    return flat(out_sub), idx, nonzero


def _all_nonzero(nonzero, skip):
    keep = None
    for j, nz in enumerate(nonzero):
        if nz is None or j in skip:
            continue
        keep = nz if keep is None else keep & nz
    return slice(None) if keep is None else keep


_MAPS = {"elementwise": _elementwise, "gather": _gather, "scatter": _scatter, "reduce": _reduce,
         "prefix": _prefix, "batched": _batched, "contract": _contract, "dense": _dense}


# -- second order -----------------------------------------------------------------------------------

def pairs(node, ctx, node_maps) -> list:
    """The second-order terms of ``node`` between inputs that carry the variables."""
    active = [k for k, m in enumerate(node_maps) if m is not None and ctx.active(node.inputs[k])]
    if not active or node.op.sparsity in ("gather", "scatter"):   # moving data is linear
        return []
    if (node.op.sparsity or "dense") == "contract" and not any(m is ALL for m in node_maps):
        return _contract_pairs(node, ctx, active)
    curvature = node.op.curvature
    if curvature == "none":
        return []
    if curvature == "cofactor" and not any(m is ALL for m in node_maps):
        return _cofactor_pairs(node, ctx)
    if curvature == "all":
        wanted = [(k, l) for i, k in enumerate(active) for l in active[i:]]
    else:
        wanted = [(k, l) for k, l in curvature if k in active and l in active]
    return [(k, l, node_maps[k], node_maps[l], None) for k, l in wanted]


def _contract_pairs(node, ctx, active):
    out_idx, idx, nonzero = _einsum_terms(node, ctx)
    result = []
    for i, k in enumerate(active):
        for l in active[i + 1:]:
            keep = _all_nonzero(nonzero, skip=(k, l))
            result.append((k, l, idx[k][keep], idx[l][keep], out_idx[keep]))
    return result


def _cofactor_pairs(node, ctx):
    """det: d2 det / dA_ij dA_kl is a cofactor of the minor without rows i, k and columns j, l,
    nonzero only when i != k and j != l (so a 1 x 1 determinant is linear)."""
    shape = ctx.shape(node.inputs[0])
    n = shape[-1]
    nb = int(np.prod(shape[:-2]))
    if nb * n ** 4 > MAX_TERMS:
        return [(0, 0, node_map, node_map, None) for node_map in [_batched(node, ctx)[0]]]
    i, j, k, l = np.indices((n, n, n, n)).reshape(4, -1)
    keep = (i != k) & (j != l)
    p, q = (i * n + j)[keep], (k * n + l)[keep]
    base = np.repeat(np.arange(nb, dtype=np.int64) * n * n, len(p))
    tp, tq = base + np.tile(p, nb), base + np.tile(q, nb)
    return [(0, 0, tp, tq, np.repeat(np.arange(nb, dtype=np.int64), len(p)))]
