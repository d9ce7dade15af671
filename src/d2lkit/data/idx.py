"""The IDX format of (Fashion-)MNIST: a big-endian header, then raw uint8 data.

Layout: int32 magic (0x0000 08 NN: type 0x08 = uint8, NN = number of
dimensions), NN int32 sizes, then the data. Images are 2051 (3 dims), labels
2049 (1 dim).
"""

from __future__ import annotations

import struct

import numpy as np
import torch

from d2lkit.errors import DataError

__all__ = ["check_idx_header", "parse_idx"]

_UINT8 = 0x08


def check_idx_header(data: bytes | memoryview, name: str) -> tuple[int, ...]:
    """Validate an IDX header against the data length; return the array shape."""
    if len(data) < 4:
        raise DataError(
            f"{name}: only {len(data)} bytes, too short for an IDX file",
            fix="delete it and run `d2lkit data fetch` again",
        )
    zero, dtype, ndim = struct.unpack(">HBB", bytes(data[:4]))
    if zero != 0 or dtype != _UINT8 or not 1 <= ndim <= 4:
        magic = struct.unpack(">i", bytes(data[:4]))[0]
        raise DataError(
            f"{name}: wrong magic number {magic} (expected 2049 for labels or 2051 for images):"
            " this is not an IDX file of uint8 data",
            fix="delete it and fetch the file again (`d2lkit data fetch NAME`)",
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{name}: the IDX header is cut short", fix="delete it and fetch it again")
    shape = struct.unpack(f">{ndim}i", bytes(data[4:header]))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise DataError(
            f"{name}: holds {len(data)} bytes but its header {tuple(shape)} needs {expected}"
            " (the file is truncated or padded)",
            fix="delete it and fetch it again (`d2lkit data fetch NAME`)",
        )
    return tuple(shape)


def parse_idx(data: bytes, name: str) -> torch.Tensor:
    """Turn the bytes of an IDX file into a uint8 tensor of its shape (one copy)."""
    shape = check_idx_header(data, name)
    offset = 4 + 4 * len(shape)
    array = np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape)
    return torch.from_numpy(array.copy())
