"""An image folder as a dataset: scanning, bad files, splits, tf.data, in-model preprocessing."""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlstudio.core.data import load_dataset
from dlstudio.core.data.images import ImageDataset, scan_image_folder
from dlstudio.core.errors import DataError
from dlstudio.core.project.project import AugmentationSpec, DataSpec, Project, SplitSpec

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CLASSES = ("circle", "square", "triangle")
COLOURS = {"circle": (220, 40, 40), "square": (40, 200, 40), "triangle": (40, 40, 220)}


def write_image(path: Path, colour: tuple[int, int, int] = (90, 90, 90), size: int = 16,
                image_format: str = "PNG") -> Path:
    """Write a small image whose left half has ``colour`` and right half some noise."""
    rng = np.random.default_rng(sum(path.name.encode()))
    pixels = rng.integers(0, 60, size=(size, size, 3), dtype=np.uint8)
    pixels[:, : size // 2] = colour
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, image_format)
    return path


def write_classes(folder: Path, per_class: int = 8, classes=CLASSES) -> Path:
    for name in classes:
        for number in range(per_class):
            write_image(folder / name / f"{number}.png", COLOURS.get(name, (90, 90, 90)))
    return folder


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """Three class folders of eight 16x16 PNGs each."""
    return write_classes(tmp_path / "images")


@pytest.fixture
def image_project() -> Callable[..., Project]:
    """Return a function making a project that reads an image folder (split 0.5/0.25/0.25)."""

    def make(path: Path, **data: object) -> Project:
        spec = DataSpec(kind="images", path=str(path), **{"image_size": [16, 16], **data})
        return Project(name="images", data=spec, split=SplitSpec(0.5, 0.25, 0.25, seed=3))

    return make


def test_scan_finds_classes_and_images(image_folder):
    scan = scan_image_folder(image_folder)

    assert scan.class_names == list(CLASSES)
    assert scan.class_counts() == {"circle": 8, "square": 8, "triangle": 8}
    assert scan.files[0].path == "circle/0.png"
    assert not scan.predefined_split and not scan.skipped and not scan.warnings


