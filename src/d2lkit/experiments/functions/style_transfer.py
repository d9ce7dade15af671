"""Neural style transfer (13.12) as a function recipe: the image is trained, not a model.

The synthesised image starts as the content image and is moved by Adam
(``optim.lr``, the book's 0.3) for ``train.epochs`` steps (500), its rate
scheduled by ``sched.*`` (the book's x0.8 every 50 steps), to lower the
book's weighted sum of content, style and total-variation losses on frozen
ImageNet VGG-19 features (:mod:`d2lkit.models.style`). Into the run folder go
``styled.png`` (content, style and result side by side), ``result.png`` (the
result alone, at its size), ``losses.png`` and ``losses.csv`` (every 10 steps).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from d2lkit.atomic import write_text_atomic
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.builders.style import postprocess
from d2lkit.experiments.config import RunConfig
from d2lkit.models.style import StyleLoss, SynthesizedImage, extract_features, gram, vgg19_features
from d2lkit.train import resolve_device
from d2lkit.train.schedules import build_scheduler
from d2lkit.viz import save_figure, show_lines
from d2lkit.viz.image_predictions import show_labelled_images

__all__ = ["LOG_EVERY", "style_transfer"]

LOG_EVERY = 10  # steps between two logged losses, as the book's animator


def _train(
    config: RunConfig, net: torch.nn.Sequential, content: torch.Tensor, style: torch.Tensor
) -> tuple[torch.Tensor, list[dict[str, float]]]:
    """The book's ``train``: (the final image, the losses every LOG_EVERY steps)."""
    contents_Y, _ = extract_features(net, content)
    _, styles_Y = extract_features(net, style)
    styles_Y_gram = [gram(Y) for Y in styles_Y]
    image = SynthesizedImage(content.shape).to(content.device)
    with torch.no_grad():
        image.weight.copy_(content)
    optimizer = torch.optim.Adam(image.parameters(), lr=config.optim.lr)
    epochs, sched = config.train.epochs, config.sched
    scheduler = (
        None
        if sched.name is None
        else build_scheduler(sched.name, optimizer, epochs, **sched.kwargs)
    )
    loss_fn, log = StyleLoss(), []
    for epoch in range(epochs):
        optimizer.zero_grad()
        X = image()
        contents_Y_hat, styles_Y_hat = extract_features(net, X)
        contents_l, styles_l, tv_l, total = loss_fn(
            X, contents_Y_hat, styles_Y_hat, contents_Y, styles_Y_gram
        )
        total.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if (epoch + 1) % LOG_EVERY == 0 or epoch + 1 == epochs:
            log.append({
                "step": epoch + 1,
                "content_loss": sum(float(c.detach()) for c in contents_l),
                "style_loss": sum(float(c.detach()) for c in styles_l),
                "tv_loss": float(tv_l.detach()),
                "loss": float(total.detach()),
            })  # fmt: skip
    return image().detach(), log


def _write(
    run_dir: Path,
    content: torch.Tensor,
    style: torch.Tensor,
    result: torch.Tensor,
    log: list[dict[str, float]],
) -> None:
    images = [postprocess(content), postprocess(style), postprocess(result)]
    save_figure(
        show_labelled_images(images, ["content", "style", "result"], cols=3, scale=4.0),
        run_dir / "styled.png",
    )
    from matplotlib.figure import Figure

    fig = Figure(figsize=(result.shape[-1] / 100, result.shape[-2] / 100), dpi=100)
    fig.figimage(images[2].permute(1, 2, 0).numpy())
    save_figure(fig, run_dir / "result.png", dpi=100)
    curves: dict[str, Sequence[float]] = {
        k: [row[k] for row in log] for k in ("content_loss", "style_loss", "tv_loss")
    }
    save_figure(
        show_lines([row["step"] for row in log], curves, xlabel="step", ylabel="loss"),
        run_dir / "losses.png",
    )
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(log[0]))
    writer.writeheader()
    writer.writerows(log)
    write_text_atomic(run_dir / "losses.csv", text.getvalue())


def style_transfer(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    """Synthesise the styled image (see the module); return the last step's losses."""
    device = resolve_device(config.train.device)
    data = build_data(config.data, device=device, seed=config.train.seed, root=root)
    content, style = data.extras["content"], data.extras["style"]
    net = vgg19_features(pretrained=True, root=root).to(device)
    result, log = _train(config, net, content, style)
    _write(run_dir, content, style, result, log)
    final = log[-1]
    return {k: v for k, v in final.items() if k != "step"}
