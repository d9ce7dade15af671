"""What only a CUDA device can show: the Trainer, AMP, loaders, checkpoints and NCCL on a GPU.

Marked ``gpu``: skipped (and said so) where CUDA is absent, as in CI. Run them on a
GPU machine with ``pytest -m gpu``; benchmarks/gpu_check.sh does, with the data in
``$D2LKIT_DATA``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.data.transforms import Compose, ImageBatch, RandomCrop, RandomHorizontalFlip
from d2lkit.train import Trainer, build_task

pytestmark = pytest.mark.gpu
SRC = Path(__file__).resolve().parents[2] / "src"


def _data(n: int = 512, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, 12, 12, generator=g)
    y = (X[:, :, :, :6].mean((1, 2, 3)) > X[:, :, :, 6:].mean((1, 2, 3))).long()
    return X, y


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * 12 * 12, 2),
    )


def _fit(device: str, epochs: int = 3, **switches) -> tuple[nn.Module, list[dict]]:
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, device=device, **switches)
    X, y = _data()
    train = TensorLoader(X, y, batch_size=64, shuffle=True, seed=1, device=trainer.device)
    test = TensorLoader(X[:128], y[:128], batch_size=64, device=trainer.device)
    return trainer.model, trainer.fit(train, test, epochs=epochs)


def test_cuda_training_matches_the_cpu_in_float32():
    torch.backends.cudnn.allow_tf32 = False  # compare float32 with float32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        cpu_model, cpu_rows = _fit("cpu")
        gpu_model, gpu_rows = _fit("cuda")
    finally:
        torch.backends.cudnn.allow_tf32 = True
    assert next(gpu_model.parameters()).is_cuda
    for a, b in zip(cpu_rows, gpu_rows, strict=True):
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-4)
        assert b["test_acc"] == pytest.approx(a["test_acc"], abs=1 / 128)
    for p, q in zip(cpu_model.state_dict().values(), gpu_model.state_dict().values(), strict=True):
        torch.testing.assert_close(q.cpu(), p, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_mixed_precision_trains_and_scales_only_float16(dtype):
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, device="cuda", amp=dtype)
    assert (trainer.scaler is not None) == (dtype == "float16")
    X, y = _data()
    train = TensorLoader(X, y, batch_size=64, shuffle=True, device="cuda")
    rows = trainer.fit(train, TensorLoader(X, y, batch_size=256, device="cuda"), epochs=4)
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    assert rows[-1]["test_acc"] > 0.8
    assert all(p.dtype == torch.float32 for p in model.parameters())  # master weights


def test_channels_last_on_cuda_gives_the_float32_result():
    _, plain = _fit("cuda", epochs=2)
    _, nhwc = _fit("cuda", epochs=2, channels_last=True)
    for a, b in zip(plain, nhwc, strict=True):
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-2)


def test_augmenting_loader_on_cuda_crops_as_on_the_cpu():
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    labels = torch.arange(64)

    def loader(device: str) -> TensorLoader:
        g = torch.Generator().manual_seed(3)
        steps = [RandomCrop(28, 2, generator=g), RandomHorizontalFlip(generator=g), ImageBatch()]
        return TensorLoader(
            images, labels, batch_size=16, shuffle=True, seed=2, transform=Compose(steps),
            device=device,
        )  # fmt: skip

    for (xc, yc), (xg, yg) in zip(loader("cpu"), loader("cuda"), strict=True):
        assert xg.is_cuda and xg.dtype == torch.float32
        torch.testing.assert_close(xg.cpu(), xc)
        assert torch.equal(yg.cpu(), yc)


def test_language_model_state_stays_on_the_gpu():
    vocab, hidden = 11, 16

    class TinyRNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab, hidden)
            self.rnn = nn.GRU(hidden, hidden, batch_first=True)
            self.out = nn.Linear(hidden, vocab)

        def forward(self, X, state=None):
            Y, state = self.rnn(self.embed(X), state)
            return self.out(Y), state

    torch.manual_seed(0)
    tokens = torch.arange(2000) % vocab  # a periodic sequence: learnable to near-certainty
    X = tokens[:-1][: 32 * 60].reshape(32, 60)
    Y = tokens[1:][: 32 * 60].reshape(32, 60)
    model = TinyRNN()
    trainer = Trainer(
        model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=0.01),
        task=build_task("language_model"), device="cuda", grad_clip=1.0,
    )  # fmt: skip
    loader = TensorLoader(X, Y, batch_size=8, device="cuda")
    rows = trainer.fit(loader, epochs=30)
    assert rows[-1]["train_ppl"] < 1.5 < rows[0]["train_ppl"]


@pytest.fixture()
def fashion_data() -> Path:
    root = os.environ.get("D2LKIT_DATA")
    if not root or not (Path(root) / "fashion-mnist").is_dir():
        pytest.skip("needs Fashion-MNIST in $D2LKIT_DATA")
    return Path(root)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    command = [sys.executable, "-m", "d2lkit", *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=300)


def test_a_cuda_run_resumes_on_the_cpu(fashion_data, tmp_path):
    common = ["--out", str(tmp_path), "--quiet", "--set", "data.limit=2048"]
    done = _cli("run", "lenet-bn", "--epochs", "1", "--set", "train.device=cuda", *common)
    assert done.returncode == 0, done.stderr[-2000:]
    [run_dir] = (tmp_path / "lenet-bn").iterdir()
    assert json.loads((run_dir / "config.json").read_text())["device"].startswith("cuda")
    more = _cli(
        "run", "lenet-bn", "--epochs", "2", "--set", "train.device=cpu", "--resume", str(run_dir)
    )
    assert more.returncode == 0, more.stderr[-2000:]
    rows = (run_dir / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3  # header, the GPU epoch, the CPU epoch


def test_one_nccl_process_under_torchrun_trains_as_a_plain_run(fashion_data, tmp_path):
    common = ["run", "fashion-fast", "--epochs", "1", "--quiet", "--set", "data.limit=2048"]
    plain = _cli(*common, "--out", str(tmp_path / "plain"))
    assert plain.returncode == 0, plain.stderr[-2000:]
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1",
        "-m", "d2lkit", *common, "--out", str(tmp_path / "ddp"),
    ]  # fmt: skip
    environ = {**os.environ, "PYTHONPATH": str(SRC)}
    ddp = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-2000:]

    def read(out: str, name: str) -> dict:
        folder = tmp_path / out / "fashion-fast"
        [run_dir] = [
            p for p in folder.iterdir() if not p.name.startswith(".")
        ]  # not torchrun's marker
        return json.loads((run_dir / name).read_text())

    assert read("ddp", "config.json")["device"] == "cuda:0"  # cuda:LOCAL_RANK, NCCL's device
    final = read("ddp", "summary.json")["final"]
    assert final["test_acc"] == pytest.approx(
        read("plain", "summary.json")["final"]["test_acc"], abs=0.01
    )
