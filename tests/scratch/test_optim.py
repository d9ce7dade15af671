"""scratch optimisers take the same steps as torch.optim with the same hyperparameters.

Run in float64 so that the comparison proves the formula, not just float32
closeness: any difference in the rule (eps inside the square root, a missing
bias correction, the momentum convention) shows up far above the tolerance.
"""

from __future__ import annotations

import copy

import pytest
import torch

from d2lkit import scratch

TOL = dict(rtol=1e-10, atol=1e-12)  # float64; same formula, at most a different op order
STEPS = 8
CASES = [  # (scratch class, kwargs, torch class, kwargs)
    (scratch.SGD, {"lr": 0.1}, torch.optim.SGD, {"lr": 0.1}),
    (
        scratch.SGD,
        {"lr": 0.05, "weight_decay": 0.1},
        torch.optim.SGD,
        {"lr": 0.05, "weight_decay": 0.1},
    ),
    (
        scratch.Momentum,
        {"lr": 0.05, "momentum": 0.9},
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.9},
    ),
    (
        scratch.Momentum,
        {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.01},
        torch.optim.SGD,
        {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.01},
    ),
    (scratch.AdaGrad, {"lr": 0.1}, torch.optim.Adagrad, {"lr": 0.1}),
    (scratch.AdaGrad, {"lr": 0.3, "eps": 1e-6}, torch.optim.Adagrad, {"lr": 0.3, "eps": 1e-6}),
    (scratch.RMSProp, {"lr": 0.01}, torch.optim.RMSprop, {"lr": 0.01}),
    (
        scratch.RMSProp,
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6},
        torch.optim.RMSprop,
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6},
    ),
    (scratch.AdaDelta, {}, torch.optim.Adadelta, {}),
    (
        scratch.AdaDelta,
        {"lr": 0.5, "rho": 0.9, "eps": 1e-5},
        torch.optim.Adadelta,
        {"lr": 0.5, "rho": 0.9, "eps": 1e-5},
    ),
    (scratch.Adam, {"lr": 0.01}, torch.optim.Adam, {"lr": 0.01}),
    (
        scratch.Adam,
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01},
        torch.optim.Adam,
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01},
    ),
]
IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]
SHAPES = [[(5,)], [(4, 3), (3,)], [(2, 3, 4), (6, 1), (1,)]]


