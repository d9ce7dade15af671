"""The one driver: every kind of run gets every flag; resume lives in one place."""

from __future__ import annotations

import functools
import shutil
from http.server import SimpleHTTPRequestHandler

import pytest

from d2lkit.data.download import ENV_OFFLINE, offline_by_env
from d2lkit.errors import ConfigError
from d2lkit.experiments import apply_overrides, get_recipe, run_recipe
from d2lkit.experiments.run import build


@pytest.fixture
def fetches(monkeypatch):
    """Every call the driver makes to the store's fetch, with its arguments (nothing fetched)."""
    calls = []

    def spy(dataset, root=None, **options):
        calls.append({"dataset": dataset, "root": root, **options})
        return []

    monkeypatch.setattr(build, "fetch", spy)
    return calls


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("softmax-regression", ["data.limit_batches=1", "train.epochs=1"]),  # training
        ("kaggle-house", ["train.epochs=1", "data.k=2"]),  # K-fold
    ],
)
def test_every_kind_of_run_fetches_with_the_runs_mirror_timeout_and_offline_flag(
    name, overrides, fetches, tmp_path, data_root
):
    recipe = get_recipe(name)
    run_recipe(
        recipe,
        apply_overrides(recipe.config, overrides),
        out=tmp_path,
        data_root=data_root,
        progress=False,
        plot=False,
        download=False,
        timeout=5.0,
        mirror="http://127.0.0.1:9/",
    )
    assert fetches, "the run fetched nothing"
    for call in fetches:
        assert call["dataset"] == recipe.config.data.dataset
        assert (call["timeout"], call["mirror"], call["offline"]) == (
            5.0,
            "http://127.0.0.1:9/",
            True,
        )


def test_kaggle_house_downloads_from_the_mirror_it_is_given(
    serve_http, tmp_path, data_root, monkeypatch
):
    # An empty data directory and a mirror serving the book's files: the K-fold run
    # must fetch through the mirror (it used to ignore --mirror and --timeout).
    monkeypatch.delenv("D2LKIT_OFFLINE", raising=False)
    served = tmp_path / "served"
    served.mkdir()
    for name in ("kaggle_house_pred_train.csv", "kaggle_house_pred_test.csv"):
        shutil.copy(data_root / "d2l" / name, served / name)
    handler = functools.partial(QuietHandler, directory=str(served))
    mirror = serve_http(handler) + "/"
    recipe = get_recipe("kaggle-house")
    result = run_recipe(
        recipe,
        apply_overrides(recipe.config, ["train.epochs=1", "data.k=2"]),
        out=tmp_path / "runs",
        data_root=tmp_path / "data",
        progress=False,
        plot=False,
        mirror=mirror,
        timeout=5.0,
    )
    assert (tmp_path / "data" / "d2l" / "kaggle_house_pred_train.csv").is_file()
    assert (result.run_dir / "submission.csv").is_file()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_a_function_recipe_cannot_be_resumed_and_says_how_to_run_it(tmp_path):
    recipe = get_recipe("gd")
    first = run_recipe(recipe, out=tmp_path, progress=False)
    with pytest.raises(ConfigError, match="function recipe") as info:
        run_recipe(recipe, resume=first.run_dir, progress=False)
    assert "d2lkit run gd" in info.value.fix


def test_resuming_another_recipes_folder_is_refused_naming_the_right_command(tmp_path):
    first = run_recipe(get_recipe("gd"), out=tmp_path, progress=False)
    with pytest.raises(ConfigError, match="is a run of 'gd'") as info:
        run_recipe(get_recipe("softmax-regression"), resume=first.run_dir, progress=False)
    assert f"d2lkit run gd --resume {first.run_dir}" in info.value.fix


def test_an_offline_run_turns_every_download_off_while_it_runs_and_only_then(
    monkeypatch, tmp_path, data_root
):
    """Pretrained vectors and weights are fetched on first use, past the run's own fetch:
    the environment switch is what reaches them."""
    monkeypatch.delenv(ENV_OFFLINE, raising=False)
    seen = []
    monkeypatch.setattr(build, "fetch", lambda *a, **k: seen.append(offline_by_env()) or [])
    recipe = get_recipe("softmax-regression")
    config = apply_overrides(recipe.config, ["data.limit_batches=1", "train.epochs=1"])
    common = dict(out=tmp_path, data_root=data_root, progress=False, plot=False)
    run_recipe(recipe, config, download=False, **common)
    assert seen == [True]
    assert not offline_by_env(), "the switch outlived the run"
    run_recipe(recipe, config, download=True, **common)
    assert seen == [True, False]
