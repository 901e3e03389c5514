"""The search space: settings by path, read from the project or the command line, sampled
through an Optuna trial and written into a copy of the project for one trial.

``--search training.learning_rate=1e-4:1e-1:log`` is a log-scale range, ``units=8:64:8`` a range
in steps of 8, ``training.batch_size=16,32,64`` a list of choices.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dlstudio.core.errors import ProjectError, UserInputError
from dlstudio.core.project import paths
from dlstudio.core.project.project import Project, SearchParameter, TuningSpec

LOWER_IS_BETTER = ("loss", "error", "mae", "mse", "rmse", "crossentropy", "hinge")


class SearchOptionError(UserInputError):
    """A ``--search PATH=SPEC`` option that cannot be read."""


def parse_search_option(text: str) -> SearchParameter:
    """Read ``PATH=LOW:HIGH[:log|:STEP]`` or ``PATH=A,B,C`` into a search parameter.

    Raises:
        SearchOptionError: The text has no ``=``, or the part after it is neither form.
    """
    path, equals, spec = text.rpartition("=")
    if not equals or not path.strip() or not spec.strip():
        raise SearchOptionError(f"--search {text!r}: expected PATH=LOW:HIGH[:log|:STEP] or "
                                "PATH=A,B,C, such as training.learning_rate=1e-4:1e-1:log or "
                                "training.batch_size=16,32,64")
    path, spec = path.strip(), spec.strip()
    if "," in spec:
        return SearchParameter(path=path, choices=[_scalar(item) for item in spec.split(",")])
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise SearchOptionError(f"--search {text!r}: expected LOW:HIGH, LOW:HIGH:log, "
                                "LOW:HIGH:STEP or a list A,B,C after the '='")
    low, high = (_number(text, part) for part in parts[:2])
    log = len(parts) == 3 and parts[2].strip().lower() == "log"
    step = _number(text, parts[2]) if len(parts) == 3 and not log else None
    return SearchParameter(path=path, low=low, high=high, log=log, step=step)


def _number(option: str, text: str) -> int | float:
    value = _scalar(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SearchOptionError(f"--search {option!r}: {text.strip()!r} is not a number")
    return value


def _scalar(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        value = json.loads(text.lower() if text.lower() in ("true", "false", "null") else text)
    except ValueError:
        return text
    return value if isinstance(value, int | float | bool) or value is None else text


def with_search(project: Project, extra: list[SearchParameter]) -> Project:
    """Return a copy of ``project`` whose space also holds ``extra`` (a setting already
    searched takes the new range), checked like a project file.

    Raises:
        ProjectError: A setting or value does not fit (the place names the option).
    """
    from dlstudio.core.project.reading import project_from_dict

    tuned = project.copy()
    kept = [item for item in tuned.tuning.search if item.path not in {p.path for p in extra}]
    tuned.tuning.search = kept + list(extra)
    try:
        checked = project_from_dict(tuned.to_dict(), str(project.path or ""))
    except ProjectError as error:
        raise ProjectError([problem.replace("tuning.search", "search", 1)
                            for problem in error.problems], error.source) from None
    checked.path = project.path
    return checked


def default_search(path: str, value: Any, kind: str, *, choices: tuple[Any, ...] = (),
                   minimum: float | None = None, maximum: float | None = None,
                   exclusive_minimum: bool = False) -> SearchParameter | None:
    """A first range for a setting someone chose to search ("Search this" in the GUI).

    Choices and true/false search every choice; a positive number a tenfold either side (a
    log scale below 1: learning rates, decays); a whole number from half to twice it; zero
    up to the setting's maximum (or 0.5 for fractions). Ends stay within the setting's limits.
    Returns ``None`` for settings that are neither (text, shapes).
    """
    if kind == "bool":
        return SearchParameter(path, choices=[False, True])
    if kind == "choice" and choices:
        return SearchParameter(path, choices=list(choices))
    if kind not in ("int", "float") or isinstance(value, bool) or not isinstance(
            value, int | float):
        return None
    if kind == "int":
        low, high = max(1, value // 2), max(2, value * 2)
    elif maximum is not None and maximum <= 1:  # a fraction (dropout, smoothing, momentum)
        low, high = 0.0, max(0.5, value * 2)
    elif value > 0:
        low, high = value / 10, value * 10
    else:
        low, high = 0.0, 0.5 if maximum is not None and maximum <= 1 else 1.0
    if minimum is not None:
        low = max(low, minimum + (1e-9 if exclusive_minimum and low <= minimum else 0))
    if maximum is not None:
        high = min(high, maximum)
    if kind == "int":
        low, high = int(low), int(high)
    log = kind == "float" and low > 0 and high / low >= 20
    return SearchParameter(path, low=low, high=high, log=log) if low < high else None


def direction_of(tuning: TuningSpec) -> str:
    """Return ``minimize`` or ``maximize`` for the study's objective."""
    if tuning.direction != "auto":
        return tuning.direction
    name = tuning.objective.lower()
    return "minimize" if any(word in name for word in LOWER_IS_BETTER) else "maximize"


def suggest(trial: Any, parameter: SearchParameter) -> Any:
    """Ask an Optuna trial for a value of ``parameter`` (named by its path)."""
    if parameter.is_choice:
        return trial.suggest_categorical(parameter.path, parameter.choices)
    if all(isinstance(v, int) for v in (parameter.low, parameter.high)) and (
            parameter.step is None or isinstance(parameter.step, int)):
        return trial.suggest_int(parameter.path, parameter.low, parameter.high,
                                 step=parameter.step or 1, log=parameter.log)
    return trial.suggest_float(parameter.path, parameter.low, parameter.high,
                               step=parameter.step, log=parameter.log)


def grid(tuning: TuningSpec) -> dict[str, list[Any]]:
    """Every value of every setting, for the grid sampler.

    Raises:
        UserInputError: A range has no step (a grid needs a finite list).
    """
    values: dict[str, list[Any]] = {}
    for parameter in tuning.search:
        if parameter.is_choice:
            values[parameter.path] = list(parameter.choices)
            continue
        whole = all(isinstance(v, int) for v in (parameter.low, parameter.high))
        step = parameter.step or (1 if whole else None)
        if step is None or parameter.log:
            raise UserInputError(f"the grid sampler needs a list for {parameter.path}: give it "
                                 "choices or a step, or use the tpe or random sampler")
        count = int(round((parameter.high - parameter.low) / step)) + 1
        values[parameter.path] = [parameter.low + index * step for index in range(count)]
    return values


def apply_params(project: Project, params: dict[str, Any], name: str) -> Project:
    """Return a copy of ``project`` with ``params`` (path → value) written in, named ``name``,
    its tuning section cleared (a trial is an ordinary run) and no refit on all rows unless
    searched: a trial is scored on its validation rows, and a refit would double its time."""
    trial = project.copy()
    trial.training.refit_on_all = "off"
    for path, value in params.items():
        paths.set_value(trial, path, value)
    trial.name = name
    trial.tuning = TuningSpec()
    return trial
