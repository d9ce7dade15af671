"""summary.json's book verdict: the claim in its figure's direction, compared only like for like."""

from __future__ import annotations

from d2lkit.experiments import apply_overrides, get_recipe
from d2lkit.experiments.run.summary import book_verdict, summary_of
from d2lkit.metric import ACC


def test_the_books_settings_are_compared_and_pass_or_fail_in_the_figures_direction():
    recipe = get_recipe("lenet-bn")
    passed = book_verdict(recipe, recipe.config, 0.85)
    assert (passed["verdict"], passed["goal"], passed["pass_at"]) == ("pass", "max", 0.81)
    assert passed["pass_mark"] == "passes at 0.81 or more"
    assert book_verdict(recipe, recipe.config, 0.80)["verdict"] == "fail"
    lm = get_recipe("rnn")
    assert book_verdict(lm, lm.config, 1.2)["verdict"] == "pass"  # perplexity: lower is better
    assert book_verdict(lm, lm.config, 1.6)["verdict"] == "fail"


def test_other_settings_are_not_compared_and_say_why():
    recipe = get_recipe("lenet-bn")
    short = apply_overrides(recipe.config, ["train.epochs=1"])
    verdict = book_verdict(recipe, short, 0.5)
    assert verdict["verdict"] == "not compared" and verdict["ok"] is None
    assert verdict["differences"] == ["train.epochs 1 (book 10)"]


def test_the_runs_own_declaration_is_read_first():
    recipe = get_recipe("lenet-bn")
    verdict = book_verdict(recipe, recipe.config, 0.9, declared=[ACC.column("test")])
    assert verdict["goal"] == "max" and verdict["verdict"] == "pass"


def test_a_summary_holds_the_figures_the_text_and_the_verdict():
    recipe = get_recipe("lenet-bn")
    summary = summary_of(
        recipe, recipe.config, {"test_acc": 0.85}, text={"sample": "hi"}, epochs=10
    )
    assert summary["final"] == {"test_acc": 0.85} and summary["text"] == {"sample": "hi"}
    assert summary["book"]["verdict"] == "pass" and summary["epochs"] == 10
    assert summary["kind"] == "training" and summary["task"] == "classification"
