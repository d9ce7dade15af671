"""Style transfer's pieces (13.12): Gram matrices, the three losses, VGG-19's layers."""

from __future__ import annotations

import torch
from torch import nn

from d2lkit.models.style import (
    CONTENT_LAYERS,
    STYLE_LAYERS,
    StyleLoss,
    SynthesizedImage,
    content_loss,
    extract_features,
    gram,
    style_loss,
    tv_loss,
    vgg19_features,
)


def test_gram_is_the_channel_inner_products_over_channels_times_positions():
    X = torch.randn(1, 3, 4, 5)
    expected = torch.einsum("chw,dhw->cd", X[0], X[0]) / (3 * 20)
    torch.testing.assert_close(gram(X), expected)


def test_total_variation_by_hand():
    Y = torch.tensor([[[[0.0, 1.0], [3.0, 3.0]]]])
    # down: |3-0|, |3-1| -> mean 2.5; across: |1-0|, |3-3| -> mean 0.5
    assert tv_loss(Y).item() == 0.5 * (2.5 + 0.5)


def test_the_total_counts_style_ten_times_as_the_books_list_repetition_does():
    g = torch.Generator().manual_seed(0)
    X = torch.rand(1, 3, 6, 6, generator=g)
    c_hat, c = [torch.rand(1, 2, 3, 3, generator=g)], [torch.rand(1, 2, 3, 3, generator=g)]
    s_hat = [torch.rand(1, 2, 3, 3, generator=g) for _ in range(2)]
    s_gram = [torch.rand(2, 2, generator=g) for _ in range(2)]
    _, styles_l, _, total = StyleLoss()(X, c_hat, s_hat, c, s_gram)
    styles = [style_loss(a, b) * 1e3 for a, b in zip(s_hat, s_gram, strict=True)]
    book_total = sum(10 * styles + [content_loss(c_hat[0], c[0]), tv_loss(X) * 10])
    torch.testing.assert_close(total, book_total)
    torch.testing.assert_close(torch.stack(styles_l), torch.stack(styles))


def test_vgg19_features_stop_at_layer_28_frozen_and_extract_the_books_layers():
    net = vgg19_features(pretrained=False)
    assert len(net) == 29 and not any(p.requires_grad for p in net.parameters())
    assert all(isinstance(net[i], nn.Conv2d) for i in STYLE_LAYERS + CONTENT_LAYERS)
    with torch.no_grad():
        contents, styles = extract_features(net, torch.rand(1, 3, 32, 48))
    assert [t.shape[1] for t in styles] == [64, 128, 256, 512, 512]
    assert [t.shape for t in contents] == [(1, 512, 4, 6)]


def test_the_synthesized_image_is_the_only_parameter():
    image = SynthesizedImage((1, 3, 4, 4))
    assert [p.shape for p in image.parameters()] == [(1, 3, 4, 4)]
    assert image() is image.weight
