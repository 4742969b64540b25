"""Cold and warm compile time of the MLP value+gradient, each in a fresh process.

    python -m benchmarks.compile_time [--impl symdiff,jax,pytensor,pytensor-cvm]
                                      [--pairs N] [--json out.json] [--keep]

For every implementation we make an empty temporary cache directory and run
two fresh Python processes one after the other:

* cold: the cache directory is empty;
* warm: a second process with the same (now populated) cache directory.

Each child process imports NumPy and makes the data first (not timed), then
times: ``import`` of the framework, ``build`` (graph, derivative and
compile call: ``sd.function`` / ``jax.jit`` / ``pytensor.function``) and
the ``first call`` (where JAX and lazy compilers actually compile), and
checks the result against the hand-written NumPy gradient.
``total`` = import + build + first call. ``process`` is the wall time of the
whole child process (interpreter start-up included).

Cache directories:

* symdiff: ``SYMDIFF_CACHE_DIR=<tmp>`` (and ``NUMBA_CACHE_DIR=<tmp>/numba``);
* JAX: persistent compilation cache ``jax_compilation_cache_dir=<tmp>`` with
  the minimum compile time / entry size set to 0 so everything is cached;
* PyTensor: ``PYTENSOR_FLAGS=base_compiledir=<tmp>/pytensor`` and
  ``NUMBA_CACHE_DIR=<tmp>/numba`` (default mode = Numba linker in PyTensor 3;
  ``pytensor-cvm`` = mode="CVM", the C backend).
"""
from __future__ import annotations

from benchmarks import _env

_env.apply_thread_env()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

IMPLS = ("symdiff", "jax", "pytensor", "pytensor-cvm")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------
# child process


def child(impl: str, cache: str, backend: str) -> dict:
    import numpy as np

    from benchmarks import problems as P

    prob = P.MLP()
    data = prob.data(np.random.default_rng(0))
    ref = prob.numpy(data).fns["vg"](*data)
    res: dict = {"impl": impl}

    t0 = time.perf_counter()
    if impl == "symdiff":
        import symdiff  # noqa: F401
    elif impl == "jax":
        jax, _ = P._jax()
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    elif impl.startswith("pytensor"):
        import pytensor  # noqa: F401
        import pytensor.tensor  # noqa: F401
    t1 = time.perf_counter()
    if impl == "symdiff":
        built = prob.symdiff(data, backend, kinds=("vg",))
    elif impl == "jax":
        built = prob.jax(data, kinds=("vg",))
    elif impl == "pytensor":
        built = prob.pytensor(data, None, kinds=("vg",))
    elif impl == "pytensor-cvm":
        built = prob.pytensor(data, "CVM", kinds=("vg",))
    else:
        raise SystemExit(f"unknown implementation {impl}")
    t2 = time.perf_counter()
    out = built.fns["vg"](*built.args)
    t3 = time.perf_counter()
    ok, detail = P.check_close(out, ref)
    res.update(import_s=t1 - t0, build_s=t2 - t1, first_call_s=t3 - t2, total_s=t3 - t0,
               check=("ok, " if ok else "MISMATCH: ") + detail)
    return res


# --------------------------------------------------------------------------
# parent


def cache_env(impl: str, cache: str) -> dict:
    env = dict(os.environ)
    env.update(_env.THREAD_ENV)
    env["NUMBA_CACHE_DIR"] = os.path.join(cache, "numba")
    if impl == "symdiff":
        env["SYMDIFF_CACHE_DIR"] = cache
    if impl.startswith("pytensor"):
        flags = env.get("PYTENSOR_FLAGS", "")
        env["PYTENSOR_FLAGS"] = ",".join(
            f for f in (flags, f"base_compiledir={os.path.join(cache, 'pytensor')}") if f)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, env.get("PYTHONPATH", "")) if p)
    return env


def run_child(impl: str, cache: str, args) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.compile_time", "--child", impl,
           "--cache-dir", cache, "--symdiff-backend", args.symdiff_backend]
    if args.cpu is not None:
        cmd += ["--cpu", str(args.cpu)]
    if args.no_pin:
        cmd.append("--no-pin")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=cache_env(impl, cache), capture_output=True,
                          text=True, timeout=args.timeout)
    wall = time.perf_counter() - t0
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    try:
        res = json.loads(last)
    except json.JSONDecodeError:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        res = {"impl": impl, "error": err[:200]}
    res["process_s"] = wall
    return res


def fmt(v) -> str:
    return "n/a" if v is None else f"{v:8.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compile_time", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impl", default=",".join(IMPLS),
                    help=f"comma-separated subset of {', '.join(IMPLS)}")
    ap.add_argument("--pairs", type=int, default=1,
                    help="cold+warm pairs per implementation (medians are reported)")
    ap.add_argument("--json", help="write results to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary cache dirs")
    ap.add_argument("--symdiff-backend", default="numba")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--cpu", type=int)
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if not args.no_pin:
        _env.pin_cpu(args.cpu)

    if args.child:
        try:
            res = child(args.child, args.cache_dir, args.symdiff_backend)
        except Exception as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            res = {"impl": args.child, "error": f"{type(exc).__name__}: {msg}"[:200]}
        print(json.dumps(res))
        return 0

    print("symdiff compile-time benchmark --", time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    print("problem: MLP 784-512-10 softmax cross-entropy, batch 256, value+gradient")
    print("\n".join(_env.describe_env()))
    print("versions:", ", ".join(f"{k} {v}" for k, v in _env.versions().items()))
    records = []
    for impl in [i for i in args.impl.split(",") if i]:
        for pair in range(args.pairs):
            cache = tempfile.mkdtemp(prefix=f"symdiff-bench-{impl}-")
            try:
                for phase in ("cold", "warm"):
                    res = run_child(impl, cache, args)
                    res.update(phase=phase, pair=pair, cache_dir=cache)
                    records.append(res)
                    if "error" in res:
                        print(f"  {impl:<13} {phase}: n/a ({res['error']})", flush=True)
                    else:
                        print(f"  {impl:<13} {phase}: total {res['total_s']:.2f} s "
                              f"(import {res['import_s']:.2f}, build {res['build_s']:.2f}, "
                              f"first call {res['first_call_s']:.2f}; process "
                              f"{res['process_s']:.2f} s; {res['check']})", flush=True)
            finally:
                if not args.keep:
                    shutil.rmtree(cache, ignore_errors=True)

    print("\nSUMMARY (seconds, median over pairs; total = import + build + first call)")
    hdr = (f"{'implementation':<14} {'phase':<5} {'import':>8} {'build':>8} {'1st call':>8} "
           f"{'total':>8} {'process':>8}")
    print(hdr)
    print("-" * len(hdr))
    for impl in [i for i in args.impl.split(",") if i]:
        for phase in ("cold", "warm"):
            rs = [r for r in records if r["impl"] == impl and r["phase"] == phase
                  and "error" not in r]
            if not rs:
                print(f"{impl:<14} {phase:<5} {'n/a':>8}")
                continue

            def med(k):
                return statistics.median(r[k] for r in rs)
            print(f"{impl:<14} {phase:<5} {fmt(med('import_s'))} {fmt(med('build_s'))} "
                  f"{fmt(med('first_call_s'))} {fmt(med('total_s'))} {fmt(med('process_s'))}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "records": records,
                       "versions": _env.versions()}, fh, indent=1)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
