"""Text: The Time Machine, vocabularies, sequence sampling, Jay Chou lyrics, IMDb sample."""

from __future__ import annotations

import itertools

import pytest
import torch

from d2lkit.data import text
from d2lkit.data.files import decode_text, read_text
from d2lkit.errors import DataError


@pytest.fixture(scope="module")
def lines(data_root):
    return text.read_time_machine(data_root)


def test_time_machine_is_read_as_the_book_reads_it(lines):
    assert len(lines) == 3221
    assert lines[0] == "the time machine by h g wells"
    assert lines[10] == "twinkled and his usually pale face was flushed and animated the"
    assert lines[-1] == "of man"
    assert all(set(line) <= set("abcdefghijklmnopqrstuvwxyz ") for line in lines)


def test_tokenize_by_word_and_by_character(lines):
    assert text.tokenize(lines[:1]) == [["the", "time", "machine", "by", "h", "g", "wells"]]
    assert text.tokenize(["ab c"], "char") == [["a", "b", " ", "c"]]
    with pytest.raises(ValueError, match="'word' or 'char'"):
        text.tokenize(lines, "byte")


def test_word_vocabulary_size_and_top_tokens(lines):
    vocab = text.Vocab(text.tokenize(lines))
    assert len(vocab) == 4580
    assert vocab.idx_to_token[:10] == [
        "<unk>",
        "the",
        "i",
        "and",
        "of",
        "a",
        "to",
        "was",
        "in",
        "that",
    ]
    assert vocab.token_freqs[:3] == [("the", 2261), ("i", 1267), ("and", 1245)]
    assert vocab["the"] == 1 and vocab["no-such-word"] == vocab.unk == 0
    assert vocab[["the", "time", "machine"]] == [1, 19, 50]
    assert vocab.to_tokens([1, 19, 50]) == ["the", "time", "machine"]


def test_character_corpus_as_a_tensor_of_indices(data_root):
    corpus, vocab = text.load_corpus_time_machine(root=data_root)
    assert corpus.shape == (170580,) and corpus.dtype == torch.int64 and len(vocab) == 28
    assert vocab.idx_to_token[:6] == ["<unk>", " ", "e", "t", "a", "i"]
    assert "".join(vocab.to_tokens(corpus[:16])) == "the time machine"
    limited, _ = text.load_corpus_time_machine(10000, data_root)
    assert torch.equal(limited, corpus[:10000])


def test_vocab_min_freq_and_reserved_tokens():
    tokens = [["a", "b", "b", "c", "c", "c"], ["c", "d"]]
    vocab = text.Vocab(tokens, min_freq=2, reserved_tokens=["<pad>", "<bos>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "c", "b"]
    assert vocab["a"] == vocab["d"] == 0
    assert vocab.token_freqs == [("c", 4), ("b", 2), ("a", 1), ("d", 1)]  # ties: first seen
    assert vocab.to_tokens(torch.tensor([3, 4])) == ["c", "b"] and vocab.to_tokens(4) == "b"
    assert torch.equal(vocab.encode(["c", "zzz"]), torch.tensor([3, 0]))


def _positions(batches):
    return torch.cat([X.flatten() for X, _ in batches])


@pytest.mark.parametrize("seed", range(5))
def test_sequential_sampling_serves_every_position_once_and_rows_continue(seed):
    corpus = torch.arange(1000)
    batch_size, num_steps = 4, 7
    g = torch.Generator().manual_seed(seed)
    batches = list(text.seq_data_iter_sequential(corpus, batch_size, num_steps, g))
    served = _positions(batches)
    assert served.unique().numel() == served.numel()  # never twice
    start = int(served.min())
    assert 0 <= start <= num_steps
    assert torch.equal(served.sort().values, torch.arange(start, start + served.numel()))
    assert 1000 - 1 - (start + served.numel()) < batch_size * num_steps  # only a short tail left
    for (X, Y), (X2, _) in itertools.pairwise(batches):
        assert X.shape == Y.shape == (batch_size, num_steps) and torch.equal(Y, X + 1)
        assert torch.equal(X2[:, 0], X[:, -1] + 1)  # row r goes on where it stopped


def test_sequential_sampling_covers_a_corpus_that_fits_exactly():
    corpus = torch.arange(2 * 5 * 3 + 1)  # batch_size * num_steps * batches + 1 for Y
    g = torch.Generator().manual_seed(0)
    while True:  # find a seed whose offset is 0
        state = g.get_state()
        if int(torch.randint(0, 6, (1,), generator=g)) == 0:
            break
    g.set_state(state)
    served = _positions(text.seq_data_iter_sequential(corpus, 2, 5, g))
    assert torch.equal(served.sort().values, torch.arange(30))


def test_without_random_offset_every_epoch_serves_the_same_batches_from_the_first_token():
    corpus = torch.arange(10_000)
    loader = text.SeqDataLoader(corpus, text.Vocab([]), 32, 35, random_offset=False)
    epochs = [list(loader) for _ in range(3)]
    for batches in epochs[1:]:
        assert all(torch.equal(X, X0) for (X, _), (X0, _) in zip(batches, epochs[0], strict=True))
    assert len(epochs[0]) == 8  # as the first edition: 8 batches of 32 x 35 from 10,000 characters
    first, _ = epochs[0][0]
    assert torch.equal(first[:, 0], torch.arange(32) * 8 * 35)  # rows of 8 batches, from token 0
    starts = {
        int(next(iter(text.SeqDataLoader(corpus, text.Vocab([]), 32, 35, seed=s)))[0][0, 0])
        for s in range(20)
    }
    assert len(starts) > 1  # the default still draws a new start


def test_random_sampling_is_reproducible_for_a_seed_and_windows_are_disjoint():
    corpus = torch.arange(500)

    def epoch(seed):
        g = torch.Generator().manual_seed(seed)
        return list(text.seq_data_iter_random(corpus, 3, 5, g))

    first, again, other = epoch(7), epoch(7), epoch(8)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, again, strict=True))
    assert not all(torch.equal(a[0], b[0]) for a, b in zip(first, other, strict=False))
    starts = torch.cat([X[:, 0] for X, _ in first])
    assert starts.unique().numel() == starts.numel()
    assert len(set((starts % 5).tolist())) == 1  # one random offset, then a grid of windows
    for X, Y in first:
        assert X.shape == (3, 5) and torch.equal(Y, X + 1)
        assert torch.equal(X, X[:, :1] + torch.arange(5))


