"""dlstudio's untuned defaults against scikit-learn's plain defaults on public tables (issue 9).

Every dataset ships inside a Python package (scikit-learn, statsmodels, plotnine,
palmerpenguins: the ``bench`` extra), so nothing is downloaded. For each dataset and seed the
rows are split 80/20 at random; the 80% go to ``train.csv`` and the 20% to ``test.csv``, and
every model is scored on the same test rows:

- **dlstudio**: the code path of ``dlstudio init train.csv --test test.csv``, ``dlstudio
  train`` and ``dlstudio evaluate`` (``new_project``, ``run_training``, ``evaluate_run``),
  nothing changed; the wall time covers all three;
- **linear**: ``LogisticRegression`` (classification) or ``Ridge`` (regression);
- **mlp**: ``MLPClassifier`` / ``MLPRegressor``;
- **hgb**: ``HistGradientBoostingClassifier`` / ``Regressor``;

the scikit-learn models with their defaults behind the usual preprocessing (median imputation
and standard scaling for numbers, one-hot for categories). The metric is test accuracy or R²;
the table shows the mean over the seeds, the wall time and each model's rank per dataset, and
the mean rank over datasets.

Run: ``PYTHONPATH=. python benchmarks/bench_tabular.py`` (all datasets, 3 seeds; about an hour
on two CPU cores), ``--datasets iris,diamonds_price --seeds 1`` for a part, ``--smoke`` for the
quick check the tests run, ``--join a.json,b.json`` to print the table of runs split across
processes. It always exits 0: the verdict line is information, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

MODELS = ("dlstudio", "linear", "mlp", "hgb")


@dataclass(frozen=True)
class Table:
    """One benchmark dataset: a loader, its target column and task."""

    name: str
    task: str
    target: str
    load: Callable[[], pd.DataFrame]
    source: str


def _sklearn(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from sklearn import datasets

        return getattr(datasets, f"load_{name}")(as_frame=True).frame
    return load


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _plotnine(name: str, drop: tuple[str, ...] = ()) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from plotnine import data

        frame = getattr(data, name).drop(columns=list(drop))
        for column in frame.columns:  # ordered categories become plain text in a CSV anyway
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype(str)
        return frame
    return load


def _statsmodels(name: str) -> pd.DataFrame:
    from statsmodels import datasets

    return getattr(datasets, name).load_pandas().data


def _fair() -> pd.DataFrame:
    frame = _statsmodels("fair")
    frame["had_affair"] = np.where(frame.pop("affairs") > 0, "yes", "no")
    return frame


def _anes96() -> pd.DataFrame:
    frame = _statsmodels("anes96").drop(columns=["logpopul"])
    frame["vote"] = frame["vote"].map({0.0: "Clinton", 1.0: "Dole"})
    return frame


TABLES = {table.name: table for table in (
    Table("iris", "classification", "target", _sklearn("iris"), "scikit-learn"),
    Table("wine", "classification", "target", _sklearn("wine"), "scikit-learn"),
    Table("breast_cancer", "classification", "target", _sklearn("breast_cancer"),
          "scikit-learn"),
    Table("digits", "classification", "target", _sklearn("digits"), "scikit-learn"),
    Table("penguins", "classification", "species", _penguins, "palmerpenguins"),
    Table("anes96", "classification", "vote", _anes96, "statsmodels"),
    Table("fair", "classification", "had_affair", _fair, "statsmodels"),
    Table("diamonds_cut", "classification", "cut", _plotnine("diamonds"), "plotnine"),
    Table("diabetes", "regression", "target", _sklearn("diabetes"), "scikit-learn"),
    Table("mpg", "regression", "hwy", _plotnine("mpg", ("cty",)), "plotnine"),
    Table("midwest", "regression", "percollege", _plotnine("midwest", ("PID", "county")),
          "plotnine"),
    Table("txhousing", "regression", "median", _plotnine("txhousing", ("volume", "date")),
          "plotnine"),
    Table("diamonds_price", "regression", "price", _plotnine("diamonds"), "plotnine"),
)}
SMOKE = ("iris", "diabetes")


def split_rows(frame: pd.DataFrame, target: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the 80% training and 20% test rows (rows without a target dropped first)."""
    frame = frame[frame[target].notna()].reset_index(drop=True)
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = int(round(0.8 * len(frame)))
    return frame.iloc[order[:cut]], frame.iloc[order[cut:]]


def run_dlstudio(train: pd.DataFrame, test: pd.DataFrame, table: Table, folder: Path,
                 epochs: int | None) -> tuple[float, float]:
    """Return dlstudio's test metric and wall time (init, train and evaluate, CSV to metric)."""
    from dlstudio.core.evaluation.evaluate import evaluate_run
    from dlstudio.core.project.from_data import new_project
    from dlstudio.core.project.project import save_project
    from dlstudio.core.training.run import run_training

    train_csv, test_csv = folder / "train.csv", folder / "test.csv"
    train.to_csv(train_csv, index=False)
    test.to_csv(test_csv, index=False)
    started = time.perf_counter()
    project = new_project(train_csv, target=table.target, test_path=test_csv)
    path = save_project(project, folder / "project.dlstudio.json")
    with contextlib.redirect_stdout(io.StringIO()):
        result = run_training(project, lambda event: None, epochs=epochs,
                              runs_dir=path.parent / "runs")
        report = evaluate_run(result.run.path)
    elapsed = time.perf_counter() - started
    return report["accuracy" if table.task == "classification" else "r2"], elapsed


