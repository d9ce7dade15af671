"""Both numberings: every recipe's section in the Chinese 2.0 and English 1.0 editions."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from d2lkit.errors import ConfigError
from d2lkit.experiments.editions import (
    EN_TOC,
    ZH_TO_EN,
    ZH_TOC,
    BookSections,
    Section,
    book_sections,
)
from d2lkit.experiments.editions import section_label as label
from d2lkit.experiments.registry import RECIPES

NUMBER = re.compile(r"[1-9][0-9]*\.[1-9][0-9]*")


# --- always: every recipe is placed in both editions, the tables are well formed -------------


def test_the_tables_of_contents_are_numbered_and_titled_cleanly():
    for toc in (ZH_TOC, EN_TOC):
        for number, title in toc.items():
            assert NUMBER.fullmatch(number) and title == " ".join(title.split()), number
    assert set(ZH_TO_EN) == set(ZH_TOC)
    assert all(en in EN_TOC for en in ZH_TO_EN.values() if en is not None)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_is_placed_in_both_editions_or_says_where_it_comes_from(name):
    stated = RECIPES.get(name).section  # "7.5", "6.4 (1st ed.)", "course 3", "handbook 1.3.4"
    entry = book_sections(name)
    if NUMBER.fullmatch(stated):
        assert entry.zh is not None and entry.zh.number == stated
        assert entry.en is not None and entry.en.number == ZH_TO_EN[stated]
    elif stated.endswith(" (1st ed.)"):
        assert entry.zh is None and entry.zh_first is not None
        assert entry.zh_first.number == stated.removesuffix(" (1st ed.)")
    elif stated.startswith("course "):
        assert entry.origin.endswith(f"lesson {stated.removeprefix('course ')}")
    else:
        assert stated in ("fast", "handbook 1.3.4")
        assert entry.zh is None and entry.en is None and entry.origin
    if entry.zh is None or entry.en is None:
        assert entry.note, "a recipe missing from an edition says why"


def test_labels_lead_with_one_edition_and_give_the_others_number():
    assert label("lenet-bn") == "8.5 Batch Normalization (zh 7.5)"
    assert label("lenet-bn", first="zh") == "7.5 批量规范化 (en 8.5)"
    assert label("softmax-regression", titles=False) == "4.5 (zh 3.7)"
    assert label("adam", first="zh", titles=False) == "11.10 (en 12.10)"


def test_labels_of_recipes_outside_edition_2_say_where_they_come_from():
    assert label("rnn-jaychou") == "zh 1st ed. 6.4 循环神经网络的从零开始实现"
    assert label("course-gd") == "Liu Er's course, lesson 3"
    assert label("fashion-fast", first="zh") == "d2lkit, beyond the book"


def test_a_section_in_one_edition_only_is_labelled_as_such():
    only_zh = BookSections(Section("4.4", "模型选择、欠拟合和过拟合"), None, "not on d2l.ai")
    assert only_zh.label() == "zh 4.4 模型选择、欠拟合和过拟合 (not in en)"
    assert only_zh.label("zh", titles=False) == "4.4 (not in en)"
    only_en = BookSections(None, Section("3.3", "Synthetic Regression Data"), "new in 1.0")
    assert only_en.label() == "3.3 Synthetic Regression Data (not in zh)"


def test_an_unknown_recipe_suggests_close_names():
    with pytest.raises(ConfigError, match="recipe 'lenet-nb'") as info:
        book_sections("lenet-nb")
    assert "lenet-bn" in (info.value.fix or "")


def test_importing_the_table_imports_no_torch():
    code = (
        "import sys\n"
        "from d2lkit.experiments.editions import section_label\n"
        "print(section_label('resnet'))\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    resnet = "8.6 Residual Networks (ResNet) and ResNeXt (zh 7.6)"
    assert out.stdout.splitlines() == [resnet, "False"]


# --- maintenance: re-derive every number and title from the books' own sources -------------
# The sources are bare git mirrors (d2l-ai/d2l-zh, d2l-ai/d2l-en). A book's numbered toc
# (index.md; build/index.rst in the first Chinese edition) orders the chapters, each chapter's
# index.md orders its sections, and a section's first "# " heading is its title.

MIRRORS = Path(os.environ.get("D2LKIT_BOOK_SOURCES", "/work/.mirror"))
ZH_REPO = MIRRORS / "d2l-ai+d2l-zh" / "repo"
EN_REPO = MIRRORS / "d2l-ai+d2l-en" / "repo"
BOOKS = {  # edition -> (repository, revision, the file with the numbered chapter list)
    "zh": (ZH_REPO, "e6b18cce", "index.md"),
    "en": (EN_REPO, "v1.0.3", "index.md"),
    "zh_first": (ZH_REPO, "v1.0.0", "build/index.rst"),
}


def _show(repo: Path, rev: str, path: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), "show", f"{rev}:{path}"], capture_output=True, timeout=60
    )
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout.decode("utf-8")


def _toctrees(text: str) -> list[tuple[bool, list[str]]]:
    """(numbered?, entries) of each toc block: d2lbook's ```toc or Sphinx's .. toctree::."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        head = lines[i].strip()
        i += 1
        if head not in ("```toc", ".. toctree::"):
            continue
        numbered, entries = False, []
        while i < len(lines):
            raw, line = lines[i], lines[i].strip()
            ends_rst = head == ".. toctree::" and line and not raw[:1].isspace()
            if line.startswith("```") or ends_rst:
                break
            if line == ":numbered:":
                numbered = True
            elif line and not line.startswith(":"):
                entries.append(line.removesuffix(".md"))
            i += 1
        blocks.append((numbered, entries))
    return blocks


