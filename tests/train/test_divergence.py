"""Divergence on the real Trainer: softmax regression at lr 1e10 stays finite (its loss near
1e9, even falling) yet has diverged; the callback warns, or stops before a bad checkpoint."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError, D2lkitError
from d2lkit.train import Callback, Checkpoint, Trainer, seed_everything
from d2lkit.train.checkpoint import load_checkpoint
from d2lkit.train.divergence import Divergence, DivergenceError


def _problem() -> tuple[nn.Module, TensorLoader]:
    """Softmax regression (book 3.6) on 600 points of 10 linearly separable classes."""
    seed_everything(0)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(600, 20, generator=g)
    y = (X @ torch.randn(20, 10, generator=g)).argmax(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(20, 10))
    return model, TensorLoader(X, y, batch_size=64, shuffle=True, seed=0)


def _softmax_regression(lr: float, callbacks=(), epochs: int = 3):
    model, loader = _problem()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, device="cpu", callbacks=callbacks)
    trainer.fit(loader, epochs=epochs)
    return trainer


def _untrained_first_batch_loss() -> float:
    """The mark, computed apart from the callback: the fresh model's loss on batch one."""
    model, loader = _problem()
    loader.set_epoch(0)  # the order the trainer's first epoch sees
    X, y = next(iter(loader))
    with torch.no_grad():
        return float(nn.CrossEntropyLoss()(model(X), y))


class _LrJump(Callback):
    """From epoch ``at`` on, train at ``lr``: a run that diverges late, after good epochs."""

    def __init__(self, at: int, lr: float) -> None:
        self.at, self.lr = at, lr

    def on_epoch_start(self, trainer) -> None:
        if trainer.epoch + 1 == self.at:
            for group in trainer.optimizer.param_groups:
                group["lr"] = self.lr


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_without_the_callback_lr_1e10_ends_finite_and_unsaid(caplog):
    trainer = _softmax_regression(1e10)  # the bug: a loss of 1e9, no word about it
    losses = [row["train_loss"] for row in trainer.history]
    assert all(1e6 < loss < float("inf") for loss in losses)
    assert _warnings(caplog) == []


def test_lr_1e10_warns_once_with_the_loss_its_mark_and_no_checkpoint(caplog):
    trainer = _softmax_regression(1e10, [Divergence()])
    assert len(trainer.history) == 3  # warn: training goes on
    [warning] = _warnings(caplog)
    first = trainer.history[0]["train_loss"]
    assert f"epoch 1's train_loss is {first:.4g}" in warning
    assert f"times the first batch's {_untrained_first_batch_loss():.4g}" in warning
    assert "no checkpoint is kept" in warning and "--lr" in warning


def test_lr_1e10_with_stop_raises_before_the_diverged_epoch_is_saved(tmp_path):
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(DivergenceError) as info:
        _softmax_regression(1e10, [Divergence("stop"), Checkpoint(path)])
    error = info.value
    assert isinstance(error, D2lkitError) and error.epoch == 1 and error.loss > 1e6
    assert "stopped after epoch 1" in error.message
    assert f"no checkpoint was saved in this run: {path} does not exist" in error.message
    assert not path.exists()  # the diverged weights were never saved
    assert "--lr" in error.fix and "train.divergence=off" in error.fix


def test_a_late_divergence_names_the_last_good_checkpoint(tmp_path):
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(DivergenceError) as info:
        _softmax_regression(0.1, [Divergence("stop"), _LrJump(3, 1e10), Checkpoint(path)], 5)
    assert info.value.epoch == 3
    assert load_checkpoint(path)["epoch"] == 2  # the diverged epoch 3 was never saved
    assert f"{path} holds epoch 2, the last good one" in (info.value.message)


def test_an_absolute_bound_flags_a_loss_of_known_scale():
    with pytest.raises(DivergenceError, match=r"above the bound of 1.5"):
        _softmax_regression(0.1, [Divergence("stop", bound=1.5)])  # 2.4 is over 1.5


def test_a_sound_run_is_never_flagged_and_off_never_looks(caplog):
    _softmax_regression(0.1, [Divergence("stop")])
    assert _warnings(caplog) == []
    _softmax_regression(1e10, [Divergence("off")])
    assert _warnings(caplog) == []


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"policy": "loud"}, "train.divergence must be one of off, warn, stop"),
        ({"factor": 1.0}, "factor must be a finite number above 1"),
        ({"factor": float("inf")}, "factor must be a finite number above 1"),
        ({"bound": -5.0}, "bound must be None or a positive number"),
    ],
)
def test_bad_settings_are_a_config_error(kwargs, said):
    with pytest.raises(ConfigError, match=said):
        Divergence(**kwargs)


def test_its_mark_survives_a_checkpoint_and_resume(tmp_path):
    divergence = Divergence()
    trainer = _softmax_regression(0.1, [divergence], epochs=1)
    restored = Divergence()
    restored.load_state_dict(trainer.state_dict()["callbacks"]["Divergence"])
    assert restored.start == divergence.start
    assert restored.start == pytest.approx(_untrained_first_batch_loss(), rel=1e-6)