def run_sklearn(name: str, train: pd.DataFrame, test: pd.DataFrame,
                table: Table) -> tuple[float, float]:
    """Return a scikit-learn model's test metric and wall time (fit and score)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    started = time.perf_counter()
    features = [column for column in train.columns if column != table.target]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in features if c not in numeric]
    prepare = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categories", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                                     OneHotEncoder(handle_unknown="ignore")), categorical),
    ], sparse_threshold=0)
    classify = table.task == "classification"
    estimator = {
        "linear": LogisticRegression() if classify else Ridge(),
        "mlp": MLPClassifier() if classify else MLPRegressor(),
        "hgb": HistGradientBoostingClassifier() if classify else HistGradientBoostingRegressor(),
    }[name]
    model = make_pipeline(prepare, estimator)
    x_train, y_train = train[features].astype({c: str for c in categorical}), train[table.target]
    x_test, y_test = test[features].astype({c: str for c in categorical}), test[table.target]
    if classify:
        y_train, y_test = y_train.astype(str), y_test.astype(str)
    with contextlib.redirect_stderr(io.StringIO()):  # convergence warnings
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x_train, y_train)
    score = float(model.score(x_test, y_test))
    return score, time.perf_counter() - started


def ranks(scores: dict[str, float]) -> dict[str, float]:
    """Return each model's rank (1 = best, ties share the mean rank)."""
    ordered = sorted(scores.values(), reverse=True)
    return {model: float(np.mean([i + 1 for i, s in enumerate(ordered) if s == value]))
            for model, value in scores.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", help="comma-separated names (default: all)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--smoke", action="store_true",
                        help="two small datasets, one seed, 2 epochs: proves the script runs")
    parser.add_argument("--json", metavar="FILE", help="also write the raw results here")
    parser.add_argument("--reuse", metavar="FILE", help="take the results of models not in "
                        "--models from this earlier --json file (peers need not rerun)")
    parser.add_argument("--join", metavar="FILES", help="run nothing: print the table of these "
                        "comma-separated --json files joined (runs split across processes)")
    args = parser.parse_args(argv)
    if args.join:
        joined = join_results([Path(name) for name in args.join.split(",")])
        report(joined, [m for m in MODELS if all(m in joined[name] for name in joined)])
        return 0
    names = list(SMOKE) if args.smoke else (
        args.datasets.split(",") if args.datasets else list(TABLES))
    seeds = 1 if args.smoke else args.seeds
    models = [m for m in args.models.split(",") if m]
    epochs = 2 if args.smoke else None
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for name in names:
        table = TABLES[name]
        frame = table.load()
        results[name] = {model: [] for model in models}
        for seed in range(seeds):
            train, test = split_rows(frame, table.target, seed)
            for model in models:
                if model == "dlstudio":
                    with tempfile.TemporaryDirectory() as folder:
                        outcome = run_dlstudio(train, test, table, Path(folder), epochs)
                else:
                    outcome = run_sklearn(model, train, test, table)
                results[name][model].append(outcome)
                print(f"{name} seed {seed} {model}: {outcome[0]:.4f} in {outcome[1]:.1f}s",
                      flush=True)
        if args.json:  # after every dataset, so a long run leaves its results as it goes
            Path(args.json).write_text(json.dumps(results, indent=1))
    if args.reuse:
        earlier = json.loads(Path(args.reuse).read_text())
        for name in results:
            for model, outcomes in earlier.get(name, {}).items():
                results[name].setdefault(model, [tuple(item) for item in outcomes])
        models = [m for m in MODELS if all(m in results[name] for name in results)]
    report(results, models)
    return 0


def join_results(files: list[Path]) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Return the results of several ``--json`` files in one table (a model's results for a
    dataset from the first file that has them), datasets in :data:`TABLES` order."""
    joined: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for file in files:
        for name, by_model in json.loads(file.read_text()).items():
            for model, outcomes in by_model.items():
                joined.setdefault(name, {}).setdefault(
                    model, [tuple(item) for item in outcomes])
    return {name: joined[name] for name in TABLES if name in joined}


def report(results: dict[str, dict[str, list[tuple[float, float]]]], models: list[str]) -> None:
    """Print the table of mean metrics, times and ranks, then the verdict line."""
    print()
    header = f"{'dataset':<15} {'task':<5} {'rows':>6} " + " ".join(
        f"{m + ' (rank)':>21}" for m in models)
    print(header)
    all_ranks: dict[str, list[float]] = {m: [] for m in models}
    gaps = {}
    for name, by_model in results.items():
        table = TABLES[name]
        means = {m: float(np.mean([s for s, _ in by_model[m]])) for m in models}
        times = {m: float(np.mean([t for _, t in by_model[m]])) for m in models}
        rank = ranks(means)
        for m in models:
            all_ranks[m].append(rank[m])
        if "dlstudio" in models and len(models) > 1:
            gaps[name] = means["dlstudio"] - max(v for m, v in means.items() if m != "dlstudio")
        rows = len(table.load())
        cells = " ".join(f"{means[m]:.4f} {times[m]:6.1f}s ({rank[m]:.1f})" for m in models)
        print(f"{name:<15} {table.task[:5]:<5} {rows:>6} {cells}")
    mean_ranks = {m: float(np.mean(r)) for m, r in all_ranks.items()}
    print("mean rank: " + ", ".join(f"{m} {v:.2f}" for m, v in mean_ranks.items()))
    if gaps:
        worst = min(gaps, key=gaps.get)
        print("dlstudio minus best peer per dataset: " + ", ".join(
            f"{n} {g:+.4f}" for n, g in gaps.items()))
        best = min(mean_ranks, key=mean_ranks.get)
        print(f"verdict: best mean rank {best}; dlstudio's worst gap {gaps[worst]:+.4f} "
              f"({worst}); goal: dlstudio best mean rank, no gap below -0.01")
    else:
        print("verdict: no comparison (one model only)")


if __name__ == "__main__":
    sys.exit(main())
