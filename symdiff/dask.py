"""Data-parallel evaluation on Dask: a compiled function summed over the row chunks of dask arrays.

For a loss written per batch of rows (a sum over examples) and its gradient,
the value on the whole dataset is the sum of the values on its chunks.
:func:`over_chunks` evaluates a :class:`symdiff.Function` on every row chunk
of the data where that chunk lives (a ``dask.distributed`` cluster, or
Dask's local scheduler without one) and adds the results up, so an
optimiser can fit a model to data no single worker could hold::

    X, y, w = sd.matrix("X", ("b", 20)), sd.vector("y", "b"), sd.vector("w", 20)
    loss = sd.sum(sd.logaddexp(0, -y * (X @ w)))              # a sum over the rows
    fn = sd.function([w, X, y], [loss, sd.grad(loss, w)])
    total = over_chunks(fn, X=X_dask, y=y_dask)               # a function of w alone
    value, grad = total(w0)                                   # reduced over every chunk

The data are the inputs named by keyword; every other input of ``fn`` is a
parameter, passed at each call (by position, in ``fn``'s order, or by name).
Data arrays must have the same number of rows; they are split along axis 0
into the same chunks (other axes are one chunk each). With a distributed
client the chunks are computed once and kept in the workers' memory
(``persist=True``); the function is sent to each worker once, rebuilt there
from its graph and compiled (or loaded from the disk cache) before the first
chunk runs. Each call sends the parameters, runs one task per chunk next to
its data and adds the results up (in a tree of tasks on the workers when
there are more than ``FAN_IN`` chunks, the last few in the caller).

``reduce="sum"`` adds the chunks' outputs; ``reduce="mean"`` weights each
chunk's outputs by its rows and divides by the total (for a loss written as a
mean over its batch). A worker that dies during a call is replaced by Dask,
which recomputes its chunks and tasks; if that fails the call raises Dask's
error: a result is never made from fewer than all the chunks.

Dask is an optional dependency: ``pip install "symdiff[dask]"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .backends import argcheck
from .backends.function import Function, input_specs

__all__ = ["ChunkedFunction", "over_chunks"]

#: partial results added by one task of the reduction tree
FAN_IN = 8


def over_chunks(fn: Function, reduce: str = "sum", client=None, persist: bool = True,
                **data) -> ChunkedFunction:
    """``fn`` evaluated over the row chunks of the dask arrays ``data`` (by input name), results reduced.

    ``client``: a ``distributed.Client``; by default the current one if there
    is one, else Dask's local scheduler (threads); ``False`` for the local
    scheduler in any case. See the module docstring.
    """
    return ChunkedFunction(fn, data, reduce=reduce, client=client, persist=persist)


class ChunkedFunction:
    """A function of ``fn``'s parameters whose value is the reduction of ``fn`` over data chunks."""

    def __init__(self, fn: Function, data: dict, reduce: str = "sum", client=None, persist: bool = True):
        import dask.array as da

        if not isinstance(fn, Function):
            raise TypeError(f"over_chunks: expected a symdiff function (sd.function), got {type(fn).__name__}")
        if reduce not in ("sum", "mean"):
            raise ValueError(f"over_chunks: reduce must be 'sum' or 'mean', got {reduce!r}")
        if not data:
            raise TypeError("over_chunks: name the data inputs by keyword, e.g. over_chunks(fn, X=X, y=y)")
        names = [x.name for x in fn.inputs]
        for k, v in data.items():
            if names.count(k) != 1:
                raise TypeError(f"over_chunks: the function has no input named {k!r} (inputs: {', '.join(names)})"
                                if k not in names else f"over_chunks: the function has several inputs named {k!r}")
            if not isinstance(v, da.Array):
                raise TypeError(f"over_chunks: data {k!r} must be a dask array, got {type(v).__name__}")
            x = fn.inputs[names.index(k)]
            if v.ndim != x.ndim or v.ndim == 0:
                raise ValueError(f"over_chunks: data {k!r} has {v.ndim} axes; input {k!r} has shape "
                                 f"{x.shape} (data need a row axis)")
        self.fn, self.reduce = fn, reduce
        self._weigh = reduce == "mean"   # each chunk's outputs times its rows, then / all rows
        self.data_names = list(data)
        self.param_names = [n for n in names if n not in data]
        self._data_at = [names.index(k) for k in self.data_names]
        self._param_at = [j for j, n in enumerate(names) if n not in data]
        first = data[self.data_names[0]]
        rows = first.shape[0]
        for k, v in data.items():
            if v.shape[0] != rows:
                raise ValueError(f"over_chunks: data {k!r} has {v.shape[0]} rows but "
                                 f"{self.data_names[0]!r} has {rows}")
        row_chunks = first.chunks[0]
        arrays = [v.rechunk((row_chunks,) + tuple(-1 for _ in v.shape[1:])) for v in data.values()]
        self.rows = tuple(int(r) for r in row_chunks)
        # one tuple of blocks per row chunk
        blocks = [a.to_delayed().reshape(-1) for a in arrays]
        self._chunks = [tuple(b[i] for b in blocks) for i in range(len(self.rows))]
        self.client = None if client is False else client if client is not None else _current_client()
        self._futures = None   # the chunks' blocks kept on the workers (persist=True)
        if self.client is not None:
            # a task that returns the function (not scattered data): Dask can recompute it
            # if every worker holding it dies; each worker deserialises it once
            self._fn = self.client.submit(_same, fn, pure=False)
            if persist:   # every block computed once, kept in the memory of the worker that made it
                self._futures = self._compute_chunks()
        else:
            self._fn = fn

    def _compute_chunks(self) -> list:
        """The chunks' blocks computed on the cluster: one tuple of futures per row chunk."""
        k = len(self.data_names)
        flat = self.client.compute([d for chunk in self._chunks for d in chunk])
        return [tuple(flat[i * k:(i + 1) * k]) for i in range(self.nchunks)]

    @property
    def nchunks(self) -> int:
        return len(self.rows)

    def __call__(self, *args, **kwargs):
        if kwargs:
            args = argcheck.by_name(self.param_names, args, kwargs)
        # checked here, once, with the function's own rules (the data are checked per chunk)
        params, _ = argcheck.bind(input_specs([self.fn.inputs[j] for j in self._param_at]), args)
        if self.client is None:
            return self._local(params)
        return self._distributed(params)

    def _local(self, params):
        import dask

        parts = [dask.delayed(_evaluate)(self._fn, self._param_at, params, self._data_at, chunk, self._weigh)
                 for chunk in self._chunks]
        return self._finish(_tree(parts, lambda group: dask.delayed(_add)(*group))[0].compute())

    def _distributed(self, params):
        client = self.client
        p = client.submit(_same, params, pure=False) if _nbytes(params) > 100_000 else params
        # not persisted: the blocks are computed for this call only (read again at the next)
        chunks = self._futures if self._futures is not None else self._compute_chunks()
        # one message to the scheduler for all the chunks' tasks
        parts = client.map(_evaluate, [self._fn] * len(chunks), [self._param_at] * len(chunks),
                           [p] * len(chunks), [self._data_at] * len(chunks), chunks,
                           [self._weigh] * len(chunks), pure=False)
        # added on the workers down to FAN_IN partial results, the last sum here (one round trip less)
        return self._finish(_add(*client.gather(_tree(parts, lambda group: client.submit(_add, *group, pure=False),
                                                      until=FAN_IN))))

    def _finish(self, total):
        outs, rows = total
        if rows != sum(self.rows):
            raise RuntimeError(f"over_chunks: the results cover {rows} rows, expected {sum(self.rows)}")
        if self.reduce == "mean":
            outs = [o / rows for o in outs]
        return outs[0] if self.fn.single else tuple(outs)

    def __repr__(self):
        return (f"<ChunkedFunction({', '.join(self.param_names)}) over {self.nchunks} chunks of "
                f"{', '.join(self.data_names)}, reduce={self.reduce!r}>")


