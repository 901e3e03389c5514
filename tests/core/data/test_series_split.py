"""The time-ordered split: no target in two splits, the stride on training windows only."""

import numpy as np
import pytest

from dlstudio.core.data.series_split import split_rows, window_starts
from dlstudio.core.errors import DataError


def test_every_target_row_of_a_window_lies_in_its_own_split_and_splits_follow_in_time():
    window, horizon = 5, 3
    starts = window_starts(100, window, horizon, 1, (0.7, 0.15, 0.15))
    train_end, validation_end = split_rows(100, (0.7, 0.15, 0.15))
    bounds = {"train": (0, train_end), "validation": (train_end, validation_end),
              "test": (validation_end, 100)}
    for split, (low, high) in bounds.items():
        first, last = starts[split] + window, starts[split] + window + horizon - 1
        assert first.min() >= low and last.max() < high, split
    assert starts["train"].max() < starts["validation"].min() < starts["test"].min()
    assert starts["validation"].min() - starts["train"].max() == horizon  # the gap


def test_stride_thins_training_windows_only_and_evaluation_data_is_all_test():
    strided = window_starts(100, 5, 1, 4, (0.7, 0.15, 0.15))
    assert np.all(np.diff(strided["train"]) == 4)
    assert np.all(np.diff(strided["test"]) == 1)
    every = window_starts(30, 5, 2, 1, (0.7, 0.15, 0.15), evaluation_only=True)
    assert len(every["train"]) == 0 and len(every["test"]) == 30 - 5 - 2 + 1


def test_a_series_too_short_for_a_window_says_what_to_change():
    with pytest.raises(DataError, match="too few for one training window.*lower"):
        window_starts(20, 30, 1, 1, (0.7, 0.15, 0.15))