def test_seq_data_loader_draws_new_epochs_and_replays_from_its_state(data_root):
    loader, vocab = text.load_data_time_machine(32, 35, root=data_root, seed=1)
    assert len(vocab) == 28 and len(loader) == 8  # 10,000 tokens // (32 * 35)
    state = loader.state_dict()
    first = [X.clone() for X, _ in loader]
    assert first[0].shape == (32, 35) and first[0].dtype == torch.int64
    loader.load_state_dict(state)
    assert all(torch.equal(a, b) for a, b in zip(first, (X for X, _ in loader), strict=True))
    rand, _ = text.load_data_time_machine(32, 35, use_random_iter=True, root=data_root)
    X, Y = next(iter(rand))
    assert X.shape == Y.shape == (32, 35)


def test_jay_chou_lyrics_as_a_character_corpus(data_root):
    lyrics = text.read_jay_lyrics(data_root)
    assert len(lyrics) == 64925 and lyrics.startswith("想要有直升机 想要和你飞到宇宙去")
    assert "\n" not in lyrics and "\r" not in lyrics
    corpus, vocab = text.load_corpus_jay_lyrics(root=data_root)
    assert corpus.shape == (10000,) and len(vocab) == 1039
    assert vocab.idx_to_token[:5] == ["<unk>", " ", "我", "的", "你"]
    assert "".join(vocab.to_tokens(corpus[:6])) == "想要有直升机"


def test_text_in_another_encoding_names_file_byte_and_fix(tmp_path):
    path = tmp_path / "timemachine.txt"
    path.write_bytes("The Time Traveller\n".encode("utf-16"))
    with pytest.raises(DataError) as err:
        read_text(path)
    assert str(path) in err.value.message and "byte 0 (0xff fe 54 00)" in err.value.message
    assert "not UTF-8" in err.value.message and "d2lkit data fetch" in err.value.fix
    with pytest.raises(DataError, match=r"lyrics.zip:a.txt is not UTF-8 text: byte 2"):
        decode_text(b"ok" + "想".encode("gbk"), "lyrics.zip:a.txt")


def test_encode_padded_cuts_and_pads_like_the_books_truncate_pad():
    vocab = text.Vocab([["a", "b", "b"]], reserved_tokens=["<pad>"])
    ids = text.encode_padded([["b", "a", "c", "b"], ["a"], []], vocab, 3)
    pad, a, b = vocab["<pad>"], vocab["a"], vocab["b"]
    assert ids.dtype == torch.int64
    assert ids.tolist() == [[b, a, 0], [a, pad, pad], [pad, pad, pad]]
    assert text.encode_padded([["a"]], text.Vocab([["a"]]), 2).tolist() == [[1, 0]]


def test_to_tokens_takes_any_integer_a_list_or_a_tensor():
    import numpy as np

    vocab = text.Vocab([["b", "a", "b"]])
    assert vocab.to_tokens(np.int32(1)) == "b" and vocab.to_tokens(torch.tensor(2)) == "a"
    assert vocab.to_tokens(np.array([2, 1], dtype=np.int32)) == ["a", "b"]
    assert vocab.to_tokens(torch.tensor([1, 0])) == ["b", "<unk>"] and vocab.to_tokens(2) == "a"


def test_sorted_vocab_keeps_every_token_in_sorted_order_with_unk_among_them():
    tokens = ["b", "<pad>", "a", "b", "c", "b", "a"]
    vocab = text.SortedVocab([tokens], min_freq=2, reserved_tokens=["<bos>"])
    assert vocab.idx_to_token == sorted({"<unk>", "<bos>", "a", "b", "<pad>"} - {"<pad>"})
    assert vocab.unk == vocab.idx_to_token.index("<unk>") == 1  # '<bos>' sorts first
    assert vocab["c"] == vocab.unk and vocab[["a", "b"]] == [2, 3]
    assert vocab.token_freqs[0] == ("b", 3)  # most frequent first, as in Vocab


def test_next_token_windows_are_every_window_and_its_shift_by_one():
    corpus = torch.arange(10)
    X, Y = text.next_token_windows(corpus, 3)
    assert X.shape == Y.shape == (7, 3)
    assert [X[i].tolist() for i in (0, 6)] == [[0, 1, 2], [6, 7, 8]]
    assert torch.equal(Y, X + 1)
