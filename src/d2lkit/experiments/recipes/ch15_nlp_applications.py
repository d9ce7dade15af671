"""Chapter 15: sentiment analysis (15.2, 15.3) and natural language inference (15.5, 15.7).

Claims (the book's settings, d2l-zh 2.0; every run trains as ``train_ch13``; the figures
are the lines zh.d2l.ai's PyTorch tab prints, as the book's final build holds them:
d2l-ai/d2l-zh-pytorch-colab, "Version 2.0.0" of 2023-08-18):
- 15.2 a 2-layer bidirectional LSTM (100 hidden) over frozen GloVe 100-d
  vectors, IMDb reviews cut to 500 words, batch 64, Adam lr 0.01, 5 epochs:
  the book prints test acc 0.864.
- 15.3 textCNN (kernels 3, 4, 5; 100 channels each; one trained and one
  frozen GloVe copy), Adam lr 0.001, 5 epochs: test acc 0.861.
- 15.5 decomposable attention (GloVe 100-d, trained on; MLPs of 200),
  SNLI pairs cut to 50 words, batch 256, Adam lr 0.001, 4 epochs: test acc
  0.824.
- 15.7 the book's pretrained small BERT with a new 3-way output layer,
  SNLI pairs of at most 128 tokens, batch 512, Adam lr 1e-4, 5 epochs: test
  acc 0.779.

Each run ends by classifying the book's examples ("this movie is so great",
"he is good ." vs "he is bad .") and a few test examples: sentiments.png or
inferences.png, and ``predictions`` in summary.json. The full IMDb, SNLI,
GloVe and BERT files are downloaded on first use; the first edition's tiny
IMDb sample runs here: ``--set data.dataset=aclimdb-tiny``.
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

__all__ = ["RECIPES"]


def _sentiment_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.text_classes import SentimentPredictions

    extras = run.data.extras
    return [SentimentPredictions(extras["vocab"], extras["reviews"])]


def _pair_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.text_classes import PairPredictions

    extras = run.data.extras
    return [PairPredictions(extras["encode_pair"], extras["labels"], extras["pairs"])]


def _config(
    dataset: str, batch_size: int, model: ModelConfig, task: str, lr: float, epochs: int
) -> RunConfig:
    return RunConfig(
        data=DataConfig(dataset=dataset, batch_size=batch_size),
        model=model,
        task=TaskConfig(name=task),
        optim=OptimConfig(name="adam", lr=lr),
        train=TrainConfig(epochs=epochs, loss="cross_entropy_none"),
    )


def _test_acc(value: float, source: str) -> Expected:
    return Expected("test_acc", value, 0.03, source)


_SENTIMENT = "dense_classification"  # train_ch13's step: sum of the losses backpropagated
_PAIRS = "multi_input_classification"  # the model takes every input tensor of the batch

RECIPES = (
    Recipe(
        name="sentiment-rnn",
        section="15.2",
        title="Bidirectional LSTM over frozen GloVe 100-d vectors, IMDb",
        config=_config(
            "aclimdb",
            64,
            ModelConfig(
                name="birnn", kwargs={"embed_size": 100, "num_hiddens": 100, "num_layers": 2}
            ),
            _SENTIMENT,
            0.01,
            5,
        ),
        expected=_test_acc(
            0.864, "d2l-zh 2.0 15.2 prints 'loss 0.262, train acc 0.893, test acc 0.864'"
        ),
        notes="sentiments.png: the book's two sentences and eight test reviews, as classified.",
        callbacks=_sentiment_callbacks,
        quick=("data.num_steps=50",),
    ),
    Recipe(
        name="sentiment-cnn",
        section="15.3",
        title="textCNN over GloVe 100-d vectors (one copy trained, one frozen), IMDb",
        config=_config("aclimdb", 64, ModelConfig(name="textcnn"), _SENTIMENT, 0.001, 5),
        expected=_test_acc(
            0.861, "d2l-zh 2.0 15.3 prints 'loss 0.066, train acc 0.978, test acc 0.861'"
        ),
        notes=(
            "The book's code pools by average (AdaptiveAvgPool1d); its text describes max-over-"
            "time pooling: --set model.pool=max. sentiments.png as for sentiment-rnn."
        ),
        callbacks=_sentiment_callbacks,
        quick=("data.num_steps=50",),
    ),
    Recipe(
        name="nli-attention",
        section="15.5",
        title="Decomposable attention over GloVe 100-d vectors, SNLI",
        config=_config(
            "snli",
            256,
            ModelConfig(
                name="decomposable_attention", kwargs={"embed_size": 100, "num_hiddens": 200}
            ),
            _PAIRS,
            0.001,
            4,
        ),
        expected=_test_acc(
            0.824, "d2l-zh 2.0 15.5 prints 'loss 0.497, train acc 0.805, test acc 0.824'"
        ),
        notes="inferences.png: the book's 'he is good .' / 'he is bad .' and six test pairs.",
        callbacks=_pair_callbacks,
    ),
    Recipe(
        name="bert-nli",
        section="15.7",
        title="Fine-tuning the book's pretrained small BERT on SNLI",
        config=_config(
            "snli-bert", 512, ModelConfig(name="bert_small_classifier"), _PAIRS, 1e-4, 5
        ),
        expected=_test_acc(
            0.779, "d2l-zh 2.0 15.7 prints 'loss 0.520, train acc 0.790, test acc 0.779'"
        ),
        notes=(
            "The pretrained bert.small (2 layers, 256 hidden, 4 heads) and its vocabulary come "
            "from the store; its pretraining heads are left out of the classifier, as the book's "
            "BERTClassifier does. inferences.png as for nli-attention."
        ),
        callbacks=_pair_callbacks,
        quick=("data.max_len=32",),
    ),
)
