"""call_after_import: a function run right after a module's first import, never before."""

from __future__ import annotations

import importlib
import sys

import pytest

from d2lkit.compat.after_import import AfterImport, call_after_import, cancel


@pytest.fixture
def probe_module(tmp_path, monkeypatch):
    name = "d2lkit_after_import_probe"
    (tmp_path / f"{name}.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)
    cancel(name)


def test_the_function_waits_for_the_import_and_runs_once(probe_module):
    seen = []
    call_after_import(probe_module, lambda: seen.append(sys.modules[probe_module].LOADED))
    call_after_import(probe_module, lambda: seen.append("second"))  # one waiter per module
    assert seen == []
    importlib.import_module(probe_module)
    assert seen == [True]  # after the module ran, with the module in place
    sys.modules.pop(probe_module)
    importlib.import_module(probe_module)
    assert seen == [True]  # one shot
    assert not any(isinstance(f, AfterImport) for f in sys.meta_path)


def test_an_imported_module_runs_it_now_and_cancel_forgets_a_waiter(probe_module):
    seen = []
    call_after_import("sys", lambda: seen.append("now"))
    assert seen == ["now"]
    call_after_import(probe_module, lambda: seen.append("never"))
    cancel(probe_module)
    importlib.import_module(probe_module)
    assert seen == ["now"]
