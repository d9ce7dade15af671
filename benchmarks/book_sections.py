"""Run the PyTorch code of the book's sections (chapters 2-15) on d2lkit.torch, and on d2l.

    python benchmarks/book_sections.py PATH/TO/d2l-zh [--lib d2lkit|d2l] [--python PY]
        [--chapters preliminaries,...] [--sections lenet,vgg] [--timeout 300]
        [--out results.json] [--book-pandas]
    python benchmarks/book_sections.py PATH/TO/d2l-en --edition en [--lib d2l --d2l-path DIR]

``--edition en`` runs the English book (d2l-en 1.0, chapters 2-16) with
``from d2lkit.v1 import torch as d2l``; what differs is in
benchmarks/book_sections_en.py.

PATH/TO/d2l-zh is a local checkout (or export) of the d2l-zh book's sources:
its ``chapter_*/*.md`` files. The book's text is never copied into this
repository; the script only reads it.

For each section the cells a PyTorch reader runs (``#@tab pytorch``,
``#@tab all`` and the combined tabs that name pytorch) become one script, run
in a fresh process with:

- ``from d2l import torch as d2l`` replaced by ``from d2lkit import torch as d2l``
  (``--lib d2lkit``, the default) or left as it is (``--lib d2l``: the original
  library, e.g. d2l 0.17.6 in another venv given by ``--python``);
- training capped: every ``num_epochs`` the library's loops receive is at most
  ``--max-epochs`` (2), the section's own ``num_epochs = …`` assignments (also
  inside tuples, e.g. ``num_epochs, lr = 100, 0.003``) are capped too, and
  every loader the library's ``load_*``/``get_data_ch11`` return yields at
  most ``--max-batches`` (20) batches per pass, or as many as make
  ``--min-examples`` (200) examples when batches are smaller (chapter 11's
  loops draw a point every 200 examples);
- ``python -O``: the closing accuracy asserts of ``train_ch3`` (the library's
  and the copy a section defines itself) cannot hold after 2 short epochs, for
  either library, so asserts are off;
- offline data: ``$D2LKIT_DATA`` for d2lkit; for both a temporary ``../data``
  holding the same files (Fashion-MNIST unpacked for torchvision), which the
  original library and the sections' own torchvision cells read; for d2l the
  store's ``fra-eng.zip`` checksum is accepted;
- the book's ``img/`` folder (beside its chapters) as ``../img``, for the pictures
  chapter 13 reads;
- the CPU, one thread (``OMP_NUM_THREADS=1`` unless set), matplotlib's Agg backend;
- as a learner runs it: nothing of the library (nor torch, nor pandas) is
  imported before the section's own first line. The caps are applied by an
  import hook, put before that line, that patches the library's functions
  when the section itself imports it (a section that never imports it runs
  untouched); ``--book-pandas`` runs each section with the learner's pandas
  opt-in (``python -m d2lkit.compat.pandas_startup on``: a ``.pth`` file, put
  here in a folder of the run, never in the venv).

It prints one line per section and writes a JSON list of
``{chapter, section, status, seconds, error}``; ``--markdown`` prints a table.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book_sections_en as en

CHAPTERS = (
    "preliminaries",
    "linear-networks",
    "multilayer-perceptrons",
    "deep-learning-computation",
    "convolutional-neural-networks",
    "convolutional-modern",
    "recurrent-neural-networks",
    "recurrent-modern",
    "attention-mechanisms",
    "optimization",
    "computational-performance",
    "computer-vision",
    "natural-language-processing-pretraining",
    "natural-language-processing-applications",
)

CELL = re.compile(r"```\{\.python \.input\}\n(.*?)```", re.S)
IMPORT = re.compile(r"^from d2l import torch as d2l\s*$", re.M)
EPOCHS = re.compile(r"^(\s*)num_epochs\s*=\s*(\d+)\s*$", re.M)
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Unavailable|Interrupt): ")

# Put before the section's first line. It imports nothing of the library, nor torch, nor
# pandas: only the standard library. It registers an import hook; when the section's own
# import line loads the library ({lib}), the hook caps the library's loaders and loops.
# {book_pandas} is the opt-in's .pth folder when the section runs with the learner's
# pandas opt-in (--book-pandas), else empty.
PRELUDE = '''\
def _d2lkit_runner_caps():  # one function: no name of the runner leaks into the section
    import functools, importlib.abc, importlib.util, inspect, site, sys

    if {book_pandas!r}:
        site.addsitedir({book_pandas!r})  # what Python does with site-packages at start-up
    max_epochs, max_batches, min_examples = {max_epochs}, {max_batches}, {min_examples}

    class Capped:
        """About max_batches batches per pass; everything else from the loader.

        A pass also lasts until min_examples examples went by: chapter 11's loops
        plot every 200 examples, which 20 batches of 1 or 5 never reach.
        """

        def __init__(self, loader):
            self._loader = loader
            size = getattr(loader, "batch_size", None) or 1
            self._limit = max(max_batches, -(-min_examples // size))

        def __iter__(self):
            for i, batch in enumerate(self._loader):
                if i >= self._limit:
                    break
                yield batch

        def __len__(self):
            return min(len(self._loader), self._limit)

        def __getattr__(self, name):
            return getattr(self._loader, name)

    def cap(value):
        kind = type(value).__name__
        if kind in ("DataLoader", "TensorLoader", "SeqDataLoader", "PTBLoader", "_PairBatches"):
            return Capped(value)
        if isinstance(value, tuple):
            return tuple(cap(v) for v in value)
        return value

    def loader_fn(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return cap(fn(*args, **kwargs))
        return wrapper

    def epochs_fn(fn, assert_ok=False):
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            if "num_epochs" in bound.arguments:
                bound.arguments["num_epochs"] = min(bound.arguments["num_epochs"], max_epochs)
            try:
                return fn(*bound.args, **bound.kwargs)
            except AssertionError as exc:
                if not assert_ok:
                    raise
                print(f"[capped run] {{fn.__name__}}'s bound not reached: {{exc}}",
                      file=sys.stderr)
        return wrapper

    def patch(_lib):
        for name in ("load_data_fashion_mnist", "load_array", "load_data_time_machine",
                     "load_data_nmt", "get_data_ch11", "load_data_bananas", "load_data_voc",
                     "load_data_ptb", "load_data_wiki", "load_data_imdb", "load_data_snli"):
            if hasattr(_lib, name):
                setattr(_lib, name, loader_fn(getattr(_lib, name)))
        for name in ("train_ch3", "train_ch6", "train_ch8", "train_seq2seq", "train_ch11",
                     "train_concise_ch11", "train_ch13"):
            if hasattr(_lib, name):
                setattr(_lib, name, epochs_fn(getattr(_lib, name), name == "train_ch3"))
{extra}
    class CapOnImport(importlib.abc.MetaPathFinder):
        """Lets {lib} load as usual, then patches it, before the section sees it."""

        def find_spec(self, fullname, path, target=None):
            if fullname != "{lib}":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                patch(module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, CapOnImport())


_d2lkit_runner_caps()
del _d2lkit_runner_caps
{prologue}'''

# The original library reads '../data' and checks the book's own fra-eng.zip checksum.
BOOK_EXTRA = """\
        class Hub(dict):
            # a section's own DATA_HUB['fra-eng'] = (..., book's sha1) keeps the store's sha1
            def __setitem__(self, key, value):
                if key == 'fra-eng':
                    value = (value[0], '{fra_sha1}')
                super().__setitem__(key, value)

        _lib.DATA_HUB = Hub(_lib.DATA_HUB)
        _lib.DATA_HUB['fra-eng'] = (_lib.DATA_URL + 'fra-eng.zip', '{fra_sha1}')
