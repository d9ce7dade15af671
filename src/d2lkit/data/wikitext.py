"""WikiText-2 for pretraining BERT (14.9): next-sentence pairs and masked tokens, as tensors.

The book's steps and names: paragraphs of lower-cased sentences; for each
sentence, the next one half of the time, else a random sentence of a
random paragraph (the next-sentence-prediction label); 15% of each pair's
tokens to predict, 80% of them replaced by ``<mask>``, 10% by a random
token, 10% kept (the masked language model). All draws come from one
``torch.Generator``, so a seed reproduces the examples. The whole corpus is
masked in one vectorised pass; the per-example functions serve the book's
names and tests.

Example tensors, N pairs of at most ``max_len`` tokens, P = round(0.15 * max_len)::

    token_ids (N, max_len)  segments (N, max_len)  valid_lens (N,) int64
    pred_positions (N, P)   mlm_weights (N, P) float32 (0 on padding)
    mlm_labels (N, P)       nsp_labels (N,) (1: B follows A)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_zip_member
from d2lkit.data.bert_inputs import BERT_RESERVED, get_tokens_and_segments
from d2lkit.data.files import decode_text
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.text import Vocab

__all__ = [
    "BertExample",
    "BertTensors",
    "bert_pretraining_tensors",
    "get_mlm_data_from_tokens",
    "get_next_sentence",
    "get_nsp_data_from_paragraph",
    "load_data_wiki",
    "pad_bert_inputs",
    "read_wiki",
    "read_wiki_file",
    "replace_mlm_tokens",
    "wiki_paragraphs",
    "wiki_vocab",
]

Root = str | os.PathLike[str] | None
Paragraph = list[list[str]]  # sentences as token lists
# (token ids, prediction positions, label ids, segments, is_next): one example of 14.9
BertExample = tuple[list[int], list[int], list[int], list[int], bool]
BertTensors = tuple[
    torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor
]
MASK, KEEP, RANDOM = 0, 1, 2  # what happens to a token chosen for prediction


def _rand(generator: torch.Generator | None, *shape: int) -> torch.Tensor:
    return torch.rand(shape, generator=generator, dtype=torch.float64)


def _randint(generator: torch.Generator | None, high: int | torch.Tensor) -> int:
    return int(_rand(generator, 1).item() * int(high))


# --- reading -----------------------------------------------------------------


def wiki_paragraphs(lines: Iterable[str]) -> list[list[str]]:
    """The book's paragraphs: lines with a " . " in them, lower-cased, split at " . ".

    The last sentence keeps its closing " ." (the book's split leaves it on).
    """
    return [line.strip().lower().split(" . ") for line in lines if len(line.split(" . ")) >= 2]


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_wiki(split: str = "train", root: Root = None, *, download: bool = True) -> list[list[str]]:
    """Paragraphs (lists of sentence strings) of WikiText-2's train, valid or test split.

    Read from ``wikitext-2-v1.zip`` in place. Unlike the book's ``_read_wiki``
    they keep the file's order: the loader shuffles.
    """
    if split not in ("train", "valid", "test"):
        raise ValueError(f"split must be 'train', 'valid' or 'test', got {split!r}")
    path = require("wikitext-2", "wikitext-2-v1.zip", root, download=download)
    member = f"wikitext-2/wiki.{split}.tokens"
    return wiki_paragraphs(_lines(decode_text(read_zip_member(path, member), f"{path}:{member}")))


def read_wiki_file(path: str | os.PathLike[str]) -> list[list[str]]:
    """Paragraphs of a ``wiki.*.tokens`` file on disk (the book's extracted folder)."""
    return wiki_paragraphs(_lines(decode_text(Path(path).read_bytes(), str(path))))


def wiki_vocab(paragraphs: Sequence[Paragraph], vocab_type: type[Vocab] = Vocab) -> Vocab:
    """Words seen 5 times or more, with ``<unk>`` and the reserved ``<pad> <mask> <cls> <sep>``.

    ``vocab_type``: ``Vocab`` puts those first, then the words by frequency; the
    English edition's ``SortedVocab`` sorts them all together.
    """
    sentences = [sentence for paragraph in paragraphs for sentence in paragraph]
    return vocab_type(sentences, min_freq=5, reserved_tokens=list(BERT_RESERVED))


# --- next sentence prediction ---------------------------------------------------


def get_next_sentence(
    sentence: list[str],
    next_sentence: list[str],
    paragraphs: Sequence[Paragraph],
    generator: torch.Generator | None = None,
) -> tuple[list[str], list[str], bool]:
    """(A, B, is_next): B is the next sentence half of the time, else a random one.

    The random one is a random sentence of a random paragraph (it may be the
    next sentence by chance; it is labelled False all the same, as in the book).
    """
    if _rand(generator, 1).item() < 0.5:
        return sentence, next_sentence, True
    paragraph = paragraphs[_randint(generator, len(paragraphs))]
    return sentence, paragraph[_randint(generator, len(paragraph))], False


def get_nsp_data_from_paragraph(
    paragraph: Paragraph,
    paragraphs: Sequence[Paragraph],
    max_len: int,
    generator: torch.Generator | None = None,
) -> list[tuple[list[str], list[int], bool]]:
    """(tokens, segments, is_next) for each sentence and the one drawn after it.

    Pairs longer than ``max_len`` with ``<cls>`` and two ``<sep>`` are skipped.
    """
    examples = []
    for i in range(len(paragraph) - 1):
        a, b, is_next = get_next_sentence(paragraph[i], paragraph[i + 1], paragraphs, generator)
        if len(a) + len(b) + 3 > max_len:
            continue
        tokens, segments = get_tokens_and_segments(a, b)
        examples.append((tokens, segments, is_next))
    return examples


# --- masked language model ---------------------------------------------------


def _draw_predictions(
    candidates: torch.Tensor, vocab_size: int, generator: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For rows of candidate flags ``(N, L)``: positions in random order, candidates first
    ``(N, L)``; what happens to each position ``(N, L)`` (MASK/KEEP/RANDOM); a random
    token id for each ``(N, L)``."""
    N, L = candidates.shape
    keys = _rand(generator, N, L) + (~candidates).double()  # non-candidates sort last
    order = keys.argsort(dim=1)
    first, second = _rand(generator, N, L), _rand(generator, N, L)
    # 80% <mask>; of the other 20%, half keep the token, half get a random one
    action = torch.where(first < 0.8, MASK, torch.where(second < 0.5, KEEP, RANDOM))
    random_ids = torch.randint(0, vocab_size, (N, L), generator=generator)
    return order, action, random_ids


def _num_predictions(lengths: torch.Tensor) -> torch.Tensor:
    """max(1, round(0.15 * len)) with Python's rounding (half to even), as the book."""
    return torch.round(lengths.double() * 0.15).long().clamp(min=1)


def replace_mlm_tokens(
    tokens: Sequence[str],
    candidate_pred_positions: Sequence[int],
    num_mlm_preds: int,
    vocab: Vocab,
    generator: torch.Generator | None = None,
) -> tuple[list[str], list[tuple[int, str]]]:
    """(input tokens, [(position, original token)]) with ``num_mlm_preds`` candidates replaced.

    The candidates are taken in random order; each chosen token becomes
    ``<mask>`` (80%), stays (10%) or becomes a random token of the vocabulary (10%).
    """
    flags = torch.zeros(1, len(tokens), dtype=torch.bool)
    flags[0, list(candidate_pred_positions)] = True
    order, action, random_ids = _draw_predictions(flags, len(vocab), generator)
    count = min(num_mlm_preds, len(candidate_pred_positions))
    mlm_input = list(tokens)
    chosen = []
    for pos in order[0, :count].tolist():
        act = int(action[0, pos])
        if act == MASK:
            mlm_input[pos] = "<mask>"
        elif act == RANDOM:
            mlm_input[pos] = vocab.idx_to_token[int(random_ids[0, pos])]
        chosen.append((pos, tokens[pos]))
    return mlm_input, chosen


def get_mlm_data_from_tokens(
    tokens: Sequence[str], vocab: Vocab, generator: torch.Generator | None = None
) -> tuple[list[int], list[int], list[int]]:
    """(input ids, prediction positions in order, label ids) of one example's tokens.

    Every token but ``<cls>`` and ``<sep>`` may be chosen; max(1, round(15%)) are.
    """
    candidates = [i for i, t in enumerate(tokens) if t not in ("<cls>", "<sep>")]
    count = int(_num_predictions(torch.tensor([len(tokens)])))
    mlm_input, chosen = replace_mlm_tokens(tokens, candidates, count, vocab, generator)
    chosen.sort()
    return vocab[mlm_input], [p for p, _ in chosen], vocab[[t for _, t in chosen]]


def pad_bert_inputs(examples: Sequence[BertExample], max_len: int, vocab: Vocab) -> BertTensors:
    """Examples padded and stacked into the seven tensors of the module docstring."""
    P = round(max_len * 0.15)
    n = len(examples)
    token_ids = torch.full((n, max_len), vocab["<pad>"], dtype=torch.int64)
    segments = torch.zeros(n, max_len, dtype=torch.int64)
    valid_lens = torch.zeros(n, dtype=torch.int64)
    positions = torch.zeros(n, P, dtype=torch.int64)
    weights = torch.zeros(n, P, dtype=torch.float32)
    labels = torch.zeros(n, P, dtype=torch.int64)
    nsp = torch.zeros(n, dtype=torch.int64)
    for i, (ids, pos, label_ids, segs, is_next) in enumerate(examples):
        token_ids[i, : len(ids)] = torch.tensor(ids, dtype=torch.int64)
        segments[i, : len(segs)] = torch.tensor(segs, dtype=torch.int64)
        valid_lens[i] = len(ids)
        positions[i, : len(pos)] = torch.tensor(pos, dtype=torch.int64)
        weights[i, : len(label_ids)] = 1.0
        labels[i, : len(label_ids)] = torch.tensor(label_ids, dtype=torch.int64)
        nsp[i] = int(is_next)
    return token_ids, segments, valid_lens, positions, weights, labels, nsp


# --- the whole corpus, vectorised ------------------------------------------------


def _pairs(
    paragraphs: Sequence[Paragraph], max_len: int, generator: torch.Generator | None
) -> tuple[list[list[str]], list[list[str]], torch.Tensor]:
    """(A sentences, B sentences, is_next) of every pair that fits, draws made in bulk."""
    counts = torch.tensor([len(p) for p in paragraphs])
    num_pairs = int((counts - 1).clamp(min=0).sum())
    coin = _rand(generator, num_pairs) < 0.5
    which = (_rand(generator, num_pairs) * len(paragraphs)).long()  # a random paragraph
    within = _rand(generator, num_pairs)  # and a random sentence of it
    A, B, is_next = [], [], []
    k = 0
    for paragraph in paragraphs:
        for i in range(len(paragraph) - 1):
            if coin[k]:
                b = paragraph[i + 1]
            else:
                other = paragraphs[int(which[k])]
                b = other[int(within[k] * len(other))]
            if len(paragraph[i]) + len(b) + 3 <= max_len:
                A.append(paragraph[i])
                B.append(b)
                is_next.append(bool(coin[k]))
            k += 1
    return A, B, torch.tensor(is_next, dtype=torch.int64)


def _lay_out(
    A: list[list[str]], B: list[list[str]], vocab: Vocab, max_len: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(token ids, segments, valid lengths, len(A)) of ``<cls> A <sep> B <sep> <pad>...``."""
    la = torch.tensor([len(a) for a in A], dtype=torch.int64)
    lb = torch.tensor([len(b) for b in B], dtype=torch.int64)
    flat_a = torch.tensor([i for a in A for i in vocab[a]], dtype=torch.int64)
    flat_b = torch.tensor([i for b in B for i in vocab[b]], dtype=torch.int64)
    start_a, start_b = la.cumsum(0) - la, lb.cumsum(0) - lb
    j = torch.arange(max_len).expand(len(A), -1)  # (N, L) positions
    in_a = (j >= 1) & (j <= la[:, None])
    in_b = (j >= la[:, None] + 2) & (j <= (la + lb)[:, None] + 1)
    sep = (j == la[:, None] + 1) | (j == (la + lb)[:, None] + 2)
    ids = torch.full(j.shape, vocab["<pad>"], dtype=torch.int64)
    ids[:, 0] = vocab["<cls>"]
    ids[sep] = vocab["<sep>"]
    if flat_a.numel():
        ids[in_a] = flat_a[(start_a[:, None] + j - 1)[in_a]]
    if flat_b.numel():
        ids[in_b] = flat_b[(start_b[:, None] + j - la[:, None] - 2)[in_b]]
    segments = (in_b | (j == (la + lb)[:, None] + 2)).long()
    return ids, segments, la + lb + 3, la


def bert_pretraining_tensors(
    paragraphs: Sequence[Sequence[str]],
    max_len: int,
    generator: torch.Generator | None = None,
    vocab: Vocab | None = None,
    vocab_type: type[Vocab] = Vocab,
) -> tuple[BertTensors, Vocab]:
    """The seven example tensors of ``paragraphs`` (sentence strings) and their vocabulary.

    What the book's ``_WikiTextDataset`` builds, with masking done for the
    whole corpus at once. ``vocab`` defaults to :func:`wiki_vocab` of the
    paragraphs, a ``vocab_type``.
    """
    tokenized = [[sentence.split() for sentence in paragraph] for paragraph in paragraphs]
    vocab = wiki_vocab(tokenized, vocab_type) if vocab is None else vocab
    A, B, nsp = _pairs(tokenized, max_len, generator)
    ids, segments, valid_lens, la = _lay_out(A, B, vocab, max_len)
    N, P = len(A), round(max_len * 0.15)
    j = torch.arange(max_len).expand(N, -1)
    candidates = (j < valid_lens[:, None]) & (j != 0) & (j != la[:, None] + 1)
    candidates &= j != valid_lens[:, None] - 1  # <cls> and both <sep> are never predicted
    count = torch.minimum(_num_predictions(valid_lens), candidates.sum(1))  # (N,)
    order, action, random_ids = _draw_predictions(candidates, len(vocab), generator)
    slot = torch.arange(P).expand(N, -1)
    real = slot < count[:, None]  # (N, P)
    chosen = torch.where(real, order[:, :P], max_len)  # padding slots sort last
    positions = chosen.sort(dim=1).values
    positions = torch.where(real, positions, 0)  # padded with position 0, as the book
    rows = torch.arange(N)[:, None].expand(-1, P)
    labels = torch.where(real, ids[rows, positions], 0)
    act, rnd = action[rows, positions], random_ids[rows, positions]
    new = torch.where(act == MASK, vocab["<mask>"], torch.where(act == RANDOM, rnd, labels))
    masked = ids.clone()
    masked[rows[real], positions[real]] = new[real]
    tensors = (masked, segments, valid_lens, positions, real.float(), labels, nsp)
    return tensors, vocab


def load_data_wiki(
    batch_size: int,
    max_len: int,
    *,
    root: Root = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    vocab_type: type[Vocab] = Vocab,
) -> tuple[TensorLoader, Vocab]:
    """The book's BERT pretraining loader over WikiText-2's training split, and its vocabulary.

    Batches are the seven tensors of the module docstring, shuffled; one seed
    governs the pairs, the masking and the order. ``vocab_type`` as for :func:`wiki_vocab`.
    """
    generator = torch.Generator().manual_seed(seed)
    paragraphs = read_wiki("train", root)
    tensors, vocab = bert_pretraining_tensors(paragraphs, max_len, generator, vocab_type=vocab_type)
    loader = TensorLoader(*tensors, batch_size=batch_size, shuffle=True, seed=seed, device=device)
    return loader, vocab
