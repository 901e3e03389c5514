"""Reading a decoded project object into a :class:`~dlstudio.core.project.project.Project`.

Older schema versions are migrated first; then every field is read through a
:class:`~dlstudio.core.project.fields.FieldReader`, so one pass reports all the problems of a file,
each
with its exact place (``model.layers[3].params.units: expected an integer >= 1, got -4``) and a
bad value never stops the reading of the rest. Layer parameters are checked against the catalog.
"""

from __future__ import annotations

from typing import Any

from dlstudio.core.errors import ProjectError
from dlstudio.core.model import catalog
from dlstudio.core.model.catalog_layers.blocks import MERGES
from dlstudio.core.project import layer_tree
from dlstudio.core.project.fields import FieldReader, describe
from dlstudio.core.project.project import (
    COLOR_MODES,
    COLUMN_KINDS,
    COLUMN_ROLES,
    DATA_KINDS,
    FLIP_MODES,
    SCHEMA_VERSION,
    TASKS,
    TEXT_ENCODINGS,
    AugmentationSpec,
    ColumnSpec,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    SplitSpec,
)
from dlstudio.core.project.settings_schema import read_series, read_training
from dlstudio.core.project.tuning_fields import check_search, read_tuning
from dlstudio.core.tasks import get_task, task_names


def project_from_dict(data: Any, source: str | None = None) -> Project:
    """Validate a decoded project object, migrating older schema versions first."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ProjectError([f"expected a JSON object at the top, got {describe(data)}"], source)
    data = migrate(data, problems)
    root = FieldReader(data, "", problems)
    root.check_known(["schema_version", "name", "data", "split", "model", "training", "tuning"])
    data_spec = _read_data(root.child("data"))
    project = Project(
        name=root.string("name", "Untitled"),
        data=data_spec,
        split=_read_split(root.child("split")),
        model=_read_model(root.child("model"), data_spec.task),
        training=read_training(root.child("training")),
    )
    _check_split_files(project, root.child("split"))
    rest_is_clean = not problems
    project.tuning = read_tuning(root.child("tuning"))
    if rest_is_clean:  # the searched values are tried on a project that reads cleanly
        check_search(project, root.child("tuning"))
    if problems:
        raise ProjectError(problems, source)
    return project


def _check_split_files(project: Project, reader: FieldReader) -> None:
    """A split given by its own file takes no share of the main file."""
    for split in ("test", "validation"):
        share = getattr(project.split, split)
        if getattr(project.data, f"{split}_path") and share > 0:
            reader.problem(reader.place(split),
                           f"is {share:g}, but data.{split}_path gives the {split} rows; set "
                           f"split.{split} to 0 and add its share to split.train")


def migrate(data: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Bring an older project object up to :data:`SCHEMA_VERSION`, one version at a time.

    Version 0 (files written before versioning) kept the layer stack as a top-level ``layers``
    list; it moves under ``model``. Version 1 had a flat stack whose list positions were the
    layers' identities; version 2 gives every layer an ``id`` (``dense_1``, ``conv2d_2``, …,
    numbered per type in stack order) and lets blocks hold ``stacks`` of layers.
    """
    version = data.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        problems.append(f"schema_version: expected a whole number, got {describe(version)}")
        return data
    if version > SCHEMA_VERSION:
        problems.append(
            f"schema_version: this file is version {version}, but this dlstudio reads up to "
            f"version {SCHEMA_VERSION}; upgrade dlstudio to open it"
        )
        return data
    migrated = dict(data)
    if version == 0:
        layers = migrated.pop("layers", None)
        if layers is not None:
            migrated.setdefault("model", {})
            migrated["model"] = {**migrated["model"], "layers": layers}
    if version <= 1:
        migrated = _ids_for_v1_layers(migrated)
    migrated["schema_version"] = SCHEMA_VERSION
    return migrated


def _ids_for_v1_layers(data: dict[str, Any]) -> dict[str, Any]:
    """Return ``data`` with an ``id`` on every layer of its (flat, version 1) stack."""
    model = data.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("layers"), list):
        return data
    taken: list[str] = []
    layers = []
    for item in model["layers"]:
        if isinstance(item, dict) and "id" not in item and isinstance(item.get("type"), str):
            item = {"id": layer_tree.new_id(item["type"], taken), **item}
            taken.append(item["id"])
        layers.append(item)
    return {**data, "model": {**model, "layers": layers}}


