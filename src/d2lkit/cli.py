"""The ``d2lkit`` command: list, show, run and reproduce recipes, manage data.

d2lkit list [PATTERN] | list --models [PATTERN]
d2lkit show lenet-bn [--set KEY=VALUE ...]
d2lkit run lenet-bn [--epochs 10 --lr 1.0 --set data.resize=32 ...]
d2lkit run --resume runs/lenet-bn/20261122-101500 --epochs 20   (or: run lenet-bn --resume latest)
d2lkit reproduce [PATTERN] [--quick] [--report reports/reproduce]
torchrun --nproc_per_node=2 -m d2lkit run lenet-bn     (DDP: see docs/distributed.md)
d2lkit data list | verify [NAME] | fetch NAME|all

Names are checked before torch is imported: a typo is answered at once.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from d2lkit import __version__
from d2lkit.errors import D2lkitError

__all__ = ["app", "main"]

app = typer.Typer(
    name="d2lkit",
    help="Dive into Deep Learning, tested and fast: the book's experiments from the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="List, verify and fetch data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

F = TypeVar("F", bound=Callable[..., Any])
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        metavar="DIR",
        help="Data directory (default: $D2LKIT_DATA, else ~/.cache/d2lkit).",
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        min=0.1,
        metavar="SECONDS",
        help="Seconds without data before a download try fails; a whole try may last this "
        "plus the file's size at 32 KiB/s.",
    ),
]
MirrorOption = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        help="Base URL tried before the catalog's own URLs (file name appended); "
        "default: $D2LKIT_MIRROR.",
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", metavar="KEY=VALUE", help="Override any setting, e.g. optim.lr=0.5 (repeatable)."
    ),
]


def _plain_flags() -> None:
    """Show no value type after a flag: typer 0.29 prints ``--help <bool>``.

    A flag takes no value, so its help line should not suggest one.
    """
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)  # typer 0.29's; absent elsewhere
    if shown is None or getattr(shown, "_d2lkit_plain_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._d2lkit_plain_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_plain_flags()


def _friendly(command: F) -> F:
    """Print a D2lkitError as two lines (what, fix) and exit 2, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except D2lkitError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            if exc.fix:
                typer.echo(f"  fix: {exc.fix}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _human_size(size: int | None) -> str:
    if size is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _value(value: Any) -> str:
    """A setting as it is typed after ``--set key=``."""
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value) or "()"
    return str(value)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"d2lkit {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")


def _no_match(kind: str, pattern: str, names: Sequence[str], hint: str) -> typer.Exit:
    """Say that nothing matched, suggest close names, and exit 1."""
    import difflib

    stem = pattern.strip("*?[]").lower()
    close = [n for n in names if stem and stem in n.lower()]
    close += difflib.get_close_matches(stem, names, n=3, cutoff=0.5)
    close = list(dict.fromkeys(close))[:5]
    typer.echo(f"no {kind} matches {pattern!r}", err=True)
    suggestion = f"did you mean {', '.join(close)}? " if close else ""
    typer.echo(f"  fix: {suggestion}{hint}", err=True)
    return typer.Exit(1)


def _chapter(section: str) -> int:
    head = section.split(".")[0]
    return int(head) if head.isdigit() else 0


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in section.split("."))


@app.command("list")
def list_command(
    pattern: Annotated[str, typer.Argument(help="Shell-style filter, e.g. 'lenet*'.")] = "*",
    models: Annotated[
        bool, typer.Option("--models", help="List the model registry instead of the recipes.")
    ] = False,
) -> None:
    """List the recipes by chapter (section, data, model, the book's figure), or the models."""
    if models:
        _list_models(pattern)
        return
    from d2lkit.experiments import list_recipes
    from d2lkit.experiments.registry import RECIPES

    recipes = list_recipes(pattern)
    if not recipes:
        raise _no_match("recipe", pattern, list(RECIPES), "`d2lkit list` shows them all")
    recipes.sort(key=lambda r: _section_key(r.section))  # book order; stable within a section
    rows, chapters = [], []
    for r in recipes:
        book = f"{r.expected.metric} {r.expected.value:.4g}" if r.expected else "-"
        rows.append(
            (
                r.name,
                r.section,
                r.config.data.dataset,
                r.config.model.name,
                str(r.config.train.epochs),
                book,
            )
        )
        chapters.append(_chapter(r.section))
    lines = _table(rows, ("recipe", "section", "data", "model", "epochs", "book")).splitlines()
    out = lines[:2]
    for i, line in enumerate(lines[2:]):
        if i == 0 or chapters[i] != chapters[i - 1]:
            out.append(f"[chapter {chapters[i]}]" if chapters[i] else "[other]")
        out.append(line)
    typer.echo("\n".join(out))
    typer.echo("(details of one: `d2lkit show NAME`; models: `d2lkit list --models`)")


