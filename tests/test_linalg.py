"""Linear algebra beyond the table: JAX as the oracle to second order, errors, conventions.

The operation table (``tests/optable_linalg.py``) checks every function's values
against NumPy/SciPy on both backends and its derivatives against finite
differences. Here: gradients and full Hessians against JAX on both backends,
the errors NumPy raises (and the function staying usable), the derivative at
repeated eigenvalues, NumPy's functions dispatching on nodes, and an export.
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np
import pytest

import symdiff as sd

N = 3
RNG = np.random.default_rng(11)
M0 = RNG.normal(size=(N, N))
B0 = RNG.normal(size=N)


def _spd(m, lib):
    return m @ lib.swapaxes(m, -1, -2) + 3.0 * lib.eye(N)


#: name -> (symdiff cost, JAX cost); each a scalar function of a matrix M and a vector b
COSTS = {
    "cholesky": (lambda L, M, b: L.sum(L.sin(L.linalg.cholesky(_spd(M, L))) * b)),
    "solve": (lambda L, M, b: L.sum(L.linalg.solve(M + 3.0 * L.eye(N), b) ** 2)),
    "det": (lambda L, M, b: L.linalg.det(M + b[0])),
    "slogdet": (lambda L, M, b: L.linalg.slogdet(M + 3.0 * L.eye(N))[1] * b[1]),
    "inv": (lambda L, M, b: L.sum(L.linalg.inv(M + 3.0 * L.eye(N)) @ b)),
    "eigvalsh": (lambda L, M, b: L.sum(L.linalg.eigvalsh(_spd(M, L)) ** 2 * b)),
    "eigh_vectors": (lambda L, M, b: L.sum((L.linalg.eigh(M + L.swapaxes(M, 0, 1))[1] * b) ** 2)),
    "norm_2": (lambda L, M, b: L.linalg.norm(M, 2) * L.linalg.norm(b, 3)),
    "norm_nuc": (lambda L, M, b: L.linalg.norm(M, "nuc")),
    "trace_tril": (lambda L, M, b: L.trace(L.tril(M @ M, -1) + L.diag(b))),
}


def _jax_cost(name):
    import jax.numpy as jnp

    class L:   # the same cost in jax.numpy: slogdet gives a tuple, as NumPy
        linalg = jnp.linalg
        sum, sin, eye, swapaxes, trace, tril, diag = (jnp.sum, jnp.sin, jnp.eye, jnp.swapaxes, jnp.trace,
                                                      jnp.tril, jnp.diag)

    return lambda M, b: COSTS[name](L, M, b)


class _SD:
    linalg = sd.linalg
    sum, sin, eye, swapaxes, trace, tril, diag = sd.sum, sd.sin, sd.eye, sd.swapaxes, sd.trace, sd.tril, sd.diag


@functools.lru_cache(maxsize=None)
def _jax_value_gradients_hessian(name):
    """JAX's value, gradients (by M, b) and Hessian (by M) of a cost at (M0, B0): computed once for both
    backends (a few seconds of JAX tracing each)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    jf = _jax_cost(name)
    return jf(M0, B0), jax.grad(jf, (0, 1))(M0, B0), jax.hessian(jf)(M0, B0)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed (it is in the [test] extra)")
