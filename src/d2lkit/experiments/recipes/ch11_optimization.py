"""Chapter 11: optimisation algorithms, as the book runs them (d2l-zh 2.0, PyTorch).

Claims (CPU, seed 0):
- 11.3/11.4 traces (function recipes: no network; ``optim.lr`` is the step
  size, ``train.epochs`` the number of steps; each writes trace.png/trace.csv):
  gradient descent on x^2 from x = 10, eta 0.2, 10 steps, ends at x = 0.060466
  as the book prints; on x1^2 + 2 x2^2 from (-5, -2), eta 0.1, 20 steps, at
  (-0.057646, -0.000073); Newton's method reaches 0 on cosh(x/2) and 7.2699 on
  x cos(0.15 pi x) with eta 0.5 (26.8341 with eta 1); SGD (gradient + N(0, 1)
  noise) ends near the optimum, by a random amount.
- 11.5-11.10 on airfoil (1500 standardised rows, linear regression, half
  squared loss, 2 epochs of batch 10 unless noted): every optimiser, from
  scratch (``*-scratch``) and with ``torch.optim``, ends with a loss of about
  0.24-0.25 over the whole training set (``full_loss``), as the book prints.
  The book's concise runs (``train_concise_ch11``) take 4 epochs: so do ours.
  Each run logs that loss every 200 examples (steps.csv, loss.png) and the
  seconds per epoch without the logging (``sec_per_epoch``).
- 11.11 on Fashion-MNIST (LeNet with ReLU and max pooling, batch 256, 30
  epochs): each schedule reaches about 0.89-0.90 test accuracy; lr.png shows
  the learning rate of every epoch. Epoch t trains with schedule(t); the
  book's loop sets schedule(t) after epoch t, so its first epoch runs at the
  optimiser's lr and every later one a step behind ours.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from d2lkit.experiments.config import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    RunConfig,
    SchedConfig,
    TaskConfig,
    TrainConfig,
)
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES"]

# --- 11.3 / 11.4: traces (function recipes) ---------------------------------------


def _gd(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.traces import gd_1d

    return gd_1d(config, run_dir, "square")


def _gd_nonconvex(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.traces import gd_1d

    return gd_1d(config, run_dir, "x_cos")


def _gd_2d(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.traces import gd_2d

    return gd_2d(config, run_dir)


def _newton(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.traces import newton_1d

    return newton_1d(config, run_dir, "cosh")


def _newton_nonconvex(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.traces import newton_1d

    return newton_1d(config, run_dir, "x_cos")


def _sgd(schedule: str) -> Any:
    def run(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
        from d2lkit.experiments.functions.traces import sgd_2d

        return sgd_2d(config, run_dir, schedule)

    run.__name__ = f"sgd_{schedule}"
    return run


def _steps(eta: float, steps: int) -> RunConfig:
    """A trace's settings: step size and number of steps (no data set is read)."""
    return RunConfig(
        data=DataConfig(dataset="none"),
        model=ModelConfig(name="none"),
        optim=OptimConfig(name="sgd", lr=eta),
        task=TaskConfig(name="none"),
        train=TrainConfig(epochs=steps, loss="none"),
    )


def _x_cos(x: float) -> float:
    """11.3's nonconvex objective, to turn the book's printed x into f(x)."""
    return x * math.cos(0.15 * math.pi * x)


