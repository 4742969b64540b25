"""A seeded slice of the differential fuzzer (``symdiff.testing``, docs/testing.md).

Random programs over symdiff's functions, each checked against the same program run on
NumPy/SciPy, the unsimplified graph, central finite differences of its cost and gradient, JAX
(when installed) and, for a few small ones, the Numba backend. Long runs:
``python -m symdiff.testing.fuzz --seed 0 --count 300 --backend numba --jax``.

The bugs the fuzzer found are tests at the end, with their reproducers (each failed before its fix).
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd
from symdiff.testing import checker
from symdiff.testing.fuzz import run
from symdiff.testing.libraries import numpy_namespace


def _run(**kw):
    lines: list[str] = []
    summary = run(out=lines.append, **kw)
    assert not summary.mismatched, "\n".join(lines) + "\n" + summary.report()
    return summary


def test_reference_interpreter_against_numpy_and_finite_differences():
    s = _run(seed=0, count=40)
    assert s.graphs == 40 and s.checks["grad fd"] >= 20 and s.checks["hvp fd"] >= 20
    assert len(s.ops) >= 80, s.report()   # operations of the registry in the graphs (derivatives included)


@pytest.mark.numba
def test_numba_backend_against_the_reference_interpreter():
    s = _run(seed=100, count=8, backend="numba", statements=(2, 4))
    assert s.checks["numba"] == 8


def test_values_and_derivatives_against_jax():
    pytest.importorskip("jax", reason="JAX is an oracle of the fuzzer (pip install -e '.[test]')")
    s = _run(seed=200, count=4, use_jax=True, statements=(2, 6))
    assert s.checks["value jax"] == 4


def test_a_wrong_oracle_is_reported_with_a_reproducer(monkeypatch):
    """A NumPy namespace whose tanh is off by one part in a million: the fuzzer must say so."""
    wrong = numpy_namespace()
    wrong.tanh = lambda x: np.tanh(x) * (1 + 1e-6)
    monkeypatch.setattr(checker, "numpy_namespace", lambda: wrong)
    lines: list[str] = []
    s = run(seed=0, count=6, out=lines.append)
    assert s.mismatched
    text = "\n".join(lines)
    assert "value numpy" in text and "def program(L" in text and f"--- seed {s.mismatched[0]}" in text


def test_a_wrong_derivative_rule_is_caught_by_finite_differences(monkeypatch):
    """sin's derivative off by one part in a thousand (every cost is a sum of sines). (``hvp fd`` differences the
    gradient, wrong alike, so it checks the second-order rules only.)"""
    from symdiff.graph import OPS

    monkeypatch.setattr(type(OPS["sin"]), "derivative", lambda self, out, x: sd.cos(x) * 1.001)
    lines: list[str] = []
    s = run(seed=0, count=3, out=lines.append)
    text = "\n".join(lines)
    assert s.mismatched == [0, 1, 2] and text.count("grad fd") >= 6


# -- bugs the fuzzer found (fixed): their reproducers stay as tests ------------------------------

def test_pad_keeps_its_input_dtype():
    i, b = sd.vector("i", 3, "int64"), sd.vector("b", 3, "bool")
    assert sd.pad(i, 1, constant_values=0.5).dtype == np.pad(np.arange(3), 1, constant_values=0.5).dtype  # int64
    assert sd.pad(b, 1).dtype == np.pad(np.ones(3, bool), 1).dtype                                        # bool


def test_log_sigmoid_of_a_bool_is_float64():
    b = sd.vector("b", 3, "bool")
    assert sd.sigmoid(b).dtype == sd.softplus(b).dtype == np.float64
    assert sd.log_sigmoid(b).dtype == np.float64


def test_linspace_between_float32_nodes_is_float32():
    a = sd.scalar("a", "float32")
    assert sd.linspace(a, a + 1, 4).dtype == np.linspace(np.float32(0), np.float32(1), 4).dtype   # float32


def test_squeeze_of_a_symbolic_axis_of_size_one():
    x = sd.vector("x", "n")
    try:
        y = sd.squeeze(x)
    except (ValueError, sd.ShapeError):
        return   # refusing the squeeze when it depends on a size known only at the call would do too
    assert sd.function([x], y, backend="numpy")(np.ones(1)).shape == np.squeeze(np.ones(1)).shape   # ()


@pytest.mark.parametrize("seed", [23336, 25955])
def test_programs_of_the_ten_thousand_graph_run_that_failed(seed):
    """Seeds of the 10,000-graph run (docs/testing.md) that found bugs: roll of a symbolic axis by more
    than its length raised IndexError; log(sigmoid(bool)) raised 'negative: unsupported dtype bool'."""
    _run(seed=seed, count=1)


def test_roll_of_a_symbolic_axis_wraps_any_shift(backend):
    x = sd.vector("x", "n")
    fn = sd.function([x], sd.roll(x, 3), backend=backend)
    np.testing.assert_array_equal(fn(np.arange(2.0)), np.roll(np.arange(2.0), 3))
    np.testing.assert_array_equal(fn(np.arange(5.0)), np.roll(np.arange(5.0), 3))
