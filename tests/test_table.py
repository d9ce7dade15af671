"""Tables fit the width they are given (the terminal's): the key column whole, the rest gives."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

import pytest

from d2lkit.table import (
    ELLIPSIS,
    display_width,
    format_table,
    layout_table,
    shorten,
    terminal_width,
    wrap_text,
)

URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"
DOC = "LeNet with nn.BatchNorm before each sigmoid (d2l 7.5, concise), the book's own network"
HEADER = ("data set", "file", "status", "source")
ROWS = [
    ("fashion-mnist", "train-images-idx3-ubyte.gz", "verified", URL),
    ("time-machine", "timemachine.txt", "missing", "http://d2l-data.s3.amazonaws.com/tm.txt"),
    ("kaggle-house-prices-advanced", "kaggle_house_pred_train.csv", "present", "-"),
]


def _cells(char: str) -> int:
    # An independent count: East Asian wide/full-width characters take two cells.
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def test_a_table_that_fits_is_laid_out_as_before():
    text = format_table([("mlp", "784-256-10"), ("lenet_bn", "LeNet")], ("model", "what"), width=80)
    assert text.splitlines() == [
        "model     what",
        "--------  ----------",
        "mlp       784-256-10",
        "lenet_bn  LeNet",
    ]


@pytest.mark.parametrize("width", [80, 40])
def test_no_line_exceeds_the_width_and_every_key_is_whole(width):
    natural = format_table(ROWS, HEADER, width=1000)
    assert max(map(display_width, natural.splitlines())) > 80  # the table needs shrinking
    text = format_table(ROWS, HEADER, width=width, cut=["source"], wrap=["file"])
    lines = text.splitlines()
    assert max(display_width(line) for line in lines) <= width
    for key, *_ in ROWS:  # each key starts a line, whole
        assert any(line.startswith(key) for line in lines), key


def test_at_80_columns_a_cut_cell_ends_in_an_ellipsis_and_a_wrapped_one_continues():
    table = layout_table(ROWS, HEADER, width=80, cut=["source"], wrap=["file"])
    assert table.header[0].startswith("data set")
    first = table.rows[0]
    assert len(first) >= 2  # the file name continues on the next line
    file_start = table.header[0].index("file")
    source_start = table.header[0].index("source")
    pieces = [line[file_start:source_start].split("  ")[0].strip() for line in first]
    assert "".join(pieces) == "train-images-idx3-ubyte.gz"
    shown_url = first[0][source_start:]
    assert shown_url.endswith(ELLIPSIS) and URL.startswith(shown_url[:-1])
    assert table.rows[2][0].startswith("kaggle-house-prices-advanced  ")


def test_at_40_columns_rows_become_blocks_with_every_value():
    text = format_table(ROWS, HEADER, width=40, cut=["source"], wrap=["file"])
    lines = text.splitlines()
    assert lines[0] == "fashion-mnist"
    assert "  file: train-images-idx3-ubyte.gz" in lines
    assert "  status: verified" in lines
    source = next(line for line in lines if line.startswith("  source: http://fashion"))
    assert source.endswith(ELLIPSIS) and display_width(source) == 40


def test_a_wrapped_column_gives_back_its_words_in_order():
    text = format_table(
        [("lenet_bn", "cnn", DOC)], ("model", "family", "what"), width=40, wrap=["what"]
    )
    lines = text.splitlines()
    assert max(map(display_width, lines)) <= 40
    start = lines[0].index("what")
    assert " ".join(line[start:].strip() for line in lines[2:]) == DOC


def test_wide_characters_count_two_cells():
    title = "7.5 批量规范化 (en 8.5)"
    assert display_width(title) == sum(_cells(c) for c in title) == 4 + 2 * 5 + 9
    rows = [("lenet-bn", title, "fashion-mnist"), ("mlp", "4.3 多层感知机的简洁实现 (en 5.2)", "-")]
    for width in (40, 30):
        text = format_table(rows, ("recipe", "section", "data"), width=width, wrap=["section"])
        for line in text.splitlines():
            assert sum(_cells(c) for c in line) <= width, line
    assert shorten("批量规范化", 6) == "批量" + ELLIPSIS  # 2 + 2 cells, then the ellipsis


def test_shorten_and_wrap_keep_text_that_fits_and_split_what_does_not():
    assert shorten("lenet_bn", 8) == "lenet_bn"
    assert shorten("lenet_bn_scratch", 8) == "lenet_b" + ELLIPSIS
    assert wrap_text("a bb ccc", 4) == ["a bb", "ccc"]
    assert wrap_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]  # no space: split at the width
    assert wrap_text("", 5) == [""]


def test_a_cell_with_a_newline_stays_on_its_row():
    text = format_table([("a", "two\nlines")], ("key", "value"), width=40)
    assert text.splitlines()[2] == "a    two lines"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="not \\['size'\\]"):
        format_table(ROWS, HEADER, width=80, cut=["size"])
    with pytest.raises(ValueError, match="not \\['data set'\\]"):
        format_table(ROWS, HEADER, width=80, wrap=["data set"])  # the key never shrinks
    with pytest.raises(ValueError, match="at least 10 columns"):
        format_table(ROWS, HEADER, width=9)
    with pytest.raises(ValueError, match="3 cells for 4 columns"):
        format_table([("a", "b", "c")], HEADER, width=80)


def _width_in_fresh_process(env: dict[str, str]) -> int:
    code = "from d2lkit.table import terminal_width; print(terminal_width())"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


def test_terminal_width_is_80_when_unknown_and_follows_columns_when_set():
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    assert _width_in_fresh_process(env) == 80  # stdout is a pipe: no terminal to ask
    assert _width_in_fresh_process({**env, "COLUMNS": "57"}) == 57
    assert terminal_width(default=80) >= 10


SCRIPT = f"""
from d2lkit.table import format_table, terminal_width
print("width", terminal_width())
rows = {ROWS!r}
print(format_table(rows, {HEADER!r}, cut=["source"], wrap=["file"]))
print(format_table([("lenet_bn", "cnn", {DOC!r} * 2)], ("model", "family", "what"), wrap=["what"]))
"""


def test_in_an_80_by_24_terminal_every_printed_line_fits(
    run_in_pty,
):
    out = run_in_pty(SCRIPT, 80, 24)
    lines = out.replace("\r\n", "\n").splitlines()
    assert lines[0] == "width 80"  # the size came from the terminal itself
    assert len(lines) > 6
    for line in lines:
        assert display_width(line) <= 80, line
    assert any(line.startswith("fashion-mnist  ") for line in lines)  # a table, not blocks
