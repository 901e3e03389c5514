"""The model as a tree: layers, blocks that hold stacks of layers, and their stable ids.

A row of the stack is a plain layer or a **block** (``Residual``, ``Branches``, ``Skip``,
``Repeat``) whose ``stacks`` hold more rows. Every row has an ``id`` unique in the whole project
(``dense_1``, ``conv2d_2``, ``residual_1``): selection, errors and shape reports name rows by id,
never by list position. This module walks the tree, finds rows by id, issues new ids and writes
the two kinds of places a row has:

- its **index path** for edits, ``model.layers[2].stacks[0][1]`` (see
  :mod:`dlstudio.core.project.paths`);
- its **id place** for messages, ``model.layers[id=residual_1].stacks[0][id=conv2d_2]``.

It works on anything shaped like :class:`~dlstudio.core.project.project.LayerSpec` (``id``,
``type``, ``stacks``) and imports neither the project module nor Keras.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
"""What an id looks like: a letter, then up to 63 letters, digits or underscores."""

_NUMBERED = re.compile(r"(.+)_(\d+)")
_SPECIAL_WORDS = (("PReLU", "Prelu"), ("ReLU", "Relu"), ("ELU", "Elu"))


@dataclass(frozen=True)
class Located:
    """One row of the tree with where it sits.

    Attributes:
        layer: The row (a ``LayerSpec``).
        parents: The blocks that enclose it, outermost first (empty at the top level).
        address: Its position: the top-level index, then a (stack, index) pair per level —
            ``(2, 0, 1)`` is ``model.layers[2].stacks[0][1]``.
    """

    layer: Any
    parents: tuple[Any, ...]
    address: tuple[int, ...]

    @property
    def depth(self) -> int:
        """How many blocks enclose the row (0 at the top level)."""
        return len(self.parents)

    @property
    def parent(self) -> Any | None:
        """The block directly around the row, or ``None`` at the top level."""
        return self.parents[-1] if self.parents else None

    @property
    def stack(self) -> int | None:
        """Which of the parent's stacks holds the row (``None`` at the top level)."""
        return self.address[-2] if self.parents else None

    @property
    def top_index(self) -> int:
        """The index of the top-level row that is or encloses this row."""
        return self.address[0]

    def index_path(self) -> str:
        """Return the row's path for edits: ``model.layers[2].stacks[0][1]``."""
        return index_path(self.address)

    def place(self, root: str = "model.layers") -> str:
        """Return the row's place in messages: ``model.layers[id=residual_1].stacks[0][id=…]``
        (``root`` is the stack's own place, such as ``model.inputs.review``)."""
        rows = [*self.parents, self.layer]
        text = root
        for level, row in enumerate(rows):
            if level:
                text += f".stacks[{self.address[2 * level - 1]}]"
            position = self.address[0] if level == 0 else self.address[2 * level]
            text += row_key(row, position)
        return text


def input_place(group: str) -> str:
    """Return the place of an input group's stack: ``model.inputs.review``, or
    ``model.inputs["last note"]`` when the name is not a plain word."""
    if ID_PATTERN.fullmatch(group):
        return f"model.inputs.{group}"
    return f"model.inputs[{json.dumps(group)}]"


def part_place(part: str) -> str:
    """Return the place of a part's stack (``model.parts``): ``model.parts.decoder``."""
    if ID_PATTERN.fullmatch(part):
        return f"model.parts.{part}"
    return f"model.parts[{json.dumps(part)}]"


def row_key(layer: Any, position: int) -> str:
    """Return ``[id=dense_1]`` for a row with a usable id, else ``[position]``."""
    layer_id = getattr(layer, "id", None)
    if isinstance(layer_id, str) and ID_PATTERN.fullmatch(layer_id):
        return f"[id={layer_id}]"
    return f"[{position}]"


def index_path(address: Sequence[int]) -> str:
    """Return the edit path of ``address`` (see :attr:`Located.address`)."""
    text = f"model.layers[{address[0]}]"
    for level in range(1, len(address), 2):
        text += f".stacks[{address[level]}][{address[level + 1]}]"
    return text


def walk(layers: Sequence[Any]) -> Iterator[Located]:
    """Yield every row depth-first, each block before the rows of its stacks."""
    yield from _walk(layers, (), ())