_TRACES = (
    Recipe(
        name="gd",
        section="11.3",
        title="Gradient descent on f(x) = x^2 from x = 10 (trace.png)",
        config=_steps(0.2, 10),
        expected=Expected("distance", 0.060466, 1e-6, "d2l 11.3.1 prints 'epoch 10, x: 0.060466'"),
        notes="--lr 0.05 gives 3.486784 (too small), --lr 1.1 gives 61.917364 (diverges).",
        program=_gd,
    ),
    Recipe(
        name="gd-nonconvex",
        section="11.3",
        title="Gradient descent on f(x) = x cos(0.15 pi x), eta 2: a local minimum",
        config=_steps(2.0, 10),
        expected=Expected(
            "f",
            _x_cos(-1.528166),
            1e-5,
            "d2l 11.3.1 prints 'epoch 10, x: -1.528166' (we compare f(x))",
        ),
        program=_gd_nonconvex,
    ),
    Recipe(
        name="gd-2d",
        section="11.3",
        title="Gradient descent on f(x1, x2) = x1^2 + 2 x2^2 from (-5, -2) (contour + path)",
        config=_steps(0.1, 20),
        expected=Expected(
            "distance",
            0.057646,
            1e-6,
            "d2l 11.3.2 prints 'epoch 20, x1: -0.057646, x2: -0.000073'",
        ),
        program=_gd_2d,
    ),
    Recipe(
        name="newton",
        section="11.3",
        title="Newton's method on f(x) = cosh(x / 2) from x = 10",
        config=_steps(1.0, 10),
        expected=Expected("distance", 0.0, 1e-6, "d2l 11.3.3 prints 'epoch 10, x: tensor(0.)'"),
        program=_newton,
    ),
    Recipe(
        name="newton-nonconvex",
        section="11.3",
        title="Newton's method on f(x) = x cos(0.15 pi x), eta 0.5",
        config=_steps(0.5, 10),
        expected=Expected(
            "f",
            _x_cos(7.2699),
            1e-3,
            "d2l 11.3.3 prints 'epoch 10, x: tensor(7.2699)' (we compare f(x))",
        ),
        notes="--lr 1 is the book's first try: 'epoch 10, x: tensor(26.8341)' (a maximum).",
        program=_newton_nonconvex,
    ),
    Recipe(
        name="sgd",
        section="11.4",
        title="SGD on x1^2 + 2 x2^2: gradient + N(0, 1) noise, constant eta 0.1, 50 steps",
        config=_steps(0.1, 50),
        expected=Expected(
            "distance",
            0.0,
            0.5,
            "d2l 11.4.1: the path stays noisy near the optimum (random figures, "
            "e.g. 'epoch 50, x1: 0.020569, x2: 0.227895')",
        ),
        program=_sgd("constant"),
    ),
    Recipe(
        name="sgd-exponential-lr",
        section="11.4",
        title="SGD with eta(t) = 0.1 exp(-0.1 t), 1000 steps: stops too early",
        config=_steps(0.1, 1000),
        program=_sgd("exponential"),
    ),
    Recipe(
        name="sgd-polynomial-lr",
        section="11.4",
        title="SGD with eta(t) = 0.1 (1 + 0.1 t)^-0.5, 50 steps",
        config=_steps(0.1, 50),
        expected=Expected(
            "distance",
            0.0,
            0.5,
            "d2l 11.4.2: converges near the optimum (random figures)",
        ),
        program=_sgd("polynomial"),
    ),
)

# --- 11.5-11.10: airfoil ----------------------------------------------------------


def _airfoil_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.optimization import airfoil_callbacks

    return airfoil_callbacks(run)


def _airfoil(
    optim: OptimConfig, batch_size: int = 10, epochs: int = 2, scratch: bool = True
) -> RunConfig:
    return RunConfig(
        data=DataConfig(dataset="airfoil", batch_size=batch_size),
        model=ModelConfig(name="linear_regression_scratch" if scratch else "linear_regression"),
        optim=optim,
        task=TaskConfig(name="regression"),
        train=TrainConfig(epochs=epochs, loss="squared_loss_scratch"),
    )


def _loss(value: float, source: str, tolerance: float = 0.01) -> Expected:
    return Expected("full_loss", value, tolerance, source)


def _airfoil_recipe(
    name: str,
    section: str,
    title: str,
    config: RunConfig,
    expected: Expected,
    notes: str = "",
) -> Recipe:
    return Recipe(
        name=name,
        section=section,
        title=title,
        config=config,
        expected=expected,
        notes=notes,
        callbacks=_airfoil_callbacks,
    )


_MINIBATCH = "d2l 11.5 prints 'loss: 0.24x, ... sec/epoch' after 2 epochs (train_ch11)"
_CONCISE = "the book's train_concise_ch11 (4 epochs) prints 'loss: 0.24x'"

