"""From-scratch implementations of the book's ideas, each proven equal to torch's.

Every module here imports torch only, names its torch counterpart in its
docstring, and has a paired test in ``tests/scratch/`` that compares outputs
and gradients with ``torch.testing.assert_close``.
"""

from d2lkit.scratch.activations import relu, sigmoid, tanh
from d2lkit.scratch.batch_norm import BatchNorm, batch_norm
from d2lkit.scratch.clip import grad_clipping
from d2lkit.scratch.conv import (
    Conv2D,
    conv2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    pool2d,
)
from d2lkit.scratch.dropout import Dropout, dropout_layer
from d2lkit.scratch.kernels import rbf_kernel
from d2lkit.scratch.linear import linreg, squared_loss
from d2lkit.scratch.optim import SGD, AdaDelta, AdaGrad, Adam, Momentum, RMSProp, Yogi, sgd
from d2lkit.scratch.penalties import l1_penalty, l2_penalty
from d2lkit.scratch.rnn import GRUScratch, LSTMScratch, RNNModelScratch, RNNScratch
from d2lkit.scratch.schedules import (
    CosineScheduler,
    FactorScheduler,
    MultiFactorScheduler,
    SquareRootScheduler,
)
from d2lkit.scratch.softmax import cross_entropy, log_softmax, softmax
from d2lkit.scratch.stability import (
    activation_variance_by_layer,
    random_matrix_product,
    sigmoid_gradient,
    xavier_normal,
    xavier_uniform,
)

__all__ = [
    "SGD",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "BatchNorm",
    "Conv2D",
    "CosineScheduler",
    "Dropout",
    "FactorScheduler",
    "GRUScratch",
    "LSTMScratch",
    "Momentum",
    "MultiFactorScheduler",
    "RMSProp",
    "RNNModelScratch",
    "RNNScratch",
    "SquareRootScheduler",
    "Yogi",
    "activation_variance_by_layer",
    "batch_norm",
    "conv2d",
    "corr2d",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1",
    "cross_entropy",
    "dropout_layer",
    "grad_clipping",
    "l1_penalty",
    "l2_penalty",
    "linreg",
    "log_softmax",
    "pool2d",
    "random_matrix_product",
    "rbf_kernel",
    "relu",
    "sgd",
    "sigmoid",
    "sigmoid_gradient",
    "softmax",
    "squared_loss",
    "tanh",
    "xavier_normal",
    "xavier_uniform",
]
