"""What a reported figure *is*: its name, which way is better, how it is shown and reduced.

>>> ACC.column("test")           # the history column of a split
Metric(name='test_acc', goal='max', ...)
>>> ACC.passes(0.84, 0.81)       # reached the bound?
True

Every figure a run reports is declared by whoever reports it: a task declares
its per-split figures (loss, accuracy, perplexity), a callback the figures it
adds to an epoch's row (BLEU, ‖w‖). Progress lines, CSV logs, plots, early
stopping, the best checkpoint and the book verdict read the direction and the
format from the declaration; nothing guesses from a name or assumes that
higher is better.

The standard figures live in :data:`METRICS`, so a recipe's claim can be
resolved without building a run (and without importing torch):
:func:`resolve` maps a column such as ``test_acc`` to its declaration.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from d2lkit.registry import Registry

__all__ = [
    "ACC",
    "BLEU",
    "GOALS",
    "LOG_RMSE",
    "LOSS",
    "METRICS",
    "PPL",
    "REDUCTIONS",
    "Metric",
    "reduce_means",
    "resolve",
    "top_k_accuracy",
]

# "none": a figure with no better side (a position, a prediction): judged only by closeness.
GOALS = ("max", "min", "none")
# How a figure is made from a pass's batch sums (each summed over ranks first, then / count):
#   mean: its own sum's mean;  exp: exp of ``source``'s mean (perplexity);
#   sqrt: the square root of ``source``'s mean (an RMSE);
#   epoch: not from batch sums: computed once per epoch by its declarer, the same on every rank.
REDUCTIONS = ("mean", "exp", "sqrt", "epoch")


@dataclass(frozen=True)
class Metric:
    """A reported figure's nature.

    Attributes:
        name: the figure's name (``acc``), or a whole history column (``book_bleu``).
        goal: ``"max"`` when higher is better, ``"min"`` when lower is, ``"none"``
            when neither is (a position): such a figure is only compared for closeness.
        fmt: how it is shown (a format spec: ``.3f``, ``.4g``).
        reduce: how a pass's batch sums become the figure (see :data:`REDUCTIONS`).
        source: the summed quantity ``exp``/``sqrt`` read (default: the name itself).
        label: the words shown for it (default: the name with spaces).
    """

    name: str
    goal: str
    fmt: str = ".3f"
    reduce: str = "mean"
    source: str | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.goal not in GOALS:
            raise ValueError(
                f"metric {self.name!r}: goal must be one of {GOALS}, not {self.goal!r}"
            )
        if self.reduce not in REDUCTIONS:
            raise ValueError(
                f"metric {self.name!r}: reduce must be one of {REDUCTIONS}, not {self.reduce!r}"
            )

    @property
    def summed(self) -> str:
        """The name of the batch sum this figure is made from."""
        return self.source or self.name

    @property
    def words(self) -> str:
        return self.label or self.name.replace("_", " ")

    def column(self, split: str) -> Metric:
        """The same figure as a history column of ``split`` (``train_loss``, ``test_acc``)."""
        return replace(self, name=f"{split}_{self.name}", label=f"{split} {self.words}")

    def format(self, value: float) -> str:
        """The value as the declaration shows it; tiny values keep significant digits."""
        if isinstance(value, float) and math.isfinite(value) and self.fmt.endswith("f"):
            text = format(value, self.fmt)
            if value != 0 and float(text) == 0:
                return format(value, ".2g")
            return text
        return format(value, self.fmt) if isinstance(value, int | float) else str(value)

    def better(self, value: float, than: float, min_delta: float = 0.0) -> bool:
        """``value`` beats ``than`` by more than ``min_delta`` in this figure's direction."""
        self._needs_direction("be improved")
        if math.isnan(than):
            return not math.isnan(value)
        if self.goal == "max":
            return value > than + min_delta
        return value < than - min_delta

    def passes(self, value: float, bound: float) -> bool:
        """``value`` is at the bound or beyond it on the better side."""
        self._needs_direction("pass a bound")
        return value >= bound if self.goal == "max" else value <= bound

    def _needs_direction(self, what: str) -> None:
        if self.goal == "none":
            raise ValueError(f"{self.name} has no better side and cannot {what}")

    @property
    def bound_words(self) -> str:
        """``or more`` / ``or less``: how a pass mark reads for this figure."""
        return "or more" if self.goal == "max" else "or less"


