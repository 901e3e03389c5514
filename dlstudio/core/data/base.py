"""The interface every data source offers to the builder, training, evaluation and export."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from dlstudio.core.project.project import ColumnSpec

SPLITS = ("train", "validation", "test")


class Dataset(ABC):
    """A data source read through a project's settings, split and ready for Keras.

    Attributes:
        kind: ``csv`` or ``images``.
        task: ``classification`` or ``regression`` (never ``auto``: resolved on load).
        class_names: Class labels in model output order (empty for regression).
        has_targets: Whether targets were found (False only for prediction data).
        warnings: Things the user should know that did not stop loading (Latin-1 fallback,
            skipped files, dropped rows), one sentence each.
        columns: Every CSV column's role and kind as read (empty for image folders).
    """

    columns: list[ColumnSpec] = []
    kind: str
    task: str
    class_names: list[str]
    has_targets: bool
    warnings: list[str]

    @abstractmethod
    def split_size(self, split: str) -> int:
        """Return the number of samples in ``split`` (one of :data:`SPLITS`)."""

    @abstractmethod
    def feature_shape(self) -> tuple[int | None, ...]:
        """Return the shape of one preprocessed sample, without the batch axis.

        This is the input shape of the user's first layer: ``(width,)`` for a table in TF-IDF
        mode, ``(sequence_length,)`` of token ids in sequence mode, ``(height, width,
        channels)`` for images. Cheap: it needs no adaptation.
        """

    @abstractmethod
    def build_inputs(self) -> tuple[dict[str, Any], Any]:
        """Return the model's raw inputs and the preprocessed tensor fed to the first layer.

        The inputs (``keras.Input``, keyed by input name) take raw values: a table's columns as
        they come in the file (strings stay strings, missing numbers are NaN), or images as
        decoded pixels (any size for exports; resized inside). Preprocessing (normalization,
        lookup, imputation, rescaling, augmentation in training only) is adapted on the
        training split only.
        """

    def input_shapes(self) -> dict[str, tuple[int | None, ...]]:
        """Return each input group's preprocessed shape (the inputs a model may give stacks of
        their own, ``model.inputs``), in the order the builder joins them.

        One group, ``features`` (:meth:`feature_shape`), unless the source has more kinds of
        input: a table's are ``table`` (numbers and categories as one vector) and each text
        column read as token ids.
        """
        return {"features": tuple(self.feature_shape())}

    def build_input_groups(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return the model's raw inputs (as :meth:`build_inputs`) and the preprocessed tensor
        of each input group (:meth:`input_shapes`)."""
        inputs, preprocessed = self.build_inputs()
        return inputs, {"features": preprocessed}

    @abstractmethod
    def tf_dataset(self, split: str, batch_size: int, *, shuffle: bool = False,
                   seed: int = 0, cache: bool = False) -> Any:
        """Return a batched, prefetched ``tf.data.Dataset`` of ``split``.

        Elements are ``(inputs, target)`` — ``inputs`` a dict keyed like :meth:`build_inputs`,
        ``target`` the class index (int32) or the value (float32) — or ``inputs`` alone when
        :attr:`has_targets` is False. Shuffling is seeded and reshuffles each epoch.
        ``cache`` keeps what was read and decoded in memory after the first pass, where that
        is worth it and fits (image folders; a table is in memory already).
        """

    def with_validation_in_training(self) -> Dataset | None:
        """Return this data with the validation rows moved into the training split (the
        validation split then empty, the test split unchanged, preprocessing fitted afresh on
        the joined rows), for a refit on every row that is not for testing; ``None`` when the
        source cannot join them (this one is not changed either way)."""
        return None

    @abstractmethod
    def targets(self, split: str) -> Any:
        """Return ``split``'s targets as a NumPy array, in :meth:`tf_dataset` order unshuffled."""

    @abstractmethod
    def sample_ids(self, split: str) -> list[str]:
        """Return a name per sample of ``split`` for reports: ``row 17`` or an image's path."""

    @abstractmethod
    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready description: source, task, classes, columns or image counts,
        split sizes and class counts per split, skipped items and warnings."""

    @abstractmethod
    def summary_lines(self) -> list[str]:
        """Return :meth:`summary` as text lines for ``dlstudio info``."""
