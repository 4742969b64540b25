"""Compressed evaluation: a sparse Jacobian or Hessian from one batched pass seeded with a colouring.

Columns of the same colour share no row, so one forward pass in the
direction "sum of the columns of colour k" gives each of their entries in its
own row: ``B = J @ seed`` with ``seed[:, k]`` the indicator of colour ``k``,
and ``J.data = B.ravel()[gather]`` (``colouring.jacobian_recovery``). Row
compression is the transpose: ``seed.T @ J`` with rows coloured, from forward
mode through the *reverse* pass with respect to its cotangent (the reverse pass
is linear in it). Hessians are forward over reverse with a star colouring,
recovered through symmetry (``colouring.hessian_recovery``).

The compressed graph is built once, with the number of colours a symbolic
size (``sd_colours_<k>``) of a hidden seed input: the pattern, colouring and
seed are made per binding of the sizes when a call first needs them, so one
compiled function serves every size.
"""

from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp

from ..dims import shape_eval
from ..graph import Node, make_input
from . import SparseHessian, SparseJacobian, bind_sizes, size_names


class CompressedOutput:
    """One sparse output of a function: its compressed node, hidden inputs and per-size plans."""

    def __init__(self, spec, position: int):
        from ..autodiff.derived import _stable, grad
        from ..autodiff.forward import forward
        from ..autodiff.reverse import backward

        self.spec, x, y = spec, spec.x, spec.y
        self._chosen = None
        self.mode = "star" if spec.kind == "hessian" else self._choose_mode(spec)
        colours = f"sd_colours_{position}"
        self.names = size_names([y, x])
        self.cotangent = None
        if spec.kind == "hessian":
            self.seed = make_input(f"sd_seed_{position}", (colours,) + x.shape, x.dtype)
            self.node = forward([grad(y, x)], [x], [self.seed], nb=1)[0]
        elif self.mode == "column":
            self.seed = make_input(f"sd_seed_{position}", (colours,) + x.shape, x.dtype)
            self.node = forward([_stable(y, [x])], [x], [self.seed], nb=1)[0]
        else:
            # J^T w is linear in w: its derivative in the direction w is itself, batched over the seed's rows
            u = make_input(f"sd_cotangent_{position}", y.shape, y.dtype)
            h = backward([(_stable(y, [x]), u)], [x])[0]
            self.seed = make_input(f"sd_seed_{position}", (colours,) + y.shape, y.dtype)
            self.node = forward([h], [u], [self.seed], nb=1)[0]
            from ..traversal import toposort

            if any(n is u for n in toposort([self.node])):
                self.cotangent = u
        self.hidden = [self.seed] + ([self.cotangent] if self.cotangent is not None else [])
        self._plans: dict = {}
        self._lock = threading.Lock()

    def _choose_mode(self, spec) -> str:
        """The Jacobian's mode; for "auto" at fixed sizes, the one with fewer colours (whose colouring
        is kept for the plan, so it is not made twice)."""
        if spec.mode != "auto":
            return "column" if spec.mode == "forward" else "row"
        if size_names([spec.y, spec.x]):
            return "column"   # the sizes are not known yet
        from .colouring import column_colouring, row_colouring

        p = spec.pattern({})
        cols, rows = column_colouring(p), row_colouring(p)
        mode, self._chosen = ("row", rows) if rows.max(initial=-1) < cols.max(initial=-1) else ("column", cols)
        return mode

    def plan(self, env: dict) -> "SizePlan":
        key = tuple(env[k] for k in sorted(self.names))
        found = self._plans.get(key)
        if found is None:
            with self._lock:
                found = self._plans.get(key)
                if found is None:
                    found = self._plans[key] = SizePlan(self, {k: env[k] for k in self.names})
        return found


class SizePlan:
    """Pattern, colouring, seed and gather for one binding of the sizes."""

    def __init__(self, out: CompressedOutput, env: dict):
        from . import colouring as col

        spec = out.spec
        pattern = spec.pattern(env)
        x_shape = shape_eval(spec.x.shape, env)
        y_shape = shape_eval(spec.y.shape, env)
        if out.mode == "star":
            colours = col.star_colouring(pattern)
            gather = col.hessian_recovery(pattern, colours)
            seeded_shape = x_shape
        elif out.mode == "column":
            colours = out._chosen if out._chosen is not None else col.column_colouring(pattern)
            gather = col.jacobian_recovery(pattern, colours, "column")
            seeded_shape = x_shape
        else:
            colours = out._chosen if out._chosen is not None else col.row_colouring(pattern)
            gather = col.jacobian_recovery(pattern, colours, "row")
            seeded_shape = y_shape
        c = max(int(colours.max(initial=-1)) + 1, 1)
        n = len(colours)
        seed = np.zeros((c, n), dtype=out.seed.dtype)
        seed[colours, np.arange(n)] = 1
        self.colours = colours
        self.count = c
        self.args = [seed.reshape((c,) + tuple(seeded_shape))]
        if out.cotangent is not None:
            self.args.append(np.zeros(y_shape, dtype=out.cotangent.dtype))
        self.gather = np.asarray(gather, dtype=np.int64)
        # every result shares the pattern's index arrays (read-only) and gets its own data
        self.template = sp.csr_array((np.zeros(pattern.nnz), pattern.indices, pattern.indptr), shape=pattern.shape)
        self.template.has_sorted_indices = True
        self.template.has_canonical_format = True
        for a in (self.template.indices, self.template.indptr):
            a.setflags(write=False)
        # SciPy's constructor checks the structure on every call (~30 us); it is checked once here,
        # then results are made from the template's attributes, if they are the plain ones we know
        self._fast = set(vars(self.template)) <= _CSR_ATTRIBUTES

    def decompress(self, compressed: np.ndarray) -> sp.csr_array:
        data = np.ascontiguousarray(compressed).reshape(-1)[self.gather]
        t = self.template
        if not self._fast:
            return sp.csr_array((data, t.indices, t.indptr), shape=t.shape, copy=False)
        out = object.__new__(sp.csr_array)
        out.__dict__.update(vars(t))
        out.data = data
        return out


