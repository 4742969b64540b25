"""Sparsity detection and compressed evaluation, for every operation of the table and on whole problems.

Per table row (``tests/optable.py``: every operation with its domain) and
differentiable input, at the row's random point:

* every entry of the finite-difference Jacobian of the NumPy oracle that is
  clearly nonzero lies in ``sd.jacobian_sparsity`` (the pattern is never too small);
* every clearly nonzero entry of the dense Hessian of ``sum(u * y)`` lies in
  ``sd.hessian_sparsity``, which is symmetric;
* ``sd.sparse_jacobian`` and ``sd.sparse_hessian`` compiled by ``sd.function``
  equal the dense ``sd.jacobian`` / ``sd.hessian`` and keep the pattern's structure.

On whole problems (stencils, chains, gathers, scatters, contractions with
constant sparse matrices, batched determinants) the pattern must be *exact*:
equal to the nonzeros of the dense derivative at a random point.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

import symdiff as sd
from tests.optable import CASES, NAMES
from tests.test_ops_derivatives import fd_jacobian

ROWS = [(c, i) for c in CASES for i in c.diff_args() if c.sample()[i].size <= 16]
ROW_IDS = [f"{c.id}-{NAMES[i]}" for c, i in ROWS]


def _first_row_of_each_operation():
    """Compressed evaluation is checked once per operation at the top of the row's graph (CI time)."""
    seen, chosen = set(), set()
    for c, i in ROWS:
        top = c.fn(*c.symbols()).op.name
        if top not in seen:
            seen.add(top)
            chosen.add((c.id, i))
    return chosen


COMPRESSED = _first_row_of_each_operation()


def _clearly_nonzero(a, noise=0.0):
    a = np.asarray(a, dtype=np.float64)
    scale = max(float(np.max(np.abs(a), initial=0.0)), 1.0)
    return np.abs(a) > max(1e-9 * scale, 10 * noise)


@pytest.mark.parametrize("case,i", ROWS, ids=ROW_IDS)
def test_pattern_holds_every_nonzero_and_compressed_values_match(case, i):
    syms, xs, sizes = case.symbols(), case.sample(), dict(case.sizes)
    y = case.fn(*syms)
    x = syms[i]
    n, m = xs[i].size, int(np.prod(np.shape(case.oracle(*xs))))

    P = sd.jacobian_sparsity(y, x, sizes=sizes)
    assert P.shape == (m, n) and P.dtype == bool
    want, noise = fd_jacobian(case, xs, i)
    missing = _clearly_nonzero(want.reshape(m, n), noise) & ~P.toarray()
    assert not missing.any(), f"Jacobian entries {np.argwhere(missing)[:5].tolist()} are nonzero but not in the pattern"

    if case.forward_only:
        return
    u = case.rng("u").normal(size=np.shape(case.oracle(*xs)))
    cost = sd.sum(u * y)
    PH = sd.hessian_sparsity(cost, x, sizes=sizes)
    assert (PH != PH.T).nnz == 0, "the Hessian pattern is not symmetric"
    Hd = np.asarray(sd.evaluate(sd.hessian(cost, x), dict(zip(syms, xs)))).reshape(n, n)
    missing = _clearly_nonzero(Hd) & ~PH.toarray()
    assert not missing.any(), f"Hessian entries {np.argwhere(missing)[:5].tolist()} are nonzero but not in the pattern"
    if (case.id, i) not in COMPRESSED:
        return
    J, H = sd.function(syms, [sd.sparse_jacobian(y, x), sd.sparse_hessian(cost, x)], backend="numpy")(*xs)
    _same_structure(J, P)
    _same_structure(H, PH)
    Jd = np.asarray(sd.evaluate(sd.jacobian(y, x), dict(zip(syms, xs)))).reshape(m, n)
    np.testing.assert_allclose(J.toarray(), Jd, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(Jd).max(initial=0)))
    np.testing.assert_allclose(H.toarray(), Hd, rtol=1e-11, atol=1e-11 * max(1.0, np.abs(Hd).max(initial=0)))


def _same_structure(A, P):
    assert isinstance(A, sp.csr_array)
    np.testing.assert_array_equal(A.indptr, P.indptr)
    np.testing.assert_array_equal(A.indices, P.indices)


# ---------------------------------------------------------------------------
# Whole problems: the pattern is exact
# ---------------------------------------------------------------------------

def _rosenbrock(n):
    x = sd.vector("x", n)
    return x, sd.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _minimal_surface(k):
    u = sd.vector("u", k * k)
    U = u.reshape((k, k))
    ux, uy = U[1:, :-1] - U[:-1, :-1], U[:-1, 1:] - U[:-1, :-1]
    vx, vy = U[1:, 1:] - U[:-1, 1:], U[1:, 1:] - U[1:, :-1]
    return u, sd.sum(sd.sqrt(1 + ux ** 2 + uy ** 2)) + sd.sum(sd.sqrt(1 + vx ** 2 + vy ** 2))


