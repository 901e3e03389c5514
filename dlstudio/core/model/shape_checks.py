"""Plain-words checks of whether a layer can take the shape it gets, run before Keras.

Each check returns ``None`` or a problem: ``(error, fix)``, two sentences a beginner can act on
(``Conv2D needs an image-shaped input … from Flatten (layer 2).`` / ``Move it before Flatten,
or …``). Keras's own exceptions are summarized to one line by :func:`summarize_keras_error`.
Layers are numbered from 1 in messages, as the layer stack shows them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from dlstudio.core.model.catalog import LayerType

Shape = tuple[int | None, ...]
Problem = tuple[str, str]

RANK_REDUCERS = ("Flatten", "GlobalMaxPooling1D", "GlobalAveragePooling1D",
                 "GlobalMaxPooling2D", "GlobalAveragePooling2D")
RECURRENT = ("LSTM", "GRU", "SimpleRNN", "Bidirectional")
_NEEDS = {
    (1,): "a flat vector",
    (2,): "a sequence (steps, features)",
    (3,): "an image-shaped input (height, width, channels)",
    (4,): "a volume (depth, height, width, channels)",
    (1, 2): "a flat vector (or a sequence)",
}


def shape_text(shape: Sequence[int | None]) -> str:
    """Return a shape as ``(8, 8, 16)``, with ``?`` for sizes that vary."""
    sizes = ["?" if size is None else str(size) for size in shape]
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


def describe_tensor(shape: Shape) -> str:
    """Return what a tensor of ``shape`` (no batch axis) is, in words."""
    if len(shape) == 1:
        return f"a flat vector of {'?' if shape[0] is None else shape[0]} values"
    if len(shape) == 2:
        return f"a sequence of shape {shape_text(shape)}"
    if len(shape) == 3:
        return f"an image-shaped tensor {shape_text(shape)}"
    return f"a tensor of shape {shape_text(shape)}"


def row_name(index: int | str) -> str:
    """Return a row's name in messages: ``layer 3`` for a top-level index, else its id."""
    return f"layer {index + 1}" if isinstance(index, int) else index


def source_text(previous_type: str, previous_index: int | str | None) -> str:
    """Return where a tensor comes from: ``Flatten (layer 2)`` or ``the input``."""
    if previous_index is None:
        return "the input"
    return f"{previous_type} ({row_name(previous_index)})"


def check_rank(layer_type: LayerType, shape: Shape, previous_type: str,
               previous_index: int | str | None) -> Problem | None:
    """Check that ``layer_type`` accepts an input of ``shape``'s rank."""
    ranks = layer_type.input_ranks
    if not ranks or len(shape) in ranks:
        return None
    source = source_text(previous_type, previous_index)
    if layer_type.name == "Embedding":
        return (f"Embedding needs a sequence of token ids (steps,) but gets "
                f"{describe_tensor(shape)} from {source}.",
                "Put Embedding first, on text columns read as token sequences "
                "(data text encoding \"sequence\").")
    need = _NEEDS.get(ranks, f"an input of rank {' or '.join(map(str, ranks))}")
    error = (f"{layer_type.name} needs {need} but gets {describe_tensor(shape)} "
             f"from {source}.")
    return error, _rank_fix(ranks[0], shape, previous_type, previous_index)


def _rank_fix(need: int, shape: Shape, previous_type: str, previous_index: int | str | None) -> str:
    actual = len(shape)
    before = ""
    if previous_index is not None and previous_type in RANK_REDUCERS:
        before = f"Move it before {previous_type}, or "
    after_dense = previous_index is not None and previous_type not in (*RANK_REDUCERS,
                                                                       *RECURRENT)
    if actual == 1 and need in (2, 3) and after_dense:
        kind = "images" if need == 3 else "sequences"
        return (f"Remove it, or use Dense instead: {previous_type} ({row_name(previous_index)}) "
                f"gives a flat vector of values, and this layer works on {kind}.")
    if need == 3 and actual == 2:
        return ("Use the 1D layers for sequences (Conv1D, MaxPooling1D), or add a Reshape to "
                "(height, width, channels) before it.")
    if need == 3 and previous_index is None:
        return ("For a table, use Dense layers instead; or add a Reshape to (height, width, "
                "channels) before it.")
    if need == 3:
        return _capital(f"{before}add a Reshape to (height, width, channels) before it.")
    if need == 4:
        return ("Use Conv2D for images, or add a Reshape to (depth, height, width, channels) "
                "before it, such as [height, width, channels, 1] for an image.")
    if need == 2 and actual == 1 and previous_type in RECURRENT and previous_index is not None:
        return (f"Turn on return_sequences in {previous_type} ({row_name(previous_index)}) so "
                "it outputs every step.")
    if need == 2 and actual == 1:
        return _capital(f"{before}add a Reshape to (steps, features) before it, such as "
                        "[-1, 1]; for text, read it as token sequences and put an Embedding "
                        "first.")
    if need == 2:
        return ("Use Conv2D and 2D pooling for images, or add a Reshape to (steps, features) "
                "before it.")
    pooling = "GlobalAveragePooling2D" if actual == 3 else "GlobalAveragePooling1D"
    return f"Add Flatten or {pooling} before it."


