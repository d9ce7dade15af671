"""Chapter 15's recipes: the book's settings, and a quick run of each on real or small files."""

from __future__ import annotations

import json
import math

import pytest

from d2lkit.experiments import apply_overrides, get_recipe, run_recipe

NAMES = ("sentiment-rnn", "sentiment-cnn", "nli-attention", "bert-nli")


def _quick(name: str, root, tmp_path, *overrides: str):
    recipe = get_recipe(name)
    config = apply_overrides(recipe.quick_config(), list(overrides))
    result = run_recipe(
        recipe, config, out=tmp_path / "runs", data_root=root, progress=False, download=False,
        checkpoint=False,
    )  # fmt: skip
    return result, json.loads((result.run_dir / "summary.json").read_text())


def test_the_recipes_carry_the_books_settings():
    expected = {  # dataset, batch, model, lr, epochs
        "sentiment-rnn": ("aclimdb", 64, "birnn", 0.01, 5),
        "sentiment-cnn": ("aclimdb", 64, "textcnn", 0.001, 5),
        "nli-attention": ("snli", 256, "decomposable_attention", 0.001, 4),
        "bert-nli": ("snli-bert", 512, "bert_small_classifier", 1e-4, 5),
    }
    for name, (dataset, batch, model, lr, epochs) in expected.items():
        c = get_recipe(name).config
        assert (c.data.dataset, c.data.batch_size, c.model.name) == (dataset, batch, model)
        assert (c.optim.name, c.optim.lr, c.train.epochs) == ("adam", lr, epochs)
        claim = get_recipe(name).claim
        assert claim is not None and claim.expected.metric == "test_acc" and claim.goal == "max"
    rnn = get_recipe("sentiment-rnn").config.model.kwargs
    assert rnn == {"embed_size": 100, "num_hiddens": 100, "num_layers": 2}


def test_each_claim_is_the_test_accuracy_the_book_prints():
    # zh.d2l.ai's PyTorch lines (the book's final build, d2l-zh-pytorch-colab, 2023-08-18)
    printed = {
        "sentiment-rnn": "loss 0.262, train acc 0.893, test acc 0.864",
        "sentiment-cnn": "loss 0.066, train acc 0.978, test acc 0.861",
        "nli-attention": "loss 0.497, train acc 0.805, test acc 0.824",
        "bert-nli": "loss 0.520, train acc 0.790, test acc 0.779",
    }
    for name, line in printed.items():
        expected = get_recipe(name).expected
        assert expected is not None and f"'{line}'" in expected.source, name
        assert expected.value == float(line.rsplit(" ", 1)[1]), name


def _check_predictions(summary, png, book_texts, labels):
    rows = summary["predictions"]
    assert [r["text"] for r in rows[: len(book_texts)]] == list(book_texts)
    assert all(r["right"] is None for r in rows[: len(book_texts)])
    assert all(isinstance(r["right"], bool) for r in rows[len(book_texts) :])
    assert all(r["predicted"] in labels for r in rows)
    assert png.stat().st_size > 1000
    assert all(math.isfinite(v) for v in summary["final"].values())


@pytest.mark.parametrize("name", ["sentiment-rnn", "sentiment-cnn"])
def test_sentiment_recipes_classify_the_books_sentences_and_test_reviews(
    name, fake_store, tmp_path
):
    fake_store.glove()
    root = fake_store.aclimdb()
    result, summary = _quick(name, root, tmp_path)
    _check_predictions(
        summary,
        result.run_dir / "sentiments.png",
        ("this movie is so great", "this movie is so bad"),
        ("positive", "negative"),
    )
    assert len(summary["predictions"]) == 2 + 8


def test_sentiment_runs_on_the_real_tiny_imdb_sample(data_root, fake_store, tmp_path):
    root = fake_store.glove()
    # the tiny sample is read in place from a copy beside the test's GloVe file
    (root / "d2l").mkdir(exist_ok=True)  # GloVe lives there too
    (root / "d2l" / "aclImdb_tiny.zip").write_bytes(
        (data_root / "d2l" / "aclImdb_tiny.zip").read_bytes()
    )
    result, summary = _quick("sentiment-cnn", root, tmp_path, "data.dataset=aclimdb-tiny")
    assert 0 <= summary["final"]["test_acc"] <= 1 and result.history[-1]["examples_per_sec"] > 0


def test_nli_attention_classifies_the_books_pair_and_test_pairs(fake_store, tmp_path):
    fake_store.glove()
    root = fake_store.snli()
    result, summary = _quick("nli-attention", root, tmp_path)
    _check_predictions(
        summary,
        result.run_dir / "inferences.png",
        ("he is good . | he is bad .",),
        ("entailment", "contradiction", "neutral"),
    )


def test_bert_nli_fine_tunes_the_stored_small_bert(fake_store, tmp_path):
    fake_store.bert_small()
    root = fake_store.snli()
    result, summary = _quick("bert-nli", root, tmp_path)
    _check_predictions(
        summary,
        result.run_dir / "inferences.png",
        ("he is good . | he is bad .",),
        ("entailment", "contradiction", "neutral"),
    )
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["config"]["data"]["kwargs"]["max_len"] == 32  # the quick run's cut
