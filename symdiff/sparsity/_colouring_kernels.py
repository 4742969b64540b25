"""The loops of :mod:`symdiff.sparsity.colouring`, compiled by Numba.

Imported only by ``colouring._kernels()`` (``import symdiff`` stays free of
Numba), after it has told Numba where to keep their cache. Every array is
int64 (the caller converts), so each kernel compiles once, for one signature;
what SciPy or vectorised NumPy does as fast (transposes, the gather) is left
to them, as every kernel costs about half a second to compile.
A pattern is given as CSR ``(ptr, ind)``: the entries of row ``i`` are
``ind[ptr[i]:ptr[i + 1]]``. Stamps (``forbidden[c] == v``) replace clearing
an array per vertex, so a vertex costs what its neighbourhood costs.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_jit = nb.njit(cache=True, nogil=True)


@_jit
def _filled(n, value):
    # np.empty and a loop: np.full and np.zeros cost more to compile than the kernels' own loops
    a = np.empty(n, np.int64)
    for i in range(n):
        a[i] = value
    return a


@_jit
def distance2_colouring(ptr, ind, tptr, tind, order, symmetric):
    """Greedy colouring of the columns in ``order``: two columns sharing a row differ.

    The column intersection graph is never formed (it can hold far more edges
    than the pattern has entries): a column's neighbours are found through its
    rows. A row of length L visited once per column costs L**2 in all, so a
    long row (a dense constraint, a shared parameter) keeps the set of colours
    used in it as a bitset and is read 64 colours at a time; the forbidden
    colours of a column are a bitset too, as wide as the colours used so far.
    Rows are long when longer than ``max(64, n // 64)``, so their bitsets take
    at most about one word per entry. With ``symmetric`` the rows are vertices
    too, so a vertex also differs from its neighbours whether the diagonal is
    stored or not (a distance-2 colouring of the adjacency graph).
    """
    nrows = ptr.shape[0] - 1
    ncols = tptr.shape[0] - 1
    colour = _filled(ncols, -1)
    width = ncols // 64 + 1                    # words of a bitset of all possible colours
    long_row = max(64, ncols // 64)
    slot = _filled(nrows, -1)
    nlong = 0
    for i in range(nrows):
        if ptr[i + 1] - ptr[i] > long_row:
            slot[i] = nlong
            nlong += 1
    used = _filled(nlong * width, 0)           # per long row: the colours of its coloured columns
    forbidden = _filled(width, 0)
    ncolours = 0
    for v in order:
        words = ncolours // 64 + 1             # the new colour is at most ncolours
        for k in range(words):
            forbidden[k] = 0
        for a in range(tptr[v], tptr[v + 1]):
            i = tind[a]
            if symmetric and colour[i] >= 0:
                forbidden[colour[i] >> 6] |= 1 << (colour[i] & 63)
            r = slot[i]
            if r >= 0:
                for k in range(words):
                    forbidden[k] |= used[r * width + k]
            else:
                for b in range(ptr[i], ptr[i + 1]):
                    c = colour[ind[b]]
                    if c >= 0:
                        forbidden[c >> 6] |= 1 << (c & 63)
        k = 0
        while forbidden[k] == -1:
            k += 1
        c = 0
        while (forbidden[k] >> c) & 1:
            c += 1
        c += 64 * k
        colour[v] = c
        ncolours = max(ncolours, c + 1)
        for a in range(tptr[v], tptr[v + 1]):
            r = slot[tind[a]]
            if r >= 0:
                used[r * width + (c >> 6)] |= 1 << (c & 63)
    return colour


@_jit
def star_colouring(ptr, ind, mirror, order):
    """Greedy star colouring of a symmetric pattern (diagonal ignored) in ``order``.

    Gebremedhin, Tarafdar, Manne & Pothen (2007), Algorithm 4.1: the edges
    already coloured form two-coloured stars, each with its hub (-1 while the
    star is a single edge and either end could be the hub). A vertex ``v``
    may not take

    * the colour of a neighbour (a proper colouring);
    * any colour next to ``w`` or ``q`` when two neighbours ``w``, ``q`` share
      a colour (``v`` would be the hub of their star, and a neighbour ``x`` of
      ``w`` with ``v``'s colour would make ``x w v q`` two-coloured);
    * the colour of the hub ``x`` of a star that a neighbour ``w`` is a leaf
      of (``v w x y`` for another leaf ``y``).

    Keeping the stars makes the test for the third case one lookup instead of
    a walk over the neighbours of ``x``. The walks over the neighbours of each
    coloured neighbour ``w`` cost the sum of the squared degrees when every
    vertex is coloured after its neighbours: the caller colours vertices of
    high degree last, so that they are seldom walked.
    """
    n = ptr.shape[0] - 1
    nnz = ptr[n]
    colour = _filled(n, -1)
    forbidden = _filled(n + 1, -1)
    treated = _filled(n, -1)
    # per colour k: the first neighbour of the current vertex coloured k, and the position of that edge
    first_v = _filled(n + 1, -1)
    first_w = _filled(n + 1, 0)
    first_pos = _filled(n + 1, 0)
    star = _filled(nnz, -1)   # star of the edge stored at each position (both positions of an edge)
    hub = np.empty(nnz + 1, np.int64)
    nstars = 0
    for v in order:
        for a in range(ptr[v], ptr[v + 1]):
            w = ind[a]
            if w == v:
                continue
            cw = colour[w]
            if cw < 0:
                continue
            forbidden[cw] = v
            if first_v[cw] == v:
                q = first_w[cw]
                if treated[q] != v:
                    for b in range(ptr[q], ptr[q + 1]):
                        cx = colour[ind[b]]
                        if cx >= 0:
                            forbidden[cx] = v
                    treated[q] = v
                if treated[w] != v:
                    for b in range(ptr[w], ptr[w + 1]):
                        cx = colour[ind[b]]
                        if cx >= 0:
                            forbidden[cx] = v
                    treated[w] = v
            else:
                first_v[cw] = v
                first_w[cw] = w
                first_pos[cw] = a
                for b in range(ptr[w], ptr[w + 1]):
                    x = ind[b]
                    if x == v or x == w:
                        continue
                    cx = colour[x]
                    if cx >= 0 and hub[star[b]] == x:
                        forbidden[cx] = v
        c = 0
        while forbidden[c] == v:
            c += 1
        colour[v] = c
        # the new edges join stars
        for a in range(ptr[v], ptr[v + 1]):
            w = ind[a]
            if w == v:
                continue
            cw = colour[w]
            if cw < 0:
                continue
            s = -1
            for b in range(ptr[w], ptr[w + 1]):
                x = ind[b]
                if x != v and x != w and colour[x] == c:
                    s = star[b]          # v and x are leaves of w
                    hub[s] = w
                    break
            if s < 0:
                if first_w[cw] != w:
                    s = star[first_pos[cw]]   # w and an earlier neighbour of v share a colour: v is the hub
                    hub[s] = v
                else:
                    s = nstars
                    hub[s] = -1
                    nstars += 1
            star[a] = s
            star[mirror[a]] = s
    return colour


@_jit
def smallest_last_order(ptr, ind):
    """Smallest-last (degeneracy) order: repeatedly remove a vertex of least remaining degree; colour in reverse.

    Buckets of vertices by remaining degree (doubly linked lists) make it
    linear in the size of the pattern.
    """
    n = ptr.shape[0] - 1
    deg = _filled(n, 0)
    for v in range(n):
        for a in range(ptr[v], ptr[v + 1]):
            if ind[a] != v:
                deg[v] += 1
    maxdeg = 0
    for v in range(n):
        maxdeg = max(maxdeg, deg[v])
    head = _filled(maxdeg + 1, -1)
    nxt = _filled(n, -1)
    prv = _filled(n, -1)
    for v in range(n - 1, -1, -1):
        d = deg[v]
        nxt[v] = head[d]
        if head[d] >= 0:
            prv[head[d]] = v
        head[d] = v
    removed = np.empty(n, np.bool_)
    for v in range(n):
        removed[v] = False
    order = np.empty(n, np.int64)
    low = 0
    for k in range(n - 1, -1, -1):
        while head[low] < 0:
            low += 1
        v = head[low]
        head[low] = nxt[v]
        if nxt[v] >= 0:
            prv[nxt[v]] = -1
        removed[v] = True
        order[k] = v
        for a in range(ptr[v], ptr[v + 1]):
            w = ind[a]
            if removed[w]:
                continue
            d = deg[w]
            # unlink w from bucket d, push it on bucket d - 1
            if prv[w] >= 0:
                nxt[prv[w]] = nxt[w]
            else:
                head[d] = nxt[w]
            if nxt[w] >= 0:
                prv[nxt[w]] = prv[w]
            d -= 1
            deg[w] = d
            prv[w] = -1
            nxt[w] = head[d]
            if head[d] >= 0:
                prv[head[d]] = w
            head[d] = w
        low = max(low - 1, 0)
    return order


@_jit
def alone_in_row(ptr, ind, colours, ncolours):
    """For each entry ``(i, j)``: is ``j`` the only column of its colour in row ``i``?

    Counting per row with stamps (no clearing) makes it linear; the rest of
    recovery is vectorised NumPy.
    """
    nrows = ptr.shape[0] - 1
    alone = np.empty(ptr[nrows], np.bool_)
    stamp = _filled(ncolours, -1)
    count = _filled(ncolours, 0)
    for i in range(nrows):
        for p in range(ptr[i], ptr[i + 1]):
            k = colours[ind[p]]
            if stamp[k] != i:
                stamp[k] = i
                count[k] = 0
            count[k] += 1
        for p in range(ptr[i], ptr[i + 1]):
            alone[p] = count[colours[ind[p]]] == 1
    return alone