def _chain_constraints(n):
    z = sd.vector("z", 2 * n)
    p = z.reshape((n, 2))
    d = p[1:] - p[:-1]
    return z, sd.sum(d ** 2, axis=1) - 0.25


def _laplacian_padded(n):
    x = sd.vector("x", n)
    xp = sd.pad(x, 1)
    return x, sd.tanh(xp[2:] - 2 * xp[1:-1] + xp[:-2]) * x


def _gather_scatter(n):
    x = sd.vector("x", n)
    idx = np.array([3, 0, 0, 5, n - 1])
    g = sd.take(x, idx) * x[:5]
    return x, sd.zeros(n).at[np.array([1, 1, 2, 4, 0])].add(g) + sd.exp(x[::-1])


def _constant_sparse_matrix(n):
    x = sd.vector("x", n)
    D = np.diag(np.full(n, 2.0)) - np.diag(np.ones(n - 1), 1) - np.diag(np.ones(n - 1), -1)
    D[0, 3] = 0.5
    return x, sd.sin(D @ x) + (x @ D) * x


def _batched_determinants(n):
    x = sd.vector("x", 4 * n)
    return x, sd.linalg.det(x.reshape((n, 2, 2))) * x[::4]


def _batched_determinants_3x3(n):
    x = sd.vector("x", 9 * n)
    return x, sd.linalg.det(x.reshape((n, 3, 3)))


