"""Board: points averaged every_n, values read only per point, redraws throttled and flushed."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
import torch

from d2lkit.viz import board as board_module
from d2lkit.viz.board import Board, flush_boards

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _plots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("D2LKIT_PLOTS", str(tmp_path / "plots"))
    return tmp_path / "plots"


def test_every_n_points_become_their_mean():
    board = Board(display=False)
    for x in range(1, 7):
        board.draw(x, 10.0 * x, "sin", every_n=3)
    # (1+2+3)/3 = 2 and (4+5+6)/3 = 5; y ten times those
    assert [(p.x, p.y) for p in board.data["sin"]] == [(2.0, 20.0), (5.0, 50.0)]
    assert board.raw_points["sin"] == []


def test_labels_keep_their_own_lines_and_leftover_points():
    board = Board(display=False)
    for x in range(5):
        board.draw(x, x, "a", every_n=2)
        board.draw(x, -x, "b", every_n=10)
    assert [p.x for p in board.data["a"]] == [0.5, 2.5]
    assert board.data["b"] == [] and len(board.raw_points["b"]) == 5


def test_every_n_below_one_never_makes_a_point():
    # the book's int(num_batches / points_per_epoch) is 0 for a 1-batch loader
    board = Board(display=False)
    for x in range(4):
        board.draw(x, x, "loss", every_n=0)
    assert board.data["loss"] == []


def test_tensor_values_are_read_once_per_point(monkeypatch: pytest.MonkeyPatch):
    calls: list[int] = []
    mean = board_module._mean
    monkeypatch.setattr(
        board_module, "_mean", lambda values: calls.append(len(values)) or mean(values)
    )
    board = Board(display=False)
    values = [torch.tensor(v) for v in (0.5, 1.5, 2.0, 4.0)]
    for i, v in enumerate(values):
        board.draw(i, v, "loss", every_n=4)
    assert calls == [4, 4]  # x and y, once, when the 4th value completed the point
    assert board.data["loss"][0].y == pytest.approx(2.0)
    assert isinstance(board.data["loss"][0].y, float)


def test_redraws_wait_for_the_interval_and_flush_draws_the_last_state(_plots: Path):
    board = Board(min_interval=3600)  # far longer than the test
    for x in range(3):
        board.draw(x, x, "loss")
    assert board.fig is None  # every redraw deferred, the first one too
    flush_boards()
    png = board.sink.path
    assert png is not None and png.parent == _plots
    assert list(board.fig.axes[0].lines[0].get_xdata()) == [0.0, 1.0, 2.0]
    before = png.stat().st_mtime_ns
    board.flush()  # nothing deferred any more: nothing redrawn
    assert png.stat().st_mtime_ns == before


def test_points_after_the_interval_are_drawn_without_waiting_for_a_flush(
    monkeypatch: pytest.MonkeyPatch,
):
    now = [100.0]
    monkeypatch.setattr(board_module.time, "monotonic", lambda: now[0])
    board = Board(min_interval=0.5)
    board.draw(0, 1.0, "loss")  # the interval starts with the first point
    now[0] += 2.0  # longer than the interval (and than a PNG's SAVE_EVERY)
    board.draw(1, 2.0, "loss")
    assert list(board.fig.axes[0].lines[0].get_xdata()) == [0.0, 1.0]


def test_a_board_that_does_not_display_writes_nothing(_plots: Path):
    board = Board(display=False)
    board.draw(0, 1.0, "loss")
    board.flush()
    assert board.fig is None and not _plots.exists()


def test_the_axes_follow_the_attributes_set_after_creation():
    board = Board(xlabel="epoch", xlim=[0, 3])
    board.yscale = "log"
    board.draw(1, 10.0, "train_loss")
    board.draw(2, 1.0, "val_loss")
    board.flush()
    axes = board.fig.axes[0]
    assert axes.get_yscale() == "log" and axes.get_xlabel() == "epoch"
    assert tuple(axes.get_xlim()) == (0.0, 3.0)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["train_loss", "val_loss"]
