"""Side-by-side runtime benchmarks: symdiff vs JAX, PyTensor, NumPy, Numba, SymPy.

    python -m benchmarks.run [--quick] [--only NAME[,NAME...]] [--impl NAME[,NAME...]]
                             [--json out.json] [--symdiff-backend numba|numpy]
                             [--cpu N | --no-pin]

Every implementation runs in this one process, single-threaded (see
benchmarks/_env.py), after its outputs have been checked against the
hand-written NumPy reference (rtol 1e-6, float64). Each timing is a
timeit-style autorange (enough calls per repeat to last --min-time) repeated
many times; we report the median per-call time and the interquartile range.

Not part of the test suite. See benchmarks/README.md and docs/performance.md.
"""
from __future__ import annotations

# Thread limits must be in the environment before NumPy/JAX/PyTensor load.
from benchmarks import _env

_env.apply_thread_env()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
import traceback  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks import problems as P  # noqa: E402

REF = "numpy"
SYMDIFF = "symdiff"


# --------------------------------------------------------------------------
# timing


def fmt_time(t: float | None) -> str:
    if t is None or not np.isfinite(t):
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if t >= scale or unit == "ns":
            v = t / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{t:.3g} s"


class Timing:
    """timeit-style measurement of one callable, run in interleaved rounds.

    ``calibrate`` picks the number of calls per repeat (autorange: enough to
    last ``min_time``, estimated from the fastest of 3 trial batches so a
    single hiccup cannot shrink it); ``step`` runs one repeat. The runner
    calls ``step`` round-robin over all implementations of a problem, so
    slow drifts in machine load hit every implementation alike.
    """

    def __init__(self, fn, args, min_time: float, repeats: int, budget: float):
        self.timer = timeit.Timer("f(*a)", globals={"f": fn, "a": args})
        number = 1
        while True:
            t = min(self.timer.repeat(repeat=3, number=number))
            if t >= 0.2 * min_time:
                break
            number *= 10
        self.number = max(1, math.ceil(number * min_time / t))
        per_repeat = t / number * self.number
        self.repeats = max(5, min(repeats, int(budget / max(per_repeat, 1e-9))))
        self.per_call: list[float] = []

    @property
    def done(self) -> bool:
        return len(self.per_call) >= self.repeats

    def step(self) -> None:
        self.per_call.append(self.timer.timeit(self.number) / self.number)

    def stats(self) -> dict:
        pc = sorted(self.per_call)
        q = statistics.quantiles(pc, n=4, method="inclusive")
        return {"median": statistics.median(pc), "q1": q[0], "q3": q[2], "min": pc[0],
                "number": self.number, "repeats": len(pc)}


def measure_interleaved(timings: list[Timing]) -> None:
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # as timeit does
    try:
        while not all(t.done for t in timings):
            for t in timings:
                if not t.done:
                    t.step()
    finally:
        if gc_was_enabled:
            gc.enable()


# --------------------------------------------------------------------------
# implementations


def implementations(symdiff_backend: str) -> list[tuple[str, callable]]:
    """(label, builder(problem, args) -> Built | None). None = not applicable."""
    impls: list[tuple[str, callable]] = [
        (SYMDIFF, lambda p, a: p.symdiff(a, symdiff_backend)),
        ("jax", lambda p, a: p.jax(a)),
    ]
    try:
        for label, mode in P.pytensor_modes():
            impls.append((label, (lambda m: lambda p, a: p.pytensor(a, m))(mode)))
    except Exception as exc:  # PyTensor missing or broken
        impls.append(("pytensor", _raiser(exc)))
    impls += [
        (REF, lambda p, a: p.numpy(a)),
        ("numba", lambda p, a: p.numba(a, False) if hasattr(p, "numba") else None),
        ("numba-fastmath", lambda p, a: p.numba(a, True) if hasattr(p, "numba") else None),
        ("sympy", lambda p, a: p.sympy(a) if hasattr(p, "sympy") else None),
    ]
    return impls


def _raiser(exc):
    def build(p, a):
        raise exc
    return build


