"""The 1.0 Trainer: the book's fit/fit_epoch contract, methods a section installs take effect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from d2lkit.v1 import torch as d2l


class Data(d2l.DataModule):
    """16 training and 8 validation examples of a 3-class problem, batches of 4."""

    def __init__(self, num_train: int = 16, num_val: int = 8, batch_size: int = 4) -> None:
        super().__init__()
        self.save_hyperparameters()
        g = torch.Generator().manual_seed(0)
        self.X = torch.randn(num_train + num_val, 5, generator=g)
        self.y = self.X[:, :3].argmax(dim=1)

    def get_dataloader(self, train: bool):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class Softmax(d2l.Classifier):
    def __init__(self, lr: float = 0.1) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Linear(5, 3)


@pytest.fixture()
def restore_trainer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Methods a test installs on d2l.Trainer are put back afterwards."""
    for name in ("fit_epoch", "prepare_batch", "clip_gradients", "__init__"):
        monkeypatch.setattr(d2l.Trainer, name, getattr(d2l.Trainer, name))
    yield


def test_fit_runs_max_epochs_over_every_batch_and_keeps_the_books_counters():
    trainer = d2l.Trainer(max_epochs=3)
    model = Softmax()
    trainer.fit(model, Data())
    assert trainer.epoch == 2  # the book's `for self.epoch in range(max_epochs)`
    assert (trainer.num_train_batches, trainer.num_val_batches) == (4, 2)
    assert (trainer.train_batch_idx, trainer.val_batch_idx) == (12, 6)
    assert model.trainer is trainer and model.board.xlim == [0, 3]
    assert not model.training  # as the book leaves it: validation ran last


def test_fit_draws_the_books_points(tmp_path: Path):
    model = Softmax()
    data = Data()
    d2l.Trainer(max_epochs=2).fit(model, data)
    board = model.board
    assert list(board.data) == ["train_loss", "val_loss", "val_acc"]
    # 4 batches, 2 points per epoch: x = mean of batch_idx / 4 over 2 batches
    assert [p.x for p in board.data["train_loss"]] == [0.125, 0.625, 1.125, 1.625]
    assert [p.x for p in board.data["val_loss"]] == [1.0, 2.0]
    # the last validation ran on the final model: its mean per-batch accuracy
    with torch.no_grad():
        X, y = data.X[16:], data.y[16:]
        accs = [(model(X[i : i + 4]).argmax(1) == y[i : i + 4]).float().mean() for i in (0, 4)]
    assert board.data["val_acc"][-1].y == pytest.approx(float(sum(accs) / 2))
    assert list((tmp_path / "plots").glob("board*.png"))  # headless: a PNG


def test_a_fit_epoch_a_section_installs_is_the_one_fit_runs(restore_trainer: None):
    calls: list[int] = []

    @d2l.add_to_class(d2l.Trainer)
    def fit_epoch(self):  # a loop of one's own, as 3.4 writes it
        calls.append(self.epoch)
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(self.prepare_batch(batch))
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()
            self.train_batch_idx += 1

    trainer = d2l.Trainer(max_epochs=2)
    trainer.fit(Softmax(), Data())
    assert calls == [0, 1] and trainer.train_batch_idx == 8 and trainer.val_batch_idx == 0


def test_prepare_batch_installed_later_sees_every_training_and_validation_batch(
    restore_trainer: None,
):
    trainer = d2l.Trainer(max_epochs=1)  # made before the method is installed
    seen: list[int] = []

    @d2l.add_to_class(d2l.Trainer)
    def prepare_batch(self, batch):
        seen.append(batch[0].shape[0])
        return batch

    trainer.fit(Softmax(), Data())
    assert seen == [4] * 6  # 4 training and 2 validation batches


def test_clip_gradients_installed_by_a_section_runs_between_backward_and_step(
    restore_trainer: None,
):
    @d2l.add_to_class(d2l.Trainer)
    def clip_gradients(self, grad_clip_val, model):
        for p in model.parameters():  # gradients exist here, and the step has not happened
            assert p.grad is not None
            p.grad.zero_()

    model = Softmax()
    before = [p.detach().clone() for p in model.parameters()]
    d2l.Trainer(max_epochs=2, gradient_clip_val=1).fit(model, Data())
    for p, p0 in zip(model.parameters(), before, strict=True):
        torch.testing.assert_close(p.detach(), p0)  # zeroed gradients: SGD moved nothing