def _list_models(pattern: str) -> None:
    from d2lkit.models.registry import MODELS

    names = sorted(MODELS.list(pattern))
    if not names:
        raise _no_match("model", pattern, sorted(MODELS), "`d2lkit list --models` shows them all")
    rows = []
    for name in names:
        entry = MODELS.get(name)
        family = getattr(entry, "__module__", "").rsplit(".", 1)[-1]
        doc = (inspect.getdoc(entry) or "").split("\n")[0]
        rows.append((name, family, doc))
    typer.echo(_table(rows, ("model", "family", "what")))
    typer.echo("(use one with `d2lkit run RECIPE --set model.name=NAME`)")


def _argument_defaults(config: Any) -> list[tuple[str, str, str]]:
    """The model's and data builder's own arguments a recipe leaves at their defaults."""
    from d2lkit.experiments.components import DATA
    from d2lkit.models import model_entry

    found = []
    entries = (
        ("model", model_entry(config.model.name), config.model.kwargs),
        ("data", DATA.get(config.data.dataset), config.data.kwargs),
    )
    for section, fn, given in entries:
        for p in list(inspect.signature(fn).parameters.values()):
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY) or p.name in given:
                continue
            if section == "data" and p.name in ("config", "device", "seed", "root"):
                continue
            default = "(from the data)" if p.default is p.empty else _value(p.default)
            found.append((f"{section}.{p.name}", default, "default"))
    return found


@app.command()
@_friendly
def show(
    name: Annotated[str, typer.Argument(metavar="RECIPE", help="Recipe name.")],
    set_: SetOption = None,
) -> None:
    """Show a recipe: its claim, source, and every setting with its --set key and value."""
    from d2lkit.experiments import apply_overrides, get_recipe
    from d2lkit.experiments.config import settings

    recipe = get_recipe(name)
    config = apply_overrides(recipe.config, set_ or [])
    typer.echo(f"{recipe.name} (d2l {recipe.section}): {recipe.title}")
    e = recipe.expected
    if e is not None:
        typer.echo(
            f"claim:  the book's {e.metric} is {e.value:g}; a run with the book's settings "
            f"passes at {e.pass_at:.3g} or more (tolerance {e.tolerance:g})"
        )
        typer.echo(f"source: {e.source}")
    else:
        typer.echo("claim:  none (the book prints no figure to compare with)")
    if recipe.notes:
        typer.echo(f"notes:  {recipe.notes}")
    differences = recipe.differences(config)
    if differences:
        typer.echo(f"not the book's settings: {'; '.join(differences)}")
    base = {f"{s}.{k}": v for s, k, v in settings(recipe.config)}
    rows = [
        (
            f"{s}.{k}",
            _value(v),
            "" if base.get(f"{s}.{k}", v) == v and f"{s}.{k}" in base else "set",
        )
        for s, k, v in settings(config)
    ]
    rows += _argument_defaults(config)
    typer.echo("\nsettings (change any with --set KEY=VALUE):")
    typer.echo(_table(rows, ("key", "value", "note")))
    quick = " ".join(_quick_overrides(recipe))
    typer.echo(f"\nrun it:   d2lkit run {recipe.name}")
    typer.echo(f"smoke:    d2lkit reproduce {recipe.name} --quick   (uses {quick})")


def _quick_overrides(recipe: Any) -> list[str]:
    from d2lkit.experiments.recipe import QUICK

    return [*QUICK, *recipe.quick]


def _figure(value: float, digits: int = 3) -> str:
    """A figure with fixed decimals, or significant digits when it is tiny (0.000073)."""
    return f"{value:.{digits}f}" if value == 0 or abs(value) >= 0.01 else f"{value:.4g}"


