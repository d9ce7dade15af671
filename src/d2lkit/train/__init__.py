"""Training: one readable loop, metrics on the device, features as callbacks."""

from d2lkit.train.callbacks import (
    Callback,
    CancelBatch,
    CancelEpoch,
    Checkpoint,
    CurvePlot,
    EarlyStopping,
    MetricsLogger,
    ProgressBar,
    StopTraining,
)
from d2lkit.train.checkpoint import load_checkpoint, save_checkpoint
from d2lkit.train.device import resolve_device
from d2lkit.train.metrics import RunningMetrics, correct_count
from d2lkit.train.seed import get_rng_state, seed_everything, set_rng_state
from d2lkit.train.trainer import Trainer

__all__ = [
    "Callback",
    "CancelBatch",
    "CancelEpoch",
    "Checkpoint",
    "CurvePlot",
    "EarlyStopping",
    "MetricsLogger",
    "ProgressBar",
    "RunningMetrics",
    "StopTraining",
    "Trainer",
    "correct_count",
    "get_rng_state",
    "load_checkpoint",
    "resolve_device",
    "save_checkpoint",
    "seed_everything",
    "set_rng_state",
]
