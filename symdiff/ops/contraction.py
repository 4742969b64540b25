"""Linear algebra: one contraction primitive, ``einsum``, behind dot/matmul/outer/tensordot.

Every product of arrays that NumPy spells ``dot``, ``matmul``, ``@``, ``outer``,
``tensordot`` or ``einsum`` becomes an :class:`Einsum` node with canonical
subscripts (letters relabelled in order of first appearance). So
``a @ b`` and ``sd.einsum("ij,jk->ik", a, b)`` are the same node, one VJP
rule serves all of them, and the JVP of a batched tangent is the same
contraction with extra batch letters. The Numba backend lowers contractions
that are matrix products to BLAS.
"""

from __future__ import annotations

import string

import numpy as np

from .. import dtypes as dt
from ..dims import shape_str
from ..errors import shape_error
from ..graph import OPS, Node, Op, as_nodes

LETTERS = string.ascii_lowercase + string.ascii_uppercase


def parse_spec(spec: str) -> tuple[list[str], str]:
    ins, out = spec.split("->")
    return ins.split(","), out


def canonical_spec(in_subs, out_sub) -> str:
    """Relabel letters in order of first appearance so equal contractions compare equal."""
    mapping: dict[str, str] = {}
    for s in list(in_subs) + [out_sub]:
        for c in s:
            if c not in mapping:
                mapping[c] = LETTERS[len(mapping)]
    ins = ",".join("".join(mapping[c] for c in s) for s in in_subs)
    return ins + "->" + "".join(mapping[c] for c in out_sub)


def _fresh(used, n):
    free = [c for c in LETTERS if c not in used]
    if len(free) < n:
        raise ValueError("einsum: too many distinct indices (at most 52)")
    return "".join(free[:n])


class Einsum(Op):
    """A tensor contraction ``einsum(spec, *operands)`` (no ellipsis; canonical letters).

    VJP for operand k: the contraction of the cotangent with the other operands
    onto k's letters; a letter repeated in k (a diagonal) gets an identity
    factor, and a letter summed only inside k is broadcast back. JVP: the sum
    over operands of the same contraction with that operand's tangent, whose
    batch axes become extra letters.
    """

    name = "einsum"
    sparsity = "contract"

    def infer(self, *xs, spec):
        in_subs, out_sub = parse_spec(spec)
        if len(in_subs) != len(xs):
            raise shape_error("einsum", f"{spec!r} names {len(in_subs)} operands, got {len(xs)}")
        sizes: dict[str, object] = {}
        for k, (s, x) in enumerate(zip(in_subs, xs)):
            if len(s) != x.ndim:
                raise shape_error("einsum", f"operand {k} has shape {shape_str(x.shape)} but subscripts {s!r}")
            for c, d in zip(s, x.shape):
                if sizes.setdefault(c, d) != d:
                    shown = ", ".join(shape_str(x.shape) for x in xs)
                    raise shape_error("einsum", f"index {c!r} has sizes {sizes[c]} and {d} in {spec!r} with shapes {shown}")
        return tuple(sizes[c] for c in out_sub), dt.promote(*(x.dtype for x in xs))

    def impl(self, *xs, spec):
        if len(xs) == 2 and all(np.asarray(x).dtype.kind == "f" for x in xs):
            return np.einsum(spec, *xs, optimize=True)
        return np.einsum(spec, *xs)

    def label(self, node):
        return f"einsum{{{node.kw['spec']}}}"

    def vjp(self, ct, out, *xs, spec):
        from .shape import broadcast_to, reshape

        in_subs, out_sub = parse_spec(spec)
        grads = []
        for k, x in enumerate(xs):
            others = [(s, v) for j, (s, v) in enumerate(zip(in_subs, xs)) if j != k] + [(out_sub, ct)]
            sub_k = in_subs[k]
            used = set(spec)
            target, extras, seen = [], [], set()
            for c, d in zip(sub_k, x.shape):
                if c in seen:  # a diagonal: a fresh letter tied to c by an identity factor
                    f = _fresh(used, 1)
                    used.add(f)
                    extras.append((c + f, eye_dim(d, x.dtype)))
                    target.append(f)
                else:
                    seen.add(c)
                    target.append(c)
            present = set("".join(s for s, _ in others + extras))
            target = [t if t in present else None for t in target]  # None: summed inside k only
            kept = "".join(t for t in target if t is not None)
            terms = others + extras
            g = einsum_raw([s for s, _ in terms], kept, [v for _, v in terms])
            if None in target:
                g = reshape(g, tuple(1 if t is None else d for t, d in zip(target, x.shape)))
                g = broadcast_to(g, x.shape)
            grads.append(g)
        return grads

    def jvp(self, ts, out, *xs, spec, nb=0):
        in_subs, out_sub = parse_spec(spec)
        batch = _fresh(set(spec), nb)
        terms = []
        for k, t in enumerate(ts):
            if t is None:
                continue
            subs = list(in_subs)
            subs[k] = batch + subs[k]
            terms.append(einsum_raw(subs, batch + out_sub, xs[:k] + (t,) + xs[k + 1:]))
        if not terms:
            return None
        from .elementwise import add_n

        return add_n(*terms)


