"""The layer catalog: every entry builds from its defaults, round-trips, and validates."""

import keras
import pytest

from dlstudio.core.errors import ProjectError
from dlstudio.core.model import catalog
from dlstudio.core.model.catalog import CATEGORIES, PARAM_KINDS, ParamSpec
from dlstudio.core.project.project import LayerSpec

ALL_TYPES = catalog.all_types()
LAYER_TYPES = [layer_type for layer_type in ALL_TYPES if not layer_type.is_block]
SUITABLE_SHAPES = {1: (12,), 2: (10, 8), 3: (16, 16, 4), 4: (4, 8, 8, 2)}
NEEDS_SEQUENCE = {"Permute"}  # its default dims [2, 1] reorder a (steps, features) input


def suitable_shape(layer_type):
    if layer_type.name in NEEDS_SEQUENCE:
        return SUITABLE_SHAPES[2]
    return SUITABLE_SHAPES[layer_type.input_ranks[0] if layer_type.input_ranks else 1]


def test_the_catalog_has_at_least_40_types_covering_every_category():
    assert len(ALL_TYPES) >= 40
    assert {layer_type.category for layer_type in ALL_TYPES} == set(CATEGORIES)
    names = [layer_type.name for layer_type in ALL_TYPES]
    for required in ("Dense", "Activation", "Conv1D", "Conv2D", "SeparableConv2D",
                     "DepthwiseConv2D", "Conv2DTranspose", "MaxPooling2D", "AveragePooling1D",
                     "GlobalAveragePooling2D", "BatchNormalization", "LayerNormalization",
                     "Dropout", "SpatialDropout2D", "GaussianNoise", "Flatten", "Reshape",
                     "Permute", "RepeatVector", "UpSampling2D", "ZeroPadding2D", "Cropping2D",
                     "LSTM", "GRU", "SimpleRNN", "Bidirectional", "MultiHeadSelfAttention",
                     "TransformerEncoderBlock", "Embedding", "PReLU", "Residual", "Branches",
                     "Skip", "Repeat"):
        assert required in names


def test_blocks_hold_stacks_and_build_the_layer_that_joins_them():
    blocks = {t.name: t for t in ALL_TYPES if t.is_block}
    assert set(blocks) == {"Residual", "Branches", "Skip", "Repeat"}
    assert {name: t.category for name, t in blocks.items()} == dict.fromkeys(blocks, "Blocks")
    assert blocks["Branches"].stack_count == (2, None)
    assert all(blocks[name].stack_count == (1, 1) for name in ("Residual", "Skip", "Repeat"))
    assert blocks["Branches"].param("merge").choices == (
        "concatenate", "add", "multiply", "average", "maximum")
    for merge, keras_class in (("concatenate", keras.layers.Concatenate),
                               ("maximum", keras.layers.Maximum)):
        merged = blocks["Branches"].build({"merge": merge})
        assert isinstance(merged, keras_class)
        output = merged([keras.KerasTensor((None, 4)), keras.KerasTensor((None, 4))])
        assert output.shape[-1] == (8 if merge == "concatenate" else 4)
    assert isinstance(blocks["Residual"].build({"projection": "auto"}), keras.layers.Add)
    assert blocks["Repeat"].build({"count": 2}) is None
    assert not catalog.get("Dense").is_block


def test_convolutions_take_a_dilation_rate():
    conv = catalog.get("Conv2D")
    layer = conv.build({**conv.defaults(), "dilation_rate": [2, 2]})
    assert layer.dilation_rate == (2, 2)
    assert catalog.get("Conv1D").build({**catalog.get("Conv1D").defaults(),
                                        "dilation_rate": 3}).dilation_rate == (3,)
    for name in ("SeparableConv2D", "DepthwiseConv2D"):
        assert catalog.get(name).param("dilation_rate") is not None


@pytest.mark.parametrize("layer_type", ALL_TYPES, ids=lambda t: t.name)
def test_every_parameter_is_described_and_its_default_is_valid(layer_type):
    assert layer_type.doc.endswith(".")
    for spec in layer_type.params:
        assert spec.kind in PARAM_KINDS
        assert spec.doc and len(spec.doc) < 110, spec.name
        assert spec.describe_expected()
    values, problems = catalog.validate_params(layer_type.name, layer_type.defaults())
    assert problems == []
    assert values == layer_type.defaults()
    assert set(layer_type.key_params) <= {spec.name for spec in layer_type.params}


@pytest.mark.parametrize("layer_type", [t for t in LAYER_TYPES if t.infer is None],
                         ids=lambda t: t.name)  # a pretrained Backbone: test_backbones.py
def test_every_layer_builds_from_its_defaults_and_round_trips_its_config(layer_type):
    layer = layer_type.build(layer_type.defaults())
    output = layer(keras.KerasTensor((None, *suitable_shape(layer_type))))
    assert output.shape[0] is None
    config = layer.get_config()
    rebuilt = type(layer).from_config(config)
    assert rebuilt.get_config() == config
    assert layer_type.build(layer_type.defaults()) is not layer  # a fresh layer every time


