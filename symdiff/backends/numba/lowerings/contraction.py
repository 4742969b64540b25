"""``einsum``, the one contraction primitive: BLAS where it is a matrix product, loops otherwise.

A two-operand float contraction whose letters split into (free of A, summed,
free of B) is a matrix-matrix, matrix-vector or dot product: the operands are
read as 2-d (stored transposed where the letters come reversed, copied where
they are interleaved) and handed to BLAS (``runtime._gemm``, ``_vdot``) as the
flat array holding each and an offset, with the sizes: views made in the
generated code (a slice and a reshape per operand) would cost Numba more to
compile than anything else in a part. Anything else (batch letters, outer
products, integer or boolean data, more than two operands) is a loop nest
with an accumulator.
"""

from __future__ import annotations

from .... import dtypes as dt
from ....dims import dims_product
from ....ops.contraction import parse_spec
from ... import loops as ir
from ..arena import flat_args
from ..lowering import Step, lowering_of, register


def _operands(node, materialized):
    """Each operand as (array node, its letters), reading through transposes that stay virtual."""
    subs, _ = parse_spec(node.kw["spec"])
    out = []
    for x, sub in zip(node.inputs, subs):
        while id(x) not in materialized:
            axes = getattr(lowering_of(x), "permutation", lambda n: None)(x)
            if axes is None:
                break
            letters = [""] * len(axes)
            for j, a in enumerate(axes):
                letters[a] = sub[j]
            sub = "".join(letters)
            x = x.inputs[0]
        out.append((x, sub))
    return out


class _Einsum(Step):
    def step_inputs(self, node, materialized):
        return [x for x, _ in _operands(node, materialized)]

    def emit(self, em, node):
        ops = _operands(node, em.materialized)
        _, so = parse_spec(node.kw["spec"])
        em.out(ir.Comment(em.label(node)))
        if not _blas(em, node, ops, so):
            _loops(em, node, ops, so)


register("einsum", _Einsum())


def _sizes(ops) -> dict:
    size = {}
    for x, s in ops:
        for c, d in zip(s, x.shape):
            size[c] = d
    return size


def _as_dtype(em, x, dst) -> ir.Expr:
    """The array of ``x``, copied into a buffer of dtype ``dst`` when it has another dtype."""
    var = em.var_of(x)
    if x.dtype == dst:
        return var
    t = em.buffer(x.shape, dst, note=" (cast for BLAS)")
    idx = tuple(ir.Var(em.fresh("j")) for _ in x.shape)
    em.out(ir.loop_nest(idx, x.shape, [ir.Assign(ir.Load(t, idx), ir.cast(ir.Load(var.name, idx), x.dtype, dst))]))
    return ir.Var(t)


def _blas(em, n, ops, so) -> bool:
    if n.dtype.kind != "f" or len(ops) != 2:
        return False
    (a, sa), (b, sb) = ops
    if not sa or not sb or len(set(sa)) != len(sa) or len(set(sb)) != len(sb):
        return False
    if any(c in sa and c in sb and c in so for c in so):
        return False  # batch letters: loops
    if any(c not in so and not (c in sa and c in sb) for c in sa + sb):
        return False  # a letter summed inside one operand only
    K = [c for c in sa if c in sb]
    if not K:
        return False  # outer products: loops (memory-bound anyway)
    FA = [c for c in sa if c not in sb]
    FB = [c for c in sb if c not in sa]
    if list(so) != FA + FB and list(so) == FB + FA:
        (a, sa), (b, sb) = (b, sb), (a, sa)
        FA, FB = FB, FA
        K = [c for c in sa if c in sb]
    if list(so) != FA + FB:
        return False  # interleaved output letters: loops
    size = _sizes(ops)
    A, B = _as_dtype(em, a, n.dtype), _as_dtype(em, b, n.dtype)
    Ks, Ms, Ns = (ir.dim_expr(dims_product([size[c] for c in g])) for g in (K, FA, FB))

    def operand(var, sub, first, second):
        """``var`` as BLAS reads it, (first, second) or a vector: the variable and whether it is stored transposed."""
        want = first + second
        vector = not first or not second
        if sub != want and (vector or sub != second + first):
            perm = tuple(sub.index(c) for c in want)
            dims = [size[c] for c in want]
            t = em.buffer(dims, n.dtype, note=" (operand transposed for BLAS)")
            idx = tuple(ir.Var(em.fresh("j")) for _ in dims)
            src = [None] * len(perm)
            for j, p in enumerate(perm):
                src[p] = idx[j]
            em.out(ir.loop_nest(idx, dims, [ir.Assign(ir.Load(t, idx), ir.Load(var.name, tuple(src)))]))
            var, sub = ir.Var(t), want
        return flat_args(var), int(sub != want)

    am, ta = operand(A, sa, "".join(FA), "".join(K))
    bm, tb = operand(B, sb, "".join(K), "".join(FB))
    if not FA and not FB:
        r = em.fresh("v")
        em.out(ir.Assign(ir.Var(r), ir.Call("vdot", tuple(am + bm + [_int64(Ks)])), note=em.label(n)))
        em.bind(n, r)
        return True
    r = em.buffer(n.shape, n.dtype)
    em.bind(n, r)
    vec = 0 if FA and FB else 1 if FA else 2   # 1: b is a vector, 2: a is one
    sizes = [_int64(x) for x in (Ms, Ks, Ns)] + [ir.const(x, "int64") for x in (ta, tb, vec)]
    em.out(ir.Eval(ir.Call("gemm", tuple(am + bm + flat_args(ir.Var(r)) + sizes)), note=em.label(n)))
    return True


def _int64(e: ir.Expr) -> ir.Expr:
    # int64 values, not literals: Numba would compile the helper once per literal value
    return ir.const(e.value, "int64") if isinstance(e, ir.Const) else e


def _loops(em, n, ops, so):
    size = _sizes(ops)
    summed = []
    for _, s in ops:
        for c in s:
            if c not in so and c not in summed:
                summed.append(c)
    idx = {c: ir.Var(f"j_{c}") for c in list(so) + summed}
    acc = ir.Var(em.fresh("acc"))
    factors = [ir.cast(ir.Load(em.var_of(x).name, tuple(idx[c] for c in s)), x.dtype, n.dtype) for x, s in ops]
    if n.dtype == dt.BOOL:
        term = factors[0]
        for f in factors[1:]:
            term = ir.Bin("&", term, f)
        update = ir.Assign(acc, ir.Bin("|", acc, term))
    else:
        term = factors[0] if factors else ir.const(1, n.dtype)
        for f in factors[1:]:
            term = ir.Bin("*", term, f)
        update = ir.Assign(acc, term, "+")
    inner = ir.loop_nest([idx[c] for c in summed], [size[c] for c in summed], [update])
    inner = inner if isinstance(inner, list) else [inner]
    if n.ndim:
        out = em.buffer(n.shape, n.dtype)
        store = ir.Assign(ir.Load(out, tuple(idx[c] for c in so)), acc)
    else:
        out = em.fresh("v")
        store = ir.Assign(ir.Var(out), acc)
    em.bind(n, out)
    body = [ir.Assign(acc, ir.const(0, n.dtype))] + inner + [store]
    nest = ir.loop_nest([idx[c] for c in so], [size[c] for c in so], body)
    for s in (nest if isinstance(nest, list) else [nest]):
        em.out(s)