def eye_dim(d, dtype):
    from .creation import eye

    return eye(d, dtype=dtype if dt.is_float(dtype) else "float64")


def einsum_raw(in_subs, out_sub, operands) -> Node:
    """Build a contraction from explicit letters, simplifying trivial single-operand cases."""
    from .reduction import sum as reduce_sum
    from .shape import transpose

    operands = list(operands)
    if len(operands) == 1 and len(set(in_subs[0])) == len(in_subs[0]):
        (s,), x = in_subs, operands[0]
        summed = tuple(i for i, c in enumerate(s) if c not in out_sub)
        if summed:
            x = reduce_sum(x, axis=summed)
            s = "".join(c for c in s if c in out_sub)
        return transpose(x, tuple(s.index(c) for c in out_sub))
    return OPS["einsum"].make(*operands, spec=canonical_spec(in_subs, out_sub))


# ---------------------------------------------------------------- public API


def einsum(subscripts: str, *operands) -> Node:
    """Einstein summation, as ``numpy.einsum`` (explicit or implicit output, ``...``).

    >>> import symdiff as sd
    >>> a, b = sd.matrix("a", (2, 3)), sd.matrix("b", (3, 4))
    >>> sd.einsum("ij,jk->ik", a, b) is a @ b
    True
    """
    from .shape import broadcast_to
    from ..shapes import broadcast_shapes

    xs = as_nodes(*operands)
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        ins, out = spec.split("->")
        explicit = True
    else:
        ins, out, explicit = spec, "", False
    in_subs = ins.split(",")
    if len(in_subs) != len(xs):
        raise shape_error("einsum", f"{subscripts!r} names {len(in_subs)} operands, got {len(xs)}")
    used = set(c for c in spec if c.isalpha())
    ell_shapes = []
    for s, x in zip(in_subs, xs):
        if "..." in s:
            n = x.ndim - (len(s) - 3)
            if n < 0:
                raise shape_error("einsum", f"operand of shape {shape_str(x.shape)} has too few dimensions for {s!r}")
            i = s.index("...")
            ell_shapes.append(x.shape[i:i + n])
        else:
            if len(s) != x.ndim:
                raise shape_error("einsum", f"operand of shape {shape_str(x.shape)} does not match subscripts {s!r}")
    ell = broadcast_shapes("einsum", *ell_shapes) if ell_shapes else ()
    ell_letters = _fresh(used, len(ell))
    new_subs, new_xs = [], []
    for s, x in zip(in_subs, xs):
        if "..." in s:
            i = s.index("...")
            n = x.ndim - (len(s) - 3)
            mine = ell_letters[len(ell) - n:] if n else ""
            own = x.shape[i:i + n]
            target = ell[len(ell) - n:] if n else ()
            if own != target:
                x = broadcast_to(x, x.shape[:i] + target + x.shape[i + n:])
            s = s[:i] + mine + s[i + 3:]
        bad = [c for c in s if c not in LETTERS]
        if bad:
            raise shape_error("einsum", f"invalid subscript {bad[0]!r} in {subscripts!r}")
        new_subs.append(s)
        new_xs.append(x)
    if explicit:
        if "..." not in out and ell_letters:
            raise shape_error("einsum", f"{subscripts!r}: the inputs' '...' covers {len(ell)} dimension(s) but the output has no '...' (as NumPy)")
        out = out.replace("...", ell_letters)
    else:
        counts = {}
        for s in new_subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell_letters))
    repeated = sorted({c for c in out if out.count(c) > 1})
    if repeated:   # NumPy: "einstein sum subscripts string includes output subscript 'i' multiple times"
        raise shape_error("einsum", f"output subscript {repeated[0]!r} appears more than once in {subscripts!r}")
    for c in out:
        if not any(c in s for s in new_subs):
            raise shape_error("einsum", f"output subscript {c!r} does not appear in the inputs of {subscripts!r}")
    sizes: dict = {}
    for s, x in zip(new_subs, new_xs):
        for c, d in zip(s, x.shape):
            if sizes.setdefault(c, d) != d:
                shown = ", ".join(shape_str(x.shape) for x in xs)
                raise shape_error("einsum", f"index {c!r} has sizes {sizes[c]} and {d} in {subscripts!r} with shapes {shown}")
    return einsum_raw(new_subs, out, new_xs)