def _read_data(reader: FieldReader) -> DataSpec:
    defaults = DataSpec()
    reader.check_known(DataSpec.__dataclass_fields__)
    columns = [_read_column(FieldReader(item, place, reader.problems))
               for item, place in reader.items("columns")]
    spec = DataSpec(
        kind=reader.choice("kind", DATA_KINDS, defaults.kind),
        path=reader.string("path", defaults.path),
        target=reader.string("target", None, optional=True),
        task=reader.choice("task", TASKS, defaults.task),
        columns=columns,
        text_encoding=reader.choice("text_encoding", TEXT_ENCODINGS, defaults.text_encoding),
        max_tokens=reader.integer("max_tokens", defaults.max_tokens, minimum=10),
        sequence_length=reader.integer("sequence_length", defaults.sequence_length, minimum=1),
        image_size=_read_image_size(reader),
        color_mode=reader.choice("color_mode", COLOR_MODES, defaults.color_mode),
        augmentation=_read_augmentation(reader.child("augmentation")),
        test_path=reader.string("test_path", None, optional=True) or None,
        validation_path=reader.string("validation_path", None, optional=True) or None,
        series=(read_series(reader.child("series"))
                if reader.raw("series", None) is not None else None),
        normal_classes=_read_normal_classes(reader),
        drop_duplicates=reader.boolean("drop_duplicates", defaults.drop_duplicates),
    )
    _check_series(reader, spec)
    if spec.kind != "csv":
        for name in ("test_path", "validation_path"):
            if getattr(spec, name):
                reader.problem(reader.place(name), "a separate split file works for CSV data "
                                                   "only; remove it, or split the image folder")
    names = [column.name for column in columns]
    for duplicate in sorted({name for name in names if names.count(name) > 1}):
        reader.problem(reader.place("columns"), f"column {describe(duplicate)} is listed twice")
    return spec


def _check_series(reader: FieldReader, spec: DataSpec) -> None:
    """A forecast reads its file as a series (``data.series``), and only a forecast does."""
    if spec.task == "forecasting" and spec.series is None:
        reader.problem(reader.place("series"), "is missing, but data.task is forecasting; add "
                                               "the series settings (time_column, targets, "
                                               "window, horizon) or choose another task")
    elif spec.series is not None and spec.task != "forecasting":
        reader.problem(reader.place("series"), f"is set, but data.task is {describe(spec.task)};"
                                               " set data.task to forecasting, or remove "
                                               "data.series")
    if spec.series is not None and spec.kind != "csv":
        reader.problem(reader.place("kind"), "a time series is read from a CSV file; set "
                                             "data.kind to csv")


def _read_normal_classes(reader: FieldReader) -> list[str]:
    """Read ``data.normal_classes``: a list of class names (empty when absent)."""
    value = reader.raw("normal_classes", [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        reader.problem(reader.place("normal_classes"),
                       f"expected a list of class names such as [\"ok\"], got "
                       f"{describe(value)}")
        return []
    return list(value)


def _read_column(reader: FieldReader) -> ColumnSpec:
    reader.check_known(ColumnSpec.__dataclass_fields__)
    return ColumnSpec(
        name=reader.string("name") or "",
        role=reader.choice("role", COLUMN_ROLES, "feature"),
        kind=reader.choice("kind", COLUMN_KINDS, "numeric"),
    )


def _read_image_size(reader: FieldReader) -> list[int]:
    value = reader.raw("image_size", [64, 64])
    valid = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and 8 <= v <= 4096 for v in value)
    )
    if not valid:
        reader.problem(reader.place("image_size"),
                       f"expected [height, width] with whole numbers from 8 to 4096, "
                       f"got {describe(value)}")
        return [64, 64]
    return list(value)


def _read_augmentation(reader: FieldReader) -> AugmentationSpec:
    reader.check_known(AugmentationSpec.__dataclass_fields__)
    return AugmentationSpec(
        flip=reader.choice("flip", FLIP_MODES, "none"),
        rotation=reader.number("rotation", 0.0, minimum=0.0, maximum=1.0),
        zoom=reader.number("zoom", 0.0, minimum=0.0, maximum=0.9),
        contrast=reader.number("contrast", 0.0, minimum=0.0, maximum=1.0),
        translation=reader.number("translation", 0.0, minimum=0.0, maximum=0.9),
    )


def _read_split(reader: FieldReader) -> SplitSpec:
    reader.check_known(SplitSpec.__dataclass_fields__)
    defaults = SplitSpec()
    split = SplitSpec(
        train=reader.number("train", defaults.train, minimum=0.0, maximum=1.0,
                            exclusive_minimum=True),
        validation=reader.number("validation", defaults.validation, minimum=0.0, maximum=1.0),
        test=reader.number("test", defaults.test, minimum=0.0, maximum=1.0),
        seed=reader.integer("seed", defaults.seed, minimum=0),
        stratified=reader.boolean("stratified", defaults.stratified),
    )
    total = split.train + split.validation + split.test
    if abs(total - 1.0) > 1e-6:
        reader.problem(reader.path, f"train + validation + test must add up to 1, got {total:g}; "
                                    "adjust the fractions")
    return split


