"""Callbacks of chapters 8-10: sampled text, translations and BLEU, the book's loss, heatmaps.

Recipes build them from a run's data extras (vocabularies, held-out pairs).
Each adds its figures to the epoch's row (``on_row``), so they reach the
history, metrics.csv and summary.json; text goes to the progress stream when
the run shows progress (a :class:`~d2lkit.train.ProgressBar` is present).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lkit.data.nmt import truncate_pad
from d2lkit.data.text import Vocab
from d2lkit.metric import METRICS, Metric
from d2lkit.models.decoding import greedy_decode
from d2lkit.models.rnn import generate
from d2lkit.train.bleu import bleu
from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer

__all__ = [
    "BOOK_PAIRS",
    "BookSeq2SeqLoss",
    "SampleText",
    "TranslationBLEU",
    "attention_maps",
    "translate",
]

log = logging.getLogger(__name__)

# The four sentences that d2l 9.7, 10.4 and 10.7 translate, with the book's references.
BOOK_PAIRS = (
    ("go .", "va !"),
    ("i lost .", "j'ai perdu ."),
    ("he's calm .", "il est calme ."),
    ("i'm home .", "je suis chez moi ."),
)


def _due(epoch: int, every: int, epochs: int) -> bool:
    return epoch % every == 0 or epoch == epochs


class SampleText(Callback):
    """Continue each prefix by ``num_preds`` greedy tokens every ``every`` epochs and at the end.

    The text goes into the row as ``sample`` (and so into summary.json's
    ``text``); the book's ``train_ch8`` prints ``predict('time traveller')``
    every 10 epochs. Default ``every``: a tenth of the epochs.
    """

    def __init__(
        self,
        vocab: Vocab,
        prefixes: Sequence[str] = ("time traveller",),
        num_preds: int = 50,
        every: int | None = None,
        joiner: str = "",
    ) -> None:
        self.vocab, self.prefixes, self.num_preds = vocab, tuple(prefixes), num_preds
        self.every, self.joiner = every, joiner
        self._every, self._text = 1, ""

    def on_fit_start(self, trainer: Trainer) -> None:
        self._every = self.every or max(1, trainer.epochs // 10)

    def sample(self, model: nn.Module) -> str:
        """Each prefix and its continuation, joined by `` | ``."""
        texts = []
        for prefix in self.prefixes:
            ids = generate(model, list(self.vocab[list(prefix)]), self.num_preds)
            texts.append(self.joiner.join(self.vocab.to_tokens(ids)))
        return " | ".join(texts)

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        self._text = ""
        if _due(row["epoch"], self._every, trainer.epochs):
            self._text = row["sample"] = self.sample(trainer.model)

    def on_epoch_end(self, trainer: Trainer) -> None:
        if self._text:
            trainer.echo(f"sample: {self._text}")


class BookSeq2SeqLoss(Callback):
    """``train_book_loss``: the loss as d2l 9.7 prints it, our token loss / ``num_steps``.

    The book averages each sequence's masked token losses over all ``num_steps``
    positions, padding included, then divides the sum by the valid tokens.
    """

    metrics = (METRICS.get("book_loss").column("train"),)

    def __init__(self, num_steps: int) -> None:
        self.num_steps = num_steps

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        row["train_book_loss"] = row["train_loss"] / self.num_steps


def _source_ids(sentence: str, src_vocab: Vocab, num_steps: int) -> tuple[list[int], int]:
    """The book's ``predict_seq2seq`` input: tokens, ``<eos>``, padded to ``num_steps``."""
    ids = [*src_vocab[sentence.lower().split(" ")], src_vocab["<eos>"]]
    return truncate_pad(ids, num_steps, src_vocab["<pad>"]), min(len(ids), num_steps)


def translate(
    net: nn.Module,
    sentence: str,
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    num_steps: int,
    *,
    attention: bool = False,
) -> tuple[str, list[Any]]:
    """Greedy translation of one sentence, tokens joined by spaces (d2l 9.7 ``predict_seq2seq``).

    With ``attention``, also the decoder's attention weights of every step (10.4's
    ``save_attention_weights``); else an empty list.
    """
    src, valid = _source_ids(sentence, src_vocab, num_steps)
    model: Any = net  # an EncoderDecoder
    weights: list[Any] = []
    hook = None
    if attention:
        hook = model.decoder.register_forward_hook(
            lambda module, args, out: weights.append(module.attention_weights)
        )
    try:
        out = greedy_decode(model, src, tgt_vocab["<bos>"], tgt_vocab["<eos>"], num_steps, valid)
    finally:
        if hook is not None:
            hook.remove()
    return " ".join(tgt_vocab.to_tokens(out)), weights