@pytest.mark.parametrize("name", sorted(COSTS))
def test_gradient_and_hessian_match_jax(name, backend):
    M, b = sd.matrix("M", (N, N)), sd.vector("b", N)
    f = COSTS[name](_SD, M, b)
    gM, gb = sd.grad(f, [M, b])
    fn = sd.function([M, b], [f, gM, gb, sd.hessian(f, M)], backend=backend)
    value, grad_m, grad_b, hess = fn(M0, B0)
    want_v, want_g, want_h = _jax_value_gradients_hessian(name)
    np.testing.assert_allclose(value, want_v, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(grad_m, want_g[0], rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(grad_b, want_g[1], rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(np.reshape(hess, (N * N, N * N)), np.reshape(want_h, (N * N, N * N)),
                               rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("build, bad, message", [
    (lambda A, b: sd.linalg.cholesky(A), -np.eye(N), "positive definite"),
    (lambda A, b: sd.linalg.solve(A, b), np.zeros((N, N)), "ingular"),
    (lambda A, b: sd.linalg.solve_triangular(A, b, lower=True), np.zeros((N, N)), "ingular"),
    (lambda A, b: sd.linalg.inv(A), np.ones((N, N)), "ingular"),
    (lambda A, b: sd.grad(sd.linalg.det(A), A), np.zeros((N, N)), "ingular"),
])
def test_bad_matrices_raise_linalgerror_and_the_function_stays_usable(build, bad, message, backend):
    A, b = sd.matrix("A", (N, N)), sd.vector("b", N)
    fn = sd.function([A, b], [build(A, b)], backend=backend)
    with pytest.raises(np.linalg.LinAlgError, match=message):
        fn(bad, B0)
    good = 2.0 * np.eye(N)
    ref = sd.function([A, b], [build(A, b)], backend="numpy")(good, B0)[0]
    np.testing.assert_allclose(fn(good, B0)[0], ref, rtol=1e-12)


def test_singular_determinants_are_values_not_errors(backend):
    A = sd.matrix("A", (N, N))
    fn = sd.function([A], [sd.linalg.det(A), *sd.linalg.slogdet(A)], backend=backend)
    det, sign, logabs = fn(np.ones((N, N)))
    assert det == 0.0 and sign == 0.0 and logabs == -np.inf   # NumPy's values


@pytest.mark.parametrize("build, message", [
    (lambda: sd.linalg.cholesky(sd.matrix("a", (3, 4))), r"cholesky: .*square.*\(3, 4\)"),
    (lambda: sd.linalg.solve(sd.matrix("a", (3, 3)), sd.vector("b", 4)), r"solve: .*\(4,\).*\(3, 3\)"),
    (lambda: sd.linalg.det(sd.vector("a", 3)), r"det: .*square.*\(3,\)"),
    (lambda: sd.linalg.norm(sd.matrix("a", (3, 3)), "bad"), r"norm: invalid order 'bad'"),
    (lambda: sd.linalg.norm(sd.vector("a", 3), "fro"), r"norm: .*matrix norm"),
    (lambda: sd.linalg.eigh(sd.matrix("a", (2, 2)), UPLO="X"), r"eigh: UPLO"),
    (lambda: sd.linalg.solve_triangular(sd.matrix("a", (2, 2)), sd.vector("b", 2), trans=3), r"trans must be"),
    (lambda: sd.diagonal(sd.matrix("a", ("m", "n"))), r"diagonal: .*symbolic sizes need a square"),
    (lambda: sd.linalg.solve(sd.tensor("a", (2, 3, 3)), sd.tensor("b", (4, 3, 1))), r"linalg: cannot broadcast"),
    (lambda: sd.diag(sd.tensor("a", (2, 2, 2))), r"diag: input must be 1-d or 2-d"),
])
def test_bad_shapes_and_arguments_are_named(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_eigenvalue_derivatives_at_repeated_eigenvalues(backend):
    """sum(w**2) = |A|_F**2 has gradient 2A everywhere, also where eigenvalues repeat."""
    A = sd.matrix("A", (N, N))
    w = sd.linalg.eigvalsh(A)
    fn = sd.function([A], [sd.grad(sd.sum(w ** 2), A), sd.grad(sd.sum(w), A)], backend=backend)
    a = np.diag([1.0, 1.0, 2.0])
    g2, g1 = fn(a)
    np.testing.assert_allclose(g2, 2 * a, atol=1e-12)
    np.testing.assert_allclose(g1, np.eye(N), atol=1e-12)


def test_basis_free_eigenvector_functions_differentiate_at_repeated_eigenvalues(backend):
    """The projector onto a repeated eigenspace is smooth; its derivative needs no pair inside the space."""
    A = sd.matrix("A", (N, N))
    C = RNG.normal(size=(N, N))
    v = sd.linalg.eigh(A).eigenvectors[:, :2]
    f = sd.sum((v @ sd.matrix_transpose(v)) * C)
    fn = sd.function([A], [sd.grad(f, A)], backend=backend)
    q = np.linalg.qr(RNG.normal(size=(N, N)))[0]
    a = q @ np.diag([1.0, 1.0, 3.0]) @ q.T
    assert np.isclose(*np.linalg.eigvalsh(a)[:2])   # a repeated eigenvalue

    def projector_cost(x):
        vv = np.linalg.eigh(x)[1][:, :2]
        return np.sum(vv @ vv.T * C)

    direction = RNG.normal(size=(N, N))
    direction = direction + direction.T
    h = 1e-6
    fd = (projector_cost(a + h * direction) - projector_cost(a - h * direction)) / (2 * h)
    np.testing.assert_allclose(np.sum(fn(a)[0] * direction), fd, rtol=1e-6, atol=1e-8)


def test_eigenvectors_have_a_fixed_sign_on_both_backends():
    A = sd.matrix("A", (4, 4))
    a = RNG.normal(size=(4, 4))
    a = a + a.T
    v = [sd.function([A], [sd.linalg.eigh(A).eigenvectors], backend=b)(a)[0] for b in ("numpy", "numba")]
    np.testing.assert_allclose(v[0], v[1], atol=1e-12)
    big = np.argmax(np.abs(v[0]), axis=0)
    assert np.all(v[0][big, np.arange(4)] > 0)


def test_numpy_functions_dispatch_to_symdiff_linear_algebra():
    A, b = sd.matrix("A", (N, N)), sd.vector("b", N)
    a = _spd(M0, np)
    pairs = [(np.linalg.solve(A, b), np.linalg.solve(a, B0)), (np.linalg.det(A), np.linalg.det(a)),
             (np.trace(A), np.trace(a)), (np.linalg.trace(A), np.linalg.trace(a)),
             (np.linalg.norm(A, 2), np.linalg.norm(a, 2)), (np.tril(A), np.tril(a)),
             (np.linalg.cholesky(A), np.linalg.cholesky(a)), (np.linalg.eigh(A)[0], np.linalg.eigh(a)[0])]
    for node, want in pairs:
        assert isinstance(node, sd.Node)
        np.testing.assert_allclose(sd.evaluate(node, {A: a, b: B0}), want, rtol=1e-12)
    with pytest.raises(TypeError, match="numpy.linalg.svd .* sd.linalg.svd"):
        np.linalg.svd(A)


def test_a_symbolic_size_gaussian_process_likelihood_matches_numpy(backend):
    """Cholesky, triangular solves and the log-determinant with the matrix size bound at call time."""
    x, y, ell = sd.vector("x", "n"), sd.vector("y", "n"), sd.scalar("ell")
    K = sd.exp(-0.5 * ((x[:, None] - x[None, :]) / ell) ** 2) + 0.1 * sd.eye("n")
    low = sd.linalg.cholesky(K)
    alpha = sd.linalg.cho_solve((low, True), y)
    nll = 0.5 * sd.dot(y, alpha) + 0.5 * sd.linalg.logdet(K)
    fn = sd.function([x, y, ell], [nll, sd.grad(nll, ell)], backend=backend)
    for n in (4, 9):
        xs, ys = np.linspace(0, 3, n), np.sin(np.linspace(0, 3, n))

        def numpy_nll(e):
            k = np.exp(-0.5 * ((xs[:, None] - xs[None, :]) / e) ** 2) + 0.1 * np.eye(n)
            return 0.5 * ys @ np.linalg.solve(k, ys) + 0.5 * np.linalg.slogdet(k)[1]

        value, grad = fn(xs, ys, 0.7)
        np.testing.assert_allclose(value, numpy_nll(0.7), rtol=1e-12)
        np.testing.assert_allclose(grad, (numpy_nll(0.7 + 1e-6) - numpy_nll(0.7 - 1e-6)) / 2e-6, rtol=1e-6)


@pytest.mark.numba
def test_export_with_linear_algebra(tmp_path):
    """The exported module (compiled by Numba when imported) against the reference interpreter."""
    import importlib.util as iu

    A, b = sd.matrix("A", (N, N)), sd.vector("b", N)
    f = sd.linalg.logdet(A) + sd.sum(sd.linalg.solve(A, b)) + sd.linalg.eigvalsh(A)[0]
    fn = sd.function([A, b], [f, sd.grad(f, A)], backend="numpy")
    path = tmp_path / "la_export.py"
    fn.export(path)
    spec = iu.spec_from_file_location("la_export", path)
    mod = iu.module_from_spec(spec)
    spec.loader.exec_module(mod)
    a = _spd(M0, np)
    for got, want in zip(mod.call(a, B0), fn(a, B0)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
