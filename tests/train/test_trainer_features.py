"""Trainer features: schedules, callback state by key, predict, Checkpoint(every), AMP,
step logs, and the NaN/Inf policy."""

from __future__ import annotations

import csv
import itertools
import logging

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.train import (
    Callback,
    Checkpoint,
    EarlyStopping,
    NonFiniteLossError,
    StepLogger,
    Trainer,
    build_scheduler,
    load_checkpoint,
    seed_everything,
)


def _data(n: int = 64):
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (n,), generator=g)
    X = torch.randn(n, 3, generator=g) + y.float().unsqueeze(1)
    return X, y


def _trainer(callbacks=(), scheduler_fn=None, interval="epoch", dropout=0.0, **kw):
    seed_everything(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(dropout), nn.ReLU(), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = scheduler_fn(opt) if scheduler_fn else None
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        opt,
        sched,
        device="cpu",
        callbacks=callbacks,
        scheduler_interval=interval,
        **kw,
    )
    return trainer, TensorLoader(*_data(), batch_size=16)  # 4 batches per epoch


def test_an_epoch_schedule_steps_once_per_epoch():
    trainer, loader = _trainer(scheduler_fn=lambda o: build_scheduler("factor", o, 3, factor=0.5))
    history = trainer.fit(loader, epochs=3)
    assert [row["lr"] for row in history] == pytest.approx([0.1, 0.05, 0.025])


def test_a_step_schedule_steps_after_every_optimiser_step():
    trainer, loader = _trainer(
        scheduler_fn=lambda o: build_scheduler("factor", o, 8, factor=0.5), interval="step"
    )
    history = trainer.fit(loader, epochs=2)
    # The row's lr is the one the epoch started with: 4 steps per epoch halve it 4 times.
    assert [row["lr"] for row in history] == pytest.approx([0.1, 0.1 / 16])
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.1 / 256)


def test_cosine_with_warmup_rises_then_decays_to_the_final_lr():
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = build_scheduler("cosine", opt, 10, warmup=2, final_lr=0.1)
    lrs = []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] < lrs[1] < lrs[2] == pytest.approx(1.0)
    assert all(a >= b for a, b in itertools.pairwise(lrs[2:]))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_scratch_and_torch_factor_schedules_agree():
    opts = [torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.5) for _ in range(2)]
    scheds = [
        build_scheduler("factor", opts[0], 6, factor=0.9),
        build_scheduler("factor_scratch", opts[1], 6, factor=0.9),
    ]
    for _ in range(6):
        a, b = (o.param_groups[0]["lr"] for o in opts)
        assert a == pytest.approx(b)
        for o, s in zip(opts, scheds, strict=True):
            o.step()
            s.step()


class _Counter(Callback):
    def __init__(self, key=None) -> None:
        self.count = 0
        if key:
            self.state_key = key

    def on_epoch_end(self, trainer):
        self.count += 1

    def state_dict(self):
        return {"count": self.count}

    def load_state_dict(self, state):
        self.count = state["count"]


def test_callback_state_is_restored_by_key_not_by_position(tmp_path, caplog):
    stopper = EarlyStopping(patience=5)
    trainer, loader = _trainer([_Counter(), stopper, Checkpoint(tmp_path / "c.pt")])
    trainer.fit(loader, {"test": loader}, epochs=2)
    best = stopper.best

    # A resumed run with another list: no progress bar, the counter under the same key,
    # EarlyStopping placed first: each gets its own state back.
    counter, stopper2 = _Counter(), EarlyStopping(patience=5)
    resumed, loader = _trainer([stopper2, counter])
    resumed.load_checkpoint(tmp_path / "c.pt")
    assert counter.count == 2 and stopper2.best == best


def test_a_missing_or_unknown_callback_state_is_a_warning_naming_it(tmp_path, caplog):
    trainer, loader = _trainer([_Counter(key="old"), Checkpoint(tmp_path / "c.pt")])
    trainer.fit(loader, epochs=1)
    resumed, _ = _trainer([_Counter(key="new")])
    with caplog.at_level(logging.WARNING):
        resumed.load_checkpoint(tmp_path / "c.pt")
    assert "no state for callback 'new'" in caplog.text
    assert "state for callback 'old'" in caplog.text


def test_two_callbacks_with_one_state_key_are_refused():
    with pytest.raises(Exception, match="share the state key"):
        _trainer([_Counter(), _Counter()])


def test_predict_runs_in_eval_mode_and_restores_training_mode():
    trainer, _ = _trainer(dropout=0.9)
    trainer.model.train()
    X = _data()[0]
    a, b = trainer.predict(X), trainer.predict(X)
    torch.testing.assert_close(a, b)  # dropout was off
    assert trainer.model.training and not a.requires_grad


