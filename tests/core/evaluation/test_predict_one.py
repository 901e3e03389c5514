"""One row or one image predicted from memory, as predicting a file of them would."""

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.errors import DataError
from dlstudio.core.evaluation.predict import predict_to_csv
from dlstudio.core.evaluation.predict_one import SamplePredictor

ROWS = [{"size": "0.9", "colour": "blue"}, {"size": "", "colour": "red"},
        {"size": "9.4", "colour": ""}]


@pytest.mark.slow
def test_a_typed_row_predicts_as_the_same_row_in_a_file(csv_run, tmp_path, monkeypatch):
    path = tmp_path / "rows.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    predict_to_csv(csv_run.run, path, tmp_path / "out.csv")
    from_file = pd.read_csv(tmp_path / "out.csv")
    predictor = SamplePredictor(csv_run.run)
    monkeypatch.setattr("tempfile.mkdtemp", lambda *a, **k: pytest.fail("wrote a temp file"))

    for row, expected in zip(ROWS, from_file.itertuples(), strict=True):
        result = predictor.predict_row(row)
        assert result.prediction == expected.prediction
        np.testing.assert_allclose([result.probabilities[name] for name in "abc"],
                                   [expected.prob_a, expected.prob_b, expected.prob_c],
                                   atol=1e-5)
    assert predictor.predict_row(ROWS[0]).filled == ""
    assert "size → the training median" in predictor.predict_row(ROWS[1]).filled


@pytest.mark.slow
def test_typed_missing_markers_are_filled_and_named_like_blank_fields(csv_run):
    predictor = SamplePredictor(csv_run.run)

    marked = predictor.predict_row({"size": "NA", "colour": "?"})
    blank = predictor.predict_row({"size": "", "colour": ""})
    assert marked.prediction == blank.prediction
    assert marked.probabilities == pytest.approx(blank.probabilities, abs=1e-6)
    assert marked.filled.startswith("2 of 2 inputs were empty")
    assert "size → the training median" in marked.filled
    assert "colour → the slot for unseen categories (the training data had no missing " \
           "values" in marked.filled


@pytest.mark.slow
def test_a_row_that_cannot_be_read_is_a_data_error(regression_run):
    predictor = SamplePredictor(regression_run.run)

    assert isinstance(predictor.predict_row({"x": "0.5", "kind": "v"}).prediction, float)
    with pytest.raises(DataError, match="kind"):
        predictor.predict_row({"x": "0.5"})


@pytest.mark.slow
def test_an_image_predicts_from_where_it_lies(image_run, tmp_path, write_image):
    image = write_image(tmp_path / "elsewhere" / "photo.png", 220, (30, 18), 7)
    predictor = SamplePredictor(image_run.run)

    result = predictor.predict_image(image)
    assert result.prediction in ("dark", "light")
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert list(image.parent.iterdir()) == [image]
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(DataError, match="not a PNG, JPEG, BMP or GIF"):
        predictor.predict_image(tmp_path / "notes.txt")


@pytest.mark.slow
def test_a_rows_breakdown_is_what_emptying_each_column_changes(csv_run):
    predictor = SamplePredictor(csv_run.run)
    row = ROWS[0]

    result = predictor.predict_row(row, explain=True)

    assert {entry["column"] for entry in result.effects} == {"size", "colour"}
    chosen = result.prediction
    for entry in result.effects:
        emptied = predictor.predict_row({**row, entry["column"]: ""})
        assert entry["effect"] == pytest.approx(
            result.probabilities[chosen] - emptied.probabilities[chosen], abs=1e-5)
    sizes = [abs(entry["effect"]) for entry in result.effects]
    assert sizes == sorted(sizes, reverse=True)
    assert predictor.predict_row({"size": "", "colour": ""}, explain=True).effects == []


@pytest.mark.slow
def test_an_images_prediction_carries_its_saliency(image_run, tmp_path, write_image):
    image = write_image(tmp_path / "photo.png", 220, (30, 18), 7)

    result = SamplePredictor(image_run.run).predict_image(image, explain=True)

    assert result.image.saliency.shape == (16, 16)
    assert result.image.grad_cam is None  # Flatten + Dense: no convolution to look at
    assert ["dark", "light"][result.image.class_index] == result.prediction
