"""Training curves: one line per named metric, a valid PNG written atomically."""

from __future__ import annotations

import math

from PIL import Image

from d2lkit.viz import plot_history, save_history_plot

HISTORY = [
    {"epoch": 1, "train_loss": 0.9, "train_acc": 0.60, "test_acc": 0.65, "lr": 0.1},
    {"epoch": 2, "train_loss": 0.6, "train_acc": 0.75, "test_acc": 0.74, "lr": 0.1},
    {"epoch": 3, "train_loss": 0.5, "train_acc": 0.80, "test_acc": 0.79, "lr": 0.05},
]


def test_plot_history_draws_one_labelled_line_per_given_curve():
    fig = plot_history(HISTORY, curves=["train_loss", "test_acc"])
    [ax] = fig.axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train loss", "test acc"]
    assert list(lines[0].get_xdata()) == [1, 2, 3]
    assert list(lines[0].get_ydata()) == [0.9, 0.6, 0.5]
    assert list(lines[1].get_ydata()) == [0.65, 0.74, 0.79]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train loss", "test acc"]
    assert ax.get_xlabel() == "epoch"


def test_plot_history_draws_only_the_curves_asked_for():
    fig = plot_history(HISTORY, curves=["lr"], title="schedule")
    [ax] = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["lr"]
    assert ax.get_title() == "schedule"


def test_a_metric_missing_from_some_epochs_is_a_gap_not_an_error():
    history = [{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.8, "test_acc": 0.7}]
    [line] = plot_history(history, curves=["test_acc"]).axes[0].get_lines()
    ydata = list(line.get_ydata())
    assert math.isnan(ydata[0]) and ydata[1] == 0.7


def test_an_empty_curve_list_draws_no_line_and_no_legend():
    [ax] = plot_history(HISTORY, curves=[]).axes
    assert ax.get_lines() == [] and ax.get_legend() is None


def test_save_history_plot_writes_a_png_and_nothing_else(tmp_path):
    target = tmp_path / "run" / "curves.png"
    path = save_history_plot(HISTORY, target, curves=["train_loss", "train_acc", "test_acc"])
    assert path == target
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(target) as image:
        image.verify()
    with Image.open(target) as image:
        assert image.format == "PNG" and image.size == (600, 420)  # 5 x 3.5 in at 120 dpi
    assert [p.name for p in target.parent.iterdir()] == ["curves.png"]


def test_save_history_plot_replaces_an_earlier_plot(tmp_path):
    target = tmp_path / "curves.png"
    save_history_plot(HISTORY[:1], target, curves=["train_loss"])
    first = target.read_bytes()
    save_history_plot(HISTORY, target, curves=["train_loss"])
    assert target.read_bytes() != first
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]


def test_a_single_epoch_is_drawn_as_a_visible_point_without_warnings(recwarn):
    [line] = plot_history(HISTORY[:1], curves=["train_loss"]).axes[0].get_lines()
    assert line.get_marker() == "o"  # one point and no marker would be invisible
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    [line] = plot_history(HISTORY, curves=["train_loss"]).axes[0].get_lines()
    assert line.get_marker() in (None, "None", "")
