"""Training: one readable loop, tasks for what a batch means, features as callbacks."""

from d2lkit.train.callbacks import (
    Callback,
    CancelBatch,
    CancelEpoch,
    Checkpoint,
    CurvePlot,
    EarlyStopping,
    MetricsLogger,
    ProgressBar,
    StepLogger,
    StopTraining,
)
from d2lkit.train.checkpoint import load_checkpoint, save_checkpoint
from d2lkit.train.device import resolve_device
from d2lkit.train.metrics import RunningMetrics, correct_count
from d2lkit.train.schedules import SCHEDULES, build_scheduler
from d2lkit.train.seed import get_rng_state, seed_everything, set_rng_state
from d2lkit.train.step_functions import StepFunctions
from d2lkit.train.tasks import (
    TASKS,
    Classification,
    LanguageModel,
    Regression,
    Seq2Seq,
    Step,
    Task,
    build_task,
)
from d2lkit.train.trainer import NonFiniteLossError, Trainer

__all__ = [
    "SCHEDULES",
    "TASKS",
    "Callback",
    "CancelBatch",
    "CancelEpoch",
    "Checkpoint",
    "Classification",
    "CurvePlot",
    "EarlyStopping",
    "LanguageModel",
    "MetricsLogger",
    "NonFiniteLossError",
    "ProgressBar",
    "Regression",
    "RunningMetrics",
    "Seq2Seq",
    "Step",
    "StepFunctions",
    "StepLogger",
    "StopTraining",
    "Task",
    "Trainer",
    "build_scheduler",
    "build_task",
    "correct_count",
    "get_rng_state",
    "load_checkpoint",
    "resolve_device",
    "save_checkpoint",
    "seed_everything",
    "set_rng_state",
]
