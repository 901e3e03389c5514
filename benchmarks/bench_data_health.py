"""Data health on a large CSV: do the checks cost little next to opening the data?

Writes a table with planted problems (an identifier, repeated rows, a column that gives the
answer away, imbalanced classes, a mostly empty column), opens it as the data view does
(:func:`dlstudio.core.data.load_dataset`, the baseline measured in the same run), then times
:func:`dlstudio.core.data.health.check_health` on the opened dataset, in CPU seconds (the
machine is shared; CPU time says more than wall time) and wall seconds. The goal: the checks
cost at most half of opening the data. It also says whether every planted problem was found.
The script always exits 0: its verdict line is information, not a test.

Run: ``python benchmarks/bench_data_health.py [--rows N] [--smoke]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dlstudio.core.data import load_dataset  # noqa: E402
from dlstudio.core.data.health import check_health  # noqa: E402
from dlstudio.core.project.from_data import new_project  # noqa: E402

GOAL = 0.5
PLANTED = ("id_column", "duplicate_rows", "leaky_column", "class_imbalance", "missing_values",
           "shared_between_splits")


def planted_table(path: Path, rows: int) -> Path:
    """Write ``rows`` rows (and 5% repeats with new ids) with the problems of :data:`PLANTED`."""
    generator = np.random.default_rng(0)
    x1, x2 = generator.normal(size=rows), generator.normal(size=rows)
    label = np.where(x1 + 0.5 * x2 + generator.normal(scale=0.5, size=rows) > 1.2, "yes", "no")
    frame = pd.DataFrame({
        "customer_no": np.sort(generator.choice(10 * rows, size=rows, replace=False)),
        "x1": x1.round(3), "x2": x2.round(3),
        "city": generator.choice(["paris", "rome", "oslo"], size=rows),
        "refund_issued": np.where(label == "yes", 1, 0),
        "notes": np.where(generator.random(rows) < 0.7, None,
                          generator.choice(["late", "early"], size=rows)),
        "label": label})
    copies = frame.iloc[: rows // 20].copy()
    copies["customer_no"] = frame["customer_no"].max() + 1 + np.arange(len(copies))
    pd.concat([frame, copies], ignore_index=True).to_csv(path, index=False)
    return path


def timed(function: object) -> tuple[object, float, float]:
    """Return ``function()``, its CPU seconds and its wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    """Measure and print the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="10,000 rows")
    arguments = parser.parse_args()
    rows = 10_000 if arguments.smoke else arguments.rows
    with tempfile.TemporaryDirectory() as folder:
        project = new_project(str(planted_table(Path(folder) / "planted.csv", rows)),
                              target="label")
        dataset, open_cpu, open_wall = timed(lambda: load_dataset(project))
        report, check_cpu, check_wall = timed(lambda: check_health(project, dataset))
    found = {finding.check for finding in report.findings}
    missed = [check for check in PLANTED if check not in found]
    ratio = check_cpu / open_cpu
    print(f"{rows:,} rows (+5% repeats), {len(report.findings)} findings: {report.headline()}")
    print(f"opening the data: {open_cpu:.2f} s CPU ({open_wall:.2f} s wall)")
    print(f"health checks:    {check_cpu:.2f} s CPU ({check_wall:.2f} s wall)")
    print(f"planted problems found: {len(PLANTED) - len(missed)} of {len(PLANTED)}"
          + (f" (missed: {', '.join(missed)})" if missed else ""))
    verdict = "OK" if ratio <= GOAL and not missed else "SLOW" if missed == [] else "MISSED"
    print(f"verdict: the checks cost {ratio:.2f}x opening the data (goal <= {GOAL:.2f}x), "
          f"every planted problem found: {not missed}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
