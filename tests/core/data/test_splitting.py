"""Random train/validation/test splits: deterministic, complete, stratified."""

from __future__ import annotations

import numpy as np
import pytest

from dlstudio.core.data.splitting import split_indices
from dlstudio.core.project.project import SplitSpec


def test_a_count_is_split_by_the_fractions_into_disjoint_sorted_parts():
    splits = split_indices(100, (0.7, 0.15, 0.15), seed=1)

    assert [len(splits[name]) for name in ("train", "validation", "test")] == [70, 15, 15]
    together = np.concatenate(list(splits.values()))
    assert sorted(together.tolist()) == list(range(100))
    assert all(np.all(np.diff(part) > 0) for part in splits.values())
    assert all(part.dtype == np.int64 for part in splits.values())


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    first = split_indices(50, (0.6, 0.2, 0.2), seed=7)
    again = split_indices(50, (0.6, 0.2, 0.2), seed=7)
    other = split_indices(50, (0.6, 0.2, 0.2), seed=8)

    assert all(np.array_equal(first[name], again[name]) for name in first)
    assert not np.array_equal(first["test"], other["test"])


def test_fractions_may_be_a_split_spec_a_mapping_or_a_sequence():
    spec = SplitSpec(train=0.5, validation=0.25, test=0.25, seed=0)
    by_spec = split_indices(20, spec, seed=4)
    by_mapping = split_indices(20, {"train": 0.5, "validation": 0.25, "test": 0.25}, seed=4)
    by_tuple = split_indices(20, [0.5, 0.25, 0.25], seed=4)

    for name in by_spec:
        assert np.array_equal(by_spec[name], by_mapping[name])
        assert np.array_equal(by_spec[name], by_tuple[name])


def test_stratified_split_keeps_class_proportions():
    labels = np.array(["a"] * 80 + ["b"] * 20)
    np.random.default_rng(0).shuffle(labels)

    splits = split_indices(labels, (0.6, 0.2, 0.2), seed=3, stratified=True)

    for name, expected in (("train", (48, 12)), ("validation", (16, 4)), ("test", (16, 4))):
        part = labels[splits[name]]
        assert (np.sum(part == "a"), np.sum(part == "b")) == expected


def test_unstratified_labels_are_split_like_a_count():
    labels = ["x"] * 30
    by_labels = split_indices(labels, (0.5, 0.5, 0.0), seed=2, stratified=False)
    by_count = split_indices(30, (0.5, 0.5, 0.0), seed=2)

    assert all(np.array_equal(by_labels[name], by_count[name]) for name in by_labels)
    assert len(by_labels["test"]) == 0


def test_a_class_too_small_for_every_split_stays_in_training_with_a_warning():
    labels = ["big"] * 30 + ["rare"]
    warnings: list[str] = []

    splits = split_indices(labels, (0.7, 0.15, 0.15), seed=0, warnings=warnings)

    assert 30 in splits["train"].tolist()
    assert len(warnings) == 1
    assert "rare (1)" in warnings[0]
    assert sum(len(part) for part in splits.values()) == 31


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (-0.1, 0.6, 0.5), (0, 0, 0)])
def test_bad_fractions_are_refused(fractions):
    with pytest.raises(ValueError, match="three fractions"):
        split_indices(10, fractions, seed=0)
