"""The section runner (benchmarks/book_sections.py): a section runs as a learner runs it.

Nothing of the library is imported before the section's first line; the caps
reach the library through an import hook when the section imports it.
"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "benchmarks" / "book_sections.py"
SRC = Path(__file__).resolve().parents[2] / "src"

# A stand-in for the book's library: a module file the section imports.
FAKE_LIB = """\
import torch
from d2lkit.data.loaders import TensorLoader

FEATURES = torch.arange(1500.0).reshape(1500, 1)


def load_array(size):
    return TensorLoader(FEATURES, batch_size=size)


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):
    return num_epochs
"""


def _runner():
    spec = importlib.util.spec_from_file_location("book_sections", RUNNER)
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    return runner


def _prelude(lib: str, book_pandas: str = "") -> str:
    return _runner().PRELUDE.format(
        max_epochs=2,
        max_batches=20,
        min_examples=200,
        lib=lib,
        extra="",
        book_pandas=book_pandas,
        prologue="",
    )


@pytest.fixture()
def fake_lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The name of a fresh importable stand-in library (removed from sys.modules after)."""
    name = f"fake_book_lib_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(FAKE_LIB)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "CapOnImport"]


def _capped_loader(lib: str, batch_size: int):
    namespace: dict = {}
    exec(compile(_prelude(lib), "prelude", "exec"), namespace)
    assert lib not in sys.modules  # the prelude did not import it
    module = importlib.import_module(lib)  # the section's own import line
    return module.load_array(batch_size)


@pytest.mark.parametrize(
    ("batch_size", "batches", "examples"),
    [(1, 200, 200), (5, 40, 200), (10, 20, 200), (100, 15, 1500), (256, 6, 1500)],
)
def test_a_capped_pass_serves_20_batches_or_200_examples(
    fake_lib: str, batch_size: int, batches: int, examples: int
) -> None:
    # chapter 11's train_ch11 draws a point every 200 examples: a pass must reach one
    loader = _capped_loader(fake_lib, batch_size)
    served = [x.shape[0] for (x,) in loader]
    assert len(served) == len(loader) == batches
    assert sum(served) == examples


def test_the_librarys_loops_get_the_epoch_cap_when_the_section_imports_it(fake_lib: str):
    exec(compile(_prelude(fake_lib), "prelude", "exec"), {})
    module = importlib.import_module(fake_lib)
    assert module.train_ch3(None, None, None, None, num_epochs=10, updater=None) == 2


def test_the_prelude_leaves_no_name_in_the_section_and_imports_nothing_heavy():
    # in a fresh interpreter: what a section sees when its first line runs
    code = (
        _prelude("d2lkit.torch")
        + "\nimport sys\n"
        + "names = sorted(n for n in globals() if not n.startswith('__') and n != 'sys')\n"
        + "heavy = sorted(m for m in ('d2lkit', 'd2lkit.torch', 'torch', 'pandas', 'numpy')"
        + " if m in sys.modules)\n"
        + "print(names, heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "[] []\n"


def test_a_section_importing_the_library_runs_capped_in_a_fresh_process(tmp_path: Path):
    # the real d2lkit.torch, imported by the section's own line, gets the caps
    section = (
        "from d2lkit import torch as d2l\n"
        "import torch\n"
        "loader = d2l.load_array((torch.arange(1500.0).reshape(1500, 1),), 1)\n"
        "print(len(loader), type(loader).__name__)\n"
    )
    script = tmp_path / "section.py"
    script.write_text(_prelude("d2lkit.torch") + "\n" + section)
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "200 Capped\n"


def test_with_book_pandas_the_opt_in_pth_runs_before_the_section(tmp_path: Path):
    from d2lkit.compat import pandas_book

    site_dir = pandas_book.install_startup(tmp_path / "site").parent
    code = (
        _prelude("d2lkit.torch", str(site_dir))
        + "\nimport sys\nprint(any(getattr(f, 'module', None) == 'pandas' for f in sys.meta_path)"
        + ", 'pandas' in sys.modules)\n"
    )
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True False\n"
