"""Preprocessing that lives inside a table model, fitted on the training split only.

Fitting is done here with NumPy on the training rows — medians, means and variances, category
vocabularies, text vocabularies and IDF weights — and handed to the Keras layers as fixed
values, so the preprocessed width is known before any layer exists and the model takes raw
column values:

- numeric columns: missing values replaced by the training median (:class:`ImputeMissing`), then
  robust scaling (``Normalization`` by the median and the interquartile spread) and a smooth
  clip of outliers into (-3, 3) (:class:`SmoothClip`, as in RealMLP); a missing-indicator
  feature per column that had gaps in training;
- categorical columns: ``StringLookup`` one-hot (unseen values share one slot), or an
  ``Embedding`` when there are more than :data:`EMBEDDING_ABOVE` categories;
- text columns: ``TextVectorization`` as TF-IDF, or token ids in ``sequence`` mode.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlstudio.core.errors import DataError

FLOAT32 = "float32"
"""Preprocessing computes in float32 whatever the precision policy: in float16, values above
65504 become infinite and the model's outputs NaN (the first layer of the stack casts)."""
EMBEDDING_ABOVE = 32
"""Categorical columns with more categories than this get an embedding instead of one-hot."""
MAX_EMBEDDING_DIM = 16
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def input_name(column: str) -> str:
    """Return the model input name of ``column``: only ``[A-Za-z0-9_]``, starting with a letter.

    ``"Monthly charges (€)"`` becomes ``"Monthly_charges____"``; ``"2nd"`` becomes ``"c_2nd"``.
    """
    name = _UNSAFE.sub("_", column)
    return name if name[:1].isalpha() else f"c_{name}"


