"""The reload check of an export: the tolerance and the comparison.

An export must predict what the trained model predicts on the validation samples within
``|export - model| <= atol + rtol * |model|`` (:data:`CHECK_ATOL` and :data:`CHECK_RTOL` by
default; a format may allow more), computed on the CPU (:func:`on_cpu`); otherwise
:class:`ExportCheckError` is raised and the export is not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CHECK_ATOL = 1e-5
CHECK_RTOL = 1e-5


class ExportCheckError(RuntimeError):
    """A reloaded export does not predict what the trained model predicts."""


@dataclass
class ExportCheck:
    """How the reloaded export compared with the trained model.

    Attributes:
        samples: Samples compared.
        split: The split they came from (``validation``, else ``test`` or ``train``).
        max_abs_diff: Largest absolute difference between the two predictions.
        atol: Absolute tolerance.
        rtol: Tolerance relative to the trained model's output.
        passed: Whether every output was within ``atol + rtol * |expected|``.
    """

    samples: int
    split: str
    max_abs_diff: float
    atol: float = CHECK_ATOL
    rtol: float = CHECK_RTOL
    passed: bool = True
    quantized: bool = False

    def describe(self) -> str:
        """Return the check as one sentence."""
        allowed = "quantized: judged by the metric it lost" if self.quantized else \
            f"allowed {self.atol:g} + {self.rtol:g} × |output|"
        return (f"reloaded in a fresh process and compared with the trained model on "
                f"{self.samples} {self.split} samples: largest difference "
                f"{self.max_abs_diff:.3g} ({allowed})")


def on_cpu() -> Any:
    """Return a context that runs TensorFlow on the CPU, for the export check.

    On the CPU, float32 results of two code paths (eager Keras, the SavedModel's graph) agree to
    about 1e-7; on GPUs, TF32 matrix products may differ by about 1e-3 between any two paths,
    which says nothing about the export being right.
    """
    import tensorflow as tf

    return tf.device("/CPU:0")


def compare(expected: np.ndarray, actual: np.ndarray, split: str) -> ExportCheck:
    """Compare two prediction arrays within the export tolerance (NaN equals NaN)."""
    expected = np.asarray(expected, dtype=np.float64).reshape(len(expected), -1)
    actual = np.asarray(actual, dtype=np.float64).reshape(len(actual), -1)
    if expected.shape != actual.shape:
        return ExportCheck(len(expected), split, float("inf"), passed=False)
    both_nan = np.isnan(expected) & np.isnan(actual)
    difference = np.where(both_nan, 0.0, np.abs(expected - actual))
    difference = np.nan_to_num(difference, nan=np.inf)
    allowed = CHECK_ATOL + CHECK_RTOL * np.nan_to_num(np.abs(expected))
    passed = bool(np.all(difference <= allowed))
    largest = float(difference.max()) if difference.size else 0.0
    return ExportCheck(len(expected), split, largest, passed=passed)


def as_array(outputs: Any, name: str | None = None) -> np.ndarray:
    """Return a model's outputs as one array: the only one, or the named output ``name`` of a
    model with several (an autoencoder's ``score``)."""
    if isinstance(outputs, dict):
        (outputs,) = [outputs[name]] if name in outputs else outputs.values()
    return np.asarray(outputs)


def require_passed(check: ExportCheck) -> None:
    """Raise :class:`ExportCheckError` unless ``check`` passed; the message gives the numbers."""
    if not check.passed:
        raise ExportCheckError(
            f"the export does not predict what the trained model predicts: on "
            f"{check.samples} {check.split} samples the largest difference is "
            f"{check.max_abs_diff:.3g}, allowed {check.atol:g} + {check.rtol:g} × |output|; "
            "the export was not kept. Please report this with the run folder")
