"""Training a two-layer neural network with SGD: softmax cross-entropy, L2 regularisation.

The classic three-arm spiral: 2-d points in 3 classes that no linear model can
separate. The network is ``softmax(W2 relu(W1 x + b1) + b2)``; the loss is the
mean cross-entropy (via ``sd.log_softmax``, stable for any logits) plus an L2
penalty on the weights. One compiled function returns the loss and the
gradients of all four parameters; plain mini-batch SGD does the rest.

The batch size is a symbolic dimension "b", so the same compiled function
serves the mini-batches and the full data set.

Run:  python examples/mlp_training.py     (writes mlp_loss.png if matplotlib is installed)
"""

import os
import tempfile
import time

import numpy as np

import symdiff as sd

K, D, H = 3, 2, 64          # classes, input dimension, hidden units
reg = 1e-3                  # L2 strength
lr, epochs, batch = 0.5, 600, 64  # the step size halves every 150 epochs

# -- the network ------------------------------------------------------------------------------
X = sd.matrix("X", ("b", D))
Y = sd.matrix("Y", ("b", K))  # one-hot labels
W1, b1 = sd.matrix("W1", (D, H)), sd.vector("b1", H)
W2, b2 = sd.matrix("W2", (H, K)), sd.vector("b2", K)
params = [W1, b1, W2, b2]

hidden = sd.relu(X @ W1 + b1)
logits = hidden @ W2 + b2
data_loss = -sd.mean(sd.sum(Y * sd.log_softmax(logits, axis=1), axis=1))
loss = data_loss + 0.5 * reg * (sd.sum(W1 ** 2) + sd.sum(W2 ** 2))
grads = sd.grad(loss, params)

t0 = time.perf_counter()
step_fn = sd.function([X, Y, *params], [loss, *grads])
predict = sd.function([X, W1, b1, W2, b2], sd.softmax(logits, axis=1))
print(f"compiled in {time.perf_counter() - t0:.2f} s; the loss-and-gradients graph has "
      f"{sd.count_nodes([loss, *grads])} operation nodes")

# -- data: three interleaved spirals -------------------------------------------------------------
rng = np.random.default_rng(0)
per_class = 300
Xs, labels = [], []
for k in range(K):
    r = np.linspace(0.0, 1.0, per_class)
    theta = np.linspace(k * 4.0, (k + 1) * 4.0, per_class) + rng.normal(scale=0.2, size=per_class)
    Xs.append(np.c_[r * np.sin(theta), r * np.cos(theta)])
    labels.append(np.full(per_class, k))
Xd, labels = np.vstack(Xs), np.concatenate(labels)
Yd = np.eye(K)[labels]
n = len(Xd)

# gradients checked once against central differences on a few samples
W1_0 = rng.normal(scale=np.sqrt(2.0 / D), size=(D, H))
b1_0 = np.zeros(H)
W2_0 = rng.normal(scale=np.sqrt(2.0 / H), size=(H, K))
b2_0 = np.zeros(K)
sd.check_grad(loss, [W2, b2], {X: Xd[::90], Y: Yd[::90], W1: W1_0, b1: b1_0 + 0.01, W2: W2_0, b2: b2_0})
print("gradients match finite differences")

# -- SGD -------------------------------------------------------------------------------------------
theta = [W1_0, b1_0, W2_0, b2_0]
history = []
t0 = time.perf_counter()
for epoch in range(epochs + 1):
    if epoch % 50 == 0:
        full_loss = float(step_fn(Xd, Yd, *theta)[0])
        acc = np.mean(predict(Xd, *theta).argmax(axis=1) == labels)
        history.append((epoch, full_loss))
        print(f"epoch {epoch:4d}   loss {full_loss:.4f}   accuracy {acc:.3f}")
    if epoch == epochs:
        break
    if epoch and epoch % 150 == 0:
        lr *= 0.5
    order = rng.permutation(n)
    for start in range(0, n, batch):
        idx = order[start:start + batch]
        _, *g = step_fn(Xd[idx], Yd[idx], *theta)
        theta = [p - lr * gp for p, gp in zip(theta, g)]
train_time = time.perf_counter() - t0
steps = epochs * -(-n // batch)
print(f"{steps} SGD steps in {train_time:.2f} s ({train_time / steps * 1e6:.0f} us per step)")
print(f"final training accuracy {acc:.3f}")
assert acc > 0.9, "the network should separate the spirals"

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib is not installed: no plot)")
else:
    out_dir = os.environ.get("SYMDIFF_EXAMPLES_OUT", tempfile.gettempdir())
    path = os.path.join(out_dir, "mlp_loss.png")
    ep, ls = zip(*history)
    plt.figure(figsize=(5, 3.5))
    plt.semilogy(ep, ls, marker="o")
    plt.xlabel("epoch")
    plt.ylabel("training loss")
    plt.title("two-layer MLP on three spirals")
    plt.tight_layout()
    plt.savefig(path, dpi=100)
    print(f"loss curve written to {path}")
