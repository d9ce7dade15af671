"""Plain-text tables that fit the terminal: the key column whole, the others give way.

The CLI's tables (``list``, ``list --models``, ``data list``, ``show``) were
118-142 columns wide, so on an 80-column terminal every row folded in two.
:func:`format_table` keeps them within a width (the terminal's by default, 80
when it is unknown, as when the output is piped): columns marked ``cut`` are
shortened with an ellipsis, columns marked ``wrap`` continue on the next lines,
and the key (first) column is never touched. When even that cannot fit, each
row is printed as a small block, key first, then one ``header: value`` line
per column. Widths are counted in terminal cells: a Chinese character takes
two (section titles of the Chinese edition appear in tables).

>>> print(format_table([("lenet-bn", "LeNet with nn.BatchNorm before each sigmoid")],
...                    ("model", "what"), width=30, wrap=["what"]))
model     what
--------  --------------------
lenet-bn  LeNet with
          nn.BatchNorm before
          each sigmoid
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

__all__ = [
    "ELLIPSIS",
    "Table",
    "display_width",
    "fit_line",
    "format_table",
    "layout_table",
    "shorten",
    "terminal_width",
    "wrap_text",
]

ELLIPSIS = "…"
MIN_WIDTH = 10  # narrower than this, no table is readable
_MIN_SHRUNK = 6  # a shrunk column keeps at least this many cells (or its header's width)
_GAP = "  "


def terminal_width(default: int = 80) -> int:
    """The terminal's width in columns; ``default`` when unknown (piped output, no tty).

    ``$COLUMNS`` wins when set, as :func:`shutil.get_terminal_size` reads it.
    """
    return max(shutil.get_terminal_size((default, 24)).columns, MIN_WIDTH)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """How many terminal cells ``text`` takes: 2 per wide (CJK) character, 0 per combining one."""
    return sum(_char_width(c) for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def shorten(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` cells, else its start and an ellipsis (``"lenet_b…"``)."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:  # the ellipsis takes one cell
            break
        kept.append(char)
        used += w
    return "".join(kept) + ELLIPSIS


def _split_long(word: str, width: int) -> list[str]:
    """Hard-split a word wider than ``width`` into pieces that fit (at least one char each)."""
    pieces, current, used = [], "", 0
    for char in word:
        w = _char_width(char)
        if current and used + w > width:
            pieces.append(current)
            current, used = "", 0
        current += char
        used += w
    return [*pieces, current] if current else pieces


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells: breaks at spaces, splits a word only if it is too wide.

    Text without spaces (a URL, a Chinese title) is split where the width runs out.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for word in paragraph.split():
            for piece in _split_long(word, width) if display_width(word) > width else [word]:
                w = display_width(piece)
                if line and used + 1 + w <= width:
                    line, used = f"{line} {piece}", used + 1 + w
                else:
                    if line:
                        lines.append(line)
                    line, used = piece, w
        lines.append(line)
    return lines


def fit_line(text: str, width: int | None = None) -> str:
    """One line cut to ``width`` cells (default: the terminal's), for headings between rows."""
    return shorten(text, terminal_width() if width is None else width)


@dataclass(frozen=True)
class Table:
    """A laid-out table: the header lines, then each row's lines (more than one if wrapped).

    A caller that puts headings between rows (``[chapter 7]``) interleaves
    ``rows``; :meth:`text` joins everything.
    """

    header: list[str]
    rows: list[list[str]]

    def text(self) -> str:
        return "\n".join([*self.header, *(line for row in self.rows for line in row)])


def _column_widths(
    natural: list[int], header: Sequence[str], shrinkable: list[int], width: int
) -> list[int] | None:
    """Widths that fit ``width``, shrinking only ``shrinkable`` columns; None if impossible."""
    gaps = len(_GAP) * (len(natural) - 1)
    if sum(natural) + gaps <= width:
        return natural
    floor = {i: min(natural[i], max(_MIN_SHRUNK, display_width(header[i]))) for i in shrinkable}
    fixed = sum(w for i, w in enumerate(natural) if i not in floor)
    room = width - gaps - fixed
    if room < sum(floor.values()):
        return None
    widths = list(natural)
    extra = room - sum(floor.values())
    # Every shrinkable column starts at its floor; the cells left over go to the smallest
    # wants first, each at most an equal share, so a short column keeps its text whole and
    # the long ones split the rest.
    order = sorted(floor, key=lambda i: natural[i] - floor[i])
    for k, i in enumerate(order):
        grant = min(natural[i] - floor[i], extra // (len(order) - k))
        widths[i] = floor[i] + grant
        extra -= grant
    return widths


def _row_lines(
    cells: list[str], widths: list[int], cut_cols: Collection[int], wrap_cols: Collection[int]
) -> list[str]:
    columns: list[list[str]] = []
    for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
        if display_width(cell) <= w:
            columns.append([cell])
        elif i in wrap_cols:
            columns.append(wrap_text(cell, w))
        else:
            columns.append([shorten(cell, w)])
    height = max(len(c) for c in columns)
    lines = []
    for k in range(height):
        parts = [_pad(c[k] if k < len(c) else "", w) for c, w in zip(columns, widths, strict=True)]
        lines.append(_GAP.join(parts).rstrip())
    return lines


def _stacked(
    rows: list[list[str]], header: Sequence[str], width: int, cut_cols: Collection[int]
) -> Table:
    """Each row as a block: the key on its own line, then ``  header: value`` lines.

    A value wraps onto further lines, except in a ``cut`` column, which stays one line.
    """
    blocks = []
    for cells in rows:
        lines = wrap_text(cells[0], width)  # the key is whole unless it alone exceeds the width
        for i, (name, value) in enumerate(zip(header[1:], cells[1:], strict=True), start=1):
            label = f"  {name}: "
            room = width - display_width(label)
            if room >= MIN_WIDTH:
                parts = [shorten(value, room)] if i in cut_cols else wrap_text(value, room)
                lines.append((label + parts[0]).rstrip())
                lines += [(" " * display_width(label) + p).rstrip() for p in parts[1:]]
            else:  # a long header: its value goes on the lines below, indented
                lines.append(shorten(label.rstrip(), width))
                parts = (
                    [shorten(value, width - 4)] if i in cut_cols else wrap_text(value, width - 4)
                )
                lines += ["    " + p for p in parts]
        blocks.append(lines)
    return Table(header=[], rows=blocks)


def layout_table(
    rows: Sequence[Sequence[object]],
    header: Sequence[str],
    *,
    width: int | None = None,
    cut: Collection[str] = (),
    wrap: Collection[str] = (),
) -> Table:
    """Lay out ``rows`` under ``header`` within ``width`` cells (default: the terminal's).

    Args:
        rows: the cells of each row (anything with ``str``), one per header name.
        header: the column names; the first column is the key and is never shortened.
        width: the most cells any line may take; default :func:`terminal_width`.
        cut: names of columns that may be shortened, ending in an ellipsis.
        wrap: names of columns that may continue on further lines of their row.

    When the key, the other columns at full width and the shrinkable ones at
    their narrowest still exceed ``width``, every row becomes a block (key line,
    then ``header: value`` lines), so no line is ever wider than ``width``.
    """
    width = terminal_width() if width is None else width
    if width < MIN_WIDTH:
        raise ValueError(f"a table needs at least {MIN_WIDTH} columns, got width={width}")
    names = list(header)
    unknown = [n for n in (*cut, *wrap) if n not in names]
    if unknown or (names and (names[0] in cut or names[0] in wrap)):
        raise ValueError(f"cut/wrap name columns of {names[1:]}, not {unknown or names[:1]}")
    cells = [[" ".join(str(c).splitlines()) for c in row] for row in rows]  # one line each
    for row in cells:
        if len(row) != len(names):
            raise ValueError(f"a row has {len(row)} cells for {len(names)} columns: {row}")
    cut_cols = {names.index(n) for n in cut}
    wrap_cols = {names.index(n) for n in wrap}
    natural = [max(display_width(r[i]) for r in (names, *cells)) for i in range(len(names))]
    widths = _column_widths(natural, names, sorted(cut_cols | wrap_cols), width)
    if widths is None:
        return _stacked(cells, names, width, cut_cols)
    head = [
        _GAP.join(_pad(n, w) for n, w in zip(names, widths, strict=True)).rstrip(),
        _GAP.join("-" * w for w in widths),
    ]
    return Table(head, [_row_lines(r, widths, cut_cols, wrap_cols) for r in cells])


def format_table(
    rows: Sequence[Sequence[object]],
    header: Sequence[str],
    *,
    width: int | None = None,
    cut: Collection[str] = (),
    wrap: Collection[str] = (),
) -> str:
    """The table as text, every line within ``width`` cells; see :func:`layout_table`."""
    return layout_table(rows, header, width=width, cut=cut, wrap=wrap).text()
