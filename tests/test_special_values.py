"""Special values on every operation of the table: NaN, ±inf, ±0, and sizes 0 and 1.

For a covering set of table rows (together they reach every operation and dtype the table
reaches), with every float input filled with NaN, ±inf, ±0 and ordinary numbers:

* the reference interpreter agrees with the row's NumPy oracle: the same NaNs, the same
  infinities, close finite values, and an error exactly when NumPy raises;
* the Numba backend agrees with the reference on values and on gradients (the reverse pass of
  ``sum(y * w)``): checked in ``test_numba_backend.py`` on the functions it compiles for the table
  anyway, and here at sizes 0 and 1, where it must also raise where the reference raises;
* ``sd.simplify`` changes no value, dtype or error (on the same inputs and on integer inputs).

Rows with symbolic sizes are run again at sizes 0 and 1. Any difference is a failure. Where the table's
oracle is a naive formula and symdiff follows SciPy's convention (listed with its reason in
``docs/semantics.md``), ``SCIPY_AT_SIZE`` checks the row against SciPy's function instead.
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd
from tests.optable import CASES, concrete
from tests.registry_graphs import covering, row_gradients

#: rows whose NumPy oracle is a naive formula the library deliberately improves on special values
#: (id -> the reason, as in docs/semantics.md)
#: (row id, size) -> (reason, SciPy oracle) where the table's oracle is a naive formula: the row is
#: checked against SciPy's function instead (the convention docs/semantics.md states)
SCIPY_AT_SIZE = {
    ("symdim_softmax", 0): ("softmax is exp(x - logsumexp(x)) with SciPy's logsumexp (-inf over nothing), "
                            "so an empty softmax is empty; the table's oracle takes np.max first, which raises",
                            lambda x: np.exp(x - __import__("scipy.special").special.logsumexp(
                                x, axis=-1, keepdims=True))),
    ("symdim_logsumexp_axis0", 0): ("the logsumexp of nothing is -inf, as scipy.special.logsumexp; the "
                                    "table's oracle takes np.max first, which raises",
                                    lambda x: __import__("scipy.special").special.logsumexp(x, axis=0)),
}


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -0.5, 3.0, -2.0])


def _cover(cases):
    """Rows that together reach every (operation, dtype) the given rows reach."""
    return covering(cases, lambda n: (n.op.name, n.dtype.name))


ROWS = [c for c in _cover(CASES) if c.id not in ("scan_symbolic_length",)]
SIZED = [c for c in CASES if c.sizes]


def _special_inputs(case, sizes=None):
    """The row's sample with every float input replaced by special values (rotated per input)."""
    xs = case.sample("special", sizes=sizes)
    out = []
    for k, x in enumerate(xs):
        if x.dtype.kind == "f":
            n = x.size
            vals = np.roll(SPECIAL, 3 * k)
            x = np.resize(vals, n).reshape(x.shape).astype(x.dtype)
        out.append(x)
    return out


def _run(f, *args):
    """(result list, None) or (None, the exception)."""
    with np.errstate(all="ignore"):
        try:
            r = f(*args)
        except (ValueError, IndexError, ZeroDivisionError, FloatingPointError, OverflowError, TypeError) as e:
            return None, e
    return (list(r) if isinstance(r, (tuple, list)) else [r]), None


def _same(got, want, what, rtol=1e-9):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    if want.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    g, w = got.astype(np.float64), want.astype(np.float64)
    nan_g, nan_w = np.isnan(g), np.isnan(w)
    bad = np.flatnonzero(nan_g != nan_w)
    assert bad.size == 0, f"{what}: NaN where the other has {w.ravel()[bad[0]] if nan_g.ravel()[bad[0]] else 'NaN'}" \
                          f" (got {g.ravel()[bad[0]]!r} at {bad[0]})"
    inf = np.isinf(w) | np.isinf(g)
    bad = np.flatnonzero(inf & (g != w))
    assert bad.size == 0, f"{what}: got {g.ravel()[bad[0]]!r}, expected {w.ravel()[bad[0]]!r} at flat index {bad[0]}"
    fin = ~(nan_w | inf)
    tol = (1e-5 if want.dtype == np.float32 else rtol) * (1 + np.abs(w[fin]))
    err = np.abs(g[fin] - w[fin])
    assert np.all(err <= tol), f"{what}: finite values differ by up to {err.max():.3g}"


def _oracle(case, xs):
    return _run(lambda *a: case.oracle(*a), *xs)


# ------------------------------------------------------------------ reference vs NumPy


@pytest.mark.parametrize("case", ROWS, ids=[c.id for c in ROWS])
def test_reference_agrees_with_numpy_on_special_values(case):
    syms = case.symbols()
    y = case.fn(*syms)
    fn = sd.function(syms, y, backend="numpy", simplify=False)
    xs = _special_inputs(case)
    want, want_err = _oracle(case, xs)
    got, got_err = _run(fn, *xs)
    if want_err is not None:
        assert got_err is not None, f"{case.id}: NumPy raises {want_err!r}, symdiff returned {got}"
        return
    assert got_err is None, f"{case.id}: symdiff raised {got_err!r} where NumPy gives {want}"
    _same(got[0], want[0], f"{case.id} value")


