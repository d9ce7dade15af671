"""The ``d2lkit`` command: list and run recipes, manage data.

d2lkit list
d2lkit run lenet-bn [--epochs 10 --lr 1.0 --set data.resize=32 ...]
d2lkit run lenet-bn --resume runs/lenet-bn/20261122-101500 --epochs 20
d2lkit data list | verify [NAME] | fetch NAME|all
"""

from __future__ import annotations

import functools
import logging
import sys
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
        "--data-dir", help="Data directory (default: $D2LKIT_DATA, else ~/.cache/d2lkit)."
    ),
]


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


@app.command("list")
def list_command(
    pattern: Annotated[str, typer.Argument(help="Shell-style filter, e.g. 'lenet*'.")] = "*",
) -> None:
    """List the recipes: name, book section, data set, model and the book's figure."""
    from d2lkit.experiments import list_recipes

    rows = []
    for r in list_recipes(pattern):
        book = f"{r.expected.metric} {r.expected.value:.2f}" if r.expected else "-"
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
    typer.echo(_table(rows, ("recipe", "section", "data", "model", "epochs", "book")))


def _summary_text(result: Any) -> str:
    s = result.summary
    final = s["final"]
    rows = []
    book = s.get("book")
    for key, value in final.items():
        book_cell, verdict = "", ""
        if book and key == book["metric"]:
            book_cell = f"{book['book']:.3f} ± {book['tolerance']:.2f}"
            worse = "above" if book.get("lower_is_better") else "below"
            verdict = "ok" if book["ok"] else f"{worse} the book"
        rows.append((key.replace("_", " "), f"{value:.4f}", book_cell, verdict))
    head = (
        f"{s['recipe']} (d2l {s['section']}): {s['epochs']} epochs on {s['device']}, "
        f"{s['wall_time_s']:.1f} s ({s[s['unit'] + '_per_sec']:,.0f} train {s['unit']}/s)"
    )
    return "\n".join(
        [head, _table(rows, ("metric", "ours", "book", "")), f"run folder: {result.run_dir}"]
    )


@app.command()
@_friendly
def run(
    name: Annotated[str, typer.Argument(help="Recipe name (see `d2lkit list`).")],
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs to train.")] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Examples per step.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    data_dir: DataDirOption = None,
    out: Annotated[Path, typer.Option(help="Folder for run folders.")] = Path("runs"),
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override any setting: section.key=value (repeatable)."),
    ] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Continue an earlier run folder from its checkpoint.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    offline: Annotated[
        bool,
        typer.Option(
            help="Never download: fail if the data set is not already in the data directory."
        ),
    ] = False,
) -> None:
    """Train a recipe and write runs/NAME/<timestamp>/ (config, metrics, curves, checkpoint)."""
    from d2lkit.experiments import apply_overrides, get_recipe, load_run_config, run_recipe

    recipe = get_recipe(name)
    config = load_run_config(resume)[1] if resume is not None else recipe.config
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
            resume=resume,
            progress=not quiet,
            download=not offline,
        )
    except KeyboardInterrupt:
        typer.echo(
            "\ninterrupted: the last finished epoch is in the run folder's checkpoint; "
            f"continue with `d2lkit run {name} --resume <run folder>`",
            err=True,
        )
        raise typer.Exit(130) from None
    typer.echo(_summary_text(result))


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
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds without data before a try fails.")
    ] = 30.0,
    retries: Annotated[int, typer.Option(min=1, help="Tries per URL.")] = 3,
) -> None:
    """Download what is missing (verified, atomically); present files are only verified."""
    from d2lkit.data.store import fetch, fetch_all

    options = {"timeout": timeout, "retries": retries, "progress": True}
    fetched = (
        fetch_all(data_dir, **options)
        if name == "all"
        else {name: fetch(name, data_dir, **options)}
    )
    for paths in fetched.values():
        for path in paths:
            typer.echo(f"ok  {path}")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    app(args=list(argv) if argv is not None else None, prog_name="d2lkit")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
