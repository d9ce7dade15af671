"""Tasks: what one batch *means*, so that one Trainer loop fits every chapter.

A task unpacks a batch (any tuple of tensors), runs the model, computes the
loss to backpropagate, says what that loss is a mean over (examples or
tokens), returns the batch *sums* of its metrics, keeps state across batches
(an RNN's hidden state) and turns an epoch's means into the figures it
reports (perplexity = exp(mean token loss)). Models stay plain ``nn.Module``.

=================  ==========================  =====================================
task               batch                       figures (per split)
=================  ==========================  =====================================
classification     (X, y)                      loss, acc
regression         (X, y)                      loss [, log_rmse]
penalised_regr.    (X, y)                      loss [, log_rmse]; L1/L2 on the weights
language_model     (X, Y) token ids (B, T)     loss (per token), ppl
seq2seq            (X, X_len, Y, Y_len)        loss (per valid token), ppl
=================  ==========================  =====================================
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch

from d2lkit.errors import ConfigError
from d2lkit.metric import ACC, LOG_RMSE, LOSS, PPL, Metric, reduce_means, top_k_accuracy
from d2lkit.registry import Registry
from d2lkit.scratch.penalties import l1_penalty, l2_penalty

__all__ = [
    "TASKS",
    "Classification",
    "LanguageModel",
    "PenalisedRegression",
    "Regression",
    "Seq2Seq",
    "Step",
    "Task",
    "build_task",
    "detach_state",
    "register_task",
]

LossFn = Callable[..., torch.Tensor]
Batch = Sequence[torch.Tensor]
TaskClass = TypeVar("TaskClass", bound=type)


@dataclass
class Step:
    """One batch's result.

    Attributes:
        loss: the scalar to backpropagate: a mean over ``count`` units, or the
            book's scale of it (``Seq2Seq(reduction="sequence_sum")``).
        count: how many units (examples, or tokens) the mean is over; an int,
            or a 0-d tensor when counting would make the host wait (valid tokens).
        sums: batch *sums* of the task's metrics, ``loss`` included.
        outputs: the model's outputs, for callbacks that want them.
        inputs: the batch the step was made from (on the device), likewise.
    """

    loss: torch.Tensor
    count: int | torch.Tensor
    sums: dict[str, torch.Tensor] = field(default_factory=dict)
    outputs: Any = None
    inputs: Any = None


def _mean(loss: torch.Tensor) -> torch.Tensor:
    """A loss built with ``reduction='none'`` (as the book's are) becomes the batch mean."""
    return loss.mean() if loss.dim() > 0 else loss


def detach_state(state: Any) -> Any:
    """Cut the graph behind a hidden state (a tensor, or a tuple/list of them)."""
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    return state


class Task:
    """Base class. Subclasses set ``metrics`` and implement :meth:`step`.

    Attributes:
        metrics: the figures reported per split, declared (name, direction,
            format, reduction: see :mod:`d2lkit.metric`), in display order, loss first.
        plot: which history columns the curves show, as shell patterns over
            the declared keys (``train_loss``, ``test_acc`` ...).
        unit: what ``count`` counts: "examples" or "tokens" (names the speed column).
    """

    metrics: tuple[Metric, ...] = (LOSS,)
    plot: tuple[str, ...] = ("train_loss",)
    unit = "examples"

    def start(self, training: bool) -> None:
        """Called before each pass over a loader (a training epoch, an evaluation)."""

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        raise NotImplementedError

    def report(self, means: dict[str, float]) -> dict[str, float]:
        """Turn a pass's means (sums / count) into its figures, as each metric reduces."""
        return reduce_means(self.metrics, means)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _load_task_modules() -> None:
    """Import the modules of d2lkit.train that register tasks (found in their source)."""
    own = Path(__file__).resolve().parent
    for path in sorted(own.glob("*.py")):
        if path.stem != "tasks" and "@register_task(" in path.read_text(encoding="utf-8"):
            importlib.import_module(f"d2lkit.train.{path.stem}")


TASKS: Registry[Callable[..., Task]] = Registry("task", loader=_load_task_modules)


def register_task(name: str) -> Callable[[TaskClass], TaskClass]:
    """Class decorator: register a task under ``name`` (``train.task`` / ``task.name``)."""

    def decorate(cls: TaskClass) -> TaskClass:
        TASKS.add(name, cls)
        return cls

    return decorate


@register_task("classification")
class Classification(Task):
    """``(X, y)`` batches; mean loss over examples and argmax accuracy (the default).

    Args:
        topk: also report top-k accuracies (``top5_acc`` for 5): the label among
            the k highest scores.
    """

    plot = ("train_loss", "*_acc")

    def __init__(self, topk: Sequence[int] = ()) -> None:
        self.topk = tuple(int(k) for k in topk)
        self.metrics = (LOSS, ACC, *(top_k_accuracy(k) for k in self.topk))

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        X, y = _unpack(batch, 2, "classification", "(X, y)")
        outputs = model(X)
        loss = _mean(loss_fn(outputs, y))
        n = y.shape[0]
        scores = outputs.detach()
        sums = {"loss": loss.detach().float() * n, "acc": (scores.argmax(dim=1) == y).sum()}
        for k in self.topk:
            top = scores.topk(min(k, scores.shape[1]), dim=1).indices  # (B, k)
            sums[f"top{k}_acc"] = (top == y[:, None]).any(dim=1).sum()
        return Step(loss, n, sums, outputs, batch)

    def __repr__(self) -> str:
        return f"Classification(topk={self.topk})" if self.topk else "Classification()"


@register_task("regression")
class Regression(Task):
    """``(X, y)`` batches with real targets; optionally the log-RMSE of Kaggle (4.10).

    Args:
        log_rmse: also report ``sqrt(mean((log ŷ - log y)²))``, predictions
            clamped to at least 1 as the book does.
    """

    def __init__(self, log_rmse: bool = False) -> None:
        self.log_rmse = log_rmse
        self.metrics = (LOSS, LOG_RMSE) if log_rmse else (LOSS,)
        self.plot = ("*_log_rmse",) if log_rmse else ("*_loss",)

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        X, y = _unpack(batch, 2, "regression", "(X, y)")
        outputs = model(X)
        target = y.reshape(outputs.shape) if y.numel() == outputs.numel() else y
        loss = _mean(loss_fn(outputs, target))
        n = y.shape[0]
        sums = {"loss": loss.detach().float() * n}
        if self.log_rmse:
            clipped = outputs.detach().float().clamp(min=1.0)
            sums["log_sq"] = ((clipped.log() - target.float().log()) ** 2).sum()
        return Step(loss, n, sums, outputs, batch)

    def __repr__(self) -> str:
        return f"Regression(log_rmse={self.log_rmse})"


@register_task("language_model")
class LanguageModel(Task):
    """``(X, Y)`` token ids ``(B, T)``; the model maps ``(X, state)`` to ``(logits, state)``.

    The loss is a mean over tokens; perplexity is ``exp`` of the epoch's mean
    token loss (d2l 8.4). With sequential sampling (the book's default), row r
    of a batch continues row r of the previous one: the state is carried over
    and detached, so gradients stop at the batch boundary. With random
    sampling every batch starts from a fresh state. Logits may be ``(B, T, V)``
    or the book's ``(T * B, V)``.

    Args:
        random_sampling: start each batch from a fresh state.
    """

    metrics = (LOSS, PPL)
    plot = ("*_ppl",)
    unit = "tokens"

    def __init__(self, random_sampling: bool = False) -> None:
        self.random_sampling = random_sampling
        self.state: Any = None

    def start(self, training: bool) -> None:
        self.state = None  # every pass starts from zeros

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        X, Y = _unpack(batch, 2, "language_model", "(X, Y) token ids")
        state = None if self.random_sampling else detach_state(self.state)
        logits, self.state = model(X, state)
        if logits.dim() == 3:  # (B, T, V) -> (B * T, V), rows in Y's order
            labels = Y.reshape(-1)
            logits = logits.reshape(-1, logits.shape[-1])
        else:  # the book's (T * B, V): time-major rows
            labels = Y.T.reshape(-1)
        loss = _mean(loss_fn(logits, labels.long()))
        n = labels.numel()
        return Step(loss, n, {"loss": loss.detach().float() * n}, logits, batch)

    def __repr__(self) -> str:
        return f"LanguageModel(random_sampling={self.random_sampling})"


@register_task("seq2seq")
class Seq2Seq(Task):
    """``(X, X_valid_len, Y, Y_valid_len)``: teacher forcing behind ``<bos>``, masked loss.

    The decoder's input is ``<bos>`` followed by the target shifted right; the
    model maps ``(X, dec_input, X_valid_len)`` to ``(logits (B, T, V), state)``.
    Padding past each target's valid length is masked out. The reported loss is
    always the mean over valid tokens (d2l 9.7 prints it divided by T).

    Args:
        bos: the target vocabulary's ``<bos>`` index.
        reduction: what is backpropagated. ``"token_mean"``: the mean over valid
            tokens, whose scale does not depend on batch size or T.
            ``"sequence_sum"``: d2l 9.7's ``l.sum()``, each sequence's masked
            loss averaged over its T steps, summed over the batch. The two differ
            by a factor (valid tokens / T), which matters under gradient
            clipping: the book clips this larger gradient to norm 1.
    """

    metrics = (LOSS, PPL)
    plot = ("train_loss",)
    unit = "tokens"

    reductions = ("token_mean", "sequence_sum")

    def __init__(self, bos: int, reduction: str = "token_mean") -> None:
        if reduction not in self.reductions:
            raise ConfigError(
                f"unknown seq2seq loss reduction {reduction!r} (the setting train.loss_reduction)",
                fix=f"use one of: {', '.join(self.reductions)}",
            )
        self.bos = bos
        self.reduction = reduction

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        X, X_len, Y, Y_len = _unpack(batch, 4, "seq2seq", "(X, X_valid_len, Y, Y_valid_len)")
        bos = torch.full((Y.shape[0], 1), self.bos, dtype=Y.dtype, device=Y.device)
        dec_input = torch.cat([bos, Y[:, :-1]], dim=1)  # (B, T): teacher forcing
        logits, _ = model(X, dec_input, X_len)  # (B, T, V)
        token_loss = loss_fn(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1).long())
        if token_loss.dim() == 0:
            raise ConfigError(
                "the seq2seq task needs one loss per token to mask the padding",
                fix="use nn.CrossEntropyLoss(reduction='none') (in a recipe: "
                "train.loss=masked_cross_entropy)",
            )
        steps = torch.arange(Y.shape[1], device=Y.device)
        mask = (steps[None, :] < Y_len[:, None]).reshape(-1)  # (B * T,)
        valid = mask.sum()
        total = (token_loss * mask).sum()
        if self.reduction == "sequence_sum":
            loss = total / Y.shape[1]
        else:
            loss = total / valid.clamp(min=1)
        return Step(loss, valid, {"loss": total.detach().float()}, logits, batch)

    def __repr__(self) -> str:
        return f"Seq2Seq(bos={self.bos}, reduction={self.reduction!r})"