def _summary_text(result: Any) -> str:
    s = result.summary
    final = s["final"]
    book = s.get("book")
    rows = []
    for key, value in final.items():
        book_cell, verdict = "", ""
        if book and key == book["metric"]:
            book_cell = f"{_figure(book['book'])} (pass at {_figure(book['pass_at'])})"
            miss = {"min": "above the book", "near": "far from the book"}
            fail = miss.get(book.get("goal", "max"), "below the book")
            verdict = {"pass": "pass", "fail": fail}.get(book["verdict"], "not compared")
        shown = _figure(value, digits=4)
        rows.append((key.replace("_", " "), shown, book_cell, verdict))
    name = s.get("label", s["recipe"])
    if s.get("kind") == "function":  # no training: no epochs of a Trainer, no throughput
        head = f"{name} (d2l {s['section']}): {s['wall_time_s']:.1f} s"
    else:
        unit = s["unit"]
        head = (
            f"{name} (d2l {s['section']}): {_plural(s['epochs'], 'epoch')} "
            f"on {s['device']}, {s['wall_time_s']:.1f} s "
            f"({s[unit + '_per_sec']:,.0f} train {unit}/s)"
        )
    lines = [head]
    folds = s.get("folds")
    if folds:  # a K-fold run (4.10): one row per fold, then the means below
        keys = [k for k in folds[0] if k != "fold"]
        fold_rows = [(str(r["fold"]), *(f"{r[k]:.4f}" for k in keys)) for r in folds]
        lines.append(_table(fold_rows, ("fold", *(k.replace("_", " ") for k in keys))))
    lines.append(_table(rows, ("metric", "ours", "book", "")))
    weights = s.get("weights")
    if weights:  # 4.4: the learned weights beside the true ones
        lines.append(f"learned weights: {weights['learned']}")
        lines.append(f"true weights:    {weights['true']}")
    if s.get("submission"):
        lines.append(f"Kaggle submission: {result.run_dir / s['submission']}")
    if book:
        if book.get("differences"):
            lines.append(
                "not compared with the book: settings differ from the book's: "
                + "; ".join(book["differences"])
            )
        lines.append(f"book: {book['source']}")
    lines.append(f"run folder: {result.run_dir}")
    return "\n".join(lines)


def _latest_run(out: Path, name: str) -> Path:
    """The newest run folder of recipe ``name`` under ``out`` that holds a checkpoint."""
    from d2lkit.errors import ConfigError

    found = [
        d
        for pattern in (name, f"{name}+*")
        for d in out.glob(f"{pattern}/*")
        if (d / "checkpoint.pt").is_file() and (d / "config.json").is_file()
    ]
    if not found:
        raise ConfigError(
            f"no run of {name!r} with a checkpoint under {out}",
            fix=f"start one with `d2lkit run {name}`, or pass --out where its runs are",
        )
    return max(found, key=lambda d: ((d / "checkpoint.pt").stat().st_mtime, d.name))


