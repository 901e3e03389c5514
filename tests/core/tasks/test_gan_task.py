"""The GAN task end to end on tiny images the test makes: the dcgan template from `init`, a
run with both losses, the sample grid and its events, resuming, evaluation, generation and the
generator's export (checked in a fresh process)."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.errors import TrainingError, UserInputError
from dlstudio.core.model.gan_templates import dcgan_parts, halvings
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import DataSpec, Project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.tasks import get_task
from dlstudio.core.training import events


def blob_folder(root, count=48, size=16):
    """Gray images of a bright square at random places, without class folders."""
    rng = np.random.default_rng(0)
    folder = root / "blobs"
    folder.mkdir()
    for index in range(count):
        image = np.zeros((size, size), dtype=np.uint8)
        top, left = rng.integers(0, size - 6, 2)
        image[top:top + 6, left:left + 6] = 255
        Image.fromarray(image, "L").save(folder / f"{index:03d}.png")
    return folder


def train(project, root, epochs=None, resume=None):
    from dlstudio.core.training.run import run_training

    seen = []
    save_project(project, root / "gan.dlstudio.json")
    result = run_training(None if resume else project, seen.append, runs_dir=root / "runs",
                          epochs=epochs, resume=resume)
    return result, seen


def test_the_template_fits_any_size_that_2_divides_and_refuses_others():
    assert [halvings(side, side) for side in (8, 16, 28, 32, 64)] == [1, 2, 2, 3, 4]
    parts = dcgan_parts(DataSpec(kind="images", image_size=[32, 32], color_mode="rgb"))
    strides = [layer.params["strides"] for layer in parts["generator"]
               if layer.type == "Conv2DTranspose"]
    assert strides == [[2, 2], [2, 2], [2, 2], [1, 1]]  # doubled 3 times, then the pixels
    assert parts["generator"][-1].params["filters"] == 3
    with pytest.raises(UserInputError, match="16x16, 28x28, 32x32 or 64x64"):
        dcgan_parts(DataSpec(kind="images", image_size=[15, 15]))


def test_init_offers_dcgan_for_images_only(tmp_path):
    (tmp_path / "table.csv").write_text("a,b\n1,x\n2,y\n3,x\n4,y\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="template 'dcgan' is for images"):
        new_project(tmp_path / "table.csv", target="b", template="dcgan")


@pytest.mark.slow
def test_a_dcgan_trains_records_its_grid_resumes_and_generates(tmp_path):
    project = new_project(blob_folder(tmp_path), template="dcgan")
    assert project.data.task == "gan" and project.data.image_size == [16, 16]
    assert set(project.model.parts) == {"generator", "discriminator"}
    assert not project.training.early_stopping.enabled
    project.training.epochs = 2
    project.training.batch_size = 16
    project.training.early_stopping.enabled = True  # as a classifier's project had it

    result, seen = train(project, tmp_path)

    run = RunFolder(result.run.path)
    metrics = pd.read_csv(run.metrics_path)
    assert {"d_loss", "g_loss", "sample_diversity"} <= set(metrics.columns)
    assert any("Early stopping is off for this run" in event.text for event in seen
               if isinstance(event, events.Message))
    grids = [event for event in seen if isinstance(event, events.Samples)]
    assert [event.epoch for event in grids] == [1, 2]
    assert (run.path / "samples" / "latest.png").is_file()
    with Image.open(grids[-1].path) as picture:
        assert picture.width >= 6 * 16  # a grid of 6 x 6 images

    resumed, _ = train(project, tmp_path, epochs=3, resume=run.path)
    assert resumed.epochs_done == 3
    assert len(pd.read_csv(run.metrics_path)) == 3

    from dlstudio.core.evaluation.evaluate import open_run

    model = open_run(run.path).model
    made = get_task("gan").sample(model, 5, 7)
    assert made.shape == (5, 16, 16, 1) and 0.0 <= made.min() and made.max() <= 1.0
    assert np.array_equal(made, get_task("gan").sample(model, 5, 7))

    from dlstudio.core.evaluation.evaluate import evaluate_run, format_report

    report = evaluate_run(run.path)
    assert 0.0 <= report["real_score"] <= 1.0
    assert "The discriminator on the real test images" in format_report(report)


@pytest.mark.slow
def test_the_generator_exports_noise_in_pixels_out_and_passes_the_fresh_check(tmp_path):
    from dlstudio.core.export.exporter import export_run

    project = new_project(blob_folder(tmp_path, count=24, size=8), template="dcgan")
    project.training.epochs = 1
    project.training.batch_size = 8
    result, _ = train(project, tmp_path)

    exported = export_run(result.run.path, "savedmodel")

    assert exported.check.passed
    assert [spec["name"] for spec in exported.inputs] == ["noise"]
    metadata = json.loads(exported.metadata_path.read_text(encoding="utf-8"))
    assert metadata["generates"] == "images" and metadata["latent_dim"] == 16
    readme = exported.readme_path.read_text(encoding="utf-8")
    assert "turns noise into images" in readme and "0..255" in readme
    import tensorflow as tf

    serve = tf.saved_model.load(str(exported.path)).signatures[metadata["signature"]]
    pixels = serve(noise=tf.zeros((2, 16)))[metadata["output"]].numpy()
    assert pixels.shape == (2, 8, 8, 1) and 0.0 <= pixels.min() and pixels.max() <= 255.0

    judge = export_run(result.run.path, "savedmodel", part="discriminator")
    assert judge.check.passed and judge.path.name == "savedmodel-discriminator"


def test_settings_a_gan_cannot_use_are_refused_in_words():
    task = get_task("gan")
    project = Project()
    project.training.schedule.kind = "reduce_on_plateau"
    with pytest.raises(TrainingError, match="choose another training.schedule.kind"):
        task.check_settings(project.training)
    with pytest.raises(TrainingError, match="set training.loss to auto"):
        task.resolve_loss("mse", 1)


def test_samples_and_the_export_come_from_the_averaged_generator(tmp_path):
    import keras

    from dlstudio.core.model.gan_model import GanModel
    from dlstudio.core.training.sample_grid import fixed_noise

    assert Project().training.gan.ema_decay == 0.999  # the default: sample from the average
    noise = keras.Input((4,))
    image = keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(4, activation="sigmoid")(noise))
    generator = keras.Model(noise, image)
    raw = keras.Input((2, 2, 1), name="image")
    preprocess = keras.Model({"image": raw}, keras.layers.Rescaling(1 / 255)(raw))
    discriminator = keras.Model(raw, keras.layers.Dense(1)(keras.layers.Flatten()(raw)))
    model = GanModel(generator, discriminator, preprocess, 4, ema_decay=0.99)
    model.ema_generator.set_weights([w + 1.0 for w in generator.get_weights()])

    task = get_task("gan")
    drawn = task.sample(model, 3, 5)
    noise = fixed_noise(3, 4, 5)
    averaged = np.asarray(model.ema_generator(noise))
    assert not np.allclose(averaged, np.asarray(generator(noise)))
    np.testing.assert_allclose(drawn, averaged, rtol=1e-6)
    np.testing.assert_allclose(task.export_model(model)(noise), averaged * 255.0, rtol=1e-5)


def test_a_new_gan_project_trains_many_more_steps_than_a_classifier(tmp_path, monkeypatch):
    from dlstudio.core.project import from_data

    folder = blob_folder(tmp_path, count=80, size=8)
    assert new_project(folder, template="dcgan").training.epochs == 300  # tiny data: the cap
    monkeypatch.setattr(get_task("gan"), "most_epochs", 100_000)  # the step budget decides
    gan = new_project(folder, template="dcgan")
    steps = -(-round(80 * gan.split.train) // gan.training.batch_size)
    assert gan.training.epochs == -(-15_000 // steps)
    assert get_task("gan").target_steps == 7.5 * from_data.TARGET_STEPS
