"""Chapter 13's recipes: the book's settings, and a quick run of each on real or small files."""

from __future__ import annotations

import csv
import json
import math

import pytest
from PIL import Image

from d2lkit.data.vision import CIFAR10_CLASSES
from d2lkit.errors import D2lkitError
from d2lkit.experiments import apply_overrides, get_recipe, run_recipe


def _quick(name: str, root, tmp_path, *overrides: str):
    recipe = get_recipe(name)
    config = apply_overrides(recipe.quick_config(), list(overrides))
    result = run_recipe(
        recipe, config, out=tmp_path / "runs", data_root=root, progress=False, download=False,
        checkpoint=False,
    )  # fmt: skip
    return result, json.loads((result.run_dir / "summary.json").read_text())


def _finite(summary) -> bool:
    return all(math.isfinite(v) for v in summary["final"].values())


def test_the_recipes_carry_the_books_settings():
    expected = {  # dataset, batch, model, optimiser, lr, weight decay, epochs
        "image-augmentation": (
            "cifar-10-augmented",
            256,
            "resnet18_small_images",
            "adam",
            1e-3,
            0,
            10,
        ),
        "fine-tuning": ("hotdog", 128, "resnet18_finetune", "sgd", 5e-5, 1e-3, 5),
        "ssd": ("banana-detection", 32, "tiny_ssd", "sgd", 0.2, 5e-4, 20),
        "fcn": ("voc2012", 32, "fcn_resnet18", "sgd", 1e-3, 1e-3, 5),
        "kaggle-cifar10": ("kaggle-cifar10", 32, "resnet18_small_images", "sgd", 2e-4, 5e-4, 20),
        "kaggle-dog": ("kaggle-dog", 32, "resnet34_dog", "sgd", 1e-4, 1e-4, 10),
    }
    for name, (dataset, batch, model, optim, lr, wd, epochs) in expected.items():
        c = get_recipe(name).config
        assert (c.data.dataset, c.data.batch_size, c.model.name) == (dataset, batch, model), name
        assert (c.optim.name, c.optim.lr, c.optim.weight_decay) == (optim, lr, wd), name
        assert c.train.epochs == epochs, name
    for name in ("kaggle-cifar10", "kaggle-dog"):  # SGD with momentum, lr x0.9 every 4 / 2 epochs
        c = get_recipe(name).config
        assert c.optim.momentum == 0.9 and c.sched.name == "factor"
    assert get_recipe("kaggle-cifar10").config.sched.kwargs == {"factor": 0.9, "step_size": 4}
    assert get_recipe("fcn").config.data.kwargs["crop_size"] == (320, 480)
    style = get_recipe("style-transfer")
    assert style.kind == "function" and style.expected is None and "no figure" in style.notes
    assert (style.config.optim.lr, style.config.train.epochs) == (0.3, 500)


def test_each_claim_is_the_figure_the_book_prints():
    # zh.d2l.ai's PyTorch lines (the book's final build, d2l-zh-pytorch-colab, 2023-08-18)
    printed = {  # recipe: (metric, the printed line, its figure)
        "image-augmentation": ("test_acc", "loss 0.173, train acc 0.941, test acc 0.854", 0.854),
        "fine-tuning": ("test_acc", "loss 0.220, train acc 0.915, test acc 0.939", 0.939),
        "ssd": ("train_class_err", "class err 3.22e-03, bbox mae 3.16e-03", 3.22e-3),
        "fcn": ("test_acc", "loss 0.443, train acc 0.863, test acc 0.848", 0.848),
        "kaggle-cifar10": (
            "valid_acc",
            "train loss 0.668, train acc 0.761, valid acc 0.406",
            0.406,
        ),
    }
    for name, (metric, line, value) in printed.items():
        expected = get_recipe(name).expected
        assert expected is not None and f"'{line}'" in expected.source, name
        assert (expected.metric, expected.value) == (metric, value), name
    # the book's dog-breed run prints losses on its own small sample: nothing to compare
    dog = get_recipe("kaggle-dog")
    assert dog.expected is None and "'train loss 1.237, valid loss 1.503'" in dog.notes


