"""Predicting a target sequence with an encoder-decoder: greedy and beam search (d2l 9.7, 9.8).

Both take one source sentence as token ids (already padded or truncated to the
model's ``num_steps``) and return the predicted target ids without ``<bos>`` and
``<eos>``. Both switch the model to evaluation mode while they run.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import torch
from torch.nn import functional as F

from d2lkit.models.seq2seq import EncoderDecoder

__all__ = ["beam_search", "greedy_decode", "greedy_steps"]


@contextmanager
def _eval_mode(net: EncoderDecoder) -> Iterator[None]:
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        net.train(was_training)


def _init_state(
    net: EncoderDecoder,
    src: Sequence[int] | torch.Tensor,
    src_valid_len: int | None,
    device: torch.device,
) -> Any:
    enc_X = torch.as_tensor(src, dtype=torch.long, device=device).reshape(1, -1)  # (1, T)
    valid = torch.tensor(
        [enc_X.shape[1] if src_valid_len is None else src_valid_len], device=device
    )  # (1,)
    return net.decoder.init_state(net.encoder(enc_X, valid), valid)


def _step(
    net: EncoderDecoder, token: int, state: Any, device: torch.device
) -> tuple[torch.Tensor, Any]:
    logits, state = net.decoder(torch.tensor([[token]], device=device), state)  # (1, 1, V)
    return logits[0, -1], state  # (V,)


def greedy_decode(
    net: EncoderDecoder,
    src: Sequence[int] | torch.Tensor,
    bos: int,
    eos: int,
    max_len: int,
    src_valid_len: int | None = None,
) -> list[int]:
    """The most likely next token at every step, fed back in, until ``<eos>`` or ``max_len``."""
    device = next(net.parameters()).device
    with _eval_mode(net):
        state = _init_state(net, src, src_valid_len, device)
        token, output = bos, []
        for _ in range(max_len):
            logits, state = _step(net, token, state, device)
            token = int(logits.argmax())
            if token == eos:
                break
            output.append(token)
    return output


def greedy_steps(
    net: Any,
    src: torch.Tensor,
    src_valid_len: torch.Tensor | None,
    first: torch.Tensor,
    num_steps: int,
    save_attention_weights: bool = False,
) -> tuple[torch.Tensor, list[Any]]:
    """A whole batch decoded greedily for exactly ``num_steps`` steps (d2l 1.0's ``predict_step``).

    Unlike :func:`greedy_decode` there is no stop at ``<eos>`` (the caller cuts
    each row there) and the model runs in whatever mode it is in.

    Args:
        net: an encoder-decoder (``net.encoder``, ``net.decoder.init_state``, ``net.decoder``).
        src: source ids ``(B, T_src)``; ``src_valid_len`` ``(B,)``.
        first: the first decoder input per row ``(B,)``, usually ``<bos>``.
        save_attention_weights: also return ``net.decoder.attention_weights`` after each step.

    Returns:
        The predicted ids ``(B, num_steps)`` and the list of attention weights (or []).
    """
    enc_outputs = net.encoder(src, src_valid_len)
    state = net.decoder.init_state(enc_outputs, src_valid_len)
    outputs, weights = [first.reshape(-1, 1)], []
    for _ in range(num_steps):
        Y, state = net.decoder(outputs[-1], state)  # (B, 1, V)
        outputs.append(Y.argmax(2))  # (B, 1)
        if save_attention_weights:
            weights.append(net.decoder.attention_weights)
    return torch.cat(outputs[1:], 1), weights


class _Hypothesis(NamedTuple):
    log_prob: float  # sum of log P(y_t | y_<t, source) over its tokens
    tokens: list[int]  # predicted so far, <eos> included once finished
    state: Any  # decoder state after the last token


def beam_search(
    net: EncoderDecoder,
    src: Sequence[int] | torch.Tensor,
    bos: int,
    eos: int,
    max_len: int,
    beam_size: int,
    alpha: float = 0.75,
    src_valid_len: int | None = None,
) -> list[int]:
    """The best of ``beam_size`` sequences kept at every step, by length-normalised log-probability.

    At each step every kept sequence is extended by each token and the ``beam_size``
    most probable extensions are kept; those ending in ``<eos>`` are set aside as
    finished. At the end (no sequence left, or ``max_len`` steps) finished and
    unfinished sequences compete on ``log P / L ** alpha``, where ``L`` counts the
    predicted tokens, ``<eos>`` included (d2l 9.8). With ``beam_size=1`` this is
    exactly :func:`greedy_decode`. Decoder states must not be changed in place:
    one state is extended several ways.
    """
    if beam_size < 1:
        raise ValueError(f"beam_size must be at least 1, got {beam_size}")
    device = next(net.parameters()).device
    with _eval_mode(net):
        alive = [_Hypothesis(0.0, [], _init_state(net, src, src_valid_len, device))]
        finished: list[_Hypothesis] = []
        for _ in range(max_len):
            candidates = []
            for hyp in alive:
                logits, state = _step(net, hyp.tokens[-1] if hyp.tokens else bos, hyp.state, device)
                top = F.log_softmax(logits.double(), dim=-1).topk(beam_size)
                for log_p, token in zip(top.values.tolist(), top.indices.tolist(), strict=True):
                    candidates.append(
                        _Hypothesis(hyp.log_prob + log_p, [*hyp.tokens, token], state)
                    )
            candidates.sort(key=lambda h: h.log_prob, reverse=True)
            alive = []
            for hyp in candidates[:beam_size]:
                (finished if hyp.tokens[-1] == eos else alive).append(hyp)
            if not alive:
                break
        finished += alive

    def score(hyp: _Hypothesis) -> float:
        return hyp.log_prob / math.pow(len(hyp.tokens), alpha) if hyp.tokens else -math.inf

    best = max(finished, key=score).tokens
    return best[:-1] if best and best[-1] == eos else best
