"""Beyond the book: time-to-accuracy recipes on Fashion-MNIST (the airbench idea).

Claims (``d2lkit run NAME``, everything included: start-up, data read and
verified, training, evaluation every epoch, run folder written), seeds 0, 1, 2:

- ``fashion-fast``: test accuracy >= 0.90 after 3 epochs; target: within 30 s
  of wall time on an idle 2-core x86-64 CPU (PyTorch 2.14, 2 threads).
- ``fashion-fast-92``: test accuracy >= 0.92 after 8 epochs; target: within
  120 s on the same CPU.

Status of the claims (measured 2026-11-27 on the idle project machine, 2 threads;
docs/benchmarks.md "Time to accuracy"): ``fashion-fast`` reached 0.9061, 0.9085
and 0.9058 (seeds 0, 1, 2) after 3 epochs in 45, 57 and 51 s of wall time for
the whole command: the 30 s target is *not* met (two epochs give 0.8996 in
36.5 s). ``fashion-fast-92`` reached 0.9201 after 8 epochs (seed 0) in 349 s:
the 120 s target is *not* met. On an H100 ``fashion-fast`` takes 16 s.
The accuracy, not the time, is what the seeds check.

What makes them fast: a small conv-BN-ReLU network whose first, full-resolution
block is narrow and pools before its BN and ReLU (``fast_cnn``), channels_last
memory format (about 1.3-1.5x on this CPU), SGD with Nesterov momentum under a
one-cycle learning rate stepped every batch, label smoothing 0.1, and (for 0.92)
random crops and flips of the training batches, done per batch. bfloat16
autocast is 3-7x *slower* on this CPU (no native bf16), so it is off.
"""

from __future__ import annotations

from d2lkit.experiments.config import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    RunConfig,
    SchedConfig,
    TrainConfig,
)
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES"]

RECIPES = (
    Recipe(
        name="fashion-fast",
        section="fast",
        title="0.90 on Fashion-MNIST in 3 epochs of fast_cnn (target: 30 s on 2 CPU cores)",
        config=RunConfig(
            data=DataConfig(batch_size=256, eval_batch_size=1000),
            model=ModelConfig(name="fast_cnn"),
            optim=OptimConfig(name="sgd", lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4),
            sched=SchedConfig(name="onecycle", interval="step"),
            train=TrainConfig(epochs=3, loss="cross_entropy_smooth", channels_last=True),
        ),
        expected=Expected(
            metric="test_acc",
            value=0.90,
            tolerance=0.0,
            source="our claim: >= 0.90 after 3 epochs, seeds 0-2 (target time 30 s on 2 cores)",
        ),
    ),
    Recipe(
        name="fashion-fast-92",
        section="fast",
        title="0.92 on Fashion-MNIST in 8 epochs of fast_cnn_wide, crops and flips (target: 120 s)",
        config=RunConfig(
            data=DataConfig(
                batch_size=256, eval_batch_size=1000, kwargs={"crop_padding": 2, "flip": True}
            ),
            model=ModelConfig(name="fast_cnn_wide"),
            optim=OptimConfig(name="sgd", lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4),
            sched=SchedConfig(name="onecycle", interval="step"),
            train=TrainConfig(epochs=8, loss="cross_entropy_smooth", channels_last=True),
        ),
        expected=Expected(
            metric="test_acc",
            value=0.92,
            tolerance=0.0,
            source="our claim: >= 0.92 after 8 epochs, seeds 0-2 (target time 120 s on 2 cores)",
        ),
    ),
)
