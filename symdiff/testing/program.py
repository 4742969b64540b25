"""Fuzz programs: Python text over a namespace ``L``, with their inputs.

A :class:`Program` is the text of one function, ``def program(L, a, b): ... return outs, cost``,
replayed on symdiff (``L`` builds nodes), on NumPy/SciPy and on JAX (``L`` computes arrays), so
a reproducer is the text itself. ``outs`` is a tuple of arrays; ``cost`` a scalar built from the
float outputs (the function whose derivatives are checked), or ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class InputSpec:
    """One input symbol: ``sd.tensor(name, shape, dtype)``; a str dimension is bound at call time."""

    name: str
    shape: tuple
    dtype: str


def dim_value(d, sizes: dict) -> int:
    """A dimension (an int, a name such as ``"n"`` or a derived ``"2*n - 1"``) under ``sizes``."""
    if isinstance(d, (int, np.integer)):
        return int(d)
    return int(eval(d, {"__builtins__": {}}, dict(sizes)))


def concrete(shape, sizes: dict) -> tuple:
    return tuple(dim_value(d, sizes) for d in shape)


def broadcastable(s1, s2) -> bool:
    """NumPy's rule with symbolic dims compared by name (a name never meets a different int > 1)."""
    return all(a == b or a == 1 or b == 1 for a, b in zip(reversed(s1), reversed(s2)))


@dataclass
class Program:
    """A random program: its seed, inputs, text, and input arrays for each binding of the sizes.

    ``only(k)`` is the program reduced to output ``k`` and the statements it needs.
    """

    seed: int
    inputs: list[InputSpec]
    lines: list[str]                     # the body of ``program``, unindented (nested defs indented)
    outputs: list[str]                   # names returned as ``outs``
    terms: list                          # per output: its term of the cost (an expression), or None
    wrt: list[int]                       # indices of the inputs the derivatives are taken by
    bindings: list[dict]                 # sizes of the symbolic dimensions, one dict per call
    arrays: list[list[np.ndarray]]       # input arrays, one list per binding
    direction: list[np.ndarray] = field(default_factory=list)   # the HVP's v, one per binding
    mode: str = "float64"                # "float64" or "float32": the inputs' float type
    loose: list = field(default_factory=list)   # per output: computed through float32

    @property
    def cost(self) -> str | None:
        """The cost: the sum of the terms (None when no output has one)."""
        return " + ".join(t for t in self.terms if t) or None

    def text(self) -> str:
        """The program as Python source (``L`` is the namespace argument)."""
        args = ", ".join(["L"] + [i.name for i in self.inputs])
        body = [f"    {line}" for ln in self.lines for line in ln.split("\n")]
        outs = "(" + "".join(f"{o}, " for o in self.outputs) + ")"
        return "\n".join([f"def program({args}):", *body, f"    return {outs}, {self.cost or 'None'}", ""])

    def function(self):
        """``program(L, *inputs)`` compiled from the text."""
        scope: dict = {"np": np}
        exec(compile(self.text(), f"<fuzz program {self.seed}>", "exec"), scope)  # noqa: S102
        return scope["program"]

    def only(self, k: int) -> Program:
        need, kept = {self.outputs[k]}, []
        for code in reversed(self.lines):
            last = code.split("\n")[-1]
            targets = set(re.findall(r"\w+", last.split(" = ")[0]))
            if targets & need:
                kept.append(code)
                need |= set(re.findall(r"[A-Za-z_]\w*", code))
        terms = [self.terms[k]]
        wrt = self.wrt if terms[0] else []
        return replace(self, lines=kept[::-1], outputs=[self.outputs[k]], terms=terms, wrt=wrt,
                       direction=self.direction if wrt else [], loose=[self.loose[k]])

    def describe(self) -> str:
        """The inputs and the bindings, for a reproducer."""
        ins = ", ".join(f"{i.name}: {i.shape} {i.dtype}" for i in self.inputs)
        return f"inputs {ins}; sizes {self.bindings}; derivatives by {[self.inputs[i].name for i in self.wrt]}"

    def symbols(self):
        import symdiff as sd

        return [sd.tensor(i.name, i.shape, i.dtype) for i in self.inputs]


def sample_input(rng: np.random.Generator, shape: tuple, dtype: str) -> np.ndarray:
    """Inputs: floats uniform on (-2, 2), int64 in [-3, 3], bools; the HVP direction likewise."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "int64":
        return rng.integers(-3, 4, size=shape).astype(np.int64)
    return rng.uniform(-2.0, 2.0, size=shape).astype(dtype)
