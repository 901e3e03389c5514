"""What tuning buys on the bundled churn example, and what a second worker buys, in one run.

The churn project (``examples/``, 600 rows, copied to a temporary folder) trains once with its
own settings (the defaults), then ``dlstudio tune`` searches the learning rate, the first
layer's units and the dropout rate — with 1 worker, then with 2 workers (a second study, same
budget). Printed: the validation loss and test accuracy of the defaults' run and of each
study's best trial (evaluated on the test split, which the search never saw), and each
study's wall time. Each trial is a real ``python -m dlstudio.worker`` process.

The script exits 0 whatever the verdict (this machine is shared and its timings noisy);
1 only when a study or run fails.

Run: ``python benchmarks/bench_tune.py [--trials N] [--epochs E] [--smoke]`` (``--smoke``: 2
trials of 1 epoch, 2 workers only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEARCH = ["training.learning_rate=1e-4:3e-2:log",
          "model.layers[id=dense_1].params.units=8:128:8",
          "model.layers[id=dropout_1].params.rate=0.0:0.5"]


def dlstudio(*arguments: str) -> str:
    """Run the ``dlstudio`` command; return its stdout (exit on failure)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "dlstudio", *arguments], capture_output=True,
                            text=True, env=env)
    if result.returncode != 0:
        print(f"dlstudio {' '.join(arguments[:2])} failed:\n{result.stderr[-2000:]}")
        sys.exit(1)
    return result.stdout


def test_accuracy(run_dir: str) -> float:
    report = json.loads(dlstudio("evaluate", run_dir, "--json"))
    return float(report["accuracy"])


def best_val_loss(run_dir: Path) -> float:
    rows = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    return float(rows["best_metrics"].get("val_loss", float("nan")))


def study(project: Path, name: str, trials: int, workers: int, epochs: int) -> dict:
    """Run one study; return its best trial, its wall time and its counts."""
    started = time.perf_counter()
    dlstudio("tune", str(project), "--study", name, "--trials", str(trials), "--workers",
             str(workers), "--epochs", str(epochs), *[f"--search={s}" for s in SEARCH])
    seconds = time.perf_counter() - started
    report = json.loads(dlstudio("tune", "status", name, "--runs-dir",
                                 str(project.parent / "runs"), "--json"))
    return {"best": report["best"], "seconds": seconds, "counts": report["counts"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    trials, epochs = (2, 1) if args.smoke else (args.trials, args.epochs)
    folder = Path(tempfile.mkdtemp(prefix="dlstudio-bench-tune-"))
    try:
        shutil.copytree(ROOT / "examples" / "churn", folder / "churn")
        shutil.copy(ROOT / "examples" / "churn.dlstudio.json", folder)
        project = folder / "churn.dlstudio.json"
        trained = dlstudio("train", str(project), "--epochs", str(epochs))
        default_run = trained.strip().splitlines()[-1]
        defaults = {"val_loss": best_val_loss(Path(default_run)),
                    "accuracy": test_accuracy(default_run)}
        print(f"defaults: val_loss {defaults['val_loss']:.4f}, test accuracy "
              f"{defaults['accuracy']:.3f} ({epochs} epochs)")
        results = {}
        for workers in ((2,) if args.smoke else (1, 2)):
            result = study(project, f"churn-{workers}w", trials, workers, epochs)
            best = result["best"]
            accuracy = test_accuracy(best["run_dir"]) if best else float("nan")
            results[workers] = result["seconds"]
            print(f"{workers} worker(s): {trials} trials in {result['seconds']:.0f} s "
                  f"({result['counts']}); best val_loss "
                  f"{best['value'] if best else float('nan'):.4f}, test accuracy {accuracy:.3f}"
                  f" — {best['params'] if best else {}}")
        speedup = (f"; 2 workers {results[1] / results[2]:.2f}x the speed of 1"
                   if 1 in results else "")
        print(f"verdict: tuned vs defaults on the test split above{speedup}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
