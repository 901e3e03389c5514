"""“Try it” without a model: picking an image and filling a row from the run's data file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from dlstudio.core.project.project import ColumnSpec, DataSpec, Project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RunRecord
from dlstudio.gui.widgets.try_it import IMAGE_FILTER, TryItDialog


def run_folder(tmp_path: Path, data: DataSpec) -> Path:
    run = RunFolder(tmp_path / "run-1")
    run.path.mkdir()
    save_project(Project(name="p", data=data), run.project_path)
    run.write_record(RunRecord(id="run-1", name="first", state="finished"))
    return run.path


def test_picking_an_image_accepts_what_the_pipeline_reads(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "images"
    (folder / "cat").mkdir(parents=True)
    dialog = TryItDialog(run_folder(tmp_path, DataSpec(kind="images", path=str(folder))))
    qtbot.addWidget(dialog)
    assert "*.webp" not in IMAGE_FILTER and "*.png" in IMAGE_FILTER
    webp = tmp_path / "photo.webp"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(webp)
    chosen = [str(webp)]
    monkeypatch.setattr("dlstudio.gui.widgets.try_it.QFileDialog.getOpenFileName",
                        lambda *args: (chosen[0], IMAGE_FILTER))
    dialog._choose_image()
    assert dialog.image_path is None and not dialog.predict_button.isEnabled()
    assert "photo.webp is a .webp file" in dialog.status.text()
    assert "PNG, JPG, JPEG, BMP, GIF" in dialog.status.text()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    chosen[0] = str(broken)
    dialog._choose_image()
    assert "cannot be read as an image" in dialog.status.text() and dialog.image_path is None
    png = tmp_path / "cat.png"
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(png)
    chosen[0] = str(png)
    dialog._choose_image()
    assert dialog.image_path == png and dialog.predict_button.isEnabled()
    assert dialog.status.text() == "" and not dialog.preview.pixmap().isNull()


def test_rows_of_a_semicolon_file_fill_the_fields(qtbot, tmp_path):
    data = tmp_path / "table.csv"
    data.write_text("size;colour;kind\n1,5;red;a\n2,5;blue;b\n", encoding="utf-8")
    spec = DataSpec(kind="csv", path=str(data), target="kind",
                    columns=[ColumnSpec("size"), ColumnSpec("colour", kind="categorical"),
                             ColumnSpec("kind", role="target", kind="categorical")])
    dialog = TryItDialog(run_folder(tmp_path, spec))
    qtbot.addWidget(dialog)
    assert dialog.delimiter == ";"
    assert dialog.fields["size"].text() == "1,5" and dialog.fields["colour"].text() == "red"
    dialog.fill_from_text("2,5;blue;b")
    assert dialog.fields["size"].text() == "2,5" and dialog.fields["colour"].text() == "blue"
    dialog.fill_from_text("3.5\tgreen")  # tab-separated, the feature columns only
    assert dialog.fields["size"].text() == "3.5" and dialog.fields["colour"].text() == "green"
    dialog.fill_from_text("1;2;3;4;5")
    assert "expected 3" in dialog.status.text() and dialog.fields["colour"].text() == "green"


def test_an_images_grad_cam_and_saliency_show_under_it(qtbot, tmp_path):
    from dlstudio.core.evaluation.explain_images import ImageExplanation
    from dlstudio.core.evaluation.predict_one import SamplePrediction

    folder = tmp_path / "images"
    (folder / "cat").mkdir(parents=True)
    dialog = TryItDialog(run_folder(tmp_path, DataSpec(kind="images", path=str(folder))))
    qtbot.addWidget(dialog)
    png = tmp_path / "cat.png"
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(png)
    dialog.set_image(png)
    heat = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    maps = ImageExplanation(np.full((8, 8, 3), 200.0), 0, heat, heat[::-1], "conv2d_1")
    dialog.predictor.predict_image = lambda path, explain=False: SamplePrediction(
        "cat", {"cat": 0.8, "dog": 0.2}, image=maps)

    dialog.predict()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)

    assert not dialog.grad_cam.isHidden() and not dialog.saliency.isHidden()
    assert dialog.grad_cam.pixmap().width() == 136
    assert "Grad-CAM: where the model looked for cat" in dialog.grad_cam.toolTip()
    corner = dialog.saliency.pixmap().toImage().pixelColor(135, 135)
    assert corner.red() > corner.blue()  # the hottest corner is red
