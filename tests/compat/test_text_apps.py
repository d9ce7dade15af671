"""The book's names of chapters 14-15 and its GAN updates: d2l 0.17's contracts on d2lkit."""

from __future__ import annotations

import io
import tarfile

import torch
from torch import nn

from d2lkit import torch as d2l
from d2lkit.data import ptb as lib_ptb
from d2lkit.models import create_model
from d2lkit.train import gan, text_tasks

# The NLP #@save names of d2l 0.17.6's torch.py (word embeddings, BERT and its data,
# sentiment, inference) and its GAN updates.
NLP_NAMES = [
    "read_ptb",
    "subsample",
    "get_centers_and_contexts",
    "RandomGenerator",
    "get_negatives",
    "batchify",
    "load_data_ptb",
    "TokenEmbedding",
    "get_tokens_and_segments",
    "BERTEncoder",
    "MaskLM",
    "NextSentencePred",
    "BERTModel",
    "_read_wiki",
    "_get_next_sentence",
    "_get_nsp_data_from_paragraph",
    "_replace_mlm_tokens",
    "_get_mlm_data_from_tokens",
    "_pad_bert_inputs",
    "_WikiTextDataset",
    "load_data_wiki",
    "_get_batch_loss_bert",
    "read_imdb",
    "load_data_imdb",
    "predict_sentiment",
    "read_snli",
    "SNLIDataset",
    "load_data_snli",
    "predict_snli",
    "update_D",
    "update_G",
]


def test_every_nlp_name_is_exported():
    assert len(set(NLP_NAMES)) == 31
    assert [n for n in NLP_NAMES if not hasattr(d2l, n)] == []
    assert set(NLP_NAMES) <= set(d2l.__all__)
    assert d2l.update_D is gan.update_D and d2l.update_G is gan.update_G


def test_data_hub_lists_the_chapters_entries_with_the_books_sha1s():
    assert d2l.DATA_HUB["glove.6b.50d"] == (
        d2l.DATA_URL + "glove.6B.50d.zip",
        "0b8703943ccdb6eb788e6f091b8946e82231bc4d",
    )
    assert d2l.DATA_HUB["aclImdb"][1] == "01ada507287d82875905620988597833ad4e0903"
    assert d2l.DATA_HUB["SNLI"][0] == "https://nlp.stanford.edu/projects/snli/snli_1.0.zip"
    assert d2l.DATA_HUB["wikitext-2"][1] == "3c914d17d80b1459be871a5039ac23e752a53cbe"


# --- 14.3 PTB ------------------------------------------------------------------------


def test_ptb_names_return_the_books_lists(data_root, monkeypatch):
    monkeypatch.setenv("D2LKIT_DATA", str(data_root))
    sentences = d2l.read_ptb()
    assert len(sentences) == 42069 and sentences[-1] == []  # the book's count
    torch.manual_seed(0)
    centers, contexts = d2l.get_centers_and_contexts([list(range(7)), list(range(7, 10))], 2)
    assert centers == list(range(10)) and all(isinstance(c, list) for c in contexts)
    assert all(
        1 <= len(c) <= 4 and center not in c for center, c in zip(centers, contexts, strict=True)
    )
    vocab = d2l.Vocab([["a"] * 5 + ["b"] * 3 + ["c"]])
    negatives = d2l.get_negatives([[1], [2, 3]], vocab, {"a": 5, "b": 3, "c": 1}, 2)
    assert [len(n) for n in negatives] == [2, 4] and 1 not in negatives[0]
    generator = d2l.RandomGenerator([2, 3, 4])
    assert all(v in (1, 2, 3) for v in (generator.draw() for _ in range(10)))
    batch = d2l.batchify(((1, [2, 2], [3, 3, 3, 3]), (1, [2, 2, 2], [3, 3])))
    assert batch[1].tolist() == [[2, 2, 3, 3, 3, 3], [2, 2, 2, 3, 3, 0]]


def test_load_data_ptb_follows_torch_manual_seed(data_root, monkeypatch):
    monkeypatch.setenv("D2LKIT_DATA", str(data_root))
    torch.manual_seed(0)
    first, vocab = d2l.load_data_ptb(512, 5, 5)
    torch.manual_seed(0)
    again, _ = d2l.load_data_ptb(512, 5, 5)
    a, b = next(iter(first)), next(iter(again))
    assert len(vocab) == 6719 and [t.shape[0] for t in a] == [512] * 4 and a[0].shape == (512, 1)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert isinstance(first, lib_ptb.PTBLoader)


