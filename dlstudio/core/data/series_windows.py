"""Windows of a series as a ``tf.data`` pipeline that never holds every window.

The pipeline holds the value array once and a list of window start rows; the start rows are
shuffled (training) and batched, and each batch gathers its windows with one ``tf.gather`` —
``(batch, window, columns)`` inputs, ``(batch, horizon, known columns)`` future inputs and
``(batch, horizon × targets)`` step-major targets. Memory is the series plus one batch, so a
series of a million rows streams as easily as one of a hundred (the same idea as
``keras.utils.timeseries_dataset_from_array``, with the start rows under our control: the
time-ordered split, the stride and the windows left out around missing values).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from dlstudio.core.data.series import SeriesDataset


def window_batches(dataset: SeriesDataset, starts: np.ndarray, batch_size: int, *,
                   shuffle: bool = False, seed: int = 0, with_targets: bool = True) -> Any:
    """Return the windows starting at ``starts`` as batches ``(inputs, targets)``.

    Args:
        dataset: The series (its ``values``, settings and column layout).
        starts: Window start rows, in the order wanted unless ``shuffle``.
        batch_size: Windows per batch.
        shuffle: Reshuffle the windows every epoch (seeded).
        seed: The shuffle's seed.
        with_targets: Give ``(inputs, targets)`` pairs; ``False``: inputs alone.
    """
    import tensorflow as tf

    from dlstudio.core.data.series import FUTURE_INPUT, WINDOW_INPUT

    series = dataset.series
    values = tf.constant(dataset.values, dtype=tf.float32)
    targets = values[:, : len(series.targets)]
    known = values[:, dataset.past_columns:]
    window_steps = tf.range(series.window, dtype=tf.int64)
    horizon_steps = tf.range(series.horizon, dtype=tf.int64) + series.window
    rows = tf.data.Dataset.from_tensor_slices(np.asarray(starts, dtype=np.int64))
    if shuffle:
        rows = rows.shuffle(max(1, len(starts)), seed=seed, reshuffle_each_iteration=True)

    def gather(batch_starts: Any) -> Any:
        inputs = {WINDOW_INPUT: tf.gather(values, batch_starts[:, None] + window_steps)}
        ahead = batch_starts[:, None] + horizon_steps
        if dataset.has_future:
            inputs[FUTURE_INPUT] = tf.gather(known, ahead)
        if not with_targets:
            return inputs
        return inputs, tf.reshape(tf.gather(targets, ahead), (tf.shape(batch_starts)[0], -1))

    batches = rows.batch(batch_size).map(gather, num_parallel_calls=tf.data.AUTOTUNE,
                                         deterministic=True)
    return batches.prefetch(tf.data.AUTOTUNE)
