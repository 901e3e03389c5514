"""Models made of parts: shapes per part, each part its own keras.Model, the task's wiring."""

import keras

from dlstudio.core.model import shapes
from dlstudio.core.model.builder import build_model
from dlstudio.core.model.parts import output_plan
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project


class ShapeOnlyData:
    """What the builder asks of a data source, for a float input of ``shape``."""

    def __init__(self, shape, kind="csv", task="reconstruction"):
        self.shape, self.kind, self.task = tuple(shape), kind, task
        self.class_names = []

    def feature_shape(self):
        return self.shape

    def build_inputs(self):
        features = keras.Input(self.shape, name="features")
        return {"features": features}, features


def autoencoder(encoder, decoder, kind="csv"):
    return Project(data=DataSpec(kind=kind, task="reconstruction"),
                   model=ModelSpec(parts={"encoder": encoder, "decoder": decoder}))


def test_each_part_gets_an_input_row_its_rows_and_an_output_row():
    project = autoencoder([LayerSpec.of("Dense", units=8), LayerSpec.of("Dense", units=2)],
                          [LayerSpec.of("Dense", units=8)])
    report = shapes.inspect_stack(project, (10,), "reconstruction", 0)
    assert report.ok
    by_part = [(row.part, row.role, row.output_shape) for row in report.rows]
    assert by_part == [("encoder", "input", (10,)), ("encoder", "layer", (8,)),
                       ("encoder", "layer", (2,)), ("encoder", "head", (2,)),
                       ("decoder", "input", (2,)), ("decoder", "layer", (8,)),
                       ("decoder", "head", (10,))]
    decoder_head = report.rows[-1]
    assert decoder_head.param_count == 9 * 10 and "Dense(10" in decoder_head.summary
    assert report.total_params == (11 * 8 + 9 * 2) + (3 * 8 + 9 * 10)
    assert report.by_id["dense_3"].label() == "dense_3 (Dense, in the decoder)"


def test_a_problem_in_a_part_names_the_row_and_its_part():
    project = autoencoder([LayerSpec.of("Conv2D", filters=4)], [])
    report = shapes.inspect_stack(project, (10,), "reconstruction", 0)
    problem = report.first_error()
    assert problem.id == "conv2d_1" and "in the encoder" in problem.message()
    assert report.rows[-1].error == shapes.NOT_COMPUTED


def test_the_sample_output_adapts_to_the_data_shape():
    assert output_plan("sample", (8, 8, 16), (8, 8, 1), 4, "sigmoid")[1:3] == ((8, 8, 1), 17)
    summary, shape, count, _ = output_plan("sample", (32,), (8, 8, 1), 4, "sigmoid")
    assert shape == (8, 8, 1) and count == 33 * 64 and "Reshape" in summary
    assert output_plan("latent", (4, 4, 2), (8, 8, 1), 3, "x")[1:3] == ((3,), 2 * 33 * 3)
    assert output_plan("sample", (None, 4), (8,), 3, "linear")[3] is not None


def test_the_builder_makes_one_keras_model_per_part_and_wires_them():
    project = autoencoder([LayerSpec.of("Dense", units=4)], [LayerSpec.of("Dense", units=6)])
    model = build_model(project, ShapeOnlyData((5,)))
    assert isinstance(model.get_layer("encoder"), keras.Model)
    decoder = model.get_layer("decoder")
    assert decoder.input.shape[1:] == (4,) and decoder.output.shape[1:] == (5,)
    assert set(model.output) == {"reconstruction", "score"}
    assert model.output["score"].shape[1:] == ()