def test_scan_skips_bad_files_and_names_them(image_folder):
    good = write_image(image_folder / "circle" / "good.png")
    (image_folder / "circle" / "noise.png").write_bytes(np.random.default_rng(0).bytes(300))
    data = good.read_bytes()
    (image_folder / "square" / "cut.png").write_bytes(data[: len(data) // 2])
    jpeg = write_image(image_folder / "square" / "photo.jpg", image_format="JPEG").read_bytes()
    (image_folder / "square" / "photo.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (image_folder / "triangle" / "notes.txt").write_text("not an image")
    (image_folder / "triangle" / ".DS_Store").write_bytes(b"\0\1")
    write_image(image_folder / "triangle" / "UPPER.PNG")
    write_image(image_folder / "triangle" / "really_a_jpeg.png", image_format="JPEG")

    scan = scan_image_folder(image_folder)

    reasons = {item.path: item.reason for item in scan.skipped}
    assert set(reasons) == {"circle/noise.png", "square/cut.png", "square/photo.jpg"}
    assert reasons["circle/noise.png"].startswith("not an image")
    assert reasons["square/cut.png"].startswith("truncated or damaged")
    assert reasons["square/photo.jpg"].startswith("truncated or damaged")
    assert scan.ignored == ["triangle/notes.txt"]
    assert scan.class_counts() == {"circle": 9, "square": 8, "triangle": 10}
    assert any("skipped 3" in warning for warning in scan.warnings)


def test_nested_images_count_and_loose_or_hidden_ones_do_not(image_folder):
    write_image(image_folder / "circle" / "more" / "deep.png")
    write_image(image_folder / "circle" / ".ipynb_checkpoints" / "copy.png")
    write_image(image_folder / "stray.png")

    scan = scan_image_folder(image_folder)

    assert "circle/more/deep.png" in [f.path for f in scan.files]
    assert scan.class_counts()["circle"] == 9
    assert any("1 image directly in the folder" in warning for warning in scan.warnings)


def test_folder_without_class_folders_is_an_error(tmp_path):
    write_image(tmp_path / "one.png")

    with pytest.raises(DataError, match="no class subfolders.*images are directly in it"):
        scan_image_folder(tmp_path)


def test_empty_class_folder_is_named(image_folder):
    (image_folder / "hexagon").mkdir()
    (image_folder / "hexagon" / "readme.txt").write_text("todo")

    with pytest.raises(DataError, match="class folder 'hexagon' has no usable images"):
        scan_image_folder(image_folder)


def test_class_folder_of_only_bad_files_names_them(image_folder):
    (image_folder / "hexagon").mkdir()
    (image_folder / "hexagon" / "bad.png").write_bytes(b"garbage")

    with pytest.raises(DataError, match="'hexagon'.*hexagon/bad.png: not an image"):
        scan_image_folder(image_folder)


def test_single_class_is_an_error(tmp_path):
    write_classes(tmp_path, per_class=2, classes=["cat"])

    with pytest.raises(DataError, match="single class folder \\(cat\\).*at least two"):
        scan_image_folder(tmp_path)


def test_no_images_at_all_is_an_error(tmp_path):
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "list.csv").write_text("a,b\n")

    with pytest.raises(DataError, match="no usable images .* in any class folder"):
        scan_image_folder(tmp_path)


def test_missing_path_and_file_path_are_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        scan_image_folder(tmp_path / "nowhere")
    with pytest.raises(DataError, match="is a file, not a folder"):
        scan_image_folder(write_image(tmp_path / "one.png"))


def test_predefined_split_is_honoured(tmp_path, image_project):
    write_classes(tmp_path / "train", per_class=6)
    write_classes(tmp_path / "val", per_class=2)
    write_classes(tmp_path / "test", per_class=3)

    dataset = ImageDataset.open(image_project(tmp_path), tmp_path)

    assert dataset.scan.split_folders == {"train": "train", "validation": "val", "test": "test"}
    assert [dataset.split_size(s) for s in ("train", "validation", "test")] == [18, 6, 9]
    assert all(path.startswith("val/") for path in dataset.sample_ids("validation"))
    assert dataset.class_counts("test") == {"circle": 3, "square": 3, "triangle": 3}
    assert dataset.summary()["predefined_split"] is True
    evaluation = ImageDataset.open(image_project(tmp_path), tmp_path, evaluation_only=True)
    assert evaluation.sample_ids("test") == dataset.sample_ids("test")


def test_missing_validation_folder_is_carved_from_train(tmp_path, image_project):
    write_classes(tmp_path / "train", per_class=6)
    write_classes(tmp_path / "test", per_class=2)

    dataset = ImageDataset.open(image_project(tmp_path), tmp_path)

    assert [dataset.split_size(s) for s in ("train", "validation", "test")] == [12, 6, 6]
    assert all(path.startswith("train/") for path in dataset.sample_ids("validation"))
    assert not set(dataset.sample_ids("train")) & set(dataset.sample_ids("validation"))
    assert any("carved 6 validation" in warning for warning in dataset.warnings)


def test_validation_folder_name_is_read_and_a_duplicate_is_an_error(tmp_path):
    write_classes(tmp_path / "Train", per_class=2, classes=["cat", "dog"])
    write_classes(tmp_path / "Validation", per_class=1, classes=["cat", "dog"])
    write_classes(tmp_path / "test", per_class=1, classes=["cat"])

    scan = scan_image_folder(tmp_path)

    assert scan.split_folders == {"train": "Train", "validation": "Validation", "test": "test"}
    assert scan.class_counts("validation") == {"cat": 1, "dog": 1}
    assert any("test/ has no images of class dog" in warning for warning in scan.warnings)
    write_classes(tmp_path / "val", per_class=1, classes=["cat"])
    with pytest.raises(DataError, match="both val/ and Validation/"):
        scan_image_folder(tmp_path)


def test_test_class_missing_from_train_is_an_error(tmp_path):
    write_classes(tmp_path / "train", per_class=2, classes=["cat", "dog"])
    write_classes(tmp_path / "test", per_class=2, classes=["cat", "cow"])

    with pytest.raises(DataError, match="test/ has classes with no training images: cow"):
        scan_image_folder(tmp_path)


def test_split_is_stratified_and_ids_match_targets(image_folder, image_project):
    dataset = load_dataset(image_project(image_folder))

    assert isinstance(dataset, ImageDataset)
    assert (dataset.task, dataset.class_names, dataset.has_targets) == (
        "classification", list(CLASSES), True)
    assert [dataset.split_size(s) for s in ("train", "validation", "test")] == [12, 6, 6]
    assert dataset.class_counts("validation") == {"circle": 2, "square": 2, "triangle": 2}
    ids, targets = dataset.sample_ids("test"), dataset.targets("test")
    assert targets.dtype == np.int32
    assert [CLASSES[t] for t in targets] == [path.split("/")[0] for path in ids]


def test_tf_dataset_streams_resized_pixels_and_labels(image_folder, image_project):
    dataset = ImageDataset.open(image_project(image_folder, image_size=[8, 12]), image_folder)

    inputs, labels = next(iter(dataset.tf_dataset("train", 5)))

    assert inputs["image"].shape == (5, 8, 12, 3) and inputs["image"].dtype.name == "float32"
    assert 0.0 <= float(np.min(inputs["image"])) and float(np.max(inputs["image"])) <= 255.0
    assert labels.dtype.name == "int32"
    assert labels.numpy().tolist() == dataset.targets("train")[:5].tolist()
    assert dataset.feature_shape() == (8, 12, 3)


def test_shuffle_is_seeded(image_folder, image_project):
    dataset = ImageDataset.open(image_project(image_folder), image_folder)

    def order(seed):
        return np.concatenate([y.numpy() for _, y in dataset.tf_dataset("train", 4, shuffle=True,
                                                                         seed=seed)])

    assert order(1).tolist() == order(1).tolist()
    assert sorted(order(1).tolist()) == sorted(dataset.targets("train").tolist())


def test_grayscale_gives_one_channel(image_folder, image_project):
    dataset = ImageDataset.open(image_project(image_folder, color_mode="grayscale"),
                                image_folder)

    inputs, _ = next(iter(dataset.tf_dataset("test", 2)))

    assert dataset.feature_shape() == (16, 16, 1)
    assert inputs["image"].shape == (2, 16, 16, 1)
    model_inputs, _ = dataset.build_inputs()
    assert tuple(model_inputs["image"].shape) == (None, None, None, 1)


def test_build_inputs_resize_rescale_and_augment_in_training_only(image_folder, image_project):
    import keras

    augmentation = AugmentationSpec(flip="horizontal", rotation=0.1, zoom=0.1, contrast=0.2,
                                    translation=0.1)
    project = image_project(image_folder, augmentation=augmentation)
    dataset = ImageDataset.open(project, image_folder)

    inputs, tensor = dataset.build_inputs()
    model = keras.Model(inputs, tensor)

    assert [layer.name for layer in model.layers[1:]] == [
        "resize", "rescale", "augment_flip", "augment_rotation", "augment_zoom",
        "augment_contrast", "augment_translation"]
    pixels = np.full((1, 32, 20, 3), 255.0, dtype=np.float32)
    output = model({"image": pixels}, training=False)
    assert output.shape == (1, 16, 16, 3) and np.allclose(output.numpy(), 1.0)


@pytest.mark.slow
def test_model_trains_on_the_stream_and_predicts_any_size(image_folder, image_project):
    import keras

    dataset = ImageDataset.open(image_project(image_folder, augmentation=AugmentationSpec(
        flip="horizontal")), image_folder)
    inputs, tensor = dataset.build_inputs()
    hidden = keras.layers.Conv2D(4, 3, activation="relu")(tensor)
    hidden = keras.layers.GlobalAveragePooling2D()(hidden)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    history = model.fit(dataset.tf_dataset("train", 4, shuffle=True, seed=1), epochs=1,
                        validation_data=dataset.tf_dataset("validation", 4), shuffle=False,
                        verbose=0)

    assert np.isfinite(history.history["loss"][0])
    big = np.asarray(Image.open(image_folder / "circle" / "0.png").resize((40, 30)), np.float32)
    prediction = model.predict({"image": big[None]}, verbose=0)
    assert prediction.shape == (1, 3) and np.isclose(prediction.sum(), 1.0, atol=1e-5)


def test_evaluation_only_flat_folder_has_no_targets(tmp_path, image_project):
    for number in range(3):
        write_image(tmp_path / f"{number}.png")
    project = image_project(tmp_path / "unused")

    dataset = load_dataset(project, path=tmp_path, class_names=list(CLASSES),
                           evaluation_only=True)

    assert not dataset.has_targets and dataset.class_names == list(CLASSES)
    assert dataset.split_size("test") == 3 and dataset.split_size("train") == 0
    assert dataset.sample_ids("test") == ["0.png", "1.png", "2.png"]
    batch = next(iter(dataset.tf_dataset("test", 8)))
    assert set(batch) == {"image"} and batch["image"].shape == (3, 16, 16, 3)
    with pytest.raises(DataError, match="no known classes"):
        dataset.targets("test")


def test_evaluation_only_uses_the_given_class_order(tmp_path, image_project):
    write_classes(tmp_path, per_class=2, classes=["square", "circle"])
    project = image_project(tmp_path)

    dataset = load_dataset(project, path=tmp_path, class_names=["square", "triangle", "circle"],
                           evaluation_only=True)

    assert dataset.split_size("test") == 4
    assert dataset.targets("test").tolist() == [2, 2, 0, 0]
    assert dataset.class_counts("test") == {"square": 2, "triangle": 0, "circle": 2}


def test_evaluation_class_folder_unknown_to_the_model_is_named(tmp_path, image_project):
    write_classes(tmp_path, per_class=1, classes=["circle", "hexagon"])

    with pytest.raises(DataError, match="'hexagon'.*not one of the model's classes"):
        load_dataset(image_project(tmp_path), path=tmp_path, class_names=list(CLASSES),
                     evaluation_only=True)


def test_summary_reports_counts_skips_and_warnings(image_folder, image_project):
    (image_folder / "circle" / "bad.png").write_bytes(b"not a png")
    dataset = ImageDataset.open(image_project(image_folder), image_folder)

    summary = json.loads(json.dumps(dataset.summary()))
    lines = "\n".join(dataset.summary_lines())

    assert summary["classes"] == [{"name": name, "count": 8} for name in CLASSES]
    assert summary["splits"]["train"] == {
        "size": 12, "class_counts": {"circle": 4, "square": 4, "triangle": 4}}
    assert summary["skipped"] == [{"path": "circle/bad.png",
                                   "reason": summary["skipped"][0]["reason"]}]
    assert (summary["image_size"], summary["channels"]) == ([16, 16], 3)
    assert "circle/bad.png: not an image" in lines
    assert "train 12 (4/4/4)" in lines


def test_example_shapes_folder_is_small_and_deterministic(tmp_path):
    spec = importlib.util.spec_from_file_location("make_image_example",
                                                  EXAMPLES / "make_image_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    first = module.make_shapes_folder(tmp_path / "a")
    second = module.make_shapes_folder(tmp_path / "b")

    scan = scan_image_folder(first)
    files = sorted(first.rglob("*.png"))
    assert scan.class_names == ["circle", "square", "triangle"] and not scan.skipped
    assert sum(path.stat().st_size for path in files) < 200_000
    assert all(path.read_bytes() == (second / path.relative_to(first)).read_bytes()
               for path in files)
    with Image.open(io.BytesIO(files[0].read_bytes())) as image:
        assert (image.size, image.mode) == ((32, 32), "RGB")


def test_a_cached_split_is_read_from_disk_once_and_still_reshuffled(image_folder, image_project):
    # the run loop asks for cache=True: later epochs take decoded pixels from memory
    dataset = ImageDataset.open(image_project(image_folder), image_folder)
    cached = dataset.tf_dataset("train", 4, shuffle=True, seed=1, cache=True)
    first = [labels.numpy().tolist() for _, labels in cached]
    for path in image_folder.rglob("*.png"):
        path.unlink()  # the files are gone: only the cache can feed the next epoch

    second = [labels.numpy().tolist() for _, labels in cached]

    assert sorted(sum(first, [])) == sorted(sum(second, [])) == sorted(
        dataset.targets("train").tolist())
    assert first != second  # shuffled anew each epoch, after the cache


def test_a_split_too_large_for_the_cache_is_read_from_disk_each_epoch(image_folder,
                                                                        image_project,
                                                                        monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr("dlstudio.core.data.images.CACHE_BYTES", 10)
    dataset = ImageDataset.open(image_project(image_folder), image_folder)
    streamed = dataset.tf_dataset("train", 4, cache=True)
    assert len(list(streamed)) == 3
    for path in image_folder.rglob("*.png"):
        path.unlink()

    with pytest.raises(tf.errors.NotFoundError):
        list(streamed)
