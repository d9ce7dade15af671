"""Chapter 11: the traces land on the book's printed figures; every recipe runs; pairs agree."""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest
import torch

from d2lkit.data import get_data_ch11
from d2lkit.errors import ConfigError
from d2lkit.experiments import apply_overrides, build_run, get_recipe, list_recipes, run_recipe
from d2lkit.experiments.builders.losses import build_loss
from d2lkit.experiments.builders.optimizers import build_optimizer
from d2lkit.models import create_model

PNG = b"\x89PNG\r\n\x1a\n"

TRACES = [r.name for r in list_recipes() if r.section in ("11.3", "11.4")]
AIRFOIL = [r.name for r in list_recipes() if r.config.data.dataset == "airfoil"]
SCHEDULES = [r.name for r in list_recipes("lr-schedule-*")]


def test_chapter_11_has_its_recipes():
    assert {"gd", "gd-2d", "newton", "newton-nonconvex", "sgd"} <= set(TRACES)
    for name in ("momentum", "adagrad", "rmsprop", "adadelta", "adam"):
        assert name in AIRFOIL and f"{name}-scratch" in AIRFOIL
    assert "yogi-scratch" in AIRFOIL and "minibatch-sgd-gd" in AIRFOIL
    assert len(SCHEDULES) == 6


@pytest.mark.parametrize("name", TRACES)
def test_each_trace_recipe_runs_without_a_trainer_and_writes_its_trace(name, tmp_path):
    recipe = get_recipe(name)
    assert recipe.kind == "function"
    config = apply_overrides(recipe.config, ["train.epochs=30"] if "exponential" in name else [])
    result = run_recipe(recipe, config, out=tmp_path, progress=False, download=False)
    assert (result.run_dir / "trace.png").read_bytes().startswith(PNG)
    with open(result.run_dir / "trace.csv") as f:
        assert len(list(csv.reader(f))) == config.train.epochs + 2  # header, start, steps
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["kind"] == "function" and summary["final"] == result.summary["final"]
    if recipe.expected is not None:
        assert summary["book"]["ok"], summary


def test_gradient_descent_prints_the_books_figures(tmp_path):
    final = run_recipe(get_recipe("gd"), out=tmp_path, progress=False).summary["final"]
    assert final["x"] == pytest.approx(0.060466, abs=1e-6)
    final = run_recipe(get_recipe("gd-2d"), out=tmp_path, progress=False).summary["final"]
    assert final["x1"] == pytest.approx(-0.057646, abs=1e-6)
    assert final["x2"] == pytest.approx(-0.000073, abs=1e-6)
    recipe = get_recipe("newton-nonconvex")
    final = run_recipe(recipe, apply_overrides(recipe.config, ["optim.lr=1"]), out=tmp_path)
    assert final.summary["final"]["x"] == pytest.approx(26.8341, abs=1e-3)


def test_a_function_recipe_has_no_trainer_to_build_and_nothing_to_resume(tmp_path):
    with pytest.raises(ConfigError, match="function recipe"):
        build_run(get_recipe("gd"))
    with pytest.raises(ConfigError, match="resume"):
        run_recipe(get_recipe("gd"), out=tmp_path, resume=tmp_path)


@pytest.mark.parametrize("name", AIRFOIL)
def test_each_airfoil_recipe_trains_on_a_few_rows_and_logs_the_full_loss(name, data_root, tmp_path):
    recipe = get_recipe(name)
    config = apply_overrides(recipe.config, ["train.epochs=1", "data.n=400"])
    result = run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    row = result.history[-1]
    assert row["full_loss"] > 0 and row["sec_per_epoch"] > 0 and row["sec_per_log"] > 0
    assert result.summary["book"]["metric"] == "full_loss"
    assert (result.run_dir / "loss.png").read_bytes().startswith(PNG)
    with open(result.run_dir / "steps.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(float(r["loss"]) > 0 for r in rows)


PAIRS = [  # (scratch recipe, the torch.optim name with the same rule)
    ("minibatch-sgd-10", "sgd"),
    ("momentum-scratch", "sgd"),
    ("adagrad-scratch", "adagrad"),
    ("rmsprop-scratch", "rmsprop"),
    ("adadelta-scratch", "adadelta"),
    ("adam-scratch", "adam"),
]


def _train_float64(optim_config, model, loader, epochs: int = 2) -> float:
    loss_fn = build_loss("squared_loss_scratch")
    optimizer = build_optimizer(optim_config, model.parameters())
    for _ in range(epochs):
        for X, y in loader:
            optimizer.zero_grad()
            loss_fn(model(X), y).mean().backward()
            optimizer.step()
    X, y = loader.tensors
    with torch.no_grad():
        return float(loss_fn(model(X), y).mean())


@pytest.mark.parametrize(("scratch_recipe", "torch_name"), PAIRS)
def test_scratch_and_torch_optimizers_reach_the_same_loss_in_float64(
    scratch_recipe, torch_name, data_root
):
    optim = get_recipe(scratch_recipe).config.optim
    torch.manual_seed(0)
    start = create_model("linear_regression", num_inputs=5).double()
    losses = []
    for name in (optim.name, torch_name):
        loader, _ = get_data_ch11(10, root=data_root, seed=0)  # the same batches for both
        loader.tensors = tuple(t.double() for t in loader.tensors)
        model = create_model("linear_regression", num_inputs=5).double()
        model.load_state_dict(start.state_dict())
        config = dataclasses.replace(optim, name=name)
        losses.append(_train_float64(config, model, loader))
    assert 0.2 < losses[0] < 0.3
    assert losses[0] == pytest.approx(losses[1], abs=1e-6)


@pytest.mark.parametrize("name", SCHEDULES)
def test_each_schedule_recipe_trains_two_epochs_on_a_few_images_and_draws_its_lr(
    name, data_root, tmp_path
):
    recipe = get_recipe(name)
    config = apply_overrides(recipe.config, ["train.epochs=2", "data.limit=64"])
    if config.sched.total is not None:
        config = apply_overrides(config, ["sched.total=2"])
    if config.sched.kwargs.get("warmup"):
        config = apply_overrides(config, ["sched.warmup=1"])
    if config.sched.kwargs.get("milestones"):
        config = apply_overrides(config, ["sched.milestones=1"])
    result = run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    assert (result.run_dir / "lr.png").read_bytes().startswith(PNG)
    lrs = [row["lr"] for row in result.history]
    if recipe.config.sched.name is None:
        assert lrs == [recipe.config.optim.lr] * 2
    elif name == "lr-schedule-warmup":
        assert lrs[0] == 0.0  # the warm-up starts from 0
    else:
        assert lrs[1] < lrs[0]


def test_the_cosine_schedule_spans_sched_total_epochs_then_holds_the_final_lr(data_root):
    recipe = get_recipe("lr-schedule-cosine")
    config = apply_overrides(recipe.config, ["train.epochs=30"])
    run = build_run(recipe, config, data_root=data_root, download=False, progress=False)
    lrs = []
    for _ in range(30):
        lrs.append(run.optimizer.param_groups[0]["lr"])
        run.optimizer.step()
        run.scheduler.step()
    assert lrs[0] == pytest.approx(0.3) and lrs[20] == pytest.approx(0.01)
    assert lrs[25] == pytest.approx(0.01) and lrs[10] == pytest.approx((0.3 + 0.01) / 2)
