"""Backends the backend-parametrized tests run on (see ``conftest.pytest_generate_tests``).

Value tests run on every backend (the operation table's rows run on Numba in
``test_numba_backend.py``, many rows to one compiled function, and one by one on
the reference in ``test_ops_values.py``). The full derivative harness (thousands of
compiled functions) runs on the NumPy reference; the Numba backend's
derivatives are checked on a focused set in ``test_numba_backend.py``, which
compares it with the reference on every table row's gradient.
"""

BACKENDS = ["numpy", "numba"]
DERIVATIVE_BACKENDS = ["numpy"]
