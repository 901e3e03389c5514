"""The builder: shape inference with plain-words errors, and project → keras.Model."""

import keras
import numpy as np
import pytest

from dlstudio.core.data.base import Dataset
from dlstudio.core.errors import ModelBuildError
from dlstudio.core.model import catalog, shapes
from dlstudio.core.model.builder import (
    NOT_COMPUTED,
    build_model,
    inspect_stack,
    model_name,
)
from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.core.tasks import get_task


class TinyDataset(Dataset):
    """A fake data source: one float input of ``shape``, no real data."""

    def __init__(self, shape, task="classification", class_names=("a", "b", "c"),
                 train_targets=(0.0, 0.0, 0.0, 0.0)):
        self.shape = tuple(shape)
        self.train_targets = np.asarray(train_targets, dtype="float64")
        self.kind = "csv"
        self.task = task
        self.class_names = list(class_names) if task == "classification" else []
        self.has_targets = True
        self.warnings = []

    def split_size(self, split):
        return 4

    def feature_shape(self):
        return self.shape

    def build_inputs(self):
        features = keras.Input(self.shape, name="features")
        return {"features": features}, features

    def tf_dataset(self, split, batch_size, *, shuffle=False, seed=0):
        raise NotImplementedError("never iterated in these tests")

    def targets(self, split):
        return self.train_targets

    def sample_ids(self, split):
        return [f"row {i}" for i in range(4)]

    def summary(self):
        return {}

    def summary_lines(self):
        return []


def project_of(*layers, **model_settings):
    project = Project()
    project.model.layers = [LayerSpec.of(name, **params) for name, params in layers]
    for key, value in model_settings.items():
        setattr(project.model, key, value)
    return project


def inspect(project, shape, task="classification", num_classes=3):
    return inspect_stack(project, shape, task, num_classes)


def test_rows_hold_input_layers_and_head_with_shapes_and_counts():
    project = project_of(("Dense", {"units": 16}), ("Dropout", {}), ("Dense", {"units": 8}))
    report = inspect(project, (10,))
    assert [(row.role, row.index, row.type) for row in report.rows] == [
        ("input", None, "Input"), ("layer", 0, "Dense"), ("layer", 1, "Dropout"),
        ("layer", 2, "Dense"), ("head", None, "Dense")]
    assert [row.output_shape for row in report.rows] == [(10,), (16,), (16,), (8,), (3,)]
    assert [row.param_count for row in report.rows] == [0, 176, 0, 136, 27]
    assert report.ok and report.first_error() is None
    assert report.total_params == report.trainable_params == 176 + 136 + 27
    assert report.rows[-1].summary == "units=3, activation=softmax"


def test_conv2d_after_flatten_names_both_layers_and_marks_the_rest_not_computed():
    project = project_of(("Conv2D", {}), ("Flatten", {}), ("Conv2D", {}), ("Dense", {}))
    report = inspect(project, (8, 8, 1))
    error = report.first_error()
    assert error.index == 2
    assert error.error == ("Conv2D needs an image-shaped input (height, width, channels) but "
                           "gets a flat vector of 2048 values from Flatten (layer 2).")
    assert error.fix.startswith("Move it before Flatten, or add a Reshape")
    assert report.rows[4].error == NOT_COMPUTED and report.rows[4].output_shape is None
    assert report.rows[5].role == "head" and report.rows[5].error == NOT_COMPUTED
    assert not report.ok


def test_lstm_on_a_flat_vector_suggests_reshape_or_embedding():
    report = inspect(project_of(("LSTM", {})), (20,))
    error = report.first_error()
    assert error.index == 0
    assert "LSTM needs a sequence (steps, features) but gets a flat vector of 20 values from " \
           "the input" in error.error
    assert "Reshape" in error.fix and "Embedding" in error.fix


def test_stacked_lstm_without_return_sequences_says_which_switch_to_turn_on():
    report = inspect(project_of(("Embedding", {}), ("LSTM", {}), ("LSTM", {})), (30,))
    assert report.first_error().index == 2
    assert report.first_error().fix == ("Turn on return_sequences in LSTM (layer 2) so it "
                                        "outputs every step.")


