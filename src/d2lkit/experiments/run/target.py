"""What ``d2lkit run`` trains: the recipe, its settings and the folder to resume, if any.

From the name and ``--resume`` (a run folder, or ``latest`` with the recipe's
name), before torch is imported: a typo or a folder that is no run is
answered at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig
from d2lkit.experiments.recipe import Recipe

__all__ = ["RunTarget", "run_target"]


@dataclass(frozen=True)
class RunTarget:
    """The recipe to run, its settings (a resumed run's saved ones) and the folder to resume."""

    recipe: Recipe
    config: RunConfig
    resume_dir: Path | None = None


def run_target(name: str | None, resume: str | None, out: str | os.PathLike[str]) -> RunTarget:
    """The run that ``name`` and ``resume`` ask for (``latest``: the newest under ``out``)."""
    from d2lkit.experiments import get_recipe
    from d2lkit.experiments.run.folder import RunFolder

    if resume is None:
        if name is None:
            raise ConfigError(
                "which recipe? give its name, or --resume RUN_DIR",
                fix="`d2lkit list` shows every recipe; e.g. `d2lkit run softmax-regression`",
            )
        recipe = get_recipe(name)
        return RunTarget(recipe, recipe.config)
    if resume == "latest" and not Path(resume).is_dir():
        if name is None:
            raise ConfigError(
                "--resume latest needs the recipe's name",
                fix="e.g. `d2lkit run lenet-bn --resume latest`",
            )
        get_recipe(name)  # a typo is named as such, not as "no run of it"
        folder = RunFolder.latest(out, name)
    else:
        folder = RunFolder.open(resume)
    saved_name, config, _ = folder.read_config()
    return RunTarget(get_recipe(name or saved_name), config, folder.path)
