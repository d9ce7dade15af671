"""Animator and FigureSink: headless runs write PNGs, said once; book plot helpers draw."""

from __future__ import annotations

import logging

import pytest
import torch

from d2lkit.viz import display
from d2lkit.viz.animator import Animator
from d2lkit.viz.book_plots import plot, show_heatmaps, show_images, show_trace_2d


@pytest.fixture(autouse=True)
def _headless(monkeypatch, tmp_path):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv(display.ENV_PLOTS, str(tmp_path / "plots"))
    monkeypatch.setattr(display, "_NAMES", {})
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_animator_keeps_points_and_writes_one_png(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(display, "SAVE_EVERY", 0.0)
    caplog.set_level(logging.WARNING, logger="d2lkit.viz.display")
    animator = Animator(xlabel="epoch", xlim=[1, 3], legend=["a", "b"])
    for epoch in (1, 2, 3):
        animator.add(epoch, (1.0 / epoch, None if epoch == 2 else torch.tensor(0.5)))
    assert animator.X == [[1.0, 2.0, 3.0], [1.0, 3.0]]
    assert animator.Y[0] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert animator.sink.mode == "file"
    assert (tmp_path / "plots" / "animator.png").stat().st_size > 0
    said = [r.getMessage() for r in caplog.records if "plots are saved" in r.getMessage()]
    assert len(said) == 1  # the path is said once, not per redraw
    assert Animator().sink.name == "animator-2"


def test_a_fast_loop_writes_its_last_picture_on_flush(tmp_path):
    animator = Animator()
    animator.add(1, 1.0)
    animator.add(2, 2.0)  # within a second: pending
    assert animator.sink._pending is not None
    animator.sink.flush()
    assert animator.sink._pending is None


def test_book_helpers_draw_and_save(tmp_path):
    x = torch.arange(0, 3, 0.1)
    plot(x, [x, x**2], "x", "f(x)", legend=["x", "x2"])
    axes = show_images(torch.rand(2, 4, 4), 1, 2, titles=["a", "b"])
    assert len(axes) == 2
    show_heatmaps(torch.eye(4).reshape(1, 1, 4, 4), "keys", "queries")
    show_trace_2d(lambda a, b: a**2 + b**2, [(-5, -2), (-1, -1), (0, 0)])
    names = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert names == ["heatmaps.png", "images.png", "plot.png", "trace_2d.png"]
