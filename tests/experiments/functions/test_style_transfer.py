"""Style transfer's loop (13.12): the image moves to lower the book's weighted loss."""

from __future__ import annotations

import torch

from d2lkit.experiments import get_recipe
from d2lkit.experiments.config import apply_overrides
from d2lkit.experiments.functions.style_transfer import LOG_EVERY, _train
from d2lkit.models.style import vgg19_features


def test_the_loss_falls_and_is_logged_every_ten_steps_and_at_the_end():
    torch.manual_seed(0)
    net = vgg19_features(pretrained=False)
    config = apply_overrides(
        get_recipe("style-transfer").config, ["train.epochs=12", "optim.lr=0.05"]
    )
    content, style = torch.randn(1, 3, 24, 32), torch.randn(1, 3, 24, 32)
    result, log = _train(config, net, content, style)
    assert [row["step"] for row in log] == [LOG_EVERY, 12]
    assert log[-1]["loss"] < log[0]["loss"]
    assert result.shape == content.shape and not torch.equal(result, content)
    for row in log:  # the book's sum: style ten times, content, total variation
        total = 10 * row["style_loss"] + row["content_loss"] + row["tv_loss"]
        assert abs(row["loss"] - total) <= 1e-4 * abs(total)
