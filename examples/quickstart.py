"""symdiff in two minutes: build graphs, evaluate them, differentiate them, compile them.

Run:  python examples/quickstart.py
"""

import numpy as np

import symdiff as sd

# 1. f(x, y, z) = (x + y) * z, the first example of every backprop lecture.
x, y, z = sd.scalar("x"), sd.scalar("y"), sd.scalar("z")
f = (x + y) * z
df = sd.grad(f, [x, y, z])  # derivative nodes, added to the same graph
fn = sd.function([x, y, z], [f, *df])
value, dx, dy, dz = fn(-2.0, 5.0, -4.0)
print("f(x, y, z) = (x + y) * z at (-2, 5, -4)")
print(f"  f = {float(value):g}")
print(f"  df/dx = {float(dx):g}, df/dy = {float(dy):g}, df/dz = {float(dz):g}")

# 2. The sigmoid neuron: sigma(w0*x0 + w1*x1 + w2).
w = sd.vector("w", 3)
xs = sd.vector("xs", 2)
neuron = sd.sigmoid(w[0] * xs[0] + w[1] * xs[1] + w[2])
grads = sd.grad(neuron, [w, xs])
neuron_fn = sd.function([w, xs], [neuron, *grads])
out, dw, dxs = neuron_fn(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
print("\nsigmoid neuron with w = (2, -3, -3), x = (-1, -2)")
print(f"  output = {float(out):.4f}")
print(f"  dw = {np.round(dw, 4)}")
print(f"  dx = {np.round(dxs, 4)}")

# 3. A Hessian: Rosenbrock in n dimensions, n symbolic (one compile, any n).
v = sd.vector("v", "n")
rosen = sd.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)
hess = sd.hessian(rosen, v)
rosen_fn = sd.function([v], [rosen, sd.grad(rosen, v), hess])
val, g, H = rosen_fn(np.array([1.2, 1.0, 0.8]))
print("\nRosenbrock at (1.2, 1.0, 0.8)")
print(f"  value = {float(val):.4f}")
print(f"  gradient = {np.round(g, 4)}")
print("  Hessian =")
for row in np.round(H, 4):
    print("   ", row)
print(f"\nthe Hessian graph has {sd.count_nodes(hess)} operation nodes, whatever n is")
