"""Segmentation masks after training (13.11): each pixel's class, VOC's colours, pixel accuracy."""

from __future__ import annotations

import torch
from torch import nn

from d2lkit.data.segmentation import VOC_COLORMAP
from d2lkit.experiments.callbacks.segmentation import SegmentationMasks, label2image, predict_mask


class _RedIsClassOne(nn.Module):
    """Class 1 where the red channel is above the other two, class 0 elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        red = X[:, 0] - X[:, 1:].mean(dim=1)
        return torch.stack([-red, red], dim=1) + 0 * self.w


def _image() -> tuple[torch.Tensor, torch.Tensor]:
    image = torch.zeros(3, 4, 6, dtype=torch.uint8)
    image[0, :, :3] = 200  # the left half is red
    mask = torch.zeros(4, 6, dtype=torch.int64)
    mask[:, :2] = 1  # the truth: only two columns are class 1
    return image, mask


def test_label2image_paints_each_class_in_its_voc_colour():
    mask = torch.tensor([[0, 1], [15, 20]])
    painted = label2image(mask)
    assert painted.shape == (3, 2, 2) and painted.dtype == torch.uint8
    assert painted[:, 1, 0].tolist() == list(VOC_COLORMAP[15])


def test_the_mask_is_each_pixels_most_probable_class():
    image, _ = _image()
    predicted = predict_mask(_RedIsClassOne(), image, lambda x: x.float() / 255)
    assert predicted[:, :3].eq(1).all() and predicted[:, 3:].eq(0).all()


def test_the_callback_crops_predicts_and_scores_the_pixels(tmp_path):
    class Stub:
        model, run_dir = _RedIsClassOne(), tmp_path

    image, mask = _image()
    callback = SegmentationMasks([image], [mask], (4, 4), lambda x: x.float() / 255)
    callback.on_fit_end(Stub())  # type: ignore[arg-type]
    # the 4x4 window: columns 0-1 right (class 1), column 2 wrong, column 3 right (class 0)
    assert callback.summary() == {"shown_pixel_acc": 12 / 16}
    assert (tmp_path / "segmentation.png").is_file()
