"""Fine-tuning networks (13.2, 13.14): pretrained bodies, new outputs, what trains and how fast."""

from __future__ import annotations

import pytest
import torch
import torchvision

from d2lkit.models import create_model, finetune, pretrained


@pytest.fixture
def random_imagenet(monkeypatch):
    """load_weights gives each model torchvision's random weights of seed 0 (no 50-90 MB file)."""
    saved = {}

    def load(model: str, root=None, *, download: bool = True) -> dict:
        torch.manual_seed(0)
        saved[model] = getattr(torchvision.models, model)(weights=None).state_dict()
        return saved[model]

    monkeypatch.setattr(pretrained, "load_weights", load)
    return saved


def test_the_hot_dog_network_keeps_the_body_and_trains_a_new_xavier_output_ten_times_faster(
    random_imagenet,
):
    net = create_model("resnet18_finetune")
    state = random_imagenet["resnet18"]
    for name, value in net.state_dict().items():
        if not name.startswith("fc."):
            torch.testing.assert_close(value, state[name])
    assert net.fc.out_features == 2 and net.fc.in_features == 512
    bound = (6 / (512 + 2)) ** 0.5  # Xavier-uniform's limit for a 512 -> 2 layer
    assert float(net.fc.weight.detach().abs().max()) <= bound
    scales = {n: getattr(p, finetune.LR_SCALE, 1.0) for n, p in net.named_parameters()}
    assert scales.pop("fc.weight") == scales.pop("fc.bias") == 10.0
    assert set(scales.values()) == {1.0}


def test_the_books_scratch_comparison_marks_nothing():
    net = create_model("resnet18_finetune", pretrained=False, output_lr_scale=1.0)
    assert not any(hasattr(p, finetune.LR_SCALE) for p in net.parameters())


def test_the_dog_network_freezes_its_pretrained_body_and_trains_only_the_new_output(
    random_imagenet,
):
    net = create_model("resnet34_dog", num_classes=5)
    trained = [n for n, p in net.named_parameters() if p.requires_grad]
    assert trained == [
        "output_new.0.weight", "output_new.0.bias", "output_new.2.weight", "output_new.2.bias",
    ]  # fmt: skip
    body = torchvision.models.resnet34(weights=None)
    body.load_state_dict(random_imagenet["resnet34"])
    body.eval()
    net.eval()
    X = torch.randn(1, 3, 64, 64)
    with torch.no_grad():  # the book's forward: the new network on the 1,000 ImageNet scores
        torch.testing.assert_close(net(X), net.output_new(body(X)))
    assert net(X).shape == (1, 5)