def test_dense_on_an_image_asks_for_flatten_or_global_pooling():
    report = inspect(project_of(("Conv2D", {}), ("Dense", {})), (8, 8, 3))
    error = report.first_error()
    assert error.index == 1
    assert "Dense needs a flat vector" in error.error and "(8, 8, 32)" in error.error
    assert error.fix == "Add Flatten or GlobalAveragePooling2D before it."


def test_head_after_a_conv_output_is_an_error_on_the_head_row():
    report = inspect(project_of(("Conv2D", {})), (8, 8, 3))
    error = report.first_error()
    assert error.role == "head" and error.index is None
    assert error.error.startswith("The output head needs a flat vector but Conv2D (layer 1)")
    assert "GlobalAveragePooling2D" in error.fix
    assert report.rows[1].error is None


def test_reshape_with_the_wrong_size_says_both_sizes():
    report = inspect(project_of(("Reshape", {"target_shape": [5, 5]})), (64,))
    assert report.first_error().error == ("Reshape to [5, 5] needs 25 values but gets 64 values "
                                          "from the input.")
    assert report.first_error().fix.startswith("Choose sizes that multiply to 64")
    assert inspect(project_of(("Reshape", {"target_shape": [-1, 8]}),
                              ("Flatten", {})), (64,)).ok


def test_keras_refusals_are_summarized_on_one_line():
    report = inspect(project_of(("MaxPooling2D", {"pool_size": [4, 4]}),
                                ("MaxPooling2D", {"pool_size": [4, 4]})), (2, 2, 1))
    error = report.first_error()
    assert error.index == 0
    assert "\n" not in error.error and "\x1b" not in error.error
    assert error.error == "MaxPooling2D would shrink its input (2, 2, 1) to nothing."


def test_unknown_types_and_bad_parameters_become_row_errors():
    project = Project()
    project.model.layers = [LayerSpec("Dense", {"units": -4}), LayerSpec("Conv2d")]
    report = inspect(project, (4,))
    assert report.rows[1].error == "units: expected an integer >= 1 and <= 65536, got -4."
    project.model.layers.reverse()
    assert "did you mean Conv2D" in inspect(project, (4,)).first_error().fix


def test_other_friendly_checks():
    project = project_of(("Embedding", {"input_dim": 100}))
    project.data.text_encoding = "sequence"
    assert "Set input_dim to at least 5000" in inspect(project, (20,)).first_error().fix
    positions = project_of(("Embedding", {}), ("PositionalEmbedding", {"max_length": 8}))
    assert inspect(positions, (20,)).first_error().fix == "Raise max_length to at least 20."
    groups = inspect(project_of(("GroupNormalization", {"groups": 5})), (12,))
    assert groups.first_error().fix == "Choose groups that divide 12, such as 4."
    permute = inspect(project_of(("Permute", {"dims": [1, 3]})), (4, 5))
    assert "Use a reordering such as [2, 1]" in permute.first_error().fix


@pytest.mark.parametrize(("task", "classes", "units", "activation"), [
    ("classification", 5, 5, "softmax"), ("classification", 2, 1, "sigmoid"),
    ("regression", 0, 1, "linear")])
def test_the_head_fits_the_task(task, classes, units, activation):
    assert get_task(task).output_head(classes) == (units, activation)
    report = inspect(project_of(("Dense", {"units": 4})), (3,), task, classes)
    assert report.rows[-1].output_shape == (units,)
    assert report.rows[-1].summary == f"units={units}, activation={activation}"


def test_no_head_when_the_stack_already_ends_in_one_or_it_is_turned_off():
    ends_in_head = project_of(("Dense", {}), ("Dense", {"units": 3, "activation": "softmax"}))
    assert [row.role for row in inspect(ends_in_head, (4,)).rows][-1] == "layer"
    no_head = project_of(("Dense", {"units": 4}), add_output_head=False)
    report = inspect(no_head, (4,))
    assert report.rows[-1].role == "layer"
    assert "the task needs 3" in report.rows[-1].error
    assert "Turn on the output head" in report.rows[-1].fix


