"""Metric declarations: direction, format, reduction, and resolving a column."""

from __future__ import annotations

import math

import pytest

from d2lkit.metric import ACC, BLEU, LOSS, PPL, Metric, reduce_means, resolve, top_k_accuracy


def test_a_split_column_keeps_the_direction_and_names_the_split():
    column = ACC.column("test")
    assert (column.name, column.goal, column.words) == ("test_acc", "max", "test acc")


def test_better_follows_the_declared_direction():
    assert ACC.better(0.9, 0.8) and not ACC.better(0.8, 0.9)
    assert LOSS.better(0.1, 0.2) and not LOSS.better(0.2, 0.1)
    assert LOSS.better(0.1, math.nan)  # anything beats "nothing yet"
    assert not LOSS.better(0.15, 0.2, min_delta=0.1)


def test_pass_marks_read_in_the_figures_direction():
    assert ACC.passes(0.81, 0.81) and not ACC.passes(0.80, 0.81)
    assert PPL.passes(1.1, 1.2) and not PPL.passes(1.3, 1.2)
    assert (ACC.bound_words, PPL.bound_words) == ("or more", "or less")


def test_a_figure_without_a_better_side_refuses_to_be_ranked():
    position = Metric("x", "none")
    with pytest.raises(ValueError, match="no better side"):
        position.better(1.0, 2.0)


def test_reductions_make_perplexity_and_rmse_from_summed_means():
    rmse = Metric("log_rmse", "min", reduce="sqrt", source="log_sq")
    figures = reduce_means([LOSS, PPL, rmse, BLEU], {"loss": 0.5, "log_sq": 0.04})
    assert figures == {"loss": 0.5, "ppl": math.exp(0.5), "log_rmse": 0.2}  # BLEU: epoch-level


def test_perplexity_of_a_huge_loss_is_infinite_not_an_overflow():
    assert reduce_means([PPL], {"loss": 1e4})["ppl"] == math.inf


def test_columns_resolve_to_their_declarations():
    assert resolve("test_acc") == ACC.column("test")
    assert resolve("train_book_loss").goal == "min"
    assert resolve("book_bleu").goal == "max"
    assert resolve("valid_top5_acc") == top_k_accuracy(5).column("valid")
    assert resolve("made_up") is None
    own = Metric("all_train_log_rmse", "min")
    assert resolve("all_train_log_rmse", [own]) is own


def test_tiny_values_keep_significant_digits():
    assert Metric("x", "none", fmt=".3f").format(0.000073) == "7.3e-05"
    assert LOSS.format(0.12345) == "0.123"
