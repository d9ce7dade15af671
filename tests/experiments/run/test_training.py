"""A training into a run folder: its files, resume, and bad input or faults: one clear message."""

from __future__ import annotations

import json

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.experiments import (
    apply_overrides,
    get_recipe,
    run_recipe,
)


def test_an_infinite_learning_rate_is_refused_before_any_work(recipe, tmp_path, run_blobs):
    with pytest.raises(ConfigError, match=r"optim\.lr = inf is not allowed"):
        run_blobs(recipe, tmp_path, "optim.lr=1e400")
    assert not any(tmp_path.iterdir())


def test_a_seed_too_large_for_the_generators_is_a_clear_error(recipe, tmp_path, run_blobs):
    with pytest.raises(ConfigError, match=r"train\.seed"):
        run_blobs(recipe, tmp_path, f"train.seed={2**70}")


def test_an_out_that_is_a_file_is_a_clear_error(recipe, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        run_recipe(recipe, out=target, progress=False, download=False)


def test_a_loss_that_cannot_fit_the_task_is_refused(recipe, tmp_path, run_blobs):
    with pytest.raises(ConfigError, match="'mse' does not fit the classification task"):
        run_blobs(recipe, tmp_path, "train.loss=mse")


def test_resume_with_a_new_lr_applies_it_and_records_it(recipe, tmp_path, run_blobs):
    first = run_blobs(recipe, tmp_path, "train.epochs=1")
    config = apply_overrides(recipe.config, ["train.epochs=2", "optim.lr=0.05"])
    resumed = run_recipe(recipe, config, resume=first.run_dir, progress=False, download=False)
    assert resumed.history[-1]["lr"] == pytest.approx(0.05)
    saved = json.loads((first.run_dir / "config.json").read_text())
    assert saved["config"]["optim"]["lr"] == 0.05
    assert saved["resumed"] == {"from_epoch": 1, "changed": {"optim.lr": [0.1, 0.05]}}


def test_resume_with_another_optimizer_is_refused(recipe, tmp_path, run_blobs):
    first = run_blobs(recipe, tmp_path, "train.epochs=1")
    config = apply_overrides(recipe.config, ["train.epochs=2", "optim.name=adam"])
    with pytest.raises(ConfigError, match="cannot resume with adam"):
        run_recipe(recipe, config, resume=first.run_dir, progress=False, download=False)


def test_resume_of_a_checkpoint_of_another_shape_is_a_clear_error(recipe, tmp_path, run_blobs):
    first = run_blobs(recipe, tmp_path, "train.epochs=1")
    config = apply_overrides(recipe.config, ["train.epochs=2", "model.name=mlp", "model.hidden=8"])
    with pytest.raises(ConfigError, match="does not fit this model"):
        run_recipe(recipe, config, resume=first.run_dir, progress=False, download=False)


@pytest.mark.slow
def test_one_epoch_of_softmax_regression_passes_75_percent_and_writes_the_run(data_root, tmp_path):
    config = apply_overrides(get_recipe("softmax-regression").config, ["train.epochs=1"])
    result = run_recipe(
        get_recipe("softmax-regression"), config, out=tmp_path, data_root=data_root, progress=False
    )
    assert result.history[-1]["test_acc"] > 0.75
    files = sorted(p.name for p in result.run_dir.iterdir())
    assert files == [
        "checkpoint.pt",
        "config.json",
        "curves.png",
        "metrics.csv",
        "metrics.jsonl",
        "summary.json",
    ]
    assert result.run_dir.parent == tmp_path / "softmax-regression"
    saved = json.loads((result.run_dir / "config.json").read_text())
    assert saved["config"]["train"]["epochs"] == 1 and saved["versions"]["torch"]
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["final"]["test_acc"] == result.history[-1]["test_acc"]
    assert summary["book"]["book"] == 0.83


@pytest.mark.slow
def test_resuming_after_epoch_one_ends_with_the_weights_of_an_uninterrupted_run(
    data_root, tmp_path
):
    recipe = get_recipe("softmax-regression-scratch")  # shuffled: the loader state matters
    three = apply_overrides(recipe.config, ["train.epochs=3"])
    one = apply_overrides(recipe.config, ["train.epochs=1"])
    full = run_recipe(recipe, three, out=tmp_path / "full", data_root=data_root, progress=False)
    part = run_recipe(recipe, one, out=tmp_path / "part", data_root=data_root, progress=False)
    resumed = run_recipe(
        recipe,
        three,
        out=tmp_path / "unused",
        data_root=data_root,
        resume=part.run_dir,
        progress=False,
    )
    assert resumed.run_dir == part.run_dir and resumed.summary["resumed_from_epoch"] == 1
    a = torch.load(full.run_dir / "checkpoint.pt", weights_only=True)["model"]
    b = torch.load(part.run_dir / "checkpoint.pt", weights_only=True)["model"]
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert [r["test_acc"] for r in resumed.history] == [r["test_acc"] for r in full.history]


def test_the_thread_count_is_chosen_once_and_recorded_with_its_reason(recipe, tmp_path, run_blobs):
    auto = run_blobs(recipe, tmp_path, "train.epochs=1")
    choice = json.loads((auto.run_dir / "config.json").read_text())["thread_choice"]
    assert choice["threads"] >= 1 and "free" in choice["reason"]
    fixed = run_blobs(recipe, tmp_path, "train.epochs=1", "train.threads=1")
    choice = json.loads((fixed.run_dir / "config.json").read_text())["thread_choice"]
    assert choice == {"threads": 1, "reason": "1 set explicitly (train.threads=1)"}
    assert torch.get_num_threads() == 1


def test_a_thread_count_out_of_range_is_refused_before_any_work(recipe, tmp_path, run_blobs):
    with pytest.raises(ConfigError, match=r"train\.threads"):
        run_blobs(recipe, tmp_path, "train.threads=0")
    assert not any(tmp_path.iterdir())


def test_tensorboard_logging_writes_event_files_beside_the_metrics(recipe, tmp_path, run_blobs):
    result = run_blobs(recipe, tmp_path, "train.epochs=1", "train.logger=tensorboard")
    assert list(result.run_dir.glob("events.out.tfevents.*"))
    assert (result.run_dir / "metrics.csv").is_file()


def test_the_same_seed_and_thread_count_give_the_same_figures_and_the_count_is_recorded(
    recipe, tmp_path, run_blobs
):
    """docs/training.md, "Threads and reproducibility"."""
    timing = {"train_time", "epoch_time", "examples_per_sec", "sec_per_epoch"}
    runs = [run_blobs(recipe, tmp_path / str(i), "train.threads=1") for i in range(2)]
    rows = [
        [
            {k: v for k, v in json.loads(line).items() if k not in timing}
            for line in (r.run_dir / "metrics.jsonl").read_text().splitlines()
        ]
        for r in runs
    ]
    assert rows[0] == rows[1] and len(rows[0]) == 2
    saved = json.loads((runs[0].run_dir / "config.json").read_text())
    assert saved["thread_choice"]["threads"] == 1
