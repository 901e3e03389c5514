"""Reading and checking the project file's ``tuning`` section.

Every searched setting is checked where it lives: its path must name a setting of the project,
a range must be numeric (whole numbers for whole-number settings), and every end of a range and
every choice must be a value that setting accepts — each is put into a copy of the project and
read back like a file, so the rules are exactly those of the setting itself. Problems name their
place (``tuning.search[1].high: 0 is not a valid value for …``).
"""

from __future__ import annotations

import math
import re
from typing import Any

from dlstudio.core.errors import ProjectError
from dlstudio.core.project import paths
from dlstudio.core.project.fields import FieldReader, describe
from dlstudio.core.project.project import (
    TUNING_DIRECTIONS,
    TUNING_PRUNERS,
    TUNING_SAMPLERS,
    Project,
    SearchParameter,
    TuningSpec,
)

OBJECTIVE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCALARS = (str, int, float, bool, type(None))


def read_tuning(reader: FieldReader) -> TuningSpec:
    """Read the ``tuning`` object (every field optional)."""
    reader.check_known(TuningSpec.__dataclass_fields__)
    defaults = TuningSpec()
    objective = reader.string("objective", defaults.objective)
    if not OBJECTIVE_PATTERN.fullmatch(objective or ""):
        reader.problem(reader.place("objective"),
                       f"expected a logged value such as \"val_loss\" or \"val_accuracy\", got "
                       f"{describe(objective)}")
        objective = defaults.objective
    return TuningSpec(
        search=[_read_parameter(FieldReader(item, place, reader.problems))
                for item, place in reader.items("search")],
        objective=objective,
        direction=reader.choice("direction", TUNING_DIRECTIONS, defaults.direction),
        trials=reader.integer("trials", defaults.trials, minimum=1, maximum=100_000),
        timeout_minutes=reader.number("timeout_minutes", defaults.timeout_minutes, minimum=0.0),
        epochs=reader.integer("epochs", defaults.epochs, minimum=0, maximum=100_000),
        sampler=reader.choice("sampler", TUNING_SAMPLERS, defaults.sampler),
        pruner=reader.choice("pruner", TUNING_PRUNERS, defaults.pruner),
        pruner_startup_trials=reader.integer("pruner_startup_trials",
                                             defaults.pruner_startup_trials, minimum=0),
        pruner_warmup_epochs=reader.integer("pruner_warmup_epochs",
                                            defaults.pruner_warmup_epochs, minimum=0),
        workers=reader.integer("workers", defaults.workers, minimum=0, maximum=1024),
    )


def _read_parameter(reader: FieldReader) -> SearchParameter:
    reader.check_known(SearchParameter.__dataclass_fields__)
    path = reader.string("path") or ""
    choices = reader.raw("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, _SCALARS) for c in choices):
        reader.problem(reader.place("choices"), f"expected a list of numbers, strings or true/"
                                                f"false, got {describe(choices)}")
        choices = []
    if choices:
        for key in ("low", "high", "log", "step"):
            if key in reader.data:
                reader.problem(reader.place(key), "a setting searched by \"choices\" has no "
                                                  "range; remove one or the other")
        return SearchParameter(path=path, choices=list(choices))
    if "choices" in reader.data:
        reader.problem(reader.place("choices"), "is empty; list at least two values")
        return SearchParameter(path=path, choices=[])
    low, high = _bound(reader, "low"), _bound(reader, "high")
    step = _bound(reader, "step", optional=True)
    log = reader.boolean("log", False)
    _check_range(reader, low, high, step, log)
    return SearchParameter(path=path, low=low, high=high, log=log, step=step)


def _bound(reader: FieldReader, key: str, optional: bool = False) -> Any:
    value = reader.raw(key, None if optional else ...)
    if value is None and optional:
        return None
    if value is ...:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value):
        reader.problem(reader.place(key), f"expected a number, got {describe(value)}")
        return None
    return value


def _check_range(reader: FieldReader, low: Any, high: Any, step: Any, log: bool) -> None:
    if low is None or high is None:
        return
    if low >= high:
        reader.problem(reader.place("high"), f"must be larger than low ({low!r}), got {high!r}")
    if log and low <= 0:
        reader.problem(reader.place("low"), f"a log-scale range must start above 0, got {low!r}; "
                                            "use a small positive number such as 1e-5")
    if step is not None and step <= 0:
        reader.problem(reader.place("step"), f"expected a number > 0, got {step!r}")
    if step is not None and log:
        reader.problem(reader.place("step"), "a log-scale range takes no step; remove one")


def check_search(project: Project, reader: FieldReader) -> None:
    """Check that every searched setting exists and accepts every value the search may try.

    Args:
        project: The project as read (its ``tuning`` included).
        reader: The ``tuning`` section's reader (problems go to its list, with places).
    """
    seen: set[str] = set()
    for index, parameter in enumerate(project.tuning.search):
        place = f"{reader.place('search')}[{index}]"
        if parameter.path in seen:
            reader.problem(f"{place}.path", f"{describe(parameter.path)} is searched twice; "
                                            "remove one of them")
        seen.add(parameter.path)
        _check_parameter(project, parameter, place, reader)


def _check_parameter(project: Project, parameter: SearchParameter, place: str,
                     reader: FieldReader) -> None:
    try:
        current = paths.get_value(project, parameter.path)
    except (ValueError, KeyError, AttributeError, IndexError, TypeError):
        reader.problem(f"{place}.path", f"{describe(parameter.path)} is not a setting of this "
                                        "project; use a path such as \"training.learning_rate\" "
                                        "or \"model.layers[id=dense_1].params.units\"")
        return
    if not isinstance(current, _SCALARS):
        reader.problem(f"{place}.path", f"{describe(parameter.path)} is a group of settings, "
                                        "not one setting; name a number or a choice inside it")
        return
    if parameter.is_choice:
        candidates = [("choices", value) for value in parameter.choices]
    else:
        if isinstance(current, bool | str) or current is None:
            reader.problem(f"{place}.path", f"{describe(parameter.path)} is not a number "
                                            f"(it is {describe(current)}); search it with "
                                            "\"choices\"")
            return
        if isinstance(current, int) and not all(
                isinstance(v, int) for v in (parameter.low, parameter.high, parameter.step)
                if v is not None):
            reader.problem(f"{place}", f"{describe(parameter.path)} takes whole numbers; give "
                                       "low, high and step as whole numbers")
            return
        candidates = [("low", parameter.low), ("high", parameter.high)]
    for key, value in candidates:
        if value is None:
            continue
        problem = value_problem(project, parameter.path, value)
        if problem:
            reader.problem(f"{place}.{key}", f"{describe(value)} is not a valid value for "
                                             f"{parameter.path} ({problem})")


def value_problem(project: Project, path: str, value: Any) -> str:
    """Return why ``value`` cannot be put at ``path`` in ``project`` ("" when it can)."""
    from dlstudio.core.project.reading import project_from_dict

    trial = project.copy()
    trial.tuning = TuningSpec()
    paths.set_value(trial, path, value)
    try:
        project_from_dict(trial.to_dict())
    except ProjectError as error:
        return "; ".join(problem.removeprefix(f"{path}: ") for problem in error.problems)
    return ""
