"""The layer palette: every layer type a project may use, and each of its parameters.

Only catalog types can be built: a project file names a type and parameter values, and nothing
in it is imported or run by name. This module imports no Keras (the GUI reads it at start-up);
each type's ``build`` imports Keras when called.

The entries themselves live in :mod:`dlstudio.core.model.catalog_layers`; this module holds the data
model, lookup and validation.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dlstudio.core.project.fields import describe

ACTIVATIONS = (
    "linear", "relu", "leaky_relu", "elu", "selu", "gelu", "swish", "silu", "mish",
    "sigmoid", "hard_sigmoid", "tanh", "softmax", "softplus", "softsign", "relu6",
)
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal", "orthogonal", "random_normal", "random_uniform", "zeros", "ones",
)
REGULARIZERS = ("none", "l1", "l2", "l1_l2")
PARAM_KINDS = (
    "int", "float", "choice", "bool", "shape", "activation", "initializer", "regularizer",
    "text",
)
CATEGORIES = (
    "Core", "Convolution", "Pooling", "Normalization", "Regularization", "Reshaping",
    "Recurrent", "Attention", "Embedding", "Blocks", "Pretrained",
)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a layer type.

    Attributes:
        name: The parameter's name in the project file (usually the Keras argument name).
        kind: One of :data:`PARAM_KINDS`. ``regularizer`` values are ``{"kind": "l2",
            "l1": 0.0, "l2": 0.01}`` objects or ``"none"``; ``shape`` values are lists of
            whole numbers (``-1`` allowed once where Keras allows it); ``text`` values are
            non-empty strings (a file path, or one of ``choices`` as a keyword).
        default: The value used when the project leaves it out.
        doc: One line a beginner understands.
        minimum: Smallest allowed value (numbers; for ``shape``, of each element).
        maximum: Largest allowed value (numbers).
        choices: Allowed values of a ``choice``.
        optional: ``None`` is allowed (meaning "not set", as in Keras).
        exclusive_minimum: ``minimum`` itself is not allowed.
        length: How many elements a ``shape`` must have (``None``: any number).
    """

    name: str
    kind: str
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False
    exclusive_minimum: bool = False
    length: int | None = None

    def allowed_values(self) -> tuple[Any, ...]:
        """Return the allowed values of a ``choice``, ``activation``, ``initializer``, …."""
        if self.kind == "activation":
            return ACTIVATIONS
        if self.kind == "initializer":
            return INITIALIZERS
        if self.kind == "regularizer":
            return REGULARIZERS
        if self.kind == "bool":
            return (True, False)
        return self.choices

    def check(self, value: Any) -> tuple[Any, str | None]:
        """Validate ``value`` and return it normalized, or an error message.

        Returns:
            ``(value, None)`` when valid (ints given for floats become floats), else
            ``(default, "expected …, got …")``.
        """
        if value is None and self.optional:
            return None, None
        checker = _CHECKERS[self.kind]
        return checker(self, value)

    def describe_expected(self) -> str:
        """Return what a valid value looks like, for messages and tooltips."""
        if self.kind in ("int", "float"):
            noun = "an integer" if self.kind == "int" else "a number"
            low = ">" if self.exclusive_minimum else ">="
            parts = []
            if self.minimum is not None:
                parts.append(f"{low} {self.minimum:g}")
            if self.maximum is not None:
                parts.append(f"<= {self.maximum:g}")
            return f"{noun} {' and '.join(parts)}".strip()
        if self.kind == "shape":
            if self.length is not None:
                return f"a list of {self.length} whole numbers such as {describe(self.default)}"
            return "a list of whole numbers such as [8, 8, 3]"
        if self.kind == "regularizer":
            return 'a regularizer: "none" or {"kind": "l1"|"l2"|"l1_l2", "l1": x, "l2": y}'
        if self.kind == "bool":
            return "true or false"
        if self.kind == "text":
            keywords = " or ".join(describe(v) for v in self.choices)
            return f"{keywords} or a file path" if keywords else "some text"
        values = ", ".join(describe(v) for v in self.allowed_values())
        return f"one of {values}"


