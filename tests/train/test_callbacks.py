"""Logging callbacks: CSV/JSONL equal to the history, a PNG, a progress line."""

from __future__ import annotations

import csv
import io
import json

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.metric import BLEU
from d2lkit.train import (
    Callback,
    Checkpoint,
    Classification,
    CurvePlot,
    EarlyStopping,
    MetricsLogger,
    ProgressBar,
    Trainer,
)


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


# --- metrics as declarations; callbacks that see the step ------------------------------


class _Bleu(Callback):
    """A stand-in for BLEU: a figure where higher is better, computed every other epoch."""

    metrics = (BLEU.column("test"),)

    def __init__(self, values):
        self.values = list(values)

    def on_row(self, trainer, row):
        if row["epoch"] % 2 == 0:
            row["test_bleu"] = self.values[row["epoch"] // 2 - 1]


@pytest.mark.parametrize("stopper_first", [True, False])
def test_early_stopping_on_a_callbacks_figure_reads_its_direction_in_any_order(stopper_first):
    # BLEU rises then falls: early stopping must treat the rise as improvement (max),
    # skip the epochs without a BLEU figure, and stop after two worse ones.
    bleu = _Bleu([0.2, 0.5, 0.4, 0.3, 0.1, 0.0])
    stopper = EarlyStopping(monitor="test_bleu", patience=2)
    _, history = _fit([stopper, bleu] if stopper_first else [bleu, stopper], epochs=12)
    assert [row["epoch"] for row in history][-1] == 8  # BLEU at 4: best; 6, 8: worse -> stop
    assert stopper.best == 0.5


def test_a_figure_nobody_declares_is_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match="test_bleu"):
        _fit([EarlyStopping(monitor="test_bleu")])


class _Seen(Callback):
    def __init__(self):
        self.steps = []

    def on_batch_end(self, trainer, step):
        self.steps.append(step)


def test_batch_callbacks_receive_the_step_with_inputs_outputs_and_loss():
    seen = _Seen()
    _fit([seen], epochs=1)
    step = seen.steps[0]
    X, y = step.inputs
    assert X.shape == (16, 3) and y.shape == (16,)
    assert step.outputs.shape == (16, 2)
    expected = nn.functional.cross_entropy(step.outputs, y)
    torch.testing.assert_close(step.loss.detach(), expected.detach())


def test_top_k_accuracy_is_a_setting_of_the_classification_task():
    torch.manual_seed(0)
    model = nn.Linear(3, 5)
    loader = TensorLoader(torch.randn(64, 3), torch.randint(0, 5, (64,)), batch_size=16)
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.0),  # lr 0: the model stays as it is
        task=Classification(topk=(2, 5)),
        device="cpu",
    )
    row = trainer.fit(loader, {"test": loader}, epochs=1)[-1]
    X, y = loader.tensors
    with torch.no_grad():
        top2 = model(X).topk(2, dim=1).indices
    assert row["test_top2_acc"] == pytest.approx((top2 == y[:, None]).any(1).float().mean().item())
    assert row["test_top5_acc"] == 1.0  # every label is among all five classes
    assert trainer.metrics["test_top2_acc"].goal == "max"


def test_checkpoint_keeps_the_best_epoch_in_the_declared_direction(tmp_path):
    bleu = _Bleu([0.2, 0.6, 0.4])
    best = Checkpoint(tmp_path / "checkpoint.pt", best="test_bleu")
    _fit([bleu, best], epochs=6)
    saved = torch.load(tmp_path / "best.pt", weights_only=True)
    assert saved["epoch"] == 4  # BLEU 0.6, the highest
    assert saved["callbacks"]["Checkpoint"]["best_value"] == 0.6
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["epoch"] == 6


def test_text_said_during_training_goes_to_the_progress_stream():
    class _Say(Callback):
        def on_epoch_end(self, trainer):
            trainer.echo(f"sample after epoch {trainer.epoch}")

    stream = io.StringIO()
    _fit([ProgressBar(stream), _Say()], epochs=2)
    lines = stream.getvalue().splitlines()
    assert "  sample after epoch 2" in lines
