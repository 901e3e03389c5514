"""Screenshots of the autoencoder's anomaly evaluation and of a VAE's latent space.

Run under a virtual display or offscreen, from the repository root (needs scikit-learn, the
``bench`` extra, for the digits)::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_generative.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_generative.py --out /tmp/s

Trains two small runs in a temporary folder, as ``dlstudio init --template …`` / ``train`` /
``evaluate`` do: an ``autoencoder`` on machine readings (four related numbers; 8% of the rows
are faults that break the relation, and only the ``ok`` rows are normal), and a ``vae`` on the
digits scikit-learn ships. Writes ``evaluate-anomaly.png`` (errors, threshold, originals beside
reconstructions) and ``vae-latent.png`` (codes by digit, prior samples, an interpolation) at
1280x800.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from screenshots import SIZE, take, wait_until  # noqa: E402


def readings_csv(path: Path, rows: int = 1200) -> Path:
    """Machine readings: temperature, pressure, flow and power that move together; faults
    (8%) break the relation between them."""
    rng = np.random.default_rng(11)
    load = rng.uniform(0, 1, rows)
    frame = pd.DataFrame({
        "temperature": 40 + 30 * load + rng.normal(0, 1.5, rows),
        "pressure": 2 + 3 * load + rng.normal(0, 0.15, rows),
        "flow": 100 - 40 * load + rng.normal(0, 2, rows),
        "power": 5 + 20 * load ** 2 + rng.normal(0, 0.8, rows)})
    faults = rng.random(rows) < 0.08
    frame.loc[faults, "power"] += rng.choice([-1, 1], faults.sum()) * rng.uniform(6, 12,
                                                                                   faults.sum())
    frame.loc[faults, "flow"] += rng.normal(0, 15, faults.sum())
    frame["status"] = np.where(faults, "fault", "ok")
    frame.round(3).to_csv(path, index=False)
    return path


def trained(project, root: Path) -> Path:
    """Train and evaluate ``project`` in ``root``; return the run folder."""
    from dlstudio.core.evaluation.evaluate import evaluate_run
    from dlstudio.core.project.project import save_project
    from dlstudio.core.training.run import run_training

    save_project(project, root / "project.dlstudio.json")
    run = run_training(project, lambda event: None, runs_dir=root / "runs").run.path
    evaluate_run(run)
    return run


def main() -> int:
    """Train the two runs and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=40)
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-generative-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))

    from bench_generative import digit_folder

    from dlstudio.core.model.templates import get_template
    from dlstudio.core.project.from_data import new_project
    from dlstudio.gui.app import create_application
    from dlstudio.gui.widgets.evaluation_view import EvaluationView

    readings = new_project(readings_csv(scratch / "readings.csv"), target="status",
                           template="autoencoder")
    readings.name = "Machine readings"
    readings.data.normal_classes = ["ok"]
    readings.training.epochs = arguments.epochs
    readings.training.early_stopping.enabled = False
    anomaly_run = trained(readings, scratch / "readings")

    digits = new_project(digit_folder(scratch / "digits"), template="vae")
    digits.name = "Digits VAE"
    digits.data.image_size, digits.data.color_mode = [8, 8], "grayscale"
    digits.model = get_template("vae").model_for(digits.data)
    digits.training.epochs = arguments.epochs
    digits.training.early_stopping.enabled = False
    digits.training.autoencoder.kl_warmup_epochs = 5
    vae_run = trained(digits, scratch / "digits-vae")

    app = create_application()
    view = EvaluationView()
    view.resize(*SIZE)
    view.show()
    view.set_run(anomaly_run)
    view.anomaly.show_reconstructions()
    wait_until(app, lambda: view.anomaly.rows.rowCount() > 0, timeout=120)
    take(app, view, arguments.out, "evaluate-anomaly")

    view.set_run(vae_run)
    view.sections.setCurrentWidget(view.latent)
    view.latent.compute()
    wait_until(app, lambda: len(view.latent.strip.cells) > 0, timeout=120)
    take(app, view, arguments.out, "vae-latent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
