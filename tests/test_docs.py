"""The documentation's examples run: user docs, module docstrings, and the reference is complete.

- Every ```python block of the user docs (index, user guide, reference) runs,
  top to bottom, in one namespace per file. Blocks written as doctests
  (``>>>`` lines) have their printed output checked too.
- The doctests in every symdiff module's docstrings pass.
- Every public name (the API contract's and everything in ``sd.__all__``)
  appears in the reference.

Doc examples call ``sd.function`` without a backend, as users do; here the
default is switched to the NumPy reference backend to keep the test fast
(set ``SYMDIFF_DOCS_BACKEND=numba`` to run them compiled).
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest

import symdiff as sd

DOCS = Path(__file__).resolve().parent.parent / "docs"
USER_DOCS = ["index.md", "user-guide.md", "reference.md", "sparse.md"]
FENCE = re.compile(r"^([ \t]*)```([\w-]*)[^\n]*\n(.*?)^\1```", re.M | re.S)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: the names of the API contract (../shared/api-contract.md), including its extras
CONTRACT_NAMES = """
scalar vector matrix tensor constant
add subtract multiply divide power negative exp log log1p expm1 sqrt square sin cos tan
arcsin arccos arctan sinh cosh tanh abs sign maximum minimum where clip equal not_equal
sigmoid relu softplus softmax log_softmax logsumexp
sum mean prod max min
dot matmul outer tensordot einsum
reshape transpose broadcast_to expand_dims squeeze concatenate stack take take_along_axis
zeros_like ones_like eye
grad jacobian hessian jvp vjp hvp
function evaluate
debugprint to_dot count_nodes simplify from_sympy to_sympy check_grad ShapeError
zeros ones full astype cast logical_and logical_or logical_not add_n
""".split()


def python_blocks(text: str):
    """(line number, source) of each ```python block."""
    for m in FENCE.finditer(text):
        if m.group(2) in ("python", "py", "pycon"):  # blocks indented under a list item too
            yield text[: m.start()].count("\n") + 2, textwrap.dedent(m.group(3))


@pytest.fixture
def docs_backend(monkeypatch):
    backend = os.environ.get("SYMDIFF_DOCS_BACKEND", "numpy")
    original = sd.function

    def function(inputs, outputs, backend=backend):
        return original(inputs, outputs, backend=backend)

    monkeypatch.setattr(sd, "function", function)
    return backend


@pytest.mark.parametrize("name", USER_DOCS)
def test_doc_examples_run(name, docs_backend, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything an example writes lands here
    path = DOCS / name
    text = path.read_text()
    blocks = list(python_blocks(text))
    assert blocks, f"{name} has no python examples"
    globs: dict = {"__name__": f"docs.{name}"}
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=FLAGS)
    for lineno, source in blocks:
        if ">>>" in source:
            test = parser.get_doctest(source, globs, f"{name}:{lineno}", str(path), lineno - 1)
            result = runner.run(test, clear_globs=False)
            globs.update(test.globs)  # DocTest works on a copy; later blocks build on this one
            assert result.failed == 0, f"{name}:{lineno}: doctest block failed (output above)"
        else:
            try:
                exec(compile(source, f"{path}:{lineno}", "exec"), globs)
            except Exception as e:
                raise AssertionError(f"{name}, block at line {lineno} raised {type(e).__name__}: {e}") from e


def _modules():
    return sorted(m.name for m in pkgutil.walk_packages(sd.__path__, "symdiff."))


@pytest.mark.parametrize("module", _modules())
def test_module_docstrings(module, docs_backend):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=FLAGS, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {module} (output above)"


def test_reference_names_every_public_name():
    text = (DOCS / "reference.md").read_text()
    documented = set(re.findall(r"sd\.(\w+)", text))
    missing = sorted(n for n in set(CONTRACT_NAMES) | set(sd.__all__) if n not in documented)
    assert not missing, f"reference.md does not document: {', '.join(missing)}"
    not_real = sorted(n for n in CONTRACT_NAMES if not hasattr(sd, n))
    assert not not_real, f"contract names missing from the package: {not_real}"


def test_reference_has_an_example_for_each_name():
    """Each ``### sd.name`` entry carries a code example."""
    text = (DOCS / "reference.md").read_text()
    entries = re.split(r"^### ", text, flags=re.M)[1:]
    assert len(entries) > 40
    for entry in entries:
        title = entry.splitlines()[0]
        assert "```python" in entry, f"reference entry {title!r} has no example"
