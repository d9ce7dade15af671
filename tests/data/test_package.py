"""The d2lkit.data namespace loads names on first use: the quick commands' paths import no torch."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import d2lkit.data

INIT = Path(d2lkit.data.__file__)


def _run_fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; its output lines (the last says whether torch loaded)."""
    code += "\nimport sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()


@pytest.mark.parametrize(
    "module", ["d2lkit.data", "d2lkit.data.catalog", "d2lkit.data.store", "d2lkit.data.missing"]
)
def test_importing_the_catalog_store_and_missing_answer_imports_no_torch(module):
    assert _run_fresh(f"import {module}") == ["False"]


def test_data_list_work_reads_every_file_status_without_torch(data_root):
    # What `d2lkit data list` does: every data set's files, present or not, nothing hashed.
    lines = _run_fresh(
        "from d2lkit.data import DATASETS\n"
        "from d2lkit.data.store import file_status\n"
        f"rows = [s for d in DATASETS.values() for s in file_status(d, {str(data_root)!r})]\n"
        "print(sum(s.path is not None for s in rows))\n"
    )
    assert int(lines[0]) >= 4  # Fashion-MNIST's four files are in the shared data folder
    assert lines[-1] == "False"


def test_data_verify_work_checks_fashion_mnist_checksums_without_torch(data_root):
    # What `d2lkit data verify fashion-mnist` does: hash every present file, uncached.
    lines = _run_fresh(
        "from d2lkit.data import get_dataset\n"
        "from d2lkit.data.store import find_local, verify\n"
        "ds = get_dataset('fashion-mnist')\n"
        "for entry in ds.files:\n"
        f"    verify(find_local(ds, entry, {str(data_root)!r}), entry, use_cache=False)\n"
        "print(len(ds.files))\n"
    )
    assert lines == ["4", "False"]


def test_the_offline_missing_files_answer_names_every_file_without_torch(tmp_path):
    # What `d2lkit run softmax-regression --offline --data-dir EMPTY` must say before training.
    lines = _run_fresh(
        "from d2lkit.data.missing import DataSetUnavailable\n"
        "from d2lkit.data.store import fetch\n"
        "try:\n"
        f"    fetch('fashion-mnist', {str(tmp_path)!r}, offline=True)\n"
        "except DataSetUnavailable as exc:\n"
        "    print(len(exc.missing)); print(exc.message)\n"
    )
    assert lines[0] == "4"
    assert "fashion-mnist: 4 files missing" in lines[1] and "--offline" in lines[1]
    assert lines[-1] == "False"
    assert list(tmp_path.iterdir()) == []  # asking wrote nothing


def test_reading_idx_still_makes_a_tensor_once_torch_is_wanted():
    from d2lkit.data.idx import parse_idx

    raw = bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, *range(6)])  # a 2x3 uint8 IDX file
    tensor = parse_idx(raw, "tiny")
    assert tuple(tensor.shape) == (2, 3) and tensor.flatten().tolist() == list(range(6))


def _type_checking_imports() -> dict[str, str]:
    """name -> submodule, from the ``if TYPE_CHECKING:`` block of d2lkit/data/__init__.py."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                for alias in imp.names:
                    found[alias.asname or alias.name] = imp.module.rsplit(".", 1)[1]
    return found


def test_the_lazy_table_the_type_checking_imports_and_all_agree():
    table = d2lkit.data._SOURCES
    assert _type_checking_imports() == table
    assert sorted(table) == sorted(d2lkit.data.__all__)
    assert len(set(d2lkit.data.__all__)) == len(d2lkit.data.__all__)


def test_every_public_name_is_the_object_its_submodule_defines():
    for name, module in d2lkit.data._SOURCES.items():
        expected = getattr(importlib.import_module(f"d2lkit.data.{module}"), name)
        assert getattr(d2lkit.data, name) is expected, name


def test_from_import_works_for_every_public_name_in_a_fresh_process():
    names = ", ".join(d2lkit.data.__all__)
    lines = _run_fresh(f"from d2lkit.data import {names}\nprint(TensorLoader.__module__)")
    assert lines == ["d2lkit.data.loaders", "True"]


def test_a_submodule_is_reachable_as_an_attribute_without_importing_it_first():
    lines = _run_fresh("import d2lkit.data as data\nprint(data.vision.read_fashion_mnist.__name__)")
    assert lines == ["read_fashion_mnist", "True"]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'read_fashion_mnits'"):
        d2lkit.data.read_fashion_mnits  # noqa: B018
    assert not hasattr(d2lkit.data, "_private")


def test_dir_lists_every_public_name():
    assert set(d2lkit.data.__all__) <= set(dir(d2lkit.data))