_AIRFOIL = (
    _airfoil_recipe(
        "minibatch-sgd-gd",
        "11.5",
        "Gradient descent on airfoil: one batch of 1500, lr 1, 10 epochs",
        _airfoil(OptimConfig(name="sgd_scratch", lr=1.0), batch_size=1500, epochs=10),
        _loss(0.25, "d2l 11.5 prints 'loss: 0.25x' for gradient descent (10 epochs)"),
    ),
    _airfoil_recipe(
        "minibatch-sgd-sgd",
        "11.5",
        "Stochastic gradient descent on airfoil: batch 1, lr 0.005, 2 epochs",
        _airfoil(OptimConfig(name="sgd_scratch", lr=0.005), batch_size=1),
        _loss(0.245, _MINIBATCH),
    ),
    _airfoil_recipe(
        "minibatch-sgd-100",
        "11.5",
        "Minibatch SGD on airfoil: batch 100, lr 0.4, 2 epochs",
        _airfoil(OptimConfig(name="sgd_scratch", lr=0.4), batch_size=100),
        _loss(0.245, _MINIBATCH),
    ),
    _airfoil_recipe(
        "minibatch-sgd-10",
        "11.5",
        "Minibatch SGD on airfoil: batch 10, lr 0.05, 2 epochs",
        _airfoil(OptimConfig(name="sgd_scratch", lr=0.05)),
        _loss(0.245, _MINIBATCH),
    ),
    _airfoil_recipe(
        "minibatch-sgd-concise",
        "11.5",
        "Minibatch SGD with torch.optim.SGD and nn.Linear: batch 10, lr 0.01, 4 epochs",
        _airfoil(OptimConfig(name="sgd", lr=0.01), epochs=4, scratch=False),
        _loss(0.245, _CONCISE),
    ),
    _airfoil_recipe(
        "momentum-scratch",
        "11.6",
        "Momentum from scratch on airfoil: lr 0.005, momentum 0.9",
        _airfoil(OptimConfig(name="momentum_scratch", lr=0.005, momentum=0.9)),
        _loss(0.245, "d2l 11.6.2 prints 'loss: 0.24x' for train_momentum(0.005, 0.9)"),
        notes="The book also tries (lr, momentum) = (0.02, 0.5) and (0.01, 0.9): "
        "--lr 0.02 --set optim.momentum=0.5.",
    ),
    _airfoil_recipe(
        "momentum",
        "11.6",
        "torch.optim.SGD with momentum 0.9, lr 0.005, on airfoil",
        _airfoil(OptimConfig(name="sgd", lr=0.005, momentum=0.9), epochs=4, scratch=False),
        _loss(0.245, _CONCISE),
    ),
    _airfoil_recipe(
        "adagrad-scratch",
        "11.7",
        "AdaGrad from scratch on airfoil: lr 0.1",
        _airfoil(OptimConfig(name="adagrad_scratch", lr=0.1, eps=1e-6)),
        _loss(0.243, "d2l 11.7.5 prints 'loss: 0.24x' (lr 0.1)"),
    ),
    _airfoil_recipe(
        "adagrad",
        "11.7",
        "torch.optim.Adagrad, lr 0.1, on airfoil",
        _airfoil(OptimConfig(name="adagrad", lr=0.1), epochs=4, scratch=False),
        _loss(0.243, _CONCISE),
    ),
    _airfoil_recipe(
        "rmsprop-scratch",
        "11.8",
        "RMSProp from scratch on airfoil: lr 0.01, gamma 0.9",
        _airfoil(OptimConfig(name="rmsprop_scratch", lr=0.01, alpha=0.9, eps=1e-6)),
        _loss(0.245, "d2l 11.8.2 prints 'loss: 0.24x' (lr 0.01, gamma 0.9)"),
    ),
    _airfoil_recipe(
        "rmsprop",
        "11.8",
        "torch.optim.RMSprop, lr 0.01, alpha 0.9, on airfoil",
        _airfoil(OptimConfig(name="rmsprop", lr=0.01, alpha=0.9), epochs=4, scratch=False),
        _loss(0.245, _CONCISE),
    ),
    _airfoil_recipe(
        "adadelta-scratch",
        "11.9",
        "AdaDelta from scratch on airfoil: rho 0.9 (no learning rate: lr 1)",
        _airfoil(OptimConfig(name="adadelta_scratch", lr=1.0, rho=0.9, eps=1e-5)),
        _loss(0.245, "d2l 11.9.2 prints 'loss: 0.24x' (rho 0.9)"),
    ),
    _airfoil_recipe(
        "adadelta",
        "11.9",
        "torch.optim.Adadelta, rho 0.9, on airfoil",
        _airfoil(OptimConfig(name="adadelta", lr=1.0, rho=0.9), epochs=4, scratch=False),
        _loss(0.245, _CONCISE),
    ),
    _airfoil_recipe(
        "adam-scratch",
        "11.10",
        "Adam from scratch on airfoil: lr 0.01",
        _airfoil(OptimConfig(name="adam_scratch", lr=0.01, eps=1e-6)),
        _loss(0.245, "d2l 11.10.2 prints 'loss: 0.24x' (lr 0.01)"),
    ),
    _airfoil_recipe(
        "adam",
        "11.10",
        "torch.optim.Adam, lr 0.01, on airfoil",
        _airfoil(OptimConfig(name="adam", lr=0.01), epochs=4, scratch=False),
        _loss(0.245, _CONCISE),
    ),
    _airfoil_recipe(
        "yogi-scratch",
        "11.10",
        "Yogi from scratch on airfoil: lr 0.01, eps 1e-3 (torch has no Yogi)",
        _airfoil(OptimConfig(name="yogi_scratch", lr=0.01, eps=1e-3)),
        _loss(0.245, "d2l 11.10.3 prints 'loss: 0.24x' (lr 0.01)"),
    ),
)