# --- 14.7 pretrained vectors -------------------------------------------------------------


def test_token_embedding_by_the_books_name(store_file, zip_bytes, monkeypatch):
    text = "the 0.1 0.2 0.3\nbeautiful -1 0.5 2\n"
    root = store_file("glove.6b.50d", "glove.6B.50d.zip", zip_bytes({"glove.6B.50d/vec.txt": text}))
    monkeypatch.setenv("D2LKIT_DATA", str(root))
    glove = d2l.TokenEmbedding("glove.6b.50d")
    assert (
        len(glove) == 3 and glove.token_to_idx["beautiful"] == 2 and glove.idx_to_token[1] == "the"
    )
    assert glove[["beautiful", "nope"]].tolist() == [[-1.0, 0.5, 2.0], [0.0, 0.0, 0.0]]


# --- 14.8-14.10 BERT -----------------------------------------------------------------------


def test_the_books_bert_example_and_its_parameters_match_the_library_model():
    torch.manual_seed(0)
    encoder = d2l.BERTEncoder(10000, 768, [768], 768, 1024, 4, 2, 0.2)
    tokens = torch.randint(0, 10000, (2, 8))
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1]])
    encoded = encoder(tokens, segments, None)
    assert encoded.shape == (2, 8, 768)
    assert d2l.MaskLM(10000, 768)(encoded, torch.tensor([[1, 5, 2], [6, 1, 5]])).shape == (
        2,
        3,
        10000,
    )
    book = d2l.BERTModel(
        40, 256, [256], 256, 512, 4, 2, 0.2, max_len=512, key_size=256, query_size=256,
        value_size=256, hid_in_features=256, mlm_in_features=256, nsp_in_features=256,
    )  # fmt: skip
    library = create_model("bert_small", vocab_size=40)
    shapes = {k: v.shape for k, v in book.state_dict().items()}
    assert shapes == {k: v.shape for k, v in library.state_dict().items()}
    library.load_state_dict(book.state_dict())  # the book's saved weights fit both
    book.eval(), library.eval()
    ids, segs = torch.randint(0, 40, (2, 9)), torch.zeros(2, 9, dtype=torch.long)
    valid = torch.tensor([9.0, 5.0])  # the book's float32 valid lengths
    for got, want in zip(book(ids, segs, valid), library(ids, segs, valid.long()), strict=True):
        torch.testing.assert_close(got, want)


def test_the_pretraining_data_names_keep_the_books_types():
    vocab = d2l.Vocab([["a", "b", "c"] * 5], reserved_tokens=["<pad>", "<mask>", "<cls>", "<sep>"])
    tokens, segments = d2l.get_tokens_and_segments(["a", "b"], ["c"])
    ids, positions, labels = d2l._get_mlm_data_from_tokens(tokens, vocab)
    padded = d2l._pad_bert_inputs([(ids, positions, labels, segments, True)], 10, vocab)
    assert len(padded) == 7 and all(isinstance(column, list) for column in padded)
    assert padded[2][0].dtype == torch.float32 and float(padded[2][0]) == 6.0
    dataset = d2l._WikiTextDataset([["a b c", "c b a", "a a b"]] * 6, 12)
    item = dataset[0]
    assert len(dataset) > 0 and len(item) == 7 and item[2].dtype == torch.float32
    assert dataset.vocab.idx_to_token[:5] == ["<unk>", "<pad>", "<mask>", "<cls>", "<sep>"]


def test_load_data_wiki_and_the_batch_loss(store_file, zip_bytes, monkeypatch):
    text = "".join(f" w{i} x{i % 3} y . z{i % 4} q . end{i % 2} \n" for i in range(30))
    root = store_file(
        "wikitext-2", "wikitext-2-v1.zip", zip_bytes({"wikitext-2/wiki.train.tokens": text})
    )
    monkeypatch.setenv("D2LKIT_DATA", str(root))
    train_iter, vocab = d2l.load_data_wiki(4, 16)
    batch = next(iter(train_iter))
    assert len(batch) == 7 and batch[2].dtype == torch.float32 and batch[0].shape == (4, 16)
    torch.manual_seed(0)
    sizes = dict.fromkeys(("key_size", "query_size", "value_size", "hid_in_features"), 8)
    sizes |= dict.fromkeys(("mlm_in_features", "nsp_in_features"), 8)
    net = d2l.BERTModel(len(vocab), 8, [8], 8, 16, 2, 1, 0.0, **sizes)
    loss = nn.CrossEntropyLoss()
    got = d2l._get_batch_loss_bert(net, loss, len(vocab), *batch)
    want = text_tasks.bert_pretraining_loss(net, loss, len(vocab), *batch)
    assert all(torch.equal(g, w) for g, w in zip(got, want, strict=True))


