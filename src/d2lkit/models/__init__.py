"""Models: plain ``nn.Module`` s behind a registry.

>>> from d2lkit.models import create_model, list_models
>>> net = create_model("lenet_bn")
"""

# Importing each family registers its entry functions.
from d2lkit.models import (  # noqa: F401
    alexnet,
    bahdanau,
    bert,
    cnn,
    course,
    densenet,
    fast,
    googlenet,
    linear,
    mlp,
    nin,
    nli,
    resnet,
    rnn,
    sentiment,
    seq2seq,
    transformer,
    vgg,
    word2vec,
)
from d2lkit.models.init import INITIALIZERS, init_weights
from d2lkit.models.registry import create_model, list_models, model_entry, register_model
from d2lkit.models.whitening import first_conv, whiten_first_conv

__all__ = [
    "INITIALIZERS",
    "create_model",
    "first_conv",
    "init_weights",
    "list_models",
    "model_entry",
    "register_model",
    "whiten_first_conv",
]
