"""The Numba backend: graph -> plan -> loop IR -> Numba source -> one cached ``@njit`` kernel.

Stages, one module each:

* ``planner.py``: which nodes get an array and which loop nest computes what;
* ``emitter.py`` (with ``nest.py`` and ``split.py``): the plan as a kernel in
  the backend-neutral loop IR (``backends/loops/``), each operation through
  its entry in ``lowering.py`` / ``lowerings/``;
* ``printer.py``: the kernel as a Python module for Numba;
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
from .emitter import build_kernel
from .lowering import LOWERINGS, missing_lowerings
from .printer import kernel_module

__all__ = ["compile_graph", "build_source", "CompiledGraph", "CompileError", "LOWERINGS", "missing_lowerings"]


class CompileError(RuntimeError):
    """The Numba backend could not compile a graph (a bug in symdiff: please report it)."""


def build_source(inputs, outputs):
    """``(kernel, specs, plan, module text, big constants)`` for a graph, without compiling."""
    kernel, specs, plan = build_kernel(list(inputs), list(outputs))
    text, const_data = kernel_module(kernel, _cache.versions())
    return kernel, specs, plan, text, const_data


def compile_graph(inputs, outputs, single: bool = False) -> "CompiledGraph":
    """Compile ``outputs`` as a function of ``inputs`` (lists of nodes)."""
    inputs, outputs = list(inputs), list(outputs)
    kernel, specs, plan, text, const_data = build_source(inputs, outputs)
    key = _cache.graph_key(text, kernel.constants)
    try:
        mod = _cache.load_module(key, text, const_data)
    except _cache._NUMBA_ERRORS as e:
        raise CompileError(_explain(e, text)) from None
    checks = [c for n in plan.order for c in _lowering_checks(n)]
    return CompiledGraph(inputs, outputs, mod.graph, text, kernel, specs, _unique(checks), single)


def _lowering_checks(n):
    from .lowering import lowering_of

    return lowering_of(n).call_checks(n)


def _unique(checks):
    seen, out = set(), []
    for c in checks:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


def _explain(e: Exception, text: str) -> str:
    """A one-line account of a Numba failure, naming the node whose line failed."""
    msg = re.sub(r"\x1b\[[0-9;]*m", "", str(e))
    lines = text.split("\n")
    hits = [int(m.group(1)) - 1 for m in re.finditer(r'sd_[0-9a-f]+\.py", line (\d+)', msg)]
    if not hits:  # e.g. NameError: find the line that uses the quoted name
        body = lines.index(next(ln for ln in lines if ln.startswith("def graph")))
        for name in re.findall(r"'([A-Za-z_][A-Za-z0-9_.]*)'", msg):
            hits += [k for k in range(body + 1, len(lines)) if re.search(rf"\b{re.escape(name)}\b", lines[k])][:1]
    where = ""
    for k in hits:
        if 0 <= k < len(lines):
            ln = lines[k]
            where = f" at node `{ln.split('#', 1)[1].strip()}`" if "#" in ln else f" at `{ln.strip()}`"
    useful = [ln.strip() for ln in msg.splitlines() if "Error" in ln and "pipeline" not in ln]
    first = useful[0] if useful else next((ln for ln in msg.splitlines() if ln.strip()), msg)
    return f"the numba backend failed to compile the graph{where}: {first}"


class CompiledGraph:
    """A compiled graph: ``call(*args)`` (the generated call path), ``jit`` (the kernel), ``source``."""

    def __init__(self, inputs, outputs, jit, module_text: str, kernel, specs, checks, single: bool):
        self.inputs = inputs
        self.outputs = outputs
        self.jit = jit
        self.module_text = module_text
        caller, ns = caller_source(kernel, specs, checks, single)
        ns["_jit"] = jit
        ns["_prepare"] = lambda args: prepare_arguments(inputs, args)
        exec(compile(caller, "<symdiff call path>", "exec"), ns)
        self.call = ns["call"]
        self.caller_text = caller
        self.source = module_text + "\n\n# ---- call path (plain Python, generated with the kernel above) ----\n" + caller
