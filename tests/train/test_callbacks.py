"""Logging callbacks: CSV/JSONL equal to the history, a PNG, a progress line."""

from __future__ import annotations

import csv
import io
import json

import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.train import CurvePlot, MetricsLogger, ProgressBar, Trainer


def _fit(callbacks, epochs: int = 2):
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        device="cpu",
        callbacks=callbacks,
    )
    loader = TensorLoader(torch.randn(64, 3), torch.randint(0, 2, (64,)), batch_size=16)
    return trainer, trainer.fit(loader, {"test": loader}, epochs=epochs)


def test_metrics_files_hold_one_row_per_epoch_equal_to_the_history(tmp_path):
    _, history = _fit([MetricsLogger(tmp_path)], epochs=3)
    rows = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert float(rows[-1]["test_acc"]) == history[-1]["test_acc"]
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == history


def test_curve_plot_writes_a_png_of_loss_and_accuracies(tmp_path):
    path = tmp_path / "curves.png"
    trainer, _ = _fit([CurvePlot(path)])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert trainer.curves() == ["train_loss", "train_acc", "test_acc"]
    assert not list(tmp_path.glob("*.tmp*"))


def test_progress_bar_prints_one_line_per_epoch_when_not_a_terminal():
    stream = io.StringIO()
    _fit([ProgressBar(stream=stream)], epochs=2)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2: train loss") and "test acc" in lines[0]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_in_an_80_column_terminal_ends_each_epoch_with_its_test_accuracy(
    monkeypatch,
):
    monkeypatch.setenv("COLUMNS", "80")
    stream = _Terminal()
    _fit([ProgressBar(stream=stream)], epochs=2)
    screen = stream.getvalue()
    lines = [part for line in screen.splitlines() for part in line.split("\r")]
    epochs = [line for line in lines if "loss" in line]
    assert [line[:10] for line in epochs] == ["epoch 1/2:", "epoch 2/2:"]
    assert all(len(line) <= 80 and "test" in line and "acc" in line for line in epochs)
    assert "batch" in screen  # the live bar was drawn, then cleared
