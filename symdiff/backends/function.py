"""``sd.function``: argument checking shared by every backend, and backend choice."""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
import weakref
from typing import Sequence

import numpy as np

from ..graph import Node, as_node
from ..reporting import logger, timed
from . import argcheck


def input_specs(inputs: Sequence[Node]) -> list:
    """``(name, dtype, shape)`` of each input symbol: what ``argcheck`` checks arguments against."""
    return [(x.name, x.dtype, x.shape) for x in inputs]


def bind_arguments(inputs: Sequence[Node], args: Sequence[object]):
    """Check call arguments against the input symbols; return (arrays, dims env).

    Raises TypeError for the wrong count and ValueError naming the input for a
    wrong shape or dtype or symbolic dimensions that disagree (``argcheck.bind``).
    """
    return argcheck.bind(input_specs(inputs), args)


def _compile_failures() -> tuple:
    """The errors a compile may end with that leave the function working on the reference tier."""
    from .numba import CompileError, PartCompileError

    return (CompileError, PartCompileError, OSError, MemoryError)


def wait_default() -> bool:
    """``SYMDIFF_WAIT=1`` makes ``sd.function`` wait for native code by default (tests, benchmarks)."""
    return os.environ.get("SYMDIFF_WAIT", "0").strip().lower() in ("1", "on", "true", "yes")


class Function:
    """A callable for fixed inputs and outputs. ``fn.source`` shows what runs.

    With the Numba backend, calls are served by the reference interpreter
    (``fn.tier == "numpy"``) until native code is ready (``"numba"``), unless
    the function was made with ``wait=True`` or the code was cached. ``fn.wait()``
    blocks until the compile has finished.
    """

    def __init__(self, inputs, outputs, backend: str, simplify: bool = True, fast_math: bool = False,
                 wait: bool | None = None):
        self.inputs = list(inputs)
        for x in self.inputs:
            if not isinstance(x, Node) or not x.op.is_input:
                raise TypeError(f"function inputs must be input symbols (sd.scalar, sd.vector, ...), got {x!r}")
        if len({id(x) for x in self.inputs}) != len(self.inputs):
            raise ValueError("function: the same input symbol is listed twice")
        self.single = not isinstance(outputs, (list, tuple))
        self.outputs = [as_node(outputs)] if self.single else [as_node(o) for o in outputs]
        self.backend = backend
        self.fast_math = fast_math
        if backend not in ("numba", "numpy"):
            raise ValueError(f"unknown backend {backend!r}; use 'numba' or 'numpy'")
        if simplify:
            from ..rewrite.pipeline import simplify as _simplify

            with timed("simplify"):
                self.outputs = _simplify(self.outputs, fast_math=fast_math)
        self._ready = threading.Event()
        self._reference()
        if backend == "numpy":
            self._ready.set()
            return
        self._prepared = None
        self._prepared_event = threading.Event()
        block = wait_default() if wait is None else wait
        # a process that has loaded compiled code before loads cached code in milliseconds; in any
        # other, even a cache hit needs ~1 s for Numba, so the first calls go to the reference tier
        compiler = sys.modules.get("symdiff.backends.numba.compiler")
        warm = compiler is not None and compiler.warm()
        if block or warm:
            self._prepare()
            if block or not self._prepared.missing():
                self._go_native(background=False)
                return
        self._started = time.perf_counter()
        self._compile_in_background()

    def _compile_in_background(self) -> None:
        _PENDING.add(self)
        threading.Thread(target=self._go_native, kwargs={"background": True},
                         name="symdiff-compile", daemon=True).start()

    def _restart_after_fork(self) -> None:
        """In a forked child: the compile thread of the parent is gone, so start one here."""
        if self._ready.is_set():
            return
        if not self._prepared_event.is_set():   # forked while planning: plan again
            self._prepared = None
        self._compile_in_background()

    def _prepare(self) -> None:
        """Plan the graph and generate the backend's code (importing the backend on first use)."""
        from .numba import PreparedGraph

        try:
            self._prepared = PreparedGraph(self.inputs, self.outputs, self.single)
        finally:
            self._prepared_event.set()

    def _reference(self) -> None:
        from .reference import Plan

        self._plan = Plan(self.inputs, self.outputs)
        self._run = self._plan.run
        self._fast = None

    def _go_native(self, background: bool) -> None:
        """Compile and load the native code, then serve calls with it; on failure warn and stay put."""
        try:
            if self._prepared is None:   # planned here, off the caller's thread
                self._prepare()
            compiled = self._prepared.build(background=background)
        except Exception as e:
            if not background and not isinstance(e, _compile_failures()):
                raise
            # a failure to plan or compile leaves the reference tier in place, with a warning
            warnings.warn(f"symdiff: compiling {self!r} failed, so it keeps running on the reference "
                          f"interpreter (same results, slower): {e}", RuntimeWarning, stacklevel=2)
        else:
            self._compiled = compiled
            # checks the arguments itself and falls back to bind_arguments for
            # anything unusual, so errors are the same as on the generic path
            self._fast = compiled.call
            if background:
                logger.info("%r: native code after %.2f s (calls so far ran on the reference interpreter)",
                            self, time.perf_counter() - self._started)
        finally:
            self._ready.set()
            _PENDING.discard(self)

    @property
    def tier(self) -> str:
        """``"numba"`` when calls run compiled code, ``"numpy"`` while they run the reference interpreter."""
        return "numba" if self._fast is not None else "numpy"

    @property
    def ready(self) -> bool:
        """True when the backend's code is in use (or its compile failed and it never will be)."""
        return self._ready.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the compile has finished (at most ``timeout`` seconds); True when it has."""
        return self._ready.wait(timeout)

    @property
    def source(self) -> str:
        if self.backend == "numpy":
            from ..printing import plan_source

            return plan_source(self.inputs, self.outputs)
        self._prepared_event.wait()
        if self._prepared is None:
            raise RuntimeError(f"{self!r}: the numba backend could not generate code for this graph "
                               "(see the warning); calls run on the reference interpreter")
        return self._prepared.source

    def __call__(self, *args, **kwargs):
        if kwargs:
            args = self._by_name(args, kwargs)
        fast = self._fast
        if fast is not None:
            return fast(*args)
        arrays, env = bind_arguments(self.inputs, args)
        results = self._run(arrays, env)
        out = []
        for r in results:
            if not r.flags.writeable or any(r is a for a in arrays) or (r.base is not None and not r.flags.owndata):
                r = np.array(r)
            out.append(r)
        return out[0] if self.single else tuple(out)

    def _by_name(self, args: tuple, kwargs: dict) -> tuple:
        """Positional arguments from ``fn(x, W=...)``: keywords are the input symbols' names."""
        return argcheck.by_name([x.name for x in self.inputs], args, kwargs)

    def export(self, path) -> str:
        """Write this function as one ``.py`` module that needs only NumPy and Numba; its path.

        The module's ``call`` takes the same arguments (by position or by input
        name), checks them the same way and returns the same arrays. Numba
        compiles it when it is first imported on a machine. Whatever the
        function's backend, the export is Numba code; vector math goes through
        NumPy's scalar functions there, so the file runs on any machine.

        >>> import symdiff as sd, os, tempfile
        >>> x = sd.vector("x", "n")
        >>> f = sd.function([x], sd.sum(x ** 2), backend="numpy")
        >>> os.path.basename(f.export(os.path.join(tempfile.mkdtemp(), "sumsq.py")))
        'sumsq.py'
        """
        from .numba.export import export_source, write_export

        title = os.path.splitext(os.path.basename(os.fspath(path)))[0]
        return write_export(path, export_source(self.inputs, self.outputs, self.single, title))

    def __reduce__(self):
        """Pickled as its graph (``symdiff.graphio``); unpickling rebuilds it, loading cached native code."""
        from ..graphio import graph_record

        return _function_from_records, (graph_record(list(self.inputs)), graph_record(list(self.outputs)),
                                        self.single, self.backend, self.fast_math)

    def __repr__(self):
        ins = ", ".join(x.name for x in self.inputs)
        return f"<symdiff.Function({ins}) -> {len(self.outputs)} output(s), backend={self.backend!r}>"



