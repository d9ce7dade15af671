"""Chapters 8-10: recipes run on tiny settings; the language-model and seq2seq tasks behave."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
import torch
from torch import nn

from d2lkit.experiments import apply_overrides, get_recipe, list_recipes, run_recipe
from d2lkit.experiments.callbacks.text import SampleText, TranslationBLEU, translate
from d2lkit.models import create_model
from d2lkit.train import Trainer, build_task, seed_everything

LM_RECIPES = [
    "rnn-scratch",
    "rnn",
    "gru-scratch",
    "gru",
    "lstm-scratch",
    "lstm",
    "deep-lstm",
    "bi-lstm",
]
SEQ2SEQ_RECIPES = ["seq2seq", "bahdanau", "transformer"]
TINY_LM = ["train.epochs=1", "data.max_tokens=800", "data.batch_size=4", "model.num_hiddens=8"]
TINY_SEQ2SEQ = [
    "train.epochs=1",
    "data.num_examples=64",
    "data.num_heldout=4",
    "data.batch_size=32",
    "model.num_hiddens=8",
]


def test_every_sequence_recipe_is_registered_with_the_books_settings():
    names = {r.name for r in list_recipes()}
    assert {*LM_RECIPES, *SEQ2SEQ_RECIPES, "rnn-jaychou"} <= names
    scratch = get_recipe("rnn-scratch").config
    assert (scratch.data.batch_size, scratch.data.kwargs["num_steps"]) == (32, 35)
    assert (scratch.optim.name, scratch.optim.lr, scratch.train.epochs) == ("sgd", 1.0, 500)
    assert scratch.train.grad_clip == 1.0 and scratch.model.kwargs["num_hiddens"] == 512
    assert get_recipe("deep-lstm").config.optim.lr == 2.0
    assert get_recipe("deep-lstm").config.model.kwargs["num_layers"] == 2
    s2s = get_recipe("seq2seq").config
    assert (s2s.optim.name, s2s.optim.lr, s2s.train.epochs) == ("adam", 0.005, 300)
    assert s2s.data.batch_size == 64 and s2s.data.kwargs == {"num_steps": 10, "num_examples": 600}
    assert get_recipe("transformer").config.train.epochs == 200
    for name in SEQ2SEQ_RECIPES:  # the book's train_seq2seq backpropagates l.sum()
        assert get_recipe(name).config.task.kwargs["reduction"] == "sequence_sum"
    for name in [*LM_RECIPES, *SEQ2SEQ_RECIPES]:
        claim = get_recipe(name).claim
        assert claim is not None and claim.goal == "min"
        assert claim.check(claim.expected.value) and not claim.check(claim.expected.value + 1)


@pytest.mark.parametrize("name", [*LM_RECIPES, "rnn-jaychou"])
def test_each_language_model_recipe_runs_an_epoch_and_samples_text(name, data_root, tmp_path):
    recipe = get_recipe(name)
    config = apply_overrides(recipe.config, TINY_LM)
    result = run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    row = result.history[-1]
    assert row["train_ppl"] > 1 and row["tokens_per_sec"] > 0
    summary = json.loads((result.run_dir / "summary.json").read_text())
    prefix = "分开" if name == "rnn-jaychou" else "time traveller"
    assert summary["text"]["sample"].startswith(prefix)
    assert len(summary["text"]["sample"].split(" | ")[0]) == len(prefix) + 50
    assert summary["book"]["metric"] == "train_ppl" and summary["book"]["goal"] == "min"


@pytest.mark.parametrize(
    "name",
    [
        "seq2seq",
        pytest.param("bahdanau", marks=pytest.mark.slow),  # draws heatmaps: ~5 s
        pytest.param("transformer", marks=pytest.mark.slow),
    ],
)
def test_each_translation_recipe_runs_an_epoch_and_reports_bleu(name, data_root, tmp_path):
    recipe = get_recipe(name)
    tiny = [*TINY_SEQ2SEQ, "model.num_heads=2"] if name == "transformer" else TINY_SEQ2SEQ
    result = run_recipe(
        recipe,
        apply_overrides(recipe.config, tiny),
        out=tmp_path,
        data_root=data_root,
        progress=False,
    )
    row = result.history[-1]
    assert row["train_book_loss"] == pytest.approx(row["train_loss"] / 10)
    summary = json.loads((result.run_dir / "summary.json").read_text())
    for key in ("train_book_loss", "book_bleu", "test_bleu"):
        assert 0 <= summary["final"][key] < 10
    assert summary["text"]["translations"].startswith("go . => ")
    assert summary["book"]["metric"] == "train_book_loss"
    pngs = sorted(p.name for p in result.run_dir.glob("attention_*.png"))
    if name == "seq2seq":
        assert pngs == []
    elif name == "bahdanau":
        assert pngs == ["attention_decoder.png"]
    else:
        assert pngs == [
            "attention_decoder_inter.png",
            "attention_decoder_self.png",
            "attention_encoder_self.png",
        ]


def test_translation_runs_backpropagate_the_books_objective_unless_told_otherwise(data_root):
    from d2lkit.experiments.run.build import build_run

    recipe = get_recipe("seq2seq")
    run = build_run(recipe, apply_overrides(recipe.config, TINY_SEQ2SEQ), data_root=data_root)
    assert run.task.reduction == "sequence_sum"
    token = apply_overrides(recipe.config, [*TINY_SEQ2SEQ, "task.reduction=token_mean"])
    assert build_run(recipe, token, data_root=data_root).task.reduction == "token_mean"


def test_fra_eng_held_out_pairs_are_not_among_the_training_pairs(data_root):
    from d2lkit.experiments.builders.data import build_data

    config = apply_overrides(get_recipe("seq2seq").config, ["data.num_examples=50"]).data
    data = build_data(config, device=torch.device("cpu"), seed=0, root=data_root)
    src_vocab, heldout = data.extras["src_vocab"], data.extras["heldout_pairs"]
    X, X_len = data.train.tensors[0], data.train.tensors[1]
    trained = {
        " ".join(src_vocab.to_tokens(x[: int(n) - 1].tolist()))
        for x, n in zip(X, X_len, strict=True)
    }
    assert len(heldout) == 100 and len(X) == 50
    assert not trained & {src for src, _ in heldout if "<unk>" not in src}
    assert data.model_kwargs == {
        "src_vocab_size": len(src_vocab),
        "tgt_vocab_size": len(data.extras["tgt_vocab"]),
    }
    assert data.task_kwargs == {"bos": data.extras["tgt_vocab"]["<bos>"]}


# --- the language-model task on a tiny model -------------------------------------------


class _Recorder(nn.Module):
    """A tiny RNN LM that records the state it is given at every call."""

    def __init__(self, vocab: int = 5) -> None:
        super().__init__()
        self.net = create_model("rnn_lm", vocab_size=vocab, num_hiddens=4, cell="gru")
        self.inputs: list = []
        self.outputs: list = []

    def forward(self, X, state=None):
        self.inputs.append(state)
        logits, new = self.net(X, state)
        self.outputs.append(new)
        return logits, new


def _lm_batches(n: int = 3, vocab: int = 5):
    g = torch.Generator().manual_seed(0)
    return [
        (torch.randint(0, vocab, (2, 4), generator=g), torch.randint(0, vocab, (2, 4), generator=g))
        for _ in range(n)
    ]


def test_the_state_after_one_batch_is_the_detached_input_state_of_the_next():
    model = _Recorder()
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        task=build_task("language_model"),
        device="cpu",
    )
    trainer.fit(_lm_batches(3), epochs=1)
    assert model.inputs[0] is None  # every epoch starts from zeros
    for given, previous in zip(model.inputs[1:], model.outputs[:-1], strict=True):
        torch.testing.assert_close(given, previous.detach(), rtol=0, atol=0)
        assert given.grad_fn is None and not given.requires_grad
    trainer.fit(_lm_batches(3), epochs=2)
    assert model.inputs[3] is None  # and a new epoch starts fresh again


def test_random_sampling_starts_every_batch_from_a_fresh_state():
    model = _Recorder()
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        task=build_task("language_model", random_sampling=True),
        device="cpu",
    )
    trainer.fit(_lm_batches(3), epochs=1)
    assert model.inputs == [None, None, None]


def test_the_book_layout_of_logits_gives_the_same_loss_as_batch_first():
    seed_everything(0)
    X, Y = _lm_batches(1)[0]
    logits = torch.randn(2, 4, 5)
    task = build_task("language_model")
    batch_first = task.step(lambda X, s: (logits, None), nn.CrossEntropyLoss(), (X, Y))
    time_major = logits.transpose(0, 1).reshape(-1, 5)  # the book's (T * B, V)
    book = task.step(lambda X, s: (time_major, None), nn.CrossEntropyLoss(), (X, Y))
    torch.testing.assert_close(batch_first.loss, book.loss)


def test_masked_loss_ignores_what_the_model_says_at_padded_positions():
    task = build_task("seq2seq", bos=1)
    X, X_len = torch.randint(0, 6, (2, 5)), torch.tensor([5, 3])
    Y, Y_len = torch.randint(0, 6, (2, 5)), torch.tensor([4, 2])
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    base = torch.randn(2, 5, 6)
    padded = torch.arange(5)[None, :] >= Y_len[:, None]  # (B, T)
    noisy = base.clone()
    noisy[padded] = torch.randn(int(padded.sum()), 6) * 100

    results = []
    for logits in (base, noisy):
        leaf = logits.clone().requires_grad_(True)
        step = task.step(lambda X, D, L, leaf=leaf: (leaf, None), loss_fn, (X, X_len, Y, Y_len))
        step.loss.backward()
        results.append((step.loss.detach(), leaf.grad, int(step.count)))
    (loss_a, grad_a, count_a), (loss_b, grad_b, count_b) = results
    torch.testing.assert_close(loss_a, loss_b, rtol=0, atol=0)
    torch.testing.assert_close(grad_a, grad_b, rtol=0, atol=0)
    assert count_a == count_b == 6
    assert (grad_a[padded] == 0).all()


@pytest.mark.slow
def test_resuming_a_language_model_reproduces_the_uninterrupted_run(data_root, tmp_path):
    recipe = get_recipe("gru")
    tiny = [*TINY_LM, "data.max_tokens=1200"]
    three = apply_overrides(recipe.config, [*tiny, "train.epochs=3"])
    one = apply_overrides(recipe.config, [*tiny, "train.epochs=1"])
    full = run_recipe(recipe, three, out=tmp_path / "full", data_root=data_root, progress=False)
    part = run_recipe(recipe, one, out=tmp_path / "part", data_root=data_root, progress=False)
    torch.manual_seed(1234)  # the resumed process starts from another random state
    resumed = run_recipe(
        recipe, three, out=tmp_path / "x", data_root=data_root, resume=part.run_dir, progress=False
    )
    a = torch.load(full.run_dir / "checkpoint.pt", weights_only=True)["model"]
    b = torch.load(part.run_dir / "checkpoint.pt", weights_only=True)["model"]
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert [r["train_ppl"] for r in resumed.history] == [r["train_ppl"] for r in full.history]
    assert resumed.summary["text"]["sample"] == full.summary["text"]["sample"]


# --- callbacks ---------------------------------------------------------------------------


class _CharVocab:
    """A four-character vocabulary, enough for SampleText."""

    idx_to_token: ClassVar[list[str]] = ["<unk>", "a", "b", " "]

    def __getitem__(self, tokens):
        return [self.idx_to_token.index(t) for t in tokens]

    def to_tokens(self, ids):
        return [self.idx_to_token[i] for i in ids]


def test_sample_text_lands_in_the_rows_every_few_epochs_and_at_the_end():
    vocab = _CharVocab()
    model = create_model("rnn_lm_scratch", vocab_size=4, num_hiddens=4, cell="gru")
    sampler = SampleText(vocab, prefixes=("ab", "b"), num_preds=5, every=2)
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        task=build_task("language_model"),
        device="cpu",
        callbacks=[sampler],
    )
    history = trainer.fit(_lm_batches(2, vocab=4), epochs=3)
    assert ["sample" in row for row in history] == [False, True, True]
    first, second = history[-1]["sample"].split(" | ")
    assert first.startswith("ab") and len(first) == 7
    assert second.startswith("b") and len(second) == 6


def test_translate_and_bleu_callback_on_a_tiny_model():
    from d2lkit.data.nmt import NMT_RESERVED
    from d2lkit.data.text import Vocab

    src_vocab = Vocab([["go", "."]], reserved_tokens=NMT_RESERVED)
    tgt_vocab = Vocab([["va", "!"]], reserved_tokens=NMT_RESERVED)
    torch.manual_seed(0)
    net = create_model("seq2seq_tiny", src_vocab_size=len(src_vocab), tgt_vocab_size=len(tgt_vocab))
    text, _ = translate(net, "go .", src_vocab, tgt_vocab, num_steps=4)
    assert len(text.split()) <= 4
    callback = TranslationBLEU(
        src_vocab, tgt_vocab, 4, pairs=[("go .", "va !")], heldout=[("go .", "va !")]
    )
    X = torch.tensor([[4, 5, 3, 1]] * 4)
    batch = (X, torch.tensor([3] * 4), torch.tensor([[4, 5, 3, 1]] * 4), torch.tensor([3] * 4))
    trainer = Trainer(
        net,
        nn.CrossEntropyLoss(reduction="none"),
        torch.optim.Adam(net.parameters(), lr=0.05),
        task=build_task("seq2seq", bos=tgt_vocab["<bos>"]),
        device="cpu",
        callbacks=[callback],
    )
    history = trainer.fit([batch], epochs=30)
    assert {"book_bleu", "test_bleu"} <= set(trainer.metric_names)
    assert history[-1]["book_bleu"] == 1.0 and history[-1]["test_bleu"] == 1.0
    assert history[-1]["translations"] == "go . => va !, bleu 1.000"


def test_jay_chou_epochs_start_at_the_first_character_and_the_time_machines_do_not(data_root):
    from d2lkit.experiments.run.build import build_run

    for name, fixed in (("rnn-jaychou", True), ("rnn-scratch", False)):
        recipe = get_recipe(name)
        run = build_run(recipe, apply_overrides(recipe.config, TINY_LM), data_root=data_root)
        assert run.data.train.random_offset is not fixed, name
