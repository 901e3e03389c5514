"""The Tune tab: "Search this" on settings and layer parameters, the space editor, a study's
events drawn as they come (a fake client: no process), and "Use best settings" as one undo
step."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.gui.document import Document
from dlstudio.gui.search_menu import SearchThis
from dlstudio.gui.widgets.property_editor import PropertyEditor
from dlstudio.gui.widgets.training_settings import TrainingSettingsView
from dlstudio.gui.widgets.tune_view import TuneView

UNITS = "model.layers[id=dense_1].params.units"
RATE = "training.learning_rate"


class FakeTuneClient(QObject):
    """Records what the view asks for; the test sends the events."""

    event = Signal(dict)
    status = Signal(dict)
    ended = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self.running, self.started, self.stops = False, [], 0

    def start(self, project: str, *, resume: bool = False, workers: int = 0) -> None:
        self.running = True
        self.started.append((project, resume))

    def stop(self) -> None:
        self.stops += 1

    def kill(self) -> None:
        self.running = False

    def load_status(self, project: str) -> None:
        pass


def make_document() -> Document:
    document = Document()
    project = Project()
    project.model.layers = [LayerSpec.of("Dense", units=8), LayerSpec.of("Dropout", rate=0.2)]
    document.replace(project)
    return document


def hook(widget) -> SearchThis:
    return next(child for child in widget.children() if isinstance(child, SearchThis))


def test_search_this_on_a_training_setting_and_a_layer_parameter(qtbot):
    document = make_document()
    settings, editor = TrainingSettingsView(document), PropertyEditor(document)
    qtbot.addWidget(settings)
    qtbot.addWidget(editor)
    rate = hook(settings.fields["learning_rate"])
    assert rate.action_text() == "Search this"
    rate.toggle()
    searched = document.project.tuning.search
    assert [item.path for item in searched] == [RATE] and searched[0].log
    assert rate.action_text() == "Stop searching this"
    document.set_selection(["dense_1"])
    hook(editor.fields["units"]).toggle()
    units = document.project.tuning.search[1]
    assert (units.path, units.low, units.high) == (UNITS, 4, 16)
    rate.toggle()
    assert [item.path for item in document.project.tuning.search] == [UNITS]
    document.undo_stack.undo()
    assert len(document.project.tuning.search) == 2


def test_the_space_editor_edits_ranges_and_the_budget_in_the_project(qtbot):
    document = make_document()
    view = TuneView(document, client=FakeTuneClient())
    qtbot.addWidget(view)
    hook_view = TrainingSettingsView(document)
    qtbot.addWidget(hook_view)
    hook(hook_view.fields["learning_rate"]).toggle()
    table = view.space.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == "learning rate"
    table.item(0, 2).setText("0.05")
    assert document.project.tuning.search[0].high == 0.05
    view.space.trials.setValue(12)
    view.space.trials.editingFinished.emit()
    assert document.project.tuning.trials == 12


def study_events(view: TuneView) -> None:
    send = view.on_event
    send({"type": "study", "study": "s", "storage": "sqlite:///x", "objective": "val_loss",
          "direction": "minimize", "trials": 3, "devices": ["CPU", "CPU"], "space": [RATE]})
    for number, (rate, units, value) in enumerate([(0.01, 16, 0.3), (0.001, 8, 0.5)]):
        params = {RATE: rate, UNITS: units}
        send({"type": "trial_started", "number": number, "params": params, "device": "CPU"})
        for epoch in (1, 2):
            send({"type": "trial_epoch", "number": number, "epoch": epoch,
                  "value": value + 0.1 / epoch, "logs": {}})
        send({"type": "trial_finished", "number": number, "state": "COMPLETE", "value": value,
              "reason": "", "seconds": 3.0, "run_dir": f"/runs/{number}", "params": params,
              "epochs": 2})
    send({"type": "trial_started", "number": 2, "params": {RATE: 0.1, UNITS: 4},
          "device": "CPU"})
    send({"type": "trial_finished", "number": 2, "state": "FAIL", "value": None,
          "reason": "The loss became nan", "seconds": 1.0, "run_dir": None,
          "params": {RATE: 0.1, UNITS: 4}, "epochs": 0})
    send({"type": "importances", "values": {RATE: 0.8, UNITS: 0.2}})


def test_a_study_fills_the_table_and_plots_and_the_best_settings_are_one_undo_step(qtbot,
                                                                                   tmp_path):
    document = make_document()
    document.save(tmp_path / "p.dlstudio.json")
    client = FakeTuneClient()
    view = TuneView(document, client=client)
    qtbot.addWidget(view)
    hook_view = TrainingSettingsView(document)
    qtbot.addWidget(hook_view)
    hook(hook_view.fields["learning_rate"]).toggle()
    view.start(resume=False)
    assert client.started == [(str(tmp_path / "p.dlstudio.json"), False)]
    assert not document.is_dirty()  # saved before the study read it
    study_events(view)
    assert view.table.rowCount() == 3
    assert [view.table.item(row, 1).text() for row in range(3)] == ["complete", "complete",
                                                                     "failed"]
    assert "nan" in view.table.item(2, 1).toolTip()
    assert len(view.parallel.lines) == 2 and view.importance.bars is not None
    assert list(view.history.best.getData()[1]) == [0.3, 0.3]
    view.table.selectRow(0)
    assert list(view.curves.items) == [0]
    view.use_best_settings()
    assert document.project.training.learning_rate == 0.01
    assert document.project.model.layers[0].params["units"] == 16
    document.undo_stack.undo()
    assert document.project.training.learning_rate == 1e-3
    assert document.project.model.layers[0].params["units"] == 8


def test_start_on_a_study_with_trials_points_to_resume(qtbot, tmp_path):
    document = make_document()
    document.save(tmp_path / "p.dlstudio.json")
    client = FakeTuneClient()
    view = TuneView(document, client=client)
    qtbot.addWidget(view)
    hook_view = TrainingSettingsView(document)
    qtbot.addWidget(hook_view)
    hook(hook_view.fields["learning_rate"]).toggle()
    study_events(view)
    view.start(resume=False)
    assert client.started == [] and "Resume continues it" in view.status.text()
    view.start(resume=True)
    assert client.started == [(str(tmp_path / "p.dlstudio.json"), True)]
    assert view.table.rowCount() == 3  # a resumed study keeps its history on screen
