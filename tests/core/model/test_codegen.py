"""The generated Keras script: valid Python, the same layers, and it trains (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlstudio.core.model import catalog
from dlstudio.core.model.codegen import generate_script, layer_code, wrap_call
from dlstudio.core.project.project import (
    AugmentationSpec,
    ColumnSpec,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def csv_project(tmp_path) -> Project:
    rng = np.random.default_rng(0)
    lines = ["amount,colour,note,label"]
    for row in range(30):
        amount = "" if row == 3 else f"{rng.normal(5, 1):.2f}"
        lines.append(f"{amount},{['red', 'blue'][row % 2]},words number {row % 4} here,"
                     f"{['x', 'y', 'z'][row % 3]}")
    path = tmp_path / "table.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = Project(name="Tiny", data=DataSpec(
        kind="csv", path=str(path), target="label",
        columns=[ColumnSpec("amount"), ColumnSpec("colour", kind="categorical"),
                 ColumnSpec("note", kind="text"),
                 ColumnSpec("label", role="target", kind="categorical")]))
    project.model = ModelSpec(layers=[LayerSpec.of("Dense", units=4), LayerSpec.of("Dropout")])
    project.training.epochs = 1
    project.training.class_weights = "balanced"
    project.training.schedule.kind = "cosine"
    return project


@pytest.fixture
def price_project(tmp_path) -> Project:
    """A regression whose target is heavy-tailed and never negative (dlstudio learns log1p)."""
    rng = np.random.default_rng(2)
    size = rng.normal(0, 1, 60)
    price = np.exp(2 * size + rng.normal(0, 0.3, 60) + 5)
    lines = ["size,price"] + [f"{a:.3f},{b:.2f}" for a, b in zip(size, price, strict=True)]
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = Project(name="Prices", data=DataSpec(
        kind="csv", path=str(path), target="price", task="regression",
        columns=[ColumnSpec("size"), ColumnSpec("price", role="target")]))
    project.model = ModelSpec(layers=[LayerSpec.of("Dense", units=4)])
    project.training.epochs = 1
    return project


@pytest.fixture
def image_project(tmp_path) -> Project:
    rng = np.random.default_rng(1)
    root = tmp_path / "images"
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for number in range(5):
            Image.fromarray(rng.integers(0, 255, (10, 10, 3), dtype=np.uint8)).save(
                root / name / f"{number}.png")
    (root / "cat" / "bad.png").write_bytes(b"nope")
    project = Project(name="Pets", data=DataSpec(
        kind="images", path=str(root), image_size=[16, 16],
        augmentation=AugmentationSpec(flip="horizontal", rotation=0.1)))
    project.model = ModelSpec(layers=[LayerSpec.of("Conv2D", filters=2),
                                      LayerSpec.of("GlobalAveragePooling2D")])
    project.training.epochs = 1
    project.training.early_stopping.enabled = True
    return project


def test_the_csv_script_is_valid_python_with_the_stack_and_the_head(csv_project):
    script = generate_script(csv_project)
    compile(script, "generated.py", "exec")
    assert "layers.Dense(units=4, activation='relu'" in script
    assert "layers.Dropout(rate=0.5)" in script
    assert 'layers.Dense(3, activation="softmax", name="output"' in script
    assert "TARGET = 'label'" in script and "CLASS_NAMES = ['x', 'y', 'z']" in script
    assert "CosineDecay" in script and "class_weight = {" in script
    assert "TextVectorization" in script and "StringLookup" in script
    assert "import dlstudio" not in script


def test_adversarial_training_is_named_where_the_script_leaves_it_out(csv_project):
    csv_project.training.adversarial_epsilon = 0.3

    script = generate_script(csv_project)

    compile(script, "generated.py", "exec")
    assert "training.adversarial_epsilon = 0.3): 50% of each batch" in script
    assert "on clean inputs only" in script


def test_the_refit_on_all_rows_is_named_where_the_script_leaves_it_out(csv_project):
    csv_project.training.early_stopping.enabled = True
    script = generate_script(csv_project)
    compile(script, "generated.py", "exec")
    assert "# dlstudio then refits a fresh model on the training and validation rows" in script
    csv_project.training.refit_on_all = "off"
    assert "refits" not in generate_script(csv_project)


def test_the_image_script_lists_skipped_files_and_augmentation(image_project):
    script = generate_script(image_project)
    compile(script, "generated.py", "exec")
    assert "SKIPPED = ['cat/bad.png']" in script
    assert "layers.RandomFlip('horizontal'" in script
    assert "layers.RandomRotation(0.1" in script
    assert 'activation="sigmoid"' in script and "EarlyStopping" in script


def test_the_project_initializer_replaces_each_layers_own():
    code = layer_code(LayerSpec.of("Dense", units=3), initializer="he_normal")
    assert "kernel_initializer='he_normal'" in code


def test_long_calls_are_wrapped():
    wrapped = wrap_call("x = ", "layers.Thing(" + ", ".join(f"a{i}={i}" for i in range(40)) + ")",
                        "(x)")
    assert all(len(line) <= 99 for line in wrapped.splitlines())
    compile(wrapped.replace("layers.Thing", "dict").replace("(x)", ""), "w", "exec")


def test_every_catalog_layer_is_written_as_the_layer_the_catalog_builds():
    import keras

    from dlstudio.core.model import layers as dlstudio_layers

    namespace = {"keras": keras, "layers": keras.layers, "dlstudio_layers": dlstudio_layers}
    for layer_type in catalog.all_types():
        if layer_type.is_block:
            continue  # blocks are wired around their stacks, not written as one layer
        offline = {"weights": "none", "input_size": 32}  # a Backbone, without downloads
        spec = LayerSpec.of(layer_type.name, **(offline if layer_type.infer else {}))
        built = layer_type.build(spec.params)
        written = eval(layer_code(spec), namespace)  # our own generated code, not user input
        expected, actual = built.get_config(), written.get_config()
        expected.pop("name"), actual.pop("name")
        if "layer" in expected:  # a wrapper: compare the wrapped layer without its name
            expected["layer"]["config"].pop("name"), actual["layer"]["config"].pop("name")
            expected.pop("backward_layer", None), actual.pop("backward_layer", None)
        assert type(written) is type(built), layer_type.name
        assert actual == expected, layer_type.name


def test_the_regression_script_scales_the_target_as_dlstudio_does(price_project):
    script = generate_script(price_project)

    compile(script, "generated.py", "exec")
    assert "TARGET_TRANSFORM = 'log1p'" in script
    assert 'name="target_scale"' in script and "keras.ops.expm1" in script
    assert "loss=log_scale_mse" in script
    assert "name=\"clip_numeric\"" in script  # robust scaling and the smooth clip


def test_a_plain_regression_target_is_standardized_without_a_log(price_project):
    frame = price_project.data_path().read_text().splitlines()
    rows = [line.split(",") for line in frame[1:]]
    price_project.data_path().write_text(
        "size,price\n" + "".join(f"{a},{float(a) * 3 + 1:.3f}\n" for a, _ in rows))

    script = generate_script(price_project)

    assert "TARGET_TRANSFORM = 'none'" in script and "keras.ops.expm1" not in script
    assert "v * TARGET_SCALE + TARGET_OFFSET" in script and "loss='mse'" in script


def test_the_script_repeats_the_targets_once_per_ensemble_member(price_project):
    price_project.model = ModelSpec(layers=[
        LayerSpec.of("EnsembleSplit", members=4), LayerSpec.of("Dense", units=4),
        LayerSpec.of("EnsembleMean")])

    script = generate_script(price_project)

    assert "dlstudio_layers.EnsembleSplit(members=4)" in script
    assert "tf.repeat(y, 4, axis=0)" in script
    assert "tf.repeat" not in generate_script(block_project(price_project))


@pytest.mark.slow
@pytest.mark.parametrize("which", ["csv_project", "image_project", "price_project"])
def test_the_generated_script_trains_one_epoch(which, request, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(generate_script(request.getfixturevalue(which)), encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
                   "CUDA_VISIBLE_DEVICES": "-1"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=environment, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Test:" in result.stdout


def block_project(project: Project) -> Project:
    project.model = ModelSpec(layers=[
        LayerSpec.of("Conv2D", filters=4),
        LayerSpec.of("Residual", stacks=[[LayerSpec.of("Conv2D", filters=8, strides=[2, 2])]]),
        LayerSpec.of("Repeat", count=2, stacks=[[
            LayerSpec.of("Residual", stacks=[[LayerSpec.of("Conv2D", filters=8)]])]]),
        LayerSpec.of("Branches", merge="concatenate", stacks=[
            [LayerSpec.of("Conv2D", filters=2)], [LayerSpec.of("MaxPooling2D", pool_size=[1, 1])]]),
        LayerSpec.of("Skip", merge="add", stacks=[[LayerSpec.of("Conv2D", filters=10)]]),
        LayerSpec.of("GlobalAveragePooling2D"),
    ])
    return project


def test_blocks_are_written_as_functional_code_with_the_same_weights(image_project):
    import keras

    from dlstudio.core.model.codegen import model_code
    from dlstudio.core.model.shapes import inspect_stack

    project = block_project(image_project)
    code = model_code(project, "classification", 2)
    assert "residual_1_input = x" in code and "x = residual(residual_1_input, x)" in code
    assert "for _ in range(2):" in code and "layers.Concatenate()([branches_1_path1" in code
    features = keras.Input((16, 16, 3))
    namespace = {"keras": keras, "layers": keras.layers, "features": features,
                 "inputs": features}
    exec(code.replace("model.summary()", ""), namespace)  # our own generated code
    report = inspect_stack(project, (16, 16, 3), "classification", 2)
    assert namespace["model"].count_params() == report.total_params


@pytest.mark.slow
def test_the_generated_script_of_a_resnet_style_project_trains(image_project, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(generate_script(block_project(image_project)), encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
                   "CUDA_VISIBLE_DEVICES": "-1"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=environment, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Test:" in result.stdout
