"""Input stacks: a stack of rows per input group, joined by ``model.merge`` before
``model.layers``.

A table whose text is read as token ids has more than one kind of input: ``table`` (the numeric
and categorical columns as one vector) and each text column (named after it). With
``model.inputs`` every group may get its own stack (an ``Embedding`` and pooling for a text, a
``Dense`` for the numbers); a group without a stack joins the merge unchanged. The groups and
their order come from the data (``Dataset.input_shapes``); shape inference
(:mod:`dlstudio.core.model.shapes`), the builder and "Show code" follow the rules here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dlstudio.core.model import blocks
from dlstudio.core.model.shape_checks import Problem, Shape
from dlstudio.core.project.layer_tree import input_place
from dlstudio.core.project.project import Project

if TYPE_CHECKING:
    from dlstudio.core.model.shapes import LayerReport

VECTOR_GROUPS = ("table", "features")
"""Groups that arrive as numbers (a table's columns, or any source's single input); the others
are text columns read as token ids."""


def group_summary(group: str) -> str:
    """Return what an input group holds, in words."""
    if group == "table":
        return "the numeric and categorical columns as one vector"
    if group == "features":
        return "the preprocessed data"
    return f"the text column {group} as token ids"


def check_groups(project: Project, input_shapes: Mapping[str, Shape]) -> Problem | None:
    """Return why the project's input stacks do not fit the data's groups, or ``None``.

    Refused: a stack for a group the data does not have, and a text group read as token ids
    that would join the merge without a stack (ids are labels, not amounts).
    """
    model = project.model
    known = ", ".join(input_shapes) or "none"
    unknown = [group for group in model.inputs if group not in input_shapes]
    if unknown:
        return (f"model.inputs has a stack for {', '.join(unknown)}, but the data's input "
                f"groups are {known}.",
                "Rename the stack to one of the groups, or remove it.")
    bare = [group for group in input_shapes if group not in VECTOR_GROUPS
            and project.data.text_encoding == "sequence" and not model.inputs.get(group)]
    if bare:
        return (f"The text column {bare[0]} arrives as token ids (word numbers), which would "
                "be joined to the other inputs as if they were amounts.",
                f"Give it an input stack that starts with an Embedding "
                f"({input_place(bare[0])}), then pooling such as GlobalAveragePooling1D.")
    return None


def merge_shape(merge: str, shapes: Mapping[str, Shape]) -> tuple[Shape | None, Problem | None]:
    """Return the shape of the input stacks' outputs joined by ``merge`` (one output passes
    unchanged), or why they cannot be joined."""
    if len(shapes) == 1:
        return next(iter(shapes.values())), None
    names = [f"the stack of {group}" for group in shapes]
    return blocks.merge_shape(merge, list(shapes.values()), names, "model.merge")


def inspect(walker: Any, project: Project,
            input_shapes: Mapping[str, Sequence[int | None]]) -> LayerReport:
    """Infer every input stack with ``walker`` (shape inference's walker) and return the input
    row of ``model.layers``: the merge, with the weights of every input stack.

    Each group gets an input row (role ``input``, ``input_group`` set) and its stack's rows in
    ``walker.every_row``.
    """
    from dlstudio.core.model.shapes import LayerReport, cause_of

    model = project.model
    outputs: dict[str, LayerReport] = {}
    weights: list[LayerReport] = []
    for group, shape in input_shapes.items():
        row = LayerReport("input", None, "Input", group_summary(group), tuple(shape), 0,
                          trainable_count=0, input_group=group)
        walker.every_row.append(row)
        walker.group = group
        try:
            rows = walker.stack(model.inputs.get(group, []), row, None, None, None)
        finally:
            walker.group = None
        outputs[group] = rows[-1] if rows else row
        weights += rows
    merged = LayerReport("input", None, "Input", f"the input stacks joined by {model.merge}",
                         None, None)
    walker.every_row.append(merged)
    failed = next((group for group, row in outputs.items() if row.output_shape is None), None)
    problem = check_groups(project, input_shapes)
    if problem is None and failed is not None:
        cause = cause_of(outputs[failed], walker.every_row)
        merged.error = f"In the input stack of {failed}, {cause.label()}: {cause.error}"
        merged.fix, merged.caused_by = cause.fix, cause.id
        return merged
    if problem is None:
        shape, problem = merge_shape(model.merge, {group: row.output_shape
                                                   for group, row in outputs.items()})
        merged.output_shape = shape
    if problem is not None:
        merged.output_shape = None
        merged.error, merged.fix = problem
        return merged
    merged.param_count = sum(row.param_count or 0 for row in weights)
    merged.trainable_count = sum(row.trainable_count or 0 for row in weights)
    return merged
