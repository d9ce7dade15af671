"""Chapter 4 recipes (4.4 polyfit, 4.5 weight decay, 4.6 dropout, 4.10 Kaggle): short real runs."""

from __future__ import annotations

import csv
import dataclasses
import json

import pandas as pd
import pytest
import torch

from d2lkit.experiments import RunInterrupted, apply_overrides, get_recipe, run_recipe
from d2lkit.experiments.builders.house import book_features, house_table, strong_features
from d2lkit.models import create_model
from d2lkit.train import Callback
from d2lkit.train.kfold import kfold_indices
from d2lkit.train.tasks import PenalisedRegression

SYNTHETIC = [
    "polyfit",
    "polyfit-underfit",
    "polyfit-overfit",
    "weight-decay-scratch",
    "weight-decay",
]


def _short(name, tmp_path, data_root, *extra):
    recipe = get_recipe(name)
    config = apply_overrides(recipe.config, ["train.epochs=1", *extra])
    return run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)


def test_the_books_settings():
    poly = get_recipe("polyfit").config
    assert (poly.data.batch_size, poly.optim.lr, poly.train.epochs) == (10, 0.01, 400)
    assert [get_recipe(n).config.data.kwargs["degree"] for n in SYNTHETIC[:3]] == [4, 2, 20]
    assert get_recipe("polyfit-overfit").config.train.epochs == 1500
    assert get_recipe("polyfit").plot_yscale == "log"
    wd = get_recipe("weight-decay").config
    assert (wd.data.batch_size, wd.optim.lr, wd.optim.weight_decay, wd.train.epochs) == (
        5,
        0.003,
        3.0,
        100,
    )
    assert get_recipe("weight-decay-scratch").config.task.kwargs["l2"] == 3.0
    house = get_recipe("kaggle-house").config
    assert (house.optim.name, house.optim.lr, house.data.batch_size, house.train.epochs) == (
        "adam",
        5.0,
        64,
        100,
    )


@pytest.mark.parametrize("name", SYNTHETIC)
def test_each_synthetic_recipe_runs_one_epoch(name, tmp_path, data_root):
    result = _short(name, tmp_path, data_root)
    assert result.history[-1]["epoch"] == 1
    assert (result.run_dir / "summary.json").exists()
    assert all(torch.isfinite(torch.tensor(v)) for v in result.summary["final"].values())


def test_polyfit_reports_the_learned_weights_beside_the_true_ones(tmp_path, data_root):
    result = _short("polyfit", tmp_path, data_root, "train.epochs=30")
    weights = json.loads((result.run_dir / "summary.json").read_text())["weights"]
    assert weights["true"] == [5.0, 1.2, -3.4, 5.6]
    assert len(weights["learned"]) == 4
    model = torch.load(result.run_dir / "checkpoint.pt", weights_only=True)["model"]
    torch.testing.assert_close(
        torch.tensor(weights["learned"]), model["0.weight"].reshape(-1), atol=1e-4, rtol=0
    )
    assert abs(weights["learned"][0] - 5.0) < 1.0  # 30 epochs already find the constant


@pytest.mark.parametrize("name", ["weight-decay-scratch", "weight-decay"])
def test_weight_decay_reports_the_norm_of_w(name, tmp_path, data_root):
    result = _short(name, tmp_path, data_root, "train.epochs=3")
    norms = [row["w_norm"] for row in result.history]
    model = torch.load(result.run_dir / "checkpoint.pt", weights_only=True)["model"]
    w = model["w"] if "w" in model else model["0.weight"]
    assert norms[-1] == pytest.approx(float(torch.linalg.vector_norm(w)), rel=1e-6)
    assert result.summary["final"]["w_norm"] == norms[-1]
    assert norms[-1] < norms[0] < 16  # weights start ~ N(0, 1): |w| ~ 14, and shrink


def test_the_scratch_l2_penalty_adds_lambda_times_w_to_the_gradient():
    torch.manual_seed(0)
    X, y = torch.randn(8, 5), torch.randn(8, 1)
    grads = []
    for lambd in (0.0, 3.0):
        model = create_model("linear_regression_scratch", num_inputs=5, weight_std=1.0)
        torch.manual_seed(1)
        model.w.data = torch.randn(5, 1)
        step = PenalisedRegression(l2=lambd).step(model, torch.nn.MSELoss(), (X, y))
        step.loss.backward()
        grads.append((model.w.grad.clone(), model.b.grad.clone(), model.w.detach()))
    (g0, b0, w), (g3, b3, _) = grads
    torch.testing.assert_close(g3 - g0, 3.0 * w)
    torch.testing.assert_close(b3, b0)  # the bias is not penalised


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dropout", "dropout-scratch"])
def test_dropout_recipes_learn_in_one_epoch(name, tmp_path, data_root):
    result = _short(name, tmp_path, data_root)
    assert result.history[-1]["test_acc"] > 0.6