def _read_model(reader: FieldReader, task: str) -> ModelSpec:
    reader.check_known(["layers", "add_output_head", "template", "initial_weights", "inputs",
                        "merge", "parts", "latent_dim"])
    layers = _read_stack(reader.items("layers"), reader.problems)
    inputs = _read_inputs(reader)
    parts = _read_parts(reader, task)
    stacks = [(layer_tree.input_place(group), stack) for group, stack in inputs.items()]
    stacks += [(layer_tree.part_place(part), stack) for part, stack in parts.items()]
    _check_unique_ids([*stacks, ("model.layers", layers)], reader.problems)
    if parts and (layers or inputs):
        where = "model.layers" if layers else "model.inputs"
        reader.problem(where, f"a model with parts ({', '.join(parts)}) keeps its layers in "
                              f"model.parts; move these layers into a part, or delete them")
    template = reader.string("template", None, optional=True)
    if template == "autoencoder" and not parts:  # the bottleneck predictor's old name
        template = "bottleneck"
    return ModelSpec(
        layers=layers,
        add_output_head=reader.boolean("add_output_head", True),
        template=template,
        initial_weights=reader.string("initial_weights", None, optional=True),
        inputs=inputs,
        merge=reader.choice("merge", MERGES, "concatenate"),
        parts=parts,
        latent_dim=reader.integer("latent_dim", 16, minimum=1, maximum=4096),
    )


def _read_parts(reader: FieldReader, task: str) -> dict[str, list[LayerSpec]]:
    """Read ``model.parts``: a stack of rows per part, which must be the parts the task trains
    (``Task.parts``: ``encoder`` and ``decoder`` for reconstruction, …); empty when absent."""
    raw = reader.raw("parts", {})
    if not isinstance(raw, dict):
        reader.problem(reader.place("parts"), f"expected an object with a list of layers per "
                                              f"part, got {describe(raw)}")
        return {}
    wanted = get_task(task).parts if task in task_names() else ()
    if raw and not wanted:
        reader.problem(reader.place("parts"),
                       f"the task {task} trains one stack (model.layers), but the model has "
                       f"parts ({', '.join(map(str, raw))}); delete model.parts, or set "
                       "data.task to a task with parts (reconstruction, vae, gan)")
    elif wanted and set(raw) != set(wanted):
        missing = [part for part in wanted if part not in raw]
        unknown = [part for part in raw if part not in wanted]
        fix = "; ".join([*(f"add \"{part}\": []" for part in missing),
                         *(f"remove \"{part}\"" for part in unknown)])
        reader.problem(reader.place("parts"),
                       f"the task {task} trains the parts {' and '.join(wanted)}, got "
                       f"{', '.join(map(str, raw)) or 'none'}; {fix}")
    parts = {}
    for part, stack in raw.items():
        place = layer_tree.part_place(part)
        if not isinstance(stack, list):
            reader.problem(place, f"expected a list of layers, got {describe(stack)}")
            stack = []
        items = [(item, f"{place}[{index}]") for index, item in enumerate(stack)]
        parts[part] = _read_stack(items, reader.problems)
    order = [part for part in wanted if part in parts]
    return {part: parts[part] for part in [*order, *(p for p in parts if p not in order)]}


def _read_inputs(reader: FieldReader) -> dict[str, list[LayerSpec]]:
    """Read ``model.inputs``: a stack of rows per input group (empty when absent)."""
    raw = reader.raw("inputs", {})
    if not isinstance(raw, dict):
        reader.problem(reader.place("inputs"), f"expected an object with a list of layers per "
                                               f"input group, got {describe(raw)}")
        return {}
    inputs = {}
    for group, stack in raw.items():
        place = layer_tree.input_place(group)
        if not group.strip():
            reader.problem(place, "expected the name of an input group (table, or a text "
                                  "column's name), got an empty name")
        if not isinstance(stack, list):
            reader.problem(place, f"expected a list of layers, got {describe(stack)}")
            continue
        items = [(item, f"{place}[{index}]") for index, item in enumerate(stack)]
        inputs[group] = _read_stack(items, reader.problems)
    return inputs


def _read_stack(items: list[tuple[Any, str]], problems: list[str]) -> list[LayerSpec]:
    """Read the rows of one stack; each row's place names its id once the id is known."""
    layers = []
    for index, (item, place) in enumerate(items):
        if isinstance(item, dict):
            place = place[:place.rindex("[")] + layer_tree.row_key(_IdOnly(item.get("id")),
                                                                   index)
        layers.append(_read_layer(item, place, problems))
    return layers


