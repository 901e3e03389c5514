"""Time to quality: a hand-written pandas + Keras script against ``dlstudio init/train`` (issue 9).

Both start from the same ``train.csv`` and ``test.csv`` (an 80/20 split of a public table that
ships with plotnine or scikit-learn: the ``bench`` extra) and end with the test metric; the wall
time covers reading the CSV to the evaluated model. The script is the kind a user writes by
hand: one-hot categories, standardized numbers, Dense(64)-Dense(32), Adam, 15% of the
training rows for early stopping (patience 10, best weights restored), batch 32, up to 200
epochs. dlstudio runs ``new_project(train.csv, test_path=test.csv)``, ``run_training`` and
``evaluate_run`` with nothing changed.

Goal: dlstudio's metric at least the script's, in at most half its wall time.

Run: ``PYTHONPATH=. python benchmarks/bench_time_to_quality.py [--dataset NAME]``;
``--smoke`` (two epochs each) is what the tests run. It always exits 0. Keras, TensorFlow and
dlstudio are imported before either clock starts, so neither pays the start-up.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_tabular import TABLES, run_dlstudio, split_rows  # noqa: E402


def hand_written(train_csv: Path, test_csv: Path, target: str, task: str,
                 epochs: int) -> float:
    """The user's script: returns the test accuracy or R²."""
    import keras
    import numpy as np
    import pandas as pd

    train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
    y_train, y_test = train.pop(target), test.pop(target)
    both = pd.get_dummies(pd.concat([train, test]), dummy_na=True).astype("float32")
    both = both.fillna(both.iloc[: len(train)].median())
    mean, std = both.iloc[: len(train)].mean(), both.iloc[: len(train)].std().replace(0, 1)
    both = (both - mean) / std
    x_train, x_test = both.iloc[: len(train)].to_numpy(), both.iloc[len(train):].to_numpy()
    if task == "classification":
        classes = sorted(y_train.astype(str).unique())
        y_train = y_train.astype(str).map(classes.index).to_numpy()
        y_test = y_test.astype(str).map({c: i for i, c in enumerate(classes)}).to_numpy()
        head, loss = keras.layers.Dense(len(classes), activation="softmax"), \
            "sparse_categorical_crossentropy"
    else:
        head, loss = keras.layers.Dense(1), "mse"
    model = keras.Sequential([keras.Input((x_train.shape[1],)),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(32, activation="relu"), head])
    model.compile(optimizer="adam", loss=loss)
    stop = keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)
    model.fit(x_train, np.asarray(y_train, "float32"), validation_split=0.15, epochs=epochs,
              batch_size=32, callbacks=[stop], verbose=0)
    predicted = model.predict(x_test, verbose=0)
    if task == "classification":
        return float(np.mean(predicted.argmax(axis=1) == y_test))
    y_test = np.asarray(y_test, "float64")
    residual = np.sum((y_test - predicted[:, 0]) ** 2)
    return float(1 - residual / np.sum((y_test - y_test.mean()) ** 2))


def warm_up_imports() -> None:
    """Import Keras, TensorFlow and dlstudio before either clock starts: both sides then pay
    neither (whichever ran first used to pay TensorFlow's start-up, about 2-10 s here)."""
    import keras  # noqa: F401

    from dlstudio.core.evaluation import evaluate  # noqa: F401
    from dlstudio.core.project import from_data  # noqa: F401
    from dlstudio.core.training import run  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="diamonds_price", choices=sorted(TABLES))
    parser.add_argument("--smoke", action="store_true", help="a small table, two epochs each")
    args = parser.parse_args(argv)
    table = TABLES["diabetes" if args.smoke else args.dataset]
    epochs = 2 if args.smoke else None
    train, test = split_rows(table.load(), table.target, seed=0)
    warm_up_imports()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        score, dl_time = run_dlstudio(train, test, table, folder, epochs)
        started = time.perf_counter()
        script = hand_written(folder / "train.csv", folder / "test.csv", table.target,
                              table.task, epochs or 200)
        script_time = time.perf_counter() - started
    metric = "accuracy" if table.task == "classification" else "R²"
    print(f"{table.name} ({len(train)} training rows, {len(test)} test rows), test {metric}")
    print(f"hand-written script: {script:.4f} in {script_time:.1f}s")
    print(f"dlstudio:            {score:.4f} in {dl_time:.1f}s")
    print(f"verdict: dlstudio {score - script:+.4f} {metric} in {dl_time / script_time:.2f}x "
          "the script's time (goal: >= +0.0000 in <= 0.50x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