# --- 11.11: learning-rate schedules on Fashion-MNIST ---------------------------------


def _lr_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.optimization import lr_curve_callbacks

    return lr_curve_callbacks(run)


def _schedule(lr: float, sched: SchedConfig | None = None) -> RunConfig:
    return RunConfig(
        data=DataConfig(batch_size=256),
        model=ModelConfig(name="lenet_relu"),
        optim=OptimConfig(name="sgd", lr=lr),
        sched=sched or SchedConfig(),
        train=TrainConfig(epochs=30),
    )


_SCHED_EXPECTED = Expected(
    "test_acc",
    0.89,
    0.02,
    "d2l 11.11 prints test acc about 0.89-0.90 after 30 epochs for each schedule",
)


def _schedule_recipe(name: str, title: str, config: RunConfig, notes: str = "") -> Recipe:
    return Recipe(
        name=name,
        section="11.11",
        title=title,
        config=config,
        expected=_SCHED_EXPECTED,
        notes=notes,
        callbacks=_lr_callbacks,
    )


_SCHEDULES = (
    _schedule_recipe(
        "lr-schedule-none", "LeNet (ReLU, max pool), constant lr 0.3, 30 epochs", _schedule(0.3)
    ),
    _schedule_recipe(
        "lr-schedule-square-root",
        "Square-root schedule: lr 0.3 for the first epoch, then 0.1 / sqrt(epoch)",
        _schedule(0.3, SchedConfig(name="square_root_scratch", kwargs={"lag": 1, "start_lr": 0.1})),
        notes="As the book's loop runs it: the optimiser starts at lr 0.3 and the schedule "
        "(lr 0.1) sets each epoch's rate after the epoch before it (sched.lag=1).",
    ),
    _schedule_recipe(
        "lr-schedule-factor",
        "Factor schedule: lr x 0.9 every epoch, never below 0.01",
        _schedule(0.3, SchedConfig(name="factor_scratch", kwargs={"factor": 0.9, "stop_lr": 0.01})),
        notes="The book only plots this schedule (from lr 2.0); we train it from lr 0.3.",
    ),
    _schedule_recipe(
        "lr-schedule-multifactor",
        "Multi-factor schedule: lr 0.5, halved at epochs 15 and 30 (torch MultiStepLR)",
        _schedule(
            0.5, SchedConfig(name="multifactor", kwargs={"factor": 0.5, "milestones": (15, 30)})
        ),
    ),
    _schedule_recipe(
        "lr-schedule-cosine",
        "Cosine schedule: 0.3 down to 0.01 over 20 epochs, then 0.01",
        _schedule(0.3, SchedConfig(name="cosine_scratch", total=20, kwargs={"final_lr": 0.01})),
    ),
    _schedule_recipe(
        "lr-schedule-warmup",
        "Cosine schedule with 5 epochs of linear warm-up from 0",
        _schedule(
            0.3,
            SchedConfig(name="cosine_scratch", total=20, kwargs={"final_lr": 0.01, "warmup": 5}),
        ),
    ),
)

RECIPES = (*_TRACES, *_AIRFOIL, *_SCHEDULES)
