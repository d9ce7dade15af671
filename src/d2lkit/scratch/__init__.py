"""From-scratch implementations of the book's ideas, each proven equal to torch's.

Every module here imports torch only, names its torch counterpart in its
docstring, and has a paired test in ``tests/scratch/`` that compares outputs
and gradients with ``torch.testing.assert_close``.
"""

from d2lkit.scratch.activations import relu, sigmoid, tanh
from d2lkit.scratch.batch_norm import BatchNorm, batch_norm
from d2lkit.scratch.optim import SGD, sgd
from d2lkit.scratch.softmax import cross_entropy, log_softmax, softmax

__all__ = [
    "SGD",
    "BatchNorm",
    "batch_norm",
    "cross_entropy",
    "log_softmax",
    "relu",
    "sgd",
    "sigmoid",
    "softmax",
    "tanh",
]
