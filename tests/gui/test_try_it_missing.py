"""Try it says which inputs were empty and how they were filled (issue 16, GUI item 9)."""

from __future__ import annotations

from dlstudio.core.project.project import ColumnSpec, DataSpec, Project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RunRecord
from dlstudio.gui.widgets.try_it import TryItDialog


def test_a_row_with_empty_inputs_shows_what_was_filled_in_next_to_the_prediction(qtbot,
                                                                                 tmp_path):
    data = tmp_path / "table.csv"
    data.write_text("size,colour,kind\n1.5,red,a\n", encoding="utf-8")
    run = RunFolder(tmp_path / "run-1")
    run.path.mkdir()
    spec = DataSpec(kind="csv", path=str(data), target="kind",
                    columns=[ColumnSpec("size"), ColumnSpec("colour", kind="categorical"),
                             ColumnSpec("kind", role="target", kind="categorical")])
    save_project(Project(name="p", data=spec), run.project_path)
    run.write_record(RunRecord(id="run-1", name="first", state="finished"))
    dialog = TryItDialog(run.path)
    qtbot.addWidget(dialog)
    seen = []

    def predict_row(values, explain=False):
        seen.append(values)
        return {"prediction": "a", "probabilities": {"a": 0.999, "b": 0.001},
                "filled": "1 of 2 inputs were empty and were filled in: size → the training "
                          "median, 1.5. The prediction and its confidence assume these values."}

    dialog.predictor.predict_row = predict_row
    dialog.fields["size"].setText("")
    dialog.predict()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)

    assert seen == [{"size": "", "colour": "red"}]
    assert dialog.answer.text() == "Prediction: a"
    assert not dialog.filled_note.isHidden()
    assert "size → the training median, 1.5" in dialog.filled_note.text()
    dialog.predictor.predict_row = lambda values, explain=False: {
        "prediction": "b", "probabilities": {"a": 0.1, "b": 0.9},
        "effects": [{"column": "colour", "value": "red", "effect": 0.4},
                    {"column": "size", "value": "2", "effect": -0.05}]}
    dialog.predict()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.filled_note.isHidden()
    assert not dialog.effects.isHidden()
    assert "+0.400</span> colour = red" in dialog.effects.text()
    assert "-0.050</span> size = 2" in dialog.effects.text()
