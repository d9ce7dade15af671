"""TensorBoard event files, read back with TensorBoard's own reader, equal the history."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing import event_accumulator
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.train import Callback, Trainer
from d2lkit.train.tasks import Step
from d2lkit.train.tensorboard import STEPS_FOLDER, TensorBoardLogger


def _trainer(callbacks: list[Callback]) -> tuple[Trainer, TensorLoader]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        scheduler=None,
        device="cpu",
        callbacks=callbacks,
    )
    loader = TensorLoader(torch.randn(64, 3), torch.randint(0, 2, (64,)), batch_size=16)
    return trainer, loader


def _read(folder: Path) -> event_accumulator.EventAccumulator:
    reader = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0})
    reader.Reload()
    return reader


class _Losses(Callback):
    """Each step's loss as the trainer saw it: what the step log must hold."""

    def __init__(self) -> None:
        self.losses: list[tuple[int, float]] = []

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        loss = step.loss
        self.losses.append((trainer.step, float(loss.detach())))


def test_event_files_hold_every_figure_and_the_lr_of_each_epoch_as_in_the_history(tmp_path):
    trainer, loader = _trainer([TensorBoardLogger(tmp_path)])
    history = trainer.fit(loader, {"test": loader}, epochs=2)
    reader = _read(tmp_path)
    tags = set(reader.Tags()["scalars"])
    expected = {*trainer.metric_names, "lr", "examples_per_sec"}
    assert tags == expected
    for tag in expected:
        events = reader.Scalars(tag)
        assert [e.step for e in events] == [1, 2]
        # event files store float32: compare at its precision
        assert [e.value for e in events] == pytest.approx([row[tag] for row in history], rel=1e-6)


def test_step_losses_go_to_the_steps_run_every_nth_step(tmp_path):
    losses = _Losses()
    trainer, loader = _trainer([losses, TensorBoardLogger(tmp_path, steps=True, every=3)])
    trainer.fit(loader, epochs=2)  # 4 batches an epoch: steps 1..8
    events = _read(tmp_path / STEPS_FOLDER).Scalars("train_loss")
    wanted = [(step, loss) for step, loss in losses.losses if step % 3 == 0]
    assert [e.step for e in events] == [step for step, _ in wanted] == [3, 6]
    assert [e.value for e in events] == pytest.approx([loss for _, loss in wanted], rel=1e-6)


def test_a_resumed_run_draws_each_epoch_once_with_the_resumed_values(tmp_path):
    first, loader = _trainer([TensorBoardLogger(tmp_path)])
    first.fit(loader, epochs=2)
    saved = copy.deepcopy(first.state_dict())  # as a checkpoint file holds it: a copy
    first.fit(loader, epochs=3)  # epoch 3 logged, then "interrupted" before a checkpoint
    second, loader = _trainer([TensorBoardLogger(tmp_path)])
    second.load_state_dict(saved)
    second.optimizer.param_groups[0]["lr"] = 0.05  # the resumed epoch 3 differs visibly
    history = second.fit(loader, epochs=3)
    events = _read(tmp_path).Scalars("lr")
    assert [e.step for e in events] == [1, 2, 3]
    assert [e.value for e in events] == pytest.approx([0.1, 0.1, 0.05])
    assert events[-1].value == pytest.approx(history[-1]["lr"])


def test_without_the_tensorboard_package_the_error_names_the_extra(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] == "tensorboard"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "torch.utils.tensorboard", raising=False)
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # `import tensorboard` fails
    with pytest.raises(ConfigError) as caught:
        TensorBoardLogger(tmp_path)
    assert 'pip install "d2lkit[tensorboard]"' in caught.value.fix
    assert not any(tmp_path.iterdir())  # nothing written before training


def test_every_below_one_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="every must be at least 1"):
        TensorBoardLogger(tmp_path, steps=True, every=0)
