"""The English book (d2l-en 1.0, d2l.ai) for benchmarks/book_sections.py (``--edition en``).

What differs from the Chinese book:

- chapter folders (``linear-regression``, ``builders-guide`` ...; chapters 2-16
  of d2l-en 1.0: preliminaries to NLP applications);
- code cells may carry a cell number (```` ```{.python .input  n=3} ````) and
  mark their frameworks with ``%%tab pytorch`` / ``%%tab all`` (older sections
  ``#@tab``); ``%%tab all`` cells branch with ``if tab.selected('pytorch'):``,
  so each script gets a ``tab`` object that selects PyTorch;
- the import line becomes ``from d2lkit.v1 import torch as d2l``;
- training runs through the class API: epochs are capped in ``Trainer.fit``
  (``max_epochs``) and batches in ``Trainer.prepare_data`` (the loaders the
  trainer keeps, and the batch counts the model's plots read);
- the original library (d2l 1.0.3) imports ``scipy`` at the top (only its
  Gaussian-process chapter uses it): where scipy is not installed, a stub
  package is put on the path; and its ``download`` is told the store's
  ``fra-eng.zip`` checksum (the store's archive holds the same pairs).

:func:`patch_library` is written as one function of the library module so
that it can run wherever the runner gets hold of the library.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

CHAPTERS = (
    "preliminaries",
    "linear-regression",
    "linear-classification",
    "multilayer-perceptrons",
    "builders-guide",
    "convolutional-neural-networks",
    "convolutional-modern",
    "recurrent-neural-networks",
    "recurrent-modern",
    "attention-mechanisms-and-transformers",
    "optimization",
    "computational-performance",
    "computer-vision",
    "natural-language-processing-pretraining",
    "natural-language-processing-applications",
)

CELL = re.compile(r"```\{\.python \.input[^}\n]*\}\n(.*?)```", re.S)
IMPORT = re.compile(r"^from d2l import torch as d2l\s*$", re.M)
FACADE = "d2lkit.v1.torch"
FACADE_IMPORT = "from d2lkit.v1 import torch as d2l"
BOOK_FRA_ENG_SHA1 = "94646ad1522d915e7b0f9296181140edcf86a4f5"


def tab_is_pytorch(cell: str) -> bool:
    """A cell a PyTorch reader runs: ``%%tab`` / ``#@tab`` naming pytorch or all."""
    first = cell.split("\n", 1)[0].strip()
    for marker in ("%%tab", "#@tab"):
        if first.startswith(marker):
            tabs = {t.strip() for t in first[len(marker) :].split(",")}
            return "pytorch" in tabs or "all" in tabs
    return False  # untagged cells belong to the default tab (MXNet)


# Put at the top of the section (module level): d2lbook's `tab`, which English cells call.
PROLOGUE = '''\
class _Tab:
    """d2lbook's `tab` in a PyTorch notebook: only 'pytorch' is selected."""

    @staticmethod
    def selected(*names):
        return "pytorch" in names

    @staticmethod
    def interact_select(*args, **kwargs):
        return None


tab = _Tab()
'''

# Runs inside PRELUDE's patch(_lib), when the section's import line loads the library:
# caps the class API's training (max_epochs in fit, batches in prepare_data).
EXTRA = """\
        trainer = getattr(_lib, "Trainer", None)
        if trainer is not None and hasattr(trainer, "prepare_data"):
            book_fit, book_prepare_data = trainer.fit, trainer.prepare_data

            def capped_fit(self, model, data):
                self.max_epochs = min(self.max_epochs, max_epochs)
                return book_fit(self, model, data)

            def capped_prepare_data(self, data):
                book_prepare_data(self, data)
                self.train_dataloader = Capped(self.train_dataloader)
                self.num_train_batches = len(self.train_dataloader)
                if self.val_dataloader is not None:
                    self.val_dataloader = Capped(self.val_dataloader)
                    self.num_val_batches = len(self.val_dataloader)

            trainer.fit, trainer.prepare_data = capped_fit, capped_prepare_data
"""

# Only for the original library: its download must accept the store's fra-eng.zip.
BOOK_EXTRA = """\
        book_download = _lib.download

        def download(url, folder="../data", sha1_hash=None):
            if sha1_hash == "{book_sha1}":
                sha1_hash = "{fra_sha1}"
            if url == "fra-eng" or url.endswith("/fra-eng.zip"):
                url = _lib.DATA_URL + "fra-eng.zip" if url == "fra-eng" else url
                sha1_hash = "{fra_sha1}"
            return book_download(url, folder, sha1_hash)

        _lib.download = download
"""

SCIPY_STUB = '''\
"""A stand-in for scipy where it is not installed: d2l 1.0.3 imports it at the top."""


def distance_matrix(*args, **kwargs):
    raise NotImplementedError("scipy is not installed (stub from benchmarks/book_sections_en.py)")
'''


def book_extra(fra_sha1: str) -> str:
    return BOOK_EXTRA.format(book_sha1=BOOK_FRA_ENG_SHA1, fra_sha1=fra_sha1)


def scipy_stub_path(python: str, root: Path) -> str | None:
    """A folder with a stub ``scipy.spatial`` if ``python`` cannot import scipy, else None."""
    probe = subprocess.run([python, "-c", "import scipy.spatial"], capture_output=True)
    if probe.returncode == 0:
        return None
    package = root / "stubs" / "scipy"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""Stub (book_sections_en.py)."""\n')
    (package / "spatial.py").write_text(SCIPY_STUB)
    return str(root / "stubs")
