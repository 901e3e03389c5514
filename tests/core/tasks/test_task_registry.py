"""The Task seam: tasks found by name, each owning its head, loss, metrics, report and table."""

from __future__ import annotations

import numpy as np
import pytest

from dlstudio.core.errors import TrainingError, UserInputError
from dlstudio.core.tasks import Task, get_task, register, task_names
from dlstudio.core.tasks import base as tasks_base


def test_classification_and_regression_are_registered_by_their_project_names():
    assert {"classification", "regression"} <= set(task_names())
    assert get_task("classification").name == "classification"
    assert get_task("regression").needs_targets


def test_an_unknown_task_is_refused_with_the_names_that_exist():
    with pytest.raises(UserInputError, match="unknown task 'forecast'.*classification"):
        get_task("forecast")


@pytest.mark.parametrize(("task", "classes", "head", "loss", "metrics"), [
    ("classification", 3, (3, "softmax"), "sparse_categorical_crossentropy", ["accuracy"]),
    ("classification", 2, (1, "sigmoid"), "binary_crossentropy", ["accuracy"]),
    ("regression", 0, (1, "linear"), "mse", ["mae"]),
])
def test_each_task_owns_its_head_loss_and_metrics(task, classes, head, loss, metrics):
    rules = get_task(task)
    assert rules.output_head(classes) == head
    assert rules.resolve_loss("auto", rules.output_units(classes)) == loss
    assert rules.metrics() == metrics


def test_smoothed_labels_train_with_categorical_cross_entropy_and_regression_ignores_them():
    assert get_task("classification").resolve_loss("auto", 3, 0.1) == "categorical_crossentropy"
    assert get_task("regression").resolve_loss("auto", 1, 0.1) == "mse"
    with pytest.raises(TrainingError, match="cannot smooth labels"):
        get_task("classification").resolve_loss("sparse_categorical_crossentropy", 3, 0.1)


def test_class_weights_are_balanced_for_classification_only():
    targets = np.array([0, 0, 0, 1])
    assert get_task("classification").class_weights("balanced", targets, 2) == {
        0: pytest.approx(4 / 6), 1: pytest.approx(2.0)}
    assert get_task("classification").class_weights("none", targets, 2) is None
    assert get_task("regression").class_weights("balanced", targets, 2) is None


def test_each_task_writes_its_prediction_table():
    outputs = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]])
    classes = get_task("classification").prediction_table(["row 1", "row 2"], outputs,
                                                           ["a", "b", "c"])
    assert list(classes.columns) == ["sample", "prediction", "prob_a", "prob_b", "prob_c"]
    assert list(classes["prediction"]) == ["b", "a"]
    values = get_task("regression").prediction_table(["row 1"], np.array([[2.5]]), [])
    assert list(values.columns) == ["sample", "prediction"] and values["prediction"][0] == 2.5


def test_a_new_task_is_one_registered_class(monkeypatch):
    monkeypatch.setattr(tasks_base, "_TASKS", dict(tasks_base._TASKS))

    @register
    class Echo(Task):
        name = "echo"
        needs_targets = False

        def output_head(self, num_classes):
            return 4, "linear"

        def resolve_loss(self, choice, output_units, label_smoothing=0.0):
            return "mse"

        def make_loss(self, name, label_smoothing=0.0, model=None):
            return name

        def metrics(self):
            return []

        def report(self, outputs, true, sample_ids, class_names):
            return {"predictions": []}

        def report_lines(self, result):
            return ["echo"]

        def prediction_table(self, sample_ids, outputs, class_names):
            return None

    echo = get_task("echo")
    assert isinstance(echo, Echo) and not echo.needs_targets
    assert echo.output_units(0) == 4
    assert echo.training_model("model", None) == "model"  # no train_step of its own
    assert "echo" in task_names()
