"""Show code for models made of parts: the autoencoder, VAE and DCGAN templates are written as
plain Keras parts with the same weights, wired and trained as dlstudio does (slow: they run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.data import load_dataset
from dlstudio.core.model.codegen import generate_script
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import Project

ROOT = Path(__file__).resolve().parents[3]
TRAINING_RULER = "# Training ---"


def digit_folder(root: Path, classes: tuple[str, ...] = ("a", "b")) -> Path:
    """8x8 grey images: a bright bar per class, in class folders (or flat without classes)."""
    rng = np.random.default_rng(0)
    for number in range(24):
        folder = root / classes[number % len(classes)] if classes else root
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 40, (8, 8)).astype("uint8")
        pixels[:, 2 + 3 * (number % 2)] = 230
        Image.fromarray(pixels, "L").save(folder / f"{number}.png")
    return root


def rows_file(path: Path, labels: bool) -> Path:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(80, 2))
    frame = pd.DataFrame({"a": base[:, 0], "b": base[:, 1], "c": base.sum(1)}).round(4)
    if labels:
        frame["label"] = np.where(np.arange(80) % 8 == 0, "bad", "ok")
    frame.to_csv(path, index=False)
    return path


def template_project(tmp_path: Path, case: str) -> Project:
    if case == "autoencoder_rows":
        project = new_project(rows_file(tmp_path / "rows.csv", True), target="label",
                              template="autoencoder")
        project.data.normal_classes = ["ok"]
    elif case == "autoencoder_unlabelled_rows":
        project = new_project(rows_file(tmp_path / "rows.csv", False), template="autoencoder")
    elif case == "gan_flat_folder":
        project = new_project(digit_folder(tmp_path / "flat", ()), template="dcgan")
    else:
        template = {"vae_images": "vae", "dcgan_images": "dcgan"}[case]
        project = new_project(digit_folder(tmp_path / "digits"), template=template)
        project.data.image_size = [8, 8]
    project.training.epochs = 1
    project.training.batch_size = 8
    return project


CASES = ["autoencoder_rows", "autoencoder_unlabelled_rows", "vae_images", "dcgan_images",
         "gan_flat_folder"]


@pytest.mark.parametrize("case", CASES)
def test_the_script_of_a_model_with_parts_is_valid_python(case, tmp_path):
    project = template_project(tmp_path, case)
    script = generate_script(project)
    compile(script, "generated.py", "exec")
    for part in project.model.parts:
        assert f'{part} = keras.Model({part}_input, x, name="{part}")' in script
    if project.data.task == "gan":
        assert "def train_step(self, data):" in script and "CRITIC_STEPS" in script
        assert "SampleGrid(generator)" in script
    else:
        assert "class ReconstructionError(layers.Layer):" in script
        assert "np.percentile(errors, ANOMALY_PERCENTILE)" in script
    assert ("class LatentSample(layers.Layer):" in script) == (project.data.task == "vae")


@pytest.mark.parametrize("case", ["autoencoder_rows", "vae_images", "dcgan_images"])
def test_the_scripts_parts_have_the_weights_dlstudio_builds(case, tmp_path):
    import keras

    from dlstudio.core.model.builder import build_model

    project = template_project(tmp_path, case)
    script = generate_script(project)
    namespace: dict = {"__name__": "generated"}
    exec(script.split(TRAINING_RULER)[0].replace(".summary()", ".name"), namespace)  # ours

    keras.backend.clear_session()
    model = build_model(project, load_dataset(project))
    for part in project.model.parts:
        built = getattr(model, part, None) or model.get_layer(part)
        assert namespace[part].count_params() == built.count_params(), part


@pytest.mark.slow
@pytest.mark.parametrize("case", ["autoencoder_rows", "dcgan_images"])  # a VAE: built above
def test_the_script_of_a_model_with_parts_trains_one_epoch(case, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(generate_script(template_project(tmp_path, case)), encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
                   "CUDA_VISIBLE_DEVICES": "-1"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=environment, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    if case == "dcgan_images":
        assert (tmp_path / "samples" / "epoch_0001.png").is_file()
        assert (tmp_path / "samples" / "new.png").is_file()
    else:
        assert "Threshold:" in result.stdout and "anomalies" in result.stdout