# --- 15.1-15.5 sentiment and inference -------------------------------------------------------


def test_imdb_names_read_a_folder_and_the_store(store_file, tmp_path, monkeypatch):
    files = {"aclImdb/train/pos/0_9.txt": "great film", "aclImdb/train/neg/1_1.txt": "bad film"}
    files |= {"aclImdb/test/pos/2_8.txt": "great", "aclImdb/test/neg/3_2.txt": "bad"}
    for name, review in files.items():
        (tmp_path / "x" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "x" / name).write_text(review)
    assert d2l.read_imdb(tmp_path / "x" / "aclImdb", True) == (["great film", "bad film"], [1, 0])
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, review in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(review)
            archive.addfile(info, io.BytesIO(review.encode()))
    root = store_file("aclimdb", "aclImdb_v1.tar.gz", buffer.getvalue())
    monkeypatch.setenv("D2LKIT_DATA", str(root))
    train_iter, test_iter, vocab = d2l.load_data_imdb(2, num_steps=4)
    X, y = next(iter(test_iter))
    assert X.shape == (2, 4) and y.tolist() == [1, 0] and len(train_iter) == 1 and len(vocab) == 1


SNLI_HEADER = "gold_label\tsentence1_binary_parse\tsentence2_binary_parse\trest"
SNLI_ROWS = [
    "entailment\t( ( A man ) ( is here ) )\t( ( A man ) is )\tx",
    "-\t( nobody agrees )\t( at all )\tx",
    "neutral\t( ( A dog ) runs )\t( ( A dog ) ( is happy ) )\tx",
]


def test_snli_names_keep_the_books_layout(store_file, zip_bytes, tmp_path, monkeypatch, capsys):
    text = "\n".join([SNLI_HEADER, *SNLI_ROWS]) + "\n"
    (tmp_path / "snli_1.0_test.txt").write_text(text)
    premises, hypotheses, labels = d2l.read_snli(tmp_path, False)
    assert premises == ["A man is here", "A dog runs"] and labels == [0, 2]
    dataset = d2l.SNLIDataset((premises, hypotheses, labels), 5)
    assert capsys.readouterr().out == "read 2 examples\n"
    (p, h), y = dataset[1]
    assert p.shape == h.shape == (5,) and int(y) == 2 and dataset.vocab["<pad>"] == 1
    archive = {"snli_1.0/snli_1.0_train.txt": text, "snli_1.0/snli_1.0_test.txt": text}
    monkeypatch.setenv("D2LKIT_DATA", str(store_file("snli", "snli_1.0.zip", zip_bytes(archive))))
    train_iter, test_iter, _ = d2l.load_data_snli(2, 6)
    assert capsys.readouterr().out == "read 2 examples\nread 2 examples\n"
    X, Y = next(iter(test_iter))
    assert isinstance(X, list) and X[0].shape == X[1].shape == (2, 6) and Y.tolist() == [0, 2]
    assert len(train_iter) == 1 and train_iter.batch_size == 2


class _BookNLINet(nn.Module):
    """Like the book's DecomposableAttention: one argument, the list [premises, hypotheses]."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 3)

    def forward(self, X):
        premises, hypotheses = X
        return self.linear(
            (premises.sum(1, keepdim=True) - hypotheses.sum(1, keepdim=True)).float()
        )


def test_predict_snli_and_predict_sentiment_take_the_books_nets():
    vocab = d2l.Vocab([["he", "is", "good", "bad", "."]])
    net = _BookNLINet().train()
    with torch.no_grad():
        net.linear.weight.copy_(torch.tensor([[0.0], [1.0], [-1.0]]))
        net.linear.bias.zero_()
    premise, hypothesis = ["he", "is", "good", "."], ["he", "is", "bad", "."]
    diff = sum(vocab[premise]) - sum(vocab[hypothesis])
    expected = "contradiction" if diff > 0 else "neutral" if diff < 0 else "entailment"
    assert d2l.predict_snli(net, vocab, premise, hypothesis) == expected
    assert not net.training  # the book leaves it in evaluation mode
    rnn = create_model("birnn_tiny", vocab_size=len(vocab))
    assert d2l.predict_sentiment(rnn, vocab, "he is good") in ("positive", "negative")