def check_head(shape: Shape, previous_type: str, previous_index: int | str | None,
               return_sequences: bool) -> Problem | None:
    """Check that the output head (a Dense layer) gets a flat vector."""
    if len(shape) == 1:
        return None
    source = source_text(previous_type, previous_index)
    error = (f"The output head needs a flat vector but {source} outputs "
             f"{describe_tensor(shape)}.")
    if len(shape) == 2 and return_sequences:
        return error, (f"Turn off return_sequences in {source}, or end the stack with "
                       "GlobalAveragePooling1D.")
    pooling = "GlobalAveragePooling2D" if len(shape) == 3 else "GlobalAveragePooling1D"
    return error, f"End the stack with {pooling} or Flatten."


def check_params(layer_type: LayerType, params: dict[str, Any], shape: Shape,
                 source: str, context: dict[str, Any]) -> Problem | None:
    """Run the layer-specific check of ``layer_type`` (if any) on its input ``shape``.

    Args:
        layer_type: The layer's catalog type.
        params: Its complete, valid parameters.
        shape: Its input shape, without the batch axis.
        source: Where the input comes from, in words.
        context: Facts about the data: ``vocabulary_size`` (token ids of a text input, or
            ``None``) and ``first`` (whether the layer is the first of the stack).
    """
    check = _SPECIFIC.get(layer_type.name)
    return check(params, shape, source, context) if check else None


def _check_reshape(params: dict[str, Any], shape: Shape, source: str,
                   context: dict[str, Any]) -> Problem | None:
    if None in shape:
        return None
    size = math.prod(shape)
    target = params["target_shape"]
    known = math.prod(size_ for size_ in target if size_ != -1)
    fits = size % known == 0 if -1 in target else size == known
    if fits:
        return None
    needed = f"a multiple of {known} values" if -1 in target else f"{known} values"
    return (f"Reshape to {target} needs {needed} but gets {size} values from {source}.",
            f"Choose sizes that multiply to {size}, or put -1 in one place to have it worked "
            "out.")


def _check_permute(params: dict[str, Any], shape: Shape, source: str,
                   context: dict[str, Any]) -> Problem | None:
    dims = params["dims"]
    if sorted(dims) == list(range(1, len(shape) + 1)):
        return None
    example = list(range(len(shape), 0, -1))
    return (f"Permute's dims {dims} must list the axes 1 to {len(shape)} of its input "
            f"{shape_text(shape)} from {source}, each once.",
            f"Use a reordering such as {example}.")


def _check_embedding(params: dict[str, Any], shape: Shape, source: str,
                     context: dict[str, Any]) -> Problem | None:
    vocabulary = context.get("vocabulary_size")
    if not context.get("first") or vocabulary is None or params["input_dim"] >= vocabulary:
        return None
    return (f"Embedding has input_dim {params['input_dim']} but the text has up to "
            f"{vocabulary} token ids (the data's max tokens).",
            f"Set input_dim to at least {vocabulary}.")


def _check_positions(params: dict[str, Any], shape: Shape, source: str,
                     context: dict[str, Any]) -> Problem | None:
    steps = shape[0]
    if steps is None or steps <= params["max_length"]:
        return None
    return (f"PositionalEmbedding covers {params['max_length']} positions but gets a sequence "
            f"of {steps} steps from {source}.",
            f"Raise max_length to at least {steps}.")


def _check_groups(params: dict[str, Any], shape: Shape, source: str,
                  context: dict[str, Any]) -> Problem | None:
    channels, groups = shape[-1], params["groups"]
    if channels is None or channels % groups == 0:
        return None
    divisors = [d for d in range(1, channels + 1) if channels % d == 0 and d <= groups]
    return (f"GroupNormalization splits the {channels} channels from {source} into "
            f"{groups} groups, but {channels} is not divisible by {groups}.",
            f"Choose groups that divide {channels}, such as {divisors[-1]}.")


_SPECIFIC: dict[str, Callable[[dict[str, Any], Shape, str, dict[str, Any]], Problem | None]] = {
    "Reshape": _check_reshape,
    "Permute": _check_permute,
    "Embedding": _check_embedding,
    "PositionalEmbedding": _check_positions,
    "GroupNormalization": _check_groups,
}


def summarize_keras_error(error: BaseException, layer_name: str, shape: Shape) -> Problem:
    """Turn an exception Keras raised while applying a layer into one line and a fix."""
    text = str(error)
    highlighted = re.search(r"\x1b\[1m(.*?)\x1b\[0m", text, re.DOTALL)
    lines = [line.strip() for line in (highlighted.group(1) if highlighted else text).splitlines()]
    lines = [line for line in lines if line and not line.startswith(
        ("Exception encountered", "Arguments received", "•"))]
    line = lines[0] if lines else type(error).__name__
    if "negative" in line or "zero or negative" in line:
        return (f"{layer_name} would shrink its input {shape_text(shape)} to nothing.",
                "Use padding \"same\", a smaller window or stride, or fewer shrinking layers "
                "(pooling, strides) before it.")
    if "cropping" in line.lower():
        return (f"{layer_name} crops more than its input {shape_text(shape)} has.",
                "Crop fewer rows or columns.")
    if len(line) > 200:
        line = line[:197] + "..."
    return (f"{layer_name} cannot take its input {shape_text(shape)}: {line}",
            f"Check {layer_name}'s parameters against the shape it gets.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