def _saved_recipe(run_dir: Path) -> str:
    from d2lkit.errors import ConfigError

    try:
        return str(json.loads((run_dir / "config.json").read_text())["recipe"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(
            f"{run_dir} is not a run folder: it has no readable config.json",
            fix="give the folder of an earlier `d2lkit run` (it holds config.json "
            "and checkpoint.pt), or `--resume latest` with the recipe's name",
        ) from None


@app.command()
@_friendly
def run(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="RECIPE",
            help="Recipe name (see `d2lkit list`); optional with --resume RUN_DIR.",
            show_default=False,
        ),
    ] = None,
    epochs: Annotated[int | None, typer.Option(min=1, metavar="N", help="Epochs to train.")] = None,
    lr: Annotated[float | None, typer.Option(metavar="LR", help="Learning rate.")] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Examples per step.")
    ] = None,
    device: Annotated[
        str | None, typer.Option(metavar="DEVICE", help="auto, cpu, cuda, cuda:N or mps.")
    ] = None,
    seed: Annotated[int | None, typer.Option(metavar="N", help="Random seed.")] = None,
    data_dir: DataDirOption = None,
    out: Annotated[Path, typer.Option(metavar="DIR", help="Folder for run folders.")] = Path(
        "runs"
    ),
    set_: SetOption = None,
    resume: Annotated[
        str | None,
        typer.Option(
            metavar="RUN_DIR|latest",
            help="Continue a run folder from its checkpoint; 'latest': the recipe's newest "
            "under --out.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Never download: fail if the data set is not already in the data directory.",
        ),
    ] = False,
    timeout: TimeoutOption = 30.0,
    mirror: MirrorOption = None,
) -> None:
    """Train a recipe and write runs/NAME/<timestamp>/ (config, metrics, curves, checkpoint)."""
    from d2lkit.errors import ConfigError
    from d2lkit.experiments import apply_overrides, get_recipe

    resume_dir: Path | None = None
    if resume == "latest" and not Path(resume).is_dir():
        if name is None:
            raise ConfigError(
                "--resume latest needs the recipe's name",
                fix="e.g. `d2lkit run lenet-bn --resume latest`",
            )
        get_recipe(name)
        resume_dir = _latest_run(out, name)
        typer.echo(f"resuming {resume_dir}", err=True)
    elif resume is not None:
        resume_dir = Path(resume)
        saved = _saved_recipe(resume_dir)
        name = name or saved
    if name is None:
        raise ConfigError(
            "which recipe? give its name, or --resume RUN_DIR",
            fix="`d2lkit list` shows every recipe; e.g. `d2lkit run softmax-regression`",
        )
    recipe = get_recipe(name)  # before torch is imported: a typo is answered at once

    from d2lkit.experiments.runner import RunInterrupted, load_run_config, run_recipe

    config = load_run_config(resume_dir)[1] if resume_dir is not None else recipe.config
    flags = {
        "train.epochs": epochs,
        "optim.lr": lr,
        "data.batch_size": batch_size,
        "train.device": device,
        "train.seed": seed,
    }
    flag_overrides = [f"{key}={value}" for key, value in flags.items() if value is not None]
    config = apply_overrides(config, [*(set_ or []), *flag_overrides])  # flags win over --set
    try:
        result = run_recipe(
            recipe,
            config,
            out=out,
            data_root=data_dir,
            resume=resume_dir,
            progress=not quiet,
            download=not offline,
            timeout=timeout,
            mirror=mirror,
        )
    except RunInterrupted as stop:
        typer.echo(f"\ninterrupted: {_interrupted_text(stop, recipe.name)}", err=True)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        typer.echo("\ninterrupted before training began: nothing was saved", err=True)
        raise typer.Exit(130) from None
    from d2lkit.train.distributed import is_main_process

    if is_main_process():  # under torchrun rank 0 alone prints
        typer.echo(_summary_text(result))


def _interrupted_text(stop: Any, name: str) -> str:
    done = f"{_plural(stop.epochs_done, 'epoch')} of {stop.epochs} finished"
    if stop.checkpoint is not None:
        return (
            f"{done}; {stop.checkpoint} holds the last finished epoch.\n"
            f"continue with `d2lkit run --resume {stop.run_dir}`"
        )
    return (
        f"{done}, so there is no checkpoint in {stop.run_dir} to resume from.\n"
        f"start again with `d2lkit run {name}`"
    )


@app.command()
@_friendly
def reproduce(
    pattern: Annotated[
        str, typer.Argument(metavar="PATTERN", help="Recipes to run, e.g. 'lenet*'.")
    ] = "*",
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="Smoke runs: one epoch of a few batches each, never compared with the book.",
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="Report path stem: writes PATH.md and PATH.json "
            "(default: reports/reproduce, or reports/reproduce-quick).",
        ),
    ] = None,
    device: Annotated[
        str | None, typer.Option(metavar="DEVICE", help="auto, cpu, cuda, cuda:N or mps.")
    ] = None,
    data_dir: DataDirOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Folder for the run folders (default: runs; --quick: a temporary folder).",
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never download missing data sets.")
    ] = False,
) -> None:
    """Run the recipes and print ours beside the book's figures; write a Markdown and JSON report.

    Exits 1 when a compared run falls below the book or a recipe fails.
    """
    import tempfile

    from d2lkit.experiments import apply_overrides, list_recipes
    from d2lkit.experiments.registry import RECIPES

    recipes = list_recipes(pattern)
    if not recipes:
        raise _no_match("recipe", pattern, list(RECIPES), "`d2lkit list` shows them all")
    recipes.sort(key=lambda r: _section_key(r.section))
    from d2lkit.experiments.runner import run_recipe

    stem = report or Path("reports") / ("reproduce-quick" if quick else "reproduce")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="d2lkit-quick-") as scratch:
        folder = out or (Path(scratch) if quick else Path("runs"))
        for i, recipe in enumerate(recipes, 1):
            typer.echo(f"[{i}/{len(recipes)}] {recipe.name} ...", err=True)
            config = recipe.quick_config() if quick else recipe.config
            if device is not None:
                config = apply_overrides(config, [f"train.device={device}"])
            rows.append(
                _reproduce_one(run_recipe, recipe, config, folder, data_dir, offline, quick)
            )
    text = _reproduce_table(rows)
    typer.echo(text)
    command = "d2lkit reproduce" + (f" {pattern}" if pattern != "*" else "")
    command += " --quick" if quick else ""
    stem.parent.mkdir(parents=True, exist_ok=True)
    md, js = stem.with_suffix(".md"), stem.with_suffix(".json")
    machine = _machine()
    md.write_text(_reproduce_markdown(rows, command, quick, machine))
    js.write_text(
        json.dumps({"command": command, "quick": quick, **machine, "recipes": rows}, indent=2)
        + "\n"
    )
    typer.echo(f"report: {md} and {js}")
    if any(r["verdict"] in ("fail", "error") for r in rows):
        raise typer.Exit(1)