_CSR_ATTRIBUTES = {"_shape", "maxprint", "indices", "indptr", "data", "_has_sorted_indices",
                   "_has_canonical_format"}


_SCALARS = (bool, int, float, np.generic)


class SparseFunction:
    """A compiled function with sparse outputs: the compressed function inside, CSR arrays out.

    Behaves as the ``sd.Function`` it wraps (``tier``, ``wait``, ``source``,
    keyword calls, pickling); each call computes, or reuses, the colouring for
    the call's sizes, passes the seeds and decompresses.
    """

    def __init__(self, inputs, outputs, backend: str, **options):
        from ..backends.function import Function

        self.inputs = list(inputs)
        self.single = not isinstance(outputs, (list, tuple))
        self.specs = [outputs] if self.single else list(outputs)
        self.backend, self.options = backend, options
        self.sparse = {}
        nodes, hidden = [], []
        for i, o in enumerate(self.specs):
            if isinstance(o, (SparseJacobian, SparseHessian)):
                c = self.sparse[i] = CompressedOutput(o, len(self.sparse))
                nodes.append(c.node)
                hidden += c.hidden
            else:
                nodes.append(o)
        self.inner = Function(self.inputs + hidden, nodes, backend, **options)
        self._fixed = None
        self._by_shapes: dict = {}
        if not any(c.names for c in self.sparse.values()):
            self._fixed = self._plans({})   # colourings made now: calls never wait for them
        else:
            # the colouring kernels (Numba) load in the background, or now with wait=True
            from ..backends.function import wait_default
            from .colouring import warm_up

            wait = options.get("wait")
            if wait_default() if wait is None else wait:
                warm_up()
            else:
                threading.Thread(target=warm_up, name="symdiff-colouring", daemon=True).start()

    def _plans(self, env) -> list:
        return [c.plan(env) for c in self.sparse.values()]

    def __call__(self, *args, **kwargs):
        from ..backends import argcheck
        from ..backends.function import bind_arguments

        if kwargs:
            args = argcheck.by_name([x.name for x in self.inputs], args, kwargs)
        plans = self._fixed
        if plans is None:
            # the plans depend on the sizes only, which the arguments' shapes decide: a call with
            # shapes seen before skips binding here (the inner function checks the arguments)
            key = tuple(a.shape if isinstance(a, np.ndarray) else () if isinstance(a, _SCALARS) else None
                        for a in args)
            plans = self._by_shapes.get(key)
            if plans is None:
                arrays, env = bind_arguments(self.inputs, args)
                args = arrays
                plans = self._plans(env)
                if None not in key and len(self._by_shapes) < 256:
                    self._by_shapes[key] = plans
        extra = [a for p in plans for a in p.args]
        results = self.inner(*args, *extra)
        results = list(results) if not self.inner.single else [results]
        for (i, _), p in zip(self.sparse.items(), plans):
            results[i] = p.decompress(results[i])
        return results[0] if self.single else tuple(results)

    def colouring(self, output: int = 0, sizes=None) -> np.ndarray:
        """The colours used for sparse output number ``output`` (position among the outputs) at ``sizes``."""
        c = self.sparse[output]
        return c.plan(bind_sizes("colouring", [c.spec.y, c.spec.x], sizes)).colours

    @property
    def tier(self) -> str:
        return self.inner.tier

    @property
    def ready(self) -> bool:
        return self.inner.ready

    def wait(self, timeout: float | None = None) -> bool:
        return self.inner.wait(timeout)

    @property
    def source(self) -> str:
        return self.inner.source

    def export(self, path):
        raise NotImplementedError("fn.export: functions with sparse outputs cannot be exported yet; export "
                                  "the dense form (sd.jacobian / sd.hessian) or call the function from symdiff")

    def __reduce__(self):
        from ..graphio import graph_record

        record = [("node", o) if isinstance(o, Node) else (o.kind, o.y, o.x, getattr(o, "mode", None))
                  for o in self.specs]
        nodes = [v for r in record for v in r[1:] if isinstance(v, Node)]
        return _sparse_function_from_records, (graph_record(self.inputs), graph_record(nodes),
                                               [(r[0], r[-1] if r[0] == "jacobian" else None) for r in record],
                                               self.single, self.backend, self.options)

    def __repr__(self):
        ins = ", ".join(x.name for x in self.inputs)
        return (f"<symdiff.Function({ins}) -> {len(self.specs)} output(s), {len(self.sparse)} sparse, "
                f"backend={self.backend!r}>")


def _sparse_function_from_records(inputs, nodes, kinds, single, backend, options):
    from ..graphio import graph_from_record

    ins = graph_from_record(inputs)
    it = iter(graph_from_record(nodes))
    outs = []
    for kind, mode in kinds:
        if kind == "node":
            outs.append(next(it))
        elif kind == "jacobian":
            outs.append(SparseJacobian(next(it), next(it), mode))
        else:
            outs.append(SparseHessian(next(it), next(it)))
    return SparseFunction(ins, outs[0] if single else outs, backend, **options)
