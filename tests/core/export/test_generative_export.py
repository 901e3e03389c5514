"""Exports of an autoencoder (reconstruction and score from raw inputs) and of a VAE (besides,
its decoder and encoder as SavedModels of their own), each checked in a fresh process."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.predict import predict_to_csv
from dlstudio.core.export.exporter import export_run
from dlstudio.core.export.formats import open_export
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project, save_project


def train(project, root):
    from dlstudio.core.training.run import run_training

    save_project(project, root / "project.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=root / "runs").run.path


@pytest.mark.slow
def test_an_autoencoder_exports_its_reconstruction_and_score(tmp_path):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(80, 2))
    pd.DataFrame({"a": base[:, 0], "b": base[:, 1], "c": base.sum(1)}).round(3).to_csv(
        tmp_path / "rows.csv", index=False)
    project = Project(name="ae", data=DataSpec(kind="csv", path=str(tmp_path / "rows.csv"),
                                               task="reconstruction"),
                      model=ModelSpec(parts={"encoder": [LayerSpec.of("Dense", units=2)],
                                             "decoder": [LayerSpec.of("Dense", units=4)]}))
    project.training.epochs = 2
    run = train(project, tmp_path)
    result = export_run(run, "savedmodel", tmp_path / "export")
    assert result.check.passed
    metadata = json.loads((tmp_path / "export" / "dlstudio_export.json").read_text())
    assert metadata["output"] == "score" and metadata["threshold"] > 0
    assert set(metadata["outputs"]) == {"reconstruction", "score"}
    predict_to_csv(tmp_path / "export", tmp_path / "rows.csv", tmp_path / "out.csv")
    table = pd.read_csv(tmp_path / "out.csv")
    assert list(table.columns) == ["sample", "prediction", "score", "anomaly"]
    with pytest.raises(UserInputError, match="several outputs"):
        pytest.importorskip("tf2onnx")
        export_run(run, "onnx", tmp_path / "onnx")


@pytest.mark.slow
def test_a_vae_exports_its_decoder_and_encoder_separately(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for index in range(16):
        pixels = (rng.random((8, 8)) * 60 + (index % 2) * 180).astype("uint8")
        Image.fromarray(pixels, "L").save(folder / f"{index}.png")
    project = Project(name="vae", data=DataSpec(kind="images", path=str(folder), task="vae",
                                                image_size=[8, 8], color_mode="grayscale"),
                      model=ModelSpec(parts={"encoder": [LayerSpec.of("Flatten")],
                                             "decoder": [LayerSpec.of("Dense", units=8)]},
                                      latent_dim=3))
    project.training.epochs = 1
    run = train(project, tmp_path)
    export_run(run, "savedmodel", tmp_path / "export")
    metadata, decode = open_export(tmp_path / "export" / "decoder")
    assert metadata["part"] == "decoder"
    images = decode({metadata["inputs"][0]["name"]: np.zeros((2, 3), dtype="float32")})
    assert np.asarray(images).shape == (2, 8, 8, 1)
    metadata, encode = open_export(tmp_path / "export" / "encoder")
    means = encode({"image": np.zeros((2, 8, 8, 1), dtype="float32")})
    assert np.asarray(means).shape == (2, 3)


def test_the_report_names_a_generators_mean_output_not_an_error():
    from dlstudio.core.export.report import metric

    pixels = np.full((4, 8, 8, 1), 80.0)
    assert metric("gan", 0, pixels, None) == ("mean output value", 80.0)
    assert metric("reconstruction", 0, np.array([0.5, 1.5]), None) == ("mean error", 1.0)
