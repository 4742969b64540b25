"""Cutting a kernel into parts: separately compiled functions of bounded size.

Numba's compile time grows faster than linearly with the size of a function
(its front end, typing and lowering, is most of it), so the blocks of a
kernel (one per plan step; the planner bounds each nest) are packed, in
order, into parts of at most ``PART_BUDGET`` statements. A part's parameters
are the arrays and scalars it reads but does not define (inputs, buffers the
caller allocates, scalars from earlier parts, symbolic sizes); it returns
the scalars later parts or the outputs need.

Each part gets canonical names (``A0`` for its first array, ``S0`` for its
first scalar, ``t3`` for the fourth temporary ...), so two graphs that share
a piece of code, or a long unrolled loop whose steps are alike, produce the
same part text, cached and compiled once. For that, offsets into the arena
of temporaries are passed already shifted to the first slot the part uses
(``arena.rebase_offsets``): the hundredth step of a chain then reads its
slots at the same constant offsets as the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import loops as ir
from .arena import rebase_offsets

#: statements per compiled part
PART_BUDGET = 400


@dataclass
class Part:
    """One compiled function of a kernel, in canonical names."""

    body: list                 # statements
    args: list                 # kernel names passed in, in the order of ``params``
    params: list               # canonical parameter names (arrays, then scalars, then sizes)
    types: list                # (dtype name, ndim) per parameter; sizes are ("int64", 0)
    returns: list              # kernel names of the scalars returned, in order
    canonical_returns: list    # the same in the part's names
    constants: list            # (canonical name, array) module-level arrays of the part


def _groups(blocks: list) -> list:
    groups, cur, size = [], [], 0
    for b in blocks:
        n = ir.count(b)
        if cur and size + n > PART_BUDGET:
            groups.append(cur)
            cur, size = [], 0
        cur = cur + b
        size += n
    if cur or not groups:
        groups.append(cur)
    return groups


def _prefix(name: str) -> str:
    return re.sub(r"\d+$", "", name) or "t"


def partition(kernel: ir.Kernel) -> list[Part]:
    """The kernel's blocks packed into parts; each part reads what earlier parts (or the caller) made."""
    groups = _groups(kernel.blocks)
    offsets = kernel.offsets
    arg_text: dict[str, str] = {}     # offsets a part reads from a shifted base: their value as text
    if offsets:
        for k, g in enumerate(groups):
            groups[k], shifted = rebase_offsets(g, offsets, kernel.types)
            arg_text.update(shifted)
    infos = [ir.names_of(g) for g in groups]
    needed_after: list[set] = [set() for _ in groups]   # names read by later parts or the outputs
    later: set = set()
    for e in kernel.returns:
        later |= {x.name for x in ir.walk(e) if isinstance(x, ir.Var)}
    for k in range(len(groups) - 1, -1, -1):
        needed_after[k] = set(later)
        defined, used, _ = infos[k]
        later |= set(used)
    constants = dict(kernel.constants)
    parts = []
    for k, (stmts, (defined, used, dims)) in enumerate(zip(groups, infos)):
        local = set(defined)
        free = [n for n in used if n not in local and n not in constants]   # in order of first use
        for name in free:
            if name not in kernel.types:
                raise AssertionError(f"part {k}: {name!r} is read but neither defined nor passed in")
        arrays = [n for n in free if kernel.types[n][1] > 0]
        scalars = [n for n in free if kernel.types[n][1] == 0]
        returns = [n for n in defined if n in needed_after[k] and n in kernel.types]
        names: dict[str, str] = {}
        # parameters and constants in capitals: no clash with the lower-case temporaries
        for j, n in enumerate(arrays):
            names[n] = f"A{j}"
        for j, n in enumerate(scalars):
            names[n] = f"S{j}"
        part_consts = []
        for n in [n for n in used if n in constants]:
            names[n] = f"K{len(part_consts)}"
            part_consts.append((names[n], constants[n]))
        counters: dict[str, int] = {}
        for n in defined:
            p = _prefix(n)
            names[n] = f"{p}{counters.get(p, 0)}"
            counters[p] = counters.get(p, 0) + 1
        sizes = dims
        dim_names = {d: str(j) for j, d in enumerate(sizes)}
        body = ir.share_loads(ir.rename(stmts, names, dim_names))   # after renaming: alike parts stay alike
        params = [names[n] for n in arrays + scalars] + [f"d_{dim_names[d]}" for d in sizes]
        types = [kernel.types[n] for n in arrays + scalars] + [("int64", 0)] * len(sizes)
        args = [arg_text.get(n, n) for n in arrays + scalars] + [f"d_{d}" for d in sizes]
        parts.append(Part(body, args, params, types,
                          returns, [names[n] for n in returns], part_consts))
    return parts
