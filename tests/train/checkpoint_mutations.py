"""Hypothesis strategies that damage, edit or craft a checkpoint's dictionary.

Used by the checkpoint fuzzers (tests/train/test_checkpoint_fuzz.py and the run's resume in
tests/experiments/test_fuzz_run.py): ``mutated(state)`` is ``state`` with one to three of its
fields replaced by any value (tensors of any dtype and shape included), removed, added to,
wrapped in a list or given another type.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from hypothesis import strategies as st

__all__ = ["VALUES", "mutated"]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in the state a mutation can reach (long sequences count as one value)."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list | tuple) and len(node) <= 8:
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


_TENSOR = st.builds(
    lambda dtype, shape, fill: torch.full(shape, fill).to(dtype),
    st.sampled_from([torch.float32, torch.float64, torch.int64, torch.uint8, torch.bool]),
    st.lists(st.integers(0, 5), max_size=3).map(tuple),
    st.sampled_from([0.0, 1.0, -3.0, math.nan, math.inf]),
)
_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=8),
    _TENSOR,
)
VALUES = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=6), st.integers(0, 3)), inner, max_size=3),
    ),
    max_leaves=5,
)


def _replace(root: Any, path: tuple, change: Any) -> Any:
    """``root`` with the value at ``path`` replaced by ``change(old)`` (tuples rebuilt)."""
    if not path:
        return change(root)
    key, rest = path[0], path[1:]
    if isinstance(root, tuple):
        items = list(root)
        items[key] = _replace(items[key], rest, change)
        return tuple(items)
    root[key] = _replace(root[key], rest, change)
    return root


@st.composite
def mutated(draw: st.DrawFn, original: dict[str, Any]) -> Any:
    """``original`` changed in one to three ways a checkpoint is damaged, edited or crafted."""
    state: Any = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(state)))
        kind = draw(st.sampled_from(["set", "set", "drop", "add", "wrap", "retype"]))
        if kind == "set":
            value = draw(VALUES)
            state = _replace(state, path, lambda old, value=value: value)
        elif kind == "drop" and path:
            parent = _replace(state, path[:-1], lambda old: old)  # the container itself
            for key in path[:-1]:
                parent = parent[key]
            if isinstance(parent, dict | list):
                del parent[path[-1]]
        elif kind == "add":
            key, value = draw(st.text(max_size=6)), draw(VALUES)
            state = _replace(state, path, lambda old, k=key, v=value: _added(old, k, v))
        elif kind == "wrap":
            state = _replace(state, path, lambda old: [old])
        elif kind == "retype":
            state = _replace(state, path, _retyped)
    return state


def _added(old: Any, key: str, value: Any) -> Any:
    if isinstance(old, dict):
        old[key] = value
    elif isinstance(old, list):
        old.append(value)
    return old


def _retyped(old: Any) -> Any:
    """The same value as another type: text for numbers, a list for a tuple, floats for ints."""
    if isinstance(old, bool):
        return int(old)
    if isinstance(old, int | float):
        return str(old)
    if isinstance(old, tuple):
        return list(old)
    if isinstance(old, torch.Tensor):
        return old.double() if old.dtype != torch.float64 else old.tolist()
    if isinstance(old, dict):
        return list(old.values())
    return old
