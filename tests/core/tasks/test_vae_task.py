"""The VAE task: encoder → mean and log-variance → sampling → decoder; KL warm-up; samples
from the prior written by `dlstudio generate` as PNG images or CSV rows."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.evaluate import open_run
from dlstudio.core.generation import decode_rows, generate
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project, save_project
from dlstudio.core.tasks import get_task


def train(project, root):
    from dlstudio.core.training.run import run_training

    save_project(project, root / "project.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=root / "runs")


def vae_parts():
    return {"encoder": [LayerSpec.of("Flatten"), LayerSpec.of("Dense", units=16)],
            "decoder": [LayerSpec.of("Dense", units=16)]}


@pytest.mark.slow
def test_a_vae_on_images_trains_with_warm_up_and_generates_pngs(tmp_path):
    folder = tmp_path / "images"
    rng = np.random.default_rng(0)
    for name, level in (("dark", 0), ("light", 200)):
        (folder / name).mkdir(parents=True)
        for index in range(12):
            pixels = (rng.random((8, 8)) * 40 + level).astype("uint8")
            Image.fromarray(pixels, "L").save(folder / name / f"{index}.png")
    project = Project(name="vae", data=DataSpec(kind="images", path=str(folder), task="vae",
                                                image_size=[8, 8], color_mode="grayscale"),
                      model=ModelSpec(parts=vae_parts(), latent_dim=2))
    project.training.epochs = 2
    project.training.autoencoder.kl_warmup_epochs = 2
    result = train(project, tmp_path)
    last = result.run.read_metrics()[-1]  # the loss's two parts, logged for the curves
    assert {"kl", "reconstruction", "val_kl", "val_reconstruction"} <= set(last)
    assert last["loss"] == pytest.approx(last["reconstruction"] + last["kl"], rel=0.05)
    run = open_run(result.run.path)
    assert run.model.get_layer("latent_sample").beta.numpy() == pytest.approx(0.5)
    assert run.model.get_layer("decoder").input.shape[1:] == (2,)
    first = generate(result.run.path, 3, tmp_path / "one", seed=7)
    again = generate(result.run.path, 3, tmp_path / "two", seed=7)
    assert [path.name for path in first] == ["sample_0001.png", "sample_0002.png",
                                             "sample_0003.png"]
    assert Image.open(first[0]).size == (8, 8)
    assert np.array_equal(np.asarray(Image.open(first[1])), np.asarray(Image.open(again[1])))


@pytest.mark.slow
def test_a_vae_on_rows_generates_rows_of_the_csv_columns(tmp_path):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"size": rng.normal(10, 2, 90).round(3),
                          "colour": rng.choice(["red", "blue"], 90)})
    frame.to_csv(tmp_path / "rows.csv", index=False)
    project = Project(name="rows", data=DataSpec(kind="csv", path=str(tmp_path / "rows.csv"),
                                                 task="vae"),
                      model=ModelSpec(parts={"encoder": [LayerSpec.of("Dense", units=8)],
                                             "decoder": [LayerSpec.of("Dense", units=8)]},
                                      latent_dim=2))
    project.training.epochs = 2
    result = train(project, tmp_path)
    [written] = generate(result.run.path, 10, tmp_path / "samples", seed=1)
    table = pd.read_csv(written)
    assert list(table.columns) == ["size", "colour"] and len(table) == 10
    assert set(table.colour.dropna()) <= {"red", "blue"}


def test_only_generative_tasks_generate():
    with pytest.raises(UserInputError, match="does not generate samples"):
        get_task("reconstruction").sample(None, 4, 0)


def test_rows_are_unscaled_and_categories_take_their_likeliest_value():
    from dlstudio.core.data.tabular_preprocessing import CategoryPlan, NumericPlan, Preprocessing

    plan = Preprocessing(numeric=NumericPlan(["size"], [10.0], [10.0], [4.0], [], clip=0.0),
                         categories=[CategoryPlan("colour", ["blue", "red"])])
    vectors = np.array([[1.0, 0.1, 0.8, 0.1], [-0.5, 0.7, 0.2, 0.1]])
    table = decode_rows(vectors, plan, {"size": "size", "colour": "colour"})
    assert table["size"].tolist() == [12.0, 9.0]
    assert table["colour"].tolist() == ["red", "blue"]
