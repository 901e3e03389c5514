"""What a study holds, in plain values: trials with their state, value, settings, run folder
and reason; the best trial; counts per state (``dlstudio tune status``, the Tune tab).

A failed trial that was queued again (interrupted by a kill) does not count towards the
budget: its retry does.
"""

from __future__ import annotations

from typing import Any

COUNTED_STATES = ("COMPLETE", "PRUNED", "FAIL")


def retried_numbers(trials: list[Any]) -> dict[int, int]:
    """Map the number of each trial that was queued again to the number of its retry."""
    retries: dict[int, int] = {}
    for trial in trials:
        history = trial.system_attrs.get("retry_history") or []
        if history:
            retries[history[-1]] = trial.number
    return retries


def counted(trials: list[Any]) -> list[Any]:
    """The finished trials that count towards the budget (retried ones left out)."""
    retried = retried_numbers(trials)
    return [trial for trial in trials
            if trial.state.name in COUNTED_STATES and trial.number not in retried]


def trial_reason(trial: Any, retried: dict[int, int]) -> str:
    """Why a trial ended as it did ("" for a complete trial)."""
    if trial.number in retried:
        return f"interrupted; ran again as trial {retried[trial.number]}"
    return str(trial.user_attrs.get("failure") or "")


def trial_row(trial: Any, retried: dict[int, int]) -> dict[str, Any]:
    """One trial as plain values (the JSON of ``dlstudio tune status``)."""
    state = trial.state.name
    value = trial.value if state == "COMPLETE" else None
    if state == "PRUNED" and trial.intermediate_values:
        value = trial.intermediate_values[max(trial.intermediate_values)]
    return {
        "number": trial.number, "state": state, "value": value,
        "params": dict(trial.params), "run_dir": trial.user_attrs.get("run_dir"),
        "seconds": trial.user_attrs.get("seconds"),
        "epochs": len(trial.intermediate_values), "reason": trial_reason(trial, retried),
        "device": trial.user_attrs.get("device"), "host": trial.user_attrs.get("host"),
        "retry_of": trial.system_attrs.get("failed_trial"),
        "curve": {str(step): value for step, value in sorted(trial.intermediate_values.items())},
    }


def study_rows(study: Any) -> list[dict[str, Any]]:
    """Every trial of ``study`` as :func:`trial_row` gives it, by number."""
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    return [trial_row(trial, retried) for trial in sorted(trials, key=lambda t: t.number)]


def best_trial(study: Any) -> dict[str, Any] | None:
    """The best complete trial (``number``, ``value``, ``params``, ``run_dir``) or ``None``."""
    complete = [trial for trial in study.get_trials(deepcopy=False)
                if trial.state.name == "COMPLETE"]
    if not complete:
        return None
    best = study.best_trial
    return {"number": best.number, "value": best.value, "params": dict(best.params),
            "run_dir": best.user_attrs.get("run_dir")}


def study_counts(study: Any) -> dict[str, int]:
    """Trials per state (``COMPLETE``, ``PRUNED``, ``FAIL``, ``RUNNING``, ``WAITING``)."""
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return counts


def importances(study: Any) -> dict[str, float]:
    """Optuna's parameter importances (fANOVA), or ``{}`` with fewer than two complete
    trials or a single searched setting that never varied."""
    import optuna

    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(complete) < 2:
        return {}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}