@dataclass(frozen=True)
class LayerType:
    """A layer type of the palette.

    Attributes:
        name: The type name used in project files (``Dense``).
        category: One of :data:`CATEGORIES`.
        doc: One sentence that explains what the layer does.
        params: Its parameters, in the order the property editor shows them.
        build: ``build(params) -> keras.layers.Layer`` with every parameter present; imports
            Keras when called.
        key_params: Names of the parameters worth showing in a one-line summary.
        icon: The icon's file stem under ``resources/icons``.
        input_ranks: The input ranks (without the batch axis) the layer accepts: 1 a flat
            vector, 2 a sequence (steps, features), 3 an image (height, width, channels);
            empty for any rank. The builder checks it before calling Keras.
        stack_count: How many inner stacks a row of this type holds, as ``(fewest, most)``
            (``most`` ``None``: no limit). ``(0, 0)`` for a plain layer; a **block**
            (``Residual``, ``Branches``, ``Skip``, ``Repeat``) holds one or more, and its
            ``build`` returns the layer that joins its paths (``Add``, ``Concatenate``, …), or
            ``None`` when nothing joins them (``Repeat``).
        infer: ``infer(params, input_shape) -> (output_shape, param_count, trainable_count)``
            for a type whose shapes are known without building it (a pretrained network);
            ``None``: shape inference builds the layer.
    """

    name: str
    category: str
    doc: str
    params: tuple[ParamSpec, ...]
    build: Callable[[dict[str, Any]], Any]
    key_params: tuple[str, ...] = ()
    icon: str = field(default="")
    input_ranks: tuple[int, ...] = ()
    stack_count: tuple[int, int | None] = (0, 0)
    infer: Callable[[dict[str, Any], tuple[Any, ...]], tuple[tuple[Any, ...], int, int]] | None \
        = None

    @property
    def is_block(self) -> bool:
        """Whether rows of this type hold stacks of rows (a block) rather than being a layer."""
        return self.stack_count != (0, 0)

    def stack_count_text(self) -> str:
        """Return how many stacks the type holds, in words (``exactly 1``, ``2 or more``)."""
        fewest, most = self.stack_count
        if most is None:
            return f"{fewest} or more"
        return f"exactly {fewest}" if fewest == most else f"{fewest} to {most}"

    def param(self, name: str) -> ParamSpec | None:
        """Return the parameter called ``name``, or ``None``."""
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        """Return every parameter's default value."""
        return {p.name: _copy_default(p.default) for p in self.params}

    def summary(self, params: Mapping[str, Any]) -> str:
        """Return the key parameters as short text (``64 units, relu``)."""
        values = {**self.defaults(), **params}
        return ", ".join(f"{name}={_short(values.get(name))}" for name in self.key_params)


_REGISTRY: dict[str, LayerType] = {}


def register(layer_type: LayerType) -> LayerType:
    """Add ``layer_type`` to the catalog (each name once)."""
    if layer_type.name in _REGISTRY:
        raise ValueError(f"layer type {layer_type.name} is registered twice")
    if layer_type.category not in CATEGORIES:
        raise ValueError(f"{layer_type.name}: unknown category {layer_type.category}")
    _REGISTRY[layer_type.name] = layer_type
    return layer_type


def all_types() -> list[LayerType]:
    """Return every layer type, in palette order (by category, then as registered)."""
    _ensure_loaded()
    order = {category: index for index, category in enumerate(CATEGORIES)}
    return sorted(_REGISTRY.values(), key=lambda t: order[t.category])


def find(name: str) -> LayerType | None:
    """Return the layer type called ``name``, or ``None``."""
    _ensure_loaded()
    return _REGISTRY.get(name)


def get(name: str) -> LayerType:
    """Return the layer type called ``name``.

    Raises:
        KeyError: With a suggestion, when there is no such type.
    """
    found = find(name)
    if found is None:
        raise KeyError(f"unknown layer type {describe(name)}; {suggest(name)}")
    return found


def suggest(name: str) -> str:
    """Return a hint naming the closest layer types to ``name``."""
    _ensure_loaded()
    close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(close) + "?"
    return "run `dlstudio layers` to list the layer types"


_SCALARS = frozenset({int, float, str, bool, type(None)})


