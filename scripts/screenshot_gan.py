"""Screenshots of a GAN learning digits: the dcgan template picked from the Templates menu on an
image folder, then the Train view's live sample grid mid-run and at the end.

Run under a virtual display or offscreen, from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot_gan.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_gan.py --out /tmp/shots

The folder holds scikit-learn's 1797 digits as 8x8 gray PNGs (the ``bench`` extra), made in a
temporary folder. The project starts as ``dlstudio init`` makes it for an image folder (a
classifier); the Templates menu's dcgan turns it into a GAN, and the Train button trains it
through the worker as a person would. Writes ``gan-model.png`` (the generator's stack),
``gan-train-early.png`` (epoch ``--early``) and ``gan-train.png`` (the last epoch) at
1280x800; then exports the generator as a SavedModel (checked in a fresh process) and runs
``dlstudio generate RUN -n 16`` into the temporary folder, printing both results.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from screenshots import SIZE, take, wait_until  # noqa: E402

TRAINING_TIMEOUT = 900


def digit_folder(folder: Path) -> Path:
    """scikit-learn's digits as 8x8 gray PNG files, one subfolder per digit."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    for index, (image, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        path = folder / str(label) / f"{index:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(image / 16.0 * 255.0).astype(np.uint8), "L").save(path)
    return folder


def main() -> int:
    """Take the screenshots, export the generator and generate samples."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--early", type=int, default=3)
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-gan-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))

    from dlstudio.core.project.from_data import new_project
    from dlstudio.core.project.project import save_project
    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    project = new_project(digit_folder(scratch / "digits"))
    project.name = "Digits GAN"
    path = save_project(project, scratch / "digits.dlstudio.json")
    window.open_path(str(path), ask=False)

    document = window.document
    document.set_values({"data.image_size": [8, 8], "training.epochs": arguments.epochs},
                        "Digits at their own size")  # before the template, which fits them
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Templates")
    menu.aboutToShow.emit()
    next(action for action in menu.actions() if action.data() == "dcgan").trigger()
    document.save()
    document.show_part("generator")
    wait_until(app, lambda: window.inference.report is not None
               and not window.inference.is_busy(), 60)
    wait_until(app, lambda: False, 1.0)
    take(app, window, arguments.out, "gan-model")

    tabs = window.training_tabs
    tabs.training.ask = lambda question: True
    epochs: list[int] = []
    tabs.training.client.samples.connect(lambda event: epochs.append(event.epoch))
    tabs.train_action.trigger()
    wait_until(app, lambda: len(epochs) >= arguments.early, TRAINING_TIMEOUT)
    take(app, window, arguments.out, "gan-train-early")
    wait_until(app, lambda: bool(epochs) and tabs.training.client.state == "idle",
               TRAINING_TIMEOUT)
    wait_until(app, lambda: False, 1.0)
    take(app, window, arguments.out, "gan-train")
    run = tabs.training.client.run_dir
    window.close()

    command = [sys.executable, "-m", "dlstudio"]
    for step in (["export", run, "--format", "savedmodel"],
                 ["generate", run, "-n", "16", "-o", str(scratch / "generated"), "--seed", "3"]):
        result = subprocess.run([*command, *step], capture_output=True, text=True, cwd=ROOT)
        print(f"$ dlstudio {' '.join(step)}\n{result.stdout}{result.stderr[-800:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
