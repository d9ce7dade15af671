"""The book's chapter-13 names (computer vision), each adapting a d2lkit piece.

Box geometry and anchors come from :mod:`d2lkit.vision`, drawing from
:mod:`d2lkit.viz.boxes`, the data from :mod:`d2lkit.data.detection`,
:mod:`~d2lkit.data.segmentation` and :mod:`~d2lkit.data.kaggle`, and
``train_ch13`` runs d2lkit's :class:`~d2lkit.train.Trainer` with the
:class:`~d2lkit.train.dense.DenseClassification` task. Signatures, defaults
and return types follow d2l 0.17.6's ``torch.py``; docs/compat.md lists the
differences.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lkit.compat import book
from d2lkit.compat.loops import _Ch6Curves, _speed
from d2lkit.data import detection as _detection
from d2lkit.data import kaggle as _kaggle
from d2lkit.data import segmentation as _segmentation
from d2lkit.data.loaders import TensorLoader
from d2lkit.train import Trainer
from d2lkit.train.dense import DenseClassification
from d2lkit.vision import anchors as _anchors
from d2lkit.vision import (
    box_center_to_corner,
    box_corner_to_center,
    box_iou,
    multibox_detection,
    multibox_prior,
    multibox_target,
    nms,
    offset_boxes,
    offset_inverse,
)
from d2lkit.viz.animator import Animator
from d2lkit.viz.boxes import bbox_to_rect, show_bboxes

__all__ = [
    "VOC_CLASSES",
    "VOC_COLORMAP",
    "BananasDataset",
    "VOCSegDataset",
    "assign_anchor_to_bbox",
    "bbox_to_rect",
    "box_center_to_corner",
    "box_corner_to_center",
    "box_iou",
    "copyfile",
    "load_data_bananas",
    "load_data_voc",
    "multibox_detection",
    "multibox_prior",
    "multibox_target",
    "nms",
    "offset_boxes",
    "offset_inverse",
    "read_csv_labels",
    "read_data_bananas",
    "read_voc_images",
    "reorg_test",
    "reorg_train_valid",
    "show_bboxes",
    "train_batch_ch13",
    "train_ch13",
    "voc_colormap2label",
    "voc_label_indices",
    "voc_rand_crop",
]

# --- 13.1 Image augmentation: training on several devices ---------------------------


def _first_device(devices: Any) -> torch.device:
    """``devices[0]``; an empty list (d2l 1.0's ``try_all_gpus()`` without a GPU) is the CPU."""
    if isinstance(devices, (list, tuple)):
        return torch.device(devices[0]) if devices else torch.device("cpu")
    return torch.device(devices)


def train_batch_ch13(
    net: nn.Module, X: Any, y: torch.Tensor, loss: Any, trainer: Any, devices: Any
) -> tuple[torch.Tensor, float]:
    """One minibatch on ``devices[0]``: backpropagate the sum of ``loss``; return its sum
    and the number of correct labels (examples, or pixels for a segmenter)."""
    device = _first_device(devices)
    X = [x.to(device) for x in X] if isinstance(X, list) else X.to(device)
    y = y.to(device)
    net.train()
    trainer.zero_grad()
    step = DenseClassification(reduction="sum").step(net, loss, (X, y))
    step.loss.backward()
    trainer.step()
    return step.sums["loss"].to(torch.float32), book.accuracy(step.outputs, y)


def _parallel(net: nn.Module, devices: Sequence[Any]) -> nn.Module:
    """The book's ``nn.DataParallel`` over several CUDA devices; the net itself on one."""
    cuda = [torch.device(d) for d in devices if torch.device(d).type == "cuda"]
    if len(cuda) > 1:
        return nn.DataParallel(net, device_ids=cuda)
    return net


def train_ch13(
    net: nn.Module, train_iter: Iterable[Any], test_iter: Iterable[Any], loss: Any,
    trainer: Any, num_epochs: int, devices: Any = None,
) -> None:  # fmt: skip
    """Train with d2lkit's Trainer on ``devices`` (default: every GPU, else the CPU; an
    empty list, d2l 1.0's ``try_all_gpus()`` on a machine without one, is the CPU).

    Backpropagates the sum of ``loss`` over the batch as the book does; plots
    train loss and accuracy five times per epoch and test accuracy per epoch;
    prints ``loss …, train acc …, test acc …`` and ``… examples/sec on [devices]``.
    Accuracy counts every label, so a segmenter's is per pixel.
    """
    devices = book.try_all_gpus() if devices is None else list(devices) or [torch.device("cpu")]
    animator = Animator(
        xlabel="epoch", xlim=[1, num_epochs], ylim=[0, 1],
        legend=["train loss", "train acc", "test acc"],
    )  # fmt: skip
    runner = Trainer(
        _parallel(net, devices), loss, trainer,
        task=DenseClassification(reduction="sum"), device=devices[0],
        callbacks=[_Ch6Curves(animator)],
    )  # fmt: skip
    history = runner.fit(train_iter, {"test": test_iter}, num_epochs)
    row = history[-1]
    print(
        f"loss {row['train_loss']:.3f}, train acc {row['train_acc']:.3f}, "
        f"test acc {row['test_acc']:.3f}"
    )
    print(f"{_speed(history, 'examples_per_sec'):.1f} examples/sec on {devices}")


# --- 13.4 Anchor boxes ---------------------------------------------------------------


def assign_anchor_to_bbox(
    ground_truth: torch.Tensor,
    anchors: torch.Tensor,
    device: Any = None,
    iou_threshold: float = 0.5,
) -> torch.Tensor:
    """The book's signature: ``device`` is where the result goes (default: the anchors')."""
    assigned = _anchors.assign_anchor_to_bbox(ground_truth, anchors, iou_threshold)
    return assigned if device is None else assigned.to(device)


# --- 13.6 The banana detection data set ------------------------------------------------


def read_data_bananas(is_train: bool = True) -> tuple[list[torch.Tensor], torch.Tensor]:
    """(images, each ``(3, 256, 256)`` uint8; targets ``(N, 1, 5)``, corners in [0, 1])."""
    data = _detection.read_bananas(is_train)
    return list(data.images), data.labels


class BananasDataset(torch.utils.data.Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """The book's dataset: ``(float image 0-255, target)`` pairs; says how many it read."""

    def __init__(self, is_train: bool) -> None:
        data = _detection.read_bananas(is_train)
        self.images, self.labels = data.images, data.labels
        self.features = list(data.images)
        kind = "training" if is_train else "validation"
        print(f"read {len(self.features)} {kind} examples")

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[idx].float(), self.labels[idx]

    def __len__(self) -> int:
        return len(self.features)


def _to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float()


def load_data_bananas(batch_size: int) -> tuple[TensorLoader, TensorLoader]:
    """(train shuffled, validation) loaders; each has the book's ``.dataset``."""
    loaders = []
    for is_train in (True, False):
        dataset = BananasDataset(is_train)
        loader = TensorLoader(
            dataset.images, dataset.labels, batch_size=batch_size, shuffle=is_train,
            seed=book._seed(), transform=_to_float,
        )  # fmt: skip
        loader.dataset = dataset  # type: ignore[attr-defined]  # len(train_iter.dataset)
        loaders.append(loader)
    return loaders[0], loaders[1]


# --- 13.9 Semantic segmentation and the VOC data set -----------------------------------

VOC_COLORMAP = [list(c) for c in _segmentation.VOC_COLORMAP]
VOC_CLASSES = list(_segmentation.VOC_CLASSES)
voc_colormap2label = _segmentation.voc_colormap2label
voc_label_indices = _segmentation.voc_label_indices


def read_voc_images(
    voc_dir: str | os.PathLike[str], is_train: bool = True
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(images, colour label images), each ``(3, H, W)`` uint8, of the train or val split."""
    data = _segmentation.read_voc_folder(Path(voc_dir), is_train, rgb_masks=True)
    return data.images, data.masks


def voc_rand_crop(
    feature: torch.Tensor, label: torch.Tensor, height: int, width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random ``height x width`` window of an image and its label."""
    return _segmentation.voc_rand_crop(feature, label, height, width)


class VOCSegDataset(_segmentation.VOCSegDataset):
    """The book's ``VOCSegDataset(is_train, crop_size, voc_dir)``: random normalised crops.

    Labels are class indices from the start (the book converts each crop).
    """

    def __init__(
        self, is_train: bool, crop_size: Sequence[int], voc_dir: str | os.PathLike[str]
    ) -> None:
        data = _segmentation.read_voc_folder(Path(voc_dir), is_train)
        super().__init__(data, crop_size)
        print(f"read {len(self.features)} examples")


def load_data_voc(
    batch_size: int, crop_size: Sequence[int]
) -> tuple[torch.utils.data.DataLoader[Any], torch.utils.data.DataLoader[Any]]:
    """(train shuffled, test) loaders of random crops; last partial batches dropped."""
    voc_dir = _segmentation.voc_dir()
    train = VOCSegDataset(True, crop_size, voc_dir)
    test = VOCSegDataset(False, crop_size, voc_dir)
    return (
        torch.utils.data.DataLoader(train, batch_size, shuffle=True, drop_last=True),
        torch.utils.data.DataLoader(test, batch_size, drop_last=True),
    )


# --- 13.13-13.14 Kaggle layouts --------------------------------------------------------

read_csv_labels = _kaggle.read_csv_labels
copyfile = _kaggle.copyfile


def reorg_train_valid(
    data_dir: str | os.PathLike[str], labels: dict[str, str], valid_ratio: float
) -> int:
    """Class folders under ``data_dir/train_valid_test``; returns images per valid class."""
    return _kaggle.reorg_train_valid(data_dir, labels, valid_ratio)


def reorg_test(data_dir: str | os.PathLike[str]) -> None:
    """``data_dir/test`` copied into ``data_dir/train_valid_test/test/unknown``."""
    _kaggle.reorg_test(data_dir)
