"""Data-parallel training across processes (DDP), started by ``torchrun``.

``torchrun --nproc_per_node=N -m d2lkit run RECIPE`` starts N copies of the
same program; each learns its place from the environment torchrun sets
(``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``/``PORT``). Outside
torchrun every function here is a cheap no-op, so single-process code pays
nothing. What this module guarantees under torchrun:

- one process group: NCCL when the process has a GPU (``cuda:LOCAL_RANK``),
  gloo on CPU (so the whole thing can be tested on a laptop);
- one model: every rank starts from the same seed, DDP broadcasts rank 0's
  weights once and averages gradients every step, so weights stay identical;
- metrics summed over ranks before dividing (:class:`SumOverRanks`), with the
  metric names agreed first, so a rank with no batch still takes part;
- batch-norm statistics: SyncBatchNorm on CUDA; on CPU (where SyncBatchNorm
  does not run) the running statistics are averaged over ranks after every
  training epoch, before evaluation and before a checkpoint is written;
- rank 0 alone writes (callbacks with ``main_only = True``, run folders).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.rendezvous import rendezvous

if TYPE_CHECKING:
    from d2lkit.train.trainer import Trainer

__all__ = [
    "DistEnv",
    "SumOverRanks",
    "all_agree",
    "attach",
    "barrier",
    "broadcast_object",
    "dist_env",
    "init_distributed",
    "is_main_process",
    "main_first",
    "restart_count",
    "sync_buffers",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistEnv:
    """Where this process sits: global rank, rank on its machine, number of processes."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def dist_env() -> DistEnv:
    """The initialised process group's view, else torchrun's environment, else one process."""
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if dist.is_available() and dist.is_initialized():
        return DistEnv(dist.get_rank(), local, dist.get_world_size())
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return DistEnv(int(os.environ.get("RANK", "0")), local, world)


def _launched() -> bool:
    """Started by torchrun (or anything setting its variables) with more than one process."""
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def _active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def is_main_process() -> bool:
    """True on rank 0, and always outside torchrun."""
    return dist_env().is_main


_attempt: int | None = None  # this job's attempt, agreed by every rank when joining the group


def restart_count() -> int:
    """How many times torchrun restarted this job (0 on the first try), the same on every rank.

    Once the process group is joined this is the attempt every rank agreed on
    (:func:`_agree_on_attempt`); before, torchrun's ``TORCHELASTIC_RESTART_COUNT``.
    That variable alone is not enough past one machine: an agent whose workers
    are restarted because another machine's worker failed does not count the
    restart, so machines disagree on it.
    """
    if _attempt is not None:
        return _attempt
    return int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))


def init_distributed(device: torch.device) -> bool:
    """Join torchrun's process group (once); return whether this run is distributed.

    NCCL for a CUDA device, gloo otherwise. The CUDA device must already be
    ``cuda:LOCAL_RANK`` (``resolve_device('auto')`` gives it under torchrun).
    """
    if _active():
        return True
    if not _launched() or not dist.is_available():
        return False
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        store, rank, world_size = _attempt_store()
        dist.init_process_group(backend=backend, store=store, rank=rank, world_size=world_size)
        atexit.register(_destroy)
        _one_line_for_lost_peers()
        log.info("joined the %s process group as rank %d of %d", backend, *_rank_world())
    return dist.get_world_size() > 1


def _attempt_store() -> tuple[dist.Store, int, int]:
    """torchrun's store, with keys of their own for this attempt of the job.

    torchrun keeps one store for the whole job, across ``--max-restarts``. The
    keys a killed attempt wrote there (gloo's peer addresses, the start-up
    barrier's count) outlive it, and a restarted rank that reads one before its
    new peer overwrites it dials a dead port ("Connection refused") or waits on
    a count that is already met. A prefix per attempt keeps attempts apart; the
    attempt is agreed through the store, not read from the environment.
    """
    global _attempt
    store, rank, world_size = next(rendezvous("env://"))
    _attempt = _agree_on_attempt(store, rank, world_size)
    return dist.PrefixStore(f"d2lkit/attempt-{_attempt}", store), rank, world_size


_POLL_S = 0.02  # how often a waiting rank looks at the store
_STALE_S = 1.0  # how long a rank waits on a leader before reading who leads again