def frozen(value: Any) -> Any:
    """Return ``value`` (parameters as read from JSON) as a hashable key that tells apart what
    JSON tells apart (``1``, ``1.0`` and ``true`` differ)."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind.__name__, value)
    if kind is dict or isinstance(value, Mapping):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    if kind is list or kind is tuple:
        return ("list", tuple(frozen(item) for item in value))
    return (type(value).__name__, value)


_VALIDATED: dict[tuple, tuple[dict[str, Any], list[str]]] = {}
_VALIDATED_LIMIT = 4096


def validate_params(type_name: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Check ``params`` against layer type ``type_name``.

    Shape inference asks this for every row on every edit, so answers are remembered by the
    parameters' values (each call gets its own copies).

    Returns:
        The full parameter dict (defaults filled in, invalid values replaced by defaults) and
        one problem per bad value, each starting with the parameter name
        (``units: expected an integer >= 1, got -4``).
    """
    try:
        key = (type_name, frozen(params))
    except TypeError:  # a value that cannot be a key (never from JSON): check it afresh
        return _validate(type_name, params)
    known = _VALIDATED.get(key)
    if known is None:
        if len(_VALIDATED) >= _VALIDATED_LIMIT:
            _VALIDATED.clear()
        known = _VALIDATED[key] = _validate(type_name, params)
    values, problems = known
    return {name: _copy_default(value) for name, value in values.items()}, list(problems)


def _validate(type_name: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    layer_type = get(type_name)
    values = layer_type.defaults()
    problems: list[str] = []
    for key, value in params.items():
        spec = layer_type.param(key)
        if spec is None:
            known = ", ".join(p.name for p in layer_type.params) or "none"
            problems.append(f"{key}: {type_name} has no such parameter; its parameters: {known}")
            continue
        checked, message = spec.check(value)
        if message:
            problems.append(f"{key}: {message}")
        values[key] = checked
    return values, problems


def _ensure_loaded() -> None:
    if not _REGISTRY:
        from dlstudio.core.model import catalog_layers  # noqa: F401  (registers the entries)


def _copy_default(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "×".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("kind", value))
    return str(value)


def _fail(spec: ParamSpec, value: Any) -> tuple[Any, str]:
    expected = spec.describe_expected()
    return _copy_default(spec.default), f"expected {expected}, got {describe(value)}"


def _in_range(spec: ParamSpec, value: float) -> bool:
    if spec.minimum is not None:
        if value < spec.minimum or (spec.exclusive_minimum and value == spec.minimum):
            return False
    return spec.maximum is None or value <= spec.maximum


def _check_int(spec: ParamSpec, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int) or not _in_range(spec, value):
        return _fail(spec, value)
    return value, None


def _check_float(spec: ParamSpec, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return _fail(spec, value)
    if not _in_range(spec, float(value)):
        return _fail(spec, value)
    return float(value), None


def _check_member(spec: ParamSpec, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) != isinstance(spec.default, bool):
        return _fail(spec, value)
    if value not in spec.allowed_values():
        return _fail(spec, value)
    return value, None


def _check_shape(spec: ParamSpec, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list | tuple) or not value:
        return _fail(spec, value)
    if spec.length is not None and len(value) != spec.length:
        return _fail(spec, value)
    minimum = 1 if spec.minimum is None else spec.minimum
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            return _fail(spec, value)
        if item < minimum and not (item == -1 and spec.minimum == -1):
            return _fail(spec, value)
    if list(value).count(-1) > 1:
        return _fail(spec, value)
    return list(value), None


def _check_text(spec: ParamSpec, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip():
        return _fail(spec, value)
    return value.strip(), None


def _check_regularizer(spec: ParamSpec, value: Any) -> tuple[Any, str | None]:
    if value == "none" or value is None:
        return "none", None
    if not isinstance(value, dict) or value.get("kind") not in REGULARIZERS[1:]:
        return _fail(spec, value)
    normalized: dict[str, Any] = {"kind": value["kind"]}
    for key in ("l1", "l2"):
        amount = value.get(key, 0.01 if key in value["kind"] else 0.0)
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            return _fail(spec, value)
        normalized[key] = float(amount)
    extra = set(value) - {"kind", "l1", "l2"}
    if extra:
        return _fail(spec, value)
    return normalized, None


_CHECKERS: dict[str, Callable[[ParamSpec, Any], tuple[Any, str | None]]] = {
    "int": _check_int,
    "float": _check_float,
    "choice": _check_member,
    "bool": _check_member,
    "activation": _check_member,
    "initializer": _check_member,
    "regularizer": _check_regularizer,
    "shape": _check_shape,
    "text": _check_text,
}
