"""Smoke test: every script in examples/ runs to the end and prints its key line.

Each script is one test (``test_example[<name>]``) marked ``numba`` (they
compile with the default backend), so ``pytest -m numba --durations=0`` or
``pytest -k example --durations=0`` shows what each one costs. Times are
reported, never asserted (speed is measured in benchmarks/); the subprocess
timeout only catches a hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: a line each script prints only when it got to the end with the right answers
KEY_LINES = {
    "quickstart.py": "df/dx = -4, df/dy = -4, df/dz = 3",
    "backprop_by_hand.py": "all adjoints match the hand derivations",
    "logistic_regression.py": "all methods agree",
    "mlp_training.py": "final training accuracy",
    "newton_rosenbrock.py": "Newton's method converged to the minimum in both dimensions",
    "sympy_to_compiled.py": "both routes agree on 200,000 states",
    "ode_parameter_fit.py": "recovered the ODE's parameters from noisy observations",
    "rnn_training.py": "the recurrent network learned to predict the sequence",
    "dask_logistic_regression.py": "the distributed fits match the single-process fit",
    "gaussian_process.py": "the Gaussian-process fit agrees with the finite-difference fit",
    "ipopt_hanging_chain.py": "IPOPT solved the hanging chain with symdiff's sparse derivatives",
    "trust_constr_hanging_chain.py": "trust-constr solved the hanging chain with symdiff's sparse derivatives",
}

#: scripts that need an optional module: without it the script prints a line starting with SKIPPED: and
#: exits 0, and its test is skipped with that line as the reason (with the module, the script must run)
OPTIONAL = {
    "ipopt_hanging_chain.py": "cyipopt",
}

SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def _importable(module: str) -> bool:
    """Whether ``module`` imports in a fresh interpreter like the one running the examples."""
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def test_every_example_has_a_key_line():
    assert set(SCRIPTS) == set(KEY_LINES), "add the new example's key line to KEY_LINES"


@pytest.mark.numba
@pytest.mark.parametrize("script", SCRIPTS)
def test_example(script, tmp_path, record_property):
    env = dict(os.environ, SYMDIFF_EXAMPLES_OUT=str(tmp_path), PYTHONHASHSEED="0")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)   # a hang, not a speed limit
    elapsed = time.perf_counter() - t0
    record_property("seconds", round(elapsed, 2))
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    skipped = [line for line in proc.stdout.splitlines() if line.startswith("SKIPPED:")]
    if skipped and script in OPTIONAL:
        module = OPTIONAL[script]
        assert not _importable(module), f"{script} skipped although {module} imports here:\n{proc.stdout[-3000:]}"
        pytest.skip(skipped[0])
    assert KEY_LINES[script] in proc.stdout, f"{script} did not print {KEY_LINES[script]!r}:\n{proc.stdout[-3000:]}"
