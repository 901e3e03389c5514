"""Dotted paths into a project (``training.schedule.kind``, ``model.layers[2].params.units``).

The document names every edit by such a path, and views ask whether a change touches what they
show with :func:`affects`. Rows of the layer tree are reached by position
(``model.layers[2].stacks[0][1]``) or by id (``model.layers[id=residual_1].stacks[0][id=dense_2]``,
the form messages use; see :mod:`dlstudio.core.project.layer_tree`). Input stacks are keys of
``model.inputs``: ``model.inputs.review[id=embedding_1]``, or with a name that is not a plain word
``model.inputs["last note"][0]`` (a JSON string in brackets).
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[id=([A-Za-z][A-Za-z0-9_]*)\]"
                    r"|\[(\"(?:[^\"\\]|\\.)*\")\]")


class IdKey(str):
    """A ``[id=…]`` part of a path: the element of a list whose ``id`` is this text."""


def parse(path: str) -> list[str | int]:
    """Split ``path`` into attribute names (or dict keys), list indices and :class:`IdKey`
    parts.

    Raises:
        ValueError: ``path`` is not a dotted path with optional ``[index]`` or ``[id=…]`` parts.
    """
    parts: list[str | int] = []
    position = 0
    for match in _TOKEN.finditer(path):
        separator = path[position:match.start()]
        if separator not in ("", ".") or (separator == "." and not parts):
            raise ValueError(f"bad project path {path!r}")
        name, index, layer_id, quoted = match.groups()
        if quoted is not None:
            parts.append(json.loads(quoted))
        elif layer_id is not None:
            parts.append(IdKey(layer_id))
        else:
            parts.append(int(index) if index is not None else name)
        position = match.end()
    if position != len(path) or not parts:
        raise ValueError(f"bad project path {path!r}")
    return parts


def get_value(root: Any, path: str) -> Any:
    """Return the value at ``path`` under ``root`` (dataclass attributes, dict keys, indices)."""
    value = root
    for part in parse(path):
        value = _step(value, part)
    return value


def set_value(root: Any, path: str, value: Any) -> None:
    """Set the value at ``path`` under ``root``."""
    parts = parse(path)
    parent = root
    for part in parts[:-1]:
        parent = _step(parent, part)
    last = parts[-1]
    if isinstance(last, IdKey):
        parent[_position(parent, last)] = value
    elif isinstance(last, int) or isinstance(parent, dict):
        parent[last] = value
    else:
        if not hasattr(parent, last):
            raise AttributeError(f"{type(parent).__name__} has no field {last!r}")
        setattr(parent, last, value)


def affects(changed: str, watched: str) -> bool:
    """Whether a change at ``changed`` may change what is shown at ``watched``.

    The empty path means "everything". A change affects a watched path when one is the other or
    lies inside it: ``model`` affects ``model.layers[0]`` and ``model.layers[0].params.units``
    affects ``model.layers``.
    """
    if not changed or not watched:
        return True
    return _inside(changed, watched) or _inside(watched, changed)


def _inside(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def _position(items: Any, layer_id: IdKey) -> int:
    for position, item in enumerate(items):
        if getattr(item, "id", None) == layer_id:
            return position
    raise KeyError(f"no layer with id {str(layer_id)!r}")


def _step(value: Any, part: str | int) -> Any:
    if isinstance(part, IdKey):
        return value[_position(value, part)]
    if isinstance(part, int) or isinstance(value, dict):
        return value[part]
    return getattr(value, part)