#: functions whose native code is being compiled in a background thread
_PENDING: weakref.WeakSet = weakref.WeakSet()


def _restart_compiles_in_child() -> None:
    for fn in list(_PENDING):
        fn._restart_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_restart_compiles_in_child)


def _function_from_records(inputs, outputs, single: bool, backend: str, fast_math: bool) -> Function:
    from ..graphio import graph_from_record

    outs = graph_from_record(outputs)
    # the outputs were simplified when the function was made: the same graph, the same code (and cache)
    return Function(graph_from_record(inputs), outs[0] if single else outs, backend, simplify=False,
                    fast_math=fast_math)


def _has_sparse(outputs) -> bool:
    outs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return any(type(o).__name__ in ("SparseJacobian", "SparseHessian") for o in outs)


def function(inputs, outputs, backend: str = "numba", simplify: bool = True, fast_math: bool = False,
             wait: bool | None = None) -> Function:
    """Compile ``outputs`` as a function of the input symbols ``inputs``.

    ``outputs`` is a node (the call returns one array) or a list/tuple of nodes
    (the call returns a tuple). ``backend="numpy"`` is the reference interpreter.
    The graph is rewritten first (``sd.simplify``: identities, stable forms,
    constant folding); ``simplify=False`` compiles it as built, for debugging.
    ``fast_math=True`` also allows rewrites that are wrong for inf or nan.

    With ``backend="numba"`` the result can be called at once: when the native
    code is not in the disk cache yet, it compiles in the background (in worker
    processes when there are several cores) and calls run on the reference
    interpreter until it is ready, then switch over. ``wait=True`` blocks until
    the native code is ready instead (the default when ``SYMDIFF_WAIT=1``);
    ``fn.wait()`` does the same later, ``fn.tier`` says which runs.

    >>> import symdiff as sd
    >>> x = sd.vector("x", "n")
    >>> f = sd.function([x], [sd.sum(x ** 2), 2 * x], backend="numpy")
    >>> f([1.0, 2.0])
    (array(5.), array([2., 4.]))
    """
    if isinstance(inputs, Node):
        inputs = [inputs]
    if _has_sparse(outputs):   # sd.sparse_jacobian / sd.sparse_hessian among the outputs: CSR arrays out
        from ..sparsity.compressed import SparseFunction

        return SparseFunction(inputs, outputs, backend, simplify=simplify, fast_math=fast_math, wait=wait)
    return Function(inputs, outputs, backend, simplify=simplify, fast_math=fast_math, wait=wait)
