"""The live figure of a notebook: shown once, then updated in place; off outside Jupyter."""

from __future__ import annotations

import sys
import types

import pytest

from d2lkit.viz import LiveFigure, in_notebook


class _Handle:
    def __init__(self) -> None:
        self.updates: list[object] = []

    def update(self, obj: object) -> None:
        self.updates.append(obj)


@pytest.fixture()
def fake_ipython(monkeypatch):
    """A stand-in ``IPython`` package: records ``display`` calls; ``shell`` is get_ipython()."""
    ipython = types.ModuleType("IPython")
    display_module = types.ModuleType("IPython.display")
    ipython.display = display_module
    ipython.shell = None
    ipython.get_ipython = lambda: ipython.shell
    ipython.shown = []

    def display(obj, display_id=None):
        handle = _Handle()
        ipython.shown.append((obj, display_id, handle))
        return handle

    display_module.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    return ipython


def test_update_displays_once_then_updates_the_same_output(fake_ipython):
    live = LiveFigure()
    first, second, third = object(), object(), object()
    live.update(first)
    live.update(second)
    live.update(third)
    [(shown, display_id, handle)] = fake_ipython.shown
    assert shown is first and display_id is True
    assert handle.updates == [second, third]


def test_two_live_figures_keep_separate_outputs(fake_ipython):
    a, b = LiveFigure(), LiveFigure()
    a.update("a1")
    b.update("b1")
    a.update("a2")
    assert [obj for obj, _, _ in fake_ipython.shown] == ["a1", "b1"]
    assert fake_ipython.shown[0][2].updates == ["a2"] and fake_ipython.shown[1][2].updates == []


def test_pytest_is_not_a_notebook():
    assert in_notebook() is False


def test_in_notebook_is_false_without_ipython(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)  # import IPython raises ImportError
    assert in_notebook() is False


def test_in_notebook_is_false_in_a_terminal_ipython_shell(fake_ipython):
    fake_ipython.shell = type("TerminalInteractiveShell", (), {})()
    assert in_notebook() is False


def test_in_notebook_is_true_in_a_jupyter_kernel(fake_ipython):
    fake_ipython.shell = type("ZMQInteractiveShell", (), {})()
    assert in_notebook() is True
