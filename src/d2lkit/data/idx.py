"""The IDX format of (Fashion-)MNIST: a big-endian header, then raw uint8 data.

Layout: int32 magic (0x0000 08 NN: type 0x08 = uint8, NN = number of
dimensions), NN int32 sizes, then the data. Images are 2051 (3 dims), labels
2049 (1 dim). The header is checked strictly before any array is made: every
size positive, and their product exactly the number of data bytes, so a
damaged or crafted header is a :class:`DataError`, never a crash in reshape.
"""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING

from d2lkit.data.catalog import refetch_hint
from d2lkit.errors import DataError

if TYPE_CHECKING:
    import torch

__all__ = ["check_idx_header", "parse_idx"]

_UINT8 = 0x08


def _refetch(name: str) -> str:
    return f"delete it and fetch its data set again ({refetch_hint(name)})"


def check_idx_header(
    data: bytes | memoryview, name: str, size: int | None = None
) -> tuple[int, ...]:
    """Validate an IDX header against the file's length; return the array shape.

    ``data`` holds the file, or at least its header when ``size`` gives the
    file's length in bytes.
    """
    size = len(data) if size is None else size
    if size < 4:
        raise DataError(f"{name}: only {size} bytes, too short for an IDX file", fix=_refetch(name))
    zero, dtype, ndim = struct.unpack(">HBB", bytes(data[:4]))
    if zero != 0 or dtype != _UINT8 or not 1 <= ndim <= 4:
        magic = struct.unpack(">i", bytes(data[:4]))[0]
        raise DataError(
            f"{name}: wrong magic number {magic} (expected 2049 for labels or 2051 for images):"
            " this is not an IDX file of uint8 data",
            fix=_refetch(name),
        )
    header = 4 + 4 * ndim
    if size < header or len(data) < header:
        raise DataError(f"{name}: the IDX header is cut short", fix=_refetch(name))
    shape = struct.unpack(f">{ndim}i", bytes(data[4:header]))
    if any(dim <= 0 for dim in shape):
        raise DataError(
            f"{name}: its IDX header gives the sizes {tuple(shape)}; every size must be "
            "positive (the header is damaged)",
            fix=_refetch(name),
        )
    expected = header + math.prod(shape)  # Python ints: no overflow
    if size != expected:
        raise DataError(
            f"{name}: holds {size} bytes but its header {tuple(shape)} needs {expected}"
            " (the file is truncated or padded)",
            fix=_refetch(name),
        )
    return tuple(shape)


def parse_idx(data: bytes, name: str) -> torch.Tensor:
    """Turn the bytes of an IDX file into a uint8 tensor of its shape (one copy).

    numpy and torch are imported here, not at the top: verifying a file checks
    only its header (:func:`check_idx_header`), and ``d2lkit data verify`` must
    not pay for torch.
    """
    import numpy as np
    import torch

    shape = check_idx_header(data, name)
    offset = 4 + 4 * len(shape)
    array = np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape)
    return torch.from_numpy(array.copy())
