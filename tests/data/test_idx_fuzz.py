"""IDX files fuzzed: mutated magic numbers, counts, dimensions, truncations, paddings, flipped
bytes and labels. Every outcome is a correct read or one D2lkitError with a fix: never another
exception, and never a file written in the data folder.

A read is "correct" when it gives back exactly the file: the tensor, encoded again as IDX
(magic 0x0800 | ndim, the sizes, the bytes), equals the bytes that were read. Example counts
are bounded (150 per parsing test, 40 per test that writes files; hypothesis, derandomized,
no example database) so each test takes a few seconds.
"""

from __future__ import annotations

import gzip
import struct
import tempfile
from pathlib import Path

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lkit.data import vision
from d2lkit.data.files import read_bytes
from d2lkit.data.idx import check_idx_header, parse_idx
from d2lkit.errors import D2lkitError

FUZZ = settings(
    max_examples=150,
    deadline=None,  # a shared, loaded machine: time is not what is tested
    database=None,  # no .hypothesis folder left behind
    derandomize=True,  # the same examples on every run: CI never flakes on a new draw
    suppress_health_check=[HealthCheck.too_slow],
)
FUZZ_FILES = settings(FUZZ, max_examples=40)  # each example writes and reads two files


def _encode(array: np.ndarray) -> bytes:
    """An IDX file of uint8 ``array``: the independent encoder the reads are checked with."""
    return struct.pack(f">i{array.ndim}i", 0x0800 | array.ndim, *array.shape) + array.tobytes()


IMAGES = _encode((np.arange(3 * 4 * 5) % 256).astype(np.uint8).reshape(3, 4, 5))
LABELS = _encode(np.array([7, 2, 1], dtype=np.uint8))


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` changed in one to three ways an IDX file is damaged or crafted."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["magic", "ndim", "size", "cut", "pad", "flip", "label"]))
        if kind == "magic":
            data[0:4] = draw(st.binary(min_size=4, max_size=4))
        elif kind == "ndim" and len(data) >= 4:
            data[3] = draw(st.integers(0, 255))
        elif kind == "size" and len(data) >= 8:
            slots = max(1, min(data[3] if len(data) > 3 else 1, (len(data) - 4) // 4))
            at = 4 + 4 * draw(st.integers(0, slots - 1))
            size = draw(st.one_of(st.integers(-(2**31), 2**31 - 1), st.integers(0, 70)))
            data[at : at + 4] = struct.pack(">i", size)
        elif kind == "cut":
            del data[draw(st.integers(0, len(data))) :]
        elif kind == "pad":
            data += draw(st.binary(min_size=1, max_size=16))
        elif kind == "flip" and data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        elif kind == "label" and len(data) > 8:
            data[-1] = draw(st.integers(0, 255))
    return bytes(data)


def _one_clear_error(error: D2lkitError) -> None:
    assert error.message and error.fix, error
    assert "NAME" not in error.fix


@FUZZ
@given(data=st.one_of(mutated(IMAGES), mutated(LABELS)))
def test_parsing_mutated_idx_bytes_reads_them_exactly_or_says_why(data):
    try:
        tensor = parse_idx(data, "/data/mnist/t10k-labels-idx1-ubyte")
    except D2lkitError as error:
        _one_clear_error(error)
        return
    assert tensor.dtype == torch.uint8
    assert _encode(tensor.numpy()) == data  # the read is the file, exactly


@FUZZ
@given(data=st.one_of(mutated(IMAGES), mutated(LABELS)), cut=st.integers(0, 40))
def test_a_header_checked_from_its_first_bytes_agrees_with_the_whole_file(data, cut):
    whole: tuple[int, ...] | D2lkitError
    try:
        whole = check_idx_header(data, "f")
    except D2lkitError as error:
        whole = error
    try:  # what verification does: the head of the content, and the content's length
        head = check_idx_header(data[: max(cut, 24)], "f", size=len(data))
    except D2lkitError as error:
        _one_clear_error(error)
        assert isinstance(whole, D2lkitError)
        return
    assert head == whole


def _mnist_root(images: bytes, labels: bytes, gz: bool) -> tempfile.TemporaryDirectory[str]:
    tmp = tempfile.TemporaryDirectory(prefix="d2lkit-test-fuzz-")
    folder = Path(tmp.name) / "mnist"
    folder.mkdir()
    suffix = ".gz" if gz else ""
    for name, content in (("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)):
        (folder / (name + suffix)).write_bytes(gzip.compress(content, mtime=0) if gz else content)
    return tmp


@FUZZ_FILES
@given(
    which=st.sampled_from(["images", "labels"]),
    mutant=st.data(),
    gz=st.booleans(),
)
def test_reading_mutated_mnist_files_gives_the_files_or_one_clear_error(which, mutant, gz):
    images = mutant.draw(mutated(IMAGES)) if which == "images" else IMAGES
    labels = mutant.draw(mutated(LABELS)) if which == "labels" else LABELS
    with _mnist_root(images, labels, gz) as root:
        before = sorted(p.relative_to(root) for p in Path(root).rglob("*"))
        try:
            got = vision.read_mnist("test", root, download=False)
        except D2lkitError as error:
            _one_clear_error(error)
        else:  # only an unchanged-in-meaning file reads: the same bytes back, labels in range
            assert _encode(got.images[:, 0].numpy()) == images
            assert _encode(got.labels.to(torch.uint8).numpy()) == labels
            assert int(got.labels.max()) < 10
        after = sorted(p.relative_to(root) for p in Path(root).rglob("*"))
        assert after == before  # nothing written in the data folder


@FUZZ_FILES
@given(data=st.binary(max_size=64), truncate=st.integers(0, 64))
def test_arbitrary_bytes_named_gz_are_a_clear_error_or_their_content(data, truncate):
    with tempfile.TemporaryDirectory(prefix="d2lkit-test-fuzz-") as tmp:
        path = Path(tmp) / "t10k-labels-idx1-ubyte.gz"
        raw = gzip.compress(data, mtime=0)[: truncate if truncate < 18 else None]
        path.write_bytes(raw)
        try:
            content = read_bytes(path)
        except D2lkitError as error:
            _one_clear_error(error)
            assert "fetch mnist" in error.fix or "fetch fashion-mnist" in error.fix
        else:
            assert content == data
        assert [p.name for p in Path(tmp).iterdir()] == [path.name]


@FUZZ_FILES
@given(labels=st.lists(st.integers(0, 255), min_size=1, max_size=12))
def test_any_label_values_are_read_only_when_every_one_is_a_class(labels):
    array = np.array(labels, dtype=np.uint8)
    images = _encode(np.zeros((len(labels), 2, 2), dtype=np.uint8))
    with _mnist_root(images, _encode(array), gz=False) as root:
        try:
            got = vision.read_mnist("test", root, download=False)
        except D2lkitError as error:
            _one_clear_error(error)
            first = next(i for i, v in enumerate(labels) if v >= 10)  # found apart from d2lkit
            assert f"label {labels[first]} at position {first}" in error.message
        else:
            assert max(labels) < 10 and got.labels.tolist() == labels
