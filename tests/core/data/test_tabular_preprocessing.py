"""Fitting table preprocessing with NumPy, and the custom layers that apply it."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlstudio.core.data.tabular_preprocessing import (
    CategoryPlan,
    fit_category,
    fit_numeric,
    fit_text,
    input_name,
    input_names,
    tokenize,
)
from dlstudio.core.errors import DataError
from dlstudio.core.model.layers import ImputeMissing, MissingIndicator


@pytest.mark.parametrize(
    ("column", "name"),
    [("age", "age"), ("Monthly charges (€)", "Monthly_charges____"), ("2nd try", "c_2nd_try"),
     ("_x", "c__x"), ("naïve", "na_ve")],
)
def test_input_names_are_safe_for_saved_model_signatures(column, name):
    assert input_name(column) == name


def test_clashing_input_names_get_a_number():
    assert input_names(["a b", "a_b", "A-B"]) == {"a b": "a_b", "a_b": "a_b_2", "A-B": "A_B_3"}


def test_tokenize_matches_text_vectorization():
    text = "Hello, World! It's the WORLD's café"
    layer = keras.layers.TextVectorization(output_mode="int")
    layer.adapt([text])

    assert set(tokenize(text)) == set(layer.get_vocabulary()[2:])
    assert tokenize(text) == ["hello", "world", "its", "the", "worlds", "café"]


def test_numeric_fit_uses_median_for_gaps_and_flags_columns_with_gaps():
    plan = fit_numeric(["a", "b"], [np.array([1.0, np.nan, 3.0, 10.0]), np.array([5.0] * 4)])

    assert plan.medians == [3.0, 5.0]
    assert plan.means == [3.0, 5.0]  # robust scaling is centred on the median
    assert plan.variances[1] == 1.0  # a constant column is left unscaled, not divided by zero
    assert plan.indicators == [0]
    assert plan.width == 3


def test_category_vocabulary_is_sorted_and_one_hot_width_counts_unseen_slot():
    plan = fit_category("city", np.array(["rome", "", "oslo", "rome"], dtype=object))

    assert plan.vocabulary == ["", "oslo", "rome"]
    assert plan.embedding_dim is None
    assert plan.width == 4


def test_many_categories_get_an_embedding():
    plan = CategoryPlan("code", [f"c{i}" for i in range(99)])

    assert plan.embedding_dim == 10
    assert plan.width == 10


def test_text_fit_ranks_words_and_computes_idf():
    texts = np.array(["the cat", "the dog", "the cat sat"], dtype=object)

    plan = fit_text("note", "note", texts, max_tokens=3)

    assert plan.vocabulary == ["the", "cat"]
    assert plan.idf_weights == [pytest.approx(math.log(1 + 3 / 4)),
                                pytest.approx(math.log(1 + 3 / 3))]
    assert plan.width == 3


def test_sequence_fit_reserves_padding_and_unknown_ids():
    plan = fit_text("note", "note", np.array(["a b c d"], dtype=object), max_tokens=4,
                    sequence_length=6)

    assert plan.vocabulary == ["a", "b"]
    assert plan.width == 6
    assert plan.vocabulary_size == 4


def test_text_without_words_is_refused():
    with pytest.raises(DataError, match="text column 'note' has no words"):
        fit_text("note", "note", np.array(["", "!!"], dtype=object), max_tokens=10)


def test_impute_missing_replaces_nan_per_feature_and_round_trips():
    layer = ImputeMissing([1.0, -2.0], name="impute")
    values = tf.constant([[np.nan, 5.0], [3.0, np.nan]])

    restored = ImputeMissing.from_config(layer.get_config())

    expected = [[1.0, 5.0], [3.0, -2.0]]
    assert np.allclose(layer(values), expected)
    assert np.allclose(restored(values), expected)
    assert restored.get_config() == layer.get_config()


def test_missing_indicator_flags_chosen_features_and_round_trips():
    layer = MissingIndicator([1], name="missing")
    values = tf.constant([[np.nan, 5.0], [3.0, np.nan]])

    restored = MissingIndicator.from_config(layer.get_config())

    assert np.array_equal(layer(values), [[0.0], [1.0]])
    assert np.array_equal(restored(values), [[0.0], [1.0]])
    assert layer.compute_output_shape((None, 2)) == (None, 1)


@pytest.fixture
def mixed_float16():
    """The float16 policy of mixed-precision training, put back afterwards."""
    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    yield
    keras.mixed_precision.set_global_policy(before)


def test_preprocessing_runs_in_float32_under_mixed_precision(write_file, csv_project,
                                                            mixed_float16):
    from dlstudio.core.data import load_dataset
    from dlstudio.core.model.builder import build_model
    from dlstudio.core.project.project import ColumnSpec, LayerSpec

    rng = np.random.default_rng(0)
    rows = [f"{value:.1f},{'ab'[i % 2]},{'good day' if i % 3 else 'bad day'},{'xyz'[i % 3]}"
            for i, value in enumerate(rng.uniform(60_000, 200_000, 30))]
    project = csv_project(write_file("price,kind,note,label\n" + "\n".join(rows) + "\n"),
                          columns=[ColumnSpec("note", "feature", "text")])
    project.model.layers = [LayerSpec.of("Dense", units=8)]
    dataset = load_dataset(project)

    model = build_model(project, dataset)

    for name in ("impute_numeric", "normalize_numeric", "features"):
        assert model.get_layer(name).compute_dtype == "float32", name
    inputs = {name: values[:4] for name, values in dataset.inputs("train").items()}
    inputs["price"] = np.array([[70_000.0], [2e5], [np.nan], [65_504.0]], "float32")
    outputs = np.asarray(model(inputs, training=False))
    assert outputs.dtype == np.float32 and np.isfinite(outputs).all()