def _reproduce_one(
    run_recipe: Callable[..., Any],
    recipe: Any,
    config: Any,
    out: Path,
    data_dir: Path | None,
    offline: bool,
    quick: bool,
) -> dict[str, Any]:
    from d2lkit.data.missing import DataSetUnavailable

    e = recipe.expected
    row: dict[str, Any] = {
        "recipe": recipe.name,
        "section": recipe.section,
        "metric": e.metric if e else None,
        "book": e.value if e else None,
        "pass_at": e.pass_at if e else None,
        "source": e.source if e else None,
        "ours": None,
        "verdict": "no book figure",
        "differences": [],
        "epochs": config.train.epochs,
        "wall_time_s": None,
        "train_time_s": None,
        "device": None,
        "run_dir": None,
    }
    start = time.perf_counter()
    try:
        result = run_recipe(
            recipe,
            config,
            out=out,
            data_root=data_dir,
            progress=False,
            download=not offline,
            checkpoint=not quick,
            plot=not quick,
        )
    except DataSetUnavailable as exc:  # no data here and no way to fetch it: say so, go on
        row.update(verdict="skipped", error=exc.message, wall_time_s=time.perf_counter() - start)
        return row
    except D2lkitError as exc:
        row.update(verdict="error", error=exc.message, wall_time_s=time.perf_counter() - start)
        return row
    s = result.summary
    book = s.get("book")
    row.update(
        wall_time_s=time.perf_counter() - start,
        train_time_s=s["wall_time_s"],
        device=s["device"],
        run_dir=None if quick else str(result.run_dir),
        epochs=s["epochs"],
    )
    if book:
        row.update(ours=book["ours"], verdict=book["verdict"], differences=book["differences"])
        if quick:
            row["verdict"] = "not compared (quick)"
    return row


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _reproduce_cells(row: dict[str, Any]) -> list[str]:
    book = "-" if row["book"] is None else f"{row['metric']} {row['book']:.3f}"
    verdict = row["verdict"]
    if verdict == "not compared" and row["differences"]:
        verdict += ": " + "; ".join(row["differences"])
    if verdict in ("error", "skipped"):
        verdict += ": " + row.get("error", "")
    return [
        row["recipe"],
        row["section"],
        book,
        _fmt(row["pass_at"]),
        _fmt(row["ours"]),
        verdict,
        _fmt(row["train_time_s"], ".1f"),
        _fmt(row["wall_time_s"], ".1f"),
        row["device"] or "-",
    ]


_REPRODUCE_HEADER = (
    "recipe",
    "section",
    "book",
    "pass at",
    "ours",
    "verdict",
    "train s",
    "total s",
    "device",
)


def _reproduce_table(rows: list[dict[str, Any]]) -> str:
    return _table([_reproduce_cells(r) for r in rows], _REPRODUCE_HEADER)


def _machine() -> dict[str, Any]:
    import torch

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "d2lkit": __version__,
    }


