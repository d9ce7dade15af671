"""Our accuracy beside the book's: every recipe, full data, its full schedule, several seeds.

    python benchmarks/book_parity.py --seeds 0 1 2

Each run is exactly ``d2lkit run NAME --seed S`` (in-process, progress off).
The table gives the book's printed figure, the foundation issue's target where
it sets one, our seed-0 figure (the default a user gets), the median and range
over the seeds, and the wall time of one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from d2lkit.experiments import apply_overrides, get_recipe, list_recipes, run_recipe

HERE = Path(__file__).resolve().parent
TARGETS = {"softmax-regression": 0.82, "lenet": 0.76, "lenet-bn": 0.84}  # test accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=[r.name for r in list_recipes()])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("D2LKIT_DATA") or str(HERE.parent.parent / "shared" / "data"),
    )
    args = parser.parse_args()

    header = (
        f"{'recipe':28s} {'book':>5s} {'target':>7s} {'seed 0':>7s} {'median':>7s} "
        f"{'range':>13s} {'wall s':>7s}  verdict"
    )
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for name in args.recipes:
            recipe = get_recipe(name)
            accs, walls = [], []
            for seed in args.seeds:
                config = apply_overrides(recipe.config, [f"train.seed={seed}"])
                result = run_recipe(
                    recipe, config, out=out, data_root=args.data_dir, progress=False
                )
                accs.append(result.history[-1]["test_acc"])
                walls.append(result.summary["wall_time_s"])
                print(
                    f"  {name} seed {seed}: test acc {accs[-1]:.4f}, {walls[-1]:.1f} s", flush=True
                )
            target = TARGETS.get(name)
            median = statistics.median(accs)
            verdict = (
                ""
                if target is None
                else ("meets target" if accs[0] >= target and median >= target else "BELOW target")
            )
            book = recipe.expected.value if recipe.expected else float("nan")
            target_text = "-" if target is None else f"{target:.2f}"
            rows.append(
                f"{name:28s} {book:5.2f} {target_text:>7s} {accs[0]:7.4f} "
                f"{median:7.4f} {min(accs):.4f}-{max(accs):.4f} "
                f"{statistics.median(walls):7.1f}  {verdict}"
            )
    print("\n" + header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