"""


def _tab_is_pytorch(cell: str) -> bool:
    first = cell.split("\n", 1)[0].strip()
    if not first.startswith("#@tab"):
        return False  # an untagged cell is MXNet
    tabs = {t.strip() for t in first[len("#@tab") :].split(",")}
    return "pytorch" in tabs or "all" in tabs


def section_code(md: Path, lib: str, max_epochs: int, edition: str = "zh") -> str | None:
    """The section's PyTorch cells as one script, or None when it has none."""
    text = md.read_text(encoding="utf-8")
    if edition == "en":
        cells = [c for c in en.CELL.findall(text) if en.tab_is_pytorch(c)]
    else:
        cells = [c for c in CELL.findall(text) if _tab_is_pytorch(c)]
    if not cells:
        return None
    lines = []
    for cell in cells:
        for line in cell.splitlines():
            stripped = line.strip()
            if stripped.startswith(("%", "!")):  # IPython magics and shell escapes
                continue
            lines.append(line)
    code = "\n".join(lines)
    if lib == "d2lkit.torch":
        code = IMPORT.sub("from d2lkit import torch as d2l", code)
    elif lib == en.FACADE:
        code = en.IMPORT.sub(en.FACADE_IMPORT, code)
    try:
        return _cap_epochs_ast(code, max_epochs)
    except SyntaxError:
        return EPOCHS.sub(
            lambda m: f"{m.group(1)}num_epochs = min({m.group(2)}, {max_epochs})", code
        )


