"""Losses by name: chapters 13-15's, each accepted by its task and refused by the others."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from d2lkit.errors import ConfigError
from d2lkit.experiments.builders.losses import LOSSES_FOR_TASK, build_loss
from d2lkit.models.ssd import ssd_loss


def test_chapter_13_to_15_tasks_accept_their_books_losses():
    assert LOSSES_FOR_TASK["dense_classification"][0] == "cross_entropy_none"
    assert LOSSES_FOR_TASK["skip_gram"] == ("sigmoid_bce",)
    assert LOSSES_FOR_TASK["multibox_detection"] == ("ssd",)
    for task, names in LOSSES_FOR_TASK.items():
        for name in names:
            assert callable(build_loss(name, task))
    with pytest.raises(ConfigError, match="does not fit the skip_gram task"):
        build_loss("cross_entropy", "skip_gram")


def test_the_per_example_cross_entropy_keeps_one_loss_per_pixel():
    logits, labels = torch.randn(2, 5, 3, 4), torch.randint(0, 5, (2, 3, 4))
    loss = build_loss("cross_entropy_none", "dense_classification")(logits, labels)
    torch.testing.assert_close(loss, F.cross_entropy(logits, labels, reduction="none"))


def test_the_named_model_losses_are_the_models_own():
    g = torch.Generator().manual_seed(0)
    cls, bbox = torch.randn(2, 6, 2, generator=g), torch.randn(2, 24, generator=g)
    labels, targets = torch.randint(0, 2, (2, 6), generator=g), torch.randn(2, 24, generator=g)
    masks = torch.randint(0, 2, (2, 24), generator=g).float()
    torch.testing.assert_close(
        build_loss("ssd", "multibox_detection")(cls, labels, bbox, targets, masks),
        ssd_loss(cls, labels, bbox, targets, masks),
    )
    scores, target = torch.randn(3, 4, generator=g), torch.randint(0, 2, (3, 4), generator=g)
    mask = torch.ones(3, 4)
    expected = F.binary_cross_entropy_with_logits(scores, target.float(), reduction="none").mean(1)
    torch.testing.assert_close(
        build_loss("sigmoid_bce", "skip_gram")(scores, target.float(), mask), expected
    )
