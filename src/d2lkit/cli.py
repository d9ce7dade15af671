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

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from d2lkit import __version__
from d2lkit.cli_options import (
    BatchOption,
    DataDirOption,
    DeviceOption,
    EpochsOption,
    LoggerOption,
    LrOption,
    MirrorOption,
    OfflineOption,
    OutOption,
    QuietOption,
    RecipeArgument,
    ResumeOption,
    SeedOption,
    SetOption,
    TimeoutOption,
    friendly,
    no_match,
)
from d2lkit.errors import ConfigError

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
@friendly
def list_command(
    pattern: Annotated[str, typer.Argument(help="Shell-style filter, e.g. 'lenet*'.")] = "*",
    models: Annotated[
        bool, typer.Option("--models", help="List the model registry instead of the recipes.")
    ] = False,
    zh: Annotated[
        bool,
        typer.Option("--zh", help="Order by the Chinese edition 2.0 (zh.d2l.ai), not d2l.ai."),
    ] = False,
) -> None:
    """List the recipes by chapter (both editions' sections, data, model, the book's figure)."""
    from d2lkit.experiments import describe

    if models:
        import fnmatch

        from d2lkit.models.signatures import model_signatures

        known = sorted(model_signatures())
        names = [n for n in known if fnmatch.fnmatchcase(n, pattern)]
        if not names:
            raise no_match("model", pattern, known, "`d2lkit list --models`")
        typer.echo(describe.models_text(names))
        return
    typer.echo(describe.list_text(_recipes(pattern), first="zh" if zh else "en"))


def _recipes(pattern: str) -> list[Any]:
    """The recipes matching ``pattern`` in book order, or exit 1 suggesting close names."""
    from d2lkit.experiments import describe, list_recipes
    from d2lkit.experiments.registry import RECIPES

    recipes = list_recipes(pattern)
    if not recipes:
        raise no_match("recipe", pattern, list(RECIPES), "`d2lkit list` shows them all")
    return sorted(recipes, key=lambda r: describe.section_key(r.section))


@app.command()
@friendly
def show(
    name: Annotated[str, typer.Argument(metavar="RECIPE", help="Recipe name.")],
    set_: SetOption = None,
) -> None:
    """Show a recipe: its claim, source, and every setting with its --set key and value."""
    from d2lkit.experiments import apply_overrides, describe, get_recipe

    recipe = get_recipe(name)
    typer.echo(describe.recipe_card(recipe, apply_overrides(recipe.config, set_ or [])))


@app.command()
@friendly
def run(
    name: RecipeArgument = None,
    epochs: EpochsOption = None,
    lr: LrOption = None,
    batch_size: BatchOption = None,
    device: DeviceOption = None,
    seed: SeedOption = None,
    data_dir: DataDirOption = None,
    out: OutOption = Path("runs"),
    set_: SetOption = None,
    resume: ResumeOption = None,
    quiet: QuietOption = False,
    offline: OfflineOption = False,
    timeout: TimeoutOption = 30.0,
    mirror: MirrorOption = None,
    logger: LoggerOption = None,
) -> None:
    """Train a recipe and write runs/NAME/<timestamp>/ (config, metrics, curves, checkpoint)."""
    from d2lkit.data.download import check_download_options
    from d2lkit.experiments import apply_overrides
    from d2lkit.experiments.run.target import run_target

    check_download_options(timeout=timeout, mirror=mirror)  # every number before any work
    target = run_target(name, resume, out)
    if resume == "latest" and target.resume_dir is not None:
        typer.echo(f"resuming {target.resume_dir}", err=True)
    flags = {
        "train.epochs": epochs,
        "optim.lr": lr,
        "data.batch_size": batch_size,
        "train.device": device,
        "train.seed": seed,
        "train.logger": logger,
    }
    flag_overrides = [f"{key}={value}" for key, value in flags.items() if value is not None]
    config = apply_overrides(target.config, [*(set_ or []), *flag_overrides])  # flags win
    if offline:  # what is missing is said before torch loads: one message, in a moment
        _check_present(config.data.dataset, data_dir)
    _run_and_report(
        target.recipe,
        config,
        out=out,
        data_root=data_dir,
        resume=target.resume_dir,
        progress=not quiet,
        download=not offline,
        timeout=timeout,
        mirror=mirror,
    )


def _check_present(dataset: str, data_dir: Path | None) -> None:
    """Offline: name every missing or damaged file of the run's data set (no download)."""
    from d2lkit.data.access import fetch
    from d2lkit.experiments.config import data_files

    files = data_files(dataset)
    if files is not None:
        fetch(files, data_dir, offline=True, progress=False)


