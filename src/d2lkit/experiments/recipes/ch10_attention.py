"""Chapter 10: Bahdanau attention (10.4) and the transformer (10.7) on English-French.

Claim: with the book's ``train_seq2seq`` (Xavier init, Adam lr 0.005,
gradient norm clipped at 1, batch 64, 10 steps, the first 600 pairs), the GRU
encoder-decoder with additive attention (embedding 32, 32 hidden, 2 layers,
dropout 0.1, 250 epochs) prints loss 0.020 in the book's units, and the
transformer (32 hidden, 2 layers, 4 heads, FFN 64, dropout 0.1, 200 epochs)
prints loss 0.030 and translates all four sentences with BLEU 1.000. The
book's loss is our per-token loss / num_steps (``train_book_loss``). At the
end of training the attention weights of "i'm home ." are drawn into the run
folder (attention_*.png), as the book's ``show_heatmaps`` does.
"""

from __future__ import annotations

from typing import Any

from d2lkit.experiments.recipe import Recipe
from d2lkit.experiments.recipes.ch09_modern_rnn import (
    book_loss,
    seq2seq_config,
    translation_callbacks,
)

__all__ = ["RECIPES"]


def _with_heatmaps(run: Any) -> list[Any]:
    return translation_callbacks(run, heatmaps=True)


RECIPES = (
    Recipe(
        name="bahdanau",
        section="10.4",
        title="GRU encoder-decoder with Bahdanau attention, English to French",
        config=seq2seq_config(
            "seq2seq_attention", 250, embed_size=32, num_hiddens=32, num_layers=2, dropout=0.1
        ),
        expected=book_loss(
            0.020,
            "d2l-zh 2.0 10.4 prints 'loss 0.020' and BLEU 1.000/1.000/0.658/1.000 (mean 0.915)",
            tolerance=0.01,
        ),
        notes="train_book_loss = train_loss / num_steps: the book's printed loss.",
        callbacks=_with_heatmaps,
    ),
    Recipe(
        name="transformer",
        section="10.7",
        title="Transformer encoder-decoder, English to French",
        config=seq2seq_config(
            "transformer",
            200,
            num_hiddens=32,
            num_layers=2,
            dropout=0.1,
            ffn_num_hiddens=64,
            num_heads=4,
        ),
        expected=book_loss(
            0.030,
            "d2l-zh 2.0 10.7 prints 'loss 0.030' and BLEU 1.000 for all four sentences",
            tolerance=0.01,
        ),
        notes="train_book_loss = train_loss / num_steps: the book's printed loss.",
        callbacks=_with_heatmaps,
    ),
)
