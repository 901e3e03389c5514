"""Adversarial training: FGSM-perturbed batches, on their own and in a real run."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from dlstudio.core.evaluation.robustness import robustness_report
from dlstudio.core.project.project import (
    ColumnSpec,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    TrainingSpec,
)
from dlstudio.core.training.adversarial import enable_adversarial, perturb
from dlstudio.core.training.run import run_training


def tiny_classifier():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


def test_the_chosen_share_moves_by_epsilon_uphill_and_the_rest_stays():
    model = tiny_classifier()
    inputs = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    targets = np.array([0, 1] * 4)

    moved = np.asarray(perturb(model, inputs, targets, 0.1, 0.5, None, images=False))

    assert np.allclose(np.abs(moved[:4] - inputs[:4]), 0.1, atol=1e-6)
    assert np.array_equal(moved[4:], inputs[4:])
    loss = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    before = np.asarray(loss(targets[:4], model(inputs[:4])))
    after = np.asarray(loss(targets[:4], model(moved[:4])))
    assert (after > before).all()


def test_tables_move_numeric_columns_by_their_scale_and_keep_gaps_and_categories():
    size = keras.Input((1,), name="size")
    colour = keras.Input((1,), name="colour", dtype="string")
    filled = keras.layers.Lambda(lambda x: keras.ops.where(keras.ops.isnan(x), 0.0, x))(size)
    model = keras.Model({"size": size, "colour": colour},
                        keras.layers.Dense(1, activation="sigmoid")(filled))
    model.compile(loss="binary_crossentropy")
    inputs = {"size": np.array([[1.0], [np.nan], [3.0], [4.0]], "float32"),
              "colour": tf.constant([["red"], ["blue"], ["red"], ["red"]])}  # as tf.data gives

    moved = perturb(model, inputs, np.array([1, 0, 1, 0]), 0.5, 1.0, {"size": 4.0}, False)

    shifts = np.asarray(moved["size"]) - inputs["size"]
    assert np.allclose(np.abs(shifts[[0, 2, 3]]), 2.0) and np.isnan(shifts[1])
    assert moved["colour"] is inputs["colour"]


def test_images_stay_within_pixel_range():
    model = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    inputs = np.array([[[[0.0], [255.0]], [[1.0], [254.0]]]] * 2, "float32")

    moved = np.asarray(perturb(model, inputs, np.array([1, 0]), 8.0, 1.0, None, True))

    assert moved.min() >= 0 and moved.max() <= 255 and not np.array_equal(moved, inputs)


def test_fit_trains_on_the_perturbed_batches():
    data = np.random.default_rng(1).normal(size=(16, 3)).astype("float32")
    targets = (data[:, 0] > 0).astype(int)
    plain, attacked = tiny_classifier(), tiny_classifier()
    # Weights that already separate the classes on column 0, so the attack has a gradient to
    # follow (random initial weights can leave it too flat to move the loss, whatever the seed).
    weights = [np.array([[-2.0, 2.0], [0.0, 0.0], [0.0, 0.0]], "float32"), np.zeros(2, "float32")]
    plain.set_weights(weights)
    attacked.set_weights(weights)
    enable_adversarial(attacked, 1.0, 1.0, None, images=False)

    plain_loss = plain.fit(data, targets, epochs=1, batch_size=16, verbose=0).history["loss"]
    attacked_loss = attacked.fit(data, targets, epochs=1, batch_size=16,
                                 verbose=0).history["loss"]

    assert attacked_loss[0] > plain_loss[0] + 0.1  # the same weights, a harder batch


def weak_features_project(root, epsilon):
    """One robust column (the class ± 0.3) and twenty weak ones (0.4 × the class + noise):
    together the weak ones predict well, and a small change to each flips a plain model."""
    rng = np.random.default_rng(3)
    sign = rng.choice([-1.0, 1.0], 400)
    columns = {"robust": (sign + rng.normal(0, 0.3, 400)).round(3)}
    for number in range(20):
        columns[f"weak{number}"] = (0.4 * sign + rng.normal(size=400)).round(3)
    frame = pd.DataFrame({**columns, "label": np.where(sign > 0, "high", "low")})
    frame.to_csv(root / "weak.csv", index=False)
    return Project(
        name="weak features",
        data=DataSpec(kind="csv", path=str(root / "weak.csv"), target="label", columns=[
            *(ColumnSpec(name, "feature", "numeric") for name in columns),
            ColumnSpec("label", "target", "categorical")]),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=16)]),
        training=TrainingSpec(epochs=8, batch_size=32, learning_rate=0.02,
                              adversarial_epsilon=epsilon))


@pytest.mark.slow
def test_adversarial_training_holds_up_better_under_attack(tmp_path):
    scores, messages = {}, []
    for epsilon in (0.0, 0.3):
        root = tmp_path / f"eps{epsilon}"
        root.mkdir()
        run = run_training(weak_features_project(root, epsilon), messages.append,
                           runs_dir=root / "runs").run.path
        report = robustness_report(run, epsilons=[0.0, 0.3])
        scores[epsilon] = report["pgd"][-1]
        assert json.loads((run / "robustness.json").read_text())["pgd"] == report["pgd"]

    assert any("Adversarial training: 50% of each batch" in getattr(event, "text", "")
               for event in messages)
    assert scores[0.3] > scores[0.0] + 0.1  # measured: 0.78 plain, 0.97 adversarial
