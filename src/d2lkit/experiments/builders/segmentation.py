"""PASCAL VOC 2012 segmentation for recipes (13.9): random crops, pixels labelled by class.

The book's ``load_data_voc``: a random ``crop_size`` window of each image and
its class mask (images smaller than the crop are left out), normalised with
ImageNet's statistics; both splits drop their last partial batch. A few test
images go to the callbacks, which draw the predicted masks beside the true.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from d2lkit.data.segmentation import VOCSegDataset, read_voc_folder, voc_dir
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__: list[str] = []


@register_data("voc2012", files="voc2012")
def _voc2012(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    crop_size: Sequence[int] = (320, 480),
) -> RunData:
    """VOC's train (1,464 images) and val (1,449) splits as random ``crop_size`` crops.

    ``crop_size`` is (height, width); both must be multiples of 32 for the FCN.
    """
    generator = torch.Generator().manual_seed(seed)
    folder = voc_dir(root)
    train = VOCSegDataset(read_voc_folder(folder, True), crop_size, generator=generator)
    test_set = read_voc_folder(folder, False)
    test = VOCSegDataset(test_set, crop_size, generator=generator)
    eval_size = config.eval_batch_size or config.batch_size
    train_loader = torch.utils.data.DataLoader(
        train, config.batch_size, shuffle=True, drop_last=True, generator=generator
    )
    test_loader = torch.utils.data.DataLoader(test, eval_size, drop_last=True)
    h, w = int(crop_size[0]), int(crop_size[1])
    big = [i for i, img in enumerate(test_set.images) if img.shape[1] >= h and img.shape[2] >= w]
    kwargs: dict[str, Any] = {"num_classes": len(test_set.classes)}
    if root is not None:  # the pretrained body's weights come from the same data directory
        kwargs["root"] = str(root)
    return RunData(
        train_loader,
        {"test": test_loader},
        model_kwargs=kwargs,
        extras={
            "shown": [test_set.images[i] for i in big[:4]],
            "shown_masks": [test_set.masks[i] for i in big[:4]],
            "crop_size": (h, w),
            "normalize": test.normalize_image,
        },
        input_shape=(3, h, w),
    )
