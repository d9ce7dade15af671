"""Export: weights as safetensors and a model.json that rebuild the model without unpickling."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.experiments import export as export_module
from d2lkit.experiments.export import export_run, load_exported
from d2lkit.train import load_checkpoint, save_checkpoint


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


# --- export refuses what cannot be loaded (issue 23, item 5) ---------------------------------


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def _exported_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(("model", ".model")))


def test_non_finite_weights_are_refused_unless_allowed(recipe, tmp_path, run_blobs):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    state = load_checkpoint(result.run_dir / "checkpoint.pt")
    weight = state["model"]["1.weight"]
    weight[0, :3] = torch.tensor([math.nan, math.inf, -math.inf])
    save_checkpoint(state, result.run_dir / "checkpoint.pt")
    with pytest.raises(ConfigError) as info:
        export_run(result.run_dir)
    assert "1.weight" in info.value.message and "3 of 7840" in info.value.message
    assert "allow_nonfinite=True" in info.value.fix and "--allow-nonfinite" in info.value.fix
    assert _exported_files(result.run_dir) == []  # nothing written, not even half
    folder = export_run(result.run_dir, allow_nonfinite=True)
    loaded = load_exported(folder).state_dict()["1.weight"]
    torch.testing.assert_close(loaded, weight, rtol=0, atol=0, equal_nan=True)


def test_the_cli_refuses_non_finite_weights_and_exports_them_with_allow_nonfinite(
    recipe, tmp_path, run_blobs
):
    from typer.testing import CliRunner

    from d2lkit.cli import app

    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    state = load_checkpoint(result.run_dir / "checkpoint.pt")
    state["model"]["1.weight"][0, 0] = math.nan
    save_checkpoint(state, result.run_dir / "checkpoint.pt")
    refused = CliRunner().invoke(app, ["export", str(result.run_dir)])
    assert refused.exit_code == 2 and "--allow-nonfinite" in refused.output
    assert _exported_files(result.run_dir) == []
    allowed = CliRunner().invoke(app, ["export", str(result.run_dir), "--allow-nonfinite"])
    assert allowed.exit_code == 0, allowed.output
    assert math.isnan(load_exported(result.run_dir).state_dict()["1.weight"][0, 0])


def test_a_model_json_that_does_not_rebuild_the_weights_is_refused_before_success(
    recipe, tmp_path, run_blobs
):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    _edit_json(result.run_dir / "config.json", model_kwargs={"num_outputs": 5})
    with pytest.raises(ConfigError) as info:
        export_run(result.run_dir, tmp_path / "export")
    message = info.value.message
    assert "model.json" in message and "1.weight" in message
    assert "(10, 784)" in message and "(5, 784)" in message  # the file's and the model's
    assert not (tmp_path / "export").exists() or _exported_files(tmp_path / "export") == []


def test_load_exported_checks_the_sizes_against_the_tensor_file_before_building_anything(
    recipe, tmp_path, run_blobs, monkeypatch
):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    folder = export_run(result.run_dir, tmp_path / "export")
    # 784 x 10**9 float32 weights: the 3.1 TB the issue saw load_exported try to allocate
    _edit_json(folder / "model.json", kwargs={"num_outputs": 10**9})
    built_on: list[str] = []
    real = export_module.create_model

    def recording(name, **kwargs):
        built_on.append(torch.empty(0).device.type)  # where the model's tensors would live
        return real(name, **kwargs)

    monkeypatch.setattr(export_module, "create_model", recording)
    with pytest.raises(ConfigError) as info:
        load_exported(folder)
    assert "(1000000000, 784)" in info.value.message and "(10, 784)" in info.value.message
    assert "model.json" in info.value.message and "model.safetensors" in info.value.message
    assert built_on in ([], ["meta"])  # at most a skeleton on the meta device: no memory


@pytest.mark.parametrize(
    ("meta", "named"),
    [
        ([1, 2], "the whole file"),
        ({"model": 3, "kwargs": {}}, "model"),
        ({"model": "softmax_regression", "kwargs": [784]}, "kwargs"),
        ({"model": "softmax_regression", "kwargs": {"num_outputs": "10"}}, "softmax_regression"),
        ({"model": "no_such_model", "kwargs": {}}, "no_such_model"),
    ],
)
def test_a_damaged_model_json_is_one_error_naming_it(recipe, tmp_path, run_blobs, meta, named):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    folder = export_run(result.run_dir, tmp_path / "export")
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError) as info:
        load_exported(folder)
    assert str(folder / "model.json") in info.value.message and named in info.value.message
    assert info.value.fix


def test_a_damaged_tensor_file_is_one_error_naming_it(recipe, tmp_path, run_blobs):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    folder = export_run(result.run_dir, tmp_path / "export")
    (folder / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(ConfigError) as info:
        load_exported(folder)
    assert str(folder / "model.safetensors") in info.value.message and info.value.fix


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ({"config": {"optim": {"lr": "0.1"}}}, "optim.lr"),
        ({"recipe": 3}, "recipe"),
        ({"model_kwargs": [784, 10]}, "model_kwargs"),
    ],
)
def test_a_damaged_config_json_gives_the_run_folders_message(
    recipe, tmp_path, run_blobs, edit, named
):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    _edit_json(result.run_dir / "config.json", **edit)
    with pytest.raises(ConfigError) as info:
        export_run(result.run_dir)
    assert str(result.run_dir / "config.json") in info.value.message
    assert named in info.value.message and info.value.fix
    assert _exported_files(result.run_dir) == []


def test_a_damaged_checkpoint_is_named_with_its_field(recipe, tmp_path, run_blobs):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    state = load_checkpoint(result.run_dir / "checkpoint.pt")
    state["model"] = [1, 2]
    save_checkpoint(state, result.run_dir / "checkpoint.pt")
    with pytest.raises(ConfigError, match=r"checkpoint\.pt: model is \[1, 2\] \(list\), expected"):
        export_run(result.run_dir)


def test_exported_files_get_the_permissions_of_the_umask(recipe, tmp_path, run_blobs):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    old = os.umask(0o027)
    try:
        folder = export_run(result.run_dir, tmp_path / "export")
        probe = tmp_path / "probe"
        probe.write_text("")  # a file made the ordinary way, under the same umask
    finally:
        os.umask(old)
    expected = stat.S_IMODE(probe.stat().st_mode)
    assert expected == 0o640
    for name in ("model.safetensors", "model.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == expected, name


def test_the_fix_for_a_folder_without_an_export_names_a_real_command(recipe, tmp_path, run_blobs):
    result = run_blobs(recipe, tmp_path, "train.epochs=1")
    with pytest.raises(ConfigError) as info:
        load_exported(result.run_dir)  # a run folder, not exported yet
    assert info.value.fix == f"export the run first: d2lkit export {result.run_dir}"
    with pytest.raises(ConfigError) as info:
        load_exported(tmp_path / "empty")
    assert "RUN_DIR" not in info.value.fix and "d2lkit export" in info.value.fix