def _walk(layers: Sequence[Any], parents: tuple[Any, ...],
          prefix: tuple[int, ...]) -> Iterator[Located]:
    for index, layer in enumerate(layers):
        address = (*prefix, index)
        yield Located(layer, parents, address)
        for stack_index, stack in enumerate(getattr(layer, "stacks", None) or ()):
            yield from _walk(stack, (*parents, layer), (*address, stack_index))


def find(layers: Sequence[Any], layer_id: str) -> Located | None:
    """Return the row with id ``layer_id``, or ``None``."""
    return next((found for found in walk(layers) if found.layer.id == layer_id), None)


def all_ids(layers: Sequence[Any]) -> list[str]:
    """Return every row's id, depth-first (empty ids included)."""
    return [found.layer.id for found in walk(layers)]


def count_layers(layers: Sequence[Any], inputs: Mapping[str, Sequence[Any]] | None = None) -> int:
    """Return how many layers a model has: every row of every stack (inner stacks of blocks and
    the named stacks ``inputs`` — input stacks or parts — included), blocks themselves not
    counted.

    Rows may be ``LayerSpec`` objects or their JSON form (dicts, as in a saved project file);
    a row with stacks is a block.
    """
    stacks = [layers, *(inputs or {}).values()]
    return sum(_count_rows(stack) for stack in stacks)


def _count_rows(rows: Sequence[Any]) -> int:
    total = 0
    for row in rows:
        if isinstance(row, Mapping):
            inner, block = row.get("stacks") or [], "stacks" in row
        else:
            inner = getattr(row, "stacks", None) or []
            block = bool(getattr(row, "is_block", inner))
        if block:
            total += sum(_count_rows(stack) for stack in inner if isinstance(stack, Sequence))
        else:
            total += 1
    return total


def id_prefix(type_name: str) -> str:
    """Return the readable stem of ids for ``type_name``: ``Conv2D`` → ``conv2d``,
    ``BatchNormalization`` → ``batch_normalization``, ``PReLU`` → ``prelu``."""
    name = type_name
    for word, replacement in _SPECIAL_WORDS:
        name = name.replace(word, replacement)
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])",
                  "_", name)
    stem = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    return stem if stem and stem[0].isalpha() else f"layer_{stem}".rstrip("_")


def new_id(type_name: str, taken: Iterable[str], issued: dict[str, int] | None = None) -> str:
    """Return a fresh id for a row of ``type_name``: ``dense_3`` after ``dense_1, dense_2``.

    Args:
        type_name: The row's type.
        taken: Ids in use; the new id is numbered after the highest of the same stem.
        issued: The highest number issued so far per stem (updated); numbers issued once are
            never issued again, even when their row was deleted.
    """
    stem = id_prefix(type_name)
    highest = (issued or {}).get(stem, 0)
    for existing in taken:
        match = _NUMBERED.fullmatch(existing or "")
        if match and match.group(1) == stem:
            highest = max(highest, int(match.group(2)))
    if issued is not None:
        issued[stem] = highest + 1
    return f"{stem}_{highest + 1}"


def ensure_ids(layers: Sequence[Any], issued: dict[str, int] | None = None) -> None:
    """Give every row without an id a fresh one, in depth-first order (ids set are kept)."""
    taken = [found.layer.id for found in walk(layers) if found.layer.id]
    for found in walk(layers):
        if not found.layer.id:
            found.layer.id = new_id(found.layer.type, taken, issued)
            taken.append(found.layer.id)


def with_fresh_ids(layers: Sequence[Any], existing: Sequence[Any],
                   issued: dict[str, int] | None = None) -> list[Any]:
    """Return copies of ``layers`` ready to insert beside ``existing``.

    Every row (inner rows included) whose id is missing or already used, in ``existing`` or
    earlier in ``layers``, gets a fresh id — so inserting a duplicate of a block renumbers the
    whole copy.
    """
    copies = copy.deepcopy(list(layers))
    taken = set(all_ids(existing))
    for found in walk(copies):
        if not found.layer.id or found.layer.id in taken:
            found.layer.id = new_id(found.layer.type, taken, issued)
        taken.add(found.layer.id)
    return copies
