"""Permutation importance of table columns on the tiny trained runs."""

import json

import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.explain_columns import (
    column_importance,
    format_importance,
    importance_path,
)


@pytest.mark.slow
def test_every_feature_column_is_scored_most_important_first(csv_run):
    result = column_importance(csv_run.run, repeats=2)

    names = [entry["column"] for entry in result["columns"]]
    assert sorted(names) == ["colour", "size"]
    importances = [entry["importance"] for entry in result["columns"]]
    assert importances == sorted(importances, reverse=True)
    assert result["metric"] == "accuracy" and 0.0 <= result["baseline"] <= 1.0
    assert result["split"] == "validation" and result["samples"] > 0
    assert json.loads(importance_path(csv_run.run).read_text()) == result
    text = format_importance(result)
    assert "accuracy lost" in text and "size" in text and "colour" in text


@pytest.mark.slow
def test_the_same_seed_gives_the_same_importances(csv_run):
    first = column_importance(csv_run.run, repeats=1, seed=3)
    again = column_importance(csv_run.run, repeats=1, seed=3)

    assert first["columns"] == again["columns"]


@pytest.mark.slow
def test_regression_importance_is_rmse_added(regression_run):
    result = column_importance(regression_run.run, repeats=1)

    assert result["metric"] == "rmse"
    assert {entry["column"] for entry in result["columns"]} == {"x", "kind"}


@pytest.mark.slow
def test_an_image_run_is_sent_to_grad_cam(image_run):
    with pytest.raises(UserInputError, match="reads images.*Grad-CAM"):
        column_importance(image_run.run)
