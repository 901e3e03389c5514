"""One Keras layer's saved config → a catalog type and its parameters (for ``.keras`` import).

:func:`catalog_row` reads the ``class_name`` and ``config`` that a ``.keras`` file's
``config.json`` holds for a layer, as plain JSON: nothing is imported or run by name. A setting
the catalog has is copied (``[3]`` becomes ``3`` where the catalog wants one number; an
initializer object becomes its snake-case name); a setting that changes what the layer computes
and that the catalog cannot express (``data_format="channels_first"``, pooling strides that
differ from the pool size, …) makes the layer unusable, with the reason; a setting that only
changes training (constraints, bias initializers, a frozen layer) is dropped with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dlstudio.core.model import catalog

_RENAMED: dict[str, dict[str, str]] = {
    "SeparableConv2D": {"kernel_initializer": "depthwise_initializer",
                        "kernel_regularizer": "depthwise_regularizer"},
    "DepthwiseConv2D": {"kernel_initializer": "depthwise_initializer",
                        "kernel_regularizer": "depthwise_regularizer"},
}
"""Catalog parameter → Keras config key, where the names differ."""

_MUST_BE: dict[str, tuple[Any, ...]] = {
    "data_format": (None, "channels_last"),
    "groups": (1,),
    "keepdims": (False,),
    "axis": (-1, [-1]),
    "threshold": (0, 0.0),
    "shared_axes": (None,),
    "return_state": (False,),
    "go_backwards": (False,),
    "stateful": (False,),
    "unroll": (False,),
    "time_major": (False,),
    "sparse": (False,),
    "lora_rank": (None,),
}
"""Keras settings that change what a layer computes: any other value cannot be imported."""

_TRAINING_ONLY = ("bias_initializer", "bias_regularizer", "activity_regularizer",
                  "kernel_constraint", "bias_constraint", "recurrent_initializer",
                  "recurrent_regularizer", "recurrent_constraint", "beta_initializer",
                  "gamma_initializer", "beta_regularizer", "gamma_regularizer",
                  "beta_constraint", "gamma_constraint", "pointwise_initializer",
                  "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint",
                  "embeddings_constraint", "alpha_regularizer", "alpha_constraint")
"""Settings that only shape training from scratch; the imported weights replace their effect."""


@dataclass
class ImportedRow:
    """A layer of the file as a catalog row.

    Attributes:
        type: The catalog type (``Dense``).
        params: Its parameters (validated; every catalog parameter present).
        notes: Settings that were dropped, in words.
    """

    type: str
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)


class UnusableLayer(Exception):
    """A layer of a known class whose settings the catalog cannot express (the reason)."""


def catalog_row(class_name: str, config: dict[str, Any]) -> ImportedRow | None:
    """Return the catalog row for a layer of ``class_name`` with ``config``.

    Returns:
        The row, or ``None`` when the catalog has no such type.

    Raises:
        UnusableLayer: A setting changes what the layer computes in a way the catalog cannot
            express; the message names the setting, its value and what the catalog supports.
    """
    if class_name == "Bidirectional":
        return _bidirectional(config)
    layer_type = catalog.find(class_name)
    if layer_type is None or layer_type.is_block:
        return None
    _check_structure(config)
    _check_specials(class_name, config)
    renamed = _RENAMED.get(class_name, {})
    values = {}
    for spec in layer_type.params:
        key = renamed.get(spec.name, spec.name)
        if key in config:
            values[spec.name] = _convert(spec, config[key])
    checked, problems = catalog.validate_params(class_name, values)
    if problems:
        raise UnusableLayer("; ".join(problems))
    return ImportedRow(class_name, checked, _dropped(config))


def _bidirectional(config: dict[str, Any]) -> ImportedRow:
    inner = config.get("layer") or {}
    cell = inner.get("class_name")
    if cell not in ("LSTM", "GRU", "SimpleRNN"):
        raise UnusableLayer(f"it wraps a {cell!r} layer; the catalog's Bidirectional wraps "
                            "LSTM, GRU or SimpleRNN")
    row = catalog_row(cell, inner.get("config") or {})
    assert row is not None
    params = {key: value for key, value in row.params.items()
              if catalog.get("Bidirectional").param(key) is not None}
    checked, problems = catalog.validate_params(
        "Bidirectional", {**params, "cell": cell,
                          "merge_mode": config.get("merge_mode", "concat")})
    if problems:
        raise UnusableLayer("; ".join(problems))
    return ImportedRow("Bidirectional", checked, row.notes)


def _check_structure(config: dict[str, Any]) -> None:
    for key, allowed in _MUST_BE.items():
        if key in config and config[key] not in allowed:
            shown = " or ".join(repr(value) for value in allowed if value is not None)
            raise UnusableLayer(f"{key}={config[key]!r} is not supported (dlstudio builds "
                                f"{key}={shown or 'unset'})")


def _check_specials(class_name: str, config: dict[str, Any]) -> None:
    if class_name.endswith(("Pooling1D", "Pooling2D")) and "pool_size" in config:
        strides = config.get("strides")
        if strides is not None and _as_list(strides) != _as_list(config["pool_size"]):
            raise UnusableLayer(f"strides={strides!r} differ from pool_size="
                                f"{config['pool_size']!r}; dlstudio's pooling moves by the "
                                "pool size")
    if class_name in ("ZeroPadding2D", "Cropping2D"):
        key = "padding" if class_name == "ZeroPadding2D" else "cropping"
        value = config.get(key)
        if _nested(value) and any(pair[0] != pair[1] for pair in value):
            raise UnusableLayer(f"{key}={value!r} is uneven; dlstudio pads or crops the same "
                                "amount on both sides of an axis")
    if class_name == "Reshape" and isinstance(config.get("target_shape"), list | tuple):
        config["target_shape"] = [-1 if item is None else item
                                  for item in config["target_shape"]]


def _convert(spec: catalog.ParamSpec, value: Any) -> Any:
    """Turn a Keras config value into the catalog's form of ``spec``."""
    if spec.kind == "initializer":
        return _object_name(value)
    if spec.kind == "regularizer":
        return _regularizer(value)
    if spec.kind == "activation" and isinstance(value, dict):
        return _object_name(value)
    if spec.kind in ("int", "float") and isinstance(value, list | tuple) and len(value) == 1:
        return value[0]
    if spec.kind == "shape" and _nested(value):
        return [pair[0] for pair in value]
    if spec.kind == "shape" and isinstance(value, tuple):
        return list(value)
    return value


