"""Checkpoints: written every epoch unless that is costly, and never lost on a stop."""

import keras
import numpy as np

from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import CheckpointState
from dlstudio.core.training.callbacks import BestTracker
from dlstudio.core.training.checkpoints import Checkpointer


def trained_model() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.1), "mse")
    x, y = np.random.rand(8, 3), np.random.rand(8, 2)
    model.fit(x, y, epochs=1, verbose=0)
    return model, x, y


def checkpointer(tmp_path, model) -> tuple[Checkpointer, RunFolder]:
    run = RunFolder(tmp_path)
    run.checkpoint_dir.mkdir()
    tracker = BestTracker("loss", None, 0.0, run.best_weights_path)
    tracker.set_model(model)
    return Checkpointer(run, tracker), run


def test_costly_checkpoints_wait_but_a_stop_writes_the_last_completed_epoch(tmp_path):
    model, x, y = trained_model()
    saver, run = checkpointer(tmp_path, model)
    saver.epoch_done(model, CheckpointState(epochs_done=1))
    assert run.read_state().epochs_done == 1  # the first epoch is always written

    saver.save_seconds = 1e9  # as if saving took forever
    saver.epoch_done(model, CheckpointState(epochs_done=2))
    assert run.read_state().epochs_done == 1
    completed = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)  # training goes on into epoch 3, then stops
    moved_on = model.get_weights()

    saver.flush(model)

    assert run.read_state().epochs_done == 2
    saved = keras.saving.load_model(run.last_checkpoint_path, safe_mode=True)
    for kept, expected in zip(saved.get_weights(), completed, strict=True):
        np.testing.assert_array_equal(kept, expected)
    assert int(saved.optimizer.iterations) == 1 and int(model.optimizer.iterations) == 2
    for now, expected in zip(model.get_weights(), moved_on, strict=True):
        np.testing.assert_array_equal(now, expected)


def test_a_forced_checkpoint_is_written_at_once(tmp_path):
    model, _, _ = trained_model()
    saver, run = checkpointer(tmp_path, model)
    saver.save_seconds = 1e9

    saver.epoch_done(model, CheckpointState(epochs_done=5), force=True)

    assert run.read_state().epochs_done == 5
