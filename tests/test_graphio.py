"""Graphs and compiled functions that travel: the flat graph format, pickling, keyword calls."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import symdiff as sd
from symdiff.traversal import all_nodes
from tests.registry_graphs import every_op_graph

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_operation_round_trips_through_a_file_to_the_same_nodes(tmp_path):
    outs = every_op_graph()   # every table row, its gradients, loops and their bodies included
    path = tmp_path / "g.json"
    sd.save(outs, path)
    back = sd.load(path)
    assert isinstance(back, list) and all(a is b for a, b in zip(back, outs))
    assert {n.op.name for n in all_nodes(outs)} == set(sd.graph.OPS)


def test_pickling_nodes_of_any_depth_and_loops():
    x = sd.vector("x", "n")
    y = x
    for _ in range(5000):
        y = sd.sin(y) * 0.5 + x
    assert pickle.loads(pickle.dumps(y)) is y
    c, ys = sd.scan(lambda c, v: (c * v + sd.exp(sd.sum(x)), c), 1.0, x)
    g = sd.hessian(c + sd.sum(ys), x)
    assert pickle.loads(pickle.dumps([g, c])) == [g, c]


def test_a_graph_loaded_in_another_process_computes_the_same_and_keeps_its_own_symbols(tmp_path):
    x = sd.vector("x", 3)
    f = sd.sum(sd.scan(lambda c, v: (sd.sin(c) + v, c * v), 0.5, x)[1])
    g = sd.grad(f, x)
    sd.save((x, f, g), tmp_path / "g.json")
    script = f"""
import numpy as np, symdiff as sd
local = sd.vector("x", 3)                  # a symbol of the same name made here first
x, f, g = sd.load({str(tmp_path / 'g.json')!r})
assert x is not local and x.name == "x"
vals = sd.function([x], [f, g], backend="numpy")(np.array([0.1, 0.2, 0.3]))
np.save({str(tmp_path / 'out.npy')!r}, np.concatenate([np.ravel(v) for v in vals]))
"""
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO))
    want = sd.function([x], [f, g], backend="numpy")(np.array([0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.concatenate([np.ravel(v) for v in want]))


@pytest.mark.parametrize("edit, message", [
    (lambda r: r.update(version=99), "newer than this symdiff reads"),
    (lambda r: r.update(format="other"), "not a symdiff graph"),
    (lambda r: r["graph"]["nodes"][1].__setitem__(0, "os.system"), "unknown operation 'os.system'"),
    (lambda r: r["graph"]["nodes"][1].__setitem__(1, [7]), "reads a node that is not before it"),
    (lambda r: r["graph"]["nodes"][0][2].__setitem__("shape", {"pickle": "x"}), "unknown parameter tag"),
    (lambda r: r["graph"]["nodes"][0][2].pop("serial"), "damaged graph"),
])
def test_damaged_newer_or_tampered_files_raise_a_clear_error(tmp_path, edit, message):
    x = sd.vector("x", 3)
    sd.save(sd.exp(x), tmp_path / "g.json")
    record = json.loads((tmp_path / "g.json").read_text())
    edit(record)
    (tmp_path / "bad.json").write_text(json.dumps(record))
    with pytest.raises(sd.GraphFormatError, match=message):
        sd.load(tmp_path / "bad.json")
    (tmp_path / "cut.json").write_text((tmp_path / "g.json").read_text()[:40])
    with pytest.raises(sd.GraphFormatError, match="truncated"):
        sd.load(tmp_path / "cut.json")


def test_keyword_calls():
    x, W = sd.vector("x", "n"), sd.matrix("W", ("m", "n"))
    fn = sd.function([x, W], sd.sum(W @ x), backend="numpy")
    xv, Wv = np.ones(3), np.arange(6.0).reshape(2, 3)
    assert fn(W=Wv, x=xv) == fn(xv, Wv) == fn(xv, W=Wv) == 15.0
    with pytest.raises(TypeError, match="missing the input"):
        fn(x=xv)
    with pytest.raises(TypeError, match="no input named 'z'"):
        fn(x=xv, W=Wv, z=1)
    with pytest.raises(TypeError, match="two values for input 'x'"):
        fn(xv, x=xv, W=Wv)
    assert fn(W=Wv, x=xv) == 15.0   # still usable


def _call_unpickled(blob):
    fn = pickle.loads(blob)
    fn.wait()
    return fn.tier, [np.asarray(v).tolist() for v in fn(x=np.array([0.5, -1.0]))]


@pytest.mark.usefixtures("isolated_cache_dir")
def test_compiled_functions_pickle_and_run_in_other_processes(backend):
    x = sd.vector("x", "n")
    f = sd.sum(sd.exp(x) * x)
    fn = sd.function([x], [f, sd.grad(f, x)], backend=backend, wait=True)
    want = [np.asarray(v).tolist() for v in fn(np.array([0.5, -1.0]))]
    blob = pickle.dumps(fn)
    assert _call_unpickled(blob) == (backend, want)
    with multiprocessing.get_context("spawn").Pool(1) as pool:   # a fresh interpreter: the disk cache serves it
        assert pool.map(_call_unpickled, [blob]) == [(backend, want)]
    with multiprocessing.get_context("fork").Pool(1) as pool:    # a copy of this process
        assert pool.map(_call_unpickled, [blob]) == [(backend, want)]


def test_compiled_functions_round_trip_through_cloudpickle(backend):
    cloudpickle = pytest.importorskip("cloudpickle", reason="cloudpickle comes with the [dask] extra")
    x = sd.vector("x", "n")
    f = sd.sum(sd.sin(x) ** 2)
    fn = sd.function([x], [f, sd.grad(f, x)], backend=backend, wait=True)
    holder = {"fn": fn, "nodes": [f, x]}   # inside other objects, as cloudpickle sends closures
    again = cloudpickle.loads(cloudpickle.dumps(holder))
    again["fn"].wait()
    a = np.array([0.3, 1.2, -0.7])
    for got, want in zip(again["fn"](a), fn(a)):
        np.testing.assert_array_equal(got, want)
    assert again["nodes"][0].op.name == f.op.name


def test_arrays_that_were_pickled_are_accepted(backend):
    """Unpickled arrays carry dtype objects equal to, but not the same object as, NumPy's own
    (multiprocessing and Dask send arrays this way); the fast argument checks must accept them."""
    x = sd.vector("x", "n")
    s = sd.scalar("s")
    fn = sd.function([x, s], [sd.sum(x * x) * s, 2 * x], backend=backend, wait=True)
    a = pickle.loads(pickle.dumps(np.arange(3.0)))
    b = pickle.loads(pickle.dumps(np.array(2.0)))
    assert a.dtype == np.float64
    value, grad = fn(a, b)
    assert float(value) == 10.0
    np.testing.assert_array_equal(grad, [0.0, 2.0, 4.0])
    big_endian = np.arange(3.0).astype(">f8")
    assert float(fn(big_endian, 1.0)[0]) == 5.0