@pytest.mark.parametrize("case", SIZED, ids=[c.id for c in SIZED])
@pytest.mark.parametrize("size", [0, 1])
def test_reference_agrees_with_numpy_at_sizes_0_and_1(case, size):
    sizes = {name: size for name, _ in case.sizes}
    try:
        shapes = [concrete(a.shape, sizes) for a in case.args]
    except Exception:
        pytest.skip("a derived size is not defined here")
    if any(d < 0 for s in shapes for d in s):
        pytest.skip("a derived size is negative at this size")
    syms = case.symbols()
    fn = sd.function(syms, case.fn(*syms), backend="numpy", simplify=False)
    xs = case.sample("sized", sizes=sizes)
    if (case.id, size) in SCIPY_AT_SIZE:
        want, want_err = _run(SCIPY_AT_SIZE[case.id, size][1], *xs)
    else:
        want, want_err = _oracle(case, xs)
    got, got_err = _run(fn, *xs)
    if want_err is not None:
        assert got_err is not None, f"{case.id} at size {size}: NumPy raises {want_err!r}, symdiff gives {got}"
        return
    if isinstance(got_err, IndexError) and "slices of symbolic axes" in str(got_err):
        return   # a slice outside a symbolic axis raises (docs/semantics.md); NumPy clips
    assert got_err is None, f"{case.id} at size {size}: symdiff raised {got_err!r}; NumPy gives {want}"
    _same(got[0], want[0], f"{case.id} at size {size}")


# ------------------------------------------------------------------ numba vs reference

def _outputs(case, syms):
    outs = [case.fn(*syms)]
    try:
        outs += row_gradients(case, syms)
    except TypeError:
        pass
    return outs


def _sized_inputs(case, size):
    """The row's inputs with every symbolic size set to ``size`` (None where a derived size is negative)."""
    sizes = {name: size for name, _ in case.sizes}
    try:
        if any(d < 0 for a in case.args for d in concrete(a.shape, sizes)):
            return None
    except Exception:
        return None
    return case.sample("sized", sizes=sizes)


#: rows to a compiled function (Numba's compile time grows faster than linearly with a function's size)
CHUNK = 6


def _check_batch(cases, sizes):
    """Numba vs reference on the rows' values and gradients at each size.

    The rows the reference computes at every size share compiled functions (``CHUNK`` rows to one), each called
    at every size. A row on which the reference raises (or that has no inputs) at some size is compiled on its
    own, also once for every size: Numba must raise where the reference raises and agree with it elsewhere.
    """
    good, alone = [], []
    for case in cases:
        syms = case.symbols()
        outs = _outputs(case, syms)
        ref = sd.function(syms, outs, backend="numpy", simplify=False)
        runs = []
        for size in sizes:
            xs = _sized_inputs(case, size)
            runs.append((size, xs) + (_run(ref, *xs) if xs is not None else (None, None)))
        quiet = all(xs is not None and err is None for _, xs, _, err in runs)
        (good if quiet else alone).append((case, syms, outs, runs))
    for c in range(0, len(good), CHUNK):
        chunk = good[c:c + CHUNK]
        fn = sd.function([s for g in chunk for s in g[1]], [o for g in chunk for o in g[2]], backend="numba",
                         simplify=False, wait=True)
        for k, size in enumerate(sizes):
            got, err = _run(fn, *[x for g in chunk for x in g[3][k][1]])
            assert err is None, f"size {size}: the numba backend raised {err!r} where the reference does not"
            j = 0
            for case, _, o, runs in chunk:
                for m in range(len(o)):
                    _same(got[j], runs[k][2][m], f"size {size}: {case.id} output {m} (0: value, then gradients)")
                    j += 1
    for case, syms, outs, runs in alone:
        fn = sd.function(syms, outs, backend="numba", simplify=False, wait=True)
        for size, xs, want, err in runs:
            if xs is None:
                continue
            got, got_err = _run(fn, *xs)
            if err is not None:
                assert got_err is not None, f"size {size}: {case.id}: the reference raises {err!r}, numba does not"
                continue
            assert got_err is None, f"size {size}: {case.id}: the numba backend raised {got_err!r}"
            for m, (g, w) in enumerate(zip(got, want)):
                _same(g, w, f"size {size}: {case.id} output {m} (0: value, then gradients)")


@pytest.mark.numba
@pytest.mark.usefixtures("isolated_cache_dir")
def test_numba_agrees_with_reference_at_sizes_0_and_1():
    """One compiled function serves both sizes (as it serves any size)."""
    _check_batch(_cover(SIZED), [0, 1])


# ------------------------------------------------------------------ rewrites


def _integer_inputs(case):
    xs = case.sample("ints")
    return [np.resize(np.array([0, -1, 2, -3, 1]), x.size).reshape(x.shape).astype(x.dtype)
            if x.dtype.kind == "i" else x for x in xs]


@pytest.mark.parametrize("case", ROWS, ids=[c.id for c in ROWS])
def test_simplify_changes_no_value_dtype_or_error(case):
    syms = case.symbols()
    outs = _outputs(case, syms)
    plain = sd.function(syms, outs, backend="numpy", simplify=False)
    simple = sd.function(syms, outs, backend="numpy", simplify=True)
    for xs in (_special_inputs(case), _integer_inputs(case)):
        want, want_err = _run(plain, *xs)
        got, got_err = _run(simple, *xs)
        assert type(got_err) is type(want_err), \
            f"{case.id}: simplified raises {got_err!r}, as built raises {want_err!r}"
        if want_err is None:
            for j, (g, w) in enumerate(zip(got, want)):
                _same(g, w, f"{case.id} output {j} simplified vs as built", rtol=1e-12)
