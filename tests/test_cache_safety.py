"""The compiled-code cache under faults and attacks: each case runs in a child process.

Damaged entries (bytes flipped in Numba's files), a shared or foreign folder,
an unwritable HOME, a file-size limit, a folder that vanishes, a read-only
package folder: the function must still compile and return the right numbers,
with one clear warning, and never load what it did not check.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.numba

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = textwrap.dedent("""
    import warnings
    warnings.simplefilter("always")
    import numpy as np
    import symdiff as sd
    x = sd.vector("x", "n")
    f = sd.sum(sd.tanh(x) ** 2 + 0.25 * sd.exp(x) * sd.linalg.norm(x)) + EXTRA
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn = sd.function([x], [f, sd.grad(f, x)], backend="numba", wait=True)
        v, g = fn(np.linspace(-1, 1, 5))
    ref = sd.function([x], [f, sd.grad(f, x)], backend="numpy")(np.linspace(-1, 1, 5))
    assert fn.tier == "numba", fn.tier
    assert abs(float(v) - float(ref[0])) < 1e-12 and np.allclose(g, ref[1], rtol=1e-12)
    for w in caught:
        print("WARNING", w.message)
    print("OK")
""")


def _child(extra: str = "0.0") -> str:
    return CHILD.replace("EXTRA", extra)


def _run(env_extra: dict, preexec=None, drop=()) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=REPO, SYMDIFF_WAIT="1", **env_extra)
    for k in drop:
        env.pop(k, None)
    env.pop("NUMBA_CACHE_DIR", None)
    p = subprocess.run([sys.executable, "-c", _child()], env=env, cwd=REPO, capture_output=True, text=True,
                       timeout=300, preexec_fn=preexec)
    return p.returncode, p.stdout, p.stderr


def _ok(result) -> list[str]:
    code, out, err = result
    assert code == 0, f"child failed with status {code}: {err[-3000:]}"
    assert out.strip().endswith("OK"), out
    return [ln for ln in out.splitlines() if ln.startswith("WARNING")]


def test_flipped_bytes_in_numba_files_are_detected_never_loaded(tmp_path):
    cache = str(tmp_path / "c")
    assert _ok(_run({"SYMDIFF_CACHE_DIR": cache})) == []
    files = sorted(glob.glob(os.path.join(cache, "__pycache__", "sd_*.nb[ic]")))
    assert files and glob.glob(os.path.join(cache, "sd_*.sha256"))
    for f, where in [(files[0], lambda n: n // 2), (files[-1], lambda n: n // 7),
                     (files[-1], lambda n: n - 9)]:   # positions in the index and in the code
        pos = where(os.path.getsize(f))
        with open(f, "r+b") as fh:
            fh.seek(max(0, pos))
            chunk = fh.read(8)
            fh.seek(max(0, pos))
            fh.write(bytes(b ^ 0xFF for b in chunk))
        warnings_seen = _ok(_run({"SYMDIFF_CACHE_DIR": cache}))
        assert any("damaged" in w and "compiled again" in w for w in warnings_seen), warnings_seen
    assert _ok(_run({"SYMDIFF_CACHE_DIR": cache})) == []   # compiled again and sealed: quiet


def test_a_group_writable_cache_folder_is_not_used(tmp_path):
    cache = tmp_path / "shared"
    cache.mkdir()
    os.chmod(cache, 0o777)
    warnings_seen = _ok(_run({"SYMDIFF_CACHE_DIR": str(cache)}))
    assert len(warnings_seen) == 1 and "group or others may write it" in warnings_seen[0], warnings_seen
    assert os.listdir(cache) == []   # nothing written to (or read from) the shared folder


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="changing a file's owner needs root")
def test_entries_owned_by_another_user_are_not_loaded(tmp_path):
    cache = str(tmp_path / "c")
    _ok(_run({"SYMDIFF_CACHE_DIR": cache}))
    for f in glob.glob(os.path.join(cache, "__pycache__", "sd_*.nb[ic]")):
        os.chown(f, 65534, 65534)
    warnings_seen = _ok(_run({"SYMDIFF_CACHE_DIR": cache}))
    assert any("belongs to another user" in w for w in warnings_seen), warnings_seen
    os.chown(cache, 65534, 65534)   # the folder itself
    warnings_seen = _ok(_run({"SYMDIFF_CACHE_DIR": cache}))
    assert any("belongs to another user" in w for w in warnings_seen), warnings_seen


def test_an_unwritable_home_without_a_cache_setting_works(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a folder")   # ~/.cache cannot be created, even by root
    warnings_seen = _ok(_run({"HOME": str(home)}, drop=("SYMDIFF_CACHE_DIR", "XDG_CACHE_HOME")))
    assert len(warnings_seen) == 1 and "private temporary folder" in warnings_seen[0], warnings_seen


def test_a_file_size_limit_compiles_in_memory(tmp_path):
    resource = pytest.importorskip("resource")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    warnings_seen = _ok(_run({"SYMDIFF_CACHE_DIR": str(tmp_path / "c")}, preexec=limit))
    assert any("in memory" in w or "private temporary folder" in w for w in warnings_seen), warnings_seen


def test_a_vanished_cache_folder_is_made_again(tmp_path, monkeypatch):
    import shutil

    import numpy as np

    import symdiff as sd

    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path / "c"))
    x = sd.vector("x", 3)
    sd.function([x], [sd.sum(sd.sin(x))], backend="numba", wait=True)
    shutil.rmtree(tmp_path / "c")
    fn = sd.function([x], [sd.sum(sd.cos(x) * 3.0)], backend="numba", wait=True)
    assert fn.tier == "numba"
    assert np.isclose(fn(np.zeros(3))[0], 9.0)


def _helper_files(cache) -> list[str]:
    return sorted(glob.glob(os.path.join(cache, "helpers", "*", "*.nb[ic]")))


def test_helpers_are_cached_in_the_users_folder_and_sealed(tmp_path):
    """The helpers' Numba cache never goes beside the package (read-only or shared installs work) and is
    sealed: a damaged helper file is deleted with a warning and compiled again, an unsealed one silently."""
    cache = str(tmp_path / "c")
    extra = 'sd.linalg.det(sd.outer(x, x) + sd.eye("n"))'

    def run():
        env = dict(os.environ, PYTHONPATH=REPO, SYMDIFF_WAIT="1", SYMDIFF_CACHE_DIR=cache)
        env.pop("NUMBA_CACHE_DIR", None)
        p = subprocess.run([sys.executable, "-c", _child(extra)], env=env, cwd=REPO, capture_output=True,
                           text=True, timeout=300)
        return _ok((p.returncode, p.stdout, p.stderr))

    assert run() == []
    files = _helper_files(cache)
    assert files, "the helpers were cached in the user's folder"
    seal = glob.glob(os.path.join(cache, "helpers", "*", "SEAL.sha256"))
    assert len(seal) == 1
    sealed = open(seal[0]).read()
    assert all(os.path.basename(f) in sealed for f in files)
    code = [f for f in files if f.endswith(".nbc")][0]
    with open(code, "r+b") as fh:
        fh.seek(os.path.getsize(code) // 3)
        fh.write(b"\xff" * 8)
    warned = run()
    assert any("helpers" in w and "damaged" in w for w in warned), warned
    planted = os.path.join(os.path.dirname(files[0]), "runtime.planted-1.py311.nbc")
    with open(planted, "wb") as fh:
        fh.write(b"not sealed")
    assert run() == [] and not os.path.exists(planted)
