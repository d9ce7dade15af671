"""Checkpoints fuzzed: a real checkpoint with one to three of its fields replaced, removed,
added to or re-typed, loaded by a fresh Trainer. Every outcome is a load that trains on, or
one D2lkitError with a fix that leaves the trainer as it was: never another exception, never
a file written outside the run folder.

Example counts are bounded (hypothesis, derandomized, no example database): 50 loads, of
which those that pass the schema train one more epoch.
"""

from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import D2lkitError
from d2lkit.train import (
    Checkpoint,
    EarlyStopping,
    MetricsLogger,
    StepLogger,
    Trainer,
    load_checkpoint,
    save_checkpoint,
    seed_everything,
)

sys.path.insert(0, str(Path(__file__).parent))
from checkpoint_mutations import mutated

FUZZ = settings(
    max_examples=50,
    deadline=None,  # a shared, loaded machine: time is not what is tested
    database=None,  # no .hypothesis folder left behind
    derandomize=True,  # the same examples on every run: CI never flakes on a new draw
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _trainer(run_dir: Path) -> tuple[Trainer, TensorLoader]:
    """Momentum, a schedule, early stopping, a step log, metrics and checkpoints: every state."""
    seed_everything(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    callbacks = [
        EarlyStopping(patience=5),
        StepLogger(run_dir / "steps.csv", every=16),
        MetricsLogger(run_dir),
        Checkpoint(run_dir / "checkpoint.pt"),
    ]
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, sched, device="cpu", callbacks=callbacks)
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(48, 3, generator=g), torch.randint(0, 2, (48,), generator=g)
    return trainer, TensorLoader(X, y, batch_size=16, shuffle=True, seed=0)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    run = tmp_path_factory.mktemp("run")
    trainer, loader = _trainer(run)
    trainer.fit(loader, {"test": loader}, epochs=2)
    return load_checkpoint(run / "checkpoint.pt")


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _one_clear_error(error: D2lkitError) -> None:
    assert error.message and error.fix, error
    assert "NAME" not in error.fix and "Traceback" not in error.message


@FUZZ
@given(data=st.data())
def test_a_fuzzed_checkpoint_loads_and_trains_on_or_is_one_clear_error(written, data):
    state = data.draw(mutated(written))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        run = root / "run"
        run.mkdir()
        path = save_checkpoint(state, run / "checkpoint.pt")
        trainer, loader = _trainer(run)
        before = copy.deepcopy(trainer.model.state_dict())
        try:
            trainer.load_checkpoint(path)
        except D2lkitError as error:
            _one_clear_error(error)
            assert str(path) in error.message
            assert trainer.epoch == 0 and trainer.history == []  # nothing half-loaded
            for key, value in trainer.model.state_dict().items():
                assert torch.equal(value, before[key]), key
        else:
            try:  # what the schema let through must train on
                trainer.fit(loader, {"test": loader}, epochs=trainer.epoch + 1)
            except D2lkitError as error:  # e.g. a NaN learning rate: the loss says so
                _one_clear_error(error)
        assert all(run in p.parents for p in _files(root))  # nothing outside the run folder
