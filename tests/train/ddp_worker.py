"""Worker for the DDP tests: run under ``torchrun --nproc_per_node=2`` (gloo, CPU).

Usage: ``python -m torch.distributed.run --standalone --nproc_per_node=2
tests/train/ddp_worker.py OUT all|crash``. Each rank writes what the test checks
into ``OUT/debug/`` (never into the run folders, which only rank 0 may write).

Scenarios:
  trainer   the library Trainer: weights after every step, BN buffers, reduced
            metrics (a test set of odd size; a test set of one example).
  recipe    ``run_recipe`` on a tiny synthetic recipe: 2 epochs, resume to 3,
            and an uninterrupted 3-epoch run; each rank records the files it writes.
  crash     ``run_recipe`` for 3 epochs; with ``D2LKIT_TEST_CRASH_STEP`` set, rank 1
            exits abruptly at that step once (a marker file remembers it), so
            torchrun (``--max-restarts=1``) restarts the job, which resumes.
  nodes     ``d2lkit run ddp-linear`` through the CLI, for two torchrun agents
            (``--nnodes=2``, one process each); with ``D2LKIT_TEST_CRASH_STEP`` and
            ``D2LKIT_TEST_MARKER`` set, rank 1 crashes there once, as in ``crash``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch
from torch import nn

torch.set_num_threads(1)

N_TRAIN, N_TEST = 203, 101  # odd sizes: uneven shares, a remainder dropped in training


def make_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Tiny 1x8x8 'images' whose label is the brighter half (with noise)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, 8, 8, generator=g)
    y = (X[:, :, :, :4].mean((1, 2, 3)) > X[:, :, :, 4:].mean((1, 2, 3))).long()
    return X, y


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(4 * 4 * 4, 2),
    )


def _params_checksum(model: nn.Module) -> list[float]:
    return [float(p.detach().double().sum()) for p in model.parameters()]


def scenario_trainer(out: Path, rank: int) -> None:
    from d2lkit.data import TensorLoader
    from d2lkit.train import Callback, Trainer, seed_everything

    class Steps(Callback):
        def __init__(self) -> None:
            self.sums: list[list[float]] = []

        def on_batch_end(self, trainer, loss):
            self.sums.append(_params_checksum(trainer.model))

    seed_everything(3)
    model = make_model()
    steps = Steps()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, device="auto", callbacks=[steps])
    train = TensorLoader(*make_data(N_TRAIN, 0), batch_size=16, shuffle=True, seed=1)
    test = TensorLoader(*make_data(N_TEST, 1), batch_size=16)
    history = trainer.fit(train, test, epochs=2)
    one = TensorLoader(*make_data(1, 2), batch_size=16)  # rank 1 gets no batch at all
    result = {
        "rank": rank,
        "device": str(trainer.device),
        "distributed": trainer.distributed,
        "is_main": trainer.is_main,
        "train_batches": len(train),
        "test_examples": test.num_examples,
        "steps": steps.sums,
        "history": history,
        "one": trainer.evaluate(one),
        "state_keys": list(trainer.state_dict()["model"]),
    }
    (out / "debug" / f"trainer-{rank}.json").write_text(json.dumps(result))
    torch.save(trainer.model.state_dict(), out / "debug" / f"trainer-{rank}.pt")


def _register_recipe() -> str:
    from d2lkit.data import TensorLoader
    from d2lkit.experiments.builders.data import DATA, DataSpec, RunData
    from d2lkit.experiments.config import (
        DataConfig,
        ModelConfig,
        OptimConfig,
        RunConfig,
        TrainConfig,
    )
    from d2lkit.experiments.recipe import Recipe
    from d2lkit.experiments.registry import RECIPES
    from d2lkit.models.registry import MODELS

    def data(config: DataConfig, *, device, seed, root) -> RunData:
        train = TensorLoader(
            *make_data(N_TRAIN, 0), batch_size=config.batch_size, shuffle=True, seed=seed
        )
        test = TensorLoader(*make_data(N_TEST, 1), batch_size=32)
        return RunData(train, {"test": test})

    if "ddp-synthetic" not in DATA:
        DATA.add("ddp-synthetic", DataSpec("ddp-synthetic", data))
        MODELS.add("ddp_tiny", make_model)
        config = RunConfig(
            data=DataConfig(dataset="ddp-synthetic", batch_size=16),
            model=ModelConfig(name="ddp_tiny"),
            optim=OptimConfig(name="sgd", lr=0.05, momentum=0.9),
            train=TrainConfig(epochs=2, device="auto"),
        )
        RECIPES.add("ddp-tiny", Recipe("ddp-tiny", "0.0", "DDP test recipe", config))
    return "ddp-tiny"


def _watch_writes(out: Path) -> list[str]:
    """Record every file this process opens for writing, or folder it makes, under ``out``."""
    writes: list[str] = []
    root = str(out / "runs")

    def hook(event: str, args: tuple) -> None:
        if event == "open" and args and isinstance(args[0], str | os.PathLike):
            mode, flags = args[1], args[2]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            )
            if writing and os.fspath(args[0]).startswith(root):
                writes.append(f"open {args[0]}")
        elif event in ("os.mkdir", "os.rename", "os.replace") and str(args[0]).startswith(root):
            writes.append(f"{event} {args[0]}")

    sys.addaudithook(hook)
    return writes


def scenario_recipe(out: Path, rank: int) -> None:
    from d2lkit.experiments import apply_overrides, get_recipe, run_recipe

    writes = _watch_writes(out)
    recipe = get_recipe(_register_recipe())
    runs = out / "runs"
    first = run_recipe(recipe, out=runs, download=False, progress=rank == 0)
    three = apply_overrides(recipe.config, ["train.epochs=3"])
    resumed = run_recipe(recipe, three, out=runs, download=False, resume=first.run_dir)
    straight = run_recipe(recipe, three, out=runs, download=False, progress=False)
    result = {
        "rank": rank,
        "dirs": [str(first.run_dir), str(straight.run_dir)],
        "resumed_history": resumed.history,
        "straight_history": straight.history,
        "writes": list(writes),
    }
    (out / "debug" / f"recipe-{rank}.json").write_text(json.dumps(result))


class _CrashOnce:
    """Rank 1 leaves abruptly at a global step, once (a marker file remembers it)."""

    def __init__(self, step: int, marker: Path) -> None:
        from d2lkit.train import Callback

        outer = self

        class Crash(Callback):
            def on_batch_end(self, trainer, loss):
                if trainer.step == outer.step and not outer.marker.exists():
                    outer.marker.write_text("crashed\n")
                    os._exit(17)

        self.step, self.marker, self.callback = step, marker, Crash()


def scenario_crash(out: Path, rank: int) -> None:
    from d2lkit.experiments import apply_overrides, get_recipe, run_recipe

    recipe = get_recipe(_register_recipe())
    config = apply_overrides(recipe.config, ["train.epochs=3"])
    callbacks = []
    crash_step = os.environ.get("D2LKIT_TEST_CRASH_STEP")
    if crash_step and rank == 1:
        callbacks.append(_CrashOnce(int(crash_step), out / "crashed.marker").callback)
    result = run_recipe(
        recipe, config, out=out / "runs", download=False, progress=False, callbacks=callbacks
    )
    if rank == 0:
        from d2lkit.train.distributed import restart_count

        info = {"run_dir": str(result.run_dir), "restarts": restart_count()}
        info["resumed_from"] = result.summary["resumed_from_epoch"]
        (out / "debug" / "crash-0.json").write_text(json.dumps(info))


N_EVEN = 192  # a multiple of 2 ranks x 16 = 32: the shares of a step are one batch of 32


def make_linear() -> nn.Module:
    """No batch norm, no dropout: 2 ranks x 16 examples take the step 1 process x 32 takes."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 2))