@pytest.mark.parametrize("layer_type", [t for t in catalog.all_types()
                                        if not t.is_block and t.infer is None],
                         ids=lambda t: t.name)  # types inferred from a table: own tests
def test_every_layer_is_inferred_with_the_same_count_keras_builds(layer_type):
    shape = {1: (12,), 2: (10, 8), 3: (16, 16, 4), 4: (4, 8, 8, 2)}[
        layer_type.input_ranks[0] if layer_type.input_ranks else 2]
    report = inspect(project_of((layer_type.name, {})), shape)
    row = report.rows[1]
    assert row.error is None, row.error
    layer = layer_type.build(layer_type.defaults())
    output = layer(keras.Input(shape))
    assert row.output_shape == tuple(output.shape[1:])
    assert row.param_count == layer.count_params()


def test_inspection_counts_match_the_built_model():
    project = project_of(("Reshape", {"target_shape": [8, 8, 1]}), ("Conv2D", {"filters": 8}),
                         ("BatchNormalization", {}), ("MaxPooling2D", {}), ("Flatten", {}),
                         ("Dense", {"units": 16}))
    report = inspect(project, (64,))
    model = build_model(project, TinyDataset((64,)))
    assert report.total_params == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert report.trainable_params == trainable


@pytest.mark.parametrize(("task", "classes", "units", "activation"), [
    ("classification", ("a", "b", "c"), 3, "softmax"),
    ("classification", ("no", "yes"), 1, "sigmoid"), ("regression", (), 1, "linear")])
def test_build_model_output_matches_the_task(task, classes, units, activation):
    project = project_of(("Dense", {"units": 8}))
    project.name = "My project/1"
    model = build_model(project, TinyDataset((5,), task, classes))
    assert model.output_shape == (None, units)
    assert model.get_layer("output").get_config()["activation"] == activation
    assert model.name == "My_project_1"
    prediction = model.predict({"features": np.ones((2, 5), "float32")}, verbose=0)
    assert prediction.shape == (2, units)


def test_regression_output_is_scaled_back_to_the_training_targets_units():
    targets = (100.0, 200.0, 300.0, 400.0)
    project = project_of(("Dense", {"units": 8}))
    model = build_model(project, TinyDataset((5,), "regression", (), train_targets=targets))
    head = model.get_layer("output")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    prediction = model.predict({"features": np.ones((2, 5), "float32")}, verbose=0)
    np.testing.assert_allclose(prediction, np.full((2, 1), 250.0))
    scale = model.get_layer("target_scale")
    assert scale.scale == pytest.approx(np.std(targets))


def test_build_model_keeps_a_stack_that_ends_in_the_output_layer():
    project = project_of(("Dense", {"units": 3, "activation": "softmax"}))
    model = build_model(project, TinyDataset((5,)))
    assert model.count_params() == 18
    assert model.layers[-1].name != "output"


def test_build_model_raises_with_the_first_error_and_its_layer():
    project = project_of(("Dense", {}), ("Flatten", {}), ("Conv2D", {}))
    with pytest.raises(ModelBuildError, match=r"layer 3 \(Conv2D\): Conv2D needs") as caught:
        build_model(project, TinyDataset((5,)))
    assert caught.value.layer_index == 2
    with pytest.raises(ModelBuildError, match="the output head: The output head") as caught:
        build_model(project_of(("Reshape", {"target_shape": [5, 1]})), TinyDataset((5,)))
    assert caught.value.layer_index is None


def test_the_project_initializer_overrides_kernel_initializers():
    project = project_of(("Dense", {"units": 4}), ("Dropout", {}),
                         ("Reshape", {"target_shape": [2, 2]}), ("LSTM", {"units": 2}))
    project.training.initializer = "he_normal"
    model = build_model(project, TinyDataset((5,)))
    dense, lstm = model.layers[1], model.layers[4]
    assert isinstance(dense.kernel_initializer, keras.initializers.HeNormal)
    assert isinstance(lstm.cell.kernel_initializer, keras.initializers.HeNormal)
    project.training.initializer = "layer_default"
    model = build_model(project, TinyDataset((5,)))
    assert isinstance(model.layers[1].kernel_initializer, keras.initializers.GlorotUniform)


