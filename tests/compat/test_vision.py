"""The book's chapter-13 names on d2lkit: contracts of d2l 0.17.6, results of the book's code."""

from __future__ import annotations

import copy
import io
import re

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

from d2lkit import torch as d2l
from d2lkit.data import detection

# every chapter-13 #@save name of d2l 0.17.6's torch.py
CHAPTER_13 = [
    "train_batch_ch13", "train_ch13", "box_corner_to_center", "box_center_to_corner",
    "bbox_to_rect", "multibox_prior", "show_bboxes", "box_iou", "assign_anchor_to_bbox",
    "offset_boxes", "multibox_target", "offset_inverse", "nms", "multibox_detection",
    "read_data_bananas", "BananasDataset", "load_data_bananas", "read_voc_images",
    "VOC_COLORMAP", "VOC_CLASSES", "voc_colormap2label", "voc_label_indices", "voc_rand_crop",
    "VOCSegDataset", "load_data_voc", "read_csv_labels", "copyfile", "reorg_train_valid",
    "reorg_test",
]  # fmt: skip
BOOK_HUB = {  # the book's DATA_HUB rows of chapters 13 and 17
    "hotdog": "fba480ffa8aa7e0febbb511d181409f899b9baa5",
    "banana-detection": "5de26c8fce5ccdea9f91267273464dc968d20d72",
    "voc2012": "4e443f8a2eca6b1dac8a6c57641b67dd40621a49",
    "cifar10_tiny": "2068874e4b9a9f0fb07ebe0ad2b29754449ccacd",
    "dog_tiny": "0cb91d09b814ecdc07b50f31f8dcad3e81d6a86d",
    "pokemon": "c065c0e2593b8b161a2d7873e42418bf6a21106c",
}


def test_every_chapter_13_name_and_hub_entry_is_there():
    assert [n for n in CHAPTER_13 if not hasattr(d2l, n)] == []
    assert set(CHAPTER_13) <= set(d2l.__all__)
    for name, sha1 in BOOK_HUB.items():
        assert d2l.DATA_HUB[name][1] == sha1 and d2l.DATA_HUB[name][0].startswith(d2l.DATA_URL)
    assert len(d2l.VOC_COLORMAP) == len(d2l.VOC_CLASSES) == 21


def test_assign_anchor_to_bbox_takes_the_books_device_argument():
    gt = torch.tensor([[0.1, 0.08, 0.52, 0.92], [0.55, 0.2, 0.9, 0.88]])
    anchors = torch.tensor([[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98]])
    assigned = d2l.assign_anchor_to_bbox(gt, anchors, torch.device("cpu"))
    assert assigned.tolist() == [-1, 0, 1]


def test_train_batch_ch13_takes_the_books_step_and_returns_its_sums():
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    twin = copy.deepcopy(net)
    X, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    loss = nn.CrossEntropyLoss(reduction="none")
    l_sum, acc = d2l.train_batch_ch13(
        net, X, y, loss, torch.optim.SGD(net.parameters(), lr=0.1), [torch.device("cpu")]
    )
    # the book: l.sum().backward(), one SGD step; returns l.sum() and the correct count
    pred = twin(X)
    book_l = loss(pred, y)
    book_l.sum().backward()
    torch.optim.SGD(twin.parameters(), lr=0.1).step()
    assert float(l_sum) == pytest.approx(book_l.sum().item(), rel=1e-6)
    assert acc == float((pred.argmax(1) == y).sum())
    torch.testing.assert_close(net.weight, twin.weight)


def test_train_ch13_prints_the_books_lines_and_a_segmenters_accuracy_is_per_pixel(capsys):
    torch.manual_seed(0)
    X, Y = torch.randn(16, 3, 8, 8), torch.randint(0, 2, (16, 8, 8))
    loader = d2l.load_array((X, Y), 4)
    net = nn.Conv2d(3, 2, kernel_size=1)

    def loss(inputs, targets):  # 13.11's
        return F.cross_entropy(inputs, targets, reduction="none").mean(1).mean(1)

    d2l.train_ch13(
        net,
        loader,
        loader,
        loss,
        torch.optim.SGD(net.parameters(), lr=0.01),
        2,
        [torch.device("cpu")],
    )
    out = capsys.readouterr().out.splitlines()
    match = re.fullmatch(r"loss (\S+), train acc (\S+), test acc (\S+)", out[-2])
    assert match is not None
    with torch.no_grad():
        pixel_acc = float((net(X).argmax(1) == Y).float().mean())
    assert float(match.group(3)) == pytest.approx(pixel_acc, abs=1e-3)
    assert re.fullmatch(r"[\d.]+ examples/sec on \[device\(type='cpu'\)\]", out[-1])


def test_an_empty_device_list_trains_on_the_cpu(capsys):
    # d2l 1.0's try_all_gpus() is [] without a GPU; its sections pass that to train_ch13
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    twin = copy.deepcopy(net)
    X, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    loss = nn.CrossEntropyLoss(reduction="none")
    d2l.train_batch_ch13(net, X, y, loss, torch.optim.SGD(net.parameters(), lr=0.1), [])
    loss(twin(X), y).sum().backward()
    torch.optim.SGD(twin.parameters(), lr=0.1).step()
    torch.testing.assert_close(net.weight, twin.weight)  # the book's step, on the CPU
    loader = d2l.load_array((X, y), 4)
    d2l.train_ch13(net, loader, loader, loss, torch.optim.SGD(net.parameters(), lr=0.1), 1, [])
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"[\d.]+ examples/sec on \[device\(type='cpu'\)\]", out[-1])


