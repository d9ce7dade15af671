"""The English book's capped sections on d2lkit.v1 and on d2l 1.0.3, side by side, in one run.

    python benchmarks/bench_book_en.py PATH/TO/d2l-en --d2l-path PATH/TO/d2l-1.0.3 \
        [--sections alexnet,vgg] [--chapters convolutional-modern] [--max-batches 2] \
        [--timeout 600] [--out results.json]

PATH/TO/d2l-en is a local checkout (or export) of d2l-en at v1.0.3 (its
``chapter_*/*.md``); PATH/TO/d2l-1.0.3 a folder holding the unpacked ``d2l``
package (its pins are not installed: it runs on this interpreter's torch,
numpy and pandas). Each section runs as benchmarks/book_sections.py runs it
(``--edition en``: capped epochs and batches, offline, one thread, a fresh
process), d2lkit first and then d2l, one section after the other, so both
see the same machine load. It prints one line per section and a Markdown
table: status and seconds of each library and d2l's time over d2lkit's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book_sections as runner
import book_sections_en as en


def _setups(
    args: argparse.Namespace, data: Path
) -> dict[str, tuple[str, Path, dict[str, str], str]]:
    """(library module, working folder, environment, prelude extra) for each library."""
    base = {**os.environ, "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": ""}
    src = Path(__file__).resolve().parents[1] / "src"
    kit_cwd = runner.book_workspace(data) / "work"
    kit_env = {
        **base,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(src), base.get("PYTHONPATH")])),
        "D2LKIT_PLOTS": str(kit_cwd / "plots"),
    }
    book_cwd = runner.book_workspace(data) / "work"
    paths = [
        args.d2l_path,
        base.get("PYTHONPATH"),
        en.scipy_stub_path(args.python, book_cwd.parent),
    ]
    book_env = {**base, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    fra_sha1 = runner._sha1(data / "d2l" / "fra-eng.zip")
    return {
        "d2lkit": (en.FACADE, kit_cwd, kit_env, en.EXTRA),
        "d2l": ("d2l.torch", book_cwd, book_env, en.EXTRA + en.book_extra(fra_sha1)),
    }


def _ratio(kit: dict[str, object], book: dict[str, object]) -> str:
    if kit["status"] != "ok" or book["status"] != "ok" or not kit["seconds"]:
        return ""
    return f"{float(book['seconds']) / float(kit['seconds']):.2f}"  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book", type=Path, help="a local d2l-en checkout (chapter_*/ folders)")
    parser.add_argument("--d2l-path", required=True, help="a folder holding d2l 1.0.3's package")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--chapters", default=",".join(en.CHAPTERS))
    parser.add_argument("--sections", default="", help="comma-separated section names")
    parser.add_argument("--max-epochs", type=int, default=2)
    parser.add_argument("--max-batches", type=int, default=20)
    parser.add_argument("--min-examples", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--out", type=Path, help="write the rows as JSON")
    args = parser.parse_args(argv)
    args.edition = "en"

    data = Path(os.environ.get("D2LKIT_DATA", "")).expanduser()
    if not (data / "fashion-mnist").is_dir():
        parser.error("set D2LKIT_DATA to the data folder (with fashion-mnist/ and d2l/)")
    setups = _setups(args, data)
    only = {s for s in args.sections.split(",") if s} or None
    rows = []
    for md in runner.sections(args.book, args.chapters.split(","), only):
        row: dict[str, object] = {
            "chapter": md.parent.name.removeprefix("chapter_"),
            "section": md.stem,
        }
        for name, (lib, cwd, env, extra) in setups.items():
            result = runner.run_section(md, args, lib, cwd, env, extra)
            row[name] = {k: result[k] for k in ("status", "seconds", "error")}
        kit, book = row["d2lkit"], row["d2l"]  # type: ignore[assignment]
        row["d2l_over_d2lkit"] = _ratio(kit, book)  # type: ignore[arg-type]
        rows.append(row)
        print(
            f"{row['section']:40} d2lkit {kit['status']:>8} {kit['seconds']:>7}   "  # type: ignore[index]
            f"d2l {book['status']:>8} {book['seconds']:>7}   {row['d2l_over_d2lkit']}",  # type: ignore[index]
            flush=True,
        )
        if args.out:
            args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("\n| chapter | section | d2lkit.v1 | s | d2l 1.0.3 | s | d2l / d2lkit |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        kit, book = row["d2lkit"], row["d2l"]  # type: ignore[assignment]
        print(
            f"| {row['chapter']} | {row['section']} | {kit['status']} | {kit['seconds']} | "  # type: ignore[index]
            f"{book['status']} | {book['seconds']} | {row['d2l_over_d2lkit']} |"  # type: ignore[index]
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
