"""Every OpCase, every backend: value, shape and dtype against the NumPy oracle.

* ``node.shape`` / ``node.ndim`` / ``node.dtype`` at build time equal the
  oracle's result shape and the expected dtype (NumPy's, except that float
  functions of int/bool inputs give float64, see the conventions doc);
* the compiled function returns the oracle's value, shape and dtype;
* the compiled function does not modify its input arrays;
* ``sd.evaluate`` (the reference interpreter) agrees with the oracle too.

Here the compiled function is the reference backend's, one per row. The Numba
backend makes the same checks on every row, at both sizes, in
``test_numba_backend.py`` (``test_optable_values``): there many rows share one
compiled function, which also serves that file's special-value checks, so each
row is compiled by Numba once.
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd
from tests.optable import CASES, CONTRACT_OPS, assert_close

IDS = [c.id for c in CASES]


def _check_value(case, got, want):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{case.id}: result shape {got.shape}, NumPy gives {want.shape}"
    assert got.dtype == want.dtype, f"{case.id}: result dtype {got.dtype}, expected {want.dtype}"
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=case.id)
    else:
        rtol, atol = case.value_tols(want.dtype)
        assert_close(got, want, rtol, atol, what=f"{case.id} value")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_build_shape_and_dtype(case):
    xs = case.sample()
    want = case.oracle(*xs)
    y = case.fn(*case.symbols())
    assert case.resolve(y.shape) == want.shape, f"node.shape {y.shape}, NumPy result shape {want.shape}"
    assert y.ndim == want.ndim
    assert isinstance(y.dtype, np.dtype)
    assert y.dtype == case.expected_dtype(), f"node.dtype {y.dtype}, expected {case.expected_dtype()}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_compiled_value(case):
    """On the reference backend; the Numba backend's rows: ``test_numba_backend.test_optable_values``."""
    syms = case.symbols()
    y = case.fn(*syms)
    fn = sd.function(syms, y, backend="numpy")
    # a compiled function serves repeated calls with new values (and, with symbolic
    # dimensions, new sizes)
    for trial, sizes in enumerate([dict(case.sizes), dict(case.alt_sizes or case.sizes)]):
        xs = case.sample(trial, sizes=sizes)
        before = [x.copy() for x in xs]
        want = case.oracle(*xs)
        got = fn(*xs)
        _check_value(case, got, want)
        for i, (x, x0) in enumerate(zip(xs, before)):
            assert x.dtype == x0.dtype and x.shape == x0.shape
            np.testing.assert_array_equal(x, x0, err_msg=f"{case.id}: input {i} was modified")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_evaluate_reference(case):
    syms = case.symbols()
    y = case.fn(*syms)
    xs = case.sample()
    got = sd.evaluate(y, dict(zip(syms, xs)))
    _check_value(case, got, case.oracle(*xs))


def test_table_covers_every_contract_op():
    missing = [op for op in CONTRACT_OPS
               if not any(c.id == op or c.id.startswith(op + "_") for c in CASES)]
    assert missing == []