def register_linear_recipe() -> str:
    """``ddp-linear``: the model above on 192 examples; rank 1 crashes once if asked to."""
    from d2lkit.data import TensorLoader
    from d2lkit.experiments.builders.data import DATA, DataSpec, RunData
    from d2lkit.experiments.config import (
        DataConfig,
        ModelConfig,
        OptimConfig,
        RunConfig,
        TrainConfig,
    )
    from d2lkit.experiments.recipe import Recipe
    from d2lkit.experiments.registry import RECIPES
    from d2lkit.models.registry import MODELS

    def data(config: DataConfig, *, device, seed, root) -> RunData:
        train = TensorLoader(
            *make_data(N_EVEN, 0), batch_size=config.batch_size, shuffle=True, seed=seed
        )
        return RunData(train, {"test": TensorLoader(*make_data(N_TEST, 1), batch_size=32)})

    def callbacks(run) -> list:
        step = os.environ.get("D2LKIT_TEST_CRASH_STEP")
        if not step or os.environ.get("RANK") != "1":
            return []
        return [_CrashOnce(int(step), Path(os.environ["D2LKIT_TEST_MARKER"])).callback]

    if "ddp-even" not in DATA:
        DATA.add("ddp-even", DataSpec("ddp-even", data))
        MODELS.add("ddp_linear", make_linear)
        config = RunConfig(
            data=DataConfig(dataset="ddp-even", batch_size=16),
            model=ModelConfig(name="ddp_linear"),
            optim=OptimConfig(name="sgd", lr=0.1, momentum=0.9),
            train=TrainConfig(epochs=3, device="cpu"),
        )
        recipe = Recipe("ddp-linear", "0.0", "DDP test recipe", config, callbacks=callbacks)
        RECIPES.add("ddp-linear", recipe)
    return "ddp-linear"


def scenario_nodes(out: Path) -> None:
    """``d2lkit run ddp-linear`` through the CLI, as docs/distributed.md has users start it."""
    from d2lkit.cli import main

    register_linear_recipe()
    main(["run", "ddp-linear", "--out", str(out / "runs"), "--quiet"])


def main() -> None:
    out, scenario = Path(sys.argv[1]), sys.argv[2]
    (out / "debug").mkdir(parents=True, exist_ok=True)
    rank = int(os.environ["RANK"])
    if scenario == "nodes":
        scenario_nodes(out)
    elif scenario == "crash":
        scenario_crash(out, rank)
    else:  # one launch for both: starting processes is what costs time
        scenario_trainer(out, rank)
        scenario_recipe(out, rank)


if __name__ == "__main__":
    main()
