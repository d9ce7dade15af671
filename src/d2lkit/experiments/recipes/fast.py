"""Beyond the book: time-to-accuracy recipes on Fashion-MNIST (the airbench idea).

Claims (``d2lkit run NAME``, everything included: start-up, data read and
verified, training, evaluation every epoch, run folder written), seeds 0, 1, 2:

- ``fashion-fast``: test accuracy >= 0.90 after 1 epoch; target: within 30 s
  of wall time on an idle 2-core x86-64 CPU (PyTorch 2.14, 2 threads).
- ``fashion-fast-92``: test accuracy >= 0.92 after 6 epochs; target: within
  120 s on the same CPU.

Status of the claims (measured 2026-11-27 on the project machine, 2 threads;
docs/benchmarks.md "Time to accuracy"): ``fashion-fast`` reached 0.9025, 0.9054
and 0.9014 (seeds 0, 1, 2) after 1 epoch in 26.5, 26.8 and 26.2 s of wall
time for the whole command: the 30 s target is met. Before the whitened
first layer it trained 2 epochs at batch 128: 0.9045-0.9063 in 40-48 s.
``fashion-fast-92`` reached 0.9211, 0.9217 and 0.9236 after 6 epochs in 97.2,
109.3 and 97.5 s: the 120 s target is met (before the whitened first layer: 9
epochs, 0.9204-0.9219 in 144-164 s). On an H100 an
earlier ``fashion-fast`` (3 epochs, batch 256) took 16 s. The accuracy, not
the time, is what the seeds check.

What makes them fast: a small conv-BN-ReLU network whose first, full-resolution
block is narrow and pools before its BN and ReLU (``fast_cnn``), channels_last
memory format (about 1.3-1.5x on this CPU), SGD with Nesterov momentum under a
one-cycle learning rate stepped every batch, small batches (more steps for the
same arithmetic), label smoothing 0.1, and (for 0.92) random horizontal flips
of the training batches with the mirror averaged in at test time
(``flip_tta``: +0.15 to +0.45 points for one more forward pass per test
image). Both start from a whitened first layer
(``model.whiten``, :func:`d2lkit.models.whiten_first_conv`): its 16 filters
are the 8 principal directions of 3x3 training patches and their negatives,
frozen. One epoch then ends at 0.901-0.905 instead of 0.897, and 6 epochs
with flips reach what 9 did without it. bfloat16 autocast is 3-7x *slower*
on this CPU (no native bf16), so it is off.
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
        title="0.90 on Fashion-MNIST in 1 epoch of fast_cnn, whitened first layer (target: 30 s)",
        config=RunConfig(
            data=DataConfig(batch_size=64, eval_batch_size=1000),
            model=ModelConfig(name="fast_cnn", whiten=True),
            optim=OptimConfig(name="sgd", lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4),
            sched=SchedConfig(name="onecycle", interval="step"),
            train=TrainConfig(epochs=1, loss="cross_entropy_smooth", channels_last=True),
        ),
        expected=Expected(
            metric="test_acc",
            value=0.90,
            tolerance=0.0,
            source="our claim: >= 0.90 after 1 epoch, seeds 0-2 (target time 30 s on 2 cores)",
        ),
    ),
    Recipe(
        name="fashion-fast-92",
        section="fast",
        title="0.92 on Fashion-MNIST in 6 epochs of fast_cnn, whitened, flips (target: 120 s)",
        config=RunConfig(
            data=DataConfig(batch_size=128, eval_batch_size=1000, kwargs={"flip": True}),
            model=ModelConfig(name="fast_cnn", whiten=True, kwargs={"flip_tta": True}),
            optim=OptimConfig(name="sgd", lr=0.2, momentum=0.9, nesterov=True, weight_decay=5e-4),
            sched=SchedConfig(name="onecycle", interval="step"),
            train=TrainConfig(epochs=6, loss="cross_entropy_smooth", channels_last=True),
        ),
        expected=Expected(
            metric="test_acc",
            value=0.92,
            tolerance=0.0,
            source="our claim: >= 0.92 after 6 epochs, seeds 0-2 (target time 120 s on 2 cores)",
        ),
    ),
)
