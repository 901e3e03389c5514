"""Screenshots of the data health report: a CSV with planted problems, and an image folder.

Run under a virtual display or offscreen, from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot_health.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_health.py --out /tmp/shots

The CSV (made in a temporary folder) has an identifier column the inference cannot tell from a
number, repeated rows, a column that gives the answer away, imbalanced classes and a mostly
empty column; the image folder is a copy of examples/shapes with one image copied into another
class. Writes ``data-health.png`` and ``image-health.png`` at 1280x800.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from screenshots import SIZE, take, wait_until  # noqa: E402


def planted_csv(path: Path, rows: int = 600) -> Path:
    """A churn-like table with the problems the health check should find."""
    generator = np.random.default_rng(7)
    tenure = generator.integers(1, 72, size=rows)
    charges = generator.normal(70, 20, size=rows).round(2)
    churn = np.where(generator.random(rows) < 0.12 + 0.1 * (tenure < 12), "yes", "no")
    frame = pd.DataFrame({
        "customer_no": np.sort(generator.choice(10**6, size=rows, replace=False)),
        "tenure_months": tenure, "monthly_charges": charges,
        "plan": generator.choice(["basic", "plus", "pro"], size=rows),
        "cancel_reason": np.where(churn == "yes", generator.choice(["price", "service"], rows),
                                  "none"),
        "referrer": np.where(generator.random(rows) < 0.7, None,
                             generator.choice(["web", "friend", "shop"], rows)),
        "churn": churn})
    copies = frame.iloc[:30].copy()
    copies["customer_no"] = frame["customer_no"].max() + 1 + np.arange(len(copies))
    pd.concat([frame, copies], ignore_index=True).to_csv(path, index=False)
    return path


def main() -> int:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-health-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))

    from dlstudio.core.project.from_data import new_project
    from dlstudio.core.project.project import save_project
    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    project = new_project(str(planted_csv(scratch / "customers.csv")), target="churn")
    project.name = "Customers (planted problems)"
    window.open_path(str(save_project(project, scratch / "customers.dlstudio.json")))
    session = window.data_session
    wait_until(app, lambda: session.health is not None or session.health_error is not None)
    window.show_workbench("Data")
    take(app, window, arguments.out, "data-health")

    shapes = scratch / "shapes"
    shutil.copytree(ROOT / "examples" / "shapes", shapes)
    shutil.copy(shapes / "circle" / "000.png", shapes / "square" / "000-copy.png")
    project = new_project(str(shapes))
    project.name = "Shapes (one image in two classes)"
    window.open_path(str(save_project(project, scratch / "shapes.dlstudio.json")), ask=False)
    wait_until(app, lambda: session.health is not None or session.health_error is not None)
    window.show_workbench("Data")
    take(app, window, arguments.out, "image-health")
    window.document.replace(window.document.project)  # nothing to save
    window.close_project()
    return 0


if __name__ == "__main__":
    sys.exit(main())