@register_task("penalised_regression")
class PenalisedRegression(Regression):
    """Regression whose loss adds ``l1 * sum|w|`` and ``l2 * sum(w²) / 2`` over the weights.

    The weights are the parameters of 2 or more dimensions (biases are spared,
    as in the book's 4.5). The reported loss is the data loss alone, as the book
    plots it. With both weights 0 this is plain :class:`Regression`.

    Args:
        log_rmse: as :class:`Regression`.
        l1: weight of the L1 penalty (our Kaggle model).
        l2: weight of the L2 penalty, the book's ``lambd`` (4.5 from scratch).
    """

    def __init__(self, log_rmse: bool = False, l1: float = 0.0, l2: float = 0.0) -> None:
        super().__init__(log_rmse)
        self.l1, self.l2 = l1, l2

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        step = super().step(model, loss_fn, batch)
        if (self.l1 or self.l2) and torch.is_grad_enabled():
            weights = [p for p in model.parameters() if p.dim() >= 2]  # type: ignore[attr-defined]
            if self.l2:
                step.loss = step.loss + self.l2 * sum(l2_penalty(w) for w in weights)
            if self.l1:
                step.loss = step.loss + self.l1 * sum(l1_penalty(w) for w in weights)
        return step

    def __repr__(self) -> str:
        return f"PenalisedRegression(log_rmse={self.log_rmse}, l1={self.l1}, l2={self.l2})"


def _unpack(batch: Batch, size: int, task: str, layout: str) -> Sequence[torch.Tensor]:
    if not isinstance(batch, (tuple, list)) or len(batch) != size:
        got = f"a {type(batch).__name__}" + (
            f" of {len(batch)}" if isinstance(batch, (tuple, list)) else ""
        )
        raise ConfigError(
            f"the {task} task expects batches {layout}, got {got}",
            fix="choose the task that matches the loader (train.task=...)",
        )
    return batch


def build_task(name: str, **kwargs: Any) -> Task:
    """A task by name, e.g. ``build_task("language_model", random_sampling=True)``."""
    return TASKS.get(name)(**kwargs)
