"""Regenerate the README screenshots of the workbench into docs/screenshots/.

Run under a virtual display or offscreen, from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --out /tmp/shots

It opens the bundled examples (examples/churn and examples/shapes; made in a temporary folder
when they are missing), waits for the data and the shapes, and saves one PNG per view at
1280x800, the smallest size the window is designed for. Settings go to a temporary folder, so
your own recent files and window layout are left alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

SIZE = (1280, 800)


def wait_until(app: QApplication, condition: Callable[[], object], timeout: float = 60) -> bool:
    """Process events until ``condition()`` is true or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def example_projects(scratch: Path) -> tuple[Path, Path]:
    """Return the churn and shapes example projects, making them under ``scratch`` if needed."""
    churn = ROOT / "examples" / "churn" / "churn.dlstudio.json"
    shapes = ROOT / "examples" / "shapes" / "shapes.dlstudio.json"
    if churn.exists() and shapes.exists():
        return churn, shapes
    from dlstudio.gui import settings as app_settings

    app_settings.EXAMPLES_DIR = scratch
    sys.path.insert(0, str(ROOT / "examples"))
    from make_csv_example import make_churn_csv
    from make_image_example import make_shapes_folder

    from dlstudio.core.project.from_data import new_project
    from dlstudio.core.project.project import save_project

    project = new_project(make_churn_csv(scratch / "churn"), target="churn")
    project.name = "Customer churn"
    churn = save_project(project, scratch / "churn" / "churn.dlstudio.json")
    project = new_project(make_shapes_folder(scratch / "shapes"))
    project.name = "Shapes"
    shapes = save_project(project, scratch / "shapes" / "shapes.dlstudio.json")
    return churn, shapes


def take(app: QApplication, window: object, out: Path, name: str) -> None:
    """Let the window settle, then save it as ``out/name.png``."""
    for _ in range(5):
        app.processEvents()
        time.sleep(0.03)
    path = out / f"{name}.png"
    window.grab().save(str(path))
    print(f"wrote {path}")


def shapes_ready(window: object) -> bool:
    """Whether the shape report is up to date."""
    return window.inference.report is not None and not window.inference.is_busy()


def build_blocks(window: object) -> None:
    """Make the shapes CNN residual, with an Inception-style Branches block, by document edits
    (the same edits a drop on the stack makes)."""
    from dlstudio.core.project.project import LayerSpec

    document = window.document
    position = [layer.id for layer in document.project.model.layers].index("max_pooling2d_1")
    document.insert_layers(position + 1, [LayerSpec.of("Residual")])
    block = document.selection[0]
    document.insert_layers(0, [LayerSpec.of("Conv2D", filters=32),
                               LayerSpec.of("BatchNormalization")], parent=block)
    position = [layer.id for layer in document.project.model.layers].index("max_pooling2d_2")
    document.insert_layers(position + 1, [LayerSpec.of("Branches")])
    branches = document.selection[0]
    document.insert_layers(0, [LayerSpec.of("Conv2D", filters=32, kernel_size=[1, 1])],
                           parent=branches, stack=0)
    document.insert_layers(0, [LayerSpec.of("Conv2D", filters=32, kernel_size=[3, 3])],
                           parent=branches, stack=1)
    document.set_selection([block])


def main() -> int:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))

    from dlstudio.core.project.project import LayerSpec
    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow

    app = create_application()
    churn, shapes = example_projects(scratch / "examples")
    window = MainWindow()
    window.resize(*SIZE)
    window.show()

    window.open_path(str(churn))
    wait_until(app, lambda: window.data_session.info is not None)
    window.show_workbench("Data")
    take(app, window, arguments.out, "data")

    window.show_workbench("Model")
    wait_until(app, lambda: shapes_ready(window))
    window.document.set_selection([window.document.project.model.layers[0].id])
    take(app, window, arguments.out, "model")

    window.document.insert_layers(1, [LayerSpec.of("Conv2D")])
    wait_until(app, lambda: shapes_ready(window) and not window.inference.report.ok)
    take(app, window, arguments.out, "model-error")
    window.document.undo_stack.undo()

    window.show_workbench("Training settings")
    take(app, window, arguments.out, "training-settings")

    window.open_path(str(shapes), ask=False)
    view = window.data_panel.image_view
    wait_until(app, lambda: bool(view.samples.thumbnails))
    window.document.set_values({"data.augmentation.flip": "horizontal",
                                "data.augmentation.rotation": 0.1,
                                "data.augmentation.zoom": 0.2}, "Augment")
    window.show_workbench("Data")
    take(app, window, arguments.out, "image-data")

    window.show_workbench("Model")
    build_blocks(window)
    wait_until(app, lambda: shapes_ready(window))
    take(app, window, arguments.out, "model-blocks")
    window.model_views.setCurrentWidget(window.model_graph)
    window.document.set_selection([layer.id for layer in window.document.project.model.layers
                                   if layer.type == "Branches"])
    take(app, window, arguments.out, "model-graph")
    window.model_views.setCurrentWidget(window.layer_stack)
    window.document.replace(window.document.project)

    window.set_theme("dark")
    window.show_workbench("Model")
    wait_until(app, lambda: shapes_ready(window))
    window.document.set_selection([window.document.project.model.layers[0].id])
    take(app, window, arguments.out, "model-dark")

    window.set_theme("light")
    window.document.replace(window.document.project)  # forget the edits: nothing to save
    window.close_project()
    take(app, window, arguments.out, "start")
    return 0


if __name__ == "__main__":
    sys.exit(main())
