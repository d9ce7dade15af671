"""Chapter 14's recipes: the book's settings, and a quick run of each on real or small files."""

from __future__ import annotations

import json
import math

import pytest

from d2lkit.experiments import get_recipe, run_recipe


def _quick(name: str, root, tmp_path, *overrides: str):
    from d2lkit.experiments import apply_overrides

    recipe = get_recipe(name)
    config = apply_overrides(recipe.quick_config(), list(overrides))
    result = run_recipe(
        recipe, config, out=tmp_path / "runs", data_root=root, progress=False, download=False,
        checkpoint=False,
    )  # fmt: skip
    return result, json.loads((result.run_dir / "summary.json").read_text())


def test_the_recipes_carry_the_books_settings_and_figures():
    w2v = get_recipe("word2vec").config
    assert (w2v.data.batch_size, w2v.data.kwargs) == (
        512,
        {"max_window_size": 5, "num_noise_words": 5},
    )
    assert (w2v.optim.name, w2v.optim.lr, w2v.train.epochs) == ("adam", 0.002, 5)
    assert w2v.task.kwargs == {"reduction": "sum"} and w2v.train.loss == "sigmoid_bce"
    bert = get_recipe("bert-pretrain").config
    assert (bert.data.batch_size, bert.data.kwargs["max_len"], bert.data.limit_batches) == (
        512,
        64,
        50,
    )
    assert (bert.optim.name, bert.optim.lr, bert.train.epochs) == ("adam", 0.01, 1)
    for name, metric, value in (
        ("word2vec", "train_book_loss", 0.410),
        ("bert-pretrain", "train_mlm", 5.425),
    ):  # the lines zh.d2l.ai prints: 'loss 0.410, ...', 'MLM loss 5.425, NSP loss 0.775'
        claim = get_recipe(name).claim
        assert claim is not None and claim.expected.metric == metric and claim.goal == "min"
        assert claim.expected.value == value and f"{value:.3f}" in claim.expected.source


def test_word2vec_on_ptb_reports_the_books_running_loss_and_the_words_nearest_chip(
    data_root, tmp_path
):
    result, summary = _quick("word2vec", data_root, tmp_path, "train.epochs=2")
    losses = [row["train_loss"] for row in result.history]
    # the book's figure is the mean over every epoch so far, not the last epoch's
    assert summary["final"]["train_book_loss"] == pytest.approx(sum(losses) / 2)
    # 4 batches barely move the vectors: the loss stays near ln 2, that of scores near 0
    assert abs(losses[0] - math.log(2)) < 0.05
    near = summary["nearest_words"]["chip"]
    assert len(near) == 3 and "chip" not in [w for w, _ in near]
    assert [c for _, c in near] == sorted((c for _, c in near), reverse=True)
    assert all(-1 <= c <= 1 for _, c in near)
    assert set(summary["analogies"]) <= {
        "man : woman :: son :", "beijing : china :: tokyo :", "bad : worst :: big :",
        "do : did :: go :",
    }  # fmt: skip
    assert (result.run_dir / "nearest_words.png").stat().st_size > 1000


def test_bert_pretraining_starts_at_the_losses_of_guessing_and_fills_in_hidden_words(
    fake_store, tmp_path
):
    root = fake_store.wikitext()
    result, summary = _quick("bert-pretrain", root, tmp_path)
    final = summary["final"]
    assert all(math.isfinite(final[k]) for k in ("train_loss", "train_mlm", "train_nsp"))
    # two steps from random weights: near ln(vocabulary) and ln 2, the losses of uniform guesses
    from d2lkit.data.wikitext import bert_pretraining_tensors, read_wiki

    _, vocab = bert_pretraining_tensors(read_wiki("train", root), 64)
    assert abs(final["train_mlm"] - math.log(len(vocab))) < 1.0
    assert abs(final["train_nsp"] - math.log(2)) < 0.3
    filled = summary["masked_words"]
    assert len(filled) == 3 and "a ___ is flying" in filled
    for guesses in filled.values():
        probs = [p for _, p in guesses]
        assert len(guesses) == 5 and probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    assert -1 <= summary["crane_cosine"] <= 1
    assert (result.run_dir / "masked_words.png").stat().st_size > 1000
