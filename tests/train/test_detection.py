"""SSD's training step (13.7): the book's loss, class error and box error from one batch."""

from __future__ import annotations

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.models.ssd import SSDLoss, bbox_eval, cls_eval, tiny_ssd_tiny
from d2lkit.train import Trainer
from d2lkit.train.detection import MultiboxDetection
from d2lkit.train.tasks import build_task
from d2lkit.vision import multibox_target


def _batch(n: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 3, 64, 64, generator=g) * 255
    corners = torch.sort(torch.rand(n, 1, 2, 2, generator=g), dim=-1).values  # x1<x2, y1<y2
    boxes = corners.transpose(-1, -2).reshape(n, 1, 4)  # (x1, y1, x2, y2)
    return X, torch.cat((torch.zeros(n, 1, 1), boxes), dim=2)


def test_the_step_reports_the_books_figures_for_the_batch():
    torch.manual_seed(0)
    net, (X, Y) = tiny_ssd_tiny(), _batch()
    step = build_task("multibox_detection").step(net, SSDLoss(), (X, Y))
    with torch.no_grad():  # the book's train loop, by hand
        anchors, cls_preds, bbox_preds = net(X)
    bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, Y)
    book_loss = SSDLoss()(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks).mean()
    torch.testing.assert_close(step.loss, book_loss)
    class_err = 1 - float(cls_eval(cls_preds, cls_labels)) / cls_labels.numel()
    bbox_mae = float(bbox_eval(bbox_preds, bbox_labels, bbox_masks)) / bbox_labels.numel()
    assert float(step.sums["class_err"]) / step.count == pytest.approx(class_err)
    assert float(step.sums["bbox_mae"]) / step.count == pytest.approx(bbox_mae, rel=1e-5)


def test_an_epoch_of_training_lowers_the_loss_of_a_fixed_batch():
    torch.manual_seed(0)
    batch = _batch(4)
    net = tiny_ssd_tiny()
    trainer = Trainer(
        net, SSDLoss(), torch.optim.SGD(net.parameters(), lr=0.2), task=MultiboxDetection(),
        device="cpu",
    )  # fmt: skip
    before = trainer.evaluate([batch])
    trainer.fit([batch] * 5, epochs=2)
    after = trainer.evaluate([batch])
    assert after["loss"] < before["loss"]
    assert set(after) == {"loss", "class_err", "bbox_mae"} and 0 <= after["class_err"] <= 1


def test_a_batch_that_is_not_images_and_labels_is_refused():
    with pytest.raises(ConfigError, match="images, labels"):
        MultiboxDetection().step(tiny_ssd_tiny(), SSDLoss(), (torch.zeros(1),))
