"""TinySSD (13.7): the shapes the book prints, its loss against torch's own, detections out."""

from __future__ import annotations

import torch
from torch import nn

from d2lkit.models.ssd import (
    SSDLoss,
    TinySSD,
    base_net,
    bbox_eval,
    cls_eval,
    cls_predictor,
    concat_preds,
    down_sample_blk,
    ssd_loss,
)
from d2lkit.vision import multibox_detection, multibox_target


def test_prediction_layers_and_blocks_have_the_books_printed_shapes():
    Y1 = cls_predictor(8, 5, 10)(torch.zeros((2, 8, 20, 20)))
    Y2 = cls_predictor(16, 3, 10)(torch.zeros((2, 16, 10, 10)))
    assert (Y1.shape, Y2.shape) == ((2, 55, 20, 20), (2, 33, 10, 10))
    assert concat_preds([Y1, Y2]).shape == (2, 25300)
    assert down_sample_blk(3, 10)(torch.zeros((2, 3, 20, 20))).shape == (2, 10, 10, 10)
    assert base_net()(torch.zeros((2, 3, 256, 256))).shape == (2, 64, 32, 32)


def test_tiny_ssd_outputs_have_the_books_printed_shapes():
    # 13.7 prints anchors (1, 5444, 4), class preds (32, 5444, 2), bbox preds (32, 21776)
    net = TinySSD(num_classes=1).eval()
    with torch.no_grad():
        anchors, cls_preds, bbox_preds = net(torch.zeros((32, 3, 256, 256)))
    assert anchors.shape == (1, 5444, 4)
    assert cls_preds.shape == (32, 5444, 2) and bbox_preds.shape == (32, 21776)


def test_the_loss_is_the_books_cross_entropy_plus_masked_l1():
    g = torch.Generator().manual_seed(0)
    cls_preds = torch.randn(3, 7, 2, generator=g)
    cls_labels = torch.randint(0, 2, (3, 7), generator=g)
    bbox_preds, bbox_labels = torch.randn(3, 28, generator=g), torch.randn(3, 28, generator=g)
    masks = (torch.rand(3, 28, generator=g) > 0.5).float()
    cls = nn.CrossEntropyLoss(reduction="none")(cls_preds.reshape(-1, 2), cls_labels.reshape(-1))
    bbox = nn.L1Loss(reduction="none")(bbox_preds * masks, bbox_labels * masks)
    expected = cls.reshape(3, -1).mean(dim=1) + bbox.mean(dim=1)
    got = SSDLoss()(cls_preds, cls_labels, bbox_preds, bbox_labels, masks)
    torch.testing.assert_close(got, expected)
    assert cls_eval(cls_preds, cls_labels) == (cls_preds.argmax(-1) == cls_labels).sum()
    assert (
        bbox_eval(bbox_preds, bbox_labels, masks)
        == torch.abs((bbox_labels - bbox_preds) * masks).sum()
    )


def test_one_training_step_on_a_banana_box_then_detections_come_out():
    torch.manual_seed(0)
    net = TinySSD(num_classes=1, width=16, base=(3, 4, 8, 16))
    X = torch.rand(2, 3, 64, 64) * 255
    Y = torch.tensor([[[0.0, 0.1, 0.2, 0.6, 0.7]], [[0.0, 0.5, 0.4, 0.9, 0.8]]])
    optimizer = torch.optim.SGD(net.parameters(), lr=0.2, weight_decay=5e-4)
    anchors, cls_preds, bbox_preds = net(X)
    bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, Y)
    assert bbox_labels.shape == bbox_preds.shape and cls_labels.shape == cls_preds.shape[:2]
    ssd_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks).mean().backward()
    optimizer.step()
    net.eval()
    with torch.no_grad():
        anchors, cls_preds, bbox_preds = net(X[:1])
    probs = torch.softmax(cls_preds, dim=2).permute(0, 2, 1)
    out = multibox_detection(probs, bbox_preds, anchors)
    assert out.shape == (1, anchors.shape[1], 6)
    assert set(out[0, :, 0].tolist()) <= {-1.0, 0.0}
