"""d2l 1.0's ``DataModule`` and its data sets, served by d2lkit's store and tensor loaders.

Every loader is a :class:`~d2lkit.data.TensorLoader` (tensors in memory, one
gather per batch, no worker processes; shuffling seeded from torch's global
RNG, so ``torch.manual_seed`` makes runs repeatable). Files come from
d2lkit's verified store (``$D2LKIT_DATA``), not from the book's ``../data``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import torch

from d2lkit.compat.v1.hyperparameters import HyperParameters
from d2lkit.data import TensorLoader
from d2lkit.data import nmt as _nmt
from d2lkit.data import synthetic as _synthetic
from d2lkit.data import text as _text
from d2lkit.data import vision as _vision
from d2lkit.data.access import require
from d2lkit.data.files import read_text
from d2lkit.data.transforms import ImageBatch
from d2lkit.viz.book_plots import show_images

__all__ = [
    "DataModule",
    "FashionMNIST",
    "MTFraEng",
    "SyntheticRegressionData",
    "TimeMachine",
    "Vocab",
]

Vocab = _text.SortedVocab


def _seed() -> int:
    """A loader seed drawn from torch's global RNG, so ``torch.manual_seed`` governs shuffling."""
    return int(torch.randint(0, 2**62, (1,)).item())


class DataModule(HyperParameters):
    """The base class of data: ``train_dataloader()`` and ``val_dataloader()``.

    Args:
        root: the book's data folder (kept as an attribute; d2lkit reads its store).
        num_workers: the book's loader processes (kept; tensor loaders need none).
    """

    batch_size: int

    def __init__(self, root: str = "../data", num_workers: int = 4) -> None:
        self.save_hyperparameters()

    def get_dataloader(self, train: bool) -> Any:
        raise NotImplementedError

    def train_dataloader(self) -> Any:
        return self.get_dataloader(train=True)

    def val_dataloader(self) -> Any:
        return self.get_dataloader(train=False)

    def get_tensorloader(
        self, tensors: Sequence[torch.Tensor], train: bool, indices: Any = slice(0, None)
    ) -> TensorLoader:
        """Minibatches of ``batch_size`` over ``tensors[indices]``, shuffled when ``train``."""
        selected = tuple(torch.as_tensor(a)[indices] for a in tensors)
        return TensorLoader(*selected, batch_size=self.batch_size, shuffle=train, seed=_seed())