class _IdOnly:
    """Something with an ``id``, for :func:`layer_tree.row_key` on raw JSON."""

    def __init__(self, layer_id: Any) -> None:
        self.id = layer_id


def _read_layer(item: Any, place: str, problems: list[str]) -> LayerSpec:
    reader = FieldReader(item, place, problems)
    reader.check_known(["id", "type", "name", "params", "stacks"])
    type_name = reader.string("type") or ""
    layer_id = reader.string("id", "")
    if layer_id and not layer_tree.ID_PATTERN.fullmatch(layer_id):
        reader.problem(reader.place("id"),
                       f"expected a letter then letters, digits or underscores (at most 64), "
                       f"got {describe(layer_id)}; use an id such as "
                       f"{describe(layer_tree.id_prefix(type_name or 'layer') + '_1')}, or delete "
                       f"the field and dlstudio numbers the layer itself")
        layer_id = ""
    raw_params = reader.raw("params", {})
    if not isinstance(raw_params, dict):
        reader.problem(reader.place("params"), f"expected an object, got {describe(raw_params)}")
        raw_params = {}
    name = reader.string("name", None, optional=True)
    stacks = _read_stacks(reader)
    layer_type = catalog.find(type_name) if type_name else None
    if type_name and layer_type is None:
        reader.problem(reader.place("type"),
                       f"unknown layer type {describe(type_name)}; {catalog.suggest(type_name)}")
        return LayerSpec(type=type_name, params=dict(raw_params), name=name, id=layer_id,
                         stacks=stacks)
    if layer_type is not None:
        _check_stack_count(reader, layer_type, stacks)
    params, layer_problems = catalog.validate_params(type_name, raw_params) if type_name else (
        dict(raw_params), [])
    problems.extend(f"{reader.place('params')}.{problem}" for problem in layer_problems)
    return LayerSpec(type=type_name, params=params, name=name, id=layer_id, stacks=stacks)


def _read_stacks(reader: FieldReader) -> list[list[LayerSpec]]:
    stacks = []
    for stack, place in reader.items("stacks"):
        if not isinstance(stack, list):
            reader.problem(place, f"expected a list of layers, got {describe(stack)}")
            stacks.append([])
            continue
        items = [(item, f"{place}[{index}]") for index, item in enumerate(stack)]
        stacks.append(_read_stack(items, reader.problems))
    return stacks


def _check_stack_count(reader: FieldReader, layer_type: catalog.LayerType,
                       stacks: list[list[LayerSpec]]) -> None:
    fewest, most = layer_type.stack_count
    if not layer_type.is_block:
        if stacks or "stacks" in reader.data and reader.data["stacks"] != []:
            reader.problem(reader.place("stacks"),
                           f"{layer_type.name} is a plain layer and holds no stacks; remove "
                           f"\"stacks\", or use a block (Residual, Branches, Skip, Repeat) to "
                           "hold layers")
        return
    if len(stacks) < fewest or (most is not None and len(stacks) > most):
        if layer_type.name == "Branches":
            fix = "give it one stack per branch, at least 2"
        else:
            fix = "put all its layers in one stack: \"stacks\": [[…]]"
        reader.problem(reader.place("stacks"),
                       f"{layer_type.name} holds {layer_type.stack_count_text()} "
                       f"stack{'s' if (most or 2) > 1 else ''}, got {len(stacks)}; {fix}")


def _check_unique_ids(stacks: list[tuple[str, list[LayerSpec]]], problems: list[str]) -> None:
    """Report every id used more than once in the stacks (``(place, rows)`` pairs: the input
    stacks, the parts and ``model.layers``), then number the rows that have none."""
    seen: dict[str, str] = {}
    every_row = [row for _root, layers in stacks for row in layers]
    for root, layers in stacks:
        for found in layer_tree.walk(layers):
            layer_id = found.layer.id
            if not layer_id:
                continue
            place = found.place(root)
            if layer_id in seen:
                index_place = place[:place.rindex("[")] + f"[{found.address[-1]}]"
                fresh = layer_tree.new_id(found.layer.type, layer_tree.all_ids(every_row))
                problems.append(f"{index_place}.id: {describe(layer_id)} is already used at "
                                f"{seen[layer_id]}; ids must be unique in the project — change "
                                f"it, for example to {describe(fresh)}, or delete the field and "
                                "dlstudio numbers the layer itself")
            else:
                seen[layer_id] = place
    layer_tree.ensure_ids(every_row)
