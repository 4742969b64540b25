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

from . import cache as _cache
from . import lowerings as _lowerings  # noqa: F401  (fills LOWERINGS)
from .callpath import caller_source, prepare_arguments
from .emitter import build_kernel, plan_checks
from .lowering import LOWERINGS, missing_lowerings
from .partition import partition
from .printer import part_module

__all__ = ["compile_graph", "build_source", "CompiledGraph", "CompileError", "LOWERINGS", "missing_lowerings"]


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


def compile_graph(inputs, outputs, single: bool = False) -> "CompiledGraph":
    """Compile ``outputs`` as a function of ``inputs`` (lists of nodes)."""
    inputs, outputs = list(inputs), list(outputs)
    kernel, specs, plan, text, modules = build_source(inputs, outputs)
    jits = []
    for k, (part, part_text, const_data) in enumerate(modules):
        key = _cache.graph_key(part_text, part.constants)
        try:
            mod = _cache.load_module(key, part_text, const_data)
        except _cache._NUMBA_ERRORS as e:
            raise CompileError(_explain(e, part_text, k, len(modules))) from None
        jits.append(mod.part)
    parts = [m[0] for m in modules]
    return CompiledGraph(inputs, outputs, jits, text, kernel, parts, specs, plan_checks(plan), single)


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

    def __init__(self, inputs, outputs, jits, module_text: str, kernel, parts, specs, checks, single: bool):
        self.inputs = inputs
        self.outputs = outputs
        self.jits = jits
        self.jit = jits[0] if len(jits) == 1 else None
        self.module_text = module_text
        caller, ns = caller_source(kernel, parts, specs, checks, single)
        for k, jit in enumerate(jits):
            ns[f"_p{k}"] = jit
        ns["_prepare"] = lambda args: prepare_arguments(inputs, args)
        exec(compile(caller, "<symdiff call path>", "exec"), ns)
        self.call = ns["call"]
        self.caller_text = caller
        self.source = module_text + "\n\n# ---- call path (plain Python, generated with the kernel above) ----\n" + caller
