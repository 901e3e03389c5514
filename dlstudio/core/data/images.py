"""Image folders as a :class:`~dlstudio.core.data.base.Dataset`: streamed from disk with tf.data.

The folder is scanned first (:func:`scan_image_folder`: classes, predefined splits, bad files
skipped and named), then divided by the project's split unless the folder gives one. Images are
never loaded whole: each batch reads its files, decodes them by content, and resizes them to
``project.data.image_size``. The model takes raw pixels (0..255, any size) in its ``image``
input and resizes, rescales and (in training only) augments them itself, so an export works on
images as they come.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dlstudio.core.data.base import SPLITS, Dataset
from dlstudio.core.data.image_check import image_problem
from dlstudio.core.data.image_scan import (
    IMAGE_EXTENSIONS,
    ImageFile,
    ImageFolderScan,
    scan_image_folder,
)
from dlstudio.core.data.image_summary import image_summary, image_summary_lines
from dlstudio.core.data.splitting import split_indices
from dlstudio.core.errors import DataError

if TYPE_CHECKING:
    from dlstudio.core.project.project import AugmentationSpec, Project

__all__ = ["INPUT_NAME", "ImageDataset", "ImageFolderScan", "augmentation_layers",
           "scan_image_folder", "split_files"]

INPUT_NAME = "image"
CACHE_BYTES = 512 * 2**20
"""Largest split of decoded images that training keeps in memory (``tf_dataset(cache=True)``)."""


class ImageDataset(Dataset):
    """An image folder read through a project's data settings.

    Attributes:
        scan: What the folder scan found (files, skipped files, predefined split).
        root: The image folder.
    """

    kind = "images"
    task = "classification"

    def __init__(self, project: Project, scan: ImageFolderScan, class_names: list[str],
                 splits: dict[str, list[ImageFile]], warnings: list[str]) -> None:
        self.project = project
        self.task = image_task(project)
        self.scan = scan
        self.root = scan.root
        self.class_names = list(class_names)
        self.has_targets = bool(scan.class_names)
        self.warnings = warnings
        self._files = splits
        self._index = {name: i for i, name in enumerate(self.class_names)}

    @classmethod
    def open(cls, project: Project, source: Path, class_names: list[str] | None = None,
             evaluation_only: bool = False) -> ImageDataset:
        """Scan ``source`` and divide its images into the splits.

        Args:
            project: Its ``data`` (image size, colour mode, augmentation) and ``split``
                settings are used.
            source: The image folder.
            class_names: The class order (a trained model's); folder names sorted by default.
            evaluation_only: Put every image into ``test`` (only ``test/`` of a folder that
                gives the split); a folder of images without class folders is accepted, with
                no targets.

        Raises:
            DataError: The folder cannot be used, or a class folder is not among
                ``class_names``.
        """
        unlabeled = image_task(project) != "classification"  # learns from the images alone
        scan = scan_image_folder(source, evaluation_only=evaluation_only or unlabeled)
        names = _class_order(scan, class_names, evaluation_only)
        warnings = list(scan.warnings)
        if evaluation_only:
            splits = _evaluation_split(scan, warnings)
        else:
            splits = split_files(project, scan, warnings)
        return cls(project, scan, names, splits, warnings)

    @classmethod
    def of_files(cls, project: Project, paths: list[Path],
                 class_names: list[str] | None = None) -> ImageDataset:
        """The given image files, all in ``test`` and without targets (to predict them).

        Each file is checked as a folder scan checks it, and read the same way.

        Raises:
            DataError: A file is not a PNG, JPEG, BMP or GIF image that can be read.
        """
        files = []
        for path in paths:
            path = Path(path).resolve()
            reason = (None if path.name.lower().endswith(IMAGE_EXTENSIONS)
                      else "not a PNG, JPEG, BMP or GIF file") or image_problem(path)
            if reason:
                raise DataError(f"{path}: {reason}; choose a PNG, JPEG, BMP or GIF image")
            files.append(ImageFile(str(path), None))
        scan = ImageFolderScan(Path("/"), [], files)
        splits = {"train": [], "validation": [], "test": files}
        return cls(project, scan, list(class_names or []), splits, [])

    @property
    def channels(self) -> int:
        """Colour channels fed to the model: 1 for grayscale, 3 for RGB."""
        return 1 if self.project.data.color_mode == "grayscale" else 3

    @property
    def image_size(self) -> tuple[int, int]:
        """``(height, width)`` that images are resized to."""
        height, width = self.project.data.image_size
        return int(height), int(width)

    def split_size(self, split: str) -> int:
        """Return the number of images in ``split``."""
        return len(self._split(split))

    def feature_shape(self) -> tuple[int, int, int]:
        """Return ``(height, width, channels)``."""
        return (*self.image_size, self.channels)

    def build_inputs(self) -> tuple[dict[str, Any], Any]:
        """Return the ``image`` input (raw pixels, any size) and the tensor after preprocessing.

        Inside the model: ``Resizing`` to the image size (a no-op on training batches, which
        are already resized, but lets an export take any size), ``Rescaling`` to 0..1, then
        the project's augmentation layers, which Keras applies in training only.
        """
        import keras

        image = keras.Input(shape=(None, None, self.channels), dtype="float32", name=INPUT_NAME)
        tensor = keras.layers.Resizing(*self.image_size, name="resize", dtype="float32")(image)
        tensor = keras.layers.Rescaling(1.0 / 255.0, name="rescale", dtype="float32")(tensor)
        for layer in augmentation_layers(self.project.data.augmentation,
                                         self.project.training.seed):
            tensor = layer(tensor)
        return {INPUT_NAME: image}, tensor

    def tf_dataset(self, split: str, batch_size: int, *, shuffle: bool = False,
                   seed: int = 0, cache: bool = False) -> Any:
        """Return a batched, prefetched ``tf.data.Dataset`` of ``split`` read from disk.

        Elements are ``({"image": float32 (batch, height, width, channels) in 0..255},
        class index int32)``, or the inputs alone without targets. The file list is shuffled
        (seeded, anew each epoch) before any image is read. With ``cache``, a split whose
        decoded, resized images fit in :data:`CACHE_BYTES` is read from disk once: later
        epochs take the pixels from memory and shuffle them there (augmentation is inside the
        model, so every epoch still sees new variations).
        """
        import tensorflow as tf

        files = self._split(split)
        paths = tf.constant([str(self.root / f.path) for f in files], dtype=tf.string)
        if self.has_targets:
            elements = (paths, tf.constant(self.targets(split), dtype=tf.int32))
        else:
            elements = (paths,)
        dataset = tf.data.Dataset.from_tensor_slices(elements)
        load = self._loader()
        if cache and files and self.decoded_bytes(len(files)) <= CACHE_BYTES:
            dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE).cache()
            if shuffle:
                dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
            return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
        if shuffle and files:
            dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def decoded_bytes(self, count: int) -> int:
        """Return the memory ``count`` decoded, resized images take (float32 pixels)."""
        height, width = self.image_size
        return int(count) * int(height) * int(width) * self.channels * 4

    def _loader(self) -> Any:
        import tensorflow as tf

        size, grayscale = list(self.image_size), self.channels == 1

        def read(path: Any) -> Any:
            image = tf.io.decode_image(tf.io.read_file(path), channels=3,
                                       expand_animations=False)
            image = tf.ensure_shape(image, [None, None, 3])
            if grayscale:
                image = tf.image.rgb_to_grayscale(image)
            return tf.image.resize(image, size, method="bilinear")

        def load(path: Any, *target: Any) -> Any:
            inputs = {INPUT_NAME: read(path)}
            return (inputs, target[0]) if target else inputs

        return load

    def targets(self, split: str) -> np.ndarray:
        """Return the class indices (int32) of ``split``, in file order.

        Raises:
            DataError: The folder has no class folders, so there are no targets.
        """
        if not self.has_targets:
            raise DataError(f"{self.root} has no class folders, so its images have no known "
                            "classes; use a folder with one subfolder per class")
        return np.array([self._index[f.class_name] for f in self._split(split)], dtype=np.int32)

    def sample_ids(self, split: str) -> list[str]:
        """Return the image paths of ``split``, relative to the image folder."""
        return [f.path for f in self._split(split)]

    def class_counts(self, split: str) -> dict[str, int]:
        """Return the number of images per class in ``split``, in class order."""
        counts = dict.fromkeys(self.class_names, 0)
        for file in self._split(split):
            if file.class_name is not None:
                counts[file.class_name] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        """Return the folder, classes, split sizes and counts, skipped files and warnings."""
        return image_summary(self)

    def summary_lines(self) -> list[str]:
        """Return :meth:`summary` as text lines for ``dlstudio info``."""
        return image_summary_lines(self.summary())

    def _split(self, split: str) -> list[ImageFile]:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
        return self._files[split]


def augmentation_layers(spec: AugmentationSpec, seed: int) -> list[Any]:
    """Return the Keras layers for the random changes ``spec`` turns on (inputs in 0..1).

    Keras runs them in training only; at inference they pass images through unchanged.
    """
    import keras

    kept = {"dtype": "float32"}  # in float32 under any precision policy, as preprocessing is
    layers = []
    if spec.flip != "none":
        layers.append(keras.layers.RandomFlip(spec.flip, seed=seed, name="augment_flip",
                                              **kept))
    if spec.rotation > 0:
        layers.append(keras.layers.RandomRotation(spec.rotation, seed=seed + 1,
                                                  name="augment_rotation", **kept))
    if spec.zoom > 0:
        layers.append(keras.layers.RandomZoom(spec.zoom, seed=seed + 2, name="augment_zoom",
                                              **kept))
    if spec.contrast > 0:
        layers.append(keras.layers.RandomContrast(spec.contrast, value_range=(0.0, 1.0),
                                                  seed=seed + 3, name="augment_contrast",
                                                  **kept))
    if spec.translation > 0:
        layers.append(keras.layers.RandomTranslation(spec.translation, spec.translation,
                                                     seed=seed + 4, name="augment_translation",
                                                     **kept))
    return layers


def split_files(project: Project, scan: ImageFolderScan,
                warnings: list[str] | None = None) -> dict[str, list[ImageFile]]:
    """Divide a scan's images into the splits, as :class:`ImageDataset` does (no TensorFlow).

    A folder without a given split is divided by the project's fractions and seed. A folder
    with train/, val/ and test/ keeps them; a missing ``val`` or ``test`` is carved from train
    by the project's fractions and seed.

    Args:
        project: Its ``split`` settings are used.
        scan: A scan from :func:`scan_image_folder`.
        warnings: When given, sentences about carved or thinly stratified splits are added.
    """
    warnings = [] if warnings is None else warnings
    spec = project.split
    if not scan.predefined_split:
        return _divide(scan.files, (spec.train, spec.validation, spec.test), project, warnings)
    given = {split: [f for f in scan.files if f.split == split] for split in SPLITS}
    lacking = [split for split in SPLITS if split not in scan.split_folders]
    fractions = (spec.train, *(getattr(spec, split) if split in lacking else 0.0
                               for split in SPLITS[1:]))
    carved = _divide(given["train"], fractions, project, warnings)
    if lacking:
        warnings.append(f"the folder has no {' or '.join(lacking)} folder: carved "
                        f"{' and '.join(f'{len(carved[s])} {s}' for s in lacking)} images from "
                        "train by the project's split fractions and seed")
    return {split: carved[split] if split in lacking or split == "train" else given[split]
            for split in SPLITS}


def image_task(project: Project) -> str:
    """Return the task an image folder is read for: classification, unless the project's task
    learns from the inputs alone (``Task.needs_targets`` False: a folder without class
    folders, or with a single one, is then accepted and its classes are only labels)."""
    from dlstudio.core.tasks import get_task, task_names

    task = project.data.task
    if task in task_names() and not get_task(task).needs_targets:
        return task
    return "classification"


def _class_order(scan: ImageFolderScan, given: list[str] | None,
                 evaluation_only: bool) -> list[str]:
    """Return the class order: ``given`` (checked against the folders) or the folder names."""
    if given is None:
        return list(scan.class_names)
    unknown = [name for name in scan.class_names if name not in given]
    if unknown:
        raise DataError(f"class folder {', '.join(map(repr, unknown))} in {scan.root} is not "
                        f"one of the model's classes ({', '.join(given)}); rename or remove it")
    missing = [name for name in given if name not in scan.class_names]
    if missing and not evaluation_only:
        raise DataError(f"class {', '.join(map(repr, missing))} has no folder in {scan.root}; "
                        "add a folder of its images")
    return list(given)


def _evaluation_split(scan: ImageFolderScan, warnings: list[str]) -> dict[str, list[ImageFile]]:
    files = scan.files
    if scan.predefined_split:
        files = [f for f in files if f.split == "test"]
        warnings.append(f"the folder gives a split: only its {scan.split_folders.get('test')}/ "
                        "images are used")
        if not files:
            raise DataError(f"{scan.root} has no test/ folder to evaluate on; add one or point "
                            "at a folder of class subfolders")
    return {"train": [], "validation": [], "test": list(files)}


def _divide(files: list[ImageFile], fractions: tuple[float, float, float], project: Project,
            warnings: list[str]) -> dict[str, list[ImageFile]]:
    labels = [f.class_name for f in files]
    indices = split_indices(labels, fractions, project.split.seed,
                            stratified=project.split.stratified, warnings=warnings)
    return {split: [files[i] for i in indices[split]] for split in SPLITS}
