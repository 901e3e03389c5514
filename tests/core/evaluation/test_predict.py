"""Predictions written as CSV, from a run folder, a SavedModel export or a .keras export."""

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.errors import DataError, UserInputError
from dlstudio.core.evaluation.evaluate import open_run
from dlstudio.core.evaluation.predict import predict_to_csv, prediction_table
from dlstudio.core.export.exporter import export_run

NEW_ROWS = """size,colour,comment
0.9,blue,first
5.1,green,second
,red,third
9.4,purple,fourth
4.8,,fifth
7.0,red,sixth
"""
PROBABILITIES = ["prob_a", "prob_b", "prob_c"]


@pytest.fixture
def new_rows(tmp_path):
    path = tmp_path / "new.csv"
    path.write_text(NEW_ROWS, encoding="utf-8")
    return path


@pytest.mark.slow
def test_run_folder_predicts_one_row_per_csv_row_without_targets(csv_run, new_rows, tmp_path):
    rows = predict_to_csv(csv_run.run, new_rows, tmp_path / "out.csv")

    table = pd.read_csv(tmp_path / "out.csv")
    assert rows == len(table) == 6
    assert table.columns.tolist() == ["sample", "prediction", *PROBABILITIES]
    assert table["sample"].tolist() == [f"row {n}" for n in range(1, 7)]
    probabilities = table[PROBABILITIES].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert table["prediction"].tolist() == [["a", "b", "c"][i]
                                            for i in probabilities.argmax(axis=1)]


@pytest.mark.slow
@pytest.mark.parametrize("exported", ["csv_savedmodel", "csv_keras_export"])
def test_an_export_predicts_what_the_run_predicts(csv_run, exported, new_rows, tmp_path,
                                                  request):
    export = request.getfixturevalue(exported)
    predict_to_csv(csv_run.run, new_rows, tmp_path / "from_run.csv")
    rows = predict_to_csv(export.path, new_rows, tmp_path / "from_export.csv")

    from_run = pd.read_csv(tmp_path / "from_run.csv")
    from_export = pd.read_csv(tmp_path / "from_export.csv")
    assert rows == 6
    assert from_export.columns.tolist() == ["sample", "prediction", *PROBABILITIES]
    assert from_export[["sample", "prediction"]].equals(from_run[["sample", "prediction"]])
    np.testing.assert_allclose(from_export[PROBABILITIES], from_run[PROBABILITIES], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize(("exported", "content", "missing"), [
    ("csv_savedmodel", "size,comment\n1.0,x\n2.0,y\n", "colour"),
    ("csv_keras_export", "colour,comment\nred,x\n", "size")])
def test_an_export_names_a_missing_column(exported, content, missing, tmp_path, request):
    data = tmp_path / "partial.csv"
    data.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=f"column '{missing}' is not in the file"):
        predict_to_csv(request.getfixturevalue(exported).path, data, tmp_path / "out.csv")


@pytest.mark.slow
def test_images_of_other_sizes_from_run_and_from_export(image_run, tmp_path, write_image):
    photos = tmp_path / "photos"
    write_image(photos / "a.png", 50, (30, 18), 1)
    write_image(photos / "b.png", 220, (16, 16), 2)
    write_image(photos / "c.png", 120, (9, 33), 3)
    exported = export_run(image_run.run, "savedmodel", tmp_path / "export").path

    predict_to_csv(image_run.run, photos, tmp_path / "from_run.csv")
    rows = predict_to_csv(exported, photos, tmp_path / "from_export.csv")

    from_run = pd.read_csv(tmp_path / "from_run.csv")
    from_export = pd.read_csv(tmp_path / "from_export.csv")
    assert rows == 3
    assert from_run.columns.tolist() == ["sample", "prediction", "prob_dark", "prob_light"]
    assert sorted(from_run["sample"]) == ["a.png", "b.png", "c.png"]
    assert from_export["sample"].tolist() == from_run["sample"].tolist()
    np.testing.assert_allclose(from_export["prob_light"], from_run["prob_light"], atol=1e-5)
    np.testing.assert_allclose(from_run["prob_dark"] + from_run["prob_light"], 1.0, atol=1e-6)


@pytest.mark.slow
def test_regression_gives_the_value_only(regression_run, tmp_path):
    data = tmp_path / "new.csv"
    data.write_text("x,kind\n0.5,u\n0.5,v\n,v\n", encoding="utf-8")

    predict_to_csv(regression_run.run, data, tmp_path / "out.csv")

    table = pd.read_csv(tmp_path / "out.csv")
    assert table.columns.tolist() == ["sample", "prediction"]
    model = open_run(regression_run.run).model
    import tensorflow as tf

    expected = model({"x": tf.constant([[0.5], [0.5], [np.nan]]),
                      "kind": tf.constant([["u"], ["v"], ["v"]])}, training=False)
    np.testing.assert_allclose(table["prediction"], np.asarray(expected)[:, 0], atol=1e-5)