def _running_products(n):
    x = sd.vector("x", n)
    X = x.reshape((2, n // 2))
    return x, sd.cumsum(sd.exp(X), axis=1).reshape((n,)) + sd.prod(X, axis=0).sum()


def _reduction_over_axes(n):
    x = sd.vector("x", n)
    X = x.reshape((3, n // 3))
    return x, sd.logsumexp(X, axis=0) * sd.max(X, axis=1).sum() + sd.mean(X.T @ X)


def _where_and_maximum(n):
    x = sd.vector("x", n)
    return x, sd.where(x > 0, x ** 2, sd.sin(x[::-1])) + sd.maximum(x, 0.1) * x[0]


EXACT_JACOBIANS = {"chain": (_chain_constraints, 6), "laplacian": (_laplacian_padded, 7),
                   "gather_scatter": (_gather_scatter, 8), "constant_matrix": (_constant_sparse_matrix, 7),
                   "batched_det": (_batched_determinants, 3), "running": (_running_products, 8),
                   "reductions": (_reduction_over_axes, 9)}
# conservative by design inside one group: prod (x_i^2 terms), logsumexp and max of a group
# (docs/sparse.md): their Hessian patterns are checked as supersets above
EXACT_HESSIANS = {"rosenbrock": (_rosenbrock, 7), "minimal_surface": (_minimal_surface, 4),
                  "batched_det_3x3": (_batched_determinants_3x3, 2),
                  **{k: v for k, v in EXACT_JACOBIANS.items() if k not in ("reductions", "running")}}


def _point(n, seed=0):
    return np.random.default_rng(seed).uniform(0.3, 1.7, size=n) * np.where(np.arange(n) % 2, 1, -1)


@pytest.mark.parametrize("name", sorted(EXACT_JACOBIANS))
def test_jacobian_pattern_is_exact_on_problems(name):
    build, n = EXACT_JACOBIANS[name]
    x, y = build(n)
    xv = _point(x.shape[0])
    dense = sd.function([x], sd.jacobian(y, x), backend="numpy")(xv).reshape(-1, xv.size)
    P = sd.jacobian_sparsity(y, x)
    np.testing.assert_array_equal(P.toarray(), dense != 0)


@pytest.mark.parametrize("name", sorted(EXACT_HESSIANS))
def test_hessian_pattern_is_exact_on_problems(name):
    build, n = EXACT_HESSIANS[name]
    x, y = build(n)
    cost = sd.sum(y * np.random.default_rng(1).normal(size=y.shape)) if y.ndim else y
    xv = _point(x.shape[0])
    dense = sd.function([x], sd.hessian(cost, x), backend="numpy")(xv)
    P = sd.hessian_sparsity(cost, x)
    # structural zeros may come out as rounding noise (det's rule goes through the inverse)
    np.testing.assert_array_equal(P.toarray(), _clearly_nonzero(dense))


def test_reductions_pattern_is_conservative_only_where_declared():
    """max over an axis is piecewise linear: its pattern holds the whole group (the active element moves)."""
    x, y = _reduction_over_axes(9)
    P = sd.jacobian_sparsity(sd.max(x.reshape((3, 3)), axis=1), x).toarray()
    np.testing.assert_array_equal(P, np.kron(np.eye(3), np.ones((1, 3))).astype(bool))


def test_tridiagonal_hessian_takes_three_colours_and_a_grid_few():
    x, f = _rosenbrock("n")
    fn = sd.function([x], [f, sd.sparse_hessian(f, x)], backend="numpy")
    assert fn.colouring(1, sizes={"n": 50}).max() + 1 == 3
    u, g = _minimal_surface(12)
    fg = sd.function([u], sd.sparse_hessian(g, u), backend="numpy")
    colours = fg.colouring(0)
    bound = int(np.diff(sd.hessian_sparsity(g, u).indptr).max())
    assert bound <= colours.max() + 1 <= 2 * bound


# ---------------------------------------------------------------------------
# The compiled function: sizes, modes, backends, errors
# ---------------------------------------------------------------------------

def _dense_oracle(x, y, cost, xv):
    """Dense derivatives from JAX-free reference evaluation of sd.jacobian / sd.hessian."""
    return sd.function([x], [sd.jacobian(y, x), sd.hessian(cost, x)], backend="numpy")(xv)


def test_symbolic_sizes_both_modes_and_backends(backend):
    x = sd.vector("x", "n")
    cost = sd.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    y = sd.concatenate([x[1:] ** 2 - x[:-1], sd.sum(x)[None]])
    fn = sd.function([x], [cost, sd.sparse_hessian(cost, x), sd.sparse_jacobian(y, x, mode="forward"),
                           sd.sparse_jacobian(y, x, mode="reverse")], backend=backend, wait=True)
    for n in (5, 12):
        xv = _point(n, seed=n)
        value, H, Jf, Jr = fn(xv)
        Jd, Hd = _dense_oracle(x, y, cost, xv)
        np.testing.assert_allclose(H.toarray(), Hd, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(Jf.toarray(), Jd, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(Jr.toarray(), Jd, rtol=1e-12, atol=1e-12)
        assert H.shape == (n, n) and Jf.shape == (n, n)
    assert fn.tier == ("numba" if backend == "numba" else "numpy")


def test_jacobian_mode_auto_compresses_rows_when_they_need_fewer_colours():
    x = sd.vector("x", 30)
    y = sd.concatenate([sd.sum(x)[None], x[1:] * 2])   # one dense row: 30 column colours, 2 row colours
    fn = sd.function([x], sd.sparse_jacobian(y, x), backend="numpy")
    assert fn.sparse[0].mode == "row"
    xv = _point(30)
    np.testing.assert_allclose(fn(xv).toarray(), sd.function([x], sd.jacobian(y, x), backend="numpy")(xv))


def test_jacobian_of_a_matrix_by_a_matrix_is_indexed_by_flattened_elements():
    X = sd.matrix("X", (2, 3))
    Y = sd.exp(X).T
    J = sd.function([X], sd.sparse_jacobian(Y, X), backend="numpy")(np.arange(6.0).reshape(2, 3) / 6)
    dense = sd.function([X], sd.jacobian(Y, X), backend="numpy")(np.arange(6.0).reshape(2, 3) / 6)
    np.testing.assert_allclose(J.toarray(), dense.reshape(6, 6))


def test_sparse_outputs_with_keywords_pickle_and_several_inputs():
    x, w = sd.vector("x", "n"), sd.scalar("w")
    cost = w * sd.sum(sd.exp(x[1:] * x[:-1]))
    fn = sd.function([x, w], [sd.sparse_hessian(cost, x), cost], backend="numpy")
    xv = _point(6)
    H, value = fn(w=2.0, x=xv)
    again = pickle.loads(pickle.dumps(fn))
    H2, value2 = again(xv, 2.0)
    np.testing.assert_array_equal(H.toarray(), H2.toarray())
    assert value == value2
    # w does not enter the pattern: it is a parameter, not a variable
    assert sd.hessian_sparsity(cost, x, sizes={"n": 6}).nnz == 16


def test_errors_match_the_dense_forms_and_leave_things_usable():
    x = sd.vector("x", "n")
    y = sd.exp(x)
    with pytest.raises(sd.ShapeError, match="scalar"):
        sd.sparse_hessian(y, x)
    with pytest.raises(sd.ShapeError, match="scalar"):
        sd.hessian_sparsity(y, x, sizes={"n": 3})
    with pytest.raises(TypeError, match="int64"):
        sd.jacobian_sparsity(sd.floor(x).astype("int64"), x, sizes={"n": 3})
    with pytest.raises(TypeError, match="symdiff nodes"):
        sd.sparse_jacobian(y, np.ones(3))
    with pytest.raises(ValueError, match="'n'"):
        sd.jacobian_sparsity(y, x)
    with pytest.raises(ValueError, match="mode"):
        sd.sparse_jacobian(y, x, mode="sideways")
    fn = sd.function([x], sd.sparse_jacobian(y, x), backend="numpy")
    with pytest.raises(ValueError, match="input 'x'"):
        fn(np.ones((2, 2)))
    with pytest.raises(NotImplementedError, match="export"):
        fn.export("/nonexistent/f.py")
    J = fn(np.zeros(3))
    np.testing.assert_allclose(J.toarray(), np.eye(3))
    # results share the pattern's index arrays, read-only; a copy is the user's own
    assert not J.indices.flags.writeable and J.has_canonical_format
    K = J.copy()
    K.data[:] = 0.0
    K.eliminate_zeros()
    assert K.nnz == 0 and fn(np.zeros(3)).nnz == 3
    # a variable the output does not depend on: an empty pattern, zeros out
    z = sd.vector("z", 3)
    assert sd.jacobian_sparsity(sd.exp(z), x, sizes={"n": 4}).nnz == 0
    assert sd.function([x, z], sd.sparse_jacobian(sd.exp(z), x), backend="numpy")(np.ones(4), np.ones(3)).nnz == 0


def test_patterns_are_cached_per_size():
    x, f = _rosenbrock("n")
    a = sd.hessian_sparsity(f, x, sizes={"n": 40})
    b = sd.hessian_sparsity(f, x, sizes={"n": 40})
    assert a is not b and (a != b).nnz == 0     # copies of one cached pattern
    assert sd.hessian_sparsity(f, x, sizes={"n": 41}).shape == (41, 41)


# ---------------------------------------------------------------------------
# Random sparse structures, and JAX as the oracle of the values
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_random_structures_give_the_known_pattern_and_jax_values(seed):
    """f = sum(sin(x[I]) * x[J]) + sum(exp(x[K])): its Hessian couples I_k with J_k and I_k, K_k with itself."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    rng = np.random.default_rng(seed)
    n, m = 40, 25
    I, J, K = rng.integers(0, n, m), rng.integers(0, n, m), rng.integers(0, n, 7)
    x = sd.vector("x", n)
    f = sd.sum(sd.sin(sd.take(x, I)) * sd.take(x, J)) + sd.sum(sd.exp(sd.take(x, K)))
    want = np.zeros((n, n), dtype=bool)
    want[I, J] = want[J, I] = want[I, I] = want[K, K] = True
    np.testing.assert_array_equal(sd.hessian_sparsity(f, x).toarray(), want)
    jac_want = np.zeros((m, n), dtype=bool)
    jac_want[np.arange(m), I] = jac_want[np.arange(m), J] = True
    y = sd.sin(sd.take(x, I)) * sd.take(x, J)
    np.testing.assert_array_equal(sd.jacobian_sparsity(y, x).toarray(), jac_want)

    def f_jax(v):
        return jnp.sum(jnp.sin(v[I]) * v[J]) + jnp.sum(jnp.exp(v[K]))

    xv = rng.normal(size=n)
    H, Jy = sd.function([x], [sd.sparse_hessian(f, x), sd.sparse_jacobian(y, x)], backend="numpy")(xv)
    np.testing.assert_allclose(H.toarray(), np.asarray(jax.jit(jax.hessian(f_jax))(xv)), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(Jy.toarray(), np.asarray(jax.jit(jax.jacobian(lambda v: jnp.sin(v[I]) * v[J]))(xv)),
                               rtol=1e-13, atol=1e-13)


def test_minimal_surface_hessian_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    k = 6
    u, area = _minimal_surface(k)

    def area_jax(v):
        U = v.reshape((k, k))
        ux, uy = U[1:, :-1] - U[:-1, :-1], U[:-1, 1:] - U[:-1, :-1]
        vx, vy = U[1:, 1:] - U[:-1, 1:], U[1:, 1:] - U[1:, :-1]
        return jnp.sum(jnp.sqrt(1 + ux ** 2 + uy ** 2)) + jnp.sum(jnp.sqrt(1 + vx ** 2 + vy ** 2))

    uv = np.random.default_rng(3).normal(size=k * k)
    H = sd.function([u], sd.sparse_hessian(area, u), backend="numpy")(uv)
    Hj = np.asarray(jax.jit(jax.hessian(area_jax))(uv))
    np.testing.assert_allclose(H.toarray(), Hj, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(sd.hessian_sparsity(area, u).toarray(), Hj != 0)
