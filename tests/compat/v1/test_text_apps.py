"""d2l 1.0's BERT and its sorted vocabularies (15-16): the English book's contracts on d2lkit."""

from __future__ import annotations

import io
import tarfile

import torch
from torch.nn import functional as F

from d2lkit import torch as zh
from d2lkit.models import create_model
from d2lkit.v1 import torch as d2l

SEGMENTS = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1]])


def _block(X: torch.Tensor, blk: torch.nn.Module, heads: int, valid: torch.Tensor) -> torch.Tensor:
    """One encoder block by hand: multi-head attention over the valid keys, add & norm, FFN."""
    B, T, h = X.shape
    att = blk.attention

    def split(layer: torch.nn.Module) -> torch.Tensor:
        return (
            F.linear(X, layer.weight, layer.bias).reshape(B, T, heads, h // heads).transpose(1, 2)
        )

    mask = torch.arange(T)[None, None, None, :] < valid[:, None, None, None]
    A = F.scaled_dot_product_attention(split(att.W_q), split(att.W_k), split(att.W_v), mask)
    A = F.linear(A.transpose(1, 2).reshape(B, T, h), att.W_o.weight, att.W_o.bias)
    ln1, ln2, ffn = blk.addnorm1.ln, blk.addnorm2.ln, blk.ffn
    Y = F.layer_norm(X + A, (h,), ln1.weight, ln1.bias)
    hidden = F.relu(F.linear(Y, ffn.dense1.weight, ffn.dense1.bias))
    Z = F.linear(hidden, ffn.dense2.weight, ffn.dense2.bias)
    return F.layer_norm(Y + Z, (h,), ln2.weight, ln2.bias)


def test_bert_encoder_with_the_english_arguments_is_the_hand_built_transformer():
    torch.manual_seed(0)
    encoder = d2l.BERTEncoder(50, 16, 32, 4, 2, 0.2, max_len=20).eval()
    tokens, valid = torch.randint(0, 50, (2, 8)), torch.tensor([8, 5])
    got = encoder(tokens, SEGMENTS, valid)
    with torch.no_grad():
        X = encoder.token_embedding.weight[tokens] + encoder.segment_embedding.weight[SEGMENTS]
        X = X + encoder.pos_embedding[:, :8]
        for blk in encoder.blks:
            X = _block(X, blk, 4, valid)
    torch.testing.assert_close(got.detach(), X, rtol=1e-4, atol=1e-5)
    assert isinstance(encoder.blks[0], d2l.TransformerEncoderBlock)  # 1.0's block


def test_the_books_bert_cells_run_with_their_printed_shapes():
    # 15.8's cells: BERTEncoder(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks,
    # dropout), MaskLM(vocab_size, num_hiddens), NextSentencePred() on flattened encodings
    torch.manual_seed(0)
    encoder = d2l.BERTEncoder(10000, 768, 1024, 4, 2, 0.2)
    encoded_X = encoder(torch.randint(0, 10000, (2, 8)), SEGMENTS, None)
    assert encoded_X.shape == (2, 8, 768)
    mlm = d2l.MaskLM(10000, 768)
    positions = torch.tensor([[1, 5, 2], [6, 1, 5]])
    mlm_Y_hat = mlm(encoded_X, positions)
    assert mlm_Y_hat.shape == (2, 3, 10000)
    torch.testing.assert_close(mlm_Y_hat[1, 2], mlm.mlp(encoded_X[1, 5]))
    flat = torch.flatten(encoded_X, start_dim=1)
    nsp = d2l.NextSentencePred()
    assert nsp(flat).shape == (2, 2) and nsp.output.weight.shape == (2, 6144)  # lazy, as 1.0


def test_position_embeddings_learn_as_in_1_0():
    encoder = d2l.BERTEncoder(20, 8, 16, 2, 1, 0.0, max_len=10)
    encoder(torch.randint(0, 20, (2, 4)), torch.zeros(2, 4, dtype=torch.long)).sum().backward()
    grad = encoder.pos_embedding.grad
    assert grad is not None and grad[0, :4].abs().sum() > 0 and grad[0, 4:].abs().sum() == 0


BLOCK_KEYS = [
    f"attention.{w}.{p}" for w in ("W_q", "W_k", "W_v", "W_o") for p in ("weight", "bias")
] + [f"{m}.{p}" for m in ("addnorm1.ln", "ffn.dense1", "ffn.dense2", "addnorm2.ln")
     for p in ("weight", "bias")]  # fmt: skip


def test_bert_model_takes_the_books_keywords_and_its_weights_names():
    # 15.10: d2l.BERTModel(len(vocab), num_hiddens=128, ffn_num_hiddens=256, num_heads=2,
    # num_blks=2, dropout=0.2)
    net = d2l.BERTModel(30, num_hiddens=128, ffn_num_hiddens=256, num_heads=2, num_blks=2,
                        dropout=0.2)  # fmt: skip
    expected = {
        "encoder.token_embedding.weight", "encoder.segment_embedding.weight",
        "encoder.pos_embedding", "hidden.0.weight", "hidden.0.bias",
        "nsp.output.weight", "nsp.output.bias",
        *(f"encoder.blks.{i}.{k}" for i in range(2) for k in BLOCK_KEYS),
        *(f"mlm.mlp.{i}.{p}" for i in (0, 2, 3) for p in ("weight", "bias")),
    }  # fmt: skip
    assert set(net.state_dict()) == expected
    assert net.encoder.pos_embedding.shape == (1, 1000, 128)
    ids = torch.randint(0, 30, (2, 6))
    encoded, mlm, nsp = net(ids, torch.zeros_like(ids), torch.tensor([6.0, 3.0]))
    assert encoded.shape == (2, 6, 128) and mlm is None and nsp.shape == (2, 2)


def test_the_books_pretrained_small_bert_loads_into_the_1_0_model():
    # 16.7's load_pretrained_model: BERTModel(len(vocab), 256, ffn_num_hiddens=512, num_heads=4,
    # num_blks=2, dropout=0.2, max_len=512), then load_state_dict of the saved parameters
    saved = create_model("bert_small", vocab_size=40).state_dict()  # the file's layout
    bert = d2l.BERTModel(40, 256, ffn_num_hiddens=512, num_heads=4, num_blks=2, dropout=0.2,
                         max_len=512)  # fmt: skip
    bert.load_state_dict(saved)
    assert torch.equal(
        bert.encoder.blks[1].ffn.dense2.weight, saved["encoder.blks.1.ffn.dense2.weight"]
    )


SAME = "subsample get_negatives read_imdb TokenEmbedding _read_wiki _get_batch_loss_bert"
CHANGED = "BERTEncoder BERTModel MaskLM NextSentencePred _WikiTextDataset load_data_wiki"


def test_names_1_0_left_as_they_were_are_the_chinese_facades_objects():
    for name in [*SAME.split(), "predict_snli", "train_ch13", "multibox_target"]:
        assert getattr(d2l, name) is getattr(zh, name), name
    for name in [*CHANGED.split(), "load_data_ptb", "load_data_imdb", "load_data_snli"]:
        assert getattr(d2l, name) is not getattr(zh, name), name


# --- the sorted vocabularies -----------------------------------------------------------


def test_subsample_drops_unk_where_the_sorted_vocabulary_puts_it():
    # the English book's 15.3: vocab = d2l.Vocab(sentences, min_freq=...), then subsample
    sentences = [["$", "a", "odd"], ["$", "a", "$"], ["a", "other", "$"]]
    vocab = d2l.Vocab(sentences, min_freq=2)
    assert vocab.idx_to_token == ["$", "<unk>", "a"]  # <unk> is 1 here
    subsampled, counter = d2l.subsample(sentences, vocab)
    assert counter == {"$": 4, "a": 3}  # counted by hand; odd and other are unknown
    assert all(token in ("$", "a") for line in subsampled for token in line)


SNLI_HEADER = "gold_label\tsentence1_binary_parse\tsentence2_binary_parse\trest"
SNLI_ROWS = ["entailment\t( ( A man ) ( is here ) )\t( ( A man ) is )\tx"] * 5 + [
    "neutral\t( ( A dog ) runs )\t( ( A dog ) ( is here ) )\tx",
]


def test_snli_data_builds_the_sorted_vocabulary(store_file, zip_bytes, capsys, monkeypatch):
    premises = ["A man is here"] * 5 + ["A dog runs"]
    hypotheses = ["A man is"] * 5 + ["A dog is here"]
    dataset = d2l.SNLIDataset((premises, hypotheses, [0] * 5 + [2]), 5)
    assert capsys.readouterr().out == "read 6 examples\n"
    # words seen 5 times or more, <unk> and <pad>, in sorted order (capitals first)
    assert dataset.vocab.idx_to_token == ["<pad>", "<unk>", "A", "here", "is", "man"]
    (p, h), y = dataset[5]
    assert p.tolist() == [2, 1, 1, 0, 0] and h.tolist() == [2, 1, 4, 3, 0] and int(y) == 2
    text = "\n".join([SNLI_HEADER, *SNLI_ROWS]) + "\n"
    archive = {"snli_1.0/snli_1.0_train.txt": text, "snli_1.0/snli_1.0_test.txt": text}
    monkeypatch.setenv("D2LKIT_DATA", str(store_file("snli", "snli_1.0.zip", zip_bytes(archive))))
    train_iter, _, vocab = d2l.load_data_snli(2, 5)
    assert vocab.idx_to_token == dataset.vocab.idx_to_token
    X, _ = next(iter(train_iter))
    assert isinstance(X, list) and X[0].shape == (2, 5)


def test_load_data_imdb_pads_with_unk_of_the_sorted_vocabulary(store_file, monkeypatch):
    files = {"aclImdb/train/pos/0_9.txt": "great film ! " * 5, "aclImdb/train/neg/1_1.txt": "bad"}
    files |= {"aclImdb/test/pos/2_8.txt": "great", "aclImdb/test/neg/3_2.txt": "bad film"}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, review in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(review)
            archive.addfile(info, io.BytesIO(review.encode()))
    monkeypatch.setenv(
        "D2LKIT_DATA", str(store_file("aclimdb", "aclImdb_v1.tar.gz", buffer.getvalue()))
    )
    _, test_iter, vocab = d2l.load_data_imdb(2, num_steps=4)
    assert vocab.idx_to_token == ["!", "<unk>", "film", "great"]  # "!" sorts before "<unk>"
    X, _ = next(iter(test_iter))
    assert X.tolist() == [[3, 1, 1, 1], [1, 2, 1, 1]]  # padded with <unk>'s 1, as the book


def test_bert_pretraining_data_builds_the_sorted_vocabulary(store_file, zip_bytes, monkeypatch):
    paragraphs = [["a b c", "c b a", "a a b"]] * 6
    dataset = d2l._WikiTextDataset(paragraphs, 12)
    assert dataset.vocab.idx_to_token == [
        "<cls>",
        "<mask>",
        "<pad>",
        "<sep>",
        "<unk>",
        "a",
        "b",
        "c",
    ]
    tokens_X = dataset[0][0]
    assert int(tokens_X[0]) == 0 and dataset[0][2].dtype == torch.float32  # <cls>; float lengths
    text = "".join(f" w{i % 4} x{i % 3} y . z{i % 4} q . end{i % 2} \n" for i in range(30))
    archive = zip_bytes({"wikitext-2/wiki.train.tokens": text})
    monkeypatch.setenv("D2LKIT_DATA", str(store_file("wikitext-2", "wikitext-2-v1.zip", archive)))
    train_iter, vocab = d2l.load_data_wiki(4, 16)
    assert vocab.idx_to_token == sorted(vocab.idx_to_token) and "<mask>" in vocab.token_to_idx
    batch = next(iter(train_iter))
    assert len(batch) == 7 and batch[2].dtype == torch.float32
    assert (batch[0][:, 0] == vocab["<cls>"]).all()