def test_a_folder_that_is_neither_run_nor_export_is_refused(tmp_path):
    with pytest.raises(UserInputError,
                       match="neither a run folder.*nor a SavedModel.*nor a .keras file"):
        predict_to_csv(tmp_path, tmp_path / "data.csv", tmp_path / "out.csv")


def test_prediction_table_expands_a_sigmoid_into_two_probabilities():
    table = prediction_table(["x.png", "y.png"], np.array([[0.25], [0.9]]), "classification",
                             ["no", "yes"])

    assert table.columns.tolist() == ["sample", "prediction", "prob_no", "prob_yes"]
    assert table["prediction"].tolist() == ["no", "yes"]
    np.testing.assert_allclose(table[["prob_no", "prob_yes"]], [[0.75, 0.25], [0.1, 0.9]])


@pytest.fixture(scope="module")
def csv_keras_export(csv_run, tmp_path_factory):
    """The CSV run exported as a ``.keras`` file (an ``ExportResult``)."""
    return export_run(csv_run.run, "keras", tmp_path_factory.mktemp("keras") / "tiny.keras")


@pytest.mark.slow
def test_image_keras_export_takes_images_of_any_size(image_run, tmp_path, write_image):
    photos = tmp_path / "photos"
    write_image(photos / "a.png", 50, (30, 18), 1)
    write_image(photos / "b.png", 220, (12, 40), 2)
    exported = export_run(image_run.run, "keras", tmp_path / "images.keras").path

    predict_to_csv(image_run.run, photos, tmp_path / "from_run.csv")
    predict_to_csv(exported, photos, tmp_path / "from_keras.csv")

    from_run = pd.read_csv(tmp_path / "from_run.csv")
    from_keras = pd.read_csv(tmp_path / "from_keras.csv")
    assert from_keras["sample"].tolist() == from_run["sample"].tolist() == ["a.png", "b.png"]
    np.testing.assert_allclose(from_keras["prob_light"], from_run["prob_light"], atol=1e-5)


def test_keras_file_without_its_metadata_says_how_to_fix_it(tmp_path):
    model = tmp_path / "model.keras"
    model.write_bytes(b"PK")
    with pytest.raises(UserInputError, match=r"model\.keras has no model\.dlstudio_export\.json "
                                             r"beside it.*class names.*dlstudio export RUN "
                                             r"--format keras"):
        predict_to_csv(model, tmp_path / "data.csv", tmp_path / "out.csv")


@pytest.mark.parametrize(("body", "problem"), [
    ("not json", "cannot be read"),
    ('{"format": "keras", "task": "classification"}', "lacks class_names, data_kind, inputs"),
    ('{"format": "savedmodel", "task": "regression", "class_names": [], "data_kind": "csv", '
     '"inputs": []}', "describes a 'savedmodel' export, not a keras one"),
])
def test_keras_file_with_bad_metadata_is_refused(tmp_path, body, problem):
    model = tmp_path / "model.keras"
    model.write_bytes(b"PK")
    (tmp_path / "model.dlstudio_export.json").write_text(body, encoding="utf-8")
    with pytest.raises(UserInputError, match=f"{problem}.*dlstudio export RUN --format keras"):
        predict_to_csv(model, tmp_path / "data.csv", tmp_path / "out.csv")


@pytest.mark.slow
@pytest.mark.parametrize("source", ["run", "savedmodel"])
def test_numbers_written_for_people_predict_like_plain_numbers(csv_run, csv_savedmodel,
                                                               tmp_path, source):
    model = csv_run.run if source == "run" else csv_savedmodel.path
    plain = tmp_path / "plain.csv"
    plain.write_text("size,colour\n1000,blue\n,red\n2.5,green\n")
    written = tmp_path / "written.csv"
    written.write_text('size,colour\n"1,000",blue\n?,red\n2.5,green\n')

    predict_to_csv(model, plain, tmp_path / "plain-out.csv")
    predict_to_csv(model, written, tmp_path / "written-out.csv")

    expected = pd.read_csv(tmp_path / "plain-out.csv")
    actual = pd.read_csv(tmp_path / "written-out.csv")
    pd.testing.assert_frame_equal(actual, expected)
