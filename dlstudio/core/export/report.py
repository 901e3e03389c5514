"""The comparison report of an export: how the reloaded export predicts, and what it costs.

Per export: the largest absolute difference from the trained model, the metric (accuracy or
R²) of both on the same validation samples, the size on disk and the CPU latency per sample
and per batch of 32, measured in the fresh checking process.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from dlstudio.core.evaluation.metrics import class_probabilities, regression_report


@dataclass
class ExportReport:
    """One export compared with the trained model.

    Attributes:
        format: ``savedmodel``, ``keras``, ``onnx`` or ``litert``.
        quantize: ``float32``, ``float16``, ``dynamic`` or ``int8``.
        samples: Samples compared; ``split`` the split they came from.
        max_abs_diff: Largest absolute difference between the two outputs.
        metric: ``accuracy`` or ``r2``.
        metric_model: The trained model's metric on the samples.
        metric_export: The export's metric on the same samples.
        size_bytes: The export's size on disk (the model file or folder).
        sample_ms: Median CPU latency for one sample.
        batch_ms: Median CPU latency for a batch of 32.
        tolerance: ``(atol, rtol)`` the export had to meet; ``None`` for quantized formats.
    """

    format: str
    quantize: str
    samples: int
    split: str
    max_abs_diff: float
    metric: str
    metric_model: float | None
    metric_export: float | None
    size_bytes: int
    sample_ms: float
    batch_ms: float
    tolerance: tuple[float, float] | None

    @property
    def metric_lost(self) -> float | None:
        """How much the metric dropped in the export (negative: it rose)."""
        if self.metric_model is None or self.metric_export is None:
            return None
        return self.metric_model - self.metric_export

    def as_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready values."""
        return {**asdict(self), "metric_lost": self.metric_lost}

    def rows(self) -> list[tuple[str, str]]:
        """Return the report as (what, value) rows, for the terminal's table and the GUI's."""
        name = self.format if self.quantize == "float32" else f"{self.format} {self.quantize}"
        label = {"accuracy": "accuracy", "r2": "R²"}.get(self.metric, self.metric)
        rows = [
            ("format", name),
            ("compared on", f"{self.samples} {self.split} samples"),
            ("max |export - model|", f"{self.max_abs_diff:.3g}" + _allowed(self.tolerance)),
            (f"{label}: model → export", f"{_metric(self.metric_model)} → "
                                         f"{_metric(self.metric_export)}{self._lost()}"),
            ("size on disk", _size(self.size_bytes)),
            ("CPU latency", f"{self.sample_ms:.3g} ms per sample, {self.batch_ms:.3g} ms per "
                            "batch of 32"),
        ]
        return rows

    def table_lines(self) -> list[str]:
        """Return the report as a small table for the terminal."""
        rows = self.rows()
        width = max(len(key) for key, _ in rows)
        return [f"  {key.ljust(width)}  {value}" for key, value in rows]

    def _lost(self) -> str:
        lost = self.metric_lost
        if lost is None or self.quantize == "float32":
            return ""
        return f" (lost {lost:.3g})" if lost > 0 else " (nothing lost)"


def _allowed(tolerance: tuple[float, float] | None) -> str:
    if tolerance is None:
        return " (quantized: no tolerance, see the metric)"
    return f" (allowed {tolerance[0]:g} + {tolerance[1]:g} × |output|)"


def _metric(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


def metric(task: str, class_count: int, outputs: np.ndarray, targets: Any
           ) -> tuple[str, float | None]:
    """Return the metric name and its value: accuracy for classification, the mean
    reconstruction error for a task that learns from its inputs (an autoencoder; a GAN's
    generator: the mean of what it outputs, its pixels), the mean
    absolute error for several values per sample (a forecast's steps), else R²."""
    from dlstudio.core.tasks import get_task

    if not get_task(task).needs_targets:
        values = np.asarray(outputs, dtype=np.float64).reshape(-1)
        name = "mean error" if get_task(task).compared_output else "mean output value"
        return name, float(values.mean()) if values.size else None
    if targets is None or not len(outputs):
        return ("accuracy" if task == "classification" else "r2"), None
    several = np.asarray(targets).reshape(len(outputs), -1)
    if task != "classification" and several.shape[1] > 1:
        values = np.asarray(outputs, dtype=np.float64).reshape(several.shape)
        return "mae", float(np.mean(np.abs(values - several.astype(np.float64))))
    targets = np.asarray(targets).reshape(-1)
    if task == "classification":
        predicted = class_probabilities(outputs, class_count).argmax(axis=1)
        return "accuracy", float(np.mean(predicted == targets.astype(np.int64)))
    values = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)[:, 0]
    return "r2", regression_report(targets.astype(np.float64), values)["r2"]
