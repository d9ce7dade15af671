"""Run the scratch tests single-threaded: their tensors are tiny, so extra threads only add sync.

On a busy 2-core machine intra-op threads made this folder 2-3x slower; the
previous setting is restored when the folder is done, so other tests keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(scope="package", autouse=True)
def _single_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
