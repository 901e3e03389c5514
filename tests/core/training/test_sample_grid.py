"""The live sample grid: tiling, the PNG files, diversity, and the callback's event."""

import numpy as np
from PIL import Image

from dlstudio.core.training.events import Samples
from dlstudio.core.training.sample_grid import (
    DIVERSITY_KEY,
    LATEST,
    SampleGridRecorder,
    diversity,
    fixed_noise,
    mean_distance,
    tile,
)


def test_tile_places_each_image_in_its_cell_with_white_gaps():
    images = np.zeros((5, 2, 3, 1), dtype=np.float32)
    images[4] = 1.0
    canvas = tile(images)
    assert canvas.shape == (2 * 3 + 1, 3 * 4 + 1, 1)  # 2 rows, 3 columns, gaps of 1
    assert canvas[1, 1, 0] == 0  # the first image
    assert canvas[0, 0, 0] == 255  # a gap
    assert (canvas[4:6, 5:8, 0] == 255).all()  # the fifth image, white, row 2 column 2


def test_diversity_is_near_one_for_samples_like_the_data_and_zero_for_one_image():
    rng = np.random.default_rng(0)
    real = rng.random((40, 4, 4, 1))
    varied = rng.random((40, 4, 4, 1))
    collapsed = np.repeat(varied[:1], 40, axis=0)
    assert abs(diversity(varied, real) - 1.0) < 0.1
    assert diversity(collapsed, real) < 1e-6
    assert mean_distance(real[:1]) == 0.0


def test_fixed_noise_is_the_same_for_the_same_seed():
    assert np.array_equal(fixed_noise(4, 3, 7), fixed_noise(4, 3, 7))
    assert not np.array_equal(fixed_noise(4, 3, 7), fixed_noise(4, 3, 8))


def test_the_recorder_writes_the_grid_logs_diversity_and_sends_an_event(tmp_path):
    sent = []
    noise = fixed_noise(9, 2, 0)
    real = np.random.default_rng(1).random((9, 4, 4, 1))
    recorder = SampleGridRecorder(lambda z: np.full((len(z), 4, 4, 1), 0.5), noise, real,
                                  tmp_path / "samples", sent.append)
    logs = {"d_loss": 1.0}
    recorder.on_epoch_end(2, logs)
    assert logs[DIVERSITY_KEY] == 0.0
    assert sent == [Samples(3, str(tmp_path / "samples" / "epoch_0003.png"), 0.0)]
    for name in ("epoch_0003.png", LATEST):
        with Image.open(tmp_path / "samples" / name) as picture:
            assert picture.width >= 3 * 48  # tiny cells are enlarged
            assert picture.getpixel((picture.width // 2, picture.height // 2)) in (128, 255)