def _object_name(value: Any) -> Any:
    """``{"class_name": "GlorotUniform", …}`` → ``glorot_uniform``; a string stays as it is."""
    if isinstance(value, dict) and isinstance(value.get("class_name"), str):
        name = value["class_name"]
        name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
        return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return value


def _regularizer(value: Any) -> Any:
    if value is None:
        return "none"
    if not isinstance(value, dict):
        return value
    kind = _object_name(value)
    settings = value.get("config") or {}
    kind = {"l1_l2": "l1_l2", "l1": "l1", "l2": "l2"}.get(kind, kind)
    return {"kind": kind, **{key: settings[key] for key in ("l1", "l2") if key in settings}}


def _dropped(config: dict[str, Any]) -> list[str]:
    notes = [key for key in _TRAINING_ONLY if config.get(key) not in (None, "zeros", "ones")
             and not _is_default_object(config.get(key))]
    if config.get("trainable") is False:
        notes.append("trainable=False (dlstudio trains every layer)")
    return [f"dropped {note}" for note in notes]


def _is_default_object(value: Any) -> bool:
    return isinstance(value, dict) and _object_name(value) in ("zeros", "ones", "orthogonal",
                                                               "glorot_uniform")


def _nested(value: Any) -> bool:
    return (isinstance(value, list | tuple) and bool(value)
            and all(isinstance(item, list | tuple) and len(item) == 2 for item in value))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
