"""The flags and arguments the ``d2lkit`` commands share, and how a command's errors are shown."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from d2lkit.errors import D2lkitError

__all__ = [
    "BatchOption",
    "DataDirOption",
    "DeviceOption",
    "EpochsOption",
    "LoggerOption",
    "LrOption",
    "MirrorOption",
    "OfflineOption",
    "OutOption",
    "QuietOption",
    "RecipeArgument",
    "ResumeOption",
    "SeedOption",
    "SetOption",
    "TimeoutOption",
    "friendly",
    "no_match",
]

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
DeviceOption = Annotated[
    str | None, typer.Option(metavar="DEVICE", help="auto, cpu, cuda, cuda:N or mps.")
]
EpochsOption = Annotated[int | None, typer.Option(min=1, metavar="N", help="Epochs to train.")]
LoggerOption = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Also log to: tensorboard (event files in the run folder; "
        "pip install 'd2lkit[tensorboard]').",
    ),
]
LrOption = Annotated[float | None, typer.Option(metavar="LR", help="Learning rate.")]
BatchOption = Annotated[int | None, typer.Option(min=1, metavar="N", help="Examples per step.")]
SeedOption = Annotated[int | None, typer.Option(metavar="N", help="Random seed.")]
OutOption = Annotated[Path, typer.Option(metavar="DIR", help="Folder for run folders.")]
ResumeOption = Annotated[
    str | None,
    typer.Option(
        metavar="RUN_DIR|latest",
        help="Continue a run folder from its checkpoint; 'latest': the recipe's newest "
        "under --out.",
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="Never download: fail if the data set is not already in the data directory.",
    ),
]
RecipeArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="RECIPE",
        help="Recipe name (see `d2lkit list`); optional with --resume RUN_DIR.",
        show_default=False,
    ),
]


def plain_flags() -> None:
    """Show no value type after a flag: typer 0.29 prints ``--help <bool>``.

    A flag takes no value, so its help line should not suggest one.
    """
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)  # typer 0.29's; absent elsewhere
    if shown is None or getattr(shown, "_d2lkitplain_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._d2lkitplain_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


plain_flags()


def friendly(command: F) -> F:
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


def no_match(kind: str, pattern: str, names: Sequence[str], hint: str) -> typer.Exit:
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
