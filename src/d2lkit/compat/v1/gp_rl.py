"""d2l 1.0's small helpers of its English-only chapters: the GP kernel and the RL plots.

``rbfkernel`` (18.2-18.3) is :func:`d2lkit.scratch.kernels.rbf_kernel` on
numpy arrays; ``show_value_function_progress`` / ``show_Q_function_progress``
(17.2-17.3) draw with :func:`d2lkit.viz.gridworld.show_policy_progress`.
The rest of those chapters' library (``make_env``/``frozen_lake`` need gym,
the HPO classes are a framework of their own) is not served: docs/compat.md
says why.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from d2lkit.scratch.kernels import rbf_kernel
from d2lkit.viz.gridworld import show_policy_progress, snapshot_indices

__all__ = ["rbfkernel", "show_Q_function_progress", "show_value_function_progress"]


def rbfkernel(x1: Any, x2: Any, ls: float = 4.0) -> np.ndarray:
    """The book's ``exp(-|a - b|^2 / (2 ls))`` for every pair of points: ``(n1, n2)`` float64.

    Note the book's code divides the squared distance by ``2 ls`` (its text's kernel
    by ``2 ls^2``); this keeps the code's figures: ``ls`` is the squared lengthscale.
    Points are the entries of 1-D arrays (or rows of 2-D ones).
    """
    a = torch.as_tensor(np.asarray(x1, dtype=np.float64))
    b = torch.as_tensor(np.asarray(x2, dtype=np.float64))
    return rbf_kernel(a, b, lengthscale=math.sqrt(ls)).numpy()


def show_value_function_progress(env_desc: Any, V: Any, pi: Any) -> None:
    """Values ``V`` and greedy actions ``pi`` ``(iterations, states)``, one panel each."""
    show_policy_progress(env_desc, V, pi, name="value_function")


def show_Q_function_progress(env_desc: Any, V_all: Any, pi_all: Any) -> None:
    """About ten evenly spaced iterations of ``V_all``/``pi_all`` and the last one."""
    V_all, pi_all = np.asarray(V_all), np.asarray(pi_all)
    shown = snapshot_indices(V_all.shape[0])
    show_policy_progress(
        env_desc, V_all[shown], pi_all[shown], steps=[i + 1 for i in shown], name="q_function"
    )
