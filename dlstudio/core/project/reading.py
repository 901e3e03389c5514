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
from dlstudio.core.project.fields import FieldReader, describe
from dlstudio.core.project.project import (
    CLASS_WEIGHT_MODES,
    CLIP_MODES,
    COLOR_MODES,
    COLUMN_KINDS,
    COLUMN_ROLES,
    DATA_KINDS,
    DEVICE_CHOICES,
    FLIP_MODES,
    INITIALIZER_DEFAULTS,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    SCHEMA_VERSION,
    TASKS,
    TEXT_ENCODINGS,
    AugmentationSpec,
    ColumnSpec,
    DataSpec,
    EarlyStoppingSpec,
    LayerSpec,
    ModelSpec,
    Project,
    ScheduleSpec,
    SplitSpec,
    TrainingSpec,
)


def project_from_dict(data: Any, source: str | None = None) -> Project:
    """Validate a decoded project object, migrating older schema versions first."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ProjectError([f"expected a JSON object at the top, got {describe(data)}"], source)
    data = migrate(data, problems)
    root = FieldReader(data, "", problems)
    root.check_known(["schema_version", "name", "data", "split", "model", "training"])
    project = Project(
        name=root.string("name", "Untitled"),
        data=_read_data(root.child("data")),
        split=_read_split(root.child("split")),
        model=_read_model(root.child("model")),
        training=_read_training(root.child("training")),
    )
    _check_split_files(project, root.child("split"))
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
    """Bring an older project object up to :data:`SCHEMA_VERSION`.

    Version 0 (files written before versioning) kept the layer stack as a top-level ``layers``
    list; it moves under ``model``.
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
    migrated["schema_version"] = SCHEMA_VERSION
    return migrated


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
    )
    if spec.kind != "csv":
        for name in ("test_path", "validation_path"):
            if getattr(spec, name):
                reader.problem(reader.place(name), "a separate split file works for CSV data "
                                                   "only; remove it, or split the image folder")
    names = [column.name for column in columns]
    for duplicate in sorted({name for name in names if names.count(name) > 1}):
        reader.problem(reader.place("columns"), f"column {describe(duplicate)} is listed twice")
    return spec


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


def _read_model(reader: FieldReader) -> ModelSpec:
    reader.check_known(ModelSpec.__dataclass_fields__)
    layers = [_read_layer(item, place, reader.problems) for item, place in reader.items("layers")]
    return ModelSpec(
        layers=layers,
        add_output_head=reader.boolean("add_output_head", True),
        template=reader.string("template", None, optional=True),
    )


def _read_layer(item: Any, place: str, problems: list[str]) -> LayerSpec:
    reader = FieldReader(item, place, problems)
    reader.check_known(LayerSpec.__dataclass_fields__)
    type_name = reader.string("type") or ""
    raw_params = reader.raw("params", {})
    if not isinstance(raw_params, dict):
        reader.problem(reader.place("params"), f"expected an object, got {describe(raw_params)}")
        raw_params = {}
    name = reader.string("name", None, optional=True)
    if type_name and catalog.find(type_name) is None:
        reader.problem(reader.place("type"),
                       f"unknown layer type {describe(type_name)}; {catalog.suggest(type_name)}")
        return LayerSpec(type=type_name, params=dict(raw_params), name=name)
    params, layer_problems = catalog.validate_params(type_name, raw_params) if type_name else (
        dict(raw_params), [])
    problems.extend(f"{reader.place('params')}.{problem}" for problem in layer_problems)
    return LayerSpec(type=type_name, params=params, name=name)


def _read_training(reader: FieldReader) -> TrainingSpec:
    reader.check_known(TrainingSpec.__dataclass_fields__)
    defaults = TrainingSpec()
    schedule = _read_schedule(reader.child("schedule"))
    early = _read_early_stopping(reader.child("early_stopping"))
    return TrainingSpec(
        epochs=reader.integer("epochs", defaults.epochs, minimum=1, maximum=100_000),
        batch_size=reader.integer("batch_size", defaults.batch_size, minimum=1,
                                  maximum=1_000_000),
        loss=reader.choice("loss", LOSSES, defaults.loss),
        optimizer=reader.choice("optimizer", OPTIMIZERS, defaults.optimizer),
        learning_rate=reader.number("learning_rate", defaults.learning_rate, minimum=0.0,
                                    maximum=10.0, exclusive_minimum=True),
        momentum=reader.number("momentum", defaults.momentum, minimum=0.0, maximum=1.0),
        nesterov=reader.boolean("nesterov", defaults.nesterov),
        weight_decay=reader.number("weight_decay", defaults.weight_decay, minimum=0.0,
                                   maximum=1.0),
        schedule=schedule,
        early_stopping=early,
        clip_mode=reader.choice("clip_mode", CLIP_MODES, defaults.clip_mode),
        clip_value=reader.number("clip_value", defaults.clip_value, minimum=0.0,
                                 exclusive_minimum=True),
        class_weights=reader.choice("class_weights", CLASS_WEIGHT_MODES, defaults.class_weights),
        gradient_accumulation_steps=reader.integer("gradient_accumulation_steps", 1, minimum=1,
                                                   maximum=1024),
        mixed_precision=reader.boolean("mixed_precision", defaults.mixed_precision),
        initializer=reader.choice("initializer", INITIALIZER_DEFAULTS, defaults.initializer),
        seed=reader.integer("seed", defaults.seed, minimum=0),
        device=reader.choice("device", DEVICE_CHOICES, defaults.device),
        steps_per_execution=reader.integer("steps_per_execution", 0, minimum=0, maximum=10_000),
    )


def _read_schedule(reader: FieldReader) -> ScheduleSpec:
    reader.check_known(ScheduleSpec.__dataclass_fields__)
    defaults = ScheduleSpec()
    return ScheduleSpec(
        kind=reader.choice("kind", SCHEDULES, defaults.kind),
        factor=reader.number("factor", defaults.factor, minimum=0.0, maximum=1.0,
                             exclusive_minimum=True),
        step_epochs=reader.integer("step_epochs", defaults.step_epochs, minimum=1),
        warmup_epochs=reader.integer("warmup_epochs", defaults.warmup_epochs, minimum=0),
        patience=reader.integer("patience", defaults.patience, minimum=1),
        min_learning_rate=reader.number("min_learning_rate", defaults.min_learning_rate,
                                        minimum=0.0),
    )


def _read_early_stopping(reader: FieldReader) -> EarlyStoppingSpec:
    reader.check_known(EarlyStoppingSpec.__dataclass_fields__)
    defaults = EarlyStoppingSpec()
    return EarlyStoppingSpec(
        enabled=reader.boolean("enabled", defaults.enabled),
        monitor=reader.string("monitor", defaults.monitor),
        patience=reader.integer("patience", defaults.patience, minimum=1),
        min_delta=reader.number("min_delta", defaults.min_delta, minimum=0.0),
    )
