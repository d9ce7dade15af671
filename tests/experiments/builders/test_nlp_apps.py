"""Chapter 15's data for recipes: IMDb and SNLI batches, GloVe vectors put into the model."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.data.bert_inputs import encode_bert_pairs
from d2lkit.data.embeddings import load_token_embedding
from d2lkit.errors import ConfigError
from d2lkit.experiments import apply_overrides, get_recipe
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.builders.nlp_apps import glove_setup, held_out
from d2lkit.experiments.config import DataConfig
from d2lkit.experiments.run.build import build_run

CPU = torch.device("cpu")


def _run(name: str, root, *overrides: str):
    recipe = get_recipe(name)
    return build_run(
        recipe, apply_overrides(recipe.quick_config(), list(overrides)), data_root=root
    )


def test_the_bilstm_gets_glove_for_its_vocabulary_frozen(fake_store):
    fake_store.glove()
    run = _run("sentiment-rnn", fake_store.aclimdb())
    vocab = run.data.extras["vocab"]
    glove = load_token_embedding("glove.6b.100d", fake_store.glove())
    table = run.model.embedding.weight
    torch.testing.assert_close(table.detach(), glove[vocab.idx_to_token])
    assert not table.requires_grad  # 15.2 freezes them
    trained = [p for g in run.optimizer.param_groups for p in g["params"] if p.requires_grad]
    assert all(p is not table for p in trained)


def test_textcnn_trains_one_glove_copy_and_freezes_the_other(fake_store):
    fake_store.glove()
    run = _run("sentiment-cnn", fake_store.aclimdb())
    m = run.model
    torch.testing.assert_close(m.embedding.weight.detach(), m.constant_embedding.weight.detach())
    assert m.embedding.weight.requires_grad and not m.constant_embedding.weight.requires_grad


def test_decomposable_attention_starts_from_glove_and_trains_it_on(fake_store):
    fake_store.glove()
    run = _run("nli-attention", fake_store.snli())
    encode = run.data.extras["encode_pair"]  # in the training vocabulary
    P, H = encode(["the", "dog"], ["a", "cat"])
    assert P.shape == (1, 2) and H.shape == (1, 2)
    assert run.model.embedding.weight.requires_grad
    assert float(run.model.embedding.weight.detach()[0].abs().sum()) == 0  # <unk>: GloVe's zeros


def test_without_pretrained_vectors_nothing_is_put_in(fake_store):
    assert glove_setup(None, None, None) is None  # type: ignore[arg-type]
    run = _run("nli-attention", fake_store.snli(), "data.embedding=none")
    assert float(run.model.embedding.weight.detach()[0].abs().sum()) > 0  # torch's random init


def test_a_model_without_a_fitting_embedding_is_refused(fake_store):
    from d2lkit.data.text import Vocab

    prepare = glove_setup(Vocab([["the", "a"]]), "glove.6b.100d", fake_store.glove())
    with pytest.raises(ConfigError, match="no embedding of shape"):
        prepare(nn.Linear(2, 2))


def test_snli_for_bert_uses_the_pretrained_vocabulary_and_the_books_layout(fake_store):
    fake_store.bert_small()
    root = fake_store.snli()
    data = build_data(
        DataConfig(dataset="snli-bert", batch_size=4, kwargs={"max_len": 16}), device=CPU, seed=0,
        root=root,
    )  # fmt: skip
    tokens, segments, valid_lens, labels = next(iter(data.train))
    assert tokens.shape == segments.shape == (4, 16) and labels.shape == (4,)
    assert bool((tokens[torch.arange(4), valid_lens - 1] == tokens[0, valid_lens[0] - 1]).all())
    from d2lkit.data.pretrained_bert import read_pretrained_bert

    vocab, _ = read_pretrained_bert("bert.small", root)
    encoded = data.extras["encode_pair"](["The", "dog"], ["a", "CAT"])  # lower-cased, as trained
    expected = encode_bert_pairs([(["the", "dog"], ["a", "cat"])], vocab, 16)
    for a, b in zip(encoded, expected, strict=True):
        assert torch.equal(a, b)
    assert data.model_kwargs == {"root": str(root)}


def test_held_out_examples_are_spread_over_the_split():
    texts = [f"t{i}" for i in range(10)]
    picked = held_out(texts, torch.arange(10), 4)
    assert picked == [("t0", 0), ("t3", 3), ("t6", 6), ("t9", 9)]
