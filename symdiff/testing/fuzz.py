"""The differential fuzzer: random programs over symdiff's functions, checked against NumPy,
the other backend, finite differences and JAX.

    python -m symdiff.testing.fuzz --seed 0 --count 300 --backend numba --jax

Program ``k`` of a run has the seed ``seed + k``. A mismatch prints a reproducer and the run
goes on: the seed, the inputs and sizes, the checks that failed and the program text reduced to
the failing output when the reduced program still fails (``--seed S --count 1 -v`` replays one
program and prints its symdiff graph). The summary gives the programs tried, the mismatches, the
worst normalised error of each check, the checks skipped, the operations of the registry the
graphs used (derivatives included) and the time.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

from .checker import TOLERANCES, Result, check
from .generator import generate
from .libraries import symdiff_namespace
from .program import Program


@dataclass
class Summary:
    graphs: int = 0
    mismatched: list = field(default_factory=list)     # seeds of programs with a mismatch
    findings: int = 0                                   # mismatches (all programs)
    worst: dict = field(default_factory=dict)           # (check, 0 float64 / 1 float32) -> (error, seed)
    checks: dict = field(default_factory=dict)          # check -> programs it ran on
    skipped: dict = field(default_factory=dict)         # why a check was skipped -> how often
    rejected: int = 0                                   # statements the generator withdrew
    ops: set = field(default_factory=set)
    seconds: float = 0.0

    def add(self, res: Result, rejected: int) -> None:
        self.graphs += 1
        self.rejected += rejected
        for why in res.skipped:
            why = why.split(": ")[0] if why.startswith("jax") else why.split(":")[0] + ": differences unsettled"
            self.skipped[why] = self.skipped.get(why, 0) + 1
        self.ops |= res.ops
        for k in {k for k, _ in res.errors}:
            self.checks[k] = self.checks.get(k, 0) + 1
        for k, e in res.errors.items():
            if e >= self.worst.get(k, (-1.0, None))[0]:
                self.worst[k] = (e, res.seed)
        if res.mismatches:
            self.mismatched.append(res.seed)
            self.findings += len(res.mismatches)

    def report(self) -> str:
        from symdiff.graph import OPS

        missing = sorted(set(OPS) - self.ops)
        seeds = f": seeds {self.mismatched}" if self.mismatched else ""
        unused = f" (not used: {', '.join(missing)})" if 0 < len(missing) <= 20 else ""
        lines = [(f"{self.graphs} programs in {self.seconds:.0f} s: {len(self.mismatched)} with mismatches "
                  f"({self.findings} mismatches){seeds}"),
                 f"operations of the registry used: {len(set(OPS) & self.ops)} of {len(OPS)}{unused}",
                 f"checks skipped: {sum(self.skipped.values())} {dict(sorted(self.skipped.items()))}",
                 f"statements the generator withdrew: {self.rejected}",
                 "worst normalised error (tolerance; seed), float64 and float32 outputs, and programs checked:"]
        for k in TOLERANCES:
            cols = []
            for col in (0, 1):
                e, s = self.worst.get((k, col), (None, None))
                cols.append(f"{'-':>9}{'':19}" if e is None else f"{e:9.2e} ({TOLERANCES[k][col]:g}; {s})".ljust(28))
            if k in self.checks:
                lines.append(f"  {k:<13} {cols[0]} {cols[1]} {self.checks[k]:5d}")
        return "\n".join(lines)


def reproducer(prog: Program, res: Result, backend: str, use_jax: bool) -> str:
    """The seed, the failures and the program, reduced to one output when that still fails."""
    lines = [f"--- seed {prog.seed}: {prog.describe()}"] + [f"  {m}" for m in res.mismatches]
    shown = prog
    for k in range(len(prog.outputs)) if len(prog.outputs) > 1 and res.mismatches else ():
        small = prog.only(k)
        if check(small, backend, use_jax).mismatches:
            shown = small
            lines.append(f"  (reduced to output {prog.outputs[k]}, which still fails)")
            break
    return "\n".join(lines + [shown.text()])


def run(seed: int = 0, count: int = 100, backend: str = "numpy", use_jax: bool = False, verbose: bool = False,
        statements: tuple = (4, 12), out=print, progress: int = 0) -> Summary:
    """Generate and check ``count`` programs (seeds ``seed`` ... ``seed + count - 1``) of
    ``statements[0]`` to ``statements[1]`` top-level statements each; a progress line on stderr
    every ``progress`` programs (0: none)."""
    summary, start = Summary(), time.perf_counter()
    for s in range(seed, seed + count):
        try:
            prog, gen = generate(s, statements)
        except Exception as e:  # noqa: BLE001  (a bug of the generator: reported, the run goes on)
            res = Result(s, mismatches=[f"the generator raised {type(e).__name__}: {e}"])
            summary.add(res, 0)
            out(f"--- seed {s}: {res.mismatches[0]}")
            continue
        res = check(prog, backend, use_jax)
        res.mismatches[:0] = [f"shape/dtype: {f}" for f in gen.findings]
        summary.add(res, len(gen.rejected))
        if res.mismatches:
            out(reproducer(prog, res, backend, use_jax))
        elif verbose:
            out(f"--- seed {s}: {prog.describe()}\n{prog.text()}")
        if not verbose and progress and (s - seed + 1) % progress == 0:
            print(f"[{s - seed + 1}/{count}] {len(summary.mismatched)} with mismatches, "
                  f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        if verbose:
            import symdiff as sd

            outs, _ = prog.function()(symdiff_namespace(), *prog.symbols())
            out(sd.debugprint(list(outs)))
            for m in res.skipped:
                out(f"  skipped: {m}")
    summary.seconds = time.perf_counter() - start
    return summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m symdiff.testing.fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0, help="seed of the first program (default 0)")
    p.add_argument("--count", type=int, default=100, help="number of programs (default 100)")
    p.add_argument("--backend", choices=["numpy", "numba"], default="numpy",
                   help="also compile every program with Numba and compare it with the reference")
    p.add_argument("--jax", action="store_true", help="compare values and derivatives with JAX")
    p.add_argument("--statements", type=int, nargs=2, default=(4, 12), metavar=("MIN", "MAX"),
                   help="top-level statements per program (default 4 12; loop bodies add theirs)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every program and its graph")
    a = p.parse_args(argv)
    if a.jax:
        from .libraries import jax_available

        if not jax_available():
            p.error("--jax needs JAX (pip install jax)")
    summary = run(a.seed, a.count, a.backend, a.jax, a.verbose, tuple(a.statements), progress=25)
    print(summary.report())
    return 1 if summary.mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