def test_clip_gradients_is_not_called_without_a_clip_value(restore_trainer: None):
    @d2l.add_to_class(d2l.Trainer)
    def clip_gradients(self, grad_clip_val, model):
        raise AssertionError("called")

    d2l.Trainer(max_epochs=1).fit(Softmax(), Data())


def test_the_default_clip_scales_gradients_to_the_clip_value():
    model = nn.Linear(2, 1)
    model.weight.grad = torch.tensor([[3.0, 0.0]])
    model.bias.grad = torch.tensor([4.0])  # global norm 5
    d2l.Trainer(max_epochs=1).clip_gradients(1.0, model)
    assert float(torch.cat([model.weight.grad.flatten(), model.bias.grad]).norm()) == pytest.approx(
        1.0, rel=1e-5
    )
    model.weight.grad = torch.tensor([[0.3, 0.0]])
    model.bias.grad = torch.tensor([0.4])  # norm 0.5: below the value, unchanged
    d2l.Trainer(max_epochs=1).clip_gradients(1.0, model)
    torch.testing.assert_close(model.bias.grad, torch.tensor([0.4]))


def test_a_training_step_a_model_overrides_is_what_fit_minimises():
    class Frozen(Softmax):
        def training_step(self, batch):
            self.steps = getattr(self, "steps", 0) + 1
            return self.loss(self(*batch[:-1]), batch[-1]) * 0.0  # no gradient signal

    model = Frozen()
    before = [p.detach().clone() for p in model.parameters()]
    d2l.Trainer(max_epochs=2).fit(model, Data())
    assert model.steps == 8
    for p, p0 in zip(model.parameters(), before, strict=True):
        torch.testing.assert_close(p.detach(), p0)


def test_the_books_scratch_sgd_trains_a_scratch_model():
    data = d2l.SyntheticRegressionData(w=torch.tensor([2.0, -3.4]), b=4.2)
    model = d2l.LinearRegressionScratch(2, lr=0.03)
    # the book's SGD: zero_grad() without arguments, no param_groups
    d2l.Trainer(max_epochs=10).fit(model, data)
    torch.testing.assert_close(model.w.detach().reshape(-1), data.w, atol=0.02, rtol=0)
    assert abs(float(model.b.detach()) - 4.2) < 0.02


def test_one_trainer_fits_several_models_in_turn():
    trainer = d2l.Trainer(max_epochs=1)
    data = Data()
    first, second = Softmax(), Softmax()
    trainer.fit(first, data)
    trainer.fit(second, data)
    assert trainer.model is second and trainer.train_batch_idx == 4
    assert len(second.board.data["train_loss"]) == 2


def test_num_gpus_uses_at_most_the_gpus_present(monkeypatch: pytest.MonkeyPatch):
    from d2lkit.compat.v1 import trainer as trainer_module

    monkeypatch.setattr(trainer_module, "_gpus_present", lambda: 0)
    assert d2l.Trainer(max_epochs=1, num_gpus=1).gpus == []
    monkeypatch.setattr(trainer_module, "_gpus_present", lambda: 2)
    assert d2l.Trainer(max_epochs=1, num_gpus=4).gpus == [
        torch.device("cuda:0"),
        torch.device("cuda:1"),
    ]


def test_a_lazy_cnn_on_large_images_trains_in_nhwc_and_is_handed_back_in_nchw():
    class Images(d2l.DataModule):
        def __init__(self) -> None:
            self.batch_size = 4
            self.X = torch.rand(8, 1, 64, 64)
            self.y = torch.arange(8) % 2

        def get_dataloader(self, train: bool):
            return self.get_tensorloader((self.X, self.y), train)

    class Cnn(d2l.Classifier):
        def __init__(self) -> None:
            super().__init__()
            self.lr = 0.01
            self.net = nn.Sequential(
                nn.LazyConv2d(4, 3),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.LazyLinear(2),
            )

    model = Cnn()
    trainer = d2l.Trainer(max_epochs=1)
    trainer.fit(model, Images())
    assert trainer.train_batch_idx == 2
    weight = model.net[0].weight
    assert weight.shape == (4, 1, 3, 3) and weight.is_contiguous()
