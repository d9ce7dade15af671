"""The import thread of build_run: it finishes inside the block, and failures stay quiet."""

import sys
import threading

import pytest

from d2lkit.experiments.run.background_import import importing_in_background


@pytest.fixture
def module_dir(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("d2lkit_slow_module", "d2lkit_broken_module"):
        sys.modules.pop(name, None)


def _import_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("d2lkit-import-")]


def test_the_module_is_imported_beside_the_block_and_the_thread_is_gone_after_it(module_dir):
    (module_dir / "d2lkit_slow_module.py").write_text("import time\ntime.sleep(0.3)\nVALUE = 42\n")
    with importing_in_background("d2lkit_slow_module"):
        assert _import_threads(), "the import should run in a thread while the block runs"
    assert not _import_threads()
    assert sys.modules["d2lkit_slow_module"].VALUE == 42


def test_a_failing_import_is_silent_in_the_thread_and_raised_by_the_callers_own_import(
    module_dir,
):
    (module_dir / "d2lkit_broken_module.py").write_text("raise RuntimeError('broken on purpose')\n")
    with importing_in_background("d2lkit_broken_module"):
        pass
    assert not _import_threads()
    with pytest.raises(RuntimeError, match="broken on purpose"):
        __import__("d2lkit_broken_module")


def test_a_module_already_imported_starts_no_thread():
    with importing_in_background("json"):
        assert not _import_threads()
