"""One version source: ``d2lkit.__version__``, read by the build and printed by the CLI."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

import d2lkit

REPO = Path(__file__).resolve().parents[1]


def _static_version() -> str:
    """The literal assigned to ``__version__``, found the way setuptools' ``attr:`` finds it.

    setuptools reads ``attr = "d2lkit.__version__"`` from the module's syntax tree when the
    value is a literal, so building the package never imports d2lkit (nor torch).
    """
    tree = ast.parse((REPO / "src" / "d2lkit" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("src/d2lkit/__init__.py assigns no literal __version__")


def test_pyproject_takes_the_version_from_the_package_and_states_none_itself():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "d2lkit.__version__"}


def test_version_is_a_literal_equal_to_the_imported_one():
    assert _static_version() == d2lkit.__version__
    assert d2lkit.__version__.count(".") >= 2


def test_installed_metadata_matches_when_installed_from_this_checkout():
    try:
        dist = importlib.metadata.distribution("d2lkit")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("d2lkit is not installed")
    url = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
    if url.removeprefix("file://") != str(REPO):
        pytest.skip(f"the installed d2lkit comes from {url or 'elsewhere'}, not this checkout")
    assert dist.version == d2lkit.__version__


def test_cli_version_prints_the_package_version():
    out = subprocess.run(
        [sys.executable, "-m", "d2lkit", "--version"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"d2lkit {d2lkit.__version__}"


def test_importing_d2lkit_for_its_version_loads_neither_torch_nor_matplotlib():
    code = "import sys, d2lkit; print(sorted({'torch', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_an_image_run_never_imports_pandas(data_root, tmp_path):
    """pandas costs about 0.4 s of start-up; only the tabular data sets need it."""
    code = (
        "import sys\n"
        "from d2lkit.experiments import get_recipe, run_recipe\n"
        "recipe = get_recipe('softmax-regression')\n"
        f"run_recipe(recipe, recipe.quick_config(), out={str(tmp_path)!r}, "
        f"data_root={str(data_root)!r}, progress=False, download=False)\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
