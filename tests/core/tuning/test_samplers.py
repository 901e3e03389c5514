"""The project's sampler and pruner names become Optuna's objects."""

from __future__ import annotations

import optuna
import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.project import SearchParameter, TuningSpec
from dlstudio.core.tuning.samplers import pruner_for, sampler_for

RATE = SearchParameter("training.learning_rate", low=1e-4, high=0.1, log=True)
BATCH = SearchParameter("training.batch_size", choices=[16, 32])


@pytest.mark.parametrize(("name", "kind"), [
    ("tpe", optuna.samplers.TPESampler), ("random", optuna.samplers.RandomSampler),
    ("cmaes", optuna.samplers.CmaEsSampler)])
def test_each_sampler_name_gives_its_sampler(name, kind):
    assert isinstance(sampler_for(TuningSpec(search=[RATE], sampler=name)), kind)


def test_a_grid_takes_choices_and_cmaes_refuses_them():
    grid = sampler_for(TuningSpec(search=[BATCH], sampler="grid"))
    assert isinstance(grid, optuna.samplers.GridSampler)
    with pytest.raises(UserInputError, match="ranges of numbers only"):
        sampler_for(TuningSpec(search=[RATE, BATCH], sampler="cmaes"))


@pytest.mark.parametrize(("name", "kind"), [
    ("median", optuna.pruners.MedianPruner), ("hyperband", optuna.pruners.HyperbandPruner),
    ("successive_halving", optuna.pruners.SuccessiveHalvingPruner),
    ("none", optuna.pruners.NopPruner)])
def test_each_pruner_name_gives_its_pruner(name, kind):
    assert isinstance(pruner_for(TuningSpec(pruner=name), epochs=5), kind)
