"""BERT (14.8, 15.7): the book's shapes and parameter names, masking, pretrained weights."""

from __future__ import annotations

import io
import json

import pytest
import torch
from torch import nn

from d2lkit.data import store
from d2lkit.errors import ConfigError, DataError
from d2lkit.models import bert, create_model


def test_the_books_encoder_example_has_its_printed_shapes():
    torch.manual_seed(0)
    encoder = bert.BERTEncoder(10000, 768, 1024, 4, 2, 0.2)
    tokens = torch.randint(0, 10000, (2, 8))
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1]])
    encoded = encoder(tokens, segments, None)
    assert encoded.shape == (2, 8, 768)
    mlm = bert.MaskLM(10000, 768)
    positions = torch.tensor([[1, 5, 2], [6, 1, 5]])
    mlm_hat = mlm(encoded, positions)
    assert mlm_hat.shape == (2, 3, 10000)
    for b in range(2):
        for p in range(3):  # the head reads the encoding at each predicted position
            torch.testing.assert_close(mlm_hat[b, p], mlm.mlp(encoded[b, positions[b, p]]))
    nsp = bert.NextSentencePred(encoded.flatten(start_dim=1).shape[-1])
    assert nsp(encoded.flatten(start_dim=1)).shape == (2, 2)


BOOK_KEYS_PER_BLOCK = [
    "attention.W_q.weight",
    "attention.W_q.bias",
    "attention.W_k.weight",
    "attention.W_k.bias",
    "attention.W_v.weight",
    "attention.W_v.bias",
    "attention.W_o.weight",
    "attention.W_o.bias",
    "addnorm1.ln.weight",
    "addnorm1.ln.bias",
    "ffn.dense1.weight",
    "ffn.dense1.bias",
    "ffn.dense2.weight",
    "ffn.dense2.bias",
    "addnorm2.ln.weight",
    "addnorm2.ln.bias",
]


def test_parameter_names_are_the_books_so_its_weights_load():
    net = bert.BERTModel(30, 8, 16, 2, 2, 0.0, max_len=12)
    expected = {
        "encoder.token_embedding.weight",
        "encoder.segment_embedding.weight",
        "encoder.pos_embedding",
        *(f"encoder.blks.{i}.{k}" for i in range(2) for k in BOOK_KEYS_PER_BLOCK),
        "hidden.0.weight",
        "hidden.0.bias",
        *(f"mlm.mlp.{i}.{w}" for i in (0, 2, 3) for w in ("weight", "bias")),
        "nsp.output.weight",
        "nsp.output.bias",
    }
    assert set(net.state_dict()) == expected
    assert net.encoder.pos_embedding.shape == (1, 12, 8)


def test_positions_learn_and_padding_beyond_valid_lengths_changes_nothing():
    torch.manual_seed(0)
    net = create_model("bert_tiny").eval()
    tokens = torch.randint(0, 30, (2, 6))
    segments = torch.zeros(2, 6, dtype=torch.long)
    valid = torch.tensor([4, 6])
    encoded, mlm, nsp = net(tokens, segments, valid, torch.tensor([[1, 2], [3, 0]]))
    assert mlm.shape == (2, 2, 30) and nsp.shape == (2, 2)
    other = tokens.clone()
    other[0, 4:] = (other[0, 4:] + 1) % 30  # change the padding of the first sequence
    again, _, _ = net(other, segments, valid)
    torch.testing.assert_close(again[0, :4], encoded[0, :4])
    (encoded.sum() + nsp.sum()).backward()
    assert net.encoder.pos_embedding.grad is not None  # the book's .data froze them
    assert net(tokens, segments)[1] is None  # no positions: no MLM logits
    with pytest.raises(ConfigError, match="end at 16"):
        net(torch.zeros(1, 17, dtype=torch.long), torch.zeros(1, 17, dtype=torch.long))


