"""What a run reads, fuzzed: ``--set`` values (through ``apply_overrides`` and through
``d2lkit run``), a run folder's config.json, and its checkpoint through the run's resume.

Every outcome is a run (or a config) or one D2lkitError with a fix: never another exception,
never a traceback, never a file written outside the run folder. Example counts are bounded
(hypothesis, derandomized, no example database): 200 per test that only parses, 150 per
config.json read, 30 per ``d2lkit run``, 30 per resume (those that load train an epoch).
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from d2lkit.cli import app
from d2lkit.errors import D2lkitError
from d2lkit.experiments import apply_overrides, get_recipe, run_recipe
from d2lkit.experiments.config import config_to_dict
from d2lkit.experiments.run.driver import load_run_config
from d2lkit.experiments.run.folder import RunFolder
from d2lkit.train import load_checkpoint, save_checkpoint

sys.path.insert(0, str(Path(__file__).parents[1] / "train"))
from checkpoint_mutations import mutated

FUZZ = settings(
    max_examples=200,
    deadline=None,  # a shared, loaded machine: time is not what is tested
    database=None,  # no .hypothesis folder left behind
    derandomize=True,  # the same examples on every run: CI never flakes on a new draw
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,  # the fixtures are the same for every example
        HealthCheck.data_too_large,
    ],
)
FUZZ_READS = settings(FUZZ, max_examples=150)
FUZZ_CLI = settings(FUZZ, max_examples=30)
FUZZ_RESUMES = settings(FUZZ, max_examples=30)

SOFTMAX = get_recipe("softmax-regression")
SECTIONS = list(config_to_dict(SOFTMAX.config))
KEYS = [f"{s}.{k}" for s, fields in config_to_dict(SOFTMAX.config).items() for k in fields]
KEYS += ["model.num_inputs", "model.num_outputs", "data.resize", "sched.total", "task.l2"]

_WORDS = [
    "", "none", "None", "null", "true", "false", "yes", "0", "-1", "1e400", "-0", "nan",
    "inf", "-inf", "[1,2]", "{}", "{'a': 1}", "1,2,3", "0x10", "1_000", "adam", "sgd", "mse",
    "cross_entropy", "cuda", "cuda:7", "cpu", "mps", "auto", "bfloat16", "float16", "=", "..",
    "/etc/passwd", "../../x", "é", "\x00", "2**64", "18446744073709551617", "3.5", " 7 ",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(_WORDS),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(repr),
    st.text(max_size=10),
)
OVERRIDE_KEYS = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(KEYS).map(lambda k: f"{k}.deeper"),
    st.builds(lambda s, k: f"{s}.{k}", st.sampled_from([*SECTIONS, "", "x"]), st.text(max_size=8)),
    st.text(max_size=10),
)
OVERRIDES = st.lists(
    st.builds(lambda k, sep, v: f"{k}{sep}{v}", OVERRIDE_KEYS, st.sampled_from("= :"), VALUES),
    min_size=1,
    max_size=3,
)


def _one_clear_error(error: D2lkitError) -> None:
    assert error.message and error.fix, error
    assert "NAME" not in error.fix and "Traceback" not in error.message


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


# --- --set values --------------------------------------------------------------------------


@FUZZ
@given(overrides=OVERRIDES)
def test_fuzzed_set_values_give_a_checked_config_or_one_clear_error(overrides):
    try:
        apply_overrides(SOFTMAX.config, overrides).validate()
    except D2lkitError as error:
        _one_clear_error(error)


@FUZZ_CLI
@given(overrides=OVERRIDES)
def test_d2lkit_run_with_fuzzed_set_values_says_why_in_one_message_and_writes_nothing(
    overrides, monkeypatch
):
    with _scratch() as root:
        empty, out = root / "data", root / "runs"
        empty.mkdir()
        monkeypatch.chdir(root)
        args = ["run", "softmax-regression", "--offline", "--quiet"]
        args += ["--data-dir", str(empty), "--out", str(out), *(f"--set={o}" for o in overrides)]
        result = CliRunner().invoke(app, args)
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit | None), result.exception
        # no data: every outcome is one message and a fix (exit 2), never a run
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error: ") and "\n  fix: " in result.output
        assert _files(root) == set()  # nothing written, in the run folders or anywhere


# --- config.json ---------------------------------------------------------------------------

_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _json_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _json_paths(value, (*prefix, key))
    elif isinstance(node, list) and len(node) <= 8:
        for i, value in enumerate(node):
            found += _json_paths(value, (*prefix, i))
    return found


@st.composite
def mutated_json(draw: st.DrawFn, original: dict[str, Any]) -> Any:
    """``original`` with one to three values replaced, removed, added or nested deeper."""
    document: Any = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        paths = _json_paths(document)
        path = draw(st.sampled_from(paths))
        if not path:
            document = draw(JSON_VALUES)
            continue
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        kind = draw(st.sampled_from(["set", "set", "drop", "add", "nest"]))
        if kind == "set":
            parent[path[-1]] = draw(JSON_VALUES)
        elif kind == "drop":
            del parent[path[-1]]
        elif kind == "add" and isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.text(max_size=6))] = draw(JSON_VALUES)
        elif kind == "nest":
            parent[path[-1]] = {"value": parent[path[-1]]}
    return document


@pytest.fixture(scope="module")
def saved_config() -> dict[str, Any]:
    """A config.json as a run writes it (recipe, resolved config, the model's arguments)."""
    return {
        "recipe": "softmax-regression",
        "section": "4.1",
        "kind": "train",
        "config": json.loads(json.dumps(config_to_dict(SOFTMAX.config))),
        "model_kwargs": {"num_inputs": 784, "num_outputs": 10},
        "resumed": None,
        "world_size": 1,
    }


@FUZZ_READS
@given(data=st.data())
def test_a_fuzzed_config_json_is_read_back_checked_or_one_clear_error(saved_config, data):
    document = data.draw(mutated_json(saved_config))
    with _scratch() as root:
        (root / "config.json").write_text(json.dumps(document))
        try:
            name, config, _ = RunFolder.open(root).read_config()
            assert (name, config) == load_run_config(root)
        except D2lkitError as error:
            assert str(root / "config.json") in error.message
            _one_clear_error(error)
        assert _files(root) == {root / "config.json"}


@pytest.mark.parametrize("config", [[1, 2], {"optim": [0.1]}], ids=["config", "section"])
def test_a_config_json_that_is_no_mapping_has_a_fix(saved_config, tmp_path, config):
    (tmp_path / "config.json").write_text(json.dumps({**saved_config, "config": config}))
    with pytest.raises(D2lkitError) as info:
        RunFolder.open(tmp_path).read_config()
    assert info.value.fix


# --- a run folder's files through the run's resume --------------------------------------------


@pytest.fixture
def finished(recipe, run_blobs, tmp_path_factory) -> Path:
    """A one-epoch run of the synthetic recipe of tests/experiments/conftest.py."""
    return run_blobs(recipe, tmp_path_factory.mktemp("finished"), "train.epochs=1").run_dir


@contextmanager
def _copy_of(run_dir: Path) -> Iterator[tuple[Path, Path]]:
    """A scratch folder holding a copy of ``run_dir``: (the scratch folder, the copy)."""
    with _scratch() as root:
        copy_dir = root / "runs" / run_dir.name
        shutil.copytree(run_dir, copy_dir)
        yield root, copy_dir


def _resume(recipe, run_dir: Path) -> None:
    _, saved = load_run_config(run_dir)
    config = apply_overrides(saved, ["train.epochs=2"])
    run_recipe(recipe, config, resume=run_dir, progress=False, download=False, plot=False)


@FUZZ_RESUMES
@given(data=st.data())
def test_resuming_a_fuzzed_checkpoint_trains_on_or_is_one_clear_error(recipe, finished, data):
    with _copy_of(finished) as (root, run_dir):
        state = data.draw(mutated(load_checkpoint(run_dir / "checkpoint.pt")))
        save_checkpoint(state, run_dir / "checkpoint.pt")
        try:
            _resume(recipe, run_dir)
        except D2lkitError as error:
            _one_clear_error(error)
        assert all(run_dir in p.parents for p in _files(root))


@FUZZ_RESUMES
@given(data=st.data())
def test_resuming_with_a_fuzzed_config_json_trains_on_or_is_one_clear_error(recipe, finished, data):
    with _copy_of(finished) as (root, run_dir):
        written = json.loads((run_dir / "config.json").read_text())
        document = data.draw(mutated_json(written))
        (run_dir / "config.json").write_text(json.dumps(document))
        try:
            _resume(recipe, run_dir)
        except D2lkitError as error:
            _one_clear_error(error)
        assert all(run_dir in p.parents for p in _files(root))


@pytest.mark.parametrize(
    ("section", "kwargs"),
    [
        ("data", {"extra": 1}),  # TypeError: _blobs() got an unexpected keyword argument
        ("task", {"extra": 1}),  # TypeError: Classification.__init__() got an unexpected ...
        ("model", {"num_outputs": "ten"}),  # TypeError: empty(): argument 'size' ...
        ("model", {"num_outputs": 10**12}),  # RuntimeError: can't allocate 3136000000000000 bytes
    ],
    ids=["data-unknown", "task-unknown", "model-text", "model-huge"],
)
def test_resuming_with_entry_arguments_that_cannot_be_built_is_one_clear_error(
    recipe, finished, section, kwargs
):
    with _copy_of(finished) as (_, run_dir):
        written = json.loads((run_dir / "config.json").read_text())
        written["config"][section]["kwargs"] = kwargs
        (run_dir / "config.json").write_text(json.dumps(written))
        with pytest.raises(D2lkitError) as info:
            _resume(recipe, run_dir)
        _one_clear_error(info.value)


def test_the_fuzzers_start_from_files_a_run_really_writes(recipe, run_blobs, tmp_path):
    run_dir = run_blobs(recipe, tmp_path, "train.epochs=1").run_dir
    written = json.loads((run_dir / "config.json").read_text())
    assert set(written) >= {"recipe", "config", "model_kwargs"}
    _resume(recipe, run_dir)  # the files as written resume: a failure above is the mutation's
    assert load_checkpoint(run_dir / "checkpoint.pt")["epoch"] == 2
