"""How a block joins its paths: merge shapes and the projection a ``Residual`` adds, in words.

Shape inference (:mod:`dlstudio.core.model.shapes`), the builder and "Show code" share these
rules, so what the shape panel says is what gets built. Nothing here needs Keras except
:meth:`Projection.build`, which imports it when called.

- ``Residual`` adds its input to its inner stack's output. When the inner stack changes the
  channel (feature) count or shrinks the size by whole strides, ``projection: auto`` passes the
  input through a 1x1 ``Conv2D`` (images), ``Conv1D`` (sequences) or a ``Dense`` (vectors) first;
  ``projection: none`` refuses with a fix.
- ``Branches`` and ``Skip`` join tensors with a merge: ``concatenate`` needs every size but the
  last equal; ``add``, ``multiply``, ``average`` and ``maximum`` need equal shapes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dlstudio.core.model.shape_checks import Problem, Shape, describe_tensor, shape_text

_PROJECTIONS = {1: "Dense", 2: "Conv1D", 3: "Conv2D"}
_SIZE_WORDS = {1: "features", 2: "features", 3: "channels"}


@dataclass(frozen=True)
class Projection:
    """The layer a ``Residual`` puts on its shortcut so the two paths can be added.

    Attributes:
        layer: ``Conv2D``, ``Conv1D`` or ``Dense``.
        channels_in: Channels (features) of the block's input.
        channels_out: Channels (features) of the inner stack's output.
        strides: The 1x1 convolution's strides (all 1 when only the channel count changes);
            empty for ``Dense``.
    """

    layer: str
    channels_in: int
    channels_out: int
    strides: tuple[int, ...] = ()

    @property
    def param_count(self) -> int:
        """Weights of the projection: one per input-output channel pair, plus the biases."""
        return (self.channels_in + 1) * self.channels_out

    def note(self) -> str:
        """Return what was added, in words: ``adds a 1x1 Conv2D projection 16 → 32 channels``."""
        words = "channels" if self.layer != "Dense" else "features"
        kind = "Dense" if self.layer == "Dense" else f"1x1 {self.layer}"
        text = f"adds a {kind} projection {self.channels_in} → {self.channels_out} {words}"
        if any(stride > 1 for stride in self.strides):
            text += f" (strides {'x'.join(map(str, self.strides))})"
        return text

    def build(self, name: str | None = None) -> Any:
        """Return a fresh Keras layer for the projection."""
        import keras

        if self.layer == "Dense":
            return keras.layers.Dense(self.channels_out, name=name)
        layer_class = getattr(keras.layers, self.layer)
        strides = self.strides if self.layer == "Conv2D" else self.strides[0]
        return layer_class(self.channels_out, 1, strides=strides, padding="same", name=name)


def residual_projection(projection: str, input_shape: Shape,
                        inner_shape: Shape) -> tuple[Projection | None, Problem | None]:
    """Decide how a ``Residual`` adds ``input_shape`` to its inner stack's ``inner_shape``.

    Args:
        projection: The block's ``projection`` parameter, ``auto`` or ``none``.
        input_shape: The block's input shape (no batch axis).
        inner_shape: The inner stack's output shape.

    Returns:
        ``(None, None)`` when the shapes match, ``(projection, None)`` when one is added,
        ``(None, problem)`` when the shapes cannot be added.
    """
    if tuple(input_shape) == tuple(inner_shape):
        return None, None
    given, made = shape_text(input_shape), shape_text(inner_shape)
    if len(input_shape) != len(inner_shape):
        return None, (f"Residual adds its input {describe_tensor(input_shape)} to its inner "
                      f"stack's output, {describe_tensor(inner_shape)}: they are different "
                      "kinds of tensor.",
                      "Move Flatten, global pooling or Reshape out of the block, after it.")
    rank = len(input_shape)
    words = _SIZE_WORDS.get(rank, "values")
    channels_in, channels_out = input_shape[-1], inner_shape[-1]
    if projection == "none":
        return None, (f"Residual adds its input {given} to its inner stack's output {made}, "
                      "but their sizes differ and its projection is none.",
                      f"Set projection to auto to add a 1x1 projection, or make the inner "
                      f"stack end with {channels_in} {words} and keep the size (padding same, "
                      "strides 1).")
    if rank not in _PROJECTIONS or channels_in is None or channels_out is None:
        return None, (f"Residual cannot project its input {given} to its inner stack's "
                      f"output {made}.",
                      "Make the inner stack keep its input's shape.")
    strides = []
    for size_in, size_out in zip(input_shape[:-1], inner_shape[:-1], strict=True):
        stride = _stride(size_in, size_out)
        if stride is None:
            return None, (f"Residual's inner stack turns {given} into {made}; a 1x1 projection "
                          "can only shrink the size by a whole stride, so the shortcut cannot "
                          "match it.",
                          "Use padding same in the inner stack, and strides (or pooling) that "
                          "divide the size evenly; do not make it larger inside the block.")
        strides.append(stride)
    return Projection(_PROJECTIONS[rank], channels_in, channels_out, tuple(strides)), None


def _stride(size_in: int | None, size_out: int | None) -> int | None:
    if size_in == size_out:
        return 1
    if size_in is None or size_out is None or size_out <= 0 or size_out > size_in:
        return None
    stride = math.ceil(size_in / size_out)
    return stride if math.ceil(size_in / stride) == size_out else None


def merge_shape(merge: str, shapes: Sequence[Shape], names: Sequence[str],
                block: str) -> tuple[Shape | None, Problem | None]:
    """Return the shape of joining ``shapes`` with ``merge``, or why they cannot be joined.

    Args:
        merge: ``concatenate``, ``add``, ``multiply``, ``average`` or ``maximum``.
        shapes: The joined tensors' shapes (no batch axis).
        names: What each tensor is, for messages (``branch 1``, ``the block's input``).
        block: The block type, for messages (``Branches``).
    """
    first = tuple(shapes[0])
    listing = " and ".join(f"{name} outputs {shape_text(shape)}"
                           for name, shape in zip(names, shapes, strict=True))
    if any(len(shape) != len(first) for shape in shapes):
        return None, (f"{block} joins tensors of different kinds: {listing}.",
                      "Make every path end in the same kind of tensor: add Flatten or global "
                      "pooling to each path, or to none.")
    if merge == "concatenate":
        if all(_same(shape[:-1], first[:-1]) for shape in shapes):
            last = [shape[-1] for shape in shapes]
            total = None if None in last else sum(last)
            return (*first[:-1], total), None
        return None, (f"{block} concatenates along the last axis, which needs every other size "
                      f"equal, but {listing}.",
                      "Give every path the same strides, pooling and padding, so the sizes "
                      "match.")
    if all(_same(shape, first) for shape in shapes):
        return first, None
    return None, (f"{block} joins by {merge}, which needs equal shapes, but {listing}.",
                  "End every path with the same number of filters or units (and the same "
                  "size), or set merge to concatenate.")


def _same(one: Sequence[int | None], other: Sequence[int | None]) -> bool:
    return len(one) == len(other) and all(
        a == b or a is None or b is None for a, b in zip(one, other, strict=True))
