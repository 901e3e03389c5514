"""ONNX and LiteRT files are checked before a runtime loads them."""

import hashlib

import pytest

from dlstudio.core.export.file_integrity import read_verified
from dlstudio.core.export.litert import check_tflite
from dlstudio.core.export.onnx import check_onnx
from dlstudio.core.export.savedmodel_safety import UnsafeModelError


def onnx_model(domain="", op="Relu", external=False):
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node(op, ["x"], ["y"], domain=domain)
    weight = helper.make_tensor("w", TensorProto.FLOAT, [1], [1.0])
    if external:
        weight.data_location = TensorProto.EXTERNAL
        entry = weight.external_data.add()
        entry.key, entry.value = "location", "/etc/passwd"
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                              initializer=[weight])
    return onnx.helper.make_model(graph).SerializeToString()


def test_standard_onnx_ops_pass(tmp_path):
    assert check_onnx(onnx_model(), tmp_path / "m.onnx") == {"Relu"}


@pytest.mark.parametrize(("model", "problem"), [
    ({"domain": "com.example.native"}, "not in the standard ONNX opsets"),
    ({"op": "LoadLibrary"}, "not in the standard ONNX opsets"),
    ({"external": True}, "external file")])
def test_custom_domains_unknown_ops_and_external_data_are_refused(tmp_path, model, problem):
    with pytest.raises(UnsafeModelError, match=problem):
        check_onnx(onnx_model(**model), tmp_path / "m.onnx")


class FakeInterpreter:
    def __init__(self, names):
        self.names = names

    def _get_ops_details(self):
        return [{"op_name": name} for name in self.names]


def test_litert_builtin_ops_pass_and_flex_or_custom_ops_are_refused(tmp_path):
    assert check_tflite(FakeInterpreter(["ADD", "SOFTMAX"]), tmp_path) == {"ADD", "SOFTMAX"}
    for names in (["ADD", "FlexReadFile"], ["CUSTOM"]):
        with pytest.raises(UnsafeModelError, match="not LiteRT builtin ops"):
            check_tflite(FakeInterpreter(names), tmp_path)


def test_a_file_is_accepted_only_with_the_recorded_hash(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"model")
    recorded = {"sha256": hashlib.sha256(b"model").hexdigest()}
    assert read_verified(path, recorded) == b"model"
    for metadata in ({"sha256": "0" * 64}, {}):
        with pytest.raises(UnsafeModelError, match="not the file dlstudio exported"):
            read_verified(path, metadata)


@pytest.mark.slow
def test_a_recurrent_graph_converts_to_litert_for_one_sample_at_a_time():
    import keras
    import numpy as np
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from dlstudio.core.export.litert import _convert

    inputs = keras.Input((5, 3), name="x")
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(4)(inputs)))
    spec = [tf.TensorSpec([None, 5, 3], tf.float32, name="x")]
    with pytest.raises(Exception, match="(?i)tensor ?list"):
        _convert(model, spec, "float32", None, None)  # a free batch size does not convert

    interpreter = Interpreter(model_content=_convert(model, spec, "float32", None, 1))
    interpreter.allocate_tensors()
    sample = np.random.default_rng(0).random((1, 5, 3), dtype=np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], sample)
    interpreter.invoke()
    output = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(output, model(sample).numpy(), atol=1e-5)
