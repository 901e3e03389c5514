"""The cost sheet: what a model will cost to train, read from shape inference alone.

Parameters, multiply-adds per sample, the memory for weights, gradients, optimizer state and
activations at a batch size, and the largest batch size that fits the device's memory — all
computed from the rows of :func:`dlstudio.core.model.shapes.inspect_stack`, so nothing is
built and nothing is imported from Keras here (the GUI shows it under the layer stack).

The figures are estimates: multiply-adds count the layers that carry weights (Dense,
convolutions, recurrent gates, attention), memory counts float32 weights and gradients, the
optimizer's slots and every row's output kept for the backward pass.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Rows whose weights are looked up or scale each value: about no multiply-adds.
_NO_MACS = ("Embedding", "PositionalEmbedding", "BatchNormalization", "LayerNormalization",
            "GroupNormalization", "UnitNormalization", "PReLU")
_RECURRENT = ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional")
# Bias vectors per unit of a recurrent layer (Keras' GRU keeps two per gate).
_RECURRENT_BIASES = {"LSTM": 4, "GRU": 6, "SimpleRNN": 1}
_ATTENTION = ("Attention", "Transformer")
# Slots per trainable weight each optimizer keeps (SGD and RMSprop: one more with momentum).
_SLOTS = {"adam": 2, "adamw": 2, "nadam": 2, "adamax": 2, "adagrad": 1, "rmsprop": 1,
          "sgd": 0, "lion": 1, "none": 0}
# Share of the device memory a training may count on (the rest: framework, data, fragments).
USABLE_SHARE = 0.8
BACKWARD_FACTOR = 2.0
EPOCH_TIME_TEXT = ("epoch time: measured when training starts (dlstudio info --probe times a "
                   "few steps)")


@dataclass
class CostSheet:
    """What a model costs, per sample and at one batch size.

    Attributes:
        total_params: Every weight.
        trainable_params: Weights the optimizer updates.
        macs_per_sample: Approximate multiply-adds of one forward pass of one sample.
        activation_values: Values every row outputs for one sample (the input included).
        batch_size: The batch size the memory figures are for.
        optimizer_slots: Optimizer state per trainable weight (Adam: 2, SGD with momentum: 1).
        bytes_per_activation: 4 (float32) or 2 (mixed precision).
        device: The device the memory is compared to, in words.
        device_bytes: That device's memory (``None`` when unknown).
        notes: What the estimate leaves out (a Backbone's multiply-adds).
        train_rows: Rows of the training split, when known (a batch larger than it is said
            to fit the whole split).
        epoch_seconds: An epoch's time from a short probe
            (:func:`dlstudio.core.training.epoch_probe.probe_epoch_seconds`), or ``None``.
    """

    total_params: int
    trainable_params: int
    macs_per_sample: int
    activation_values: int
    batch_size: int
    optimizer_slots: int
    bytes_per_activation: int = 4
    device: str = "CPU"
    device_bytes: int | None = None
    notes: list[str] = field(default_factory=list)
    epoch_seconds: float | None = None
    train_rows: int | None = None

    @property
    def frozen_params(self) -> int:
        """Weights that do not train."""
        return self.total_params - self.trainable_params

    @property
    def weight_bytes(self) -> int:
        """The weights (float32, also under mixed precision, which keeps float32 variables)."""
        return 4 * self.total_params

    @property
    def gradient_bytes(self) -> int:
        """One float32 gradient per trainable weight."""
        return 4 * self.trainable_params

    @property
    def optimizer_bytes(self) -> int:
        """The optimizer's slots (Adam's two moments)."""
        return 4 * self.optimizer_slots * self.trainable_params

    @property
    def fixed_bytes(self) -> int:
        """Memory that does not grow with the batch: weights, gradients, optimizer state."""
        return self.weight_bytes + self.gradient_bytes + self.optimizer_bytes

    @property
    def activation_bytes_per_sample(self) -> int:
        """Outputs kept for one sample, about twice over for the backward pass."""
        return int(self.activation_values * self.bytes_per_activation * BACKWARD_FACTOR)

    def activation_bytes(self, batch_size: int | None = None) -> int:
        """Activations at ``batch_size`` (default: the sheet's)."""
        return self.activation_bytes_per_sample * (batch_size or self.batch_size)

    def training_bytes(self, batch_size: int | None = None) -> int:
        """Everything a training step holds at ``batch_size`` (default: the sheet's)."""
        return self.fixed_bytes + self.activation_bytes(batch_size)

    @property
    def largest_batch(self) -> int | None:
        """The largest batch size whose training fits :data:`USABLE_SHARE` of the device's
        memory (0: not even the weights fit; ``None``: the memory is unknown)."""
        return largest_batch(self.fixed_bytes, self.activation_bytes_per_sample,
                             self.device_bytes)

    def lines(self) -> list[str]:
        """The sheet as lines of text, as ``dlstudio info`` prints it."""
        batch = self.largest_batch
        fits = ("unknown (device memory unknown)" if batch is None else
                f"~{batch:,} ({self.device}, {human_bytes(self.device_bytes)})")
        if batch is not None and self.train_rows and batch >= self.train_rows:
            fits += f": the whole training split ({self.train_rows:,} rows) fits in one batch"
        lines = [
            f"Cost: {self.total_params:,} parameters ({self.trainable_params:,} trainable, "
            f"{self.frozen_params:,} frozen)",
            f"  ≈ {human_count(self.macs_per_sample)} multiply-adds per sample (approximately)",
            f"  memory at batch {self.batch_size}: weights {human_bytes(self.weight_bytes)}, "
            f"gradients {human_bytes(self.gradient_bytes)}, optimizer state "
            f"{human_bytes(self.optimizer_bytes)}, activations "
            f"{human_bytes(self.activation_bytes())} = {human_bytes(self.training_bytes())}",
            f"  largest batch that fits: {fits}",
            f"  {EPOCH_TIME_TEXT}" if self.epoch_seconds is None else
            f"  epoch time: about {human_seconds(self.epoch_seconds)} (from a probe of a few "
            "steps)",
        ]
        return lines + [f"  note: {note}" for note in self.notes]

    def short_line(self) -> str:
        """One line for under the layer stack."""
        batch = self.largest_batch
        fits = "" if batch is None else f" · batch up to ~{batch:,} fits"
        return (f"≈ {human_count(self.macs_per_sample)} multiply-adds per sample · "
                f"{human_bytes(self.training_bytes())} to train at batch {self.batch_size}{fits}")

    def to_json(self) -> dict[str, Any]:
        """The sheet as ``info --json`` prints it under ``cost``."""
        return {
            "total_params": self.total_params, "trainable_params": self.trainable_params,
            "frozen_params": self.frozen_params, "macs_per_sample": self.macs_per_sample,
            "batch_size": self.batch_size, "weight_bytes": self.weight_bytes,
            "gradient_bytes": self.gradient_bytes, "optimizer_bytes": self.optimizer_bytes,
            "activation_bytes": self.activation_bytes(), "training_bytes": self.training_bytes(),
            "device": self.device, "device_bytes": self.device_bytes,
            "largest_batch": self.largest_batch, "epoch_seconds": self.epoch_seconds,
            "notes": self.notes, "train_rows": self.train_rows,
        }


def cost_sheet(report: Any, training: Any, device: tuple[str, int | None] | None = None,
               train_rows: int | None = None) -> CostSheet:
    """Compute the cost sheet of a stack report.

    Args:
        report: A :class:`~dlstudio.core.model.shapes.StackReport`.
        training: The project's training settings (batch size, optimizer, momentum, mixed
            precision, device).
        device: The device's name and memory in bytes; default: :func:`device_memory` of
            ``training.device``.
        train_rows: Rows of the training split, when known.

    Returns:
        The sheet.
    """
    name, memory = device if device is not None else device_memory(training.device)
    macs, notes = model_macs(report.every_row)
    return CostSheet(
        total_params=int(report.total_params), trainable_params=int(report.trainable_params),
        macs_per_sample=macs, activation_values=activation_values(report.every_row),
        batch_size=int(training.batch_size),
        optimizer_slots=optimizer_slots(training.optimizer, getattr(training, "momentum", 0.0)),
        bytes_per_activation=2 if getattr(training, "mixed_precision", False) else 4,
        device=name, device_bytes=memory, notes=notes, train_rows=train_rows)


def optimizer_slots(optimizer: str, momentum: float = 0.0) -> int:
    """Return the optimizer's state per trainable weight: Adam and AdamW 2, SGD with
    momentum 1, SGD without 0, RMSprop 1 (2 with momentum)."""
    slots = _SLOTS.get(optimizer.lower(), 2)
    if optimizer.lower() in ("sgd", "rmsprop") and momentum > 0:
        slots += 1
    return slots


def largest_batch(fixed_bytes: int, per_sample_bytes: int, device_bytes: int | None) -> int | None:
    """Return the largest batch size whose training fits :data:`USABLE_SHARE` of
    ``device_bytes`` (``None`` when the memory is unknown, 0 when not even one sample fits)."""
    if device_bytes is None:
        return None
    room = device_bytes * USABLE_SHARE - fixed_bytes
    if room < per_sample_bytes:
        return 0
    return int(room // max(per_sample_bytes, 1))


def model_macs(rows: Sequence[Any]) -> tuple[int, list[str]]:
    """Return the approximate multiply-adds of one sample through ``rows`` (a stack report's
    ``every_row``) and notes on what is not counted.

    A block counts its inner rows, plus what it adds on its own (a projection) as weights
    applied at each of its output positions.
    """
    parents = {row.parent for row in rows if row.parent}
    total = 0
    notes: list[str] = []
    child_params: dict[str, int] = {}
    for row in rows:
        if row.parent:
            child_params[row.parent] = child_params.get(row.parent, 0) + (row.param_count or 0)
    for position, row in enumerate(rows):
        if row.role == "input" or not row.param_count or row.output_shape is None:
            continue
        if row.id in parents:  # a block: only what it adds beyond its rows
            extra = row.param_count - child_params.get(row.id, 0)
            if extra > 0:
                total += extra * _positions(row.output_shape)
            continue
        if row.type == "Backbone":
            notes.append("a Backbone's multiply-adds are not counted")
            continue
        total += row_macs(row.type, row.param_count, _input_shape(rows, position),
                          tuple(row.output_shape))
    return int(total), notes


def row_macs(layer_type: str, params: int, input_shape: tuple | None,
             output_shape: tuple) -> int:
    """Return the approximate multiply-adds of one layer for one sample.

    Dense and convolutions apply their kernel (weights less biases) at each output position:
    Dense ``in × units``; Conv2D ``out_h × out_w × out_c × k_h × k_w × in_c / groups``.
    Recurrent layers apply their gates at every time step; attention adds its projections at
    every step and ``2 × steps² × width`` for the scores and the weighted sum.
    """
    if any(layer_type == name for name in _NO_MACS):
        return 0
    steps = int(input_shape[0] or 1) if input_shape and len(input_shape) >= 2 else 1
    if any(name in layer_type for name in _RECURRENT):
        biases = _RECURRENT_BIASES.get(layer_type, 0) * int(output_shape[-1] or 0)
        return max(params - biases, 0) * steps
    if any(name in layer_type for name in _ATTENTION):
        width = int(output_shape[-1] or 1)
        return params * steps + 2 * steps * steps * width
    channels = int(output_shape[-1] or 0)
    kernel = params - channels if _has_bias(params, channels, input_shape) else params
    return kernel * _positions(output_shape)


def _has_bias(params: int, channels: int, input_shape: tuple | None) -> bool:
    """Whether a Dense or convolution row has a bias, from its weight count: each output
    channel has ``k × in_c`` weights, plus one with a bias (unknown: assume a bias)."""
    if channels <= 0 or params <= channels or params % channels:
        return params > channels > 0
    per_channel = params // channels
    inputs = int(input_shape[-1] or 0) if input_shape else 0
    if inputs <= 1:
        return True
    return per_channel % inputs != 0 and (per_channel - 1) % inputs == 0


def activation_values(rows: Sequence[Any]) -> int:
    """Return how many values the rows output for one sample (each row once; blocks count
    their inner rows, not their own output twice)."""
    parents = {row.parent for row in rows if row.parent}
    total = 0
    for row in rows:
        if row.output_shape is None or row.id in parents:
            continue
        total += math.prod(int(size or 1) for size in row.output_shape)
    return total


def device_memory(choice: str = "auto") -> tuple[str, int | None]:
    """Return the training device's name and memory in bytes, without importing TensorFlow.

    A GPU's total memory is read from ``nvidia-smi`` (when it is there and ``choice`` is not
    ``cpu``); the CPU's is the memory available now.
    """
    if choice != "cpu":
        gpu = _nvidia_memory()
        if gpu is not None:
            return gpu
    return f"CPU ({os.cpu_count() or 1} cores)", available_ram()


def available_ram() -> int | None:
    """Return the memory available to a new process now, in bytes (``None``: unknown)."""
    try:
        import psutil  # optional

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def human_bytes(count: int | None) -> str:
    """``48 MB``, ``1.2 GB`` (decimal units)."""
    if count is None:
        return "unknown"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{count} B"


def human_count(count: int) -> str:
    """``1.2 M``, ``3.4 G``, ``950``."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return str(count)


def human_seconds(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``3.5 min``, ``2.1 h``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _positions(shape: Sequence[int | None]) -> int:
    return math.prod(int(size or 1) for size in tuple(shape)[:-1]) if len(shape) > 1 else 1


def _input_shape(rows: Sequence[Any], position: int) -> tuple | None:
    """The output of the nearest earlier row that does not enclose ``rows[position]``."""
    ancestors = set()
    parent = rows[position].parent
    by_id = {row.id: row for row in rows if row.id}
    while parent:
        ancestors.add(parent)
        parent = by_id[parent].parent if parent in by_id else None
    for row in reversed(rows[:position]):
        if row.id in ancestors or row.output_shape is None:
            continue
        return tuple(row.output_shape)
    return None


def _nvidia_memory() -> tuple[str, int] | None:
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        out = subprocess.run([tool, "--query-gpu=name,memory.total", "--format=csv,noheader,"
                              "nounits"], capture_output=True, text=True, timeout=5, check=True)
        name, mib = out.stdout.strip().splitlines()[0].rsplit(",", 1)
        return f"GPU ({name.strip()})", int(float(mib)) * 1024 * 1024
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
