"""A CSV file as a dataset: target and task, split, in-model preprocessing, tf.data, reports."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from dlstudio.core.data import load_dataset
from dlstudio.core.data.tabular import TabularDataset
from dlstudio.core.errors import DataError
from dlstudio.core.project.project import ColumnSpec


def open_csv(project, **options):
    return TabularDataset.open(project, project.data_path(), **options)


def test_open_infers_the_task_classes_features_and_split(mixed_csv, csv_project):
    dataset = load_dataset(csv_project(mixed_csv))

    assert isinstance(dataset, TabularDataset)
    assert dataset.task == "classification"
    assert dataset.class_names == ["churned", "stayed"]
    assert dataset.has_targets
    assert [spec.name for spec in dataset.features] == ["age", "income", "city", "note"]
    assert [dataset.split_size(split) for split in ("train", "validation", "test")] == [24, 8, 8]
    assert dataset.warnings == []


def test_summary_is_json_ready_and_describes_columns_and_splits(mixed_csv, csv_project):
    dataset = open_csv(csv_project(mixed_csv))

    summary = json.loads(json.dumps(dataset.summary()))

    assert summary["delimiter"] == "comma"
    assert summary["encoding"] == "utf-8"
    assert (summary["rows"], summary["dropped_rows"], summary["rows_used"]) == (40, 0, 40)
    columns = {column["name"]: column for column in summary["columns"]}
    assert columns["age"]["missing"] == 8
    assert (columns["age"]["min"], columns["age"]["max"]) == (21.0, 59.0)
    assert columns["city"]["top_values"][0] == ["paris", 10]
    assert columns["id"]["role"] == "ignored"
    assert summary["input_names"]["income"] == "income"
    assert summary["split_sizes"] == {"train": 24, "validation": 8, "test": 8}
    counts = summary["class_counts"]
    assert sum(sum(split.values()) for split in counts.values()) == 40
    assert summary["feature_shape"] == list(dataset.feature_shape())
    lines = "\n".join(dataset.summary_lines())
    assert "Target: 'label', classification, 2 classes: churned, stayed" in lines
    assert "Split: train 24, validation 8, test 8" in lines


def test_unknown_target_lists_the_columns(mixed_csv, csv_project):
    with pytest.raises(DataError, match="target column 'nope' is not in the file; its columns "
                                        "are: 'id', 'age', 'income', 'city', 'note', 'flag', "
                                        "'label'"):
        open_csv(csv_project(mixed_csv, target="nope"))


def test_a_missing_target_setting_is_refused(mixed_csv, csv_project):
    with pytest.raises(DataError, match="no target column is set"):
        open_csv(csv_project(mixed_csv, target=None))


def test_target_with_one_class_is_refused(write_file, csv_project):
    path = write_file("x,label\n1,a\n2,a\n3,a\n4,\n")

    with pytest.raises(DataError, match="one class only \\('a'\\)"):
        open_csv(csv_project(path))


def test_rows_without_a_target_are_dropped_and_counted(write_file, csv_project):
    rows = [f"{i % 7},{'' if i in (2, 5) else 'ab'[i % 2]}" for i in range(1, 21)]
    dataset = open_csv(csv_project(write_file("x,label\n" + "\n".join(rows) + "\n")))

    assert dataset.dropped_rows == [2, 5]
    assert "dropped 2 rows whose target 'label' is empty (rows 2, 5)" in dataset.warnings[0]
    assert dataset.summary()["dropped_rows"] == 2
    ids = [sample for split in ("train", "validation", "test") for sample in
           dataset.sample_ids(split)]
    assert len(ids) == 18
    assert "row 2" not in ids and "row 5" not in ids and "row 20" in ids


def test_whole_number_targets_are_classes_sorted_numerically(write_file, csv_project):
    rows = [f"{i % 7},{[10, 2, 1][i % 3]}" for i in range(30)]
    dataset = open_csv(csv_project(write_file("x,label\n" + "\n".join(rows) + "\n")))

    assert dataset.task == "classification"
    assert dataset.class_names == ["1", "2", "10"]
    assert dataset.targets("train").dtype == np.int32


def test_class_names_fix_the_order_and_unknown_classes_are_named(mixed_csv, csv_project):
    project = csv_project(mixed_csv)
    dataset = open_csv(project, class_names=["stayed", "churned"])
    frame = pd.read_csv(mixed_csv)
    rows = dataset.splits["test"]
    expected = (frame["label"].to_numpy()[rows] == "churned").astype(int)

    assert dataset.class_names == ["stayed", "churned"]
    assert np.array_equal(dataset.targets("test"), expected)
    with pytest.raises(DataError, match="classes the model does not know: churned"):
        open_csv(project, class_names=["stayed"])


def test_numeric_target_means_regression(mixed_csv, csv_project):
    dataset = open_csv(csv_project(mixed_csv, target="income"))

    assert dataset.task == "regression"
    assert dataset.class_names == []
    assert dataset.targets("train").dtype == np.float32
    assert dataset.summary()["class_counts"] == {}
    assert "label" in [spec.name for spec in dataset.features]


def test_task_setting_overrides_inference(write_file, csv_project):
    rows = [f"{i % 7},{i % 2}" for i in range(20)]
    path = write_file("x,label\n" + "\n".join(rows) + "\n")

    dataset = open_csv(csv_project(path, task="regression"))

    assert dataset.task == "regression"
    assert set(dataset.targets("train").tolist()) == {0.0, 1.0}


def test_listed_columns_override_roles_and_kinds(mixed_csv, csv_project):
    columns = [ColumnSpec("city", "ignored", "categorical"), ColumnSpec("age", "feature",
                                                                        "categorical")]
    dataset = open_csv(csv_project(mixed_csv, columns=columns))

    assert [spec.name for spec in dataset.features] == ["age", "income", "note"]
    ages = dataset.inputs("train")["age"]
    assert ages.dtype == object and ages.shape == (24, 1)
    assert set(ages[:, 0]) <= {""} | {str(age) for age in range(21, 60)}


def test_text_in_a_numeric_column_becomes_missing_with_a_warning(write_file, csv_project):
    rows = [f"{'oops' if i == 3 else i},{'ab'[i % 2]}" for i in range(1, 21)]
    path = write_file("x,label\n" + "\n".join(rows) + "\n")

    dataset = open_csv(csv_project(path, columns=[ColumnSpec("x", "feature", "numeric")]))

    assert "column 'x': 1 value is not a number (such as 'oops' on row 3)" in \
        dataset.warnings[0]
    every = np.concatenate([dataset.inputs(split)["x"] for split in dataset.splits])
    assert np.isnan(every).sum() == 1


def test_a_table_with_nothing_to_learn_from_is_refused(write_file, csv_project):
    rows = [f"k{i},{'ab'[i % 2]}" for i in range(20)]

    with pytest.raises(DataError, match="no column is left to learn from"):
        open_csv(csv_project(write_file("key,label\n" + "\n".join(rows) + "\n")))


def test_input_names_are_sanitized_and_reported(write_file, csv_project):
    rows = [f"{i * 1.5},{'ab'[i % 2]}" for i in range(20)]
    path = write_file("Monthly charges ($),label\n" + "\n".join(rows) + "\n")

    dataset = open_csv(csv_project(path))
    inputs, _ = dataset.build_inputs()

    assert list(inputs) == ["Monthly_charges____"]
    assert list(dataset.inputs("test")) == ["Monthly_charges____"]
    assert dataset.summary()["input_names"] == {"Monthly charges ($)": "Monthly_charges____"}


def test_split_is_deterministic_and_stratified(mixed_csv, csv_project):
    first = open_csv(csv_project(mixed_csv))
    again = open_csv(csv_project(mixed_csv))

    for split in ("train", "validation", "test"):
        assert first.sample_ids(split) == again.sample_ids(split)
    assert first.class_counts("train") == {"churned": 8, "stayed": 16}
    assert first.class_counts("validation") == {"churned": 3, "stayed": 5}
    assert first.class_counts("test") == {"churned": 3, "stayed": 5}


def test_preprocessing_is_fitted_on_the_training_split_only(mixed_csv, csv_project):
    dataset = open_csv(csv_project(mixed_csv))
    inputs, features = dataset.build_inputs()
    model = keras.Model(inputs, features)

    train_ages = dataset.inputs("train")["age"][:, 0]
    train_median = np.nanmedian(train_ages)  # robust scaling is centred on the median
    full_median = pd.read_csv(mixed_csv)["age"].median()
    centre = np.ravel(model.get_layer("normalize_numeric").mean)[0]
    lookup = model.get_layer("lookup_city").get_vocabulary()

    assert centre == pytest.approx(train_median, rel=1e-5)
    assert centre != pytest.approx(full_median, rel=1e-3)
    assert lookup[1:] == sorted(set(dataset.inputs("train")["city"][:, 0]))


def test_feature_shape_matches_the_preprocessed_width(mixed_csv, csv_project):
    dataset = open_csv(csv_project(mixed_csv))
    shape = dataset.feature_shape()
    inputs, features = dataset.build_inputs()

    batch = next(iter(dataset.tf_dataset("train", 8)))[0]
    values = keras.Model(inputs, features)(batch)

    # age + income, age's missing flag, city (3 values, "" for missing, 1 unseen slot), note
    assert shape[0] == 2 + 1 + 5 + len(dataset.preprocessing.texts[0].vocabulary) + 1
    assert features.shape == (None, *shape)
    assert values.shape == (8, *shape)
    assert inputs["city"].dtype == "string" and inputs["age"].dtype == "float32"


def test_tf_dataset_batches_and_shuffles_by_seed(mixed_csv, csv_project):
    dataset = open_csv(csv_project(mixed_csv))

    def incomes(seed):
        batches = dataset.tf_dataset("train", 10, shuffle=True, seed=seed)
        return np.concatenate([inputs["income"][:, 0] for inputs, _ in batches])

    plain = [target.shape[0] for _, target in dataset.tf_dataset("train", 10)]
    assert plain == [10, 10, 4]
    assert np.array_equal(incomes(1), incomes(1))
    assert not np.array_equal(incomes(1), incomes(2))
    assert sorted(incomes(1)) == sorted(dataset.inputs("train")["income"][:, 0])


@pytest.mark.slow
def test_a_tiny_model_trains_and_predicts_raw_values_after_reloading(mixed_csv, csv_project,
                                                                     tmp_path):
    dataset = open_csv(csv_project(mixed_csv))
    inputs, features = dataset.build_inputs()
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(features))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(dataset.tf_dataset("train", 8, shuffle=True, seed=0), epochs=1,
                        verbose=0)
    raw = {
        "age": tf.constant([[np.nan], [33.0]]),
        "income": tf.constant([[1500.5], [np.nan]]),
        "city": tf.constant([["tokyo"], [""]]),
        "note": tf.constant([["never seen words"], ["late delivery"]]),
    }

    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)

    assert np.isfinite(history.history["loss"][0])
    predictions = model.predict(raw, verbose=0)
    assert predictions.shape == (2, 1) and np.all(np.isfinite(predictions))
    assert np.allclose(reloaded.predict(raw, verbose=0), predictions)


def new_data_project(mixed_csv, csv_project):
    """A project whose columns were listed by a first open, as `init` would leave them."""
    project = csv_project(mixed_csv)
    project.data.columns = open_csv(project).columns
    return project


def test_evaluation_only_reads_every_row_into_test(mixed_csv, csv_project, write_file):
    project = new_data_project(mixed_csv, csv_project)
    frame = pd.read_csv(mixed_csv).iloc[:10]
    frame["extra"] = 1
    path = write_file(frame[["extra", "note", "label", "city", "income", "age"]]
                      .to_csv(index=False), "new.csv")

    dataset = TabularDataset.open(project, path, class_names=["churned", "stayed"],
                                  evaluation_only=True)

    assert dataset.split_size("test") == 10 and dataset.split_size("train") == 0
    assert dataset.sample_ids("test")[:2] == ["row 1", "row 2"]
    assert set(dataset.inputs("test")) == {"age", "income", "city", "note"}
    assert dataset.targets("test").tolist() == [0, 1, 1, 0, 1, 1, 0, 1, 1, 0]
    with pytest.raises(DataError, match="no training split"):
        dataset.build_inputs()


def test_evaluation_only_without_the_target(mixed_csv, csv_project, write_file):
    project = new_data_project(mixed_csv, csv_project)
    frame = pd.read_csv(mixed_csv).drop(columns=["label"]).iloc[:5]
    path = write_file(frame.to_csv(index=False), "new.csv")

    dataset = TabularDataset.open(project, path, class_names=["churned", "stayed"],
                                  evaluation_only=True)

    assert not dataset.has_targets
    assert dataset.task == "classification"
    assert dataset.class_names == [] and dataset.summary()["class_counts"] == {}
    batch = next(iter(dataset.tf_dataset("test", 5)))
    assert isinstance(batch, dict) and batch["city"].shape == (5, 1)
    with pytest.raises(DataError, match="has no target column 'label'"):
        dataset.targets("test")


def test_evaluation_only_names_a_missing_feature_column(mixed_csv, csv_project, write_file):
    project = new_data_project(mixed_csv, csv_project)
    frame = pd.read_csv(mixed_csv).drop(columns=["city"])
    path = write_file(frame.to_csv(index=False), "new.csv")

    with pytest.raises(DataError, match="feature column 'city' is not in the file"):
        TabularDataset.open(project, path, evaluation_only=True)


def test_sequence_mode_feeds_token_ids_of_one_text_column(mixed_csv, csv_project):
    dataset = open_csv(csv_project(mixed_csv, text_encoding="sequence", sequence_length=5))
    inputs, features = dataset.build_inputs()

    ids = keras.Model(inputs, features)(next(iter(dataset.tf_dataset("train", 4)))[0])

    assert dataset.feature_shape() == (5,)
    assert list(inputs) == ["note"]
    assert dataset.vocabulary_size == len(dataset.preprocessing.texts[0].vocabulary) + 2
    assert ids.shape == (4, 5)
    assert "sequence mode reads only the text column 'note'" in dataset.warnings[0]


def test_churn_example_is_small_deterministic_and_inferred_well(churn_csv, csv_project):
    first = churn_csv.read_bytes()

    dataset = open_csv(csv_project(churn_csv, target="churn"))

    assert len(first) < 60_000
    kinds = {spec.name: (spec.role, spec.kind) for spec in dataset.columns}
    assert kinds["customer_id"] == ("ignored", "identifier")
    assert kinds["monthly_charges"] == ("feature", "numeric")
    assert kinds["payment_method"] == ("feature", "categorical")
    assert kinds["last_note"] == ("feature", "text")
    assert dataset.class_names == ["no", "yes"]
    assert dataset.split_size("train") == 360


@pytest.mark.slow
def test_churn_example_is_learnable_by_a_small_mlp(churn_csv, csv_project):
    keras.utils.set_random_seed(0)
    dataset = open_csv(csv_project(churn_csv, target="churn"))
    inputs, features = dataset.build_inputs()
    hidden = keras.layers.Dense(32, activation="relu")(features)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])

    model.fit(dataset.tf_dataset("train", 32, shuffle=True, seed=0), epochs=10, verbose=0)

    _, accuracy = model.evaluate(dataset.tf_dataset("test", 64), verbose=0)
    assert accuracy > 0.85
