"""The Numba backend: graph -> plan -> loop IR -> Numba source -> one cached ``@njit`` kernel.

Stages, one module each:

* ``planner.py``: which nodes get an array and which loop nest computes what;
* ``emitter.py`` (with ``nest.py`` and ``split.py``): the plan as a kernel in
  the backend-neutral loop IR (``backends/loops/``), each operation through
  its entry in ``lowering.py`` / ``lowerings/``;
* ``partition.py``: the kernel cut into parts of bounded size, in canonical names;
* ``printer.py``: each part as a Python module for Numba;
* ``cache.py``: the module on disk, compiled once per graph and machine;
* ``callpath.py``: the generated Python function that checks arguments,
  allocates outputs and calls the kernel.

``compile_graph(inputs, outputs, single)`` returns a :class:`CompiledGraph`
whose ``call`` is that function and whose ``source`` shows the kernel module
then the call path.
"""

from __future__ import annotations

import re
import time

from ...reporting import Progress, logger, timed
from .. import loops as ir
from . import cache as _cache
from . import compiler as _compiler
from . import lowerings as _lowerings  # noqa: F401  (fills LOWERINGS)
from .callpath import caller_source, prepare_arguments
from .compiler import PartCompileError
from .emitter import build_kernel, plan_checks
from .lowering import LOWERINGS, missing_lowerings
from .partition import partition
from .printer import part_module

__all__ = ["compile_graph", "build_source", "PreparedGraph", "CompiledGraph", "CompileError", "PartCompileError",
           "LOWERINGS", "missing_lowerings"]


class CompileError(RuntimeError):
    """The Numba backend could not compile a graph (a bug in symdiff: please report it)."""


def build_source(inputs, outputs):
    """``(kernel, specs, plan, text, modules)`` for a graph, without compiling.

    ``modules`` has one ``(part, module text, big constants)`` per compiled part;
    ``text`` is all the modules' texts, one after the other.
    """
    kernel, specs, plan = build_kernel(list(inputs), list(outputs))
    versions = _cache.versions()
    modules = []
    for part in partition(kernel):
        text, const_data = part_module(part, versions)
        modules.append((part, text, const_data))
    text = "\n\n".join(m[1] for m in modules)
    return kernel, specs, plan, text, modules


class PreparedGraph:
    """A graph planned and printed, with the cache keys of its parts: ``build()`` makes it callable."""

    def __init__(self, inputs, outputs, single: bool):
        self.inputs, self.outputs, self.single = list(inputs), list(outputs), single
        with timed("plan and generate code"):
            self.kernel, self.specs, self.plan, self.text, self.modules = build_source(self.inputs, self.outputs)
            self.keys = [_cache.graph_key(text, part.constants) for part, text, _ in self.modules]
        self.sizes = {key: ir.count(part.body) for (part, _, _), key in zip(self.modules, self.keys)}
        self.statements = sum(self.sizes[k] for k in self.keys)
        self.parts = [m[0] for m in self.modules]
        self.caller_text, self.caller_ns = caller_source(self.kernel, self.parts, self.specs,
                                                         plan_checks(self.plan), single)

    @property
    def source(self) -> str:
        """The parts' modules, then the call path."""
        return self.text + "\n\n# ---- call path (plain Python, generated with the kernel above) ----\n" \
            + self.caller_text

    def missing(self) -> list:
        """Keys of parts whose machine code is not cached yet."""
        return _compiler.missing(self.keys)

    def build(self, background: bool = False) -> "CompiledGraph":
        """Compile what is not cached (in worker processes when that pays) and load every part.

        Raises CompileError (a Numba error, naming the part and node) or
        PartCompileError (a worker failed or was killed).
        """
        todo = self.missing()
        n = len(self.keys)
        labels: dict = {}
        for j, k in enumerate(self.keys):
            labels.setdefault(k, f"part {j + 1} of {n}")
        progress = Progress(f"{n} part{'s' if n > 1 else ''}", n) if todo else None
        t = time.perf_counter()
        try:
            workers = _compiler.workers_for(len(todo), sum(self.sizes[k] for k in todo), background)
            if workers:
                written = set()
                for (part, text, const_data), key in zip(self.modules, self.keys):
                    if key in todo and key not in written:
                        _cache.write_module(key, text, const_data)
                        written.add(key)
                _compiler.compile_in_workers(todo, labels, workers, sizes=self.sizes,
                                             on_done=(lambda k: progress.update(k)) if progress else None)
            try:
                jits = _compiler.load(self.modules, self.keys,
                                      on_done=(lambda k: progress.update(k)) if progress else None)
            except _cache.numba_errors() as e:
                k = next(j for j, key in enumerate(self.keys) if _cache.loaded(key) is None)
                raise CompileError(_explain(e, self.modules[k][1], k, n)) from None
        finally:
            if progress:
                progress.close()
        distinct = len(set(self.keys))
        logger.info("compiled %d of %d part%s (%d statements%s) in %.2f s; %d cached%s", len(todo), n,
                    "s" if n > 1 else "", self.statements,
                    f", {workers} worker process{'es' if workers > 1 else ''}" if todo and workers else "",
                    time.perf_counter() - t, distinct - len(todo),
                    f", {n - distinct} the same code as another part" if n > distinct else "")
        return CompiledGraph(self, jits)