def test_checkpoint_every_n_epochs_saves_then_and_at_the_end(tmp_path):
    saved = []

    class Spy(Checkpoint):
        def on_epoch_end(self, trainer):
            before = self.path.stat().st_mtime_ns if self.path.exists() else None
            super().on_epoch_end(trainer)
            after = self.path.stat().st_mtime_ns if self.path.exists() else None
            if after != before:
                saved.append(trainer.epoch)

    trainer, loader = _trainer([Spy(tmp_path / "c.pt", every=2)])
    trainer.fit(loader, epochs=5)
    assert saved == [2, 4, 5]
    assert load_checkpoint(tmp_path / "c.pt")["epoch"] == 5


def test_autocast_really_lowers_the_precision_of_the_forward_pass():
    dtypes = []
    trainer, loader = _trainer(amp=True)
    trainer.model[0].register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))
    trainer.fit(loader, epochs=1)
    assert dtypes and set(dtypes) == {torch.bfloat16}
    assert trainer.model[0].weight.dtype == torch.float32  # the weights stay float32


def test_step_logger_writes_the_loss_every_n_examples(tmp_path):
    path = tmp_path / "steps.csv"
    trainer, loader = _trainer([StepLogger(path, every=32)])
    trainer.fit(loader, epochs=2)  # 128 examples: a row at 32, 64, 96, 128
    rows = list(csv.DictReader(path.open()))
    assert [int(r["examples"]) for r in rows] == [32, 64, 96, 128]
    assert all(float(r["loss"]) > 0 and float(r["lr"]) == pytest.approx(0.1) for r in rows)


def test_step_logger_can_evaluate_the_whole_training_set(tmp_path):
    path = tmp_path / "steps.csv"
    trainer, loader = _trainer()
    trainer.callbacks = [StepLogger(path, every=64, loader=loader)]
    trainer.fit(loader, epochs=1)
    row = next(csv.DictReader(path.open()))
    assert float(row["loss"]) == pytest.approx(trainer.evaluate(loader)["loss"], rel=1e-6)


class _PoisonAt(Callback):
    """Sets the first weight to NaN before a given step: the next loss is NaN."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_batch_start(self, trainer):
        if trainer.step == self.step:
            with torch.no_grad():
                trainer.model[0].weight[0, 0] = float("nan")


def test_a_nan_loss_stops_training_naming_epoch_and_step(tmp_path):
    ckpt = tmp_path / "c.pt"
    trainer, loader = _trainer([_PoisonAt(step=6), Checkpoint(ckpt)])
    with pytest.raises(NonFiniteLossError, match=r"became nan at epoch 2, step 7") as stop:
        trainer.fit(loader, epochs=3)
    assert f"{ckpt} holds epoch 1" in stop.value.message
    state = load_checkpoint(ckpt)
    assert state["epoch"] == 1  # the last good epoch is kept
    assert all(torch.isfinite(t).all() for t in state["model"].values())


def test_a_nan_stop_without_a_checkpoint_says_there_is_nothing_to_resume():
    trainer, loader = _trainer([_PoisonAt(step=2)])
    with pytest.raises(NonFiniteLossError, match="no checkpoint is kept") as stop:
        trainer.fit(loader, epochs=2)
    assert "last good epoch" not in stop.value.message


def test_checkpoint_never_replaces_a_good_file_with_non_finite_weights(tmp_path):
    ckpt = tmp_path / "c.pt"
    trainer, loader = _trainer([Checkpoint(ckpt)])
    trainer.fit(loader, epochs=1)
    with torch.no_grad():
        trainer.model[0].weight.fill_(float("inf"))
    trainer.epoch, trainer.epochs = 2, 2
    trainer.callbacks[0].on_epoch_end(trainer)
    assert load_checkpoint(ckpt)["epoch"] == 1


def test_the_skip_policy_skips_non_finite_batches_and_trains_on(caplog):
    trainer, loader = _trainer(nonfinite="skip")
    original = trainer.task.step

    def step(model, loss_fn, batch):
        result = original(model, loss_fn, batch)
        if trainer.batch_index == 1 and trainer.epoch == 0:
            result.loss = result.loss * float("nan")
        return result

    trainer.task.step = step  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING):
        history = trainer.fit(loader, epochs=2)
    assert trainer.skipped_batches == 1 and trainer.step == 7
    assert "skipped batch 2 of epoch 1" in caplog.text
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    assert all(torch.isfinite(torch.tensor(row["train_loss"])) for row in history)


def test_a_lagged_scratch_schedule_runs_as_the_books_11_11_loop():
    # The book sets epoch e's rate to scheduler(e - 1) after epoch e - 1: its first
    # epoch keeps the optimiser's lr 0.3, then 0.1 / sqrt(e) from the schedule's own lr.
    w = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([w], lr=0.3)
    schedule = build_scheduler("square_root_scratch", optimizer, total=5, lag=1, start_lr=0.1)
    rates = []
    for _ in range(4):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates == pytest.approx([0.3, 0.1, 0.1 / 2**0.5, 0.1 / 3**0.5])
