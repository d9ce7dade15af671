"""RunFolder: the one owner of a run folder's files, its lock and how it is read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from d2lkit.errors import ConfigError
from d2lkit.experiments import get_recipe
from d2lkit.experiments.config import config_to_dict
from d2lkit.experiments.run.folder import CONFIG, RunFolder, check_out


def _written(tmp_path, **changes):
    """A run folder whose config.json is what a run writes, with some fields changed."""
    folder = RunFolder.create(tmp_path, "softmax-regression")
    recipe = get_recipe("softmax-regression")
    folder.write_config(recipe, recipe.config, "cpu")
    saved = json.loads((folder.path / CONFIG).read_text())
    for section_key, value in changes.items():
        section, key = section_key.split("__")
        saved["config"][section][key] = value
    (folder.path / CONFIG).write_text(json.dumps(saved))
    return folder


def test_a_new_folder_is_named_by_label_and_time_and_never_reused(tmp_path):
    first = RunFolder.create(tmp_path, "lenet")
    second = RunFolder.create(tmp_path, "lenet")
    assert first.path.parent == second.path.parent == tmp_path / "lenet"
    assert first.path != second.path and first.path.is_dir() and second.path.is_dir()


def test_the_config_it_writes_reads_back_equal(tmp_path):
    folder = _written(tmp_path)
    name, config, saved = folder.read_config()
    assert name == "softmax-regression"
    assert config == get_recipe("softmax-regression").config
    assert saved["versions"]["d2lkit"] and saved["kind"] == "training"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("optim__lr", "0.1", "expected float"),
        ("train__epochs", "3", "expected int"),
        ("train__epochs", 3.5, "expected int"),
        ("data__batch_size", None, "expected int"),
        ("model__kwargs", [1, 2], "expected dict"),
        ("train__amp", "yes", "expected bool"),
    ],
)
def test_a_hand_edited_config_with_a_wrong_type_names_the_file_and_the_field(
    tmp_path, field, value, expected
):
    folder = _written(tmp_path, **{field: value})
    with pytest.raises(ConfigError) as info:
        folder.read_config()
    key = field.replace("__", ".")
    assert str(folder.path / CONFIG) in info.value.message
    assert key in info.value.message and expected in info.value.message


def test_a_config_that_is_not_an_object_is_refused(tmp_path):
    folder = RunFolder.create(tmp_path, "x")
    (folder.path / CONFIG).write_text("[1, 2]")
    with pytest.raises(ConfigError, match="expected a JSON object"):
        folder.read_config()


def test_a_config_of_an_earlier_version_is_read_with_its_keys_where_they_live_now(tmp_path):
    recipe = get_recipe("weight-decay-scratch")
    old = config_to_dict(recipe.config)
    task = old.pop("task")
    old["train"]["task"] = task["name"]
    old["train"]["loss_reduction"] = None
    old["data"]["kwargs"]["lambd"] = task["kwargs"]["l2"]
    old["sched"] = {"name": None, "interval": "epoch", "total": None, "warmup": 0}
    folder = RunFolder.create(tmp_path, recipe.name)
    (folder.path / CONFIG).write_text(json.dumps({"recipe": recipe.name, "config": old}))
    _, config, _ = folder.read_config()
    assert config.task == recipe.config.task  # penalised_regression with l2 = 3
    assert config.sched.kwargs == {"warmup": 0}


def test_a_folder_without_config_is_not_a_run_folder(tmp_path):
    with pytest.raises(ConfigError, match="not a run folder") as info:
        RunFolder.open(tmp_path)
    assert "--resume latest" in info.value.fix


_HOLD = textwrap.dedent(
    """
    import sys, time
    from d2lkit.experiments.run.folder import RunFolder
    with RunFolder(sys.argv[1]).locked():
        print("held", flush=True)
        time.sleep(60)
    """
)


def test_a_second_process_is_refused_at_once_naming_the_holders_pid(tmp_path):
    folder = RunFolder(tmp_path / "run")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(folder.path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError, match=f"in use by process {holder.pid}"), folder.locked():
            pass
    finally:
        holder.kill()
        holder.wait()
    with folder.locked():  # the killed holder's lock is simply taken over
        assert (folder.path / ".run.lock").read_text().strip() == str(os.getpid())
    assert not (folder.path / ".run.lock").exists()  # released on exit


def test_abandon_removes_a_folder_that_holds_only_its_config(tmp_path):
    empty = _written(tmp_path)
    empty.abandon()
    assert not empty.path.exists()
    used = _written(tmp_path)
    (used.path / "trace.png").write_bytes(b"png")
    used.abandon()
    assert used.path.is_dir()


def test_latest_is_the_newest_run_with_a_checkpoint(tmp_path):
    old, new, unfinished = (RunFolder.create(tmp_path, "lenet") for _ in range(3))
    for folder in (old, new, unfinished):
        (folder.path / CONFIG).write_text("{}")
    old.checkpoint.write_bytes(b"1")
    new.checkpoint.write_bytes(b"2")
    os.utime(old.checkpoint, (1, 1))
    assert RunFolder.latest(tmp_path, "lenet").path == new.path
    with pytest.raises(ConfigError, match="no run of 'mlp'"):
        RunFolder.latest(tmp_path, "mlp")


def test_out_must_be_a_folder_one_can_write(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        check_out(tmp_path / "file" / "runs")


def test_a_run_folder_that_cannot_be_made_is_one_message_with_the_fix(tmp_path, monkeypatch):
    import errno
    from pathlib import Path

    from d2lkit.write_errors import WriteError

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "mkdir", full)
    with pytest.raises(WriteError) as info:
        RunFolder.create(tmp_path, "lenet")
    assert "no space" in info.value.message.lower() and "--out" in info.value.fix
