"""BLEU as d2l 9.7 defines it: perfect predictions, the book's printed scores, edge cases."""

from __future__ import annotations

import math

import pytest

from d2lkit.train.bleu import bleu


@pytest.mark.parametrize("sentence", ["va !", "j'ai perdu .", "il est calme .", "a"])
@pytest.mark.parametrize("k", [1, 2, 4])
def test_perfect_prediction_scores_one(sentence: str, k: int) -> None:
    assert bleu(sentence, sentence, k) == pytest.approx(1.0)


def test_partial_match_equals_hand_computed_value() -> None:
    # The book's 9.7 example: "il est riche ." for "il est calme .".
    # p1 = 3/4 (il, est, .), p2 = 1/3 ("il est"), equal lengths so no brevity penalty:
    # (3/4) ** (1/2) * (1/3) ** (1/4) = 0.658 as the book prints.
    expected = (3 / 4) ** 0.5 * (1 / 3) ** 0.25
    assert bleu("il est riche .", "il est calme .", k=2) == pytest.approx(expected)
    assert round(expected, 3) == 0.658


def test_second_book_example() -> None:
    # "je suis en retard ?" for "je suis chez moi .": p1 = 2/5, p2 = 1/4 -> 0.447.
    assert bleu("je suis en retard ?", "je suis chez moi .", 2) == pytest.approx(
        (2 / 5) ** 0.5 * (1 / 4) ** 0.25
    )


def test_short_prediction_pays_the_brevity_penalty() -> None:
    # Every n-gram matches, but 2 of 4 label tokens: exp(1 - 4/2).
    assert bleu("il est", "il est calme .", 2) == pytest.approx(math.exp(-1))


def test_repeated_ngrams_match_at_most_as_often_as_the_label_has_them() -> None:
    # "the" 4 times in the prediction, twice in the label: p1 = 2/4, weighed by 1/2.
    assert bleu("the the the the", "the cat the dog", 1) == pytest.approx(0.5**0.5)


def test_token_lists_equal_strings() -> None:
    assert bleu(["il", "est", "riche", "."], ["il", "est", "calme", "."], 2) == bleu(
        "il est riche .", "il est calme .", 2
    )


def test_no_match_and_empty_prediction_score_zero() -> None:
    assert bleu("x y z", "a b c", 2) == 0.0
    assert bleu("", "a b c", 2) == 0.0
    assert bleu([], ["a"], 1) == 0.0


def test_k_below_one_is_an_error() -> None:
    with pytest.raises(ValueError):
        bleu("a", "a", 0)
