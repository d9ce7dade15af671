"""IMDb reviews (15.1): both sets read from their archives, the book's padded loaders."""

from __future__ import annotations

import io
import tarfile

import pytest
import torch

from d2lkit.data import imdb
from d2lkit.data.text import SortedVocab
from d2lkit.errors import ConfigError, DataError

REVIEWS = {
    "aclImdb/train/pos/0_9.txt": "Bromwell High is a cartoon comedy.\nIt ran at the same time",
    "aclImdb/train/pos/10_7.txt": "a great great film , great cast",
    "aclImdb/train/pos/2_8.txt": "great fun",
    "aclImdb/train/neg/1_2.txt": "a bad bad film<br /><br />bad",
    "aclImdb/train/neg/3_1.txt": "so bad , so dull",
    "aclImdb/train/unsup/0_0.txt": "never read: unlabelled",
    "aclImdb/test/pos/5_10.txt": "great film",
    "aclImdb/test/neg/4_3.txt": "dull dull unknownword",
    "aclImdb/imdb.vocab": "the\nand\n",
    "aclImdb/train/labeledBow.feat": "0 9:1\n",
}


def _tar_gz(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture()
def imdb_root(store_file):
    return store_file("aclimdb", "aclImdb_v1.tar.gz", _tar_gz(REVIEWS))


def test_full_set_positive_then_negative_by_file_name_without_line_breaks(imdb_root):
    texts, labels = imdb.read_imdb("train", imdb_root)
    assert texts == [
        "Bromwell High is a cartoon comedy.It ran at the same time",
        "a great great film , great cast",
        "great fun",
        "a bad bad film<br /><br />bad",
        "so bad , so dull",
    ]
    assert labels.dtype == torch.int64 and labels.tolist() == [1, 1, 1, 0, 0]
    splits = imdb.read_imdb_splits("aclimdb", imdb_root)
    assert splits["test"][0] == ["great film", "dull dull unknownword"]
    assert splits["test"][1].tolist() == [1, 0]


def test_an_extracted_folder_reads_the_same_as_the_archive(imdb_root, tmp_path):
    folder = tmp_path / "extracted"
    for name, text in REVIEWS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    texts, labels = imdb.read_imdb_folder(folder / "aclImdb", "train")
    expected, expected_labels = imdb.read_imdb("train", imdb_root)
    assert texts == expected and torch.equal(labels, expected_labels)
    with pytest.raises(DataError, match="not an extracted aclImdb folder"):
        imdb.read_imdb_folder(folder, "train")


def test_loader_pads_with_unk_and_keeps_words_seen_min_freq_times(imdb_root):
    train, test, vocab = imdb.load_data_imdb(2, num_steps=6, root=imdb_root, min_freq=2)
    # training words seen twice or more: great 4, a 3, bad 3 ("film<br" is one word), "," 2, so 2
    assert vocab.idx_to_token == ["<unk>", "great", "a", "bad", ",", "so"]
    assert vocab["<pad>"] == 0
    X, y = train.tensors
    assert X.shape == (5, 6) and X.dtype == torch.int64 and y.tolist() == [1, 1, 1, 0, 0]
    words = ["a", "great", "great", "film", ",", "great", "cast"]
    assert X[1].tolist() == [vocab[w] for w in words[:6]]  # cut to num_steps
    assert X[2].tolist() == [vocab["great"], vocab["<unk>"], 0, 0, 0, 0]  # fun is rare
    assert test.tensors[0][1].tolist() == [0, 0, 0, 0, 0, 0]  # dull twice in test, once in train
    assert not test.shuffle and train.shuffle and len(train) == 3


def test_tiny_sample_reviews_and_labels(data_root):
    reviews, labels = imdb.read_imdb("train", data_root, dataset="aclimdb-tiny")
    assert len(reviews) == 20 and labels.tolist() == [1] * 10 + [0] * 10
    assert reviews[0].startswith("Bromwell High is a cartoon comedy.")
    test_reviews, test_labels = imdb.read_imdb("test", data_root, dataset="aclimdb-tiny")
    assert len(test_reviews) == 20 and int(test_labels.sum()) == 10
    train, _, vocab = imdb.load_data_imdb(4, dataset="aclimdb-tiny", root=data_root)
    assert train.tensors[0].shape == (20, 500) and len(vocab) > 1


def test_bad_names_and_a_damaged_archive_are_clear_errors(store_file):
    with pytest.raises(ConfigError, match="aclimdb, aclimdb-tiny"):
        imdb.read_imdb_splits("imdb")
    with pytest.raises(ValueError, match="'train' or 'test'"):
        imdb.read_imdb("unsup")
    whole = _tar_gz(REVIEWS)
    for cut in (len(whole) // 2, 200, len(whole) - 8):  # 8: the gzip trailer's CRC and length
        root = store_file("aclimdb", "aclImdb_v1.tar.gz", whole[:cut])
        with pytest.raises(DataError, match="truncated or damaged") as info:
            imdb.read_imdb("train", root)
        assert "fetch it again" in info.value.fix


def test_a_sorted_vocabulary_pads_with_unk_wherever_it_sorts(imdb_root):
    _, test, vocab = imdb.load_data_imdb(
        2, num_steps=4, root=imdb_root, min_freq=2, vocab_type=SortedVocab
    )
    # the training words seen twice or more (see above), sorted with <unk>: "," first
    assert vocab.idx_to_token == [",", "<unk>", "a", "bad", "great", "so"]
    assert test.tensors[0][0].tolist() == [4, 1, 1, 1]  # "great film": film unknown, then pads