def _check_aligned(op, a, b, da, db):
    if a.shape[da] != b.shape[db]:
        raise shape_error(op, f"shapes {shape_str(a.shape)} and {shape_str(b.shape)} not aligned: {a.shape[da]} (dim {da}) != {b.shape[db]} (dim {db})")


def dot(a, b) -> Node:
    """``numpy.dot``: inner product of vectors, matrix product, or sum over the last axis of
    ``a`` and the second-to-last of ``b``. 0-d operands multiply."""
    from .elementwise import multiply

    a, b = as_nodes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    la = LETTERS[: a.ndim]
    if b.ndim == 1:
        _check_aligned("dot", a, b, a.ndim - 1, 0)
        return einsum_raw([la, la[-1]], la[:-1], [a, b])
    _check_aligned("dot", a, b, a.ndim - 1, b.ndim - 2)
    lb = LETTERS[a.ndim: a.ndim + b.ndim - 2] + la[-1] + LETTERS[a.ndim + b.ndim - 2]
    return einsum_raw([la, lb], la[:-1] + lb[:-2] + lb[-1], [a, b])


def matmul(a, b) -> Node:
    """``a @ b`` with NumPy's rules: vectors promoted and removed, batch axes broadcast."""
    a, b = as_nodes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise shape_error("matmul", f"operands must not be 0-d, got shapes {shape_str(a.shape)} and {shape_str(b.shape)}")
    _check_aligned("matmul", a, b, a.ndim - 1, max(b.ndim - 2, 0))
    sa = "...ij" if a.ndim >= 2 else "j"
    sb = "...jk" if b.ndim >= 2 else "j"
    out = {(True, True): "...ik", (True, False): "...i", (False, True): "...k", (False, False): ""}[
        (a.ndim >= 2, b.ndim >= 2)]
    try:
        return einsum(f"{sa},{sb}->{out}", a, b)
    except ValueError as e:  # batch axes that do not broadcast
        raise shape_error("matmul", f"shapes {shape_str(a.shape)} and {shape_str(b.shape)}: {e}") from None


def outer(a, b) -> Node:
    """Outer product of two arrays, flattened to vectors first (``numpy.outer``)."""
    from .shape import reshape

    a, b = as_nodes(a, b)
    return einsum_raw(["i", "j"], "ij", [reshape(a, (-1,)), reshape(b, (-1,))])


def tensordot(a, b, axes=2) -> Node:
    """``numpy.tensordot``: sum products over ``axes`` (an int N, or two sequences of axes)."""
    from ..shapes import normalize_axis

    a, b = as_nodes(a, b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > a.ndim or n > b.ndim:
            raise shape_error("tensordot", f"cannot contract {n} axes of shapes {shape_str(a.shape)} and {shape_str(b.shape)}")
        ax_a, ax_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        if len(ax_a) != len(ax_b):
            raise shape_error("tensordot", f"axes {ax_a} and {ax_b} differ in length")
        ax_a = [normalize_axis("tensordot", x, a.ndim) for x in ax_a]
        ax_b = [normalize_axis("tensordot", x, b.ndim) for x in ax_b]
    for i, j in zip(ax_a, ax_b):
        _check_aligned("tensordot", a, b, i, j)
    la = list(LETTERS[: a.ndim])
    lb = list(LETTERS[a.ndim: a.ndim + b.ndim])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ax_a] + [c for j, c in enumerate(lb) if j not in ax_b]
    return einsum_raw(["".join(la), "".join(lb)], "".join(out), [a, b])

#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "dot",
    "einsum",
    "matmul",
    "outer",
    "tensordot",
]
