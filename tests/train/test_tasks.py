"""Tasks: what a batch means, for classification, regression, language models and seq2seq."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.train import (
    Checkpoint,
    LanguageModel,
    Regression,
    Seq2Seq,
    Trainer,
    build_task,
    seed_everything,
)
from d2lkit.train.tasks import detach_state


class _TinyLM(nn.Module):
    """An embedding and a GRU cell over (B, T) ids, returning (B, T, V) logits and the state."""

    def __init__(self, vocab: int = 7, hidden: int = 5) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        self.seen_states: list[torch.Tensor | None] = []

    def forward(self, X, state=None):
        self.seen_states.append(state)
        Y, state = self.rnn(self.embed(X), state)
        return self.out(Y), state


def _lm_batches(n: int = 3, B: int = 2, T: int = 4, vocab: int = 7):
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab, (n, B, T + 1), generator=g)
    return [(b[:, :-1], b[:, 1:]) for b in ids]


def test_language_model_carries_the_state_across_batches_and_detaches_it():
    model = _TinyLM()
    task = LanguageModel(random_sampling=False)
    task.start(training=True)
    batches = _lm_batches()
    for batch in batches:
        step = task.step(model, nn.CrossEntropyLoss(), batch)
        step.loss.backward()
    first, second, third = model.seen_states
    assert first is None  # a pass starts from zeros
    assert second is not None and third is not None
    assert second.grad_fn is None and not second.requires_grad  # detached: no graph behind it
    # The state handed to batch 2 is the one batch 1 ended with (same values).
    _, after_first = model(batches[0][0])
    torch.testing.assert_close(second, after_first.detach())


def test_random_sampling_starts_every_batch_from_a_fresh_state():
    model = _TinyLM()
    task = LanguageModel(random_sampling=True)
    task.start(training=True)
    for batch in _lm_batches():
        task.step(model, nn.CrossEntropyLoss(), batch)
    assert model.seen_states == [None, None, None]


def test_a_new_pass_resets_the_language_model_state():
    model = _TinyLM()
    task = LanguageModel()
    task.start(training=True)
    task.step(model, nn.CrossEntropyLoss(), _lm_batches()[0])
    task.start(training=False)
    task.step(model, nn.CrossEntropyLoss(), _lm_batches()[0])
    assert model.seen_states[-1] is None


def test_language_model_reports_perplexity_as_exp_of_the_mean_token_loss():
    seed_everything(0)
    model = _TinyLM()
    loader = _lm_batches(n=4)
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        task=LanguageModel(),
        device="cpu",
    )
    row = trainer.fit(loader, epochs=1)[-1]
    assert row["train_ppl"] == pytest.approx(math.exp(row["train_loss"]))
    assert trainer.metric_names == ["train_loss", "train_ppl"]
    assert trainer.throughput_key == "tokens_per_sec" and row["tokens_per_sec"] > 0


def test_language_model_accepts_the_books_time_major_logits():
    class BookLM(nn.Module):  # returns (T * B, V) like the book's RNNModelScratch
        def __init__(self):
            super().__init__()
            self.inner = _TinyLM()

        def forward(self, X, state=None):
            logits, state = self.inner(X, state)  # (B, T, V)
            return logits.transpose(0, 1).reshape(-1, logits.shape[-1]), state

    model = BookLM()
    batch = _lm_batches()[0]
    book = LanguageModel().step(model, nn.CrossEntropyLoss(), batch).loss
    ours = LanguageModel().step(model.inner, nn.CrossEntropyLoss(), batch).loss
    torch.testing.assert_close(book, ours)


class _TinySeq2Seq(nn.Module):
    def __init__(self, vocab: int = 6) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, 4)
        self.out = nn.Linear(4, vocab)

    def forward(self, X, dec_X, X_len):
        return self.out(self.embed(dec_X)), None


def _seq2seq_batch():
    X = torch.tensor([[3, 4, 2, 1], [4, 2, 1, 1]])
    Y = torch.tensor([[5, 3, 2, 1], [3, 2, 1, 1]])  # 1 is <pad>
    return X, torch.tensor([3, 2]), Y, torch.tensor([3, 2])


def test_masked_loss_ignores_padding_positions():
    torch.manual_seed(0)
    model = _TinySeq2Seq()
    task = Seq2Seq(bos=0)
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    X, X_len, Y, Y_len = _seq2seq_batch()
    step = task.step(model, loss_fn, (X, X_len, Y, Y_len))
    step.loss.backward()
    grads = [p.grad.clone() for p in model.parameters()]
    # Change only what sits past each valid length: loss and gradients stay the same.
    Y2 = Y.clone()
    Y2[0, 3], Y2[1, 2:] = 4, torch.tensor([5, 4])
    model.zero_grad()
    step2 = task.step(model, loss_fn, (X, X_len, Y2, Y_len))
    step2.loss.backward()
    torch.testing.assert_close(step.loss, step2.loss)
    for a, p in zip(grads, model.parameters(), strict=True):
        torch.testing.assert_close(a, p.grad)
    assert int(step.count) == 5  # valid tokens, the unit of the mean


def test_seq2seq_feeds_bos_then_the_target_shifted_right():
    seen = {}

    class Spy(_TinySeq2Seq):
        def forward(self, X, dec_X, X_len):
            seen["dec_X"] = dec_X
            return super().forward(X, dec_X, X_len)

    X, X_len, Y, Y_len = _seq2seq_batch()
    Seq2Seq(bos=9).step(Spy(vocab=10), nn.CrossEntropyLoss(reduction="none"), (X, X_len, Y, Y_len))
    assert seen["dec_X"].tolist() == [[9, 5, 3, 2], [9, 3, 2, 1]]


def _book_masked_loss(logits, Y, Y_len):
    """d2l 9.7's MaskedSoftmaxCELoss, then ``l.sum()`` as its train_seq2seq backpropagates."""
    ce = nn.CrossEntropyLoss(reduction="none")(logits.permute(0, 2, 1), Y)
    mask = torch.arange(Y.shape[1])[None, :] < Y_len[:, None]
    return (ce * mask).mean(dim=1).sum()


