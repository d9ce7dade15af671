"""Chapter 14: pretraining word vectors (14.4, word2vec on PTB) and BERT (14.10, WikiText-2).

Claims (the book's settings, d2l-zh 2.0; the figures are the lines zh.d2l.ai's PyTorch tab
prints, as the book's final build holds them: d2l-ai/d2l-zh-pytorch-colab, "Version 2.0.0" of
2023-08-18):
- 14.4 skip-gram with negative sampling on PTB (words seen 10+ times, windows
  up to 5, 5 noise words per context word, 100-d vectors), Adam lr 0.002,
  batch 512, 5 epochs, the book's summed objective: the book prints
  ``loss 0.410``. Its loss is the mean over *all five epochs* (its accumulator
  is made once, before the first epoch), so the claim is ``train_book_loss``,
  that running mean; ``train_loss`` is the last epoch's alone. At the end the
  run prints and draws the words nearest "chip" (the book's: microprocessor
  0.773, hitachi 0.589, computers 0.582) and 14.7's analogies where
  PTB knows their words (nearest_words.png; summary.json).
- 14.10 BERT (2 layers, 128 hidden, 2 heads, dropout 0.2) pretrained for 50
  steps of 512 WikiText-2 pairs of at most 64 tokens, Adam lr 0.01: the book
  prints ``MLM loss 5.425, NSP loss 0.775``. The 50 steps are one epoch cut
  at 50 batches (``data.limit_batches=50``). At the end the run fills in
  hidden words of the book's sentences and compares "crane" in its two
  contexts (masked_words.png; summary.json).

Word2vec runs here on the real PTB (docs/reproduce.md has the figures);
WikiText-2 is downloaded on first use (``d2lkit data fetch wikitext-2``).
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
from d2lkit.metric import Metric

__all__ = ["RECIPES"]


def _word2vec_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.embeddings import NearestWords
    from d2lkit.experiments.callbacks.losses import RunningMeanLoss

    return [RunningMeanLoss(), NearestWords(run.data.extras["vocab"])]


def _bert_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.bert import BertProbe

    return [BertProbe(run.data.extras["vocab"])]


RECIPES = (
    Recipe(
        name="word2vec",
        section="14.4",
        title="Skip-gram with negative sampling on PTB: 100-d word vectors",
        config=RunConfig(
            data=DataConfig(
                dataset="ptb", batch_size=512, kwargs={"max_window_size": 5, "num_noise_words": 5}
            ),
            model=ModelConfig(name="word2vec", kwargs={"embed_size": 100}),
            task=TaskConfig(name="skip_gram", kwargs={"reduction": "sum"}),
            optim=OptimConfig(name="adam", lr=0.002),
            train=TrainConfig(epochs=5, loss="sigmoid_bce"),
        ),
        expected=Expected(
            "train_book_loss",
            0.410,
            0.02,
            "d2l-zh 2.0 14.4 prints 'loss 0.410, 377799.5 tokens/sec on cuda:0' "
            "(the mean over all 5 epochs)",
        ),
        notes=(
            "train_book_loss is the mean training loss over every epoch so far, the figure "
            "the book prints; nearest_words.png and summary.json hold the words nearest "
            "'chip' and the analogies."
        ),
        callbacks=_word2vec_callbacks,
    ),
    Recipe(
        name="bert-pretrain",
        section="14.10",
        title="BERT (2 layers, 128 hidden) pretrained 50 steps on WikiText-2",
        config=RunConfig(
            data=DataConfig(
                dataset="wikitext-2", batch_size=512, limit_batches=50, kwargs={"max_len": 64}
            ),
            model=ModelConfig(name="bert"),
            task=TaskConfig(name="bert_pretraining"),
            optim=OptimConfig(name="adam", lr=0.01),
            train=TrainConfig(epochs=1, loss="cross_entropy"),
        ),
        expected=Expected(
            "train_mlm",
            5.425,
            0.3,
            "d2l-zh 2.0 14.10 prints 'MLM loss 5.425, NSP loss 0.775' after 50 steps",
        ),
        notes=(
            "The book trains 50 steps: one epoch cut at 50 batches of 512 (data.limit_batches). "
            "The masked-LM loss is the book's: a batch mean over every prediction slot, padding "
            "included (train.loss=cross_entropy; cross_entropy_none leaves the padding out). "
            "masked_words.png shows the words the model fills in."
        ),
        callbacks=_bert_callbacks,
        # declared by the bert_pretraining task too; the claim needs it without a run
        metrics=(Metric("train_mlm", "min", label="train mlm loss"),),
    ),
)
