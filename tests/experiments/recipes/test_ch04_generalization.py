"""Chapter 4 recipes (4.4 polyfit, 4.5 weight decay, 4.6 dropout, 4.10 Kaggle): short real runs."""

from __future__ import annotations

import json

import pytest
import torch

from d2lkit.experiments import apply_overrides, get_recipe, run_recipe
from d2lkit.models import create_model
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


def test_synthetic_data_is_not_drawn_from_the_stream_of_the_models_initial_weights(data_root):
    from d2lkit.experiments.run.build import build_run

    recipe = get_recipe("weight-decay-scratch")
    run = build_run(recipe, apply_overrides(recipe.config, ["task.l2=0"]), download=False)
    X, _ = run.data.train.tensors
    w = run.model.w.detach().reshape(-1)
    basis, _ = torch.linalg.qr(X.T)  # (200, 20): the span of the 20 training examples
    inside = torch.linalg.vector_norm(basis @ (basis.T @ w))
    assert inside < 0.6 * torch.linalg.vector_norm(w)  # ~sqrt(20/200) of it, not all of it
