"""Grid-world value and policy panels (17.2-17.3): letters, arrows, titles, headless PNGs."""

from __future__ import annotations

import numpy as np
import pytest

from d2lkit.viz import gridworld

DESC = np.array([[b"S", b"F"], [b"H", b"G"]])  # gym's desc: bytes


@pytest.fixture(autouse=True)
def _headless(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LKIT_PLOTS", str(tmp_path / "plots"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_one_panel_per_iteration_with_the_books_titles_and_a_png(tmp_path):
    values = np.array([[0.0, 0.1, 0.0, 1.0], [0.2, 0.5, 0.0, 1.0], [0.4, 0.7, 0.0, 1.0]])
    policy = np.array([[2, 1, 0, 0], [1, 1, 0, 0], [3, 1, 0, 0]])
    fig = gridworld.show_policy_progress(DESC, values, policy, ncols=2)
    used = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in used] == ["Step = 1", "Step = 2", "Step = 3"]
    assert len(fig.axes) == 4 and not fig.axes[3].axison  # 2 x 2 grid, the spare one hidden
    texts = [t.get_text() for t in used[0].texts]
    assert texts == ["S", "F", "H", "G"]
    image = used[1].images[0].get_array()
    np.testing.assert_array_equal(image, values[1].reshape(2, 2))
    assert (tmp_path / "plots" / "policy.png").is_file()


@pytest.mark.parametrize(
    ("action", "direction"), [(0, (-1, 0)), (1, (0, 1)), (2, (1, 0)), (3, (0, -1))]
)
def test_arrows_point_the_way_of_the_action_and_skip_holes_and_goal(action, direction):
    policy = np.full((1, 4), action)
    fig = gridworld.show_policy_progress(DESC, np.zeros((1, 4)), policy)
    ax = fig.axes[0]
    from matplotlib.patches import FancyArrow

    arrows = [p for p in ax.patches if isinstance(p, FancyArrow)]
    assert len(arrows) == 2  # S and F; none on H and G
    for arrow, (x, y) in zip(arrows, [(0, 0), (1, 0)], strict=True):
        vertices = arrow.get_xy()
        tip = vertices[np.argmax(np.hypot(vertices[:, 0] - x, vertices[:, 1] - y))]
        step = np.sign(np.round(tip - np.array([x, y]), 6))
        assert tuple(step) == direction  # image rows grow downwards: "up" is -y


def test_snapshots_are_evenly_spaced_and_end_with_the_last_iteration():
    assert gridworld.snapshot_indices(25) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]
    assert gridworld.snapshot_indices(31) == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]
    assert gridworld.snapshot_indices(32) == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 31]
    assert gridworld.snapshot_indices(4) == [0, 1, 2, 3]  # fewer than ten: all of them
