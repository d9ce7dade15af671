"""The command line: listings, a real short run, and every bad input's message."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from d2lkit.cli import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_list_shows_recipes_with_section_and_book_figure():
    result = _run("list")
    assert result.exit_code == 0
    line = next(row for row in result.output.splitlines() if row.startswith("lenet-bn "))
    assert "7.5" in line and "fashion-mnist" in line and "test_acc 0.84" in line


def test_unknown_recipe_suggests_close_names_without_a_traceback():
    result = _run("run", "lenet-bm")
    assert result.exit_code == 2
    assert "unknown recipe 'lenet-bm'" in result.output
    assert "did you mean lenet-bn" in result.output
    assert "Traceback" not in result.output


def test_unknown_set_key_is_refused_with_suggestions():
    result = _run("run", "lenet-bn", "--set", "optim.lrr=0.1")
    assert result.exit_code == 2
    assert "unknown setting 'optim.lrr'" in result.output and "optim.lr" in result.output


def test_zero_epochs_is_refused_before_any_work():
    result = _run("run", "lenet-bn", "--epochs", "0")
    assert result.exit_code == 2
    assert "--epochs" in result.output


def test_negative_learning_rate_is_refused():
    result = _run("run", "lenet-bn", "--lr", "-1")
    assert result.exit_code == 2
    assert "optim.lr" in result.output and "positive" in result.output


def test_cuda_without_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    result = _run("run", "lenet-bn", "--device", "cuda")
    assert result.exit_code == 2
    assert "no usable CUDA GPU" in result.output and "--device cpu" in result.output


def test_offline_run_without_data_names_the_folder_and_the_fetch_command(tmp_path):
    result = _run(
        "run",
        "softmax-regression",
        "--offline",
        "--data-dir",
        str(tmp_path),
        "--out",
        str(tmp_path / "runs"),
    )
    assert result.exit_code == 2
    assert "4 files missing from" in result.output
    assert "d2lkit data fetch fashion-mnist" in result.output
    assert not (tmp_path / "runs").exists()  # nothing half-made is left behind


def test_resume_of_a_folder_that_is_no_run_is_explained(tmp_path):
    result = _run("run", "softmax-regression", "--resume", str(tmp_path))
    assert result.exit_code == 2
    assert "config.json" in result.output


def test_data_list_shows_each_file_and_where_it_comes_from(data_root):
    result = _run("data", "list", "--data-dir", str(data_root))
    assert result.exit_code == 0
    line = next(
        row for row in result.output.splitlines() if "train-images" in row and "fashion" in row
    )
    assert "fashion-mnist.s3" in line and ("present" in line or "verified" in line)


def test_data_verify_passes_on_the_real_fashion_mnist(data_root):
    result = _run("data", "verify", "fashion-mnist", "--data-dir", str(data_root))
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == 4


def test_data_verify_fails_on_a_damaged_file(tmp_path):
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b damaged")
    result = _run("data", "verify", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "t10k-labels-idx1-ubyte.gz" in result.output and "fix:" in result.output


@pytest.mark.slow
def test_run_trains_writes_the_run_folder_and_prints_a_summary(data_root, tmp_path):
    result = _run(
        "run",
        "softmax-regression",
        "--epochs",
        "1",
        "--data-dir",
        str(data_root),
        "--out",
        str(tmp_path),
        "--set",
        "data.eval_batch_size=500",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert "test acc" in result.output and "run folder:" in result.output
    [run_dir] = (tmp_path / "softmax-regression").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["epochs"] == 1 and summary["final"]["test_acc"] > 0.75
    config = json.loads((run_dir / "config.json").read_text())
    assert config["config"]["data"]["eval_batch_size"] == 500


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "d2lkit", "--version"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0 and out.stdout.startswith("d2lkit ")


@pytest.mark.slow
def test_resume_continues_the_same_run_folder_to_more_epochs(data_root, tmp_path):
    common = ["--data-dir", str(data_root), "--quiet"]
    first = _run("run", "softmax-regression", "--epochs", "1", "--out", str(tmp_path), *common)
    assert first.exit_code == 0, first.output
    [run_dir] = (tmp_path / "softmax-regression").iterdir()
    more = _run("run", "softmax-regression", "--resume", str(run_dir), "--epochs", "2", *common)
    assert more.exit_code == 0, more.output
    rows = (run_dir / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[1].startswith("1,") and rows[2].startswith("2,")
    assert json.loads((run_dir / "summary.json").read_text())["resumed_from_epoch"] == 1
    again = _run("run", "softmax-regression", "--resume", str(run_dir), "--epochs", "2", *common)
    assert again.exit_code == 2 and "already has 2 epochs" in again.output


def test_list_does_not_import_torch():
    code = (
        "import sys; from typer.testing import CliRunner; from d2lkit.cli import app; "
        "r = CliRunner().invoke(app, ['list']); assert r.exit_code == 0, r.output; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_run_of_a_function_recipe_prints_its_figures_beside_the_books(tmp_path):
    result = _run("run", "gd", "-q", "--out", str(tmp_path), "--lr", "0.2")
    assert result.exit_code == 0, result.output
    assert "gd (d2l 11.3)" in result.output and "examples/s" not in result.output
    assert "distance" in result.output and "ok" in result.output
    assert (next((tmp_path / "gd").iterdir()) / "trace.png").exists()


def test_resuming_a_function_recipe_says_it_has_nothing_to_resume(tmp_path):
    assert _run("run", "gd", "-q", "--out", str(tmp_path)).exit_code == 0
    folder = next((tmp_path / "gd").iterdir())
    result = _run("run", "gd", "-q", "--resume", str(folder))
    assert result.exit_code == 2
    assert "function recipe" in result.output
