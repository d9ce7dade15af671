"""Greedy and beam-search decoding (d2l 9.7, 9.8)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from d2lkit.models import create_model
from d2lkit.models.decoding import beam_search, greedy_decode
from d2lkit.models.seq2seq import Decoder, Encoder, EncoderDecoder

BOS, EOS, A, B, X, Y = range(6)
VOCAB = 6


class _NoEncoder(Encoder):
    def forward(self, X: torch.Tensor, valid_lens: torch.Tensor | None = None) -> None:
        return None


class _MarkovDecoder(Decoder):
    """Next-token probabilities depend only on the previous token: a hand-made table."""

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        self.log_probs = nn.Parameter(table.log(), requires_grad=False)  # (V, V)

    def init_state(self, enc_outputs: object, enc_valid_lens: object = None) -> None:
        return None

    def forward(self, X: torch.Tensor, state: None) -> tuple[torch.Tensor, None]:
        return self.log_probs[X], state  # (B, T, V)


def markov_net(rows: dict[int, dict[int, float]]) -> EncoderDecoder:
    """Each row's unlisted probability mass is spread evenly over the unlisted tokens."""
    table = torch.empty(VOCAB, VOCAB, dtype=torch.float64)
    for prev in range(VOCAB):
        given = rows.get(prev, {EOS: 0.97})
        rest = [t for t in range(VOCAB) if t not in given]
        table[prev] = (1 - sum(given.values())) / len(rest)
        for token, p in given.items():
            table[prev, token] = p
    return EncoderDecoder(_NoEncoder(), _MarkovDecoder(table))


@pytest.mark.parametrize("name", ["seq2seq_tiny", "seq2seq_attention_tiny", "transformer_tiny"])
@pytest.mark.parametrize("seed", range(4))
def test_beam_size_one_equals_greedy(name: str, seed: int) -> None:
    torch.manual_seed(seed)
    net = create_model(name)
    src = torch.randint(3, 12, (6,))
    greedy = greedy_decode(net, src, bos=1, eos=2, max_len=10, src_valid_len=4)
    beam = beam_search(net, src, bos=1, eos=2, max_len=10, beam_size=1, src_valid_len=4)
    assert beam == greedy
    assert net.training  # both restore the mode they found


def test_beam_search_finds_what_greedy_misses() -> None:
    # Greedy takes A (0.5) then X (0.34): P(A X <eos>) = 0.5 * 0.34 * 0.97 = 0.165.
    # B (0.4) then X (0.9) is better: P(B X <eos>) = 0.4 * 0.9 * 0.97 = 0.349.
    net = markov_net({BOS: {A: 0.5, B: 0.4}, A: {X: 0.34, Y: 0.33}, B: {X: 0.9}})
    src = [0]
    assert greedy_decode(net, src, BOS, EOS, max_len=5) == [A, X]
    assert beam_search(net, src, BOS, EOS, max_len=5, beam_size=1) == [A, X]
    assert beam_search(net, src, BOS, EOS, max_len=5, beam_size=2) == [B, X]


def test_length_normalisation_decides_between_short_and_long() -> None:
    # "<eos>" at once: log 0.45 = -0.80 over 1 token. "A B <eos>": log(0.55 * 0.9 * 0.9)
    # = -0.81 over 3 tokens. Raw log-probability (alpha=0) prefers the empty sentence;
    # the book's alpha=0.75 divides by 3 ** 0.75 and prefers the longer one.
    net = markov_net({BOS: {EOS: 0.45, A: 0.55}, A: {B: 0.9}, B: {EOS: 0.9}})
    assert math.log(0.45) > math.log(0.55 * 0.9 * 0.9)
    assert beam_search(net, [0], BOS, EOS, max_len=5, beam_size=2, alpha=0.0) == []
    assert beam_search(net, [0], BOS, EOS, max_len=5, beam_size=2, alpha=0.75) == [A, B]


def test_max_len_cuts_unfinished_sequences() -> None:
    net = markov_net({BOS: {A: 0.9}, A: {A: 0.9}})
    assert greedy_decode(net, [0], BOS, EOS, max_len=4) == [A, A, A, A]
    assert beam_search(net, [0], BOS, EOS, max_len=4, beam_size=3) == [A, A, A, A]


def test_beam_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        beam_search(markov_net({}), [0], BOS, EOS, max_len=3, beam_size=0)


def test_greedy_steps_decodes_a_batch_for_exactly_num_steps_from_the_first_tokens():
    from d2lkit.models.decoding import greedy_steps

    torch.manual_seed(0)
    net = create_model("seq2seq_tiny")
    net.eval()
    src, first = torch.randint(0, 12, (3, 5)), torch.tensor([1, 1, 2])
    with torch.no_grad():
        preds, weights = greedy_steps(net, src, torch.tensor([5, 3, 4]), first, 4)
        state = net.decoder.init_state(
            net.encoder(src, torch.tensor([5, 3, 4])), torch.tensor([5, 3, 4])
        )
        token, expected = first.reshape(-1, 1), []
        for _ in range(4):  # the same loop by hand: argmax fed back, no stop at <eos>
            logits, state = net.decoder(token, state)
            token = logits.argmax(2)
            expected.append(token)
    assert weights == [] and preds.shape == (3, 4)
    torch.testing.assert_close(preds, torch.cat(expected, 1))
