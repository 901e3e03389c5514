"""Regenerate the bundled examples: a churn CSV, a shapes image folder and a monthly sales series,
with their projects.

Run ``make examples`` (or ``python examples/make_examples.py``). The data is synthetic and
deterministic, kilobytes in size; each project is what ``dlstudio init`` makes of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_csv_example import make_churn_csv  # noqa: E402
from make_image_example import make_shapes_folder  # noqa: E402
from make_series_example import make_series_csv  # noqa: E402

from dlstudio.core.project.from_data import SeriesChoice, new_project  # noqa: E402
from dlstudio.core.project.project import save_project  # noqa: E402


def main() -> None:
    """Write the examples and their project files under ``examples/``."""
    churn_dir = HERE / "churn"
    csv_path = make_churn_csv(churn_dir)
    project = new_project(csv_path, target="churn")
    project.name = "Customer churn"
    save_project(project, HERE / "churn.dlstudio.json")

    images = make_shapes_folder(HERE)
    project = new_project(images)
    project.name = "Shapes"
    save_project(project, HERE / "shapes.dlstudio.json")

    series = make_series_csv(HERE / "sales")
    project = new_project(series, series=SeriesChoice(horizon=3))
    project.name = "Monthly sales"
    save_project(project, HERE / "sales.dlstudio.json")
    print(f"wrote {csv_path}, {images} and {series}")


if __name__ == "__main__":
    main()