def reduce_means(metrics: Iterable[Metric], means: Mapping[str, float]) -> dict[str, float]:
    """A pass's figures from its means of batch sums, as each metric's ``reduce`` says.

    Figures reduced ``epoch`` are not made here (their declarer adds them);
    a figure whose sum the pass never saw is left out.
    """
    figures: dict[str, float] = {}
    for metric in metrics:
        mean = means.get(metric.summed)
        if metric.reduce == "epoch" or mean is None:
            continue
        if metric.reduce == "exp":
            figures[metric.name] = math.exp(mean) if mean < 700 else math.inf
        elif metric.reduce == "sqrt":
            figures[metric.name] = math.sqrt(max(mean, 0.0))
        else:
            figures[metric.name] = mean
    return figures


METRICS: Registry[Metric] = Registry("metric", hint="see d2lkit.metric.METRICS")


def _standard(metric: Metric) -> Metric:
    return METRICS.add(metric.name, metric)


LOSS = _standard(Metric("loss", "min"))
ACC = _standard(Metric("acc", "max"))
PPL = _standard(Metric("ppl", "min", reduce="exp", source="loss", label="perplexity"))
LOG_RMSE = _standard(Metric("log_rmse", "min", reduce="sqrt", source="log_sq", label="log rmse"))
BLEU = _standard(Metric("bleu", "max", reduce="epoch"))


def top_k_accuracy(k: int) -> Metric:
    """``top5_acc``: how often the label is among the ``k`` highest scores."""
    if k < 1:
        raise ValueError(f"top-k accuracy needs k >= 1, got {k}")
    return Metric(f"top{k}_acc", "max", label=f"top-{k} acc")


# Figures that recipes' callbacks and function recipes report under their own column names.
for _metric in (
    Metric("book_loss", "min", label="book loss"),  # d2l 9.7's printed loss (token loss / T)
    Metric("book_bleu", "max", reduce="epoch", label="book bleu"),  # the book's 4 sentences
    Metric("full_loss", "min", reduce="epoch", label="full loss"),  # over the whole train set
    Metric("w_norm", "min", fmt=".4g", reduce="epoch", label="‖w‖"),  # 4.5's weight norm
    Metric("sec_per_epoch", "min", reduce="epoch", label="sec/epoch"),
    Metric("sec_per_log", "min", reduce="epoch", label="sec/log"),
    Metric("hours_at_half", "min", fmt=".3f", reduce="epoch", label="hours at p=0.5"),
    Metric("distance", "min", fmt=".6g", reduce="epoch"),  # from the optimum (11.3, 11.4)
    Metric("f", "min", fmt=".6g", reduce="epoch"),  # objective value at the end
    Metric("x", "none", fmt=".6g", reduce="epoch"),
    Metric("x1", "none", fmt=".6g", reduce="epoch"),
    Metric("x2", "none", fmt=".6g", reduce="epoch"),
    Metric("w", "none", fmt=".6g", reduce="epoch"),
    Metric("cost", "min", fmt=".6g", reduce="epoch"),
    Metric("last_cost", "min", fmt=".6g", reduce="epoch", label="last cost"),
    Metric("last_loss", "min", fmt=".6g", reduce="epoch", label="last loss"),
    Metric("predict_4", "none", fmt=".6g", reduce="epoch", label="prediction at x=4"),
):
    _standard(_metric)


def resolve(column: str, declared: Iterable[Metric] = ()) -> Metric | None:
    """The declaration of a history column: among ``declared``, else the standard figures.

    ``test_acc`` resolves to :data:`ACC` as the ``test`` column; ``book_bleu``
    to its own standard declaration. None when nothing declares it.
    """
    for metric in declared:
        if metric.name == column:
            return metric
    if column in METRICS:
        return METRICS.get(column)
    split, _, name = column.partition("_")
    if name in METRICS:
        return METRICS.get(name).column(split)
    if name.startswith("top") and name.endswith("_acc") and name[3:-4].isdigit():
        return top_k_accuracy(int(name[3:-4])).column(split)
    return None
