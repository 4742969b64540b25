"""Graph colourings of sparsity patterns, and direct recovery of sparse Jacobians and Hessians.

A sparse Jacobian ``J`` (m x n) is evaluated in compressed form: with a seed
matrix ``S`` (n x c) whose column ``k`` is the indicator of the columns of
colour ``k``, one product ``J @ S`` costs ``c`` forward (JVP) sweeps instead
of ``n``. When no two columns of one colour share a row, every entry of the
product is a single entry of ``J``, which is then read back directly (no
linear solve, no substitution). Colouring the rows the same way serves reverse
mode (``S.T @ J``, ``c`` VJP sweeps). For a symmetric Hessian the symmetry is
worth using: each off-diagonal entry is needed once, from its row or from its
column, and a *star colouring* (proper, and every path on four vertices has
three colours) guarantees one of the two reads it alone: if ``(i, j)`` were
read alone from neither side, ``i`` would have another neighbour ``k``
coloured like ``j`` and ``j`` another neighbour ``l`` coloured like ``i``,
and the path ``k i j l`` would have two colours. Star colourings can use far
fewer colours than distance-2 ones: an arrow pattern (one dense row and
column) needs ``n`` column colours but two star colours.

Algorithms (all greedy: a vertex takes the smallest colour its constraints
allow, in a chosen vertex order; finding the fewest colours is NP-hard):

* column and row colourings: distance-2 colouring of one side of the
  bipartite row/column graph, Gebremedhin, Manne & Pothen, "What color is
  your Jacobian?", SIAM Review 47 (2005), Algorithm 3.2, walking the pattern
  and its transpose instead of building the column intersection graph, so the
  memory stays proportional to the number of entries;
* star colouring: the two-coloured-stars algorithm of Gebremedhin,
  Tarafdar, Manne & Pothen, SIAM J. Sci. Comput. 29 (2007), Algorithm 4.1,
  which keeps the stars formed so far and so checks each neighbour of a
  neighbour once.

Greedy results depend on the vertex order, so each colouring tries a few
cheap ones and keeps the fewest colours: natural order, then (unless the
natural one met :func:`colouring_lower_bound`) largest first for column and
row colourings; natural order, smallest last and, when it could do better,
a distance-2 colouring (a star colouring too) for star colourings. Natural
order gives the minimum 5 on the 5-point grid, smallest last wins on irregular
patterns, distance-2 gives 9 colours on the 9-point grid where the star
algorithm gives 12.

Cost: a distance-2 colouring walks, for each column, the rows it is in: the
sum of the squared row lengths. Rows longer than ``max(64, n // 64)`` (a
dense constraint) keep their colours as bitsets instead, so a dense row costs
``n * c / 64`` word operations, not ``n**2``. The star algorithm walks the
neighbours of each coloured neighbour; vertices of degree over 64 are
coloured last, so one dense row and column (a parameter shared by all terms)
costs ``O(n)``, not ``n**2``. Memory is proportional to the number of
entries; recovery is linear in it. The loops run in Numba
(``_colouring_kernels.py``), imported on first use so ``import symdiff`` does
not import Numba; their cache lives with the other helpers' in symdiff's
private, sealed cache folder (``backends/numba/cachedir.py``), so a
read-only installation works.

>>> import numpy as np, scipy.sparse as sp
>>> H = sp.diags_array([1.0, 2.0, 1.0], offsets=[-1, 0, 1], shape=(6, 6)).tocsr()
>>> colours = star_colouring(H)
>>> int(colours.max()) + 1
3
>>> seed = np.eye(3)[colours]                  # n x c, the indicator of each colour
>>> B = (H @ seed).T                           # what c Hessian-vector products give
>>> bool(np.array_equal(B.ravel()[hessian_recovery(H, colours)], H.data))
True
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = [
    "colouring_lower_bound",
    "column_colouring",
    "hessian_recovery",
    "jacobian_recovery",
    "row_colouring",
    "star_colouring",
]

_LOCK = threading.Lock()
_KERNELS: list = []
_KERNEL_NAMES = ("_filled", "alone_in_row", "distance2_colouring", "smallest_last_order", "star_colouring")
_SEALED = [0]   # kernel specialisations present when the helpers' cache was last sealed


def _kernels():
    """The compiled kernels (Numba is imported here, on first use)."""
    if not _KERNELS:
        with _LOCK:
            if not _KERNELS:
                from ..backends.numba import cachedir

                # before the import: Numba picks a function's cache folder when it is decorated, and
                # symdiff's locator puts the package's own kernels in the checked, sealed helpers folder
                cachedir.install_helper_locator()
                from . import _colouring_kernels

                _KERNELS.append(_colouring_kernels)
    return _KERNELS[0]


def warm_up() -> None:
    """Load (or compile, the first time on a machine) every kernel by colouring a small pattern.

    ``sd.function`` calls it when it is built with sparse outputs whose sizes are
    symbolic, so that the first call does not wait for Numba.

    >>> warm_up()
    """
    import scipy.sparse as sp

    p = sp.csr_array(sp.diags_array([np.ones(4), np.ones(5), np.ones(4)], offsets=[-1, 0, 1]))
    jacobian_recovery(p, column_colouring(p), "column")
    jacobian_recovery(p, row_colouring(p), "row")
    hessian_recovery(p, star_colouring(p))


def _sealed(result):
    """``result``, after sealing the helpers' cache if a kernel was compiled (or loaded) since the last seal.

    Sealing at exit alone would leave a killed process's files unsealed, and
    another process deletes unsealed files; this runs once per kernel and process.
    """
    K = _KERNELS[0]
    count = sum(len(getattr(K, name).signatures) for name in _KERNEL_NAMES)
    if count > _SEALED[0]:
        from ..backends.numba import cachedir

        with _LOCK:
            _SEALED[0] = count
            cachedir.seal_helpers()
    return result


# ---------------------------------------------------------------------------
# arguments

def _csr(pattern, what: str, *, square: bool = False, convert: bool = True):
    """The pattern as CSR with shape ``(m, n)``; TypeError/ValueError naming the problem."""
    import scipy.sparse as sp

    if not sp.issparse(pattern):
        raise TypeError(f"{what}: the pattern must be a scipy.sparse array or matrix, not {type(pattern).__name__}")
    if len(pattern.shape) != 2:
        raise ValueError(f"{what}: the pattern must be 2-D, not of shape {pattern.shape}")
    if pattern.format != "csr":
        if not convert:
            raise TypeError(f"{what}: the pattern must be in CSR format (the result follows its storage order), "
                            f"not {pattern.format!r}: pass pattern.tocsr()")
        pattern = pattern.tocsr()
    m, n = (int(d) for d in pattern.shape)
    if square and m != n:
        raise ValueError(f"{what}: a symmetric pattern must be square, not {m} x {n}")
    return pattern, m, n


def _arrays(pattern):
    """``indptr`` and ``indices`` as int64 (one signature per kernel), in storage order."""
    ptr = np.asarray(pattern.indptr, dtype=np.int64)
    ind = np.asarray(pattern.indices, dtype=np.int64)[: ptr[-1]]
    return ptr, ind


def _canonical(pattern, m: int, n: int, what: str, *, duplicates_ok: bool):
    """``(ptr, ind, perm)`` with sorted rows and no duplicates; ``perm[p]`` is the storage position of entry ``p``.

    ``perm`` is None when the pattern is already canonical (the usual case, and
    then nothing is sorted). Duplicates are dropped when ``duplicates_ok``, else
    refused: a recovery returns one position per stored entry.
    """
    ptr, ind = _arrays(pattern)
    if pattern.has_canonical_format:
        return ptr, ind, None
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(ptr))
    # rows are already in order: sorting by the flat index sorts each row's columns
    perm = np.argsort(rows * max(n, 1) + ind, kind="stable")
    rows, ind = rows[perm], ind[perm]
    dup = np.flatnonzero((rows[1:] == rows[:-1]) & (ind[1:] == ind[:-1]))
    if dup.size:
        if not duplicates_ok:
            p = int(dup[0])
            raise ValueError(f"{what}: the entry ({int(rows[p])}, {int(ind[p])}) is stored more than once: "
                             "call pattern.sum_duplicates() first")
        keep = np.ones(ind.size, dtype=bool)
        keep[dup + 1] = False
        rows, ind, perm = rows[keep], ind[keep], perm[keep]
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=m), out=ptr[1:])
    return ptr, ind, perm


def _colours(colours, length: int, what: str, vertices: str):
    """The colours as int64 and their count, checked against ``length`` vertices."""
    c = np.asarray(colours)
    if c.ndim != 1 or c.shape[0] != length:
        raise ValueError(f"{what}: colours must be a 1-D array with one colour per {vertices} ({length}), "
                         f"not of shape {c.shape}")
    if c.dtype.kind not in "iu":
        raise ValueError(f"{what}: colours must be integers, not {c.dtype}")
    if length == 0:
        return c.astype(np.int64), 0
    lo, hi = int(c.min()), int(c.max())
    if lo < 0 or hi >= length:
        raise ValueError(f"{what}: colours must lie in 0..{length - 1} (at most one colour per {vertices}), "
                         f"not {lo if lo < 0 else hi}")
    return c.astype(np.int64), hi + 1


def _row_of(ptr, p: int) -> int:
    return int(np.searchsorted(ptr, p, side="right")) - 1


def _transpose(ptr, ind, m: int, n: int, data=None):
    """The transpose of the structure ``(ptr, ind)`` (m x n) in CSR, rows sorted: ``(tptr, tind, tdata)``.

    SciPy's conversion (compiled C) does it; ``data`` (default: none worth
    keeping) is carried along, so ``data=arange(nnz)`` tells where each entry
    of the transpose was.
    """
    import scipy.sparse as sp

    if data is None:
        data = np.zeros(ind.size, dtype=np.int8)
    t = sp.csr_array((data, ind, ptr), shape=(m, n)).tocsc()
    return np.asarray(t.indptr, dtype=np.int64), np.asarray(t.indices, dtype=np.int64), t.data


def _symmetric_mirror(ptr, ind, n: int, what: str):
    """For a canonical square pattern: the position of ``(j, i)`` for the entry ``(i, j)`` at each position.

    ValueError naming an entry whose mirror is not stored.
    """
    tptr, tind, mirror = _transpose(ptr, ind, n, n, np.arange(ind.size, dtype=np.int64))
    if np.array_equal(tptr, ptr) and np.array_equal(tind, ind):
        return mirror
    # the entries stored in one triangle only: (i, j) stored, (j, i) not, in row-major order
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    trows = np.repeat(np.arange(n, dtype=np.int64), np.diff(tptr))
    missing = np.setdiff1d(rows * n + ind, trows * n + tind, assume_unique=True)
    i, j = divmod(int(missing[0]), n)
    raise ValueError(f"{what}: the pattern is not symmetric: ({i}, {j}) is stored but ({j}, {i}) is not")


def _ncolours(colours) -> int:
    return int(colours.max()) + 1 if colours.size else 0


# ---------------------------------------------------------------------------
# colourings

def colouring_lower_bound(pattern) -> int:
    """The largest number of stored entries in one row: the columns of that row need as many colours.

    It bounds :func:`column_colouring` from below (and
    ``colouring_lower_bound(pattern.T)`` bounds :func:`row_colouring`). For
    :func:`star_colouring` it is only a yardstick: on
    grid Laplacians it is the true minimum, but an arrow pattern, whose dense
    row has ``n`` entries, has a star colouring with two colours.

    >>> import scipy.sparse as sp
    >>> colouring_lower_bound(sp.eye_array(4, format="csr"))
    1
    """
    what = "colouring_lower_bound"
    pattern, m, n = _csr(pattern, what)
    ptr, _, _ = _canonical(pattern, m, n, what, duplicates_ok=True)
    return int(np.diff(ptr).max()) if m else 0


def _distance2(ptr, ind, tptr, tind, bound: int, symmetric: bool = False):
    """Distance-2 colouring of the columns of ``(ptr, ind)`` (``tptr, tind`` its transpose): the fewer of two orders."""
    K = _kernels()
    ncols = tptr.size - 1
    best = K.distance2_colouring(ptr, ind, tptr, tind, np.arange(ncols, dtype=np.int64), symmetric)
    if ncols and _ncolours(best) > bound:
        # largest first, by the number of (row, column) pairs a column meets: an upper bound on its
        # distance-2 degree that costs one pass
        rowlen = np.diff(ptr)
        weight = np.bincount(ind, weights=np.repeat(rowlen, rowlen).astype(np.float64), minlength=ncols)
        order = np.argsort(-weight, kind="stable").astype(np.int64)
        other = K.distance2_colouring(ptr, ind, tptr, tind, order, symmetric)
        if _ncolours(other) < _ncolours(best):
            best = other
    return best


def column_colouring(pattern) -> np.ndarray:
    """Colours ``0..c-1`` of the columns of an m x n pattern: two columns with an entry in one row differ.

    Then the columns of one colour can be summed (one JVP with their indicator
    as tangent) and every entry read back alone: see :func:`jacobian_recovery`.
    Explicitly stored zeros count as entries.

    >>> import scipy.sparse as sp
    >>> J = sp.csr_array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]])
    >>> column_colouring(J).tolist()
    [0, 1, 0, 0]
    """
    what = "column_colouring"
    pattern, m, n = _csr(pattern, what)
    ptr, ind, _ = _canonical(pattern, m, n, what, duplicates_ok=True)
    tptr, tind, _ = _transpose(ptr, ind, m, n)
    bound = int(np.diff(ptr).max()) if m else 0
    return _sealed(_distance2(ptr, ind, tptr, tind, bound))


def row_colouring(pattern) -> np.ndarray:
    """Colours ``0..c-1`` of the rows of an m x n pattern: two rows with an entry in one column differ.

    The reverse-mode counterpart of :func:`column_colouring` (one VJP per
    colour); it equals ``column_colouring(pattern.T)`` up to the orders tried.

    >>> import scipy.sparse as sp
    >>> J = sp.csr_array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]])
    >>> row_colouring(J).tolist()
    [0, 1, 0, 0]
    """
    what = "row_colouring"
    pattern, m, n = _csr(pattern, what)
    ptr, ind, _ = _canonical(pattern, m, n, what, duplicates_ok=True)
    tptr, tind, _ = _transpose(ptr, ind, m, n)
    bound = int(np.diff(tptr).max()) if n else 0
    return _sealed(_distance2(tptr, tind, ptr, ind, bound))


def star_colouring(pattern) -> np.ndarray:
    """Colours ``0..c-1`` of the vertices of a symmetric n x n pattern for direct Hessian recovery.

    A star colouring: adjacent vertices differ and every path on four
    vertices has at least three colours (the diagonal, stored or not, is
    ignored). Then :func:`hessian_recovery` reads every entry from the ``c``
    Hessian-vector products with the colour indicators. ValueError if the
    pattern is not square or not symmetric.

    >>> import scipy.sparse as sp
    >>> arrow = sp.csr_array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1]])
    >>> star_colouring(arrow).tolist()
    [0, 1, 1, 1]
    """
    what = "star_colouring"
    pattern, _, n = _csr(pattern, what, square=True)
    ptr, ind, _ = _canonical(pattern, n, n, what, duplicates_ok=True)
    mirror = _symmetric_mirror(ptr, ind, n, what)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    return _sealed(_star(ptr, ind, mirror, n))


def _star(ptr, ind, mirror, n: int):
    """The fewest colours of a few orders (see :func:`star_colouring`)."""
    K = _kernels()
    degree = np.diff(ptr)
    best = K.star_colouring(ptr, ind, mirror, _high_degree_last(np.arange(n, dtype=np.int64), degree))
    if _ncolours(best) <= 2:
        # optimal: an edge needs two colours
        return best
    # Natural order suits stencils (five colours on the 5-point grid, the
    # minimum), smallest last suits irregular patterns (largest first rarely
    # beat both on random ones), and a distance-2 colouring, a star colouring
    # too, is the best of them on the 9-point grid (9 colours against 12)
    other = K.star_colouring(ptr, ind, mirror, _high_degree_last(K.smallest_last_order(ptr, ind), degree))
    if _ncolours(other) < _ncolours(best):
        best = other
    # a distance-2 colouring gives a vertex and its neighbours distinct colours: it cannot do better
    # than the largest row (plus its diagonal)
    rows = np.repeat(np.arange(n, dtype=np.int64), degree)
    closed = degree + 1 - np.bincount(rows[ind == rows], minlength=n)
    if _ncolours(best) > closed.max():
        other = _distance2(ptr, ind, ptr, ind, int(closed.max()), symmetric=True)
        if _ncolours(other) < _ncolours(best):
            best = other
    return best


def _high_degree_last(order, degree):
    """``order`` with the vertices of more than 64 entries moved to the end (in their order).

    The star kernel walks the neighbours of every coloured neighbour, so a
    vertex of degree d coloured early is walked d times: n**2 for the dense
    row and column of a parameter shared by all terms. Coloured last, it is
    walked only by the few others of high degree.
    """
    high = degree[order] > 64
    if not high.any():
        return order
    return np.concatenate([order[~high], order[high]])


# ---------------------------------------------------------------------------
# recovery

def jacobian_recovery(pattern, colours, mode) -> np.ndarray:
    """Where each stored entry of the Jacobian is read in the compressed product ``B``.

    ``mode="column"``: ``colours`` colour the n columns, ``B`` has shape
    ``(c, m)`` and ``B[k, i]`` is the sum of ``J[i, j]`` over the columns
    ``j`` of colour ``k`` (``(J @ S).T`` for the n x c seed ``S``; one JVP per
    colour). ``mode="row"``: ``colours`` colour the m rows, ``B`` has shape
    ``(c, n)`` and ``B[k, j]`` sums ``J[i, j]`` over the rows ``i`` of colour
    ``k`` (``S.T @ J``; one VJP per colour). The result ``gather`` (int64, one
    per stored entry, in the pattern's CSR storage order) gives
    ``J.data == B.ravel()[gather]``. ValueError naming two entries when the
    colouring mixes them (e.g. two columns of one colour share a row).

    >>> import numpy as np, scipy.sparse as sp
    >>> J = sp.csr_array([[1.0, 2.0, 0.0], [0.0, 3.0, 4.0]])
    >>> colours = column_colouring(J)
    >>> colours.tolist()
    [0, 1, 0]
    >>> B = (J @ np.eye(2)[colours]).T
    >>> B.ravel()[jacobian_recovery(J, colours, "column")].tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    what = "jacobian_recovery"
    if mode not in ("column", "row"):
        raise ValueError(f"{what}: mode must be 'column' or 'row', not {mode!r}")
    pattern, m, n = _csr(pattern, what, convert=False)
    ptr, ind = _arrays(pattern)
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(ptr))
    if mode == "column":
        colours, c = _colours(colours, n, what, "column")
        _check_alone(what, ptr, ind, colours, c, "columns", lambda i, j: (i, j), "row")
        return _sealed(colours[ind] * m + rows)
    colours, c = _colours(colours, m, what, "row")
    tptr, tind, _ = _transpose(ptr, ind, m, n)
    _check_alone(what, tptr, tind, colours, c, "rows", lambda j, i: (i, j), "column")
    return _sealed(colours[rows] * n + ind)


