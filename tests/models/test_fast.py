"""The fast CNN of the time-to-accuracy recipes: shapes, variants, channels_last."""

from __future__ import annotations

import torch

from d2lkit.models import create_model


def test_fast_cnn_variants_map_images_to_class_scores():
    x = torch.rand(3, 1, 28, 28)
    for name in ("fast_cnn", "fast_cnn_wide", "fast_cnn_tiny"):
        assert create_model(name)(x).shape == (3, 10), name


def test_fast_cnn_gives_the_same_scores_in_channels_last():
    torch.manual_seed(0)
    model = create_model("fast_cnn_tiny").eval()
    x = torch.rand(2, 1, 28, 28)
    want = model(x)
    model = model.to(memory_format=torch.channels_last)
    got = model(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


def test_flip_tta_averages_the_mirror_in_eval_and_changes_nothing_in_training():
    torch.manual_seed(0)
    model = create_model("fast_cnn_tiny", flip_tta=True)
    plain = model.net
    x = torch.rand(4, 1, 28, 28)
    model.train()
    torch.testing.assert_close(model(x), plain(x))
    model.eval()
    want = (plain(x) + plain(x.flip(-1))) / 2
    torch.testing.assert_close(model(x), want)
    assert not torch.allclose(model(x), plain(x))  # the mirror really is used
