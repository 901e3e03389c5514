"""The strong defaults of a new table project (issue 9), one regression test per default, on
data the tests make: each guards a choice measured by benchmarks/bench_tabular.py."""

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.data.tabular_preprocessing import fit_numeric, fit_target_scaling
from dlstudio.core.project.from_data import new_project


def _table(folder, rows=400, classes=True, seed=0):
    generator = np.random.default_rng(seed)
    x = generator.normal(size=rows)
    colour = generator.choice(["red", "blue", "green"], rows)
    target = np.where(x > 0, "up", "down") if classes else np.exp(2 + x + (colour == "red"))
    path = folder / "table.csv"
    pd.DataFrame({"x": x, "colour": colour, "y": target}).to_csv(path, index=False)
    return path


def test_a_new_table_project_trains_a_wide_mlp_with_adamw_cosine_and_smoothed_labels(tmp_path):
    project = new_project(_table(tmp_path))
    training = project.training
    assert [layer.params.get("units") for layer in project.model.layers
            if layer.type == "Dense"] == [256, 256, 256]
    assert (training.optimizer, training.schedule.kind) == ("adamw", "cosine")
    assert training.weight_decay > 0 and training.label_smoothing == 0.1


@pytest.mark.parametrize(("rows", "classes", "dropout"), [
    (400, False, True), (3000, False, False), (3000, True, True)])
def test_only_a_large_regression_drops_the_dropout(tmp_path, rows, classes, dropout):
    # measured: dropout cost diamonds 0.029 R² and txhousing 0.013, gained small sets 0.03-0.13
    layers = new_project(_table(tmp_path, rows=rows, classes=classes)).model.layers
    assert any(layer.type == "Dropout" for layer in layers) is dropout
    assert [layer.type for layer in layers].count("Dense") == 3


def test_regression_projects_do_not_smooth_labels(tmp_path):
    assert new_project(_table(tmp_path, classes=False)).training.label_smoothing == 0.0


@pytest.mark.parametrize(("rows", "batch", "rate"), [
    (100, 32, 1e-3), (6000, 64, 1.41e-3), (60000, 256, 2.83e-3)])
def test_the_batch_and_the_learning_rate_grow_with_the_rows(tmp_path, rows, batch, rate):
    # measured: diamonds_cut 0.7768 at 2.83e-3 against 0.7282 at 1e-3, in the same time
    training = new_project(_table(tmp_path, rows=rows)).training
    assert (training.batch_size, training.learning_rate) == (batch, rate)


def test_numbers_are_scaled_robustly_and_outliers_clipped_smoothly():
    values = np.r_[np.arange(100.0), 1e6]  # one huge outlier must not flatten the rest
    plan = fit_numeric(["a"], [values])
    assert plan.means == [50.0] and np.sqrt(plan.variances[0]) == pytest.approx(50 / 1.349)
    from dlstudio.core.model.layers import SmoothClip

    clipped = np.asarray(SmoothClip(3.0)(np.array([[0.5], [1e4]], dtype="float32")))
    assert clipped[0, 0] == pytest.approx(0.5, abs=0.01) and 2.99 < clipped[1, 0] <= 3.0


def test_a_heavy_tailed_target_is_learned_on_the_log_scale_and_a_plain_one_is_not():
    generator = np.random.default_rng(0)
    assert fit_target_scaling(np.exp(generator.normal(size=500) * 1.5))[2] == "log1p"
    assert fit_target_scaling(generator.normal(size=500))[2] == "none"
    assert fit_target_scaling(-np.exp(generator.normal(size=500)))[2] == "none"  # negatives


@pytest.mark.slow
def test_label_smoothing_is_in_the_compiled_loss(tmp_path):
    from dlstudio.core.training.run import run_training

    project = new_project(_table(tmp_path, rows=60))
    result = run_training(project, lambda event: None, epochs=1, runs_dir=tmp_path / "runs")
    from dlstudio.core.evaluation.evaluate import load_keras_model

    model = load_keras_model(result.run.model_path)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)


@pytest.mark.slow
def test_the_log_target_is_inverted_inside_the_exported_model(tmp_path):
    from dlstudio.core.evaluation.evaluate import load_keras_model, predict_outputs
    from dlstudio.core.export.exporter import export_run
    from dlstudio.core.training.run import run_training

    project = new_project(_table(tmp_path, rows=300, classes=False))
    result = run_training(project, lambda event: None, epochs=3, runs_dir=tmp_path / "runs")
    model = load_keras_model(result.run.model_path)
    assert model.get_layer("target_scale").transform == "log1p"
    assert model.loss.name == "log_scale_mse"
    exported = export_run(result.run.path, "keras", tmp_path / "model.keras")
    reloaded = load_keras_model(getattr(exported, "path", tmp_path / "model.keras"))
    dataset = load_dataset(project)
    predicted = predict_outputs(reloaded, dataset, "test", 64).ravel()
    assert predicted.min() > 0  # raw values in, target units out (expm1 of the log scale)
    assert np.median(predicted) == pytest.approx(np.median(dataset.targets("train")), rel=1.0)
