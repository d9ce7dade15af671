"""Chapter 14's data sets for recipes: PTB skip-gram examples (14.3), WikiText-2 BERT pairs (14.9).

Both read the whole corpus once and draw every random choice (subsampling,
windows, noise words; sentence pairs, masks) from generators seeded by the
run's seed, so a seed reproduces the examples as well as the order.
"""

from __future__ import annotations

import torch

from d2lkit.data.loaders import TensorLoader
from d2lkit.data.ptb import load_data_ptb
from d2lkit.data.wikitext import bert_pretraining_tensors, read_wiki
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__: list[str] = []


@register_data("ptb", files="ptb")
def _ptb(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    max_window_size: int = 5,
    num_noise_words: int = 5,
) -> RunData:
    """PTB's training sentences as skip-gram batches with ``num_noise_words`` per context word.

    The vocabulary (words seen 10 times or more) sizes the model and goes to
    the callbacks, which look words up in the trained vectors.
    """
    loader, vocab = load_data_ptb(
        config.batch_size, max_window_size, num_noise_words, root=root, seed=seed, device=device
    )
    return RunData(
        loader,
        {},  # the book reports the training loss only
        model_kwargs={"vocab_size": len(vocab)},
        extras={"vocab": vocab},
    )


@register_data("wikitext-2", files="wikitext-2")
def _wikitext2(
    config: DataConfig, *, device: torch.device, seed: int, root: Root, max_len: int = 64
) -> RunData:
    """WikiText-2's training split as BERT pretraining examples of at most ``max_len`` tokens.

    The book's ``load_data_wiki``: next-sentence pairs and masked tokens; the
    vocabulary (words seen 5 times or more, BERT's reserved tokens) sizes the
    model; the paragraphs of the validation split go to the callbacks.
    """
    generator = torch.Generator().manual_seed(seed)
    tensors, vocab = bert_pretraining_tensors(read_wiki("train", root), max_len, generator)
    loader = TensorLoader(
        *tensors, batch_size=config.batch_size, shuffle=True, seed=seed, device=device
    )
    return RunData(
        loader,
        {},  # the book reports the training losses only
        model_kwargs={"vocab_size": len(vocab)},
        extras={"vocab": vocab, "max_len": max_len},
    )
