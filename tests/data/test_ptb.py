"""PTB for word2vec (14.3): sentences, subsampling, windows, negatives, padded batches."""

from __future__ import annotations

import math

import pytest
import torch

from d2lkit.data import ptb
from d2lkit.data.text import SortedVocab, Vocab

TINY = [list(range(7)), list(range(7, 10))]  # the book's toy corpus


@pytest.fixture(scope="module")
def sentences(data_root):
    return ptb.read_ptb("train", data_root)


@pytest.fixture(scope="module")
def vocab(sentences):
    return Vocab(sentences, min_freq=10)


@pytest.fixture(scope="module")
def loaded(data_root):
    return ptb.load_data_ptb(512, 5, 5, root=data_root, seed=0)


def test_ptb_splits_sentence_and_token_counts(data_root, sentences):
    assert len(sentences) == 42068 and sum(map(len, sentences)) == 887521
    assert sentences[0][:5] == ["aer", "banknote", "berlitz", "calloway", "centrust"]
    assert sentences[-1][-4:] == ["according", "to", "mr.", "<unk>"]
    valid = ptb.read_ptb("valid", data_root)
    assert len(valid) == 3370 and valid[0][:3] == ["consumers", "may", "want"]
    with pytest.raises(ValueError, match="'train', 'valid' or 'test'"):
        ptb.read_ptb("dev", data_root)


def test_vocabulary_of_words_seen_ten_times(vocab):
    assert len(vocab) == 6719
    assert vocab.idx_to_token[:8] == ["<unk>", "the", "N", "of", "to", "a", "in", "and"]
    assert vocab.token_freqs[:2] == [("the", 50770), ("<unk>", 45020)]


def test_subsampling_drops_frequent_words_as_the_formula_says(sentences, vocab):
    sub, counter = ptb.subsample(sentences, vocab, torch.Generator().manual_seed(0))
    assert len(sub) == len(sentences) and "<unk>" not in counter
    num_tokens = sum(counter.values())
    known = sum(f for t, f in vocab.token_freqs if f >= 10 and t != "<unk>")
    assert counter["the"] == 50770 and num_tokens == known  # words of the vocabulary only
    kept = sum(line.count("the") for line in sub)
    p = math.sqrt(1e-4 / counter["the"] * num_tokens)
    assert abs(kept - p * 50770) < 4 * math.sqrt(50770 * p * (1 - p))
    rare = [t for t, c in counter.items() if c < 1e-4 * num_tokens]  # kept with p >= 1
    kept_counts = {t: 0 for t in rare[:50]}
    for line in sub:
        for t in line:
            if t in kept_counts:
                kept_counts[t] += 1
    assert all(kept_counts[t] == counter[t] for t in kept_counts)
    assert all(vocab[t] != vocab.unk for line in sub[:1000] for t in line)
    again, _ = ptb.subsample(sentences, vocab, torch.Generator().manual_seed(0))
    assert again[:200] == sub[:200]


def test_contexts_lie_within_a_window_of_the_same_sentence():
    g = torch.Generator().manual_seed(0)
    centers, contexts = ptb.get_centers_and_contexts(TINY, 2, g)
    assert centers.tolist() == list(range(10)) and len(contexts) == 10
    sentence = {w: (0 if w < 7 else 1) for w in range(10)}
    for center, context in zip(centers.tolist(), contexts, strict=True):
        assert context == sorted(context) and center not in context
        assert 1 <= len(context) <= 4
        assert all(abs(w - center) <= 2 and sentence[w] == sentence[center] for w in context)
        window = max(abs(w - center) for w in context)
        assert context == [
            w
            for w in range(center - window, center + window + 1)
            if w != center and 0 <= w < 10 and sentence[w] == sentence[center]
        ]
    _, one_word = ptb.get_centers_and_contexts([[5], [1, 2]], 3, g)
    assert one_word.tolist() == [[2], [1]]  # sentences shorter than 2 give no centers


def test_negatives_avoid_contexts_and_follow_frequency_to_the_075():
    vocab = Vocab([["a"] * 1000 + ["b"] * 100 + ["c"] * 10])
    counter = {"a": 1000, "b": 100, "c": 10}
    contexts = ptb.Ragged(
        torch.tensor([[1, 0]] * 2000 + [[2, 3]] * 10), torch.tensor([1] * 2000 + [2] * 10)
    )
    negatives = ptb.get_negatives(contexts, vocab, counter, 5, torch.Generator().manual_seed(0))
    assert negatives.values.shape == (2010, 10) and negatives.lengths.tolist()[:1] == [5]
    first = negatives.values[:2000, :5]
    assert (first != vocab["a"]).all() and (negatives.values[2000:] == vocab["a"]).all()
    assert (negatives.values[:2000, 5:] == 0).all()  # padding beyond 1 context * 5
    share_b = (first == vocab["b"]).float().mean().item()
    expected = 100**0.75 / (100**0.75 + 10**0.75)  # a is excluded: its own context
    assert abs(share_b - expected) < 0.01


