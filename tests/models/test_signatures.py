"""Model signatures read from source agree with the registry's entry functions (no torch)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from d2lkit.errors import ConfigError
from d2lkit.models.registry import MODELS
from d2lkit.models.signatures import Argument, model_signature, model_signatures


def test_the_source_names_exactly_the_registered_models():
    assert sorted(model_signatures()) == sorted(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_signature_agrees_with_inspect_of_the_registered_entry_function(name):
    entry = MODELS.get(name)
    sig = model_signature(name)
    params = list(inspect.signature(entry).parameters.values())
    assert [a.name for a in sig.arguments] == [p.name for p in params]
    for arg, param in zip(sig.arguments, params, strict=True):
        assert arg.kind == param.kind.name, arg.name
        if param.default is param.empty:
            assert arg.default_source is None, arg.name
        else:
            assert arg.default == param.default, arg.name
            assert type(arg.default) is type(param.default), arg.name
        # The families use postponed annotations: inspect sees the source text too.
        assert arg.annotation == param.annotation, arg.name
    assert sig.doc == (inspect.getdoc(entry) or "").split("\n")[0]
    assert sig.family == entry.__module__.rsplit(".", 1)[-1]


def test_reading_every_signature_imports_no_torch():
    code = (
        "import sys\n"
        "from d2lkit.models.signatures import model_signature, model_signatures\n"
        "sigs = model_signatures()\n"
        "print(len(sigs), model_signature('lenet_bn').family)\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    count, family = out.stdout.split()[:2]
    assert int(count) == len(MODELS) and family == "cnn"
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_an_unknown_model_suggests_close_names():
    with pytest.raises(ConfigError, match="unknown model 'lenet_nb'") as info:
        model_signature("lenet_nb")
    assert "lenet_bn" in (info.value.fix or "")


def test_an_unknown_argument_names_the_ones_the_model_takes():
    with pytest.raises(ConfigError, match="takes no argument 'classes'") as info:
        model_signature("lenet_bn").argument("classes")
    assert info.value.fix == "its arguments are: num_classes, in_channels"


def test_a_default_that_is_not_a_literal_is_reported_not_guessed():
    arg = Argument("act", "POSITIONAL_OR_KEYWORD", "nn.ReLU", "type")
    with pytest.raises(ValueError, match=r"not a literal: nn\.ReLU"):
        _ = arg.default
    assert not arg.required
    assert Argument("x", "POSITIONAL_OR_KEYWORD", None).required
    assert not Argument("kw", "VAR_KEYWORD", None).required
