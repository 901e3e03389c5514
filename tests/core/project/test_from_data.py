"""Starting a project from data: the target, every column, a fitting template, sensible sizes."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.errors import DataError, UserInputError
from dlstudio.core.project.from_data import new_project


def _image_folder(root, size, mode="RGB", per_class=4):
    generator = np.random.default_rng(0)
    width, height = size
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for index in range(per_class):
            channels = (height, width, 3) if mode == "RGB" else (height, width)
            pixels = generator.integers(0, 255, size=channels, dtype=np.uint8)
            Image.fromarray(pixels, mode).save(root / name / f"{index}.png")
    return root


def test_a_csv_project_lists_every_column_and_picks_the_mlp(tmp_path):
    path = tmp_path / "people.csv"
    pd.DataFrame({"id": range(40), "age": np.arange(40) % 17, "city": ["a", "b"] * 20,
                  "bought": ["yes", "no", "no", "yes"] * 10}).to_csv(path, index=False)
    project = new_project(path)
    assert project.data.target == "bought"
    assert project.data.task == "classification"
    assert [(c.name, c.role) for c in project.data.columns] == [
        ("id", "ignored"), ("age", "feature"), ("city", "feature"), ("bought", "target")]
    assert project.model.template == "mlp"
    assert project.training.early_stopping.enabled


def test_image_input_size_follows_the_images(tmp_path):
    project = new_project(_image_folder(tmp_path / "pets", (48, 40)))
    assert project.data.image_size == [40, 48]
    assert project.data.color_mode == "rgb"
    assert project.model.template == "cnn"


def test_tiny_gray_images_get_the_smallest_size_and_one_channel(tmp_path):
    project = new_project(_image_folder(tmp_path / "digits", (12, 12), mode="L"))
    assert project.data.image_size == [32, 32]
    assert project.data.color_mode == "grayscale"


def test_huge_images_are_capped(tmp_path):
    project = new_project(_image_folder(tmp_path / "photos", (640, 480), per_class=2))
    assert project.data.image_size == [128, 128]


def test_bad_starts_say_what_to_do(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        new_project(tmp_path / "nothing.csv")
    folder = _image_folder(tmp_path / "pets", (16, 16))
    with pytest.raises(UserInputError, match="--target is for CSV files"):
        new_project(folder, target="cat")


def test_a_text_template_reads_the_text_column_as_sequences(tmp_path):
    path = tmp_path / "reviews.csv"
    words = ["great value", "awful quality", "love it, really", "broken on arrival"]
    pd.DataFrame({"review": [f"{w} number {i}" for i, w in enumerate(words * 10)],
                  "label": ["pos", "neg", "pos", "neg"] * 10}).to_csv(path, index=False)
    project = new_project(path, template="lstm")
    assert project.data.text_encoding == "sequence"
    assert project.model.layers[0].type == "Embedding"
    numbers = tmp_path / "numbers.csv"
    pd.DataFrame({"x": range(20), "y": [0, 1] * 10}).to_csv(numbers, index=False)
    with pytest.raises(UserInputError, match="has no text feature column"):
        new_project(numbers, template="lstm")


def test_block_templates_are_offered_where_they_fit_the_data(tmp_path):
    path = tmp_path / "people.csv"
    pd.DataFrame({"age": np.arange(40) % 17, "bought": ["yes", "no"] * 20}).to_csv(path,
                                                                                 index=False)
    folder = _image_folder(tmp_path / "pets", (16, 16))

    assert new_project(path, template="wide_deep").model.layers[0].type == "Branches"
    assert new_project(folder, template="resnet").model.template == "resnet"
    with pytest.raises(UserInputError, match="template 'resnet' is for images data"):
        new_project(path, template="resnet")
    with pytest.raises(UserInputError, match="template 'wide_deep' is for table data"):
        new_project(folder, template="wide_deep")
