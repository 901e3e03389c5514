"""Models made of parts: an encoder and a decoder, a generator and a discriminator.

A task that trains more than one network (``Task.parts``) keeps one stack per part in
``model.parts``. Each part is built as its own ``keras.Model``: its input comes from the task
(:meth:`Task.part_input`: the data's preprocessed sample, the latent vector, or an earlier
part's output) and the task says what follows its stack (:meth:`Task.part_output`): nothing, a
layer that makes one sample of the data's shape, the mean and log-variance of a latent vector,
or one score. This module infers the parts' shapes for the layer stack (input row, rows and
output row per part, every row carrying ``part``) and builds the parts for the task to wire
(:meth:`Task.assemble`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dlstudio.core.errors import ModelBuildError
from dlstudio.core.model.shape_checks import Shape
from dlstudio.core.project.project import Project
from dlstudio.core.tasks import get_task, task_names

OUTPUT_WORDS = {
    "sample": "a sample of the data's shape",
    "latent": "mean and log-variance of the latent vector",
    "score": "one score (real or generated)",
}


def output_plan(kind: str, shape: Shape, feature_shape: Shape, latent_dim: int,
                activation: str) -> tuple[str, Shape | None, int | None, str | None]:
    """Return what the builder adds after a part's stack whose output is ``shape``.

    Returns:
        ``(summary, output_shape, weights, problem)``: the added layers in words (empty when
        nothing is added), the part's output shape (a latent part: one of its two vectors),
        their weight count, and why they cannot be added (``None`` when they can).
    """
    if kind == "none":
        return "", tuple(shape), 0, None
    if any(dim is None for dim in shape):
        return "", None, None, (f"The stack's output {tuple(shape)} has a size that is not "
                                "fixed; end the stack with layers of a fixed size (Flatten, "
                                "Dense, or pooling).")
    flat = math.prod(shape)
    if kind == "latent":
        return (f"Dense({latent_dim}) mean, Dense({latent_dim}) log-variance",
                (latent_dim,), 2 * (flat + 1) * latent_dim, None)
    if kind == "score":
        return "Dense(1) score", (1,), flat + 1, None
    if tuple(shape) == tuple(feature_shape):
        return "", tuple(shape), 0, None
    size = math.prod(feature_shape)
    if len(feature_shape) == 3 and len(shape) == 3 and tuple(shape[:2]) == tuple(
            feature_shape[:2]):
        channels = feature_shape[2]
        return (f"Conv2D({channels}, 1x1, {activation})", tuple(feature_shape),
                (shape[2] + 1) * channels, None)
    reshape = f" → Reshape{tuple(feature_shape)}" if len(feature_shape) > 1 else ""
    return (f"Dense({size}, {activation}){reshape}", tuple(feature_shape), (flat + 1) * size,
            None)


def inspect_parts(walker: Any, project: Project, feature_shape: Shape, task_name: str) -> list:
    """Infer every part with ``walker`` (shape inference's walker) and return the report's
    top-level rows: per part, its input row, its rows and its output row (role ``head``).

    Every row of a part (inner ones too) carries ``part``; a part whose input depends on an
    earlier part that failed is marked not computed.
    """
    from dlstudio.core.model.shapes import NOT_COMPUTED, LayerReport, cause_of

    model = project.model
    if task_name not in task_names() or not get_task(task_name).parts:
        row = LayerReport("input", None, "Input", "the preprocessed data", None, None,
                          error=f"The model has parts ({', '.join(model.parts)}), but the "
                                f"task {task_name} trains one stack.",
                          fix="Choose the task the parts are for (reconstruction, vae, gan).")
        walker.every_row.append(row)
        return [row]
    task = get_task(task_name)
    activation = task.sample_activation(project.data.kind)
    top: list[LayerReport] = []
    outputs: dict[str, Shape | None] = {}
    for part in task.parts:
        shape = task.part_input(part, tuple(feature_shape), model.latent_dim, outputs)
        source = _input_words(task, part, outputs)
        row = LayerReport("input", None, "Input", source, shape, 0, trainable_count=0)
        row.part = part
        if shape is None:
            row.error = NOT_COMPUTED
        walker.every_row.append(row)
        walker.part = part
        try:
            rows = walker.stack(model.parts.get(part, []), row, None, None, None)
        finally:
            walker.part = None
        last = rows[-1] if rows else row
        kind = task.part_output(part)
        head = LayerReport("head", None, "Output", OUTPUT_WORDS.get(kind, ""), None, None)
        head.part = part
        if last.output_shape is None:
            head.error = NOT_COMPUTED
            if last.error and last.error != NOT_COMPUTED:
                cause = cause_of(last, walker.every_row)
                head.caused_by = cause.id
        else:
            summary, out, weights, problem = output_plan(kind, last.output_shape,
                                                         tuple(feature_shape),
                                                         model.latent_dim, activation)
            head.summary = summary or "the stack's output"
            if problem is not None:
                head.error, head.fix = problem, "Add Flatten or a pooling layer at the end."
            else:
                head.output_shape, head.param_count, head.trainable_count = out, weights, \
                    weights
        outputs[part] = head.output_shape
        walker.every_row.append(head)
        top += [row, *rows, head]
    return top


def uses_latent_dim(task_name: str) -> bool:
    """Whether a part of ``task_name``'s model takes ``model.latent_dim`` numbers (a VAE's
    decoder, a GAN's generator), so the size is worth offering for editing."""
    if task_name not in task_names():
        return False
    task = get_task(task_name)
    probe, outputs = 97, {}
    for part in task.parts:
        if task.part_input(part, (6, 6, 1), probe, outputs) == (probe,):
            return True
        outputs[part] = (5,)
    return False


def _input_words(task: Any, part: str, outputs: dict[str, Shape | None]) -> str:
    """Return what a part's input row says it takes."""
    earlier = [name for name in outputs if name != part]
    words = task.part_input_words(part) if hasattr(task, "part_input_words") else ""
    return words or (f"the {earlier[-1]}'s output" if earlier else "the preprocessed data")


def sample_head(tensor: Any, feature_shape: Sequence[int], activation: str, names: Any,
                part: str) -> Any:
    """Return ``tensor`` turned into one sample of ``feature_shape`` (see :func:`output_plan`),
    in float32."""
    import keras

    shape = tuple(tensor.shape[1:])
    feature_shape = tuple(feature_shape)
    if shape == feature_shape:
        return keras.layers.Activation("linear", dtype="float32",
                                       name=names(f"{part}_output"))(tensor)
    if len(feature_shape) == 3 and len(shape) == 3 and shape[:2] == feature_shape[:2]:
        return keras.layers.Conv2D(feature_shape[2], 1, activation=activation, dtype="float32",
                                   name=names(f"{part}_output"))(tensor)
    if len(shape) > 1:
        tensor = keras.layers.Flatten(name=names(f"{part}_flatten"))(tensor)
    tensor = keras.layers.Dense(math.prod(feature_shape), activation=activation,
                                dtype="float32", name=names(f"{part}_output"))(tensor)
    if len(feature_shape) > 1:
        tensor = keras.layers.Reshape(feature_shape, name=names(f"{part}_reshape"))(tensor)
    return tensor


def flat(tensor: Any, names: Any, part: str) -> Any:
    """Return ``tensor`` flattened to one vector per sample (unchanged when it is one)."""
    import keras

    if len(tensor.shape) == 2:
        return tensor
    return keras.layers.Flatten(name=names(f"{part}_flatten"))(tensor)


def build_parts(project: Project, dataset: Any, apply_rows: Any,
                names: Any) -> dict[str, Any]:
    """Build each part of ``project`` as its own ``keras.Model`` named after it.

    Args:
        project: A project with ``model.parts``.
        dataset: The data (its task, kind and preprocessed sample shape).
        apply_rows: The builder's stack builder (``builder.apply_rows``).
        names: Turns a wanted layer name into a free one.

    Returns:
        The parts by name, in the task's order; a ``latent`` part outputs ``[mean,
        log_variance]``.
    """
    import keras

    task = get_task(dataset.task)
    feature_shape = tuple(dataset.feature_shape())
    activation = task.sample_activation(dataset.kind)
    built: dict[str, Any] = {}
    outputs: dict[str, Shape | None] = {}
    for part in task.parts:
        shape = task.part_input(part, feature_shape, project.model.latent_dim, outputs)
        if shape is None:
            raise ModelBuildError(f"the {part} has no input: an earlier part failed", None)
        part_input = keras.Input(shape, name=names(f"{part}_input"))
        tensor = apply_rows(project, project.model.parts.get(part, []), part_input, names)
        kind = task.part_output(part)
        if kind == "sample":
            result = sample_head(tensor, feature_shape, activation, names, part)
        elif kind == "latent":
            vector = flat(tensor, names, part)
            result = [keras.layers.Dense(project.model.latent_dim, dtype="float32",
                                         name=names(f"{part}_{what}"))(vector)
                      for what in ("mean", "log_variance")]
        elif kind == "score":
            result = keras.layers.Dense(1, dtype="float32", name=names(f"{part}_score"))(
                flat(tensor, names, part))
        else:
            result = tensor
        built[part] = keras.Model(part_input, result, name=names(part))
        first = result[0] if isinstance(result, list) else result
        outputs[part] = tuple(first.shape[1:])
    return built
