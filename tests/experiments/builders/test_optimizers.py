"""Optimisers from ``optim.*``: parameters a model marks with ``lr_scale`` get their own rate."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.experiments.builders.optimizers import build_optimizer, param_groups
from d2lkit.experiments.config import OptimConfig
from d2lkit.models.finetune import mark_lr_scale


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))


def test_unmarked_parameters_stay_one_plain_group():
    net = _net()
    assert param_groups(net.parameters(), 0.1) == list(net.parameters())
    assert len(build_optimizer(OptimConfig(name="sgd", lr=0.1), net.parameters()).param_groups) == 1


def test_marked_parameters_train_at_their_scale_of_the_rate_as_torch_groups_would():
    net = _net()
    mark_lr_scale(net[1], 10)
    optimizer = build_optimizer(
        OptimConfig(name="sgd", lr=0.05, weight_decay=0.01), net.parameters()
    )
    assert [g["lr"] for g in optimizer.param_groups] == [0.05, pytest.approx(0.5)]
    # the same step as torch's SGD given the book's two groups by hand
    twin = _net()
    reference = torch.optim.SGD(
        [{"params": twin[0].parameters()}, {"params": twin[1].parameters(), "lr": 0.5}],
        lr=0.05, weight_decay=0.01,
    )  # fmt: skip
    X = torch.randn(5, 3)
    for model, opt in ((net, optimizer), (twin, reference)):
        opt.zero_grad()
        model(X).square().sum().backward()
        opt.step()
    for a, b in zip(net.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_a_schedule_scales_every_group():
    net = _net()
    mark_lr_scale(net[1], 10)
    optimizer = build_optimizer(OptimConfig(name="sgd", lr=0.1), net.parameters())
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    optimizer.step()  # no gradients: nothing moves
    scheduler.step()
    assert [g["lr"] for g in optimizer.param_groups] == [0.05, pytest.approx(0.5)]


def test_a_scale_that_is_not_positive_is_refused():
    net = _net()
    mark_lr_scale(net[0], 0)
    with pytest.raises(ConfigError, match="lr_scale must be positive"):
        param_groups(net.parameters(), 0.1)
