"""Messages in the words of the window: project-file places become what the GUI shows.

The core's errors name places in the project file (``data.columns``, ``data.target``,
``model.layers[2].params.units``) because that is what a person editing the file or running
``dlstudio`` on a server acts on. In the GUI the same message should name the column, the
layer (``layer 3, Conv2D``) or the control as the window shows them: :func:`in_gui_words`
rewrites one message so (no Qt here; the GUI calls it before showing an error).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import LayerSpec, Project

_PHRASES = (
    (r"set data\.target to the column to predict, one of:",
     "choose the column to predict as the Target on the Data tab, one of:"),
    (r"set data\.target to one of them", "choose one of them as the Target on the Data tab"),
    (r"set data\.target", "choose the Target on the Data tab"),
    (r"add the column, or remove it from data\.columns",
     "add the column to the file, or set its role to ignored in the Columns table"),
    (r"set a column's role to feature in data\.columns",
     "set a column's role to feature in the Columns table on the Data tab"),
    (r"(?:the project's |in )?data\.columns", "the Columns table on the Data tab"),
    (r"data text encoding \"sequence\"", "text encoding “sequence” on the Data tab"),
    (r"data\.(\w+)", r"the data setting “\1”"),
)
_COLUMN = re.compile(r"(?:feature |target )?column '([^']*)'")
_ROW = r"\[(?:id=\w+|\d+)\]"
_LAYER = re.compile(rf"model\.layers(?P<rows>{_ROW}(?:\.stacks\[\d+\]{_ROW})*)"
                    r"(?:\.params\.(?P<setting>\w+))?")
_TRAINING = re.compile(r"training\.([\w.]+)")
_REPORT_LABEL = re.compile(r"\b(?P<id>[A-Za-z]\w*) \((?P<type>\w+), inside layer \d+\)"
                           r"|\b[A-Za-z]\w* \((?P<input_type>\w+), (?P<input>in the input stack "
                           r"of [^)]+)\)"
                           r"|\blayer (?P<number>\d+) \((?P<top_type>\w+)\)")


def in_gui_words(message: str, project: Project | None = None) -> str:
    """Return ``message`` with project-file places named as the window shows them.

    Args:
        message: An error or warning from the core.
        project: The open project, to name layers by their type (``layer 3, Conv2D``).
    """
    text = _LAYER.sub(lambda match: _layer_words(match, project), message)
    text = _REPORT_LABEL.sub(lambda match: _label_words(match, project), text)
    text = _TRAINING.sub(lambda match: f"the training setting “{_words(match.group(1))}”", text)
    for pattern, replacement in _PHRASES:
        text = re.sub(pattern, replacement, text)
    return _COLUMN.sub(lambda match: f"the column {match.group(1)}", text)


def row_words(layers: Sequence[LayerSpec], layer_id: str) -> str | None:
    """Return how the window names a row: ``layer 3, Conv2D`` at the top level, ``Conv2D in
    residual_1`` or ``Dense in residual_2 in branch 2 of branches_1`` inside blocks (the row's id
    added, ``Conv2D “conv2d_4” in …``, when its stack holds another row of its type).

    Args:
        layers: The model's top-level rows.
        layer_id: The row's id.

    Returns:
        The words, or ``None`` when no row has that id.
    """
    found = layer_tree.find(layers, layer_id)
    if found is None:
        return None
    layer = found.layer
    if not found.parents:
        return f"layer {found.address[0] + 1}, {layer.type}"
    stacks = found.address[1::2]
    siblings = found.parents[-1].stacks[stacks[-1]]
    twins = sum(1 for row in siblings if row.type == layer.type) > 1
    name = f"{layer.type} “{layer.id}”" if twins else layer.type
    places = [block_words(block, stack) for block, stack
              in zip(reversed(found.parents), reversed(stacks), strict=True)]
    return f"{name} in " + " in ".join(places)


def block_words(block: LayerSpec, stack: int) -> str:
    """Return how the window names one stack of a block: ``residual_1``, or ``branch 2 of
    branches_1`` for a block with several stacks."""
    if len(block.stacks) > 1 or block.type == "Branches":
        return f"branch {stack + 1} of {block.id}"
    return block.id


def _label_words(match: re.Match[str], project: Project | None) -> str:
    """Rewrite a shape report's label (``conv2d_2 (Conv2D, inside layer 2)``, ``layer 3
    (Conv2D)``) as :func:`row_words` names the row."""
    if match.group("input"):
        return f"{match.group('input_type')} {match.group('input')}"
    if match.group("number"):
        return f"layer {match.group('number')}, {match.group('top_type')}"
    words = row_words(project.model.layers, match.group("id")) if project is not None else None
    return words or f"{match.group('type')} “{match.group('id')}”"


def _layer_words(match: re.Match[str], project: Project | None) -> str:
    keys = re.findall(r"\[(?:id=(\w+)|(\d+))\]", match.group("rows"))[::2]
    layers = project.model.layers if project is not None else []
    top_id, top_index = keys[0]
    index = int(top_index) if top_index else next(
        (i for i, layer in enumerate(layers) if layer.id == top_id), None)
    if index is None:
        layer = f"layer {top_id}"
    else:
        layer = f"layer {index + 1}"
        if index < len(layers):
            layer += f", {layers[index].type}"
    inner_id, inner_index = keys[-1]
    if len(keys) > 1:
        inner = row_words(layers, inner_id) if inner_id else None
        layer = inner or f"{inner_id or 'a layer'} inside {layer}"
    setting = match.group("setting")
    return f"{layer} (its setting “{_words(setting)}”)" if setting else layer


def _words(name: str) -> str:
    return name.replace(".", " › ").replace("_", " ")
