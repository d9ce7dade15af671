"""What the CLI prints, made in words: the recipe list, a recipe's card, a run's summary."""

from __future__ import annotations

from d2lkit.experiments import get_recipe, list_recipes
from d2lkit.experiments.describe import list_text, recipe_card, summary_text


def test_the_list_leads_with_one_edition_and_gives_the_others_number():
    text = list_text(list_recipes("lenet*"))
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["recipe", "d2l.ai", "zh"]
    assert "[d2l.ai chapter 7]" in lines and "[d2l.ai chapter 8]" in lines
    row = next(line for line in lines if line.startswith("lenet-bn "))
    assert row.split()[1:3] == ["8.5", "7.5"]
    zh = list_text(list_recipes("lenet*"), first="zh").splitlines()
    assert zh[0].split()[:3] == ["recipe", "zh", "d2l.ai"] and "[zh.d2l.ai chapter 6]" in zh


def test_a_recipe_card_gives_both_editions_and_the_pass_mark_in_its_direction():
    card = recipe_card(get_recipe("rnn"), get_recipe("rnn").config)
    assert "book:   d2l.ai 9.6 Concise Implementation of Recurrent Neural Networks" in card
    assert "passes at 1.5 or less" in card  # perplexity: lower is better


def test_the_cli_prints_the_per_fold_table_and_the_weights(tmp_path):

    summary = {
        "recipe": "kaggle-house",
        "section": "4.10",
        "epochs": 100,
        "device": "cpu",
        "wall_time_s": 3.0,
        "unit": "examples",
        "examples_per_sec": 1000.0,
        "folds": [
            {"fold": 1, "train_log_rmse": 0.17, "valid_log_rmse": 0.16},
            {"fold": 2, "train_log_rmse": 0.16, "valid_log_rmse": 0.18},
        ],
        "final": {"train_log_rmse": 0.165, "valid_log_rmse": 0.17},
        "book": {"metric": "valid_log_rmse", "book": 0.17, "tolerance": 0.01, "goal": "min"}
        | {"ok": True, "pass_at": 0.18, "verdict": "pass", "differences": [], "source": "4.10"},
        "weights": {"learned": [4.99, 1.2], "true": [5.0, 1.2]},
        "submission": "submission.csv",
    }
    text = summary_text(summary, tmp_path)
    assert "fold" in text and "0.1800" in text and "valid log rmse" in text
    assert "learned weights: [4.99, 1.2]" in text
    assert str(tmp_path / "submission.csv") in text


def test_a_resumed_runs_summary_counts_the_epochs_this_process_trained(tmp_path):
    summary = {
        "recipe": "lenet-bn",
        "kind": "training",
        "epochs": 10,
        "resumed_from_epoch": 3,
        "device": "cpu",
        "wall_time_s": 5.0,
        "unit": "examples",
        "examples_per_sec": 100.0,
        "final": {"test_acc": 0.8},
    }
    head = summary_text(summary, tmp_path).splitlines()[0]
    assert head.startswith("lenet-bn (d2l 8.5, zh 7.5): epochs 4–10 of 10 (resumed) on cpu")
    fresh = summary_text({**summary, "resumed_from_epoch": None}, tmp_path).splitlines()[0]
    assert "10 epochs on cpu" in fresh
