"""The call path: a generated Python function between the user's arguments and the kernel.

Generated once per compiled function from the input specifications. It

1. checks the arguments with a few identity and shape comparisons (exact
   ndarray type and dtype, rank, fixed sizes, symbolic sizes that agree) and
   reads the symbolic sizes;
2. on anything unusual (Python lists, other dtypes, non-contiguous or
   read-only arrays, wrong shapes or counts) hands the arguments to the
   generic ``bind_arguments``, which raises the same errors on every backend
   or returns prepared arrays, and starts again with those;
3. checks indices into symbolic axes (lowering ``call_checks``), allocates
   the outputs, takes reusable temporaries from a free list, runs the kernel
   and returns the outputs.

>>> import symdiff as sd, numpy as np
>>> x = sd.vector("x", "n")
>>> fn = sd.function([x], sd.sum(x * x), backend="numba")
>>> "def call(" in fn.source and float(fn(np.arange(3.0)))
5.0
"""

from __future__ import annotations

import numpy as np

from ...dims import is_name
from .. import argcheck
from .. import loops as ir
from .printer import NumbaPrinter

#: Python scalar type and NumPy scalar type accepted for a 0-d input of each dtype
_SCALARS = {"float64": ("float", np.float64), "float32": (None, np.float32),
            "int64": ("int", np.int64), "bool": ("bool", np.bool_)}


class _Slow(Exception):
    """An argument the fast checks do not accept: take the generic path."""