def _check_alone(what, ptr, ind, colours, c, kind, entry, line):
    """ValueError naming two entries of one row of ``(ptr, ind)`` whose columns share a colour."""
    alone = _kernels().alone_in_row(ptr, ind, colours, max(c, 1))
    if alone.all():
        return
    p = int(np.argmin(alone))
    i = _row_of(ptr, p)
    row = ind[ptr[i]:ptr[i + 1]]
    a, b = (int(x) for x in row[colours[row] == colours[ind[p]]][:2])
    if a == b:
        raise ValueError(f"{what}: the entry {entry(i, a)} is stored more than once: "
                         "call pattern.sum_duplicates() first")
    raise ValueError(f"{what}: the colouring does not allow direct recovery: {kind} {a} and {b} both have "
                     f"colour {int(colours[a])} and both have an entry in {line} {i}, so the entries "
                     f"{entry(i, a)} and {entry(i, b)} are summed together")


def hessian_recovery(pattern, colours) -> np.ndarray:
    """Where each stored entry of a symmetric Hessian is read in the compressed product ``B``.

    ``pattern`` is the full symmetric n x n pattern (both triangles; the
    diagonal where it may be nonzero), ``colours`` a colouring of its
    vertices (:func:`star_colouring`). ``B`` has shape ``(c, n)`` and
    ``B[k, i]`` is the sum of ``H[i, j]`` over the ``j`` of colour ``k``
    (``(H @ S).T``: one Hessian-vector product per colour). The result
    ``gather`` (int64, one per stored entry, in CSR storage order) gives
    ``H.data == B.ravel()[gather]``: the entry ``(i, j)`` is read at
    ``B[colours[j], i]`` when ``j`` is the only column of its colour in row
    ``i``, else at ``B[colours[i], j]`` by symmetry. ValueError naming an
    entry that neither reads alone (the colouring is not a star colouring
    there), or if the pattern is not square and symmetric.

    >>> import numpy as np, scipy.sparse as sp
    >>> H = sp.csr_array([[4.0, 1.0, 2.0], [1.0, 5.0, 0.0], [2.0, 0.0, 6.0]])
    >>> colours = star_colouring(H)
    >>> colours.tolist()
    [0, 1, 1]
    >>> B = (H @ np.eye(2)[colours]).T
    >>> B.ravel()[hessian_recovery(H, colours)].tolist()
    [4.0, 1.0, 2.0, 1.0, 5.0, 2.0, 6.0]
    """
    what = "hessian_recovery"
    pattern, _, n = _csr(pattern, what, square=True, convert=False)
    colours, c = _colours(colours, n, what, "vertex")
    ptr, ind, perm = _canonical(pattern, n, n, what, duplicates_ok=False)
    mirror = _symmetric_mirror(ptr, ind, n, what)
    alone = _kernels().alone_in_row(ptr, ind, colours, max(c, 1))
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    bad = ~alone
    bad &= ~alone[mirror]
    if bad.any():
        p = int(np.argmax(bad))
        i, j = int(rows[p]), int(ind[p])
        ci, cj = int(colours[i]), int(colours[j])
        if i == j:
            why = f"vertex {i} has a neighbour of its own colour {ci}"
        elif ci == cj:
            why = f"{i} and {j} are adjacent and both have colour {ci}"
        else:
            why = (f"row {i} has another column of colour {cj} and row {j} another column of colour {ci} "
                   "(a path on four vertices with two colours: not a star colouring)")
        raise ValueError(f"{what}: the entry ({i}, {j}) cannot be recovered directly: {why}")
    # read (i, j) at B[colours[j], i] where j is alone in row i, else (j, i) at B[colours[i], j]
    gather = np.where(alone, colours[ind] * n + rows, colours[rows] * n + ind)
    if perm is not None:
        gather[perm] = gather.copy()
    return _sealed(gather)
