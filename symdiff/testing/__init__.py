"""Testing tools: a differential fuzzer of symdiff against NumPy, JAX and finite differences.

``python -m symdiff.testing.fuzz --seed 0 --count 300 --backend numba --jax`` runs it (see
``docs/testing.md``). Modules: ``libraries`` (the namespaces a program runs on), ``program``
(programs as text, their inputs), ``generator`` with ``gen_elementwise``, ``gen_arrays``,
``gen_shapes`` and ``gen_algebra`` (random programs), ``checker`` (the comparisons) and
``fuzz`` (runs, summary, command line).
"""
