"""Every `d2lkit ...` command in README.md and docs/quickstart.md parses as the CLI is today.

The commands are read from the files' fenced code blocks (a trailing ``#``
comment, a ``$ `` prompt, ``VAR=value`` prefixes and ``\\`` continuations
handled; ``python -m d2lkit`` counts as ``d2lkit``). For each, the
subcommand's ``--help`` is run, every ``--flag`` it uses must be one that
subcommand accepts, and the whole line must parse (argument count and value
types), without running anything.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from d2lkit.cli import app

REPO = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/quickstart.md")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
ENV_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
ALWAYS = {"--help"}  # every command and group takes it, without listing it as a parameter


def _lines(block: str) -> list[tuple[int, str]]:
    """(offset of its first line, line) for the block's lines, ``\\`` continuations joined."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for offset, raw in enumerate(block.splitlines()):
        if not pending:
            start = offset
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append((start, pending + raw))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def documented_commands(doc: str) -> list[tuple[str, list[str]]]:
    """``(where, arguments after "d2lkit")`` for each d2lkit command in the doc's code blocks."""
    text = (REPO / doc).read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        first_line = text.count("\n", 0, match.start(1)) + 1
        for offset, line in _lines(match.group(1)):
            try:
                tokens = shlex.split(line.strip().removeprefix("$ "), comments=True)
            except ValueError:  # not shell (a Python block's quotes)
                continue
            while tokens and ENV_PREFIX.match(tokens[0]):
                tokens = tokens[1:]
            if tokens[:3] == ["python", "-m", "d2lkit"]:
                tokens = ["d2lkit", *tokens[3:]]
            if tokens[:1] == ["d2lkit"]:
                found.append((f"{doc}:{first_line + offset}", tokens[1:]))
    return found


COMMANDS = [case for doc in DOCS for case in documented_commands(doc)]


def _descend(args: list[str]) -> tuple[list[str], Any, list[str]]:
    """(subcommand path, its command object, the rest of the arguments)."""
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    rest = list(args)
    while rest and hasattr(command, "commands") and rest[0] in command.commands:
        command = command.commands[rest[0]]
        path.append(rest.pop(0))
    return path, command, rest


def _flags(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}


def test_the_docs_show_commands_to_check():
    per_doc = {doc: sum(where.startswith(doc) for where, _ in COMMANDS) for doc in DOCS}
    assert per_doc["README.md"] >= 15, per_doc
    assert per_doc["docs/quickstart.md"] >= 8, per_doc


def test_commands_are_found_in_fences_with_comments_prompts_and_continuations(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "text d2lkit run nothing\n```bash\n$ d2lkit list   # a comment\n"
        "D2LKIT_DATA=x d2lkit run lenet \\\n    --epochs 2\npython -m d2lkit --help\n"
        "pip install d2lkit\n```\n```python\nprint('d2lkit run x')\n```\n"
    )
    found = documented_commands(str(doc))  # an absolute path wins over REPO in the join
    assert [args for _, args in found] == [["list"], ["run", "lenet", "--epochs", "2"], ["--help"]]
    assert [where.rsplit(":", 1)[1] for where, _ in found] == ["3", "4", "6"]


@pytest.mark.parametrize(("where", "args"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_a_documented_command_parses(where: str, args: list[str]) -> None:
    path, command, rest = _descend(args)
    if hasattr(command, "commands"):  # a group: only its own flags may follow
        words = [t for t in rest if not t.startswith("-")]
        assert not words, f"{where}: `d2lkit {' '.join(path)}` has no subcommand {words[0]!r}"
    helped = CliRunner().invoke(app, [*path, "--help"])
    assert helped.exit_code == 0, f"{where}: `d2lkit {' '.join(path)} --help` failed"
    used = {token.split("=", 1)[0] for token in rest if token.startswith("-")}
    unknown = used - _flags(command) - ALWAYS
    assert not unknown, f"{where}: `d2lkit {' '.join(path)}` does not take {sorted(unknown)}"
    if "--help" in rest or "--version" in rest or hasattr(command, "commands"):
        return  # those print and exit (checked above); a group alone lists its commands
    context = command.make_context(" ".join(["d2lkit", *path]), list(rest))
    context.close()