def test_parameters_reach_the_keras_layer():
    conv = catalog.get("Conv2D").build({
        **catalog.get("Conv2D").defaults(), "filters": 7, "kernel_size": [5, 3],
        "kernel_initializer": "he_normal", "kernel_regularizer": {"kind": "l1_l2", "l1": 0.1,
                                                                  "l2": 0.2}})
    assert (conv.filters, conv.kernel_size) == (7, (5, 3))
    assert isinstance(conv.kernel_initializer, keras.initializers.HeNormal)
    assert isinstance(conv.kernel_regularizer, keras.regularizers.L1L2)
    bidirectional = catalog.get("Bidirectional").build(
        {**catalog.get("Bidirectional").defaults(), "cell": "GRU", "units": 5})
    assert isinstance(bidirectional.forward_layer, keras.layers.GRU)
    assert bidirectional.forward_layer.units == 5


def test_initializers_and_regularizers_offer_the_usual_choices():
    assert {"glorot_uniform", "glorot_normal", "he_uniform", "he_normal"} <= set(
        catalog.INITIALIZERS)
    dense = catalog.get("Dense")
    for kind, expected in (("l1", keras.regularizers.L1), ("l2", keras.regularizers.L2),
                           ("l1_l2", keras.regularizers.L1L2)):
        values, problems = catalog.validate_params("Dense", {"kernel_regularizer": {"kind": kind}})
        assert problems == []
        assert isinstance(dense.build(values).kernel_regularizer, expected)
    assert dense.build(dense.defaults()).kernel_regularizer is None


@pytest.mark.parametrize(("spec", "good", "bad"), [
    (ParamSpec("n", "int", 1, "d", minimum=1, maximum=10), [1, 10], [0, 11, 2.5, True, "3"]),
    (ParamSpec("x", "float", 0.5, "d", minimum=0.0, maximum=1.0, exclusive_minimum=True),
     [1, 0.25], [0.0, 1.5, float("nan"), False, "0.1"]),
    (ParamSpec("c", "choice", "same", "d", choices=("same", "valid")), ["valid"],
     ["full", 1, None]),
    (ParamSpec("b", "bool", True, "d"), [False], [0, "yes", None]),
    (ParamSpec("s", "shape", [3, 3], "d", length=2), [[1, 5], (2, 2)],
     [[3], [3, 3, 3], [0, 3], [1.5, 2], "3x3", []]),
    (ParamSpec("t", "shape", [-1, 1], "d", minimum=-1), [[-1, 4], [2, 3, 4]],
     [[-1, -1], [-2, 3]]),
    (ParamSpec("a", "activation", "relu", "d"), ["gelu", "softmax"], ["nope", 3]),
    (ParamSpec("i", "initializer", "glorot_uniform", "d"), ["he_normal"], ["xavier", None]),
    (ParamSpec("r", "regularizer", "none", "d"), ["none", {"kind": "l2", "l2": 0.1}],
     [{"kind": "l3"}, {"kind": "l1", "l1": -1}, {"kind": "l2", "extra": 1}, "l2"]),
], ids=lambda value: value.kind if isinstance(value, ParamSpec) else "")
def test_each_parameter_kind_accepts_and_rejects(spec, good, bad):
    for value in good:
        assert spec.check(value)[1] is None, value
    for value in bad:
        normalized, message = spec.check(value)
        assert message is not None and message.startswith("expected "), value
        assert normalized == spec.default


def test_an_optional_parameter_accepts_none():
    max_value = catalog.get("ReLU").param("max_value")
    assert max_value.check(None) == (None, None)
    assert max_value.check(6) == (6.0, None)


def test_validation_names_the_parameter_and_fills_in_defaults():
    values, problems = catalog.validate_params("Conv2D", {"filters": -4, "kernal_size": [3, 3]})
    assert problems[0] == "filters: expected an integer >= 1 and <= 4096, got -4"
    assert problems[1].startswith("kernal_size: Conv2D has no such parameter")
    assert values["filters"] == 32 and values["kernel_size"] == [3, 3]
    assert catalog.validate_params("Conv2D", {"kernel_size": [3]})[1] == [
        "kernel_size: expected a list of 2 whole numbers such as [3, 3], got [3]"]


def test_only_catalog_types_can_be_built():
    with pytest.raises(ProjectError, match="unknown layer type \"os.system\""):
        LayerSpec.of("os.system")
    with pytest.raises(KeyError, match="did you mean Conv2D"):
        catalog.get("Conv2d")


def test_remembered_checks_hand_out_copies_and_tell_json_values_apart():
    first, _ = catalog.validate_params("Conv2D", {"filters": 8, "kernel_size": [3, 3]})
    first["kernel_size"].append(99)
    first["filters"] = 1
    again, problems = catalog.validate_params("Conv2D", {"filters": 8, "kernel_size": [3, 3]})

    assert again["kernel_size"] == [3, 3] and again["filters"] == 8 and problems == []
    assert catalog.frozen({"units": 1}) != catalog.frozen({"units": True})
    assert catalog.frozen({"rate": 1}) != catalog.frozen({"rate": 1.0})
    _, refused = catalog.validate_params("Dense", {"units": True})
    _, accepted = catalog.validate_params("Dense", {"units": 1})
    assert refused and not accepted