def _run_and_report(recipe: Any, config: Any, **options: Any) -> None:
    """Run, then print the summary; Ctrl-C says what was kept and how to go on (exit 130)."""
    from d2lkit.experiments import describe
    from d2lkit.experiments.run.driver import run_recipe
    from d2lkit.experiments.run.options import RunInterrupted
    from d2lkit.train.distributed import is_main_process

    try:
        result = run_recipe(recipe, config, **options)
    except RunInterrupted as stop:
        typer.echo(f"\ninterrupted: {stop.message()}", err=True)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        typer.echo("\ninterrupted before training began: nothing was saved", err=True)
        raise typer.Exit(130) from None
    if is_main_process():  # under torchrun rank 0 alone prints
        typer.echo(describe.summary_text(result.summary, result.run_dir))


@app.command()
@friendly
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
    device: DeviceOption = None,
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
    recipes = _recipes(pattern)
    from d2lkit.experiments.run.report import reproduce as run_reproduce

    command = "d2lkit reproduce" + (f" {pattern}" if pattern != "*" else "")
    command += " --quick" if quick else ""
    done = run_reproduce(
        recipes,
        quick=quick,
        command=command,
        stem=report or Path("reports") / ("reproduce-quick" if quick else "reproduce"),
        out=out,
        data_dir=data_dir,
        offline=offline,
        device=device,
        say=lambda line: typer.echo(line, err=True),
    )
    typer.echo(done.text)
    typer.echo(f"report: {done.markdown} and {done.json}")
    if done.failed:
        raise typer.Exit(1)


@app.command("runs")
@friendly
def runs_command(
    pattern: Annotated[str, typer.Argument(help="Shell-style filter on the recipe.")] = "*",
    out: OutOption = Path("runs"),
) -> None:
    """List your runs under --out: recipe, when, epochs, final figure, verdict, resumable."""
    from d2lkit.experiments.describe import runs_text
    from d2lkit.experiments.run.listing import find_runs

    found, skipped = find_runs(out, pattern)
    for line in skipped:
        typer.echo(f"skipped {line}", err=True)
    if not found:
        raise ConfigError(
            f"no run matches {pattern!r} under {out}",
            fix="start one with `d2lkit run RECIPE`, or pass --out where your runs are",
        )
    typer.echo(runs_text(found))


@app.command()
@friendly
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(metavar="RUN...", help="Run folders.")],
    metric: Annotated[
        list[str] | None,
        typer.Option(metavar="COLUMN", help="A figure to draw (repeatable); default: all shared."),
    ] = None,
) -> None:
    """Draw several runs' curves on one figure: a PNG in the current folder."""
    from d2lkit.experiments.run.compare import compare_runs

    typer.echo(f"wrote {compare_runs(run_dirs, metric or [], Path.cwd())}")


@data_app.command("list")
def data_list(data_dir: DataDirOption = None) -> None:
    """Every data set and file: present, verified, size, and where it downloads from."""
    from d2lkit.data.store import data_dir as resolve_data_dir
    from d2lkit.experiments.describe import data_status_text

    typer.echo(f"data directory: {resolve_data_dir(data_dir)}")
    typer.echo(data_status_text(data_dir))


@data_app.command("verify")
@friendly
def data_verify(
    name: Annotated[
        str | None, typer.Argument(help="Data set (default: every one present).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Check present files against their checksums (the verdicts are remembered)."""
    from d2lkit.data.report import verify_lines

    failures = 0
    for ok, line in verify_lines(name, data_dir):
        typer.echo(line, err=not ok and line.startswith("FAILED"))
        failures += not ok
    if failures:
        raise typer.Exit(1)


@data_app.command("fetch")
@friendly
def data_fetch(
    name: Annotated[str, typer.Argument(help="Data set name, or 'all'.")],
    data_dir: DataDirOption = None,
    timeout: TimeoutOption = 30.0,
    retries: Annotated[int, typer.Option(min=1, help="Tries per URL.")] = 3,
    mirror: MirrorOption = None,
) -> None:
    """Download what is missing (verified, atomically); present files are only verified."""
    from d2lkit.data.report import fetch_lines

    options = {"timeout": timeout, "retries": retries, "progress": True, "mirror": mirror}
    for line in fetch_lines(name, data_dir, **options):
        typer.echo(line)


@app.command()
@friendly
def export(
    run_dir: Annotated[Path, typer.Argument(help="A run folder of `d2lkit run`.")],
    out: Annotated[
        Path | None, typer.Option(help="Folder to write to (default: the run's).")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="Only 'safetensors' for now.")
    ] = "safetensors",
    allow_nonfinite: Annotated[
        bool,
        typer.Option(
            "--allow-nonfinite", help="Export NaN or infinite weights too (refused by default)."
        ),
    ] = False,
) -> None:
    """Export the model's weights (safetensors) and config, loadable without unpickling."""
    from d2lkit.experiments.export import export_run

    folder = export_run(run_dir, out, format, allow_nonfinite=allow_nonfinite)
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
