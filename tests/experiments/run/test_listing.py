"""`d2lkit runs`: the runs under a folder, how far each got and what it reached."""

from __future__ import annotations

from typer.testing import CliRunner

from d2lkit.cli import app
from d2lkit.experiments import get_recipe, run_recipe
from d2lkit.experiments.run.folder import CONFIG
from d2lkit.experiments.run.listing import find_runs, read_history


def test_finished_and_unfinished_runs_are_listed_with_their_figures(tmp_path, recipe, run_blobs):
    done = run_blobs(recipe, tmp_path, "train.epochs=2")
    (tmp_path / "blobs-softmax" / "broken").mkdir()
    (tmp_path / "blobs-softmax" / "broken" / CONFIG).write_text("[1]")
    cut = run_blobs(recipe, tmp_path, "train.epochs=1")
    (cut.run_dir / "summary.json").unlink()  # as if killed after its first epoch
    runs, skipped = find_runs(tmp_path)
    by_folder = {r.folder.path: r for r in runs}
    finished, unfinished = by_folder[done.run_dir], by_folder[cut.run_dir]
    assert (finished.epochs_done, finished.epochs) == (2, 2)
    assert finished.final["test_acc"] == done.history[-1]["test_acc"]
    assert finished.verdict == "-" and finished.resumable  # no book figure; a checkpoint
    assert (unfinished.verdict, unfinished.epochs_done) == ("unfinished", 1)
    assert len(skipped) == 1 and "broken" in skipped[0]
    assert read_history(finished.folder) == done.history


def test_the_runs_command_prints_a_table_within_80_columns(tmp_path, data_root):
    run_recipe(get_recipe("gd"), out=tmp_path, progress=False)
    result = CliRunner().invoke(app, ["runs", "--out", str(tmp_path)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["run", "epochs", "figure", "verdict", "resume"]
    assert lines[2].startswith("gd/") and "distance 0.0605" in lines[2] and "pass" in lines[2]
    assert max(map(len, lines)) <= 80
    empty = CliRunner().invoke(app, ["runs", "nothing*", "--out", str(tmp_path)])
    assert empty.exit_code == 2 and "no run matches 'nothing*'" in empty.output