def short_exc(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    msg = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return msg if len(msg) < 110 else msg[:107] + "..."


# --------------------------------------------------------------------------
# main loop


def run(args) -> dict:
    only = set(args.only.split(",")) if args.only else None
    impl_filter = set(args.impl.split(",")) if args.impl else None
    probs = [p for p in P.all_problems() if only is None or p.name in only]
    if only and not probs:
        names = ", ".join(p.name for p in P.all_problems())
        sys.exit(f"--only {args.only}: no such problem (choose from {names})")
    impls = [(n, b) for n, b in implementations(args.symdiff_backend)
             if impl_filter is None or n in impl_filter or n == REF]

    results: list[dict] = []
    status: dict[tuple[str, str], str] = {}
    for prob in probs:
        print(f"\n== {prob.name}: {prob.title}", flush=True)
        rng = np.random.default_rng(args.seed)
        data = prob.data(rng)
        ref_built = prob.numpy(data)
        ref_out = {k: ref_built.fns[k](*ref_built.args) for k in prob.kinds}
        keep = []  # built objects stay alive until this problem is timed
        pending: list[tuple[dict, Timing]] = []
        # 1. build, compile, check every implementation
        for label, builder in impls:
            t0 = time.perf_counter()
            try:
                built = builder(prob, data)
            except Exception as exc:
                reason = short_exc(exc)
                if label == SYMDIFF and isinstance(exc, NotImplementedError):
                    reason = "NotImplementedError (backend not available yet)"
                print(f"  {label:<15} n/a: {reason}", flush=True)
                if args.verbose:
                    traceback.print_exc()
                status[(prob.name, label)] = f"n/a: {reason}"
                continue
            if built is None:
                continue
            keep.append(built)
            build_s = time.perf_counter() - t0
            for kind in prob.kinds:
                fn = built.fns.get(kind)
                if fn is None:
                    continue
                rec = {"problem": prob.name, "impl": label, "kind": kind, "median": None,
                       "q1": None, "q3": None, "status": "ok", "build_s": build_s}
                t1 = time.perf_counter()
                try:
                    out = fn(*built.args)  # compiles (JAX, Numba) and warms up
                    rec["first_call_s"] = time.perf_counter() - t1
                    ok, detail = P.check_close(out, ref_out[kind], rtol=args.rtol)
                    if not ok:
                        rec["status"] = f"MISMATCH: {detail}"
                except Exception as exc:
                    detail = short_exc(exc)
                    if isinstance(exc, NotImplementedError):
                        detail = "NotImplementedError (backend not available yet)"
                    if args.verbose:
                        traceback.print_exc()
                    rec["status"] = f"n/a: {detail}"
                rec["check"] = detail
                results.append(rec)
                if rec["status"] == "ok":
                    try:
                        pending.append((rec, Timing(fn, built.args, args.min_time,
                                                    args.repeats, args.budget)))
                    except Exception as exc:
                        rec["status"] = f"n/a: {short_exc(exc)}"
                if rec["status"] != "ok":
                    print(f"  {label:<15} {kind:<5} {rec['status']}", flush=True)
        # 2. time them, repeats interleaved round-robin
        measure_interleaved([t for _, t in pending])
        for rec, timing in pending:
            rec.update(timing.stats())
            print(f"  {rec['impl']:<15} {rec['kind']:<5} median {fmt_time(rec['median']):>9}  "
                  f"IQR {fmt_time(rec['q3'] - rec['q1']):>9}  min {fmt_time(rec['min']):>9}  "
                  f"({rec['number']} calls x {rec['repeats']} repeats; check {rec['check']})",
                  flush=True)
        del keep, pending
        gc.collect()
    return {"results": results, "status": {f"{k[0]}/{k[1]}": v for k, v in status.items()},
            "problems": {p.name: p.title for p in probs}, "kinds": {p.name: p.kinds for p in probs}}


# --------------------------------------------------------------------------
# reporting


def lookup(results, problem, impl, kind):
    for r in results:
        if r["problem"] == problem and r["impl"] == impl and r["kind"] == kind:
            return r
    return None


def ratio(a, b) -> str:
    if a is None or b is None or not a.get("median") or not b.get("median"):
        return "n/a"
    return f"{a['median'] / b['median']:.2f}"


def print_table(report: dict) -> None:
    results = report["results"]
    print("\n" + "=" * 100)
    print("SUMMARY  (median per call; IQR = interquartile range; min = fastest repeat; "
          "vs symdiff = t / t_symdiff, >1 means symdiff is faster;")
    print("          vs numpy = t / t_numpy-hand-written; vg/value = value+grad time "
          "over value-alone time of the same implementation)")
    hdr = (f"{'problem':<18} {'implementation':<15} {'kind':<5} {'median':>10} {'IQR':>10} "
           f"{'min':>10} "
           f"{'vs symdiff':>10} {'vs numpy':>9} {'vg/value':>9}")
    print(hdr)
    print("-" * len(hdr))
    for prob, kinds in report["kinds"].items():
        impls = []
        for r in results:
            if r["problem"] == prob and r["impl"] not in impls:
                impls.append(r["impl"])
        if SYMDIFF not in impls:
            impls.insert(0, SYMDIFF)
        for kind in kinds:
            sdr = lookup(results, prob, SYMDIFF, kind)
            npr = lookup(results, prob, REF, kind)
            for impl in impls:
                r = lookup(results, prob, impl, kind)
                if r is None or r["status"] != "ok":
                    st = (r["status"] if r else report["status"].get(f"{prob}/{impl}", "n/a"))
                    st = "n/a" if st.startswith("n/a") else st
                    print(f"{prob:<18} {impl:<15} {kind:<5} {st[:60]:>10}")
                    continue
                vgv = ""
                if kind == "vg":
                    vr = lookup(results, prob, impl, "value")
                    vgv = ratio(r, vr) if vr and vr["status"] == "ok" else ""
                print(f"{prob:<18} {impl:<15} {kind:<5} {fmt_time(r['median']):>10} "
                      f"{fmt_time(r['q3'] - r['q1']):>10} {fmt_time(r['min']):>10} "
                      f"{ratio(r, sdr):>10} "
                      f"{ratio(r, npr):>9} {vgv:>9}")
        print()


def print_targets(report: dict) -> None:
    """The task's performance targets for symdiff, PASS/FAIL/n/a."""
    results = report["results"]
    print("TARGETS (symdiff)")
    lines = []

    def ok(r):
        return r is not None and r["status"] == "ok"

    for prob, kinds in report["kinds"].items():
        sdk = lookup(results, prob, SYMDIFF, kinds[0])
        if "vg" in kinds:
            vg, val = lookup(results, prob, SYMDIFF, "vg"), lookup(results, prob, SYMDIFF, "value")
            if ok(vg) and ok(val):
                q = vg["median"] / val["median"]
                lines.append((f"{prob}: value+grad <= 2.5 x value", q <= 2.5, f"{q:.2f}x"))
            else:
                lines.append((f"{prob}: value+grad <= 2.5 x value", None, "n/a"))
        # "peers" = the other frameworks and hand NumPy; hand Numba loops are
        # the separate "within 1.5x" reference, not a peer.
        peers = [r for r in results if r["problem"] == prob and r["kind"] == kinds[0]
                 and r["impl"] != SYMDIFF and not r["impl"].startswith("numba") and ok(r)]
        if ok(sdk) and peers:
            best = min(peers, key=lambda r: r["median"])
            lines.append((f"{prob}: faster than every peer (not numba)",
                          sdk["median"] < best["median"],
                          f"symdiff {fmt_time(sdk['median'])}, best of {len(peers)} peers: "
                          f"{best['impl']} {fmt_time(best['median'])}"))
        else:
            lines.append((f"{prob}: faster than every peer (not numba)", None, "n/a"))
        if prob.startswith("rosenbrock"):
            nb = lookup(results, prob, "numba", kinds[0])
            if ok(sdk) and ok(nb):
                q = sdk["median"] / nb["median"]
                lines.append((f"{prob}: within 1.5 x hand Numba loop", q <= 1.5, f"{q:.2f}x"))
            else:
                lines.append((f"{prob}: within 1.5 x hand Numba loop", None, "n/a"))
        if prob == "tiny_scalar":
            for kind in kinds:
                r = lookup(results, prob, SYMDIFF, kind)
                lines.append((f"{prob} ({kind}): <= 1.5 us per call",
                              (r["median"] <= 1.5e-6) if ok(r) else None,
                              fmt_time(r["median"]) if ok(r) else "n/a"))
    for what, passed, detail in lines:
        mark = "n/a " if passed is None else ("PASS" if passed else "FAIL")
        print(f"  [{mark}] {what:<52} {detail}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="fewer/shorter repeats (whole run ~2-3 min)")
    ap.add_argument("--only", help="comma-separated problem names "
                    "(rosenbrock_1000, rosenbrock_1000000, rosenbrock_hvp_1000000, logreg, logreg_hessian, mlp, "
                    "tiny_scalar, elementwise)")
    ap.add_argument("--impl", help="comma-separated implementations to run "
                    "(numpy is always run: it is the reference)")
    ap.add_argument("--json", help="write all results and metadata to this file")
    ap.add_argument("--symdiff-backend", default="numba",
                    help="backend passed to sd.function (default: numba)")
    ap.add_argument("--min-time", type=float, help="seconds per repeat (autorange target)")
    ap.add_argument("--repeats", type=int, help="number of repeats per timing")
    ap.add_argument("--budget", type=float, help="max seconds of timing per measurement")
    ap.add_argument("--rtol", type=float, default=1e-6, help="agreement tolerance")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cpu", type=int, help="CPU to pin to (default: last allowed CPU)")
    ap.add_argument("--no-pin", action="store_true", help="do not restrict CPU affinity")
    ap.add_argument("-v", "--verbose", action="store_true", help="print tracebacks")
    args = ap.parse_args(argv)
    if args.min_time is None:
        args.min_time = 0.01 if args.quick else 0.1
    if args.repeats is None:
        args.repeats = 7 if args.quick else 25
    if args.budget is None:
        args.budget = 0.5 if args.quick else 5.0

    if not args.no_pin:
        _env.pin_cpu(args.cpu)
    started = time.time()
    print("symdiff benchmarks --", time.strftime("%Y-%m-%d %H:%M:%S %Z"),
          "(quick mode)" if args.quick else "(full mode)")
    print("\n".join(_env.describe_env()))
    load0 = os.getloadavg()
    print("load average at start (1/5/15 min): %.2f %.2f %.2f" % load0
          + ("  -- machine busy, expect noisy timings" if load0[0] > 0.5 else ""))
    machine, vers = _env.machine_info(), _env.versions()
    print("machine:", "; ".join(f"{k}: {v}" for k, v in machine.items()))
    print("versions:", ", ".join(f"{k} {v}" for k, v in vers.items()))
    try:
        print(f"pytensor default mode linker: {P.pytensor_default_linker()} "
              f"(label 'pytensor'; 'pytensor-cvm' is mode='CVM', the C backend)")
    except Exception as exc:
        print(f"pytensor: unavailable ({short_exc(exc)})")
    print(f"timing: autorange to >= {args.min_time}s per repeat, up to {args.repeats} repeats "
          f"(<= {args.budget}s per measurement), repeats interleaved round-robin across "
          f"implementations of a problem; median and IQR of per-call time")
    print(f"symdiff backend: {args.symdiff_backend!r}; JAX: jit, float64, inputs pre-placed "
          f"as device arrays, block_until_ready on outputs")

    report = run(args)
    print_table(report)
    print_targets(report)
    elapsed = time.time() - started
    load1 = os.getloadavg()
    print(f"\ntotal wall time {elapsed:.0f} s; load average at end: "
          f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    if args.json:
        report["meta"] = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv,
                          "quick": args.quick, "machine": machine, "versions": vers,
                          "env": _env.describe_env(), "symdiff_backend": args.symdiff_backend,
                          "min_time": args.min_time, "repeats": args.repeats,
                          "loadavg_start": load0, "loadavg_end": load1,
                          "elapsed_s": elapsed}
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1, default=str)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
