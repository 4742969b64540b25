"""Train a small recurrent network by gradient descent: backpropagation through time as a reverse loop.

An Elman network reads a noisy sine wave one value at a time and predicts
the next value. The recurrence is one ``sd.scan``; ``sd.grad`` of the
sequence loss with respect to the weights is a loop running backwards over
the stored hidden states (backpropagation through time), compiled with the
forward loop into native code. The sequence length is a symbolic size: the
same compiled function trains on sequences of any length.
"""

import time

import numpy as np

import symdiff as sd

H = 8
W_h, w_x, b, w_out = sd.matrix("W_h", (H, H)), sd.vector("w_x", H), sd.vector("b", H), sd.vector("w_out", H)
params = [W_h, w_x, b, w_out]
inputs, targets = sd.vector("inputs", "T"), sd.vector("targets", "T")


def cell(h, xt):
    h_next = sd.tanh(W_h @ h + w_x * xt + b)
    return h_next, sd.sum(w_out * h_next)   # carry the hidden state, output a prediction


_, predictions = sd.scan(cell, sd.zeros(H), inputs)
loss = sd.mean((predictions - targets) ** 2)
t0 = time.perf_counter()
train_step = sd.function([*params, inputs, targets], [loss, *sd.grad(loss, params)], wait=True)
print(f"compiled the loss and its gradient through the recurrence in {time.perf_counter() - t0:.1f} s")

rng = np.random.default_rng(1)
values = [0.3 * rng.standard_normal((H, H)), rng.standard_normal(H), np.zeros(H), 0.1 * rng.standard_normal(H)]


def batch(length=60):
    phase = rng.uniform(0, 2 * np.pi)
    wave = np.sin(phase + 0.3 * np.arange(length + 1)) + 0.05 * rng.standard_normal(length + 1)
    return wave[:-1], wave[1:]


held_out = batch(200)   # a longer sequence than the training ones: same compiled function
first = float(train_step(*values, *held_out)[0])
velocity = [np.zeros_like(v) for v in values]
t0 = time.perf_counter()
for _ in range(400):
    _, *grads = train_step(*values, *batch())
    for k in range(len(values)):   # gradient descent with momentum
        velocity[k] = 0.9 * velocity[k] - 0.05 * grads[k]
        values[k] = values[k] + velocity[k]
last = float(train_step(*values, *held_out)[0])
print(f"400 training steps in {time.perf_counter() - t0:.2f} s; held-out loss {first:.4f} -> {last:.4f}")
assert last < first / 10, (first, last)
print("the recurrent network learned to predict the sequence")
