"""Optimisers from scratch (d2l 3.2 and chapter 11), as ``torch.optim.Optimizer`` s.

Torch counterparts: ``torch.optim.SGD`` (``SGD``; ``Momentum`` is SGD with
``momentum``), ``Adagrad``, ``RMSprop``, ``Adadelta`` and ``Adam``; ``Yogi``
has none (its test derives the updates by hand).

Subclassing ``Optimizer`` keeps the update rule, the few lines that matter,
next to the bookkeeping torch already does well: parameter groups,
``zero_grad`` and ``state_dict`` for checkpoints. Each rule follows torch's
formula, hyperparameter names and defaults, and keeps its state in
``self.state`` under torch's keys, so a scratch optimiser can stand in for
torch's and be compared with it step for step. Where the book differs:
AdaGrad and RMSProp add eps outside the square root, sqrt(s) + eps (the book
writes sqrt(s + eps), eps = 1e-6); RMSProp's decay is torch's ``alpha`` (the
book's gamma); AdaDelta takes torch's ``lr`` (1.0 reproduces the book, which
has none); Adam's eps is 1e-8 (the book's 1e-6). Momentum, v <- beta v + g,
p <- p - lr v, is the book's rule and torch's (without dampening) alike.
``weight_decay`` adds ``weight_decay * p`` to the gradient, as in torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch

__all__ = ["SGD", "AdaDelta", "AdaGrad", "Adam", "Momentum", "RMSProp", "Yogi", "sgd"]

Params = Iterable[torch.Tensor] | Iterable[dict[str, Any]]


@torch.no_grad()
def sgd(params: Iterable[torch.Tensor], lr: float, batch_size: int = 1) -> None:
    """The book's ``sgd``: p <- p - lr * grad / batch_size, then zero the gradient.

    ``batch_size`` is there because the book sums the loss over a batch; with a
    mean loss (as in ``nn.CrossEntropyLoss``) leave it at 1.
    """
    for p in params:
        if p.grad is not None:
            p.sub_(p.grad, alpha=lr / batch_size)
            p.grad.zero_()


def _check(name: str, value: float, low: float, high: float = math.inf) -> None:
    if not low <= value < high:
        raise ValueError(f"{name} must be in [{low}, {high}), got {value}")


class _Scratch(torch.optim.Optimizer):
    """The loop every rule shares: skip parameters without a gradient, add weight decay."""

    def update(
        self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Apply one step of the rule to ``p`` in place, keeping what it needs in ``state``."""
        raise NotImplementedError

    @torch.no_grad()
    def step(  # type: ignore[override]  # torch's stub overloads step by closure type
        self, closure: Callable[[], torch.Tensor] | None = None
    ) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])  # L2: d/dp (wd/2 |p|^2)
                self.update(p, grad, self.state[p], group)
        return loss


