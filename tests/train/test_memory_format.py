"""channels_last="auto": NHWC on a CPU for large images, only for models that accept it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.train import Trainer
from d2lkit.train.memory_format import AUTO_MIN_SIDE, check_setting, wants_channels_last

CPU = torch.device("cpu")


def _cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5),
        nn.Conv2d(4, 4, 3, padding=1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2),
    )  # fmt: skip


class _ViewNet(nn.Module):
    """Reshapes with ``view``, as the course notes' FlattenLayer does: NHWC breaks it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2)
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv2(self.bn(self.conv(x)))
        return x.view(x.shape[0], -1)[:, :2]


def _nhwc(model: nn.Module) -> bool:
    """The layout of the last convolution with several input channels (for one, both agree)."""
    weight = [p for p in model.parameters() if p.dim() == 4 and p.shape[1] > 1][-1]
    return weight.is_contiguous(memory_format=torch.channels_last)


def test_auto_picks_nhwc_for_large_images_on_a_cpu_and_not_for_small_ones():
    model = _cnn()
    assert not wants_channels_last(model, [torch.rand(2, 1, 28, 28)], CPU)
    assert not _nhwc(model)
    side = AUTO_MIN_SIDE
    assert wants_channels_last(model, [torch.rand(2, 1, side, side), torch.zeros(2)], CPU)
    assert _nhwc(model)


def test_auto_keeps_nchw_for_what_is_not_an_image_batch_or_not_on_a_cpu():
    assert not wants_channels_last(_cnn(), [torch.rand(2, 64, 64)], CPU)  # 3-D: not images
    assert not wants_channels_last(_cnn(), [torch.zeros(2, 1, 64, 64, dtype=torch.long)], CPU)
    assert not wants_channels_last(_cnn(), [torch.rand(2, 1, 64, 64)], torch.device("meta"))
    assert not wants_channels_last(lambda x: x, [torch.rand(2, 1, 64, 64)], CPU)


def test_a_model_that_views_its_activations_keeps_nchw_and_nothing_moves():
    model = _ViewNet()
    model.train()
    images = torch.rand(3, 1, 64, 64)
    before = model.bn.running_mean.clone()
    rng = torch.get_rng_state()
    assert not wants_channels_last(model, [images], CPU)
    assert not _nhwc(model) and model.training
    assert torch.equal(model.bn.running_mean, before)  # the probe ran in evaluation mode
    assert torch.equal(torch.get_rng_state(), rng)
    model(torch.rand(3, 1, 64, 64))  # and it still runs in the default layout


def test_the_trainer_decides_on_the_first_batch_and_trains_the_same_numbers():
    torch.manual_seed(0)
    X, y = torch.rand(16, 1, 64, 64), torch.randint(0, 2, (16,))
    results = {}
    for setting in (False, "auto"):
        torch.manual_seed(1)
        model = _cnn()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        trainer = Trainer(model, nn.CrossEntropyLoss(), opt, device="cpu", channels_last=setting)
        assert trainer.channels_last == setting  # nothing decided before a batch is seen
        trainer.fit(TensorLoader(X, y, batch_size=8, shuffle=True, seed=0), epochs=2)
        results[setting] = (trainer.history[-1]["train_loss"], trainer.channels_last, _nhwc(model))
    assert results[False][1:] == (False, False)
    assert results["auto"][1:] == (True, True)
    assert results["auto"][0] == pytest.approx(results[False][0], rel=1e-4)  # other kernels


def test_a_view_model_trains_under_auto():
    model = _ViewNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, device="cpu", channels_last="auto")
    X, y = torch.rand(8, 1, 64, 64), torch.randint(0, 2, (8,))
    trainer.fit(TensorLoader(X, y, batch_size=4), epochs=1)
    assert trainer.channels_last is False


@pytest.mark.parametrize("value", ["yes", 2, None])
def test_other_settings_are_refused_with_the_choices(value):
    with pytest.raises(ConfigError, match="true, false or 'auto'"):
        check_setting(value)
    with pytest.raises(ConfigError, match="channels_last"):
        Trainer(nn.Linear(2, 2), nn.MSELoss(), None, device="cpu", channels_last=value)


def test_auto_gives_a_lazy_model_its_shapes_first_then_converts_it():
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    images = torch.rand(2, 3, AUTO_MIN_SIDE, AUTO_MIN_SIDE)
    assert wants_channels_last(model, (images,), torch.device("cpu"))
    weight = model[0].weight
    assert weight.shape == (4, 3, 3, 3)
    assert weight.is_contiguous(memory_format=torch.channels_last)