def test_edits_only_recompute_the_layers_they_change():
    project = project_of(*[("Dense", {"units": 32}) for _ in range(10)])
    inspect(project, (7,))
    before = len(shapes._cache)
    inspect(project, (7,))
    assert len(shapes._cache) == before
    project.model.layers[4].params["units"] = 33
    report = inspect(project, (7,))
    assert len(shapes._cache) == before + 2  # the edited layer and the one after it
    assert report.rows[5].output_shape == (33,) and report.rows[6].param_count == 33 * 32 + 32


def test_inspection_leaves_no_weights_waiting_to_be_initialized():
    from keras.src.backend.common import global_state

    inspect(project_of(("Dense", {"units": 123}), ("Dense", {"units": 45})), (9,))
    assert not global_state.get_global_attribute("uninitialized_variables")


def test_model_names_are_valid_keras_names():
    assert model_name("Churn (v2)") == "Churn_v2"
    assert model_name("///") == "model"


def test_conv2d_on_a_table_points_to_dense_layers():
    report = inspect(project_of(("Conv2D", {})), (46,))
    assert report.first_error().error.endswith("gets a flat vector of 46 values from the input.")
    assert report.first_error().fix.startswith("For a table, use Dense layers instead")


def test_regression_model_saves_and_loads_in_safe_mode(tmp_path):
    import dlstudio.core.model.layers  # noqa: F401  (registers the custom layers)

    project = project_of(("Dense", {"units": 4}))
    model = build_model(project, TinyDataset((5,), "regression", (), train_targets=(1.0, 3.0)))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    features = {"features": np.arange(10, dtype="float32").reshape(2, 5)}
    np.testing.assert_allclose(loaded.predict(features, verbose=0),
                               model.predict(features, verbose=0), rtol=1e-6)


def test_a_layer_too_large_for_memory_is_named_with_its_parameter_count(monkeypatch):
    import tensorflow as tf

    from dlstudio.core.model import builder

    class Exhausted(keras.layers.Layer):
        def call(self, inputs):
            raise tf.errors.ResourceExhaustedError(
                None, None, "{{function_node __wrapped__RandomUniform}} OOM when allocating "
                "tensor with shape[150528,65536]")

    monkeypatch.setattr(builder, "build_row_layer", lambda project, spec, name=None: Exhausted())
    project = project_of(("Dense", {"units": 65536}))

    with pytest.raises(ModelBuildError) as caught:
        build_model(project, TinyDataset((150528,)))

    message = str(caught.value)
    assert message.startswith("layer 1 (Dense) is too large: its 9,865,068,544 parameters")
    assert "function_node" not in message and caught.value.layer_index == 0


@pytest.mark.slow
def test_a_real_allocation_failure_says_the_layer_is_too_large(tmp_path):
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    script = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))  # never the whole host
        sys.path.insert(0, sys.argv[1])
        from test_builder import TinyDataset, project_of
        from dlstudio.core.model.builder import build_model
        try:
            build_model(project_of(("Dense", {"units": 65536})), TinyDataset((150528,)))
        except Exception as error:
            print(type(error).__name__, error)
    """)
    # timeout: the child imports TensorFlow, which takes over a minute on a loaded machine
    finished = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent)],
                              capture_output=True, text=True, timeout=240)

    assert finished.stdout.startswith("ModelBuildError layer 1 (Dense) is too large"), (
        finished.stdout + finished.stderr[-2000:])


@pytest.mark.parametrize("last", [("Dense", {"units": 3, "activation": "softmax"}), None])
def test_the_output_is_float32_under_mixed_precision(last):
    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        layers = [("Dense", {"units": 8})] + ([last] if last else [])
        model = build_model(project_of(*layers), TinyDataset((5,)))
    finally:
        keras.mixed_precision.set_global_policy(before)

    assert model.layers[1].compute_dtype == "float16"  # the stack itself computes in float16
    assert model.layers[-1].compute_dtype == "float32"  # the user's softmax, or the head
    assert model.output.dtype == "float32"
    prediction = model.predict({"features": np.ones((2, 5), "float32")}, verbose=0)
    assert prediction.dtype == np.float32 and np.isfinite(prediction).all()