def input_names(columns: list[str]) -> dict[str, str]:
    """Return each column's input name, with ``_2``, ``_3``… added where two would clash."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        base = candidate = input_name(column)
        count = 1
        while candidate.lower() in taken:
            count += 1
            candidate = f"{base}_{count}"
        taken.add(candidate.lower())
        names[column] = candidate
    return names


def tokenize(text: str) -> list[str]:
    """Split text into words the way ``TextVectorization``'s defaults do (ASCII lowercasing,
    punctuation stripped, whitespace split)."""
    lowered = text.encode("utf-8").lower().decode("utf-8")
    return _PUNCTUATION.sub("", lowered).split()


@dataclass
class NumericPlan:
    """All numeric columns, imputed, scaled and clipped together.

    Attributes:
        inputs: Input names, in feature order.
        medians: Training medians that replace missing values; also the centres of scaling.
        means: The centre subtracted before scaling (the training median).
        variances: The squared spread divided by: the interquartile range over 1.349 (the
            standard deviation of a normal distribution), the standard deviation where that
            range is 0, and 1 where a column is constant.
        indicators: Positions (in ``inputs``) of columns that had missing values in training.
        clip: The bound of the smooth clip of scaled values (0 = no clip).
    """

    inputs: list[str]
    medians: list[float]
    means: list[float]
    variances: list[float]
    indicators: list[int]
    clip: float = 3.0

    @property
    def width(self) -> int:
        """Preprocessed features: one per column plus one per missing indicator."""
        return len(self.inputs) + len(self.indicators)

    def build(self, inputs: dict[str, Any]) -> list[Any]:
        """Return the normalized values and, when any, the missing indicators."""
        import keras

        from dlstudio.core.model.layers import ImputeMissing, MissingIndicator, SmoothClip

        raw = [inputs[name] for name in self.inputs]
        values = raw[0] if len(raw) == 1 else keras.layers.Concatenate(
            name="numeric_values", dtype=FLOAT32)(raw)
        filled = ImputeMissing(self.medians, name="impute_numeric", dtype=FLOAT32)(values)
        scaled = keras.layers.Normalization(mean=self.means, variance=self.variances,
                                            name="normalize_numeric", dtype=FLOAT32)(filled)
        if self.clip:
            scaled = SmoothClip(self.clip, name="clip_numeric", dtype=FLOAT32)(scaled)
        parts = [scaled]
        if self.indicators:
            parts.append(MissingIndicator(self.indicators, name="missing_numeric",
                                          dtype=FLOAT32)(values))
        return parts


@dataclass
class CategoryPlan:
    """One categorical column: its vocabulary (``""`` stands for missing).

    Attributes:
        input: The input name.
        vocabulary: Categories seen in training, sorted; unseen values map to one extra slot.
    """

    input: str
    vocabulary: list[str]

    @property
    def embedding_dim(self) -> int | None:
        """Embedding size for many categories; ``None`` means one-hot."""
        size = len(self.vocabulary) + 1
        if len(self.vocabulary) <= EMBEDDING_ABOVE:
            return None
        return min(MAX_EMBEDDING_DIM, max(4, round(math.sqrt(size))))

    @property
    def width(self) -> int:
        """One-hot slots (categories plus the unseen slot) or the embedding size."""
        return self.embedding_dim or len(self.vocabulary) + 1

    def build(self, tensor: Any) -> Any:
        """Return the one-hot or embedded column."""
        import keras

        mode = "int" if self.embedding_dim else "one_hot"
        lookup = keras.layers.StringLookup(vocabulary=self.vocabulary, output_mode=mode,
                                           name=f"lookup_{self.input}")(tensor)
        if not self.embedding_dim:
            return lookup
        embedded = keras.layers.Embedding(len(self.vocabulary) + 1, self.embedding_dim,
                                          name=f"embed_{self.input}", dtype=FLOAT32)(lookup)
        return keras.layers.Flatten(name=f"flatten_{self.input}", dtype=FLOAT32)(embedded)


@dataclass
class TextPlan:
    """One text column: its vocabulary, and IDF weights (TF-IDF) or a length (sequence).

    Attributes:
        input: The input name.
        vocabulary: The most frequent training words, most frequent first.
        idf_weights: Inverse document frequency per word (TF-IDF mode), else ``None``.
        sequence_length: Token ids kept per text (sequence mode), else ``None``.
        column: The CSV column (the name of its input group in sequence mode).
    """

    input: str
    vocabulary: list[str]
    idf_weights: list[float] | None = None
    sequence_length: int | None = None
    column: str = ""

    @property
    def width(self) -> int:
        """The sequence length, or one TF-IDF weight per word plus one for unknown words."""
        return self.sequence_length or len(self.vocabulary) + 1

    @property
    def vocabulary_size(self) -> int:
        """Token ids in use, including padding (0) and unknown (1) in sequence mode."""
        return len(self.vocabulary) + (2 if self.sequence_length else 1)

    def build(self, tensor: Any) -> Any:
        """Return the TF-IDF vector or the padded token ids."""
        import keras

        if self.sequence_length:
            layer = keras.layers.TextVectorization(
                vocabulary=self.vocabulary, output_mode="int",
                output_sequence_length=self.sequence_length, name=f"vectorize_{self.input}")
            return layer(tensor)
        layer = keras.layers.TextVectorization(
            vocabulary=self.vocabulary, idf_weights=self.idf_weights, output_mode="tf_idf",
            name=f"vectorize_{self.input}")
        # TextVectorization reports (batch, 1, width) for (batch, 1) text but returns
        # (batch, width); the reshape makes the declared shape match.
        return keras.layers.Reshape((self.width,), name=f"tfidf_{self.input}",
                                    dtype=FLOAT32)(layer(tensor))


@dataclass
class Preprocessing:
    """Every feature's preprocessing, in the order their outputs are concatenated."""

    numeric: NumericPlan | None = None
    categories: list[CategoryPlan] = field(default_factory=list)
    texts: list[TextPlan] = field(default_factory=list)

    @property
    def width(self) -> int:
        """Length of the preprocessed feature vector."""
        parts = [self.numeric] if self.numeric else []
        return sum(plan.width for plan in [*parts, *self.categories, *self.texts])

    def build(self, inputs: dict[str, Any]) -> Any:
        """Return the preprocessed tensor fed to the first layer of the stack."""
        import keras

        parts = self.numeric.build(inputs) if self.numeric else []
        parts += [plan.build(inputs[plan.input]) for plan in [*self.categories, *self.texts]]
        return parts[0] if len(parts) == 1 else keras.layers.Concatenate(
            name="features", dtype=FLOAT32)(parts)

    def _sequences(self) -> list[TextPlan]:
        return [plan for plan in self.texts if plan.sequence_length]

    def group_widths(self) -> dict[str, int]:
        """Return the input groups and their widths: ``table`` (numbers, categories and TF-IDF
        text as one vector), then each text column read as token ids, named after it.

        Raises:
            DataError: A text column read as token ids is called ``table``.
        """
        sequences = self._sequences()
        vector = [*([self.numeric] if self.numeric else []), *self.categories,
                  *(plan for plan in self.texts if not plan.sequence_length)]
        widths = {TABLE_GROUP: sum(plan.width for plan in vector)} if vector else {}
        for plan in sequences:
            if plan.column == TABLE_GROUP:
                raise DataError(f"the text column '{TABLE_GROUP}' has the name of the input group "
                                "of the other columns; rename the column in the CSV file")
            widths[plan.column] = plan.width
        return widths

    def build_groups(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Return the preprocessed tensor of each input group (see :meth:`group_widths`)."""
        import keras

        self.group_widths()  # refuses a clash of names
        parts = self.numeric.build(inputs) if self.numeric else []
        vectors = [plan for plan in self.texts if not plan.sequence_length]
        parts += [plan.build(inputs[plan.input]) for plan in [*self.categories, *vectors]]
        groups = {}
        if parts:
            groups[TABLE_GROUP] = parts[0] if len(parts) == 1 else keras.layers.Concatenate(
                name="features")(parts)
        for plan in self._sequences():
            groups[plan.column] = plan.build(inputs[plan.input])
        return groups


TABLE_GROUP = "table"
"""The input group of a table's numeric, categorical and TF-IDF text columns (one vector)."""


def fit_numeric(inputs: list[str], columns: list[np.ndarray]) -> NumericPlan:
    """Fit imputation and robust scaling on the training values (float, NaN for missing)."""
    medians, means, variances, indicators = [], [], [], []
    for position, values in enumerate(columns):
        missing = np.isnan(values)
        median = float(np.median(values[~missing])) if (~missing).any() else 0.0
        filled = np.where(missing, median, values).astype(np.float64)
        spread = 0.0
        if len(filled):
            upper, lower = np.percentile(filled, [75, 25])
            spread = float(upper - lower) / 1.349 or float(np.std(filled))
        medians.append(median)
        means.append(median)
        variances.append(spread ** 2 if spread > 0 else 1.0)
        if missing.any():
            indicators.append(position)
    return NumericPlan(list(inputs), medians, means, variances, indicators)


SKEWED_TARGET = 1.0
"""A non-negative regression target more skewed than this is learned as ``log1p(target)`` when
that at least halves the skew (prices, counts); see :func:`fit_target_scaling`."""


def skewness(values: np.ndarray) -> float:
    """Return the sample skewness (0 for fewer than 3 values or a constant)."""
    values = np.asarray(values, dtype=np.float64)
    spread = float(np.std(values)) if len(values) > 2 else 0.0
    return float(np.mean(((values - values.mean()) / spread) ** 3)) if spread > 0 else 0.0


def fit_target_scaling(targets: np.ndarray) -> tuple[float, float, str]:
    """Return ``(offset, scale, transform)`` that standardize a regression target.

    ``transform`` is ``log1p`` for a heavy-tailed target with no negative value (its skewness
    is above :data:`SKEWED_TARGET` and ``log1p`` at least halves it), else ``none``; offset and
    scale are the mean and standard deviation of the transformed training targets.
    """
    values = np.asarray(targets, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    transform = "none"
    if values.size > 2 and values.min() >= 0:
        skew = skewness(values)
        if skew > SKEWED_TARGET and abs(skewness(np.log1p(values))) <= skew / 2:
            transform = "log1p"
    learned = np.log1p(values) if transform == "log1p" else values
    offset = float(np.mean(learned)) if learned.size else 0.0
    spread = float(np.std(learned)) if learned.size else 0.0
    return offset, spread if spread > 0 else 1.0, transform


def fit_category(name: str, values: np.ndarray) -> CategoryPlan:
    """Collect the training categories of a column (strings, ``""`` for missing)."""
    return CategoryPlan(name, sorted({str(value) for value in values}))


def fit_text(name: str, column: str, values: np.ndarray, max_tokens: int,
             sequence_length: int | None = None) -> TextPlan:
    """Collect the training vocabulary (and IDF weights unless in sequence mode).

    Raises:
        DataError: No words in the training split.
    """
    documents = [tokenize(str(value)) for value in values]
    counts = Counter(token for words in documents for token in words)
    if not counts:
        raise DataError(f"text column '{column}' has no words in the training split; set its "
                        "kind to categorical or its role to ignored")
    reserved = 2 if sequence_length else 1
    ranked = sorted(counts, key=lambda token: (-counts[token], token))
    vocabulary = ranked[: max(1, max_tokens - reserved)]
    if sequence_length:
        return TextPlan(name, vocabulary, sequence_length=sequence_length, column=column)
    frequency = Counter(token for words in documents for token in set(words))
    idf = [math.log(1 + len(documents) / (1 + frequency[token])) for token in vocabulary]
    return TextPlan(name, vocabulary, idf_weights=idf, column=column)