def test_image_augmentation_trains_on_cifar10_and_labels_test_images(fake_store, tmp_path):
    result, summary = _quick("image-augmentation", fake_store.cifar10(), tmp_path)
    assert _finite(summary) and 0 <= summary["final"]["test_acc"] <= 1
    assert summary["shown_accuracy"] is not None  # the test images' labels are known
    with Image.open(result.run_dir / "predictions.png") as png:
        assert png.size[0] > 500


def test_fine_tuning_labels_hot_dogs(fake_store, tmp_path):
    fake_store.random_weights()
    result, summary = _quick("fine-tuning", fake_store.hotdog(), tmp_path)
    assert _finite(summary) and (result.run_dir / "predictions.png").is_file()


def test_ssd_reports_the_books_errors_and_draws_detections(fake_store, tmp_path):
    result, summary = _quick("ssd", fake_store.bananas(), tmp_path)
    final = summary["final"]
    assert 0 <= final["train_class_err"] <= 1 and final["train_bbox_mae"] >= 0
    assert "valid_class_err" in final and _finite(summary)
    assert len(summary["detections"]) == 4  # the first four validation images
    for found in summary["detections"]:
        assert all(d["score"] >= 0.9 for d in found)
    assert (result.run_dir / "detections.png").is_file()


def test_a_recipe_whose_data_is_missing_names_the_file_its_url_and_folder(tmp_path):
    with pytest.raises(D2lkitError) as err:
        _quick("ssd", tmp_path / "empty", tmp_path)
    text = f"{err.value.message}\n{err.value.fix}"
    assert "banana-detection.zip" in text and "d2l-data" in text
    assert str(tmp_path / "empty" / "banana-detection") in text
    assert not (tmp_path / "runs").exists()  # nothing half-made


def test_fcn_segments_voc_and_draws_masks_beside_the_truth(fake_store, tmp_path):
    fake_store.random_weights()
    result, summary = _quick("fcn", fake_store.voc(), tmp_path)
    assert _finite(summary) and 0 <= summary["final"]["test_acc"] <= 1
    assert 0 <= summary["shown_pixel_acc"] <= 1
    assert (result.run_dir / "segmentation.png").is_file()


def test_style_transfer_writes_the_styled_image_and_the_books_weighted_loss(fake_store, tmp_path):
    fake_store.random_weights()
    result, summary = _quick("style-transfer", fake_store.style_images(), tmp_path)
    final = summary["final"]
    # the book's sum: ten times the style losses, plus content and total variation
    total = 10 * final["style_loss"] + final["content_loss"] + final["tv_loss"]
    assert final["loss"] == pytest.approx(total, rel=1e-5)
    with Image.open(result.run_dir / "result.png") as png:
        assert png.size == (90, 60)  # data.width x data.height of the quick run
    rows = list(csv.DictReader((result.run_dir / "losses.csv").open()))
    assert [int(r["step"]) for r in rows] == [2]
    assert (result.run_dir / "styled.png").is_file() and (result.run_dir / "losses.png").is_file()


def test_kaggle_cifar10_on_the_real_sample_writes_a_submission(data_root, tmp_path):
    result, summary = _quick("kaggle-cifar10", data_root, tmp_path)
    assert _finite(summary) and 0 <= summary["final"]["valid_acc"] <= 1
    rows = list(csv.reader((result.run_dir / "submission.csv").open()))
    assert rows[0] == ["id", "label"] and len(rows) == 101  # the 100 test images
    assert sorted(int(r[0]) for r in rows[1:]) == list(range(1, 101))
    assert {r[1] for r in rows[1:]} <= set(CIFAR10_CLASSES)
    assert (result.run_dir / "predictions.png").is_file()


def test_kaggle_dog_writes_one_probability_per_breed(fake_store, tmp_path):
    fake_store.random_weights()
    result, summary = _quick("kaggle-dog", fake_store.dog_tiny(), tmp_path)
    assert _finite(summary)
    rows = list(csv.reader((result.run_dir / "submission.csv").open()))
    assert rows[0] == ["id", "boxer", "pug", "whippet"] and len(rows) == 4
    for row in rows[1:]:
        assert sum(float(p) for p in row[1:]) == pytest.approx(1, abs=1e-5)
