"""check_grad: symdiff's gradient against central finite differences."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..graph import Node
from .derived import grad


def check_grad(cost: Node, wrt, values: Mapping[Node, object], eps: float = 1e-6, rtol: float = 1e-4) -> None:
    """Compare ``sd.grad(cost, wrt)`` with central differences at ``values``.

    Each entry must satisfy ``|analytic - numeric| <= rtol * max(1, |numeric|)``.
    On failure raises ``AssertionError`` naming the worst entry.

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> sd.check_grad(sd.sum(sd.sin(x) * x), x, {x: [0.1, 0.2, 0.3]})
    """
    from ..backends.function import function

    many = isinstance(wrt, (list, tuple))
    ws = list(wrt) if many else [wrt]
    for w in ws:
        if not w.op.is_input:
            raise TypeError(f"check_grad perturbs inputs; {w!r} is not an input symbol")
        if w not in values:
            raise ValueError(f"check_grad: no value given for {w.name!r}")
    symbols = list(values.keys())
    base = {s: np.array(values[s], dtype=s.dtype) for s in symbols}
    f = function(symbols, cost, backend="numpy")
    g = function(symbols, grad(cost, ws), backend="numpy")
    analytic = g(*[base[s] for s in symbols])
    worst = (-1.0, None)
    for w, a in zip(ws, analytic):
        x0 = base[w]
        for idx in np.ndindex(*x0.shape):
            args_p = dict(base)
            args_m = dict(base)
            xp, xm = x0.copy(), x0.copy()
            xp[idx] += eps
            xm[idx] -= eps
            args_p[w], args_m[w] = xp, xm
            num = (float(f(*[args_p[s] for s in symbols])) - float(f(*[args_m[s] for s in symbols]))) / (2 * eps)
            err = abs(float(a[idx]) - num) / max(1.0, abs(num))
            if err > worst[0]:
                worst = (err, (w.name, idx, float(a[idx]), num))
    if worst[0] > rtol:
        name, idx, a, n = worst[1]
        raise AssertionError(
            f"check_grad: gradient mismatch for {name!r} at index {idx}: "
            f"symdiff gives {a!r}, finite differences {n!r} (relative error {worst[0]:.3g} > rtol {rtol})"
        )