def _heading(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return " ".join(line[2:].split())
    raise AssertionError("no '# ' heading")


@functools.cache
def _chapters(edition: str) -> list[str]:
    repo, rev, top = BOOKS[edition]
    return [e for numbered, es in _toctrees(_show(repo, rev, top)) if numbered for e in es]


@functools.cache
def _sections(edition: str, chapter: int) -> tuple[str, list[str]]:
    repo, rev, _ = BOOKS[edition]
    index = _chapters(edition)[chapter - 1]  # "chapter_convolutional-modern/index"
    folder = index.rsplit("/", 1)[0]
    return folder, [e for _, es in _toctrees(_show(repo, rev, f"{index}.md")) for e in es]


def _book_file(edition: str, number: str) -> str:
    """The source file of a section, e.g. ``chapter_convolutional-modern/batch-norm``."""
    chapter, section = map(int, number.split("."))
    folder, sections = _sections(edition, chapter)
    return f"{folder}/{sections[section - 1]}"


def _book_section(edition: str, number: str) -> Section:
    repo, rev, _ = BOOKS[edition]
    return Section(number, _heading(_show(repo, rev, f"{_book_file(edition, number)}.md")))


def _sources_missing() -> str | None:
    if shutil.which("git") is None:
        return "git is not installed"
    for edition, (repo, rev, _) in BOOKS.items():
        if not repo.is_dir():
            return f"the book sources are not on disk ({repo}; set D2LKIT_BOOK_SOURCES)"
        found = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            capture_output=True,
        )
        if found.returncode != 0:
            return f"{repo} lacks {rev} ({edition})"
    return None


needs_sources = pytest.mark.skipif(
    _sources_missing() is not None,
    reason=f"maintenance check of the section table: {_sources_missing()}",
)


@needs_sources
def test_the_toc_reader_finds_the_books_known_landmarks():
    # Landmarks a reader of each edition knows, so the reader itself is checked.
    assert _book_section("zh", "2.1").title == "数据操作"
    assert _book_section("en", "2.1").title == "Data Manipulation"
    assert _book_section("en", "4.1").title == "Softmax Regression"
    assert _chapters("zh_first")[5] == "chapter_recurrent-neural-networks/index"


@needs_sources
@pytest.mark.parametrize(("edition", "toc"), [("zh", ZH_TOC), ("en", EN_TOC)])
def test_each_section_number_and_title_is_the_books_own(edition, toc):
    for number, title in toc.items():
        assert _book_section(edition, number) == Section(number, title)
    chapters = range(2, len(_chapters(edition)) + 1)  # chapter 1 (the introduction) has none
    every = [f"{c}.{i}" for c in chapters for i in range(1, len(_sections(edition, c)[1]) + 1)]
    assert sorted(toc, key=_order) == sorted(every, key=_order)  # the whole book, nothing else


def _order(number: str) -> tuple[int, ...]:
    return tuple(map(int, number.split(".")))


@needs_sources
def test_the_first_editions_section_is_its_own():
    entry = book_sections("rnn-jaychou")
    assert entry.zh_first is not None
    assert _book_section("zh_first", entry.zh_first.number) == entry.zh_first


# Where the English edition merged or rewrote a section, its file has another name.
RENAMED = {
    "mlp-scratch": "mlp-implementation",
    "mlp-concise": "mlp-implementation",
    "underfit-overfit": "generalization",
    "environment": "environment-and-distribution-shift",
    "deferred-init": "lazy-init",
    "text-preprocessing": "text-sequence",
    "language-models-and-dataset": "language-model",
    "attention-cues": "queries-keys-values",
    "nadaraya-waston": "attention-pooling",
}


@needs_sources
def test_paired_sections_are_the_same_source_in_both_editions():
    # The two books grew from one source tree: a section keeps its file name across them
    # (chapter_recurrent-neural-networks/rnn-concise in both), so a pairing that points at
    # the wrong section of the other edition shows here even when its title is right.
    for zh_number, en_number in ZH_TO_EN.items():
        assert en_number is not None
        zh = _book_file("zh", zh_number).rsplit("/", 1)[1]
        en = _book_file("en", en_number).rsplit("/", 1)[1]
        assert RENAMED.get(zh, zh) == en, zh_number
