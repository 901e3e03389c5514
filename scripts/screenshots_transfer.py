"""Screenshots of transfer learning: the palette's Pretrained category with the Backbone row,
and the Train view's curves with the fine-tuning phase marked.

Run under a virtual display or offscreen, from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_transfer.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_transfer.py --out /tmp/shots

The shapes example gets the ``transfer`` template; its Backbone starts from random weights
(``weights: none``) at 96 pixels so that nothing is downloaded and the run takes a minute: 4
head epochs on cached features, then 3 fine-tuning epochs. Writes ``transfer-model.png`` and
``transfer-train.png`` at 1280x800.
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

from PySide6.QtCore import QSettings  # noqa: E402
from screenshots import SIZE, shapes_ready, take, wait_until  # noqa: E402

TRAINING_TIMEOUT = 600


def main() -> int:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-transfer-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))

    from dlstudio.core.project.from_data import new_project
    from dlstudio.core.project.project import save_project
    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow

    shapes = scratch / "shapes"
    shutil.copytree(ROOT / "examples" / "shapes", shapes)
    project = new_project(str(shapes), template="transfer")
    project.name = "Shapes, transfer learning"
    project.model.layers[0].params.update(weights="none", input_size=96)
    project.training.epochs, project.training.fine_tune.epochs = 4, 3
    project.training.early_stopping.enabled = False
    app = create_application()
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    window.open_path(str(save_project(project, scratch / "transfer.dlstudio.json")))
    wait_until(app, lambda: shapes_ready(window))
    window.show_workbench("Model")
    window.palette.search.setText("Pretrained")
    window.document.set_selection([project.model.layers[0].id])
    wait_until(app, lambda: False, 1.5)
    take(app, window, arguments.out, "transfer-model")

    tabs = window.training_tabs
    tabs.training.ask = lambda question: True
    phases: list[object] = []
    tabs.training.client.phase.connect(phases.append)
    tabs.train_action.trigger()
    wait_until(app, lambda: bool(phases) and tabs.training.client.state == "idle",
               TRAINING_TIMEOUT)
    wait_until(app, lambda: False, 1.5)
    take(app, window, arguments.out, "transfer-train")
    window.close_project()
    return 0


if __name__ == "__main__":
    sys.exit(main())