def test_sequence_sum_backpropagates_the_books_loss_and_reports_the_token_mean():
    torch.manual_seed(0)
    model = _TinySeq2Seq()
    X, X_len, Y, Y_len = _seq2seq_batch()
    bos = torch.zeros(2, 1, dtype=Y.dtype)
    book = _book_masked_loss(model(X, torch.cat([bos, Y[:, :-1]], 1), X_len)[0], Y, Y_len)
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    summed = Seq2Seq(bos=0, reduction="sequence_sum").step(model, loss_fn, (X, X_len, Y, Y_len))
    mean = Seq2Seq(bos=0).step(model, loss_fn, (X, X_len, Y, Y_len))
    torch.testing.assert_close(summed.loss, book)
    # 5 valid tokens, T = 4: the book's objective is 5/4 of the token mean
    torch.testing.assert_close(summed.loss, mean.loss * 5 / 4)
    torch.testing.assert_close(summed.sums["loss"], mean.sums["loss"])  # same figures reported
    assert int(summed.count) == int(mean.count) == 5


def test_an_unknown_seq2seq_reduction_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match="token_mean, sequence_sum"):
        Seq2Seq(bos=0, reduction="sum")


def test_seq2seq_refuses_a_loss_that_already_averaged_the_padding():
    with pytest.raises(ConfigError, match="one loss per token"):
        Seq2Seq(bos=0).step(_TinySeq2Seq(), nn.CrossEntropyLoss(), _seq2seq_batch())


def test_a_batch_of_the_wrong_shape_names_the_task_and_the_layout():
    with pytest.raises(ConfigError, match=r"seq2seq task expects batches \(X, X_valid_len"):
        Seq2Seq(bos=0).step(_TinySeq2Seq(), nn.CrossEntropyLoss(), (torch.zeros(2), torch.zeros(2)))


