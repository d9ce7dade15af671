"""The courses' recipes: the hand loops reach w = 2; the Trainer ones run on small data."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from d2lkit.data import MNIST_MEAN_STD, ImageBatch, TensorLoader
from d2lkit.experiments import apply_overrides, get_recipe, list_recipes, run_recipe
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.builders.losses import build_loss
from d2lkit.experiments.builders.optimizers import build_optimizer
from d2lkit.experiments.builders.small import DiabetesDataset
from d2lkit.models import create_model
from d2lkit.train import Trainer

PNG = b"\x89PNG\r\n\x1a\n"
LOOPS = ["course-linear-exhaustive", "course-gd", "course-sgd", "course-backprop"]


def test_the_courses_recipes_are_registered():
    names = {r.name for r in list_recipes("course-*")} | {r.name for r in list_recipes("hand*")}
    assert set(LOOPS) <= names
    assert {"course-logistic", "course-diabetes", "course-mnist-softmax"} <= names
    assert "handbook-cifar10" in names


@pytest.mark.parametrize("name", LOOPS)
def test_each_hand_loop_finds_w_2_and_writes_its_cost_plot(name, tmp_path):
    result = run_recipe(get_recipe(name), out=tmp_path, progress=False, download=False)
    final = result.summary["final"]
    assert final["w"] == pytest.approx(2.0, abs=1e-3)
    assert result.summary["book"]["ok"]
    assert (result.run_dir / "cost.png").read_bytes().startswith(PNG)


def test_the_exhaustive_costs_are_the_courses_table(tmp_path):
    result = run_recipe(get_recipe("course-linear-exhaustive"), out=tmp_path, progress=False)
    with open(result.run_dir / "cost.csv") as f:
        rows = {round(float(r["w"]), 1): float(r["mse"]) for r in csv.DictReader(f)}
    assert len(rows) == 41  # w = 0.0, 0.1, ..., 4.0
    assert rows[0.0] == pytest.approx(56 / 3)  # (4 + 16 + 36) / 3
    assert rows[1.0] == pytest.approx(14 / 3) and rows[2.0] == 0.0


def test_gradient_descent_and_autograd_agree_step_for_step(tmp_path):
    # The course's lesson 4 is lesson 3's SGD with the gradient from backward().
    sgd = run_recipe(get_recipe("course-sgd"), out=tmp_path, progress=False)
    auto = run_recipe(get_recipe("course-backprop"), out=tmp_path, progress=False)

    def ws(result):
        with open(result.run_dir / "epochs.csv") as f:
            return [float(r["w"]) for r in csv.DictReader(f)]

    assert ws(auto) == pytest.approx(ws(sgd), rel=1e-5)


def test_logistic_regression_learns_that_more_hours_pass(tmp_path):
    recipe = get_recipe("course-logistic")
    config = apply_overrides(recipe.config, ["train.epochs=5"])
    result = run_recipe(recipe, config, out=tmp_path, progress=False, download=False)
    assert (result.run_dir / "pass.png").read_bytes().startswith(PNG)
    assert "hours_at_half" in result.summary["final"]
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < losses[0]


def test_diabetes_goes_through_a_dataset_and_a_dataloader(data_root, tmp_path):
    recipe = get_recipe("course-diabetes")
    data = build_data(recipe.config.data, device=torch.device("cpu"), seed=0, root=data_root)
    assert isinstance(data.train, torch.utils.data.DataLoader)
    assert isinstance(data.train.dataset, DiabetesDataset) and len(data.train.dataset) == 758
    X, y = next(iter(data.train))
    assert X.shape == (32, 8) and y.shape == (32, 1)
    config = apply_overrides(recipe.config, ["train.epochs=1"])
    result = run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    assert 0.3 < result.summary["final"]["full_loss"] < 1.0
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["book"]["metric"] == "full_loss"


def test_the_mnist_lesson_trains_its_net_on_a_tiny_synthetic_loader():
    # MNIST is not in the shared data: the recipe's model, loss and optimiser take
    # steps on random 28x28 digits instead (the real run: `d2lkit run course-mnist-softmax`).
    config = get_recipe("course-mnist-softmax").config
    torch.manual_seed(0)
    model = create_model(config.model.name, **config.model.kwargs)
    assert [m.out_features for m in model if isinstance(m, torch.nn.Linear)] == [
        512,
        256,
        128,
        64,
        10,
    ]
    mean, std = MNIST_MEAN_STD
    images = torch.randint(0, 256, (16, 1, 28, 28), dtype=torch.uint8)
    loader = TensorLoader(
        images,
        torch.randint(0, 10, (16,)),
        batch_size=config.data.batch_size,
        transform=ImageBatch(mean=mean, std=std),
    )
    trainer = Trainer(
        model,
        build_loss(config.train.loss),
        build_optimizer(config.optim, model.parameters()),
        device="cpu",
    )
    history = trainer.fit(loader, loader, epochs=2)
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_the_mnist_lesson_runs_on_mnist_when_it_is_there(data_root, tmp_path):
    if not (data_root / "mnist").is_dir():
        pytest.skip("MNIST is not in the data folder (fetch it: `d2lkit data fetch mnist`)")
    recipe = get_recipe("course-mnist-softmax")
    config = apply_overrides(recipe.config, ["train.epochs=1"])
    result = run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    assert result.summary["final"]["test_acc"] > 0.9


@pytest.mark.slow  # decodes 1,000 PNGs
def test_the_handbook_cifar10_recipe_runs_on_the_tiny_sample(data_root, tmp_path):
    recipe = get_recipe("handbook-cifar10")
    overrides = ["data.dataset=cifar10-tiny", "train.epochs=1", "data.test_size=100"]
    config = apply_overrides(recipe.config, [*overrides, "data.batch_size=50"])
    result = run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    assert 0.0 <= result.summary["final"]["test_acc"] <= 1.0
    assert result.history[-1]["train_loss"] > 0