def test_batchify_pads_with_masks_and_labels_as_the_book():
    examples = ((1, [2, 2], [3, 3, 3, 3]), (1, [2, 2, 2], [3, 3]))
    centers, words, masks, labels = ptb.batchify(examples)
    assert centers.tolist() == [[1], [1]]
    assert words.tolist() == [[2, 2, 3, 3, 3, 3], [2, 2, 2, 3, 3, 0]]
    assert masks.tolist() == [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]]
    assert labels.tolist() == [[1, 1, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0]]


def test_load_data_ptb_serves_consistent_padded_batches(loaded):
    loader, vocab = loaded
    assert len(vocab) == 6719 and 300_000 < loader.num_examples < 400_000
    assert len(loader) == math.ceil(loader.num_examples / 512)
    centers, words, masks, labels = next(iter(loader))
    assert centers.shape == (512, 1) and words.shape == masks.shape == labels.shape
    assert words.shape[1] <= 2 * 5 * (1 + 5) and centers.dtype == torch.int64
    assert (centers > 0).all() and ((words == 0) | (masks == 1)).all()
    assert (labels <= masks).all()
    n_ctx, n_all = labels.sum(1), masks.sum(1)
    assert (n_all == 6 * n_ctx).all() and (n_ctx >= 1).all()  # K = 5 noise words per context
    for row in range(8):
        context = set(words[row, : n_ctx[row]].tolist())
        noise = words[row, n_ctx[row] : n_all[row]].tolist()
        assert not context & set(noise) and 0 not in noise


def test_same_seed_same_ptb_batches(data_root, loaded):
    loader, _ = loaded
    state = loader.state_dict()
    first = next(iter(loader))
    loader.load_state_dict(state)
    again = next(iter(loader))
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))


def test_random_generator_draws_one_to_n_by_weight_from_a_cache():
    generator = ptb.RandomGenerator([2, 3, 4], torch.Generator().manual_seed(0), cache=1000)
    draws = [generator.draw() for _ in range(9000)]
    assert set(draws) == {1, 2, 3} and generator.i == 1000  # nine caches of 1,000 used up
    for value, weight in ((1, 2), (2, 3), (3, 4)):
        assert abs(draws.count(value) / 9000 - weight / 9) < 0.015
    with pytest.raises(ValueError, match="non-negative"):
        ptb.RandomGenerator([1, -1])


def test_loader_epochs_follow_set_epoch(loaded):
    loader, _ = loaded
    loader.set_epoch(3)
    first = next(iter(loader))
    loader.set_epoch(3)
    assert torch.equal(next(iter(loader))[0], first[0])


def test_a_sorted_vocabulary_drops_unk_wherever_it_sorts():
    # "$" and "#" sort before "<unk>" (index 2 of the sorted vocabulary); "rare" is unknown
    sentences = [["$", "#", "rare", "$"], ["#", "$", "other"], ["$"] * 3]
    vocab = SortedVocab(sentences, min_freq=2)
    assert vocab.idx_to_token == ["#", "$", "<unk>"] and vocab.unk == 2
    sub, counter = ptb.subsample(sentences, vocab, torch.Generator().manual_seed(0))
    assert counter == {"$": 6, "#": 2}  # counted by hand: rare and other are <unk>
    assert all(t in ("$", "#") for line in sub for t in line)


def test_load_data_ptb_builds_the_vocabulary_type_it_is_given(data_root, vocab):
    loader, sorted_vocab = ptb.load_data_ptb(
        512, 5, 5, root=data_root, seed=0, vocab_type=SortedVocab
    )
    assert isinstance(sorted_vocab, SortedVocab)
    assert sorted_vocab.idx_to_token == sorted(vocab.idx_to_token)  # the same words, sorted
    centers, contexts_negatives, masks, labels = next(iter(loader))
    negatives = contexts_negatives[(masks == 1) & (labels == 0)]
    # noise words are drawn among indices 1.. (the book's), and <unk> (count 0) never
    assert not (negatives == 0).any() and not (negatives == sorted_vocab.unk).any()
    assert not (centers == sorted_vocab.unk).any()  # subsampling dropped every <unk>
