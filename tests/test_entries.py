"""Entries read from source agree with the registries' imported ones: `show` can trust them."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from d2lkit.experiments.builders.data import DATA
from d2lkit.experiments.config import _PASSED, _entries_in_source
from d2lkit.train.schedules import SCHEDULES
from d2lkit.train.tasks import TASKS


def _imported(section: str) -> dict[str, object]:
    if section == "data":
        return {name: spec.build for name, spec in DATA.items()}
    registry = {"task": TASKS, "sched": SCHEDULES}[section]
    return dict(registry.items())


@pytest.mark.parametrize("section", ["data", "task", "sched"])
def test_the_source_names_every_registered_entry_and_its_arguments(section):
    read = _entries_in_source(section)
    imported = _imported(section)
    assert sorted(read) == sorted(imported)
    for name, entry in imported.items():
        target = entry.__init__ if inspect.isclass(entry) else entry  # type: ignore[misc]
        params = [
            p
            for p in inspect.signature(target).parameters.values()
            if p.name != "self"
            and p.name not in _PASSED.get(section, ())
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)  # object.__init__'s
        ]
        args = [
            a
            for a in read[name].arguments
            if a.name not in _PASSED.get(section, ()) and not a.kind.startswith("VAR_")
        ]
        assert [a.name for a in args] == [p.name for p in params], name
        for arg, param in zip(args, params, strict=True):
            if param.default is param.empty:
                assert arg.default_source is None, (name, arg.name)
            else:
                assert arg.default == param.default, (name, arg.name)


def test_showing_a_recipe_imports_no_torch():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from d2lkit.cli import app\n"
        "r = CliRunner().invoke(app, ['show', 'lenet-bn'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'model.num_classes' in r.output and 'task.topk' in r.output, r.output\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_files_each_data_set_reads_are_read_from_its_registration():
    from d2lkit.experiments.config import data_files

    assert {name: data_files(name) for name in DATA} == {
        name: spec.files for name, spec in DATA.items()
    }


def test_the_offline_missing_files_answer_comes_before_torch(tmp_path):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from d2lkit.cli import app\n"
        f"args = ['run', 'lenet-bn', '--offline', '--data-dir', {str(tmp_path)!r}]\n"
        "r = CliRunner().invoke(app, args)\n"
        "assert r.exit_code == 2, r.output\n"
        "assert 'train-images-idx3-ubyte.gz' in r.output and '--offline' in r.output, r.output\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
