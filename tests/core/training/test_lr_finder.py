"""The learning-rate range test on a tiny table."""

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project, TrainingSpec
from dlstudio.core.training.lr_finder import find_learning_rate, format_lr_find


@pytest.fixture
def project(tmp_path):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=200), rng.normal(size=200)
    pd.DataFrame({"x1": x1, "x2": x2, "label": np.where(x1 + x2 > 0, "yes", "no")}).to_csv(
        tmp_path / "toy.csv", index=False)
    return Project(name="toy", data=DataSpec(kind="csv", path=str(tmp_path / "toy.csv"),
                                             target="label"),
                   model=ModelSpec(layers=[LayerSpec.of("Dense", units=8)]),
                   training=TrainingSpec(batch_size=16, learning_rate=0.5))


def test_the_rate_grows_until_the_loss_blows_up_and_a_tenth_of_the_best_is_suggested(project):
    result = find_learning_rate(project, steps=60, start=1e-4, end=100.0)

    rates, losses = result["learning_rates"], result["losses"]
    assert rates[0] == pytest.approx(1e-4) and all(np.diff(rates) > 0)
    assert result["diverged"] and result["steps"] == len(losses) < 60
    best = rates[int(np.argmin(losses))]
    assert result["suggestion"] == pytest.approx(best / 10, rel=0.05)
    assert min(losses) < losses[0]  # it learned on the way
    assert result["current"] == 0.5 and "a good learning rate" in result["summary"]
    assert f"training.learning_rate = {result['suggestion']:g}" in format_lr_find(result)


@pytest.mark.parametrize("steps, start, end, words", [
    (0, 1e-6, 1.0, "--steps must be 1 to 500"),
    (10, 1.0, 1e-3, "must grow from a start above 0"),
])
def test_bad_ranges_are_refused(project, steps, start, end, words):
    with pytest.raises(UserInputError, match=words):
        find_learning_rate(project, steps, start, end)


def test_a_task_that_trains_its_own_way_is_refused_in_words(tmp_path):
    from PIL import Image

    from dlstudio.core.project.from_data import new_project

    folder = tmp_path / "blobs"
    folder.mkdir()
    for index in range(8):
        Image.fromarray(np.full((8, 8), index * 30, np.uint8), "L").save(folder / f"{index}.png")
    gan = new_project(folder, template="dcgan")

    with pytest.raises(UserInputError, match="trains its own way"):
        find_learning_rate(gan, steps=5)