def _current_client():
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:   # no client in this process
        return None


def _same(value):
    return value


def _nbytes(params) -> int:
    return sum(np.asarray(p).nbytes for p in params)


def _tree(parts: Sequence, combine, until: int = 1) -> list:
    """Partial results added ``FAN_IN`` at a time until at most ``until`` are left."""
    parts = list(parts)
    while len(parts) > until:
        parts = [combine(parts[k:k + FAN_IN]) if len(parts[k:k + FAN_IN]) > 1 else parts[k]
                 for k in range(0, len(parts), FAN_IN)]
    return parts


def _evaluate(fn: Function, param_at, params, data_at, chunk, weigh: bool):
    """One chunk: (its outputs, times its rows when ``weigh``; its rows). Runs on a worker."""
    if fn.backend == "numba":
        fn.wait()   # compile (or load from the disk cache) once per worker, then run native code
    args = [None] * (len(param_at) + len(data_at))
    for j, p in zip(param_at, params):
        args[j] = p
    for j, d in zip(data_at, chunk):
        args[j] = d
    out = fn(*args)
    out = [out] if fn.single else list(out)
    rows = int(np.shape(chunk[0])[0])
    return ([o * rows for o in out] if weigh else out), rows


def _add(*partials):
    """The sum of partial results ``(outputs, rows)``."""
    outs = [np.array(o) for o in partials[0][0]]
    rows = partials[0][1]
    for o, r in partials[1:]:
        for k, v in enumerate(o):
            outs[k] = outs[k] + v
        rows += r
    return outs, rows
