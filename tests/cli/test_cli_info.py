"""``dlstudio info``: the data health report, as text and as JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from dlstudio import cli


def run_cli(capsys, *arguments):
    status = cli.main([str(item) for item in arguments])
    out, err = capsys.readouterr()
    return status, out, err


def planted_project(capsys, tmp_path):
    """A project on a CSV with a column that gives the answer away and imbalanced classes."""
    generator = np.random.default_rng(0)
    x1 = generator.normal(size=200)
    label = np.where(np.arange(200) % 8 == 0, "rare", "common")
    pd.DataFrame({"x1": x1.round(4), "refund": np.where(label == "rare", 1, 0),
                  "label": label}).to_csv(tmp_path / "planted.csv", index=False)
    project = tmp_path / "planted.dlstudio.json"
    run_cli(capsys, "init", tmp_path / "planted.csv", "-o", project, "--target", "label")
    return project


def test_info_says_when_the_data_is_healthy(capsys, toy_csv, tmp_path):
    project = tmp_path / "toy.dlstudio.json"
    run_cli(capsys, "init", toy_csv, "-o", project)

    status, out, _ = run_cli(capsys, "info", project)

    assert status == 0
    assert "Data health: no problems found" in out


def test_info_prints_each_finding_with_its_fix(capsys, tmp_path):
    project = planted_project(capsys, tmp_path)

    status, out, _ = run_cli(capsys, "info", project)

    assert status == 0
    assert "Data health: 1 critical, 1 warning" in out
    assert "  Critical: Column 'refund' alone predicts the target (100%)" in out
    assert "    fix: set the role of column 'refund' to ignored" in out
    assert "    fix: set training.class_weights to balanced" in out
    assert out.index("Data health:") < out.index("Total parameters:")


def test_info_json_carries_data_health_and_model(capsys, tmp_path):
    project = planted_project(capsys, tmp_path)

    status, out, _ = run_cli(capsys, "info", project, "--json")

    assert status == 0
    info = json.loads(out)
    assert info["data"]["target"] == "label"
    findings = {finding["check"]: finding for finding in info["health"]["findings"]}
    assert findings["leaky_column"]["columns"] == ["refund"]
    assert findings["class_imbalance"]["fix"] == {
        "label": "Use balanced class weights", "settings": {"training.class_weights": "balanced"},
        "ignore_columns": [], "applied": False}
    assert info["model"]["total_params"] > 0 and info["model"]["error"] is None
    assert info["model"]["layers"][0]["type"] == "Input"


def test_info_checks_an_image_folder(capsys, image_folder, tmp_path):
    import shutil

    shutil.copy(image_folder / "red" / "0.png", image_folder / "blue" / "copy.png")
    project = tmp_path / "shapes.dlstudio.json"
    run_cli(capsys, "init", image_folder, "-o", project)

    status, out, _ = run_cli(capsys, "info", project, "--json")

    assert status == 0
    checks = {finding["check"]: finding for finding in json.loads(out)["health"]["findings"]}
    assert set(checks["conflicting_images"]["items"]) == {"blue/copy.png", "red/0.png"}
    assert checks["few_samples"]["items"] == ["blue", "green", "red"]  # 7, 6 and 6 images


def test_info_prints_the_cost_sheet_as_text_and_json(capsys, toy_csv, tmp_path):
    project = tmp_path / "toy.dlstudio.json"
    run_cli(capsys, "init", toy_csv, "-o", project)

    status, out, _ = run_cli(capsys, "info", project)
    _, json_out, _ = run_cli(capsys, "info", project, "--json")

    assert status == 0
    assert "multiply-adds per sample (approximately)" in out
    assert "largest batch that fits: ~" in out
    assert "epoch time: measured when training starts" in out
    cost = json.loads(json_out)["cost"]
    assert cost["macs_per_sample"] > 0
    assert cost["total_params"] == json.loads(json_out)["model"]["total_params"]
    assert cost["training_bytes"] == (cost["weight_bytes"] + cost["gradient_bytes"]
                                      + cost["optimizer_bytes"] + cost["activation_bytes"])
    assert cost["largest_batch"] > cost["batch_size"]


def test_info_probe_times_a_few_steps_for_the_epoch_time(capsys, toy_csv, tmp_path):
    project = tmp_path / "toy.dlstudio.json"
    run_cli(capsys, "init", toy_csv, "-o", project)

    status, out, _ = run_cli(capsys, "info", project, "--probe")
    _, json_out, _ = run_cli(capsys, "info", project, "--json", "--probe")

    assert status == 0
    assert "epoch time: about " in out and "(from a probe of a few steps)" in out
    assert 0 < json.loads(json_out)["cost"]["epoch_seconds"] < 60


def test_info_probe_on_a_model_that_does_not_build_names_the_layer_and_times_nothing(
        capsys, toy_csv, tmp_path):
    project = tmp_path / "toy.dlstudio.json"
    run_cli(capsys, "init", toy_csv, "-o", project)
    document = json.loads(project.read_text())
    document["model"]["layers"].insert(
        0, {"type": "Conv2D", "params": {"filters": 4, "kernel_size": [3, 3]}})
    project.write_text(json.dumps(document))

    _, out, err = run_cli(capsys, "info", project, "--probe")

    assert "layer 1 (Conv2D)" in err and "image-shaped input" in err
    assert "Traceback" not in out + err
    assert "epoch time: about" not in out
