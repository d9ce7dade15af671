"""Text data sets for recipes: character corpora for language models, pairs for translation.

Each returns the training loader and what the model (vocabulary sizes), the
task (``random_sampling``, ``<bos>``) and the callbacks (the vocabularies,
held-out pairs) need from the data.
"""

from __future__ import annotations

import torch

from d2lkit.data.loaders import TensorLoader
from d2lkit.data.nmt import NMT_RESERVED, _first_pairs, build_array_nmt, read_data_nmt
from d2lkit.data.text import SeqDataLoader, Vocab, load_corpus_jay_lyrics, load_corpus_time_machine
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__: list[str] = []


def _language_model(
    corpus: torch.Tensor,
    vocab: Vocab,
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    num_steps: int,
    random_sampling: bool,
    random_offset: bool = True,
) -> RunData:
    # The corpus lives on the device: every batch is then a slice there, no copy per step.
    loader = SeqDataLoader(
        corpus.to(device), vocab, config.batch_size, num_steps, random_sampling, seed, random_offset
    )
    return RunData(
        loader,
        {},  # the book reports training perplexity only
        model_kwargs={"vocab_size": len(vocab)},
        task_kwargs={"random_sampling": random_sampling},
        extras={"vocab": vocab, "num_steps": num_steps},
    )


@register_data("time-machine", files="time-machine")
def _time_machine(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    num_steps: int = 35,
    random_sampling: bool = False,
    max_tokens: int = 10000,
) -> RunData:
    """The Time Machine's first ``max_tokens`` characters (8.3): 28 tokens."""
    corpus, vocab = load_corpus_time_machine(max_tokens, root)
    return _language_model(
        corpus,
        vocab,
        config,
        device=device,
        seed=seed,
        num_steps=num_steps,
        random_sampling=random_sampling,
    )


@register_data("jaychou-lyrics", files="jaychou-lyrics")
def _jaychou_lyrics(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    num_steps: int = 35,
    random_sampling: bool = False,
    max_tokens: int = 10000,
    random_offset: bool = False,
) -> RunData:
    """Jay Chou's lyrics, the first edition's character corpus (6.3): 1027 characters.

    Sequential ("consecutive") sampling starts every epoch at the first
    character, as the first edition's ``data_iter_consecutive`` does, unless
    ``random_offset`` (the second edition's way).
    """
    corpus, vocab = load_corpus_jay_lyrics(max_tokens, root)
    return _language_model(
        corpus,
        vocab,
        config,
        device=device,
        seed=seed,
        num_steps=num_steps,
        random_sampling=random_sampling,
        random_offset=random_offset,
    )


@register_data("fra-eng", files="fra-eng")
def _fra_eng(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    num_steps: int = 10,
    num_examples: int = 600,
    num_heldout: int = 100,
) -> RunData:
    """The first ``num_examples`` English-French pairs (9.5) and the next ``num_heldout``.

    The held-out pairs are never trained on; a BLEU callback translates them.
    Both vocabularies are built from the training pairs only (words seen at
    least twice), so held-out words may be ``<unk>``, as for any new sentence.
    """
    source, target = _first_pairs(read_data_nmt(root), num_examples + num_heldout)
    train_src, train_tgt = source[:num_examples], target[:num_examples]
    src_vocab = Vocab(train_src, min_freq=2, reserved_tokens=NMT_RESERVED)
    tgt_vocab = Vocab(train_tgt, min_freq=2, reserved_tokens=NMT_RESERVED)
    src_array, src_valid_len = build_array_nmt(train_src, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array_nmt(train_tgt, tgt_vocab, num_steps)
    loader = TensorLoader(
        src_array,
        src_valid_len,
        tgt_array,
        tgt_valid_len,
        batch_size=config.batch_size,
        shuffle=True,
        seed=seed,
        device=device,
    )
    heldout = [
        (" ".join(src), " ".join(tgt))
        for src, tgt in zip(source[num_examples:], target[num_examples:], strict=True)
    ]
    return RunData(
        loader,
        {},
        model_kwargs={"src_vocab_size": len(src_vocab), "tgt_vocab_size": len(tgt_vocab)},
        task_kwargs={"bos": tgt_vocab["<bos>"]},
        extras={
            "src_vocab": src_vocab,
            "tgt_vocab": tgt_vocab,
            "num_steps": num_steps,
            "heldout_pairs": heldout,
        },
    )