class TranslationBLEU(Callback):
    """Translate the book's sentences and held-out pairs; report their mean BLEU (k=2).

    Row figures: ``book_bleu`` (mean over the book's four sentences, each of
    which the book prints), ``test_bleu`` (mean over the held-out pairs) and
    ``translations`` (text). Computed every ``every`` epochs (default: a tenth)
    and at the end. With ``heatmaps`` (a folder, or True for the run folder),
    the attention weights of the last book sentence are drawn there at the end
    of training (``attention_<kind>.png``).
    """

    def __init__(
        self,
        src_vocab: Vocab,
        tgt_vocab: Vocab,
        num_steps: int,
        pairs: Sequence[tuple[str, str]] = BOOK_PAIRS,
        heldout: Sequence[tuple[str, str]] = (),
        every: int | None = None,
        heatmaps: str | Path | bool = False,
    ) -> None:
        self.src_vocab, self.tgt_vocab, self.num_steps = src_vocab, tgt_vocab, num_steps
        self.pairs, self.heldout = tuple(pairs), tuple(heldout)
        self.every = every
        self.heatmaps = heatmaps if isinstance(heatmaps, bool) else Path(heatmaps)
        self._every = 1
        self._lines: list[str] = []
        bleu_metric = METRICS.get("bleu")
        self.metrics: tuple[Metric, ...] = (
            METRICS.get("book_bleu"),
            *((bleu_metric.column("test"),) if self.heldout else ()),
        )

    def on_fit_start(self, trainer: Trainer) -> None:
        self._every = self.every or max(1, trainer.epochs // 10)

    def _mean_bleu(self, net: nn.Module, pairs: Sequence[tuple[str, str]]) -> tuple[float, list]:
        results = []
        for src, ref in pairs:
            pred, _ = translate(net, src, self.src_vocab, self.tgt_vocab, self.num_steps)
            results.append((src, pred, bleu(pred, ref, k=2)))
        return sum(r[2] for r in results) / max(len(results), 1), results

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        self._lines = []
        if not _due(row["epoch"], self._every, trainer.epochs):
            return
        row["book_bleu"], results = self._mean_bleu(trainer.model, self.pairs)
        self._lines = [f"{src} => {pred}, bleu {score:.3f}" for src, pred, score in results]
        row["translations"] = " | ".join(self._lines)
        if self.heldout:
            row["test_bleu"], _ = self._mean_bleu(trainer.model, self.heldout)

    def on_epoch_end(self, trainer: Trainer) -> None:
        for line in self._lines:
            trainer.echo(line)

    def on_fit_end(self, trainer: Trainer) -> None:
        folder = trainer.run_dir if self.heatmaps is True else self.heatmaps or None
        if folder is None or not trainer.is_main or not self.pairs:
            return
        from d2lkit.viz import save_figure, show_heatmaps

        sentence = self.pairs[-1][0]
        maps, src_len = attention_maps(
            trainer.model, sentence, self.src_vocab, self.tgt_vocab, self.num_steps
        )
        for name, weights in maps.items():
            keys = weights.shape[-1]
            fig = show_heatmaps(
                weights,
                xlabel="Key positions",
                ylabel="Query positions",
                titles=[f"Head {i + 1}" for i in range(weights.shape[1])],
            )
            fig.suptitle(f"{name.replace('_', ' ')}: {sentence!r} ({keys} keys)")
            save_figure(fig, Path(folder) / f"attention_{name}.png")
        log.info("attention heatmaps of %r (source length %d) in %s", sentence, src_len, folder)


@torch.no_grad()
def attention_maps(
    net: Any, sentence: str, src_vocab: Vocab, tgt_vocab: Vocab, num_steps: int
) -> tuple[dict[str, torch.Tensor], int]:
    """Attention weights while greedily translating ``sentence``, as 4-D heatmap grids.

    A Bahdanau decoder (10.4) gives ``decoder``: ``(1, 1, steps, source length)``.
    A transformer (10.7) gives ``encoder_self``, ``decoder_self`` and
    ``decoder_inter``, each ``(layers, heads, queries, keys)``: the book's plots.
    Keys are cut at the source's valid length (``<eos>`` included).
    """
    device = next(net.parameters()).device
    src, valid = _source_ids(sentence, src_vocab, num_steps)
    was_training = net.training
    net.eval()
    try:
        enc_X = torch.tensor([src], device=device)
        valid_t = torch.tensor([valid], device=device)
        enc_outputs = net.encoder(enc_X, valid_t)
        state = net.decoder.init_state(enc_outputs, valid_t)
        token, eos, steps = tgt_vocab["<bos>"], tgt_vocab["<eos>"], []
        for _ in range(num_steps):
            logits, state = net.decoder(torch.tensor([[token]], device=device), state)
            steps.append(net.decoder.attention_weights)
            token = int(logits[0, -1].argmax())
            if token == eos:
                break
    finally:
        net.train(was_training)
    maps: dict[str, torch.Tensor] = {}
    if hasattr(net.encoder, "blks"):  # a transformer: per layer, (heads, 1, keys) per step
        heads = net.encoder.attention_weights[0].shape[0]  # batch of one
        maps["encoder_self"] = torch.stack(
            [
                w.reshape(heads, num_steps, num_steps)[:, :valid, :valid]
                for w in net.encoder.attention_weights
            ]
        )
        n = len(steps)
        self_w = torch.zeros(len(steps[0][0]), heads, n, n)
        inter = torch.zeros(len(steps[0][1]), heads, n, valid)
        for t, (self_layers, inter_layers) in enumerate(steps):
            for layer, (s, c) in enumerate(zip(self_layers, inter_layers, strict=True)):
                self_w[layer, :, t, : t + 1] = s.reshape(heads, -1)[:, : t + 1].cpu()
                inter[layer, :, t] = c.reshape(heads, -1)[:, :valid].cpu()
        maps["decoder_self"], maps["decoder_inter"] = self_w, inter
    else:  # one additive attention: (1, 1, keys) per step
        weights = torch.stack([w[-1].reshape(-1)[:valid].cpu() for w in steps])
        maps["decoder"] = weights.reshape(1, 1, *weights.shape)
    return {k: v.cpu() for k, v in maps.items()}, valid
