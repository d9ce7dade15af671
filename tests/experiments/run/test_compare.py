"""`d2lkit compare`: several runs' curves on one figure, a PNG in the current folder."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from d2lkit.cli import app
from d2lkit.errors import ConfigError
from d2lkit.experiments.run.compare import compare_runs


def test_two_runs_curves_are_drawn_into_one_png_named_once(
    tmp_path, recipe, run_blobs, monkeypatch
):
    first = run_blobs(recipe, tmp_path, "train.epochs=2")
    second = run_blobs(recipe, tmp_path, "train.epochs=2", "optim.lr=0.5")
    png = compare_runs([first.run_dir, second.run_dir], [], tmp_path)
    assert png.parent == tmp_path and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)  # the command writes into the current folder
    result = CliRunner().invoke(app, ["compare", str(first.run_dir), str(second.run_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.count(".png") == 1
    assert [p.suffix for p in here.iterdir()] == [".png"]


def test_a_figure_no_run_has_is_refused_naming_the_shared_ones(tmp_path, recipe, run_blobs):
    run = run_blobs(recipe, tmp_path, "train.epochs=1")
    with pytest.raises(ConfigError, match="no run has test_bleu") as info:
        compare_runs([run.run_dir], ["test_bleu"], tmp_path)
    assert "test_acc" in info.value.fix


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a run folder"):
        compare_runs([tmp_path], [], tmp_path)
