"""The Trainer on a boring model and synthetic data: fit, evaluate, events, resume."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.train import (
    Callback,
    CancelBatch,
    CancelEpoch,
    Checkpoint,
    EarlyStopping,
    StopTraining,
    Trainer,
    seed_everything,
)


def _blobs(n: int = 512, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two separable Gaussian blobs in 2-D: a linear model gets them all right."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    X = torch.randn(n, 2, generator=g) * 0.5 + (y.float() * 4 - 2).unsqueeze(1)
    return X, y


def _setup(callbacks=(), dropout: float = 0.0, seed: int = 0, lr: float = 0.1):
    seed_everything(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, device="cpu", callbacks=callbacks)
    X, y = _blobs()
    train = TensorLoader(X, y, batch_size=32, shuffle=True, seed=seed)
    valid = TensorLoader(*_blobs(256, seed=1), batch_size=64)
    return trainer, train, valid


def test_fit_learns_separable_data_and_records_history():
    trainer, train, valid = _setup()
    history = trainer.fit(train, valid, epochs=3)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert history[-1]["test_acc"] > 0.98
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert {
        "train_loss",
        "train_acc",
        "test_loss",
        "test_acc",
        "lr",
        "train_time",
        "examples_per_sec",
    } <= set(history[-1])


def test_named_evaluation_sets_prefix_their_metrics():
    trainer, train, valid = _setup()
    row = trainer.fit(train, {"valid": valid}, epochs=1)[-1]
    assert "valid_acc" in row and "test_acc" not in row
    assert trainer.metric_names == ["train_loss", "train_acc", "valid_loss", "valid_acc"]


def test_evaluate_matches_a_hand_computed_mean_loss_and_accuracy():
    trainer, _, valid = _setup()
    X, y = valid.tensors
    result = trainer.evaluate(valid)
    with torch.no_grad():
        out = trainer.model.eval()(X)
    assert result["loss"] == pytest.approx(nn.functional.cross_entropy(out, y).item(), rel=1e-5)
    assert result["acc"] == pytest.approx((out.argmax(1) == y).float().mean().item())


def test_evaluate_turns_dropout_off_and_restores_training_mode():
    trainer, _, valid = _setup(dropout=0.9)
    trainer.model.train()
    a, b = trainer.evaluate(valid), trainer.evaluate(valid)
    assert a == b  # deterministic: dropout was off
    assert trainer.model.training


class _Recorder(Callback):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_fit_start(self, trainer):
        self.events.append("fit_start")

    def on_epoch_start(self, trainer):
        self.events.append("epoch_start")

    def on_batch_end(self, trainer, loss):
        self.events.append("batch")

    def on_epoch_end(self, trainer):
        self.events.append("epoch_end")

    def on_fit_end(self, trainer):
        self.events.append("fit_end")


def test_events_fire_in_order_once_per_batch():
    recorder = _Recorder()
    trainer, train, _ = _setup([recorder])
    trainer.fit(train, epochs=2)
    one_epoch = ["epoch_start", *["batch"] * len(train), "epoch_end"]
    assert recorder.events == ["fit_start", *one_epoch, *one_epoch, "fit_end"]


def test_cancel_batch_skips_the_update():
    class SkipAll(Callback):
        def on_batch_start(self, trainer):
            raise CancelBatch

    trainer, train, _ = _setup([SkipAll()])
    before = [p.clone() for p in trainer.model.parameters()]
    trainer.fit(train, epochs=1)
    assert trainer.step == 0
    assert all(torch.equal(a, b) for a, b in zip(before, trainer.model.parameters(), strict=True))


def test_cancel_epoch_ends_training_of_that_epoch_early():
    class TwoBatches(Callback):
        def on_batch_end(self, trainer, loss):
            if trainer.batch_index == 1:
                raise CancelEpoch

    trainer, train, valid = _setup([TwoBatches()])
    history = trainer.fit(train, valid, epochs=2)
    assert trainer.step == 4 and len(history) == 2 and "test_acc" in history[-1]


def test_stop_training_keeps_the_history_so_far():
    class StopAfterFirst(Callback):
        def on_epoch_end(self, trainer):
            raise StopTraining

    recorder = _Recorder()
    trainer, train, _ = _setup([StopAfterFirst(), recorder])
    assert len(trainer.fit(train, epochs=5)) == 1
    assert recorder.events[-2:] == ["epoch_end", "fit_end"]  # later callbacks still ran


def test_early_stopping_waits_for_patience_epochs():
    stopper = EarlyStopping(patience=2, min_delta=10.0)  # monitors test_loss by default
    trainer, train, valid = _setup([stopper])
    history = trainer.fit(train, valid, epochs=10)
    assert len(history) == 3  # epoch 1 sets the best; 2 and 3 fail to beat it by 10


def test_gradient_clipping_bounds_the_update():
    trainer, train, _ = _setup(lr=1.0)
    trainer.grad_clip = 1e-3
    before = [p.clone() for p in trainer.model.parameters()]
    trainer.optimizer = torch.optim.SGD(trainer.model.parameters(), lr=1.0)
    trainer.fit(TensorLoader(*train.tensors, batch_size=512), epochs=1)  # one step
    change = torch.cat(
        [(a - b).flatten() for a, b in zip(trainer.model.parameters(), before, strict=True)]
    )
    assert change.norm() <= 1e-3 * 1.0001


def test_bfloat16_autocast_trains_on_cpu():
    trainer, train, valid = _setup()
    trainer.amp = True
    history = trainer.fit(train, valid, epochs=2)
    assert history[-1]["test_acc"] > 0.95


def test_resuming_from_a_checkpoint_reproduces_the_uninterrupted_run(tmp_path):
    full, train, valid = _setup(dropout=0.3, seed=4)
    full.fit(train, valid, epochs=4)

    first, train, valid = _setup([Checkpoint(tmp_path / "ckpt.pt")], dropout=0.3, seed=4)
    first.fit(train, valid, epochs=2)
    torch.manual_seed(12345)  # the resumed process starts from another random state

    resumed, train, valid = _setup(dropout=0.3, seed=99)
    resumed.load_checkpoint(tmp_path / "ckpt.pt")
    history = resumed.fit(train, valid, epochs=4)

    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    for a, b in zip(
        full.model.state_dict().values(), resumed.model.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert history[-1]["train_loss"] == full.history[-1]["train_loss"]


def test_epochs_below_one_is_an_error():
    trainer, train, _ = _setup()
    with pytest.raises(ValueError, match="at least 1"):
        trainer.fit(train, epochs=0)


def test_channels_last_keeps_the_model_and_image_batches_in_nhwc():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(x.is_contiguous(memory_format=torch.channels_last))
            return x

    model = nn.Sequential(Probe(), nn.Conv2d(3, 4, 3), nn.Flatten(), nn.LazyLinear(2))
    model(torch.zeros(1, 3, 6, 6))  # materialise the lazy layer
    seen.clear()
    trainer = Trainer(
        model, nn.CrossEntropyLoss(), None, device="cpu", channels_last=True
    )  # no optimiser needed to evaluate
    assert model[1].weight.is_contiguous(memory_format=torch.channels_last)
    X, y = torch.rand(8, 3, 6, 6), torch.randint(0, 2, (8,))
    trainer.evaluate(TensorLoader(X, y, batch_size=4))
    assert seen == [True, True]


def test_amp_takes_a_dtype_name_and_refuses_others():
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, device="cpu", amp="float16")
    assert trainer.amp and trainer.amp_dtype == torch.float16 and trainer.scaler is None
    with pytest.raises(ConfigError, match="amp must be"):
        Trainer(model, nn.CrossEntropyLoss(), opt, device="cpu", amp="int8")


def test_a_training_loader_without_batches_is_refused_before_training():
    model = nn.Linear(4, 2)
    trainer = Trainer(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
                      device="cpu")  # fmt: skip
    X, y = torch.randn(10, 4), torch.randint(0, 2, (10,))
    empty = TensorLoader(X, y, batch_size=16, shuffle=True, drop_last=True)
    with pytest.raises(ConfigError, match=r"training loader yields no batches.*batch size 16"):
        trainer.fit(empty, epochs=1)
    assert trainer.history == [] and trainer.step == 0
