"""plot_runs: a panel per figure, a line per run, gaps where a run has no value."""

from __future__ import annotations

import pytest

from d2lkit.viz.compare import plot_runs


def test_each_figure_gets_a_panel_and_each_run_a_line():
    a = [{"epoch": 1, "loss": 2.0, "acc": 0.5}, {"epoch": 2, "loss": 1.0, "acc": 0.7}]
    b = [{"epoch": 1, "loss": 3.0}, {"epoch": 2, "loss": 1.5, "acc": 0.6}]
    fig = plot_runs({"a": a, "b": b}, ["loss", "acc"])
    loss, acc = fig.axes
    assert [line.get_label() for line in loss.get_lines()] == ["a", "b"]
    assert list(acc.get_lines()[1].get_xdata()) == [2]  # b has no acc at epoch 1
    assert loss.get_title() == "loss"


def test_four_figures_wrap_into_rows_of_three():
    history = [{"epoch": 1, "w": 1.0, "x": 1.0, "y": 1.0, "z": 1.0}]
    fig = plot_runs({"run": history}, ["w", "x", "y", "z"])
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 6 and len(visible) == 4


def test_nothing_to_draw_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one"):
        plot_runs({"run": []}, [])