def caller_source(kernel: ir.Kernel, parts: list, specs: list, checks: list, single: bool,
                  name: str = "call") -> tuple[str, dict]:
    """The source of ``call(*args)`` and the namespace it runs in (the caller sets ``_p0``, ``_p1`` ...).

    Local variables carry the kernel's names (inputs, buffers, ``d_<size>``, scalars
    returned by parts), so each part is called with its arguments by name.
    """
    p = NumbaPrinter()
    inputs = [x for _, x in kernel.inputs]
    n = len(inputs)
    names = [v for v, _ in kernel.inputs]
    ns = {"_nd": np.ndarray, "_arr": np.array, "_empty": np.empty, "_TypeError": TypeError,
          "_Slow": _Slow, "np": np}
    src = [f"def {name}(*args, _again=False):", "    try:"]
    body: list[str] = []
    if n:
        body.append(f"{', '.join(names)}, = args")
    else:
        body.append("if args:\n    raise _Slow")
    bound: set = set()
    for k, x in enumerate(inputs):
        a = names[k]
        ns[f"_D{k}"] = x.dtype
        if x.ndim == 0:
            py, sc = _SCALARS[x.dtype.name]
            ns[f"_S{k}"] = sc
            fast = f"type({a}) is not {py}" if py else "True"
            if py == "int":   # a Python int beyond int64 must reach the generic checks (NumPy refuses it)
                fast += f" or not (-9223372036854775808 <= {a} <= 9223372036854775807)"
            body.append(f"if {fast}:")
            body.append(f"    if type({a}) is _nd and {a}.dtype == _D{k} and {a}.ndim == 0:")
            body.append(f"        {a} = {a}[()]")
            body.append(f"    elif type({a}) is not _S{k}:")
            body.append("        raise _Slow")
            continue
        # identity first (the common case, fast); an equal dtype that is another object
        # (an array that was pickled, as multiprocessing and Dask send them) is as good
        body.append(f"if type({a}) is not _nd or ({a}.dtype is not _D{k} and {a}.dtype != _D{k}) "
                    f"or {a}.ndim != {x.ndim}:")
        body.append("    raise _Slow")
        conds = []
        for ax, d in enumerate(x.shape):
            ref = f"{a}.shape[{ax}]"
            if isinstance(d, int):
                conds.append(f"{ref} == {d}")
            elif is_name(d):
                if d in bound:
                    conds.append(f"{ref} == d_{d}")
                else:
                    bound.add(d)
                    body.append(f"d_{d} = {ref}")
        if conds:
            body.append(f"if not ({' and '.join(conds)}):")
            body.append("    raise _Slow")
    derived = [f"{names[k]}.shape[{ax}] == {p.expr(ir.dim_expr(d))}"
               for k, x in enumerate(inputs) for ax, d in enumerate(x.shape)
               if isinstance(d, str) and not is_name(d)]
    if derived:
        body.append(f"if not ({' and '.join(derived)}):")
        body.append("    raise _Slow")
    src += ["        " + ln for text in body for ln in text.split("\n")]
    src.append("    except (_Slow, ValueError):  # anything unusual: the generic checks, then again")
    src.append("        if _again:")
    src.append("            raise AssertionError('symdiff: prepared arguments were refused')")
    src.append(f"        return {name}(*_prepare(args), _again=True)")
    # indices into symbolic axes, checked once per call
    for c in checks:
        src.append(f"    if not {p.expr(c.cond, top=False)}:")
        src.append(f"        raise {c.error}({c.message!r} + str({p.expr(c.size)}){' + ' + repr(c.suffix) if c.suffix else ''})")
    # outputs are fresh arrays; other buffers are reused across calls through a free list
    # (a fresh large array costs a page fault per 4 KiB page on every call)
    out_buffers = {s[1] for s in specs if s[0] == "buffer"}
    temps = [b for b in kernel.buffers if b.name not in out_buffers]
    for b in kernel.buffers:
        ns[f"_T_{b.dtype.name}"] = b.dtype
        if b.name in out_buffers:
            src.append(f"    {b.name} = _empty({_shape(p, b.dims)}, _T_{b.dtype.name})")
    done = []
    if temps:
        pool: list = []
        ns["_pool_pop"], ns["_pool_push"] = pool.pop, pool.append
        dims = sorted({p.expr(ir.dim_expr(d)) for b in temps for d in b.dims if not isinstance(d, int)})
        key = "(" + "".join(d + ", " for d in dims) + ")" if dims else "None"
        tup = "(" + "".join(b.name + ", " for b in temps) + ")"
        src += ["    try:", f"        _k, {tup} = _pool_pop()"]
        if dims:
            src += [f"        if _k != {key}:", "            raise IndexError"]
        src += ["    except IndexError:", f"        _k = {key}"]
        src += [f"        {b.name} = _empty({_shape(p, b.dims)}, _T_{b.dtype.name})" for b in temps]
        done.append(f"    _pool_push((_k, {tup}))")
    for var, at in kernel.offsets.items():  # where each temporary sits in its arena
        src.append(f"    {var} = {p.expr(ir.dim_expr(at))}")
    src.append("    try:")
    for k, part in enumerate(parts):
        call = f"_p{k}({', '.join(part.args)})"
        if part.returns:
            src.append(f"        {', '.join(part.returns)}, = {call}")
        else:
            src.append(f"        {call}")
    src += ["    except _TypeError:  # non-contiguous or read-only arrays",
            "        if _again:", "            raise",
            f"        return {name}(*_prepare(args), _again=True)"]
    src += done
    outs = []
    for j, spec in enumerate(specs):
        if spec[0] == "scalar":
            value = p.expr(kernel.returns[spec[1]])
            if spec[2].name in ("float64", "int64", "bool"):  # np.array of the kernel's Python scalar has that dtype
                outs.append(f"_arr({value})")
            else:
                ns[f"_O{j}"] = spec[2]
                outs.append(f"_arr({value}, _O{j})")
        else:
            outs.append(spec[1])
    src.append(f"    return {outs[0] if single and outs else '(' + ''.join(o + ', ' for o in outs) + ')'}")
    return "\n".join(src) + "\n", ns


def _shape(p, dims) -> str:
    inner = ", ".join(p.expr(ir.dim_expr(d)) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def prepare_arguments(inputs, args) -> list:
    """Checked, C-contiguous, writable arrays (0-d inputs as NumPy scalars) for ``args``."""
    from ..function import input_specs

    return argcheck.prepare(input_specs(inputs), args)
