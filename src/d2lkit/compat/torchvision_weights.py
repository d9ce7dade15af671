"""The book's ``torchvision.models.resnet18(pretrained=True)`` served by d2lkit's store.

Chapter 13's cells call torchvision directly for ImageNet weights, and
torchvision downloads through ``torch.hub.load_state_dict_from_url`` into its
own cache — a raw traceback without a network. Importing ``d2lkit.torch``
calls :func:`enable`: a weights URL whose file the catalog lists
(ResNet-18's, VGG-19's: :func:`d2lkit.models.pretrained.catalogued_weights`)
is then loaded through the store (verified, kept in the data directory, the
store's one "missing file" message when it cannot be had); every other URL
goes to torch.hub as before. For this process only; ``D2LKIT_BOOK_WEIGHTS=0``
opts out and :func:`disable` restores torch.hub.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import torch.hub

from d2lkit.models.pretrained import catalogued_weights, load_weights_file

__all__ = ["disable", "enable", "load_state_dict_from_url"]

ENV_OPT_OUT = "D2LKIT_BOOK_WEIGHTS"
_ORIGINAL = torch.hub.load_state_dict_from_url
# torchvision binds the name when it is imported; these modules hold it
_HOLDERS = ("torchvision._internally_replaced_utils", "torchvision.models._api")


def load_state_dict_from_url(url: str, *args: Any, **kwargs: Any) -> Any:
    """torch.hub's function, with catalogued weights taken from d2lkit's store."""
    found = catalogued_weights(kwargs.get("file_name") or url)
    if found is None:
        return _ORIGINAL(url, *args, **kwargs)
    return load_weights_file(*found, map_location=kwargs.get("map_location"))


def _set(function: Any) -> None:
    torch.hub.load_state_dict_from_url = function
    for name in _HOLDERS:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "load_state_dict_from_url"):
            module.load_state_dict_from_url = function  # type: ignore[attr-defined]


def enable() -> None:
    """Route catalogued weights through the store (unless ``$D2LKIT_BOOK_WEIGHTS`` is 0)."""
    if os.environ.get(ENV_OPT_OUT, "").strip() in ("0", "false", "no", "off"):
        return
    _set(load_state_dict_from_url)


def disable() -> None:
    """torch.hub's own function again, everywhere it was replaced."""
    _set(_ORIGINAL)