def test_scratch_dropout_mlp_is_random_in_training_and_fixed_in_evaluation():
    model = create_model("mlp_dropout_scratch")
    X = torch.rand(4, 1, 28, 28)
    model.eval()
    torch.testing.assert_close(model(X), model(X))
    model.train()
    assert not torch.equal(model(X), model(X))
    assert model(X).shape == (4, 10)


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


def test_strong_features_of_training_rows_never_see_the_held_out_rows(data_root):
    table = house_table(data_root)
    fold = kfold_indices(table.num_train, 5)[2]
    before = strong_features(table, fold.train)
    train = table.train.copy()
    valid = fold.valid.numpy()
    for column in ("GrLivArea", "LotArea", "LotFrontage", "TotalBsmtSF"):
        train.loc[valid, column] = train.loc[valid, column] * 7 + 1000
    changed = dataclasses.replace(table, train=train)
    after = strong_features(changed, fold.train)
    torch.testing.assert_close(after.features[fold.train], before.features[fold.train])
    torch.testing.assert_close(after.targets[fold.train], before.targets[fold.train])
    assert not torch.equal(after.features[fold.valid], before.features[fold.valid])


def test_strong_features_leave_the_two_outliers_out_of_training_rows_only(data_root):
    table = house_table(data_root)
    outliers = {523, 1298}  # 0-based rows of Ids 524 and 1299
    prepared = strong_features(table, torch.arange(table.num_train))
    assert not outliers & set(prepared.fit_rows.tolist())
    assert len(prepared.fit_rows) == table.num_train - 2
    for fold in kfold_indices(table.num_train, 5):
        fit = set(strong_features(table, fold.train).fit_rows.tolist())
        assert fit == set(fold.train.tolist()) - outliers


def test_book_features_are_the_books(data_root):
    table = house_table(data_root)
    prepared = book_features(table, torch.arange(10))
    assert prepared.features.shape == (2919, 330)
    assert prepared.targets.shape == (1460, 1) and prepared.targets[0, 0] == 208500


def test_synthetic_data_is_not_drawn_from_the_stream_of_the_models_initial_weights(data_root):
    from d2lkit.experiments.run.build import build_run

    recipe = get_recipe("weight-decay-scratch")
    run = build_run(recipe, apply_overrides(recipe.config, ["task.l2=0"]), download=False)
    X, _ = run.data.train.tensors
    w = run.model.w.detach().reshape(-1)
    basis, _ = torch.linalg.qr(X.T)  # (200, 20): the span of the 20 training examples
    inside = torch.linalg.vector_norm(basis @ (basis.T @ w))
    assert inside < 0.6 * torch.linalg.vector_norm(w)  # ~sqrt(20/200) of it, not all of it


def test_the_cli_prints_the_per_fold_table_and_the_weights(tmp_path):
    from d2lkit.experiments.describe import summary_text

    summary = {
        "recipe": "kaggle-house",
        "section": "4.10",
        "epochs": 100,
        "device": "cpu",
        "wall_time_s": 3.0,
        "unit": "examples",
        "examples_per_sec": 1000.0,
        "folds": [
            {"fold": 1, "train_log_rmse": 0.17, "valid_log_rmse": 0.16},
            {"fold": 2, "train_log_rmse": 0.16, "valid_log_rmse": 0.18},
        ],
        "final": {"train_log_rmse": 0.165, "valid_log_rmse": 0.17},
        "book": {"metric": "valid_log_rmse", "book": 0.17, "tolerance": 0.01, "goal": "min"}
        | {"ok": True, "pass_at": 0.18, "verdict": "pass", "differences": [], "source": "4.10"},
        "weights": {"learned": [4.99, 1.2], "true": [5.0, 1.2]},
        "submission": "submission.csv",
    }
    text = summary_text(summary, tmp_path)
    assert "fold" in text and "0.1800" in text and "valid log rmse" in text
    assert "learned weights: [4.99, 1.2]" in text
    assert str(tmp_path / "submission.csv") in text
