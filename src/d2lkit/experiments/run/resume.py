"""Resuming a run: which settings may change, and putting the changes into the restored state."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig
from d2lkit.train import Trainer
from d2lkit.train.schedules import SPANS_THE_RUN

__all__ = ["apply_optim_changes", "check_resumable"]

log = logging.getLogger(__name__)

# optim.<field> -> the optimiser's param_group key it sets
_GROUP_KEYS = {
    "lr": "lr",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
    "alpha": "alpha",
    "rho": "rho",
    "eps": "eps",
}


def check_resumable(saved: RunConfig, config: RunConfig) -> None:
    """Refuse, before any work, the changes a resumed run cannot honour.

    A one-cycle or cosine schedule built for the epochs the run started with
    ends there (torch's one-cycle raises; a cosine climbs back up): resuming to
    more epochs would step it past its end. A changed optimiser, or an lr
    change under a schedule (which would rescale it), is refused too.
    """
    sched = config.sched
    before, after = saved.train.epochs, config.train.epochs
    if sched.name in SPANS_THE_RUN and sched.total is None and after > before:
        raise ConfigError(
            f"schedule {sched.name!r} spans the {before} epoch(s) this run was started with; "
            f"resuming to {after} would step it past its end",
            fix=f"start a new run with --epochs {after}, or set sched.total when starting a run "
            "you mean to extend",
        )
    old, new = saved.optim, config.optim
    if old.name != new.name:
        raise ConfigError(
            f"the run was trained with optim.name={old.name}; it cannot resume with {new.name}",
            fix="resume with the same optimiser, or start a new run",
        )
    if sched.name is not None and old.lr != new.lr:
        raise ConfigError(
            f"optim.lr changed on resume ({old.lr} -> {new.lr}) while schedule "
            f"{sched.name!r} sets the lr",
            fix="resume without --lr, or start a new run",
        )


def apply_optim_changes(trainer: Trainer, saved: RunConfig, config: RunConfig) -> dict[str, Any]:
    """Put the new optimiser settings of a resumed run into the restored optimiser.

    Returns ``{"optim.lr": [old, new], ...}`` for config.json.
    """
    old, new = saved.optim, config.optim
    changed = {
        f: (getattr(old, f), getattr(new, f))
        for f in dataclasses.asdict(new)
        if getattr(old, f) != getattr(new, f)
    }
    for group in trainer.optimizer.param_groups:
        for field_name in changed:
            key = _GROUP_KEYS.get(field_name)
            if field_name in ("beta1", "beta2") and "betas" in group:
                group["betas"] = (new.beta1, new.beta2)
            elif key is not None and key in group and getattr(new, field_name) is not None:
                group[key] = getattr(new, field_name)
    for field_name, (before, after) in changed.items():
        log.warning(
            "resuming with optim.%s = %s (the checkpoint had %s)", field_name, after, before
        )
    return {f"optim.{k}": [a, b] for k, (a, b) in changed.items()}
