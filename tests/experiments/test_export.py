"""Export: weights as safetensors and a model.json that rebuild the model without unpickling."""

from __future__ import annotations

import torch

from d2lkit.experiments.export import export_run, load_exported
from d2lkit.train import load_checkpoint


def test_export_round_trips_the_weights_exactly_without_pickle(recipe, tmp_path, run_blobs):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    folder = export_run(result.run_dir, tmp_path / "export")
    assert (folder / "model.safetensors").read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle
    model = load_exported(folder)
    state = load_checkpoint(result.run_dir / "checkpoint.pt")["model"]
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)


def test_export_through_the_cli_names_the_files(recipe, tmp_path, run_blobs):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    out = CliRunner().invoke(app, ["export", str(result.run_dir)])
    assert out.exit_code == 0, out.output
    assert "model.safetensors" in out.output and (result.run_dir / "model.json").is_file()
    bad = CliRunner().invoke(app, ["export", str(tmp_path / "nope")])
    assert bad.exit_code == 2 and "fix:" in bad.output and "Traceback" not in bad.output
