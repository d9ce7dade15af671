"""The d2lkit.models namespace loads names on first use; families register on first lookup."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import d2lkit.models

INIT = Path(d2lkit.models.__file__)


def _run_fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; its output lines (the last says whether torch loaded)."""
    code += "\nimport sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()


@pytest.mark.parametrize(
    "module", ["d2lkit.models", "d2lkit.models.registry", "d2lkit.models.signatures"]
)
def test_importing_the_package_registry_and_signatures_imports_no_torch(module):
    assert _run_fresh(f"import {module}") == ["False"]


def test_create_model_registers_the_families_on_first_use_in_a_fresh_process():
    lines = _run_fresh(
        "from d2lkit.models import create_model, list_models\n"
        "net = create_model('lenet_bn')\n"
        "print(type(net).__name__, len(list_models()))\n"
    )
    from d2lkit.models.signatures import model_signatures

    assert lines == [f"Sequential {len(model_signatures())}", "True"]


def test_the_families_found_in_the_source_are_the_modules_that_register_models():
    from d2lkit.models.registry import MODELS, families

    registering = {MODELS.get(name).__module__.rsplit(".", 1)[-1] for name in MODELS}
    assert registering == set(families())
    assert "registry" not in families() and "init" not in families()


def _type_checking_imports() -> dict[str, str]:
    """name -> submodule, from the ``if TYPE_CHECKING:`` block of d2lkit/models/__init__.py."""
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
    table = d2lkit.models._SOURCES
    assert _type_checking_imports() == table
    assert sorted(table) == sorted(d2lkit.models.__all__)


def test_every_public_name_is_the_object_its_submodule_defines():
    for name, module in d2lkit.models._SOURCES.items():
        expected = getattr(importlib.import_module(f"d2lkit.models.{module}"), name)
        assert getattr(d2lkit.models, name) is expected, name


def test_a_family_is_reachable_as_an_attribute_without_importing_it_first():
    lines = _run_fresh("import d2lkit.models as models\nprint(models.cnn.lenet_bn.__name__)")
    assert lines == ["lenet_bn", "True"]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'create_modle'"):
        d2lkit.models.create_modle  # noqa: B018