def test_regression_reports_log_rmse_computed_over_the_whole_epoch():
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0), model.bias.fill_(0.0)
    X = torch.tensor([[2.0], [4.0], [8.0], [0.5]])
    y = torch.tensor([[1.0], [4.0], [2.0], [1.0]])
    trainer = Trainer(
        model,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.0),
        task=Regression(log_rmse=True),
        device="cpu",
    )
    figures = trainer.evaluate(TensorLoader(X, y, batch_size=3))
    pred = X.clamp(min=1.0)  # the book clamps predictions below 1
    expected = torch.sqrt(((pred.log() - y.log()) ** 2).mean()).item()
    assert figures["log_rmse"] == pytest.approx(expected, rel=1e-6)
    assert figures["loss"] == pytest.approx(((X - y) ** 2).mean().item(), rel=1e-6)
    assert "log_sq" not in figures


def test_tasks_are_found_by_name_with_a_did_you_mean():
    assert isinstance(build_task("language_model", random_sampling=True), LanguageModel)
    with pytest.raises(ConfigError, match="did you mean regression"):
        build_task("regresion")


def test_detach_state_handles_lstm_pairs():
    h = torch.ones(1, requires_grad=True) * 2
    c = torch.ones(1, requires_grad=True) * 3
    out = detach_state((h, c))
    assert isinstance(out, tuple) and all(not t.requires_grad for t in out)


def test_resuming_a_language_model_run_reproduces_the_uninterrupted_one(tmp_path):
    from d2lkit.data.text import SeqDataLoader, Vocab

    text = list("the time traveller for so it will be convenient to speak of him " * 20)
    vocab = Vocab(text)
    corpus = vocab.encode(text)

    def setup(callbacks=()):
        seed_everything(3)
        model = _TinyLM(vocab=len(vocab), hidden=8)
        trainer = Trainer(
            model,
            nn.CrossEntropyLoss(),
            torch.optim.SGD(model.parameters(), lr=0.5),
            task=LanguageModel(),
            device="cpu",
            grad_clip=1.0,
            callbacks=callbacks,
        )
        return trainer, SeqDataLoader(corpus, vocab, batch_size=4, num_steps=6, seed=1)

    full, loader = setup()
    full.fit(loader, epochs=4)
    first, loader = setup([Checkpoint(tmp_path / "lm.pt")])
    first.fit(loader, epochs=2)
    torch.manual_seed(999)
    resumed, loader = setup()
    resumed.load_checkpoint(tmp_path / "lm.pt")
    resumed.fit(loader, epochs=4)
    for a, b in zip(full.model.parameters(), resumed.model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert resumed.history[-1]["train_ppl"] == full.history[-1]["train_ppl"]


def test_an_evaluation_in_the_middle_of_an_epoch_leaves_the_training_state_alone(tmp_path):
    # A mid-epoch evaluation (StepLogger over a loader) must not replace the hidden
    # state the training pass carries from batch to batch: with or without it, the
    # training is the same to the last bit.
    from d2lkit.train import StepLogger

    batches = _lm_batches(n=6)
    held_out = _lm_batches(n=2)

    def train(callbacks=()):
        seed_everything(0)
        model = _TinyLM()
        trainer = Trainer(
            model,
            nn.CrossEntropyLoss(),
            torch.optim.SGD(model.parameters(), lr=0.5),
            task=LanguageModel(),
            device="cpu",
            callbacks=callbacks,
        )
        trainer.fit(batches, epochs=2)
        return trainer

    plain = train()
    logged = train([StepLogger(tmp_path / "steps.csv", every=4, loader=held_out)])
    assert len(logged.callbacks[0].rows) == 6  # it did evaluate mid-epoch, every 2 batches
    for a, b in zip(plain.model.parameters(), logged.model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert logged.history[-1]["train_ppl"] == plain.history[-1]["train_ppl"]
