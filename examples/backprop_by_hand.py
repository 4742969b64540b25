"""Backpropagation, node by node: the classic lecture examples with every forward value and adjoint.

For each example we name the intermediate nodes exactly as a hand derivation
on the blackboard would, then ask symdiff for two things in one compiled
function: the forward value of every node, and its adjoint df/d(node)
(``sd.grad`` accepts any node of the graph, not only inputs). The tables can
be checked line by line against a derivation on paper, and each example ends
by comparing with the closed-form answer.

Run:  python examples/backprop_by_hand.py
"""

import numpy as np

import symdiff as sd


def backprop_table(title, f, named, inputs, values):
    """Print the forward value and the adjoint df/dnode of every (label, node) in ``named``."""
    nodes = [n for _, n in named]
    adjoints = sd.grad(f, nodes)  # one reverse pass gives all of them
    fn = sd.function(inputs, nodes + adjoints)
    out = fn(*values)
    fwd, adj = out[: len(nodes)], out[len(nodes):]
    print(f"\n== {title}")
    print(f"   {'node':<24} {'forward value':>30}   {'adjoint df/dnode':>32}")
    for (label, _), v, a in zip(named, fwd, adj):
        print(f"   {label:<24} {_fmt(v):>30}   {_fmt(a):>32}")
    return dict(zip([lab for lab, _ in named], zip(fwd, adj)))


def _fmt(v):
    v = np.asarray(v)
    if v.ndim == 0:
        return f"{float(v):.6g}"
    return np.array2string(np.round(v, 4), separator=", ").replace("\n", "")


def check(label, got, want):
    ok = np.allclose(got, want, rtol=1e-10, atol=1e-12)
    print(f"   {'ok ' if ok else 'MISMATCH'} {label}: {_fmt(got)} (by hand: {_fmt(want)})")
    assert ok, label
    return ok


# -- 1. f(x, y, z) = (x + y) z at (-2, 5, -4) ------------------------------------------------
x, y, z = sd.scalar("x"), sd.scalar("y"), sd.scalar("z")
q = x + y
f = q * z
t = backprop_table("f(x, y, z) = (x + y) z  at x = -2, y = 5, z = -4", f,
                   [("x", x), ("y", y), ("z", z), ("q = x + y", q), ("f = q z", f)],
                   [x, y, z], [-2.0, 5.0, -4.0])
# by hand: df/dq = z, df/dz = q, df/dx = df/dy = df/dq * 1
check("df/dx = z", t["x"][1], -4.0)
check("df/dy = z", t["y"][1], -4.0)
check("df/dz = x + y", t["z"][1], 3.0)


# -- 2. the sigmoid neuron, gate by gate ----------------------------------------------------------
w0, w1, w2 = sd.scalar("w0"), sd.scalar("w1"), sd.scalar("w2")
x0, x1 = sd.scalar("x0"), sd.scalar("x1")
a = w0 * x0
b = w1 * x1
s = a + b
dot = s + w2
neg = dot * -1.0
e = sd.exp(neg)
den = e + 1.0
out = 1.0 / den
t = backprop_table(
    "sigmoid neuron 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))  at w = (2, -3, -3), x = (-1, -2)", out,
    [("w0", w0), ("w1", w1), ("w2", w2), ("x0", x0), ("x1", x1),
     ("w0 x0", a), ("w1 x1", b), ("w0 x0 + w1 x1", s), ("dot = ... + w2", dot),
     ("-dot", neg), ("exp(-dot)", e), ("1 + exp(-dot)", den), ("f = 1 / (...)", out)],
    [w0, w1, w2, x0, x1], [2.0, -3.0, -3.0, -1.0, -2.0])
sig = 1.0 / (1.0 + np.exp(-1.0))  # dot = 2*(-1) + (-3)*(-2) - 3 = 1
ddot = (1.0 - sig) * sig            # the sigmoid's local gradient, the lecture's shortcut
check("df/ddot = (1 - f) f", t["dot = ... + w2"][1], ddot)
check("df/dw = (x0, x1, 1) df/ddot", [t["w0"][1], t["w1"][1], t["w2"][1]], [-1.0 * ddot, -2.0 * ddot, ddot])
check("df/dx = (w0, w1) df/ddot", [t["x0"][1], t["x1"][1]], [2.0 * ddot, -3.0 * ddot])
# the same neuron written with sd.sigmoid (one node) gives the same gradient
w, xv = sd.vector("w", 3), sd.vector("xv", 2)
neuron = sd.sigmoid(w[0] * xv[0] + w[1] * xv[1] + w[2])
dw = sd.function([w, xv], sd.grad(neuron, w))(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
check("with sd.sigmoid, dw", dw, [-1.0 * ddot, -2.0 * ddot, ddot])


# -- 3. f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2), staged as in the lecture notes --------
x, y = sd.scalar("x"), sd.scalar("y")
sigy = sd.sigmoid(y)
num = x + sigy
sigx = sd.sigmoid(x)
xpy = x + y
xpysqr = xpy ** 2
den = sigx + xpysqr
invden = 1.0 / den
f = num * invden
t = backprop_table(
    "f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2)  at x = 3, y = -4", f,
    [("x", x), ("y", y), ("sigy = sigmoid(y)", sigy), ("num = x + sigy", num),
     ("sigx = sigmoid(x)", sigx), ("xpy = x + y", xpy), ("xpysqr = xpy^2", xpysqr),
     ("den = sigx + xpysqr", den), ("invden = 1 / den", invden), ("f = num invden", f)],
    [x, y], [3.0, -4.0])
# the backward pass of the lecture notes, line by line
X, Y = 3.0, -4.0
sy, sx = 1 / (1 + np.exp(-Y)), 1 / (1 + np.exp(-X))
num_v, den_v = X + sy, sx + (X + Y) ** 2
dnum, dinvden = 1 / den_v, num_v
dden = (-1.0 / den_v ** 2) * dinvden
dsigx, dxpysqr = dden, dden
dxpy = 2 * (X + Y) * dxpysqr
dx = dxpy + (1 - sx) * sx * dsigx + dnum
dy = dxpy + (1 - sy) * sy * dnum
check("df/dden", t["den = sigx + xpysqr"][1], dden)
check("df/dxpy", t["xpy = x + y"][1], dxpy)
check("df/dx", t["x"][1], dx)
check("df/dy", t["y"][1], dy)


# -- 4. f = ||W x||^2 -------------------------------------------------------------------------------
W = sd.matrix("W", (2, 2))
xv = sd.vector("x", 2)
qv = W @ xv
f = sd.sum(qv ** 2)
Wv, xval = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
t = backprop_table("f = ||W x||^2  at W = [[0.1, 0.5], [-0.3, 0.8]], x = (0.2, 0.4)", f,
                   [("W", W), ("x", xv), ("q = W x", qv), ("f = sum(q^2)", f)],
                   [W, xv], [Wv, xval])
qval = Wv @ xval
check("df/dq = 2 q", t["q = W x"][1], 2 * qval)
check("df/dW = 2 q x^T", t["W"][1], 2 * np.outer(qval, xval))
check("df/dx = 2 W^T q", t["x"][1], 2 * Wv.T @ qval)

print("\nall adjoints match the hand derivations")
