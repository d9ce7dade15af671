"""The package's shape: no import circle, short functions, a test file for every module.

These hold the code to DESIGN.md's rules (small modules with one job, a reader
finds a concept by its name): each fails with the offenders named.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "d2lkit"
TESTS = Path(__file__).resolve().parent
MAX_FUNCTION_LINES = 60
# the command line parses and delegates; the driver drives: each stays under this (issue 20)
MAX_LINES = {"d2lkit/cli.py": 400, "d2lkit/experiments/run/driver.py": 400}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_nodes(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements that run when the module is imported (not in functions, not TYPE_CHECKING)."""
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking(node):
                found += _import_time_nodes(node.body) + _import_time_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            found += _import_time_nodes(node.body)
            for handler in node.handlers:
                found += _import_time_nodes(handler.body)
        elif isinstance(node, ast.With):
            found += _import_time_nodes(node.body)
        else:
            found.append(node)
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The d2lkit modules ``name`` imports when it is itself imported."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges = set()
    for node in _import_time_nodes(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            edges |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                target = f"{base}.{alias.name}"
                edges.add(target if target in modules else base)
    return {e for e in edges if e in modules and e != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_module_imports_itself_in_a_circle():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycle = _cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_circle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_function_is_longer_than_a_screen():
    long = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_command_line_and_the_driver_stay_short():
    long = {name: n for name, limit in MAX_LINES.items()
            if (n := len((SRC / name).read_text().splitlines())) >= limit}  # fmt: skip
    assert not long, f"over their limit of lines ({MAX_LINES}): {long}"


def _tested_elsewhere() -> dict[str, str]:
    """CONTRIBUTING.md's list of modules whose tests live in another file, with the reason."""
    text = (TESTS.parent / "CONTRIBUTING.md").read_text()
    section = text.split("### Tested elsewhere", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^- `src/(d2lkit/[\w/]+\.py)`: (.+)$", section, re.M))


def test_every_module_has_its_mirrored_test_file_or_a_reason():
    elsewhere = _tested_elsewhere()
    missing = []
    for path in _modules().values():
        relative = path.relative_to(SRC)  # d2lkit/train/trainer.py
        if path.name == "__init__.py" or str(relative) in elsewhere:
            continue
        mirror = TESTS.joinpath(*relative.parts[1:-1], f"test_{path.name}")
        if not mirror.is_file():
            missing.append(str(relative))
    assert not missing, (
        f"no tests/.../test_<module>.py for {missing}: add one, or list the module under "
        "'Tested elsewhere' in CONTRIBUTING.md with the reason"
    )
    stale = [m for m in elsewhere if not (SRC / m).is_file()]
    assert not stale, f"CONTRIBUTING.md lists modules that no longer exist: {stale}"
