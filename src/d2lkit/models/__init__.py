"""Models: plain ``nn.Module`` s behind a registry.

>>> from d2lkit.models import create_model, list_models
>>> net = create_model("lenet_bn")

Names load on first use (PEP 562), and the families register their entry
functions on the registry's first lookup: ``import d2lkit.models`` and
:mod:`d2lkit.models.signatures` (every model's arguments, read from source)
import no torch, so ``d2lkit show`` and ``d2lkit list --models`` need none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from d2lkit.lazy import lazy_names

if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ loads each name
    from d2lkit.models.init import INITIALIZERS, init_weights
    from d2lkit.models.registry import create_model, list_models, model_entry, register_model
    from d2lkit.models.signatures import ModelSignature, model_signature, model_signatures
    from d2lkit.models.whitening import first_conv, whiten_first_conv

# Each public name -> the submodule that defines it (tests/models/test_package.py checks that
# this table, the imports above and __all__ agree).
_SOURCES: dict[str, str] = {
    "INITIALIZERS": "init",
    "init_weights": "init",
    "create_model": "registry",
    "list_models": "registry",
    "model_entry": "registry",
    "register_model": "registry",
    "ModelSignature": "signatures",
    "model_signature": "signatures",
    "model_signatures": "signatures",
    "first_conv": "whitening",
    "whiten_first_conv": "whitening",
}

__all__ = [
    "INITIALIZERS",
    "ModelSignature",
    "create_model",
    "first_conv",
    "init_weights",
    "list_models",
    "model_entry",
    "model_signature",
    "model_signatures",
    "register_model",
    "whiten_first_conv",
]


__getattr__, __dir__ = lazy_names(__name__, _SOURCES, __all__)