class _CapEpochs(ast.NodeTransformer):
    """``num_epochs = 10`` and ``lr, num_epochs = 0.1, 10`` -> the epoch count capped."""

    def __init__(self, cap: int) -> None:
        self.cap = cap

    def _capped(self, value: ast.expr) -> ast.expr:
        return ast.Call(ast.Name("min", ast.Load()), [value, ast.Constant(self.cap)], [])

    def visit_Assign(self, node: ast.Assign) -> ast.Assign:
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == "num_epochs":
                node.value = self._capped(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                for i, elt in enumerate(target.elts):
                    if isinstance(elt, ast.Name) and elt.id == "num_epochs":
                        node.value.elts[i] = self._capped(node.value.elts[i])
        return node


def _cap_epochs_ast(code: str, cap: int) -> str:
    tree = _CapEpochs(cap).visit(ast.parse(code))
    return ast.unparse(ast.fix_missing_locations(tree))


def sections(book: Path, chapters: list[str], only: set[str] | None) -> list[Path]:
    found = []
    for chapter in chapters:
        folder = book / f"chapter_{chapter}"
        for md in sorted(folder.glob("*.md")):
            if md.stem == "index" or md.stem.endswith("_origin"):
                continue
            if only and md.stem not in only:
                continue
            found.append(md)
    return found


def book_workspace(data: Path) -> Path:
    """A folder whose ``data/`` holds what d2l 0.17.6 reads from ``../data``, offline.

    It holds 50 MB of unpacked images, so it is removed when the process exits.
    """
    root = Path(tempfile.mkdtemp(prefix="d2l-book-sections-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    raw = root / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in (data / "fashion-mnist").glob("*-ubyte.gz"):
        with gzip.open(gz) as src, (raw / gz.name[:-3]).open("wb") as dst:
            shutil.copyfileobj(src, dst)
    for f in (data / "d2l").iterdir():
        if f.is_file():
            (root / "data" / f.name).symlink_to(f)
    (root / "work").mkdir()
    return root


def _sha1(path: Path) -> str:
    import hashlib

    return hashlib.sha1(path.read_bytes()).hexdigest()


def run_section(
    md: Path, args: argparse.Namespace, lib: str, cwd: Path, env: dict[str, str], extra: str
) -> dict[str, object]:
    row: dict[str, object] = {
        "chapter": md.parent.name.removeprefix("chapter_"),
        "section": md.stem,
    }
    code = section_code(md, lib, args.max_epochs, args.edition)
    if code is None:
        return {**row, "status": "no pytorch code", "seconds": 0.0, "error": ""}
    prelude = PRELUDE.format(
        max_epochs=args.max_epochs,
        max_batches=args.max_batches,
        min_examples=args.min_examples,
        lib=lib,
        extra=extra,
        book_pandas=str(args.book_pandas_dir or ""),
        prologue=getattr(args, "prologue", ""),
    )
    script = cwd / f"section_{md.stem.replace('-', '_')}.py"  # never shadows a module
    script.write_text(prelude + "\n" + code + "\n", encoding="utf-8")
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [args.python, "-O", str(script)],  # -O: no asserts (see the module docstring)
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=args.timeout,
        )
    except subprocess.TimeoutExpired:
        return {**row, "status": "timeout", "seconds": args.timeout, "error": ""}
    seconds = time.perf_counter() - start
    if proc.returncode == 0:
        return {**row, "status": "ok", "seconds": round(seconds, 1), "error": ""}
    tail = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    # the exception's own line, not the last line of its (multi-line) fix
    raised = [line for line in tail if EXCEPTION_LINE.match(line)]
    return {
        **row,
        "status": "error",
        "seconds": round(seconds, 1),
        "error": (raised or tail or [f"exit {proc.returncode}"])[-1][:300],
    }


def markdown(rows: list[dict[str, object]], other: list[dict[str, object]] | None) -> str:
    by_key = {(r["chapter"], r["section"]): r for r in other or []}
    head = "| chapter | section | d2lkit | s |" + (" d2l 0.17.6 | s |" if other else "")
    lines = [head, "|" + "---|" * (4 + (2 if other else 0))]
    for r in rows:
        line = f"| {r['chapter']} | {r['section']} | {r['status']} | {r['seconds']} |"
        if other:
            o = by_key.get((r["chapter"], r["section"]), {"status": "not run", "seconds": ""})
            line += f" {o['status']} | {o['seconds']} |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book", type=Path, help="a local d2l-zh/d2l-en checkout (chapter_*/)")
    parser.add_argument("--edition", choices=("zh", "en"), default="zh")
    parser.add_argument("--lib", choices=("d2lkit", "d2l"), default="d2lkit")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run sections")
    parser.add_argument("--d2l-path", help="--lib d2l: a folder holding the d2l package")
    parser.add_argument("--chapters", default="")
    parser.add_argument("--sections", default="", help="comma-separated section names")
    parser.add_argument("--max-epochs", type=int, default=2)
    parser.add_argument("--max-batches", type=int, default=20)
    parser.add_argument(
        "--min-examples", type=int, default=200, help="a capped pass lasts at least this many"
    )
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--out", type=Path, help="write the rows as JSON")
    parser.add_argument("--compare", type=Path, help="JSON rows of the other library")
    parser.add_argument(
        "--book-pandas",
        action="store_true",
        help="with the learner's pandas opt-in (python -m d2lkit.compat.pandas_startup on)",
    )
    parser.add_argument("--markdown", action="store_true", help="print a table at the end")
    args = parser.parse_args(argv)

    data = Path(os.environ.get("D2LKIT_DATA", "")).expanduser()
    if not (data / "fashion-mnist").is_dir():
        parser.error("set D2LKIT_DATA to the data folder (with fashion-mnist/ and d2l/)")
    english = args.edition == "en"
    lib = "d2lkit.torch" if args.lib == "d2lkit" else "d2l.torch"
    # one thread, set as a learner would (torch reads it when imported): nothing imported first
    env = {"OMP_NUM_THREADS": "1", **os.environ, "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": ""}
    src = Path(__file__).resolve().parents[1] / "src"
    cwd = book_workspace(data) / "work"
    args.book_pandas_dir = None
    if args.book_pandas:  # the opt-in's .pth, in a folder of this run (never the venv's)
        sys.path.insert(0, str(src))
        from d2lkit.compat import pandas_book

        args.book_pandas_dir = pandas_book.install_startup(cwd.parent / "site").parent
    if english and args.lib == "d2lkit":
        lib = en.FACADE
    if args.lib == "d2lkit":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
        env["D2LKIT_PLOTS"] = str(cwd / "plots")
        env["D2LKIT_CACHE"] = str(cwd.parent / "cache")  # extracted copies go with the workspace
        extra = en.EXTRA if english else ""
    else:
        fra_sha1 = _sha1(data / "d2l" / "fra-eng.zip")
        extra = (
            en.EXTRA + en.book_extra(fra_sha1) if english else BOOK_EXTRA.format(fra_sha1=fra_sha1)
        )
        paths = [args.d2l_path, env.get("PYTHONPATH")]
        if english:
            paths.append(en.scipy_stub_path(args.python, cwd.parent))
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    args.prologue = en.PROLOGUE if english else ""
    chapters = (
        args.chapters.split(",") if args.chapters else list(en.CHAPTERS if english else CHAPTERS)
    )
    if (args.book / "img").is_dir():  # the sections read their pictures from ../img
        (cwd.parent / "img").symlink_to((args.book / "img").resolve())
    only = {s for s in args.sections.split(",") if s} or None
    rows = []
    for md in sections(args.book, chapters, only):
        row = run_section(md, args, lib, cwd, env, extra)
        rows.append(row)
        print(
            f"{row['chapter']:32} {row['section']:40} {row['status']:16} "
            f"{row['seconds']:>7} {row['error']}",
            flush=True,
        )
        if args.out:
            args.out.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.markdown:
        other = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
        print(markdown(rows, other))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