def _agree_on_attempt(store: dist.Store, rank: int, world_size: int) -> int:
    """The attempt number every rank of this attempt uses: rank 0's, handed to each rank.

    Rank 0 counts the attempts that reached this point (``add`` on the store is
    atomic) and names its own under ``d2lkit/leader``. Another rank reads it,
    answers with a name of its own (fresh each start), and goes on only when rank
    0 answers that name. A rank that read an earlier attempt's leader (the key
    outlives it) gets no answer, and reads the key again: stale keys are never
    taken for this attempt's.
    """
    if rank == 0:
        count = int(store.add("d2lkit/attempts", 1))
        store.set("d2lkit/leader", str(count))
        ready = [f"d2lkit/handshake-{count}/ready/{r}" for r in range(1, world_size)]
        store.wait(ready)
        for key in ready:
            name = store.get(key).decode()
            store.set(f"d2lkit/handshake-{count}/go/{name}", "1")
        return count - 1
    name = uuid.uuid4().hex
    limit = getattr(store, "timeout", None) or dist.default_pg_timeout
    deadline = time.monotonic() + limit.total_seconds()
    while time.monotonic() < deadline:
        store.wait(["d2lkit/leader"])
        count = int(store.get("d2lkit/leader"))
        store.set(f"d2lkit/handshake-{count}/ready/{rank}", name)
        answered = time.monotonic() + _STALE_S
        while time.monotonic() < answered:
            if store.check([f"d2lkit/handshake-{count}/go/{name}"]):
                return count - 1
            time.sleep(_POLL_S)
    raise RuntimeError(f"rank {rank}: rank 0 did not answer within {limit}")


# What a collective raises when another process is gone (killed, or its machine lost).
_LOST_PEER = (
    "Connection reset by peer",
    "Connection closed by peer",
    "Connection refused",
    "Broken pipe",
    "gloo/transport",
)


def _lost_peer(exc: BaseException) -> bool:
    """True for the error a rank gets when another rank died: the consequence, not the cause."""
    if isinstance(exc, dist.DistError):  # DistBackendError (NCCL), DistNetworkError, DistStoreError
        return True
    return isinstance(exc, RuntimeError) and any(mark in str(exc) for mark in _LOST_PEER)


def _one_line_for_lost_peers() -> None:
    """Print one line, not a traceback, when this rank fails because another one died.

    When a process of the job dies, every other rank fails in its next
    collective; torch prints each such failure as a traceback of 60 lines
    (its own ``sys.excepthook``, installed by ``init_process_group``, prefixes
    ``[rankN]:`` to Python's). The traceback that matters is the dead rank's;
    this hook, installed after torch's, says in one line what happened to this
    rank and passes every other exception on unchanged. The exit status stays 1,
    so torchrun restarts the job (``--max-restarts``) and the run resumes.
    """
    previous = sys.excepthook
    rank = dist.get_rank()

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        if not _lost_peer(value):
            previous(kind, value, tb)
            return
        first = (str(value).strip().splitlines() or [kind.__name__])[0]
        first = re.sub(r"^\[[^\]]*\]\s*", "", first).split(". ")[0][:200]  # gloo's source line
        sys.stderr.write(
            f"[rank{rank}] lost the connection to another process of the job ({first}); "
            "torchrun restarts the job if --max-restarts allows, from its last checkpoint\n"
        )
        sys.stderr.flush()

    sys.excepthook = hook


def _rank_world() -> tuple[int, int]:
    return dist.get_rank(), dist.get_world_size()


# How long a process leaving the job gives gloo's threads the GIL (see _destroy).
_SETTLE_S = 0.05


def _destroy() -> None:
    """At exit: let gloo's worker threads finish with the GIL free, then leave the group.

    A gloo worker thread drops a finished collective's tensors just after the
    caller has moved on; when the caller's Python tensor is already gone, that
    drop takes the GIL. A process that reaches interpreter shutdown in between
    (rank 1 has nothing to write, so it exits moments after its last
    collective) aborts there: "terminate called without an active exception",
    after a run that succeeded, in about 1 job in 25 here (a core dump showed
    ``ProcessGroupGloo::runLoop`` freeing ``AsyncAllreduceWork`` inside
    ``take_gil`` during ``Py_FinalizeEx``). A DDP model keeps the group, and its
    threads, alive until shutdown, so leaving the group alone cannot prevent it;
    a short sleep here, while the interpreter is whole, lets them finish first.
    """
    if dist.is_available() and dist.is_initialized():
        time.sleep(_SETTLE_S)  # releases the GIL to a worker waiting for it
        dist.destroy_process_group()


