"""The reconstruction task: an autoencoder trained on unlabeled rows or images, its threshold,
evaluation and predictions; anomaly detection with normal classes."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.evaluation import anomaly
from dlstudio.core.evaluation.evaluate import evaluate_run, format_report
from dlstudio.core.evaluation.predict import predict_to_csv
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.tasks import get_task


def anomaly_frame(rows=240, seed=0):
    """Rows on a 2-D plane in 4 columns; the 'bad' rows leave the plane."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(rows, 2))
    frame = pd.DataFrame({"a": base[:, 0], "b": base[:, 1], "c": base.sum(1),
                          "d": base[:, 0] - base[:, 1]})
    frame["label"] = np.where(np.arange(rows) % 8 == 0, "bad", "ok")
    frame.loc[frame.label == "bad", "c"] += 5.0
    return frame.round(4)


def train(project, root):
    from dlstudio.core.training.run import run_training

    save_project(project, root / "project.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=root / "runs")


def dense_autoencoder(data):
    parts = {"encoder": [LayerSpec.of("Dense", units=16), LayerSpec.of("Dense", units=2,
                                                                       activation="linear")],
             "decoder": [LayerSpec.of("Dense", units=16)]}
    project = Project(name="ae", data=data, model=ModelSpec(parts=parts))
    project.training.epochs = 12
    project.training.learning_rate = 0.01
    return project


@pytest.mark.slow
def test_anomalies_in_a_csv_are_flagged_by_the_saved_threshold(tmp_path):
    anomaly_frame().to_csv(tmp_path / "rows.csv", index=False)
    data = DataSpec(kind="csv", path=str(tmp_path / "rows.csv"), target="label",
                    task="reconstruction", normal_classes=["ok"])
    result = train(dense_autoencoder(data), tmp_path)
    record = RunFolder(result.run.path).read_record()
    assert record.task == "reconstruction" and record.threshold > 0
    report = evaluate_run(result.run.path)
    assert report["detection"]["roc_auc"] >= 0.9
    assert report["threshold"] == pytest.approx(record.threshold)
    assert "ROC AUC" in format_report(report)
    written = json.loads((result.run.path / "evaluation.json").read_text())
    assert written["errors"]["histogram"]["counts"]
    predict_to_csv(result.run.path, tmp_path / "rows.csv", tmp_path / "out.csv")
    table = pd.read_csv(tmp_path / "out.csv")
    assert list(table.columns) == ["sample", "prediction", "score", "anomaly"]
    bad = anomaly_frame().label.to_numpy() == "bad"
    assert table.anomaly[bad].mean() > table.anomaly[~bad].mean()


@pytest.mark.slow
def test_a_folder_of_images_without_classes_trains_an_autoencoder(tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for index in range(24):
        pixels = (rng.random((8, 8)) * 40 + (index % 2) * 200).astype("uint8")
        Image.fromarray(pixels, "L").save(folder / f"{index}.png")
    data = DataSpec(kind="images", path=str(folder), task="reconstruction", image_size=[8, 8],
                    color_mode="grayscale")
    project = Project(name="conv", data=data, model=ModelSpec(parts={
        "encoder": [LayerSpec.of("Conv2D", filters=4, kernel_size=[3, 3], padding="same"),
                    LayerSpec.of("MaxPooling2D", pool_size=[2, 2])],
        "decoder": [LayerSpec.of("UpSampling2D", size=[2, 2])]}))
    project.training.epochs = 2
    result = train(project, tmp_path)
    assert result.state == "finished"
    report = evaluate_run(result.run.path)
    assert report["task"] == "reconstruction" and "detection" not in report
    assert len(report["predictions"]) == report["samples"] > 0


def test_the_report_scores_anomalies_against_the_normal_classes():
    task = get_task("reconstruction").bind(Project(data=DataSpec(normal_classes=["ok"])))
    scores = np.array([[0.1], [0.2], [0.9], [0.15]])
    report = task.report(scores, np.array([1, 1, 0, 1]), ["r1", "r2", "r3", "r4"],
                         ["bad", "ok"], threshold=0.5)
    assert report["flagged"] == 1 and report["detection"]["roc_auc"] == 1.0
    assert report["detection"]["precision"] == 1.0 and report["detection"]["recall"] == 1.0
    assert report["predictions"][2] == {"sample": "r3", "score": 0.9, "anomaly": True,
                                        "true": "bad", "true_anomaly": True}
    table = task.prediction_table(["r1", "r2"], {"score": np.array([0.1, 0.7])}, [], 0.5)
    assert table.prediction.tolist() == ["normal", "anomaly"]


def test_the_threshold_is_a_percentile_of_the_errors():
    assert anomaly.percentile_threshold(np.arange(101.0), 95.0) == pytest.approx(95.0)
    assert anomaly.flags(np.array([1.0, 3.0]), 2.0).tolist() == [False, True]


@pytest.mark.slow
def test_an_autoencoder_run_resumes_and_is_tried_on_one_row(tmp_path):
    from dlstudio.core.evaluation.predict_one import SamplePredictor
    from dlstudio.core.training.run import run_training

    anomaly_frame(rows=80).drop(columns="label").to_csv(tmp_path / "rows.csv", index=False)
    project = dense_autoencoder(DataSpec(kind="csv", path=str(tmp_path / "rows.csv"),
                                         task="reconstruction"))
    project.training.epochs = 1
    first = train(project, tmp_path)
    resumed = run_training(None, lambda event: None, epochs=2, resume=first.run.path)
    assert resumed.state == "finished" and resumed.epochs_done == 2
    assert RunFolder(resumed.run.path).read_record().threshold > 0
    row = {"a": "0.1", "b": "0.2", "c": "9.0", "d": "-0.1"}
    assert SamplePredictor(resumed.run.path).predict_row(row).prediction in ("normal",
                                                                             "anomaly")


def test_show_code_of_a_model_whose_parts_do_not_fit_says_which_row(tmp_path):
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.model.codegen import generate_script

    anomaly_frame(rows=20).to_csv(tmp_path / "rows.csv", index=False)
    project = dense_autoencoder(DataSpec(kind="csv", path=str(tmp_path / "rows.csv"),
                                         target="label", task="reconstruction"))
    project.model.parts["encoder"].insert(0, LayerSpec.of("Conv2D", filters=2))
    with pytest.raises(UserInputError, match="Show code cannot write this model"):
        generate_script(project)
