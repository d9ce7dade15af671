"""Chapter 8: recurrent neural networks on The Time Machine (8.5, 8.6), and Jay Chou's lyrics.

Claim: a character-level RNN language model (one-hot inputs, 35-step
sequential minibatches of 32, SGD with the gradient norm clipped at 1, the
book's ``train_ch8``) reaches the book's training perplexity after 500
epochs: about 1.0 from scratch with 512 hidden units (8.5), about 1.3 with
``nn.RNN`` and 256 (8.6). CPU or GPU, seed 0; the book prints the figure of
one unseeded run on a GPU. Perplexity is ``exp`` of the epoch's mean token
loss; a continuation of "time traveller" is printed every tenth of the epochs
and kept in summary.json. There is no test split (the book reports none).
"""

from __future__ import annotations

from typing import Any

from d2lkit.experiments.config import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    RunConfig,
    TaskConfig,
    TrainConfig,
)
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES", "language_model_config", "sample_text_callbacks"]


def sample_text_callbacks(run: Any) -> list[Any]:
    """A continuation of "time traveller" every tenth of the epochs and at the end (8.5)."""
    from d2lkit.experiments.callbacks.text import SampleText

    return [SampleText(run.data.extras["vocab"], prefixes=("time traveller",), num_preds=50)]


def _lyrics_callbacks(run: Any) -> list[Any]:
    """The first edition's two prefixes, continued by 50 characters."""
    from d2lkit.experiments.callbacks.text import SampleText

    return [SampleText(run.data.extras["vocab"], prefixes=("分开", "不分开"), num_preds=50)]


def language_model_config(
    model: str,
    lr: float = 1.0,
    epochs: int = 500,
    dataset: str = "time-machine",
    grad_clip: float = 1.0,
    **model_kwargs: Any,
) -> RunConfig:
    """The book's ``train_ch8`` settings: batch 32, 35 steps, sequential, SGD, clip at 1."""
    return RunConfig(
        data=DataConfig(dataset=dataset, batch_size=32, kwargs={"num_steps": 35}),
        model=ModelConfig(name=model, kwargs=model_kwargs),
        optim=OptimConfig(name="sgd", lr=lr),
        task=TaskConfig(name="language_model"),
        train=TrainConfig(epochs=epochs, loss="cross_entropy", grad_clip=grad_clip),
    )


def ppl(value: float, source: str, tolerance: float = 0.2) -> Expected:
    """The book's training perplexity (lower is better)."""
    return Expected("train_ppl", value, tolerance, source)


_SAMPLING_NOTE = (
    "`--set data.random_sampling=true` is the book's second run (random sampling: "
    "each batch starts from a fresh state; the book prints perplexity 1.5 for it)."
)

RECIPES = (
    Recipe(
        name="rnn-scratch",
        section="8.5",
        title="RNN language model from scratch, 512 hidden units",
        config=language_model_config("rnn_lm_scratch", num_hiddens=512, cell="rnn"),
        expected=ppl(1.0, "d2l-zh 2.0 8.5 prints perplexity 1.0 (sequential sampling)"),
        notes=_SAMPLING_NOTE,
        callbacks=sample_text_callbacks,
    ),
    Recipe(
        name="rnn",
        section="8.6",
        title="RNN language model with nn.RNN, 256 hidden units",
        config=language_model_config("rnn_lm", num_hiddens=256, cell="rnn"),
        expected=ppl(1.3, "d2l-zh 2.0 8.6 prints perplexity 1.3"),
        callbacks=sample_text_callbacks,
    ),
    Recipe(
        name="rnn-jaychou",
        section="6.4 (1st ed.)",
        title="RNN from scratch on Jay Chou's lyrics, the first edition's experiment",
        config=language_model_config(
            "rnn_lm_scratch",
            lr=100.0,
            epochs=250,
            dataset="jaychou-lyrics",
            grad_clip=0.01,
            num_hiddens=256,
            cell="rnn",
        ),
        expected=ppl(
            1.0,
            "d2l 1st edition (zh) 6.4 prints 'epoch 250, perplexity' about 1.0-1.3 "
            "(1.0x with consecutive sampling), continuing '分开' and '不分开'",
            tolerance=0.3,
        ),
        notes=(
            "First edition: 256 hidden units, 250 epochs, batch 32, 35 steps, SGD lr 100 on the "
            "mean token loss, gradient norm clipped at 0.01, the first 10,000 characters."
        ),
        callbacks=_lyrics_callbacks,
    ),
)
