"""The model registry: names, patterns, argument checks, helpful errors."""

from __future__ import annotations

import pytest
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.models import create_model, list_models, model_entry, register_model

BOOK_FAMILIES = [
    "linear_regression",
    "softmax_regression",
    "mlp",
    "lenet",
    "lenet_bn",
    "alexnet",
    "vgg11",
    "nin",
    "googlenet",
    "resnet18",
    "densenet",
    "rnn_lm",
    "seq2seq",
    "seq2seq_attention",
    "transformer",
    "tiny_ssd",
    "fcn_resnet18",
    "word2vec",
    "bert",
    "birnn",
    "textcnn",
    "decomposable_attention",
]


@pytest.mark.parametrize("name", BOOK_FAMILIES)
def test_every_book_model_is_registered(name: str) -> None:
    assert name in list_models()


def test_every_family_has_a_tiny_variant() -> None:
    tiny = set(list_models("*_tiny"))
    for family in [
        "mlp",
        "alexnet",
        "vgg11",
        "nin",
        "googlenet",
        "resnet18",
        "densenet",
        "rnn_lm",
        "seq2seq",
        "seq2seq_attention",
        "transformer",
        "word2vec",
        "bert",
        "birnn",
        "textcnn",
        "decomposable_attention",
    ]:
        assert f"{family}_tiny" in tiny


def test_list_models_filters_by_shell_pattern_and_sorts() -> None:
    assert list_models("resnet18_*i*") == [
        "resnet18_finetune",
        "resnet18_finetune_tiny",
        "resnet18_small_images",
        "resnet18_tiny",
    ]
    assert list_models("seq2seq*") == sorted(list_models("seq2seq*"))
    assert list_models("no_such_*") == []


def test_unknown_model_suggests_close_names() -> None:
    with pytest.raises(ConfigError, match="resnet18"):
        create_model("resnet_18")


def test_unknown_argument_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="num_classes"):
        create_model("lenet", num_class=10)


def test_entry_is_the_registered_function() -> None:
    assert model_entry("alexnet").__name__ == "alexnet"


def test_registering_another_function_under_a_taken_name_fails() -> None:
    def lenet() -> nn.Module:
        return nn.Identity()

    with pytest.raises(ValueError, match="already registered"):
        register_model(lenet)