class SyntheticRegressionData(DataModule):
    """Synthetic data for linear regression: ``y = Xw + b + noise`` (3.3).

    ``X`` is (num_train + num_val, len(w)) from N(0, 1); noise N(0, noise²).
    """

    num_train: int
    num_val: int

    def __init__(
        self,
        w: torch.Tensor,
        b: float,
        noise: float = 0.01,
        num_train: int = 1000,
        num_val: int = 1000,
        batch_size: int = 32,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.X, self.y = _synthetic.synthetic_data(w, float(b), num_train + num_val, noise=noise)

    def get_dataloader(self, train: bool) -> TensorLoader:
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


def _size(resize: Any) -> tuple[int, int]:
    return (resize, resize) if isinstance(resize, int) else (int(resize[0]), int(resize[1]))


class FashionMNIST(DataModule):
    """Fashion-MNIST as float images ``(B, 1, H, W)`` in [0, 1], resized per batch (4.2).

    ``train`` and ``val`` can be indexed like the book's torchvision data sets
    (``data.train[0]`` is ``(image, label)``); loaders serve uint8 images from
    memory and convert (and resize) each batch.
    """

    def __init__(self, batch_size: int = 64, resize: Any = (28, 28)) -> None:
        super().__init__()
        self.save_hyperparameters()
        transform = ImageBatch(resize=_size(resize))
        self.train = _vision.ImageView(_vision.read_fashion_mnist("train"), transform)
        self.val = _vision.ImageView(_vision.read_fashion_mnist("test"), transform)

    def text_labels(self, indices: Any) -> list[str]:
        """The class names of label indices."""
        return [_vision.FASHION_MNIST_CLASSES[int(i)] for i in indices]

    def get_dataloader(self, train: bool) -> TensorLoader:
        data = self.train if train else self.val
        return TensorLoader(
            data.images.images,
            data.images.labels,
            batch_size=self.batch_size,
            shuffle=train,
            seed=_seed(),
            transform=data.transform,
        )

    def visualize(
        self, batch: Sequence[torch.Tensor], nrows: int = 1, ncols: int = 8, labels: Any = ()
    ) -> None:
        """Show the first ``nrows * ncols`` images of a batch, titled with their labels."""
        X, y = batch
        if not labels:
            labels = self.text_labels(y)
        show_images(X.squeeze(1), nrows, ncols, titles=list(labels))


class TimeMachine(DataModule):
    """The Time Machine as characters: ``X``, ``Y`` windows of ``num_steps`` tokens (9.2, 9.3).

    Every start position gives one example (``Y`` is ``X`` one token later);
    the first ``num_train`` are for training, the next ``num_val`` for validation.
    """

    num_steps: int
    num_train: int
    num_val: int

    def __init__(
        self, batch_size: int, num_steps: int, num_train: int = 10000, num_val: int = 5000
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        corpus, self.vocab = self.build(self._download())
        self.X, self.Y = _text.next_token_windows(torch.tensor(corpus), num_steps)

    def _download(self) -> str:
        """The book's raw text, verified, from d2lkit's store."""
        return read_text(require("time-machine", "timemachine.txt"))

    def _preprocess(self, text: str) -> str:
        return re.sub("[^A-Za-z]+", " ", text).lower()

    def _tokenize(self, text: str) -> list[str]:
        return list(text)

    def build(self, raw_text: str, vocab: Any = None) -> tuple[list[int], Any]:
        """(token indices, vocabulary) of a text; a new vocabulary unless one is given."""
        tokens = self._tokenize(self._preprocess(raw_text))
        if vocab is None:
            vocab = Vocab(tokens)
        return vocab[tokens], vocab

    def get_dataloader(self, train: bool) -> TensorLoader:
        idx = (
            slice(0, self.num_train)
            if train
            else slice(self.num_train, self.num_train + self.num_val)
        )
        return self.get_tensorloader([self.X, self.Y], train, idx)


class MTFraEng(DataModule):
    """English-French pairs (10.5): ``(src, tgt_in, src_valid_len, tgt_out)`` of ``num_steps``.

    Tokens end with ``<eos>``; sequences are cut or padded with ``<pad>`` to
    ``num_steps``; the target gets a leading ``<bos>`` (decoder input = target
    without its last token, label = target without ``<bos>``). Vocabularies keep
    tokens seen at least twice, in sorted order.
    """

    num_steps: int
    num_train: int
    num_val: int

    def __init__(
        self, batch_size: int, num_steps: int = 9, num_train: int = 512, num_val: int = 128
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.arrays, self.src_vocab, self.tgt_vocab = self._build_arrays(self._download())

    def _download(self) -> str:
        """The raw ``fra.txt``, read from the verified ``fra-eng.zip`` of d2lkit's store."""
        return _nmt.read_data_nmt()

    def _preprocess(self, text: str) -> str:
        """Non-breaking spaces to spaces, lower case, a space before ``,.!?``."""
        return _nmt.preprocess_nmt(text)

    def _tokenize(
        self, text: str, max_examples: int | None = None
    ) -> tuple[list[list[str]], list[list[str]]]:
        """Word tokens ending in ``<eos>``; lines 0..max_examples are read, as in the book."""
        src, tgt = [], []
        for i, line in enumerate(text.split("\n")):
            if max_examples and i > max_examples:
                break
            parts = line.split("\t")
            if len(parts) == 2:
                src.append([t for t in f"{parts[0]} <eos>".split(" ") if t])
                tgt.append([t for t in f"{parts[1]} <eos>".split(" ") if t])
        return src, tgt

    def _build_arrays(
        self, raw_text: str, src_vocab: Any = None, tgt_vocab: Any = None
    ) -> tuple[tuple[torch.Tensor, ...], Any, Any]:
        src, tgt = self._tokenize(
            self._preprocess(_first_lines(raw_text, self.num_train + self.num_val)),
            self.num_train + self.num_val,
        )
        src_array, src_vocab, src_valid_len = _padded_array(src, src_vocab, self.num_steps)
        tgt_array, tgt_vocab, _ = _padded_array(tgt, tgt_vocab, self.num_steps, bos=True)
        return (
            (src_array, tgt_array[:, :-1], src_valid_len, tgt_array[:, 1:]),
            src_vocab,
            tgt_vocab,
        )

    def get_dataloader(self, train: bool) -> TensorLoader:
        idx = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader(self.arrays, train, idx)

    def build(
        self, src_sentences: Sequence[str], tgt_sentences: Sequence[str]
    ) -> tuple[torch.Tensor, ...]:
        """The arrays of new sentence pairs, with this data set's vocabularies."""
        raw_text = "\n".join(
            s + "\t" + t for s, t in zip(src_sentences, tgt_sentences, strict=False)
        )
        arrays, _, _ = self._build_arrays(raw_text, self.src_vocab, self.tgt_vocab)
        return arrays


def _first_lines(text: str, max_examples: int | None) -> str:
    """The lines ``_tokenize`` reads (0..max_examples): cleaning only those is much faster."""
    if not max_examples:
        return text
    end = -1
    for _ in range(max_examples + 1):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[: end + 1]


def _padded_array(
    sentences: list[list[str]], vocab: Any, num_steps: int, bos: bool = False
) -> tuple[torch.Tensor, Any, torch.Tensor]:
    """Token lists cut or padded to ``num_steps`` (``<bos>`` first if asked), as indices.

    Returns (indices (N, num_steps [+1]), vocabulary, valid lengths (N,) int64: the
    book sums an int32 mask, which torch sums to int64).
    """
    padded = [s[:num_steps] + ["<pad>"] * (num_steps - len(s)) for s in sentences]
    if bos:
        padded = [["<bos>", *s] for s in padded]
    if vocab is None:
        vocab = Vocab(padded, min_freq=2)
    array = torch.tensor([vocab[s] for s in padded], dtype=torch.int64)
    valid_len = (array != vocab["<pad>"]).to(torch.int32).sum(1)
    return array, vocab, valid_len
