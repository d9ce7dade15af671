"""Runs under bad input and faults: one clear message, nothing lost, the truth recorded."""

from __future__ import annotations

import json

import pytest
import torch

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.experiments import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    Recipe,
    RunConfig,
    TrainConfig,
    apply_overrides,
    run_recipe,
)
from d2lkit.experiments.components import DATA, RunData
from d2lkit.experiments.export import export_run, load_exported
from d2lkit.train import load_checkpoint


def _blobs(config, *, device, seed, root, n: int = 96):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    X = torch.randn(n, 1, 28, 28, generator=g) + y.float().view(-1, 1, 1, 1) / 5
    train = TensorLoader(X, y, batch_size=config.batch_size, shuffle=True, seed=seed, device=device)
    return RunData(train, {"test": TensorLoader(X, y, batch_size=64, device=device)})


@pytest.fixture
def recipe(monkeypatch):
    monkeypatch.setitem(DATA._entries, "blobs", _blobs)
    config = RunConfig(
        data=DataConfig(dataset="blobs", batch_size=32),
        model=ModelConfig(name="softmax_regression"),
        optim=OptimConfig(lr=0.1),
        train=TrainConfig(epochs=2, device="cpu"),
    )
    return Recipe(name="blobs-softmax", section="0", title="test", config=config)


def _run(recipe, tmp_path, *overrides, **kw):
    config = apply_overrides(recipe.config, list(overrides))
    return run_recipe(recipe, config, out=tmp_path, progress=False, download=False, **kw)


def test_an_infinite_learning_rate_is_refused_before_any_work(recipe, tmp_path):
    with pytest.raises(ConfigError, match=r"optim\.lr = inf is not allowed"):
        _run(recipe, tmp_path, "optim.lr=1e400")
    assert not any(tmp_path.iterdir())


def test_a_seed_too_large_for_the_generators_is_a_clear_error(recipe, tmp_path):
    with pytest.raises(ConfigError, match=r"train\.seed"):
        _run(recipe, tmp_path, f"train.seed={2**70}")


def test_an_out_that_is_a_file_is_a_clear_error(recipe, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        run_recipe(recipe, out=target, progress=False, download=False)


def test_a_loss_that_cannot_fit_the_task_is_refused(recipe, tmp_path):
    with pytest.raises(ConfigError, match="'mse' does not fit the classification task"):
        _run(recipe, tmp_path, "train.loss=mse")


def test_resume_with_a_new_lr_applies_it_and_records_it(recipe, tmp_path):
    first = _run(recipe, tmp_path, "train.epochs=1")
    config = apply_overrides(recipe.config, ["train.epochs=2", "optim.lr=0.05"])
    resumed = run_recipe(recipe, config, resume=first.run_dir, progress=False, download=False)
    assert resumed.history[-1]["lr"] == pytest.approx(0.05)
    saved = json.loads((first.run_dir / "config.json").read_text())
    assert saved["config"]["optim"]["lr"] == 0.05
    assert saved["resumed"] == {"from_epoch": 1, "changed": {"optim.lr": [0.1, 0.05]}}


def test_resume_with_another_optimizer_is_refused(recipe, tmp_path):
    first = _run(recipe, tmp_path, "train.epochs=1")
    config = apply_overrides(recipe.config, ["train.epochs=2", "optim.name=adam"])
    with pytest.raises(ConfigError, match="cannot resume with adam"):
        run_recipe(recipe, config, resume=first.run_dir, progress=False, download=False)


def test_resume_of_a_checkpoint_of_another_shape_is_a_clear_error(recipe, tmp_path):
    first = _run(recipe, tmp_path, "train.epochs=1")
    config = apply_overrides(recipe.config, ["train.epochs=2", "model.name=mlp", "model.hidden=8"])
    with pytest.raises(ConfigError, match="does not fit this model"):
        run_recipe(recipe, config, resume=first.run_dir, progress=False, download=False)


def test_export_round_trips_the_weights_exactly_without_pickle(recipe, tmp_path):
    result = _run(recipe, tmp_path, "train.epochs=1")
    folder = export_run(result.run_dir, tmp_path / "export")
    assert (folder / "model.safetensors").read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle
    model = load_exported(folder)
    state = load_checkpoint(result.run_dir / "checkpoint.pt")["model"]
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)


def test_export_through_the_cli_names_the_files(recipe, tmp_path):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    result = _run(recipe, tmp_path, "train.epochs=1")
    out = CliRunner().invoke(app, ["export", str(result.run_dir)])
    assert out.exit_code == 0, out.output
    assert "model.safetensors" in out.output and (result.run_dir / "model.json").is_file()
    bad = CliRunner().invoke(app, ["export", str(tmp_path / "nope")])
    assert bad.exit_code == 2 and "fix:" in bad.output and "Traceback" not in bad.output