def test_classifier_keeps_encoder_and_cls_layer_and_adds_an_output():
    base = create_model("bert_tiny")
    clf = bert.BERTClassifier(base, num_outputs=3)
    assert clf.encoder is base.encoder and clf.hidden is base.hidden
    tokens, segments = torch.randint(0, 30, (4, 7)), torch.zeros(4, 7, dtype=torch.long)
    valid = torch.tensor([7, 5, 3, 2])
    base.eval(), clf.eval()
    expected = clf.output(base.hidden(base.encoder(tokens, segments, valid)[:, 0]))
    torch.testing.assert_close(clf(tokens, segments, valid), expected)


def _bert_small_zip(zip_bytes, tokens, state) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return zip_bytes(
        {
            "bert.small.torch/vocab.json": json.dumps(tokens),
            "bert.small.torch/pretrained.params": buffer.getvalue(),
        }
    )


@pytest.fixture(scope="module")
def book_bert():
    torch.manual_seed(0)
    tokens = ["<unk>", "<pad>", "<mask>", "<cls>", "<sep>", "a", "crane", "is", "flying"]
    return tokens, bert.BERTModel(len(tokens), 256, 512, 4, 2, 0.2, max_len=600)


def test_the_books_small_bert_loads_from_the_store(store_file, zip_bytes, book_bert):
    tokens, source = book_bert
    root = store_file(
        "bert.small",
        "bert.small.torch.zip",
        _bert_small_zip(zip_bytes, tokens, source.state_dict()),
    )
    net, vocab = bert.load_pretrained_bert("bert.small", root=root)
    assert vocab.idx_to_token == tokens and vocab["crane"] == 6 and vocab["nope"] == 0
    assert net.encoder.max_len == 512  # the file's 600 positions, cut to the book's 512
    ids = torch.tensor([vocab[["<cls>", "a", "crane", "is", "flying", "<sep>"]]])
    segments = torch.zeros_like(ids)
    net.eval(), source.eval()
    torch.testing.assert_close(net(ids, segments)[0], source(ids, segments)[0])
    clf = create_model("bert_small_classifier", root=root)
    assert clf.output.out_features == 3 and torch.equal(
        clf.encoder.pos_embedding, net.encoder.pos_embedding
    )


def test_weights_of_another_shape_and_a_missing_file_are_clear_errors(
    store_file, zip_bytes, tmp_path
):
    wrong = bert.BERTModel(9, 128, 256, 2, 2, 0.2).state_dict()
    root = store_file(
        "bert.small", "bert.small.torch.zip", _bert_small_zip(zip_bytes, ["<unk>"] * 9, wrong)
    )
    with pytest.raises(DataError, match="do not fit the book's BERT") as info:
        bert.load_pretrained_bert("bert.small", root=root)
    assert "d2lkit data fetch bert.small" in info.value.fix
    with pytest.raises(store.DataSetUnavailable) as missing:
        create_model("bert_small", pretrained=True, root=tmp_path / "empty")
    assert "bert.small.torch.zip" in missing.value.fix
    with pytest.raises(ConfigError, match="needs vocab_size"):
        create_model("bert_small")
    assert isinstance(create_model("bert_small", vocab_size=40), nn.Module)


def test_heads_without_input_sizes_take_them_from_the_first_call():
    torch.manual_seed(0)
    nsp = bert.NextSentencePred()
    X = torch.randn(2, 48)  # the book flattens (2, 8, 6) encodings for this head
    out = nsp(X)
    assert nsp.output.weight.shape == (2, 48)
    torch.testing.assert_close(out, X @ nsp.output.weight.T + nsp.output.bias)
    mlm = bert.MaskLM(30, 8)
    encoded = torch.randn(2, 5, 12)
    positions = torch.tensor([[0, 4], [3, 3]])
    logits = mlm(encoded, positions)
    assert logits.shape == (2, 2, 30) and mlm.mlp[0].weight.shape == (8, 12)
    torch.testing.assert_close(logits[1, 0], mlm.mlp(encoded[1, 3]))
