"""Colourings of sparsity patterns and direct recovery (``symdiff/sparsity/colouring.py``).

The oracle is recovery itself: random values are put on a pattern, compressed
with the colours exactly as the recovery functions define it (sums over colour
groups, computed here with SciPy as ``J @ S`` with the 0/1 seed matrix ``S``),
read back through the gather and compared for exact equality. The colouring
properties are checked directly too (distance-2 by rows; the star property by
enumerating every path on four vertices of small graphs), with the colour
counts on structured patterns and the errors.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from symdiff.sparsity import colouring as C
from symdiff.sparsity.colouring import (
    colouring_lower_bound,
    column_colouring,
    hessian_recovery,
    jacobian_recovery,
    row_colouring,
    star_colouring,
)
from tests.conftest import seeded_rng

# ---------------------------------------------------------------------------
# patterns

def csr(dense_bool) -> sp.csr_array:
    return sp.csr_array(np.asarray(dense_bool, dtype=bool))


def tridiagonal(n: int) -> sp.csr_array:
    return banded(n, 1)


def banded(n: int, b: int) -> sp.csr_array:
    offsets = list(range(-b, b + 1))
    P = sp.diags_array([np.ones(n - abs(k), dtype=np.int8) for k in offsets], offsets=offsets, shape=(n, n),
                       dtype=np.int8)
    P = sp.csr_array(P.tocsr().astype(bool))
    P.sort_indices()
    return P


def arrow(n: int) -> sp.csr_array:
    a = np.eye(n, dtype=bool)
    a[0, :] = a[:, 0] = True
    return csr(a)


def grid(N: int, nine: bool) -> sp.csr_array:
    """The Hessian pattern of an N x N grid: 5-point (4 neighbours) or 9-point (8 neighbours) stencil."""
    T = sp.diags_array([1, 1, 1], offsets=[-1, 0, 1], shape=(N, N), dtype=np.int8)
    I = sp.eye_array(N, dtype=np.int8)
    P = sp.kron(T, T) if nine else sp.kron(I, T) + sp.kron(T, I)
    P = P.tocsr().astype(bool)
    P.sort_indices()
    return P


def random_pattern(rng, shape, density) -> sp.csr_array:
    P = sp.random_array(shape, density=density, rng=rng, format="csr").astype(bool)
    P.sort_indices()
    return P


def symmetrise(P, diagonal: bool = True) -> sp.csr_array:
    S = (P + P.T).tocsr()
    if diagonal:
        S = S + sp.eye_array(P.shape[0], dtype=bool, format="csr")
    else:
        S.setdiag(False)
        S.eliminate_zeros()
    S = sp.csr_array(S.astype(bool))
    S.sort_indices()
    return S


def structured_symmetric():
    """(name, symmetric pattern) pairs: the shapes that trip colourings up."""
    block = np.zeros((9, 9), dtype=bool)
    block[2:7, 2:7] = True
    gaps = np.zeros((8, 8), dtype=bool)
    gaps[[1, 1, 5, 5, 6], [1, 5, 1, 5, 6]] = True    # empty rows and columns 0, 2, 3, 4, 7
    return [
        ("empty", sp.csr_array((0, 0), dtype=bool)),
        ("n=1 empty", sp.csr_array((1, 1), dtype=bool)),
        ("n=1", csr([[True]])),
        ("no entries", sp.csr_array((5, 5), dtype=bool)),
        ("diagonal", sp.eye_array(7, format="csr", dtype=bool)),
        ("tridiagonal", tridiagonal(12)),
        ("tridiagonal, no diagonal", symmetrise(sp.diags_array([1], offsets=[1], shape=(12, 12), dtype=bool), False)),
        ("banded 3", banded(20, 3)),
        ("arrow", arrow(10)),
        ("arrow, no diagonal", symmetrise(csr(np.arange(10) * np.eye(10, dtype=int)[0][:, None] > 0), False)),
        ("grid 5", grid(6, False)),
        ("grid 9", grid(6, True)),
        ("dense block", csr(block)),
        ("empty rows and columns", csr(gaps)),
        ("dense", csr(np.ones((6, 6)))),
    ]


def structured_rectangular():
    a = np.zeros((6, 9), dtype=bool)
    a[2, :] = True                                    # one dense row
    b = np.zeros((9, 5), dtype=bool)
    b[:, 3] = True                                    # one dense column
    c = np.zeros((7, 4), dtype=bool)
    c[[0, 0, 4, 6], [1, 3, 1, 2]] = True              # empty rows and columns
    return [
        ("0 x 0", sp.csr_array((0, 0), dtype=bool)),
        ("3 x 0", sp.csr_array((3, 0), dtype=bool)),
        ("0 x 3", sp.csr_array((0, 3), dtype=bool)),
        ("no entries", sp.csr_array((4, 6), dtype=bool)),
        ("1 x 1", csr([[True]])),
        ("dense row", csr(a)),
        ("dense column", csr(b)),
        ("gaps", csr(c)),
        ("dense", csr(np.ones((5, 7)))),
        ("bidiagonal", csr(np.eye(8, 9, dtype=bool) | np.eye(8, 9, 1, dtype=bool))),
    ] + structured_symmetric()[4:]


def random_rectangular(rng):
    for shape in [(1, 9), (9, 1), (30, 20), (20, 60), (100, 100), (300, 50)]:
        for density in (0.01, 0.05, 0.2, 0.6):
            yield f"{shape} {density}", random_pattern(rng, shape, density)


def random_symmetric(rng):
    for n in (2, 10, 40, 150):
        for density in (0.01, 0.05, 0.15, 0.5):
            P = random_pattern(rng, (n, n), density)
            yield f"{n} {density}", symmetrise(P, diagonal=bool(rng.integers(2)))


# ---------------------------------------------------------------------------
# the oracle

def ncolours(colours) -> int:
    return int(colours.max()) + 1 if colours.size else 0


def seed(colours, c: int) -> np.ndarray:
    """The 0/1 seed matrix: column k indicates the vertices of colour k."""
    S = np.zeros((colours.size, c))
    S[np.arange(colours.size), colours] = 1.0
    return S


def values_on(P, rng) -> sp.csr_array:
    """Random nonzero values on exactly the stored entries of ``P`` (explicit zeros included)."""
    data = rng.uniform(1.0, 2.0, P.nnz) * rng.choice([-1.0, 1.0], P.nnz)
    return sp.csr_array((data, P.indices.copy(), P.indptr.copy()), shape=P.shape)


def symmetric_values_on(P, rng) -> sp.csr_array:
    """Random values, exactly symmetric, on the stored entries of a canonical symmetric ``P``."""
    where = sp.csr_array((np.arange(P.nnz, dtype=np.float64), P.indices.copy(), P.indptr.copy()), shape=P.shape)
    mirror = where.T.tocsr()
    mirror.sort_indices()
    assert np.array_equal(mirror.indices, P.indices)
    v = rng.uniform(1.0, 2.0, P.nnz)
    return sp.csr_array((v + v[mirror.data.astype(np.int64)], P.indices.copy(), P.indptr.copy()), shape=P.shape)


def check_colours(colours, length: int) -> int:
    assert colours.dtype == np.int64 and colours.shape == (length,)
    c = ncolours(colours)
    assert set(colours.tolist()) == set(range(c)), "colours are 0..c-1, all used"
    return c


def assert_distance2(P, colours):
    """No two columns of one colour share a row."""
    rows = np.repeat(np.arange(P.shape[0]), np.diff(P.indptr))
    pairs = set(zip(rows.tolist(), colours[P.indices].tolist()))
    assert len(pairs) == P.nnz


def check_column(P, rng) -> int:
    colours = column_colouring(P)
    c = check_colours(colours, P.shape[1])
    assert_distance2(P, colours)
    assert c >= colouring_lower_bound(P)
    J = values_on(P, rng)
    B = (J @ seed(colours, c)).T                  # B[k, i] = sum of J[i, j] over the columns j of colour k
    gather = jacobian_recovery(P, colours, "column")
    assert gather.dtype == np.int64 and gather.shape == (P.nnz,)
    np.testing.assert_array_equal(B.ravel()[gather], J.data)
    return c


def check_row(P, rng) -> int:
    colours = row_colouring(P)
    c = check_colours(colours, P.shape[0])
    assert_distance2(sp.csr_array(P.T), colours)
    J = values_on(P, rng)
    B = (J.T @ seed(colours, c)).T                # B[k, j] = sum of J[i, j] over the rows i of colour k
    gather = jacobian_recovery(P, colours, "row")
    assert gather.dtype == np.int64 and gather.shape == (P.nnz,)
    np.testing.assert_array_equal(B.ravel()[gather], J.data)
    return c


def check_star(P, rng, brute_force: bool = True) -> int:
    colours = star_colouring(P)
    c = check_colours(colours, P.shape[0])
    if brute_force:
        assert_star(P, colours)
    H = symmetric_values_on(P, rng)
    B = (H @ seed(colours, c)).T                  # B[k, i] = sum of H[i, j] over the j of colour k
    gather = hessian_recovery(P, colours)
    assert gather.dtype == np.int64 and gather.shape == (P.nnz,)
    np.testing.assert_array_equal(B.ravel()[gather], H.data)
    return c


def adjacency(P):
    n = P.shape[0]
    rows = np.repeat(np.arange(n), np.diff(P.indptr))
    return [sorted(set(P.indices[rows == v].tolist()) - {v}) for v in range(n)]


def assert_star(P, colours):
    """Proper, and every path a-b-c-d on four vertices has at least three colours (by enumeration)."""
    nbrs = adjacency(P)
    for b, nb in enumerate(nbrs):
        for c in nb:
            assert colours[b] != colours[c], f"adjacent {b} and {c} share colour {colours[b]}"
            for a in nb:
                if a == c:
                    continue
                for d in nbrs[c]:
                    if d in (a, b):
                        continue
                    assert len({colours[a], colours[b], colours[c], colours[d]}) >= 3, \
                        f"the path {a}-{b}-{c}-{d} has two colours"


# ---------------------------------------------------------------------------
# recovery on many patterns

@pytest.mark.parametrize("name,P", structured_rectangular(), ids=lambda v: v if isinstance(v, str) else "")
def test_jacobian_recovery_structured(name, P, rng):
    check_column(P, rng)
    check_row(P, rng)


def test_jacobian_recovery_random(rng):
    for name, P in random_rectangular(rng):
        check_column(P, rng)
        check_row(P, rng)


@pytest.mark.parametrize("name,P", structured_symmetric(), ids=lambda v: v if isinstance(v, str) else "")
def test_hessian_recovery_structured(name, P, rng):
    check_star(P, rng)


def test_hessian_recovery_random(rng):
    for name, P in random_symmetric(rng):
        check_star(P, rng, brute_force=P.shape[0] * np.diff(P.indptr).max(initial=0) <= 400)


def test_recovery_on_a_larger_grid(rng):
    P = grid(60, True)
    assert check_star(P, rng, brute_force=False) <= 9
    assert check_column(P, rng) == 9


def test_long_rows_and_high_degree_vertices(rng):
    """Rows over 64 entries keep their colours as bitsets; vertices of degree over 64 are coloured last."""
    n = 1000
    dense_row = sp.vstack([sp.diags_array([1, 1], offsets=[0, 1], shape=(n - 1, n), dtype=bool),
                           sp.csr_array(np.ones((1, n), dtype=bool))]).tocsr()
    assert check_column(dense_row, rng) == n
    assert check_row(dense_row, rng) == 3
    P = random_pattern(seeded_rng("long rows"), (200, 300), 0.02).tolil()
    for i, k in ((3, 150), (50, 290), (120, 70)):
        P[i, rng.choice(300, k, replace=False)] = True
    P = sp.csr_array(P)
    check_column(P, rng)
    check_row(P, rng)
    assert_distance2(P, column_colouring(P))
    arrow_band = banded(n, 1).tolil()
    arrow_band[:2, :] = arrow_band[:, :2] = True                 # two shared parameters
    arrow_band = sp.csr_array(arrow_band)
    assert check_star(arrow_band, rng, brute_force=False) <= 5
    small = banded(150, 1).tolil()
    small[0, :] = small[:, 0] = small[70, 75:] = small[75:, 70] = True
    check_star(sp.csr_array(small), rng)                       # brute force, with two vertices of degree > 64


def test_any_dtype_and_explicit_zeros_are_pattern(rng):
    P = random_pattern(seeded_rng("zeros"), (40, 30), 0.1)
    want = column_colouring(P)
    for dtype in (np.float64, np.float32, np.int8, np.complex128):
        Q = sp.csr_array((np.zeros(P.nnz, dtype), P.indices, P.indptr), shape=P.shape)   # stored zeros
        assert Q.nnz == P.nnz
        assert np.array_equal(column_colouring(Q), want)
        assert np.array_equal(jacobian_recovery(Q, want, "column"), jacobian_recovery(P, want, "column"))
    H = symmetrise(random_pattern(seeded_rng("zeros", 2), (30, 30), 0.1))
    Hz = sp.csr_matrix((np.zeros(H.nnz), H.indices, H.indptr), shape=H.shape)            # a matrix, not an array
    colours = star_colouring(Hz)
    assert np.array_equal(colours, star_colouring(H))
    assert np.array_equal(hessian_recovery(Hz, colours), hessian_recovery(H, colours))


def test_unsorted_indices_keep_the_storage_order(rng):
    P = symmetrise(random_pattern(seeded_rng("unsorted"), (30, 30), 0.15))
    H = symmetric_values_on(P, rng)
    colours = star_colouring(P)
    B = (H @ seed(colours, ncolours(colours))).T
    # reverse every row's entries
    order = np.concatenate([np.arange(a, b)[::-1] for a, b in zip(P.indptr[:-1], P.indptr[1:])])
    U = sp.csr_array((H.data[order], H.indices[order], H.indptr.copy()), shape=H.shape)
    assert not U.has_sorted_indices
    assert np.array_equal(star_colouring(U), colours)
    np.testing.assert_array_equal(B.ravel()[hessian_recovery(U, colours)], U.data)
    J = values_on(P, rng)
    cc = column_colouring(P)
    Bj = (J @ seed(cc, ncolours(cc))).T
    Uj = sp.csr_array((J.data[order], J.indices[order], J.indptr.copy()), shape=J.shape)
    np.testing.assert_array_equal(Bj.ravel()[jacobian_recovery(Uj, cc, "column")], Uj.data)


def test_duplicates_are_merged_for_colourings_and_refused_for_recovery():
    P = tridiagonal(6)
    D = sp.csr_array((np.ones(P.nnz + 1), np.r_[P.indices[:2], 1, P.indices[2:]],
                      np.r_[0, P.indptr[1:] + 1]), shape=P.shape)     # (0, 1) stored twice
    assert D.nnz == P.nnz + 1
    assert np.array_equal(column_colouring(D), column_colouring(P))
    assert np.array_equal(star_colouring(D), star_colouring(P))
    assert colouring_lower_bound(D) == 3
    with pytest.raises(ValueError, match=r"\(0, 1\) is stored more than once"):
        hessian_recovery(D, star_colouring(P))
    with pytest.raises(ValueError, match=r"\(0, 1\) is stored more than once"):
        jacobian_recovery(D, column_colouring(P), "column")


# ---------------------------------------------------------------------------
# colour counts

@pytest.mark.parametrize("n", [4, 5, 17, 1000])
def test_tridiagonal_needs_exactly_three(n, rng):
    P = tridiagonal(n)
    assert check_star(P, rng, brute_force=n <= 17) == 3
    assert check_column(P, rng) == 3


def test_short_paths():
    assert ncolours(star_colouring(tridiagonal(2))) == 2
    assert ncolours(star_colouring(tridiagonal(3))) == 2     # a path on 3 vertices is a star


@pytest.mark.parametrize("b", [1, 2, 3, 6])
def test_banded_gets_2b_plus_1_column_colours(b, rng):
    P = banded(60, b)
    assert colouring_lower_bound(P) == 2 * b + 1
    assert check_column(P, rng) == 2 * b + 1
    assert check_row(P, rng) == 2 * b + 1
    assert check_star(P, rng, brute_force=b <= 3) <= 2 * b + 1


def test_grids(rng):
    P5, P9 = grid(20, False), grid(20, True)
    assert colouring_lower_bound(P5) == 5 and colouring_lower_bound(P9) == 9
    assert check_star(P5, rng) == 5          # the star chromatic number of a grid
    assert check_star(P9, rng) <= 9
    assert check_column(P5, rng) <= 7
    assert check_column(P9, rng) == 9


def test_stars_and_cliques(rng):
    assert check_star(arrow(30), rng) == 2
    assert check_column(arrow(30), rng) == 30
    assert check_star(csr(np.ones((7, 7))), rng) == 7
    assert check_star(sp.eye_array(5, format="csr"), rng) == 1
    assert check_column(sp.eye_array(5, format="csr"), rng) == 1


def test_lower_bound():
    assert colouring_lower_bound(sp.csr_array((0, 3))) == 0
    assert colouring_lower_bound(sp.csr_array((3, 0))) == 0
    assert colouring_lower_bound(csr([[1, 0, 1], [1, 1, 1]])) == 3
    assert colouring_lower_bound(sp.coo_array(np.eye(3))) == 1


# ---------------------------------------------------------------------------
# errors

def test_errors():
    sq = tridiagonal(4)
    rect = csr(np.ones((2, 3)))
    with pytest.raises(ValueError, match="must be square, not 2 x 3"):
        star_colouring(rect)
    with pytest.raises(ValueError, match="must be square, not 2 x 3"):
        hessian_recovery(rect, np.zeros(3, dtype=int))
    upper = csr(np.triu(np.ones((4, 4))))
    with pytest.raises(ValueError, match=r"not symmetric: \(0, 1\) is stored but \(1, 0\) is not"):
        star_colouring(upper)
    with pytest.raises(ValueError, match="not symmetric"):
        hessian_recovery(upper, np.arange(4))
    with pytest.raises(ValueError, match=r"one colour per vertex \(4\), not of shape \(3,\)"):
        hessian_recovery(sq, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"one colour per column \(3\)"):
        jacobian_recovery(rect, np.zeros(2, dtype=int), "column")
    with pytest.raises(ValueError, match=r"one colour per row \(2\)"):
        jacobian_recovery(rect, np.zeros(3, dtype=int), "row")
    with pytest.raises(ValueError, match="must be integers"):
        jacobian_recovery(rect, np.arange(3.0), "column")
    with pytest.raises(ValueError, match="must lie in 0..2"):
        jacobian_recovery(rect, np.array([0, 1, -1]), "column")
    with pytest.raises(ValueError, match="must lie in 0..2"):
        jacobian_recovery(rect, np.array([0, 1, 3]), "column")
    with pytest.raises(ValueError, match="mode must be 'column' or 'row'"):
        jacobian_recovery(rect, np.arange(3), "forward")
    with pytest.raises(TypeError, match="scipy.sparse"):
        column_colouring(np.ones((2, 2)))
    with pytest.raises(TypeError, match="CSR format"):
        jacobian_recovery(sp.csc_array(rect), np.arange(3), "column")


def test_colourings_that_do_not_allow_direct_recovery():
    J = csr([[1, 1, 0], [0, 1, 1]])
    with pytest.raises(ValueError, match=r"columns 1 and 2 both have colour 0 .* row 1"):
        jacobian_recovery(J, np.array([1, 0, 0]), "column")
    with pytest.raises(ValueError, match=r"rows 0 and 1 both have colour 0 .* column 1"):
        jacobian_recovery(J, np.array([0, 0]), "row")
    path = tridiagonal(4)
    # proper, but the path 0-1-2-3 has two colours: (1, 2) is alone neither in row 1 nor in row 2
    with pytest.raises(ValueError, match=r"\(1, 2\) cannot be recovered directly: .*not a star colouring"):
        hessian_recovery(path, np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"\(0, 0\) cannot be recovered directly: vertex 0 has a neighbour"):
        hessian_recovery(path, np.array([0, 0, 1, 2]))
    # a distance-2 colouring is a star colouring: accepted
    hessian_recovery(path, np.array([0, 1, 2, 0]))


# ---------------------------------------------------------------------------
# light import, cache folder

def test_importing_the_module_does_not_import_numba():
    """The module alone (no symdiff package around it, so the check costs little): Numba comes with the first call."""
    code = ("import importlib.util, sys; s = importlib.util.spec_from_file_location('colouring', sys.argv[1]); "
            "s.loader.exec_module(importlib.util.module_from_spec(s)); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, C.__file__], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False"]


def test_kernels_are_cached_with_symdiffs_sealed_helpers(tmp_path, monkeypatch):
    """Never beside the package (read-only installs work): in the checked helpers folder, sealed after compiling."""
    import numba

    from symdiff.backends.numba import cachedir

    K = C._kernels()
    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path / "c"))
    helpers = cachedir.helpers_dir()
    assert helpers.startswith(str(tmp_path / "c" / "helpers"))
    # what Numba decides for a kernel decorated now: the cache path of a fresh dispatcher (nothing compiles)
    again = numba.njit(cache=True)(K.star_colouring.py_func)
    assert again._cache.cache_path == helpers
    # a kernel specialisation new to the process seals the helpers' folders
    monkeypatch.setattr(C, "_SEALED", [0])
    sealed = []
    monkeypatch.setattr(cachedir, "seal_helpers", lambda: sealed.append(1))
    column_colouring(tridiagonal(3))
    column_colouring(tridiagonal(3))
    assert sealed == [1]