class _Problem:
    """A fixed smooth, non-quadratic loss, so gradients change with the parameters."""

    def __init__(self, shapes, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        kw = dict(generator=g, dtype=torch.float64)
        self.init = [torch.randn(s, **kw) for s in shapes]
        self.A = [torch.randn(s, **kw) for s in shapes]
        self.B = [torch.rand(s, **kw) for s in shapes]

    def params(self) -> list[torch.Tensor]:
        return [p.clone().requires_grad_(True) for p in self.init]

    def loss(self, params) -> torch.Tensor:
        return sum(
            ((a * p).sin() + b * p**2).sum() for p, a, b in zip(params, self.A, self.B, strict=True)
        )


def _run(opt, params, problem: _Problem, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        problem.loss(params).backward()
        opt.step()


def _assert_same_state(opt, opt_ref, params, params_ref) -> None:
    for p, p_ref in zip(params, params_ref, strict=True):
        state, state_ref = opt.state[p], opt_ref.state[p_ref]
        assert set(state) == set(state_ref)  # torch's keys: exp_avg, square_avg, ...
        for key, value in state_ref.items():
            if key == "step":
                assert float(state[key]) == float(value)
            else:
                torch.testing.assert_close(state[key], value, **TOL)


@pytest.mark.parametrize(("ours", "kw", "theirs", "kw_ref"), CASES, ids=IDS)
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_optimizer_matches_torch_parameters_and_state_after_several_steps(
    ours, kw, theirs, kw_ref, shapes, seed
):
    problem = _Problem(shapes, seed)
    params, params_ref = problem.params(), problem.params()
    opt, opt_ref = ours(params, **kw), theirs(params_ref, **kw_ref)
    _run(opt, params, problem, STEPS)
    _run(opt_ref, params_ref, problem, STEPS)
    for p, p_ref, p0 in zip(params, params_ref, problem.init, strict=True):
        torch.testing.assert_close(p, p_ref, **TOL)
        assert not torch.equal(p.detach(), p0)  # it did move
    _assert_same_state(opt, opt_ref, params, params_ref)


@pytest.mark.parametrize(("ours", "kw", "theirs", "kw_ref"), CASES[::2], ids=IDS[::2])
def test_optimizer_with_param_groups_and_a_gradless_parameter_matches_torch(
    ours, kw, theirs, kw_ref
):
    problem = _Problem([(4, 3), (3,)], seed=5)

    def groups(params):
        lr = kw_ref.get("lr", 1.0)
        return [
            {"params": [params[0]]},
            {"params": [params[1]], "lr": lr / 4},
            {"params": [unused]},
        ]

    unused = torch.zeros(2, dtype=torch.float64, requires_grad=True)  # never gets a .grad
    params, params_ref = problem.params(), problem.params()
    opt, opt_ref = ours(groups(params), **kw), theirs(groups(params_ref), **kw_ref)
    _run(opt, params, problem, STEPS)
    _run(opt_ref, params_ref, problem, STEPS)
    for p, p_ref in zip(params, params_ref, strict=True):
        torch.testing.assert_close(p, p_ref, **TOL)
    assert not unused.any() and unused not in opt.state


@pytest.mark.parametrize(("ours", "kw"), [(c[0], c[1]) for c in CASES], ids=IDS)
def test_optimizer_resumed_from_state_dict_continues_identically(ours, kw):
    problem = _Problem([(4, 3), (3,)], seed=7)
    params = problem.params()
    opt = ours(params, **kw)
    _run(opt, params, problem, 3)
    saved_params = [p.detach().clone() for p in params]
    saved_state = copy.deepcopy(opt.state_dict())
    _run(opt, params, problem, 3)  # uninterrupted

    resumed = [p.clone().requires_grad_(True) for p in saved_params]
    opt2 = ours(resumed, **kw)
    opt2.load_state_dict(saved_state)
    _run(opt2, resumed, problem, 3)
    for p, q in zip(params, resumed, strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=0)


@pytest.mark.parametrize("batch_size", [1, 8])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_book_sgd_equals_torch_sgd_with_lr_over_batch_size_and_zeroes_grads(batch_size, seed):
    problem = _Problem([(4, 3), (3,)], seed)
    params, params_ref = problem.params(), problem.params()
    opt_ref = torch.optim.SGD(params_ref, lr=0.1 / batch_size)
    for _ in range(STEPS):
        problem.loss(params).backward()
        scratch.sgd(params, lr=0.1, batch_size=batch_size)
        assert all(not p.grad.any() for p in params)  # zeroed for the next batch
        opt_ref.zero_grad()
        problem.loss(params_ref).backward()
        opt_ref.step()
    for p, p_ref in zip(params, params_ref, strict=True):
        torch.testing.assert_close(p, p_ref, **TOL)


@pytest.mark.parametrize(
    ("cls", "kw"),
    [
        (scratch.SGD, {"lr": 0.0}),
        (scratch.SGD, {"lr": 0.1, "weight_decay": -1.0}),
        (scratch.Momentum, {"lr": 0.1, "momentum": 1.0}),
        (scratch.AdaGrad, {"lr": -0.1}),
        (scratch.RMSProp, {"alpha": 1.5}),
        (scratch.AdaDelta, {"rho": -0.1}),
        (scratch.Adam, {"betas": (0.9, 1.0)}),
        (scratch.Adam, {"eps": -1e-8}),
    ],
)
def test_optimizer_rejects_invalid_hyperparameters(cls, kw):
    with pytest.raises(ValueError):
        cls([torch.zeros(2, requires_grad=True)], **kw)


def test_yogi_takes_the_hand_derived_steps_and_its_second_moment_can_shrink():
    # One scalar parameter, lr 0.1, betas (0.9, 0.999), eps 1e-3, gradients 2, 0.5, 0.01.
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = scratch.Yogi([p], lr=0.1, betas=(0.9, 0.999), eps=1e-3)
    expected_p, expected_s = [], []
    # t=1: v = 0.2, s = 0 + 0.001 * 4 (g^2 = 4 > s = 0: sign +1); v_hat = 2, s_hat = 4.
    p1 = 1.0 - 0.1 * 2.0 / (2.0 + 1e-3)
    # t=2: v = 0.9*0.2 + 0.1*0.5 = 0.23, s = 0.004 + 0.001 * 0.25 (0.25 > 0.004).
    p2 = p1 - 0.1 * (0.23 / (1 - 0.9**2)) / ((0.00425 / (1 - 0.999**2)) ** 0.5 + 1e-3)
    # t=3: g^2 = 1e-4 < s = 0.00425: sign -1, s = 0.00425 - 0.001 * 1e-4 (Adam: 0.00424585).
    v3 = 0.9 * 0.23 + 0.1 * 0.01
    s3 = 0.00425 - 1e-7
    p3 = p2 - 0.1 * (v3 / (1 - 0.9**3)) / ((s3 / (1 - 0.999**3)) ** 0.5 + 1e-3)
    expected_p, expected_s = [p1, p2, p3], [0.004, 0.00425, s3]
    for grad, want_p, want_s in zip((2.0, 0.5, 0.01), expected_p, expected_s, strict=True):
        p.grad = torch.tensor([grad], dtype=torch.float64)
        opt.step()
        torch.testing.assert_close(p.detach(), torch.tensor([want_p], dtype=torch.float64))
        s = opt.state[p]["exp_avg_sq"]
        torch.testing.assert_close(s, torch.tensor([want_s], dtype=torch.float64))
    assert opt.state[p]["step"] == 3


def test_yogi_rejects_invalid_hyperparameters():
    with pytest.raises(ValueError):
        scratch.Yogi([torch.zeros(1, requires_grad=True)], lr=0.1, betas=(1.0, 0.999))