class SGD(_Scratch):
    """Minibatch stochastic gradient descent: p <- p - lr * grad."""

    def __init__(self, params: Params, lr: float, weight_decay: float = 0.0) -> None:
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        _check("weight_decay", weight_decay, 0.0)
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay})

    def update(
        self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        p.sub_(grad, alpha=group["lr"])


class Momentum(_Scratch):
    """SGD with momentum (11.6): a leaky sum of past gradients, v, evens out the steps.

    v <- momentum * v + grad; p <- p - lr * v. State: ``momentum_buffer`` (v).
    """

    def __init__(
        self, params: Params, lr: float, momentum: float = 0.9, weight_decay: float = 0.0
    ) -> None:
        _check("lr", lr, 0.0)
        _check("momentum", momentum, 0.0, 1.0)
        _check("weight_decay", weight_decay, 0.0)
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})

    def update(
        self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = torch.zeros_like(p)
        v = state["momentum_buffer"]
        v.mul_(group["momentum"]).add_(grad)
        p.sub_(v, alpha=group["lr"])


class AdaGrad(_Scratch):
    """AdaGrad (11.7): each coordinate's step shrinks with its own summed squared gradients.

    s <- s + grad^2; p <- p - lr * grad / (sqrt(s) + eps). State: ``sum`` (s), ``step``.
    """

    def __init__(
        self, params: Params, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0
    ) -> None:
        _check("lr", lr, 0.0)
        _check("eps", eps, 0.0)
        _check("weight_decay", weight_decay, 0.0)
        super().__init__(params, {"lr": lr, "eps": eps, "weight_decay": weight_decay})

    def update(
        self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = torch.zeros_like(p)
        state["step"] += 1
        s = state["sum"]
        s.addcmul_(grad, grad)
        p.addcdiv_(grad, s.sqrt().add_(group["eps"]), value=-group["lr"])


class RMSProp(_Scratch):
    """RMSProp (11.8): AdaGrad with a leaky average of squared gradients, so steps don't vanish.

    s <- alpha * s + (1 - alpha) * grad^2; p <- p - lr * grad / (sqrt(s) + eps).
    State: ``square_avg`` (s), ``step``.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        _check("lr", lr, 0.0)
        _check("alpha", alpha, 0.0, 1.0)
        _check("eps", eps, 0.0)
        _check("weight_decay", weight_decay, 0.0)
        super().__init__(
            params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay}
        )

    def update(
        self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = torch.zeros_like(p)
        state["step"] += 1
        s, alpha = state["square_avg"], group["alpha"]
        s.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        p.addcdiv_(grad, s.sqrt().add_(group["eps"]), value=-group["lr"])


class AdaDelta(_Scratch):
    """AdaDelta (11.9): RMSProp whose step size is a leaky average of past updates, not lr.

    s <- rho * s + (1 - rho) * grad^2;
    g' <- sqrt(delta + eps) / sqrt(s + eps) * grad; p <- p - lr * g';
    delta <- rho * delta + (1 - rho) * g'^2.
    State: ``square_avg`` (s), ``acc_delta`` (delta), ``step``.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        _check("lr", lr, 0.0)
        _check("rho", rho, 0.0, 1.0)
        _check("eps", eps, 0.0)
        _check("weight_decay", weight_decay, 0.0)
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay})

    def update(
        self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = torch.zeros_like(p)
            state["acc_delta"] = torch.zeros_like(p)
        state["step"] += 1
        s, delta, rho, eps = state["square_avg"], state["acc_delta"], group["rho"], group["eps"]
        s.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        g = (delta + eps).sqrt().div_((s + eps).sqrt()).mul_(grad)  # the rescaled gradient g'
        delta.mul_(rho).addcmul_(g, g, value=1 - rho)
        p.sub_(g, alpha=group["lr"])


class Adam(_Scratch):
    """Adam (11.10): momentum on the gradient and RMSProp on its square, both bias-corrected.

    v <- b1 * v + (1 - b1) * grad; s <- b2 * s + (1 - b2) * grad^2;
    p <- p - lr * (v / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps).
    State: ``exp_avg`` (v), ``exp_avg_sq`` (s), ``step`` (t).
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        _check("lr", lr, 0.0)
        _check("betas[0]", betas[0], 0.0, 1.0)
        _check("betas[1]", betas[1], 0.0, 1.0)
        _check("eps", eps, 0.0)
        _check("weight_decay", weight_decay, 0.0)
        super().__init__(
            params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        )

    def update(
        self, p: torch.Tensor, grad: torch.Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(p)
            state["exp_avg_sq"] = torch.zeros_like(p)
        state["step"] += 1
        t, (beta1, beta2) = state["step"], group["betas"]
        v, s = state["exp_avg"], state["exp_avg_sq"]
        v.mul_(beta1).add_(grad, alpha=1 - beta1)
        self._second_moment(s, grad, beta2)
        v_hat = v / (1 - beta1**t)  # bias correction: v and s start at 0
        s_hat = s / (1 - beta2**t)
        p.addcdiv_(v_hat, s_hat.sqrt().add_(group["eps"]), value=-group["lr"])

    @staticmethod
    def _second_moment(s: torch.Tensor, grad: torch.Tensor, beta2: float) -> None:
        """s <- b2 * s + (1 - b2) * grad^2, in place."""
        s.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)


class Yogi(Adam):
    """Yogi (11.10.3): Adam whose second moment moves by a signed, additive step.

    Adam's s <- s + (1 - b2) (g^2 - s) can grow s far too slowly or forget it
    too fast when g^2 and s differ a lot; Yogi takes
    s <- s + (1 - b2) * g^2 * sign(g^2 - s) instead, so s changes by at most
    (1 - b2) g^2 per step. The rest is Adam's: v, both bias corrections, and
    p <- p - lr * v_hat / (sqrt(s_hat) + eps). The book's eps is 1e-3.
    State: ``exp_avg`` (v), ``exp_avg_sq`` (s), ``step`` (t). torch has no Yogi:
    the test checks the rule against updates derived by hand.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-3,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    @staticmethod
    def _second_moment(s: torch.Tensor, grad: torch.Tensor, beta2: float) -> None:
        """s <- s + (1 - b2) * grad^2 * sign(grad^2 - s): the one line that differs."""
        g2 = grad * grad
        s.addcmul_(g2, torch.sign(g2 - s), value=1 - beta2)