def _collective_device() -> torch.device:
    """Where tensors for collectives must live: the GPU for NCCL, the CPU for gloo."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def barrier() -> None:
    """Wait for every rank (no-op outside DDP)."""
    if _active():
        dist.barrier()


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``obj`` (picklable) on every rank; ``obj`` itself outside DDP."""
    if not _active():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def all_agree(flag: bool) -> bool:
    """True only if ``flag`` is True on every rank (e.g. 'this loss is finite')."""
    if not _active():
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=_collective_device())
    dist.all_reduce(value, op=dist.ReduceOp.MIN)
    return bool(value.item())


@contextlib.contextmanager
def main_first() -> Iterator[None]:
    """Rank 0 runs the block first (e.g. a download); the others wait, then run it."""
    if not _active():
        yield
        return
    if not is_main_process():
        dist.barrier()
    yield
    if is_main_process():
        dist.barrier()


class SumOverRanks:
    """The Trainer's ``reduce`` hook: sum a tensor over ranks (on any device, any float dtype).

    ``agree(names)`` makes every rank use the same metric names in the same
    order (the union over ranks): a rank that served no batch has no sums, yet
    must still add its zeros to the collective.
    """

    def __call__(self, tensor: torch.Tensor) -> torch.Tensor:
        if not _active():
            return tensor
        buffer = tensor.to(_collective_device()).clone()
        dist.all_reduce(buffer, op=dist.ReduceOp.SUM)
        return buffer.to(tensor.device)

    def agree(self, names: list[str]) -> list[str]:
        if not _active():
            return names
        gathered: list[Any] = [None] * dist.get_world_size()
        dist.all_gather_object(gathered, list(names))
        return list(dict.fromkeys(n for rank_names in gathered for n in rank_names))


@torch.no_grad()
def sync_buffers(model: nn.Module) -> None:
    """Make every rank's buffers equal: floats averaged (BN running stats), others rank 0's."""
    if not _active():
        return
    world = dist.get_world_size()
    where = _collective_device()
    for buffer in model.buffers():
        data = buffer.to(where)
        if buffer.is_floating_point():
            dist.all_reduce(data, op=dist.ReduceOp.SUM)
            data /= world
        else:
            dist.broadcast(data, src=0)
        if data is not buffer:
            buffer.copy_(data)


def _no_buffer_sync_argument(ddp: Any) -> dict[str, Any]:
    """Newer torch renames ``broadcast_buffers`` to ``forward_sync_buffers``."""
    import inspect

    names = inspect.signature(ddp.__init__).parameters
    key = "forward_sync_buffers" if "forward_sync_buffers" in names else "broadcast_buffers"
    return {key: False}


def attach(trainer: Trainer, *, compile: bool = False) -> bool:
    """Under torchrun, make ``trainer`` data-parallel; outside it, leave it alone.

    The trainer keeps the plain module in ``trainer.model`` (its state_dict has
    no ``module.`` prefix, so checkpoints load in 1 or N processes); training
    steps run through the DDP wrapper (``trainer.forward``), evaluation through
    the plain module (``trainer.eval_forward``: ranks may hold uneven shares of
    a test set, and evaluation needs no collective but the final sum).
    """
    if not init_distributed(trainer.device):
        return False
    from torch.nn.parallel import DistributedDataParallel

    model = trainer.model
    if trainer.device.type == "cuda":
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)  # reuses the same parameters
        trainer.model = model
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("DDP needs a model with trainable parameters")
    device_ids = [trainer.device.index] if trainer.device.type == "cuda" else None
    # broadcast_buffers=False: rank 0's BN statistics are not forced on the others each
    # step; sync_buffers averages them once per epoch instead (SyncBatchNorm keeps them
    # equal anyway on CUDA).
    no_sync = _no_buffer_sync_argument(DistributedDataParallel)
    wrapped = DistributedDataParallel(model, device_ids=device_ids, **no_sync)
    trainer.forward = torch.compile(wrapped) if compile else wrapped
    trainer.eval_forward = torch.compile(model) if compile else model
    trainer.reduce = SumOverRanks()
    trainer.is_main = is_main_process()
    log.info("DDP: rank %d of %d on %s", *_rank_world(), trainer.device)
    return True
