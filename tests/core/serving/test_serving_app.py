"""The prediction server's endpoints and its answers to bad requests (FastAPI's TestClient)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi", reason="the serve extra is not installed")
from fastapi.testclient import TestClient  # noqa: E402

from dlstudio.core.serving import requests as limits  # noqa: E402
from dlstudio.core.serving.app import create_app  # noqa: E402
from dlstudio.core.serving.served_model import open_served_model  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def csv_client(csv_run):
    with TestClient(create_app(open_served_model(csv_run.run))) as client:
        yield client


def _detail(response) -> dict:
    (detail,) = response.json()["detail"]
    return detail


def test_health_metadata_and_docs(csv_client):
    assert csv_client.get("/health").json()["status"] == "ok"
    metadata = csv_client.get("/metadata").json()
    assert metadata["classes"] == ["a", "b", "c"]
    assert metadata["inputs"] == [{"column": "size", "kind": "numeric"},
                                  {"column": "colour", "kind": "categorical"}]
    assert set(metadata["versions"]) == {"dlstudio", "python", "tensorflow", "keras"}
    assert csv_client.get("/docs").status_code == 200
    assert "/predict" in csv_client.get("/openapi.json").json()["paths"]


def test_a_batch_of_rows_gets_probabilities_and_matches_the_run(csv_run, csv_client):
    from dlstudio.core.evaluation.predict_one import SamplePredictor

    rows = [{"size": 1.0, "colour": "blue"}, {"size": 9.0, "colour": "red"},
            {"size": None, "colour": "green"}, {"size": "5", "colour": None, "label": "b"}]
    answer = csv_client.post("/predict", json={"rows": rows})
    assert answer.status_code == 200, answer.text
    predictions = answer.json()["predictions"]
    assert len(predictions) == 4
    assert sum(predictions[0]["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
    single = SamplePredictor(csv_run.run).predict_row({"size": "9", "colour": "red"})
    assert predictions[1]["prediction"] == single.prediction
    assert predictions[1]["probabilities"]["c"] == pytest.approx(single.probabilities["c"],
                                                                 abs=1e-5)


@pytest.mark.parametrize(("body", "field", "status", "words"), [
    ({"rows": [{"size": 1, "shape": "x"}]}, "rows[0].shape", 422, "unknown column"),
    ({"rows": [{"size": "big"}]}, "rows[0].size", 422, "expected a number"),
    ({"rows": [{"colour": [1, 2]}]}, "rows[0].colour", 422, "got a list"),
    ({"rows": [{"size": True}]}, "rows[0].size", 422, "true/false"),
    ({"rows": []}, "rows", 422, "non-empty list"),
    ({"rows": [{"size": 1}]} | {"path": "/etc/passwd"}, "path", 422, "unknown field"),
    ({"rows": [{"size": 1}] * (limits.MAX_ROWS + 1)}, "rows", 413, "more than"),
    ({"data": 1}, "rows", 422, "missing"),
])
def test_bad_rows_are_refused_naming_the_field(csv_client, body, field, status, words):
    answer = csv_client.post("/predict", json=body)
    assert answer.status_code == status
    detail = _detail(answer)
    assert detail["field"] == field and words in detail["msg"]


def test_not_json_and_images_to_a_table_model_are_refused(csv_client):
    answer = csv_client.post("/predict", content=b"{not json",
                             headers={"content-type": "application/json"})
    assert answer.status_code == 422 and "not valid JSON" in _detail(answer)["msg"]
    answer = csv_client.post("/predict", files={"images": ("a.png", b"x", "image/png")})
    assert answer.status_code == 415 and "table rows" in _detail(answer)["msg"]


def _png(brightness: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((20, 20, 3), brightness, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_images_are_predicted_and_bad_uploads_refused(image_run, monkeypatch, tmp_path):
    from dlstudio.core.evaluation.predict_one import SamplePredictor

    (tmp_path / "light.png").write_bytes(_png(210))
    alone = SamplePredictor(image_run.run).predict_image(tmp_path / "light.png")
    with TestClient(create_app(open_served_model(image_run.run))) as client:
        files = [("images", ("dark.png", _png(40), "image/png")),
                 ("images", ("light.png", _png(210), "image/png"))]
        answer = client.post("/predict", files=files)
        assert answer.status_code == 200, answer.text
        predictions = answer.json()["predictions"]
        assert len(predictions) == 2 and predictions[1]["prediction"] == alone.prediction
        assert predictions[1]["probabilities"]["light"] == pytest.approx(
            alone.probabilities["light"], abs=1e-4)
        answer = client.post("/predict", files=[("images", ("x.png", b"hello", "image/png"))])
        assert answer.status_code == 422 and _detail(answer)["field"] == "images[0]"
        assert "not an image" in _detail(answer)["msg"]
        monkeypatch.setattr(limits, "MAX_IMAGE_BYTES", 100)
        noisy = io.BytesIO()
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 40, 3), np.uint8)).save(
            noisy, format="PNG")
        answer = client.post("/predict", files=[("images", ("big.png", noisy.getvalue(),
                                                            "image/png"))])
        assert answer.status_code == 413 and "bytes is more than" in _detail(answer)["msg"]
        answer = client.post("/predict", json={"rows": [{"size": 1}]})
        assert answer.status_code == 415 and "reads images" in _detail(answer)["msg"]


def test_a_savedmodel_export_is_served_like_its_run(csv_savedmodel, csv_client):
    with TestClient(create_app(open_served_model(csv_savedmodel.path))) as client:
        assert client.get("/metadata").json()["source"] == "savedmodel"
        rows = {"rows": [{"size": 9.0, "colour": "red"}, {"size": 1.0, "colour": "blue"}]}
        exported = client.post("/predict", json=rows).json()["predictions"]
    original = csv_client.post("/predict", json=rows).json()["predictions"]
    for mine, theirs in zip(exported, original, strict=True):
        assert mine["prediction"] == theirs["prediction"]
        assert mine["probabilities"]["c"] == pytest.approx(theirs["probabilities"]["c"],
                                                           abs=1e-4)


def test_a_drifting_batch_gets_a_warning(csv_client, caplog):
    rows = [{"size": 80.0 + index, "colour": "purple"} for index in range(30)]
    with caplog.at_level("WARNING", logger="dlstudio.serve"):
        answer = csv_client.post("/predict", json={"rows": rows})
    assert answer.status_code == 200
    warning = answer.json()["drift_warning"]
    assert "size" in warning and "colour" in warning
    assert any("drifted" in record.message for record in caplog.records)