def _reproduce_markdown(
    rows: list[dict[str, Any]], command: str, quick: bool, machine: dict[str, Any]
) -> str:
    m = machine
    lines = [
        f"# `{command}`",
        "",
        f"{m['date']}; d2lkit {m['d2lkit']}, torch {m['torch']}, Python {m['python']}, "
        f"{_plural(m['threads'], 'thread')}.",
        "",
    ]
    if quick:
        lines += [
            "**Quick (smoke) runs**: one epoch of a few batches per recipe; they prove each "
            "recipe runs and are never compared with the book.",
            "",
        ]
    lines += [
        "'train s' is the summary's wall time (training, evaluation and the per-epoch files); "
        "'total s' adds reading the data and building the model (not Python's start nor "
        "importing torch). 'pass at' is the book's figure less the recipe's tolerance.",
        "",
        "| " + " | ".join(_REPRODUCE_HEADER) + " |",
        "|" + "---|" * len(_REPRODUCE_HEADER),
    ]
    lines += [
        "| " + " | ".join(c.replace("|", "\\|") for c in _reproduce_cells(r)) + " |" for r in rows
    ]
    sources = [(r["recipe"], r["source"]) for r in rows if r["source"]]
    if sources:
        lines += ["", "Sources of the book's figures:", ""]
        lines += [f"- {name}: {source}" for name, source in sources]
    return "\n".join(lines) + "\n"


@data_app.command("list")
def data_list(data_dir: DataDirOption = None) -> None:
    """Every data set and file: present, verified, size, and where it downloads from."""
    from d2lkit.data import DATASETS
    from d2lkit.data.store import data_dir as resolve_data_dir
    from d2lkit.data.store import file_status

    rows = []
    for dataset in DATASETS.values():
        for st in file_status(dataset, data_dir):
            state = "missing" if st.path is None else "verified" if st.verified else "present"
            size = _human_size(st.size)
            rows.append((dataset.name, st.name, state, size, st.url or "(no known URL)"))
    typer.echo(f"data directory: {resolve_data_dir(data_dir)}")
    typer.echo(_table(rows, ("data set", "file", "status", "size", "source")))
    typer.echo("('present' files are verified on first use, or now with `d2lkit data verify`)")


@data_app.command("verify")
@_friendly
def data_verify(
    name: Annotated[
        str | None, typer.Argument(help="Data set (default: every one present).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Check present files against their checksums (the verdicts are remembered)."""
    from d2lkit.data import DATASETS, get_dataset
    from d2lkit.data.store import find_local, verify

    datasets = [get_dataset(name)] if name else list(DATASETS.values())
    failures = 0
    for dataset in datasets:
        for entry in dataset.files:
            path = find_local(dataset, entry, data_dir)
            if path is None:
                if name:
                    typer.echo(f"missing   {dataset.name}/{entry.name}")
                    failures += 1
                continue
            try:
                verify(path, entry, use_cache=False)
                typer.echo(f"ok        {path}")
            except D2lkitError as exc:
                failures += 1
                typer.echo(f"FAILED    {exc.message}\n  fix: {exc.fix}", err=True)
    if failures:
        raise typer.Exit(1)


@data_app.command("fetch")
@_friendly
def data_fetch(
    name: Annotated[str, typer.Argument(help="Data set name, or 'all'.")],
    data_dir: DataDirOption = None,
    timeout: TimeoutOption = 30.0,
    retries: Annotated[int, typer.Option(min=1, help="Tries per URL.")] = 3,
    mirror: MirrorOption = None,
) -> None:
    """Download what is missing (verified, atomically); present files are only verified."""
    from d2lkit.data.store import fetch, fetch_all

    options: dict[str, Any] = {
        "timeout": timeout,
        "retries": retries,
        "progress": True,
        "mirror": mirror,
    }
    fetched = (
        fetch_all(data_dir, **options)
        if name == "all"
        else {name: fetch(name, data_dir, **options)}
    )
    for dataset, paths in fetched.items():
        if name == "all":  # one line per data set
            typer.echo(f"ok  {dataset} ({len(paths)} file{'s' * (len(paths) != 1)} verified)")
            continue
        for path in paths:
            typer.echo(f"ok  {path}")


@app.command()
@_friendly
def export(
    run_dir: Annotated[Path, typer.Argument(help="A run folder of `d2lkit run`.")],
    out: Annotated[
        Path | None, typer.Option(help="Folder to write to (default: the run's).")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="Only 'safetensors' for now.")
    ] = "safetensors",
) -> None:
    """Export the model's weights (safetensors) and config, loadable without unpickling."""
    from d2lkit.experiments.export import export_run

    folder = export_run(run_dir, out, format)
    typer.echo(f"exported {folder / 'model.safetensors'} and {folder / 'model.json'}")
    typer.echo(
        "load it with: from d2lkit.experiments.export import load_exported; "
        f"model = load_exported({str(folder)!r})"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    app(args=list(argv) if argv is not None else None, prog_name="d2lkit")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
