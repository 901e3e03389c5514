"""The project's sampler and pruner as Optuna objects.

TPE (Bayesian, the default), random, grid (every combination of choices and steps) and CMA-ES
(continuous spaces); the median pruner, Hyperband and successive halving stop trials whose
per-epoch validation values fall behind.
"""

from __future__ import annotations

from typing import Any

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.project import TuningSpec
from dlstudio.core.tuning.space import grid


def sampler_for(tuning: TuningSpec, seed: int | None = None) -> Any:
    """Return the Optuna sampler ``tuning.sampler`` names.

    Raises:
        UserInputError: A grid over a range without steps, or CMA-ES over choices.
    """
    import optuna

    if tuning.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if tuning.sampler == "grid":
        return optuna.samplers.GridSampler(grid(tuning), seed=seed)
    if tuning.sampler == "cmaes":
        if any(item.is_choice for item in tuning.search):
            raise UserInputError("the cmaes sampler searches ranges of numbers only; use the "
                                 "tpe sampler when choices are searched")
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    return optuna.samplers.TPESampler(seed=seed)


def pruner_for(tuning: TuningSpec, epochs: int | None = None) -> Any:
    """Return the Optuna pruner ``tuning.pruner`` names (``epochs``: the trials' length)."""
    import optuna

    if tuning.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=tuning.pruner_startup_trials,
                                           n_warmup_steps=tuning.pruner_warmup_epochs)
    if tuning.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1,
                                              max_resource=epochs or tuning.epochs or "auto")
    if tuning.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1)
    return optuna.pruners.NopPruner()
