"""K-fold runs (4.10): every fold a child folder, scored by the data set, resumable."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from d2lkit.experiments import RunInterrupted, apply_overrides, get_recipe, run_recipe
from d2lkit.train import Callback


def _short(name, tmp_path, data_root, *extra):
    recipe = get_recipe(name)
    config = apply_overrides(recipe.config, ["train.epochs=1", *extra])
    return run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)


def test_kaggle_house_runs_five_folds_and_writes_the_submission(tmp_path, data_root):
    result = _short("kaggle-house", tmp_path, data_root)
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert [row["fold"] for row in summary["folds"]] == [1, 2, 3, 4, 5]
    means = sum(r["valid_log_rmse"] for r in summary["folds"]) / 5
    assert summary["final"]["valid_log_rmse"] == pytest.approx(means)
    assert summary["book"]["metric"] == "valid_log_rmse" and summary["book"]["goal"] == "min"
    with open(result.run_dir / "folds.csv") as f:
        assert len(list(csv.DictReader(f))) == 5
    submission = pd.read_csv(result.run_dir / "submission.csv")
    assert list(submission.columns) == ["Id", "SalePrice"] and len(submission) == 1459
    test = pd.read_csv(data_root / "d2l" / "kaggle_house_pred_test.csv")
    assert submission["Id"].tolist() == test["Id"].tolist()
    assert submission["SalePrice"].notna().all()


def test_kaggle_house_strong_runs_its_folds(tmp_path, data_root):
    result = _short("kaggle-house-strong", tmp_path, data_root, "train.epochs=5")
    assert len(result.summary["folds"]) == 5
    assert 0 < result.summary["final"]["valid_log_rmse"] < 1.0  # log prices: sane from the start
    assert (result.run_dir / "submission.csv").exists()


class _StopInFold(Callback):
    """Ctrl-C at the end of epoch 2 of the third training (fold 3 of the K-fold run)."""

    def __init__(self) -> None:
        self.fits = 0

    def on_fit_start(self, trainer):
        self.fits += 1

    def on_epoch_end(self, trainer):
        if self.fits == 3 and trainer.epoch == 2:
            raise KeyboardInterrupt


def test_an_interrupted_k_fold_run_resumes_at_its_fold_and_equals_the_whole_run(
    tmp_path, data_root
):
    recipe = get_recipe("kaggle-house")
    config = apply_overrides(recipe.config, ["train.epochs=4"])
    options = {"data_root": data_root, "progress": False, "download": False, "plot": False}
    whole = run_recipe(recipe, config, out=tmp_path / "whole", **options)
    with pytest.raises(RunInterrupted) as stop:
        run_recipe(recipe, config, out=tmp_path / "cut", callbacks=[_StopInFold()], **options)
    folder = stop.value.run_dir
    assert (folder / "fold2" / "summary.json").is_file()  # folds 1-2 finished
    assert not (folder / "fold3" / "summary.json").exists()  # fold 3 was cut after epoch 2
    assert not (folder / "summary.json").exists()
    resumed = run_recipe(recipe, config, resume=folder, **options)
    assert resumed.summary["folds"] == whole.summary["folds"]
    assert resumed.summary["final"] == whole.summary["final"]
    written = (folder / "submission.csv").read_text()
    assert written == (whole.run_dir / "submission.csv").read_text()
