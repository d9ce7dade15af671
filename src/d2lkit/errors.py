"""Errors a user can act on.

Every failure a learner can cause or fix (a missing file, a bad checksum, an
unknown recipe, a device that is not there) raises a :class:`D2lkitError`. Its
message says what went wrong and ``fix`` says what to do; the CLI prints both
without a traceback. Bugs stay ordinary exceptions, with their tracebacks.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "D2lkitError",
    "DataError",
    "DeviceError",
    "DownloadError",
    "did_you_mean",
]


def did_you_mean(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """``"did you mean a, b? "`` for the choices closest to a misspelt name, else ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=cutoff)
    return f"did you mean {', '.join(close)}? " if close else ""


class D2lkitError(Exception):
    """A problem the user can fix; ``fix`` tells them how."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(message if fix is None else f"{message}\n  fix: {fix}")


class DataError(D2lkitError):
    """A data file is missing, damaged or not what the catalog expects."""


class DownloadError(DataError):
    """Every URL of a file failed; the message lists each attempt."""


class ConfigError(D2lkitError):
    """A recipe name, a setting or an override is not valid."""


class DeviceError(D2lkitError):
    """The requested device does not exist on this machine."""