def compile_graph(inputs, outputs, single: bool = False) -> "CompiledGraph":
    """Compile ``outputs`` as a function of ``inputs`` (lists of nodes), waiting for the compile."""
    return PreparedGraph(inputs, outputs, single).build()


def _explain(e: Exception, text: str, part_index: int = 0, nparts: int = 1) -> str:
    """A one-line account of a Numba failure, naming the part and the node whose line failed."""
    msg = re.sub(r"\x1b\[[0-9;]*m", "", str(e))
    lines = text.split("\n")
    hits = [int(m.group(1)) - 1 for m in re.finditer(r'sd_[0-9a-f]+\.py", line (\d+)', msg)]
    if not hits:  # e.g. NameError: find the line that uses the quoted name
        body = lines.index(next(ln for ln in lines if ln.startswith("def part")))
        for name in re.findall(r"'([A-Za-z_][A-Za-z0-9_.]*)'", msg):
            hits += [k for k in range(body + 1, len(lines)) if re.search(rf"\b{re.escape(name)}\b", lines[k])][:1]
    where = ""
    for k in hits:
        if 0 <= k < len(lines):
            ln = lines[k]
            where = f" at node `{ln.split('#', 1)[1].strip()}`" if "#" in ln else f" at `{ln.strip()}`"
    useful = [ln.strip() for ln in msg.splitlines() if "Error" in ln and "pipeline" not in ln]
    first = useful[0] if useful else next((ln for ln in msg.splitlines() if ln.strip()), msg)
    part = f" (part {part_index + 1} of {nparts})" if nparts > 1 else ""
    return f"the numba backend failed to compile the graph{part}{where}: {first}"


class CompiledGraph:
    """A compiled graph: ``call(*args)`` (the generated call path), ``jits`` (the parts), ``source``."""

    def __init__(self, prepared: PreparedGraph, jits: list):
        self.inputs = prepared.inputs
        self.outputs = prepared.outputs
        self.jits = jits
        self.jit = jits[0] if len(jits) == 1 else None
        self.module_text = prepared.text
        ns = dict(prepared.caller_ns)
        for k, jit in enumerate(jits):
            ns[f"_p{k}"] = jit
        inputs = self.inputs
        ns["_prepare"] = lambda args: prepare_arguments(inputs, args)
        exec(compile(prepared.caller_text, "<symdiff call path>", "exec"), ns)
        self.call = ns["call"]
        self.caller_text = prepared.caller_text
        self.source = prepared.source
