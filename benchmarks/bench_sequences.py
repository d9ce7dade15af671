"""Chapters 8-9: d2lkit against the book's own loops, tokens per second side by side.

    python benchmarks/bench_sequences.py --book-python /work/d2l-book-venv/bin/python

For each case both contenders train the same model on the same data with the
same settings for a few epochs, each in a fresh process with one thread
(``OMP_NUM_THREADS=1``), one after the other; the order alternates between
repeats so that slow spells of a shared machine do not always hit the same
one. The figure is training tokens per second over all epochs (the book's
``train_epoch_ch8`` / ``train_seq2seq`` time their training loops the same
way; d2lkit's ``tokens_per_sec`` counts training time only), median of the
repeats.

- book:   d2l 0.17.6's load_data_time_machine / load_data_nmt and
          train_epoch_ch8 / train_seq2seq (benchmarks/book_seq_worker.py);
- d2lkit: ``run_recipe`` as ``d2lkit run`` does it (checkpoint, logs, plots,
          and the recipe's callbacks, which sample text or translate).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FRA_ENG_SHA1 = "73848f36c17cc9c0187a058d6f7f315e68cdd61f"  # the shared copy (see its README)
CASES = {  # recipe: epochs per run
    "rnn-scratch": 10,
    "rnn": 20,
    "gru": 10,
    "lstm": 10,
    "gru-scratch": 5,
    "lstm-scratch": 5,
    "seq2seq": 20,
}


def d2lkit_worker(recipe_name: str, epochs: int, seed: int, data_dir: str, out: str) -> None:
    import torch

    from d2lkit.experiments import apply_overrides, get_recipe, run_recipe

    recipe = get_recipe(recipe_name)
    config = apply_overrides(recipe.config, [f"train.epochs={epochs}", f"train.seed={seed}"])
    with tempfile.TemporaryDirectory() as folder:
        result = run_recipe(recipe, config, out=folder, data_root=data_dir, progress=False)
    rows = result.history
    seconds = sum(r["train_time"] for r in rows)
    tokens = sum(r["tokens_per_sec"] * r["train_time"] for r in rows)
    last = rows[-1]
    figures = {"tokens_per_sec": tokens / seconds, "loop_s": seconds}
    figures.update({k: last[k] for k in ("train_ppl", "train_book_loss", "book_bleu") if k in last})
    figures["threads"] = torch.get_num_threads()
    Path(out).write_text(json.dumps(figures))


def _book_data(data_dir: Path, folder: Path) -> Path:
    """The book's cache layout: <folder>/data/<file>, run from <folder>/work."""
    (folder / "data").mkdir()
    (folder / "work").mkdir()
    for name in ("timemachine.txt", "fra-eng.zip"):
        (folder / "data" / name).symlink_to(data_dir / "d2l" / name)
    return folder / "work"


def _run(command: list[str], cwd: Path | None, out: Path) -> dict[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = str(REPO / "src")
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book-python", help="python of an environment with d2l 0.17.6")
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--epochs", type=int, help="epochs for every case (default: per case)")
    args = parser.parse_args()
    data_dir = Path(args.data_dir).resolve()
    rows = []
    for case in args.cases:
        epochs = args.epochs or CASES[case]
        results: dict[str, list[dict[str, float]]] = {"book": [], "d2lkit": []}
        for repeat in range(args.repeats):
            order = ["book", "d2lkit"] if repeat % 2 == 0 else ["d2lkit", "book"]
            for who in order:
                if who == "book" and not args.book_python:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    out = Path(tmp) / "out.json"
                    if who == "book":
                        cwd = _book_data(data_dir, Path(tmp))
                        command = [args.book_python, str(HERE / "book_seq_worker.py"), case]
                        command += [str(epochs), str(repeat), str(out), FRA_ENG_SHA1]
                    else:
                        cwd = None
                        command = [sys.executable, __file__, "--worker", case, str(epochs)]
                        command += [str(repeat), str(data_dir), str(out)]
                    results[who].append(_run(command, cwd, out))
        rows.append((case, epochs, results))
        _print_row(case, epochs, results)


def _median(runs: list[dict[str, float]], key: str) -> float:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else float("nan")


def _print_row(case: str, epochs: int, results: dict[str, list[dict[str, float]]]) -> None:
    book, ours = (
        _median(results["book"], "tokens_per_sec"),
        _median(results["d2lkit"], "tokens_per_sec"),
    )
    quality = "train_book_loss" if case == "seq2seq" else "train_ppl"
    book_quality = _median(results["book"], "book_loss" if case == "seq2seq" else "ppl")
    print(
        f"{case:13s} {epochs:3d} epochs  book {book:9,.0f} tok/s  d2lkit {ours:9,.0f} tok/s  "
        f"x{ours / book:5.2f}   {quality}: book {book_quality:.3f} d2lkit "
        f"{_median(results['d2lkit'], quality):.3f}   (median of {len(results['d2lkit'])})",
        flush=True,
    )
    if case == "seq2seq":  # mean BLEU of 9.7's four sentences, seed by seed (the repeat number)
        for who, runs in results.items():
            bleus = " ".join(f"{r['book_bleu']:.3f}" for r in runs if "book_bleu" in r)
            print(f"  {who:7s} BLEU of the four sentences, seeds 0-{len(runs) - 1}: {bleus}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _, _, name, n, seed, data, out_path = sys.argv
        d2lkit_worker(name, int(n), int(seed), data, out_path)
    else:
        main()
