"""Training speed of chapter 7's networks at the book's resolution, side by side.

    PYTHONPATH=src python benchmarks/bench_modern_cnn.py [--batches 3] [--repeats 3]
        [--device cpu] [--threads N] [--batch-size B] [--models alexnet,vgg]

For each recipe (alexnet, vgg, nin at 224 px; googlenet, resnet, densenet at
96 px) it builds the recipe's model with its init and optimiser, then times
full training steps (forward, loss, backward, SGD step) on random
Fashion-MNIST-shaped batches of the recipe's batch size (no data loading:
this measures the network, not the loader), in the memory format the recipe's
``train.channels_last`` gives (NHWC on a CPU for these sizes under ``auto``;
``--nchw`` forces the default). One warm-up step, then the median
of ``--repeats`` timings of ``--batches`` steps each; the recipes are
interleaved repeat by repeat so that a busy spell of a shared machine does
not fall on one network only. It prints examples/s and the hours 10 epochs
of 60,000 images would take at that speed.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from d2lkit.experiments import get_recipe
from d2lkit.experiments.builders.losses import build_loss
from d2lkit.experiments.builders.optimizers import build_optimizer
from d2lkit.models import create_model, init_weights
from d2lkit.train.memory_format import wants_channels_last

RECIPES = ("alexnet", "vgg", "nin", "googlenet", "resnet", "densenet")
EPOCH = 60_000  # Fashion-MNIST training images


def _setup(name: str, batch_size: int | None, device: torch.device, nchw: bool) -> tuple:
    config = get_recipe(name).config
    model = create_model(config.model.name, **config.model.kwargs)
    if config.model.init:
        init_weights(model, config.model.init)
    model.to(device).train()
    optimizer = build_optimizer(config.optim, model.parameters())
    loss = build_loss(config.train.loss)
    size = config.data.resize or 28
    batch = batch_size or config.data.batch_size
    X = torch.rand(batch, 1, size, size, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    setting = False if nchw else config.train.channels_last
    if setting == "auto":
        setting = wants_channels_last(model, [X], device)
    if setting:
        model.to(memory_format=torch.channels_last)
        X = X.contiguous(memory_format=torch.channels_last)
    return model, optimizer, loss, X, y, size, "NHWC" if setting else "NCHW"


def _steps(model, optimizer, loss, X, y, n: int, device: torch.device) -> float:
    start = time.perf_counter()
    for _ in range(n):
        optimizer.zero_grad(set_to_none=True)
        loss(model(X), y).backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3, help="timed steps per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (CPU)")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="default: each recipe's own batch size"
    )
    parser.add_argument("--models", default=",".join(RECIPES))
    parser.add_argument("--nchw", action="store_true", help="ignore the recipes' channels_last")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    names = [n for n in args.models.split(",") if n]
    setups = {name: _setup(name, args.batch_size, device, args.nchw) for name in names}
    for model, opt, loss, X, y, *_ in setups.values():  # warm-up: allocation, kernels
        _steps(model, opt, loss, X, y, 1, device)
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.repeats):
        for name, (model, opt, loss, X, y, *_) in setups.items():
            times[name].append(_steps(model, opt, loss, X, y, args.batches, device))
    print(
        f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"median of {args.repeats} x {args.batches} training steps, "
        f"{'NCHW' if args.nchw else 'the recipes memory format'}"
    )
    print(
        f"{'recipe':<10} {'px':>4} {'batch':>5} {'layout':>6} {'examples/s':>11} "
        f"{'10 epochs (h)':>14}"
    )
    for name, (*_, X, _, size, layout) in setups.items():
        per_step = statistics.median(times[name]) / args.batches
        speed = X.shape[0] / per_step
        hours = 10 * EPOCH / speed / 3600
        print(f"{name:<10} {size:>4} {X.shape[0]:>5} {layout:>6} {speed:>11.1f} {hours:>14.1f}")


if __name__ == "__main__":
    main()
