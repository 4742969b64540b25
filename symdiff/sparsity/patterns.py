"""0/1 patterns as CSR arrays, and the maps that carry them through an operation.

A node's *pattern* is a ``(node.size, n)`` CSR array: row ``o`` holds the
variables element ``o`` of the node may depend on. An operation moves patterns
with a *map* from its output elements to one input's elements, either

- an ``int64`` array ``idx`` of length ``out.size`` (``-1``: no element), when
  each output element reads at most one input element (elementwise ops with
  broadcasting, reshapes, slices, gathers), applied by selecting rows, or
- a CSR array ``(out.size, in.size)``, for anything else (sums, contractions).

Entries are stored as ``True``: SciPy adds and multiplies boolean sparse
arrays with ``or`` and ``and``, so products and sums stay 0/1 (a count of
paths could never wrap around to zero) at one byte an entry.

>>> import numpy as np
>>> S = identity(3)
>>> select_rows(S, np.array([2, -1, 0])).toarray().astype(int)
array([[0, 0, 1],
       [0, 0, 0],
       [1, 0, 0]])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def identity(n: int) -> sp.csr_array:
    """The pattern of ``n`` variables with respect to themselves."""
    return sp.csr_array((np.ones(n, dtype=bool), np.arange(n, dtype=np.int64), np.arange(n + 1, dtype=np.int64)),
                        shape=(n, n))


def empty(rows: int, n: int) -> sp.csr_array:
    return sp.csr_array((rows, n), dtype=bool)


def binary(a) -> sp.csr_array:
    """``a`` as a canonical CSR array whose stored entries are all one."""
    a = sp.csr_array(a, dtype=bool)
    a.sum_duplicates()
    a.eliminate_zeros()
    return a


def from_pairs(rows: np.ndarray, cols: np.ndarray, shape) -> sp.csr_array:
    """The 0/1 matrix with ones at ``(rows[t], cols[t])`` (repeats merge)."""
    return binary(sp.coo_array((np.ones(len(rows), dtype=bool), (rows, cols)), shape=shape))


def select_rows(S: sp.csr_array, idx: np.ndarray) -> sp.csr_array:
    """Row ``o`` of the result is row ``idx[o]`` of ``S`` (empty where ``idx[o] < 0``); no Python loop."""
    idx = np.asarray(idx, dtype=np.int64)
    valid = idx >= 0
    safe = np.where(valid, idx, 0)
    starts = S.indptr[:-1][safe]
    lengths = np.where(valid, S.indptr[1:][safe] - starts, 0)
    indptr = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    total = int(indptr[-1])
    # position t of the result copies position starts[o] + (t - indptr[o]) of S
    src = np.arange(total, dtype=np.int64) + np.repeat(starts - indptr[:-1], lengths)
    return sp.csr_array((np.ones(total, dtype=bool), S.indices[src], indptr),
                        shape=(len(idx), S.shape[1]))


def apply_map(m, S: sp.csr_array) -> sp.csr_array:
    """The pattern an operation's output gets from one input's pattern ``S`` through the map ``m``."""
    if isinstance(m, np.ndarray):
        return select_rows(S, m)
    return binary(m @ S)


def pull_back(m, live: np.ndarray, in_size: int) -> np.ndarray:
    """Which input elements a set of output elements (``live``, bool) reads through the map ``m``."""
    if isinstance(m, np.ndarray):
        out = np.zeros(in_size, dtype=bool)
        hit = m[live]
        out[hit[hit >= 0]] = True
        return out
    return (m.T @ live.astype(np.float64)) > 0


def union(parts, rows: int, n: int) -> sp.csr_array:
    """The entrywise OR of patterns of one shape."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return empty(rows, n)
    if len(parts) == 1:
        return parts[0]
    return binary(sum(parts[1:], parts[0]))


def map_as_matrix(m, in_size: int) -> sp.csr_array:
    """A map as a CSR array ``(out.size, in.size)``."""
    if not isinstance(m, np.ndarray):
        return m
    keep = m >= 0
    return from_pairs(np.flatnonzero(keep), m[keep], (len(m), in_size))