def test_bananas_keep_the_books_contract(monkeypatch, capsys):
    images = torch.randint(0, 256, (5, 3, 256, 256), dtype=torch.uint8)
    labels = torch.rand(5, 1, 5)
    monkeypatch.setattr(
        detection,
        "read_bananas",
        lambda is_train=True, *a, **k: detection.DetectionSet(images, labels),
    )
    features, targets = d2l.read_data_bananas(True)
    assert isinstance(features, list) and len(features) == 5 and targets.shape == (5, 1, 5)
    train_iter, val_iter = d2l.load_data_bananas(2)
    assert capsys.readouterr().out.splitlines() == [
        "read 5 training examples",
        "read 5 validation examples",
    ]
    X, Y = next(iter(val_iter))
    assert X.dtype == torch.float32 and torch.equal(X, images[:2].float()) and Y.shape == (2, 1, 5)
    assert len(train_iter.dataset) == 5


def test_read_voc_images_gives_colour_labels_the_books_lookup_maps(tmp_path):
    voc = tmp_path / "VOC2012"
    (voc / "ImageSets" / "Segmentation").mkdir(parents=True)
    (voc / "JPEGImages").mkdir()
    (voc / "SegmentationClass").mkdir()
    (voc / "ImageSets" / "Segmentation" / "train.txt").write_text("a\n")
    Image.fromarray(np.zeros((6, 9, 3), np.uint8)).save(voc / "JPEGImages" / "a.jpg")
    mask = np.zeros((6, 9, 3), np.uint8)
    mask[2:4, 3:6] = (192, 128, 128)  # person, class 15
    Image.fromarray(mask).save(voc / "SegmentationClass" / "a.png")
    features, labels = d2l.read_voc_images(str(voc), True)
    assert features[0].shape == labels[0].shape == (3, 6, 9)
    y = d2l.voc_label_indices(labels[0], d2l.voc_colormap2label())
    assert int(y.sum()) == 15 * 6 and d2l.VOC_CLASSES[15] == "person"


def test_the_kaggle_section_reorganises_a_linked_copy_never_the_data_folder(
    data_root, tmp_path, monkeypatch
):
    monkeypatch.setenv("D2LKIT_CACHE", str(tmp_path / "cache"))
    data_dir = d2l.download_extract("cifar10_tiny")
    assert str(tmp_path / "cache") in data_dir
    labels = d2l.read_csv_labels(f"{data_dir}/trainLabels.csv")
    d2l.reorg_train_valid(data_dir, labels, 0.1)
    d2l.reorg_test(data_dir)
    copied = tmp_path / "cache"
    assert len(list(copied.rglob("train_valid_test/test/unknown/*.png"))) == 100
    assert not (data_root / "cifar10-tiny" / "train_valid_test").exists()


def test_the_box_names_are_d2lkits_own():
    from d2lkit import vision

    assert d2l.box_iou is vision.box_iou and d2l.multibox_prior is vision.multibox_prior
    assert d2l.nms is vision.nms and d2l.multibox_detection is vision.multibox_detection
    buffer = io.StringIO()
    print(d2l.bbox_to_rect([60.0, 45.0, 378.0, 516.0], "blue"), file=buffer)
    assert "width=318" in buffer.getvalue()


class _PairNet(nn.Module):
    """Takes the book's list input, as 15.5 (premises, hypotheses) and 15.7 (3 tensors) do."""

    def __init__(self) -> None:
        super().__init__()
        self.left, self.right = nn.Linear(4, 3), nn.Linear(4, 3)
        self.seen: list[int] = []

    def forward(self, X):
        self.seen.append(len(X))
        return self.left(X[0]) + self.right(X[1])


class _Pairs(torch.utils.data.Dataset):
    def __init__(self, a, b, y):
        self.a, self.b, self.y = a, b, y

    def __getitem__(self, i):
        return (self.a[i], self.b[i]), self.y[i]  # SNLIDataset's shape of item

    def __len__(self):
        return len(self.y)


def test_train_ch13_passes_the_books_list_inputs_to_the_net_as_one_argument(capsys):
    torch.manual_seed(0)
    a, b, y = torch.randn(8, 4), torch.randn(8, 4), torch.randint(0, 3, (8,))
    net = _PairNet()
    twin = copy.deepcopy(net)
    loader = torch.utils.data.DataLoader(_Pairs(a, b, y), batch_size=4)
    loss = nn.CrossEntropyLoss(reduction="none")
    d2l.train_ch13(net, loader, loader, loss, torch.optim.SGD(net.parameters(), lr=0.1), 1, [])
    assert net.seen and set(net.seen) == {2}  # one list of two tensors per call
    optimizer = torch.optim.SGD(twin.parameters(), lr=0.1)
    for (pa, pb), label in loader:  # the book's loop: l.sum().backward()
        optimizer.zero_grad()
        loss(twin([pa, pb]), label).sum().backward()
        optimizer.step()
    torch.testing.assert_close(net.left.weight, twin.left.weight)
    torch.testing.assert_close(net.right.weight, twin.right.weight)
    assert re.fullmatch(
        r"loss \S+, train acc \S+, test acc \S+", capsys.readouterr().out.splitlines()[-2]
    )
