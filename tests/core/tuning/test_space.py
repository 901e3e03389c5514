"""The search space: --search options, the project file's tuning section (checked at its
place), values written into a trial's project, the sampler's grid."""

from __future__ import annotations

import pytest

from dlstudio.core.errors import ProjectError, UserInputError
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    SearchParameter,
    TuningSpec,
    project_from_json,
    project_to_json,
)
from dlstudio.core.tuning import space
from dlstudio.core.tuning.workers import plan_slots

UNITS = "model.layers[id=dense_1].params.units"


def small_project(**tuning) -> Project:
    return Project(data=DataSpec(path="data.csv", target="y"),
                   model=ModelSpec(layers=[LayerSpec.of("Dense", units=8),
                                           LayerSpec.of("Dropout", rate=0.2)]),
                   tuning=TuningSpec(**tuning))


@pytest.mark.parametrize(("text", "expected"), [
    ("training.learning_rate=1e-4:1e-1:log",
     SearchParameter("training.learning_rate", low=1e-4, high=0.1, log=True)),
    ("training.batch_size=16,32,64", SearchParameter("training.batch_size",
                                                     choices=[16, 32, 64])),
    (f"{UNITS}=8:64:8", SearchParameter(UNITS, low=8, high=64, step=8)),
    ("training.optimizer=adam,sgd", SearchParameter("training.optimizer",
                                                    choices=["adam", "sgd"])),
])
def test_search_options_read_ranges_steps_and_choices(text, expected):
    assert space.parse_search_option(text) == expected


@pytest.mark.parametrize("text", ["training.learning_rate", "x=1", "x=a:b", "x=1:2:3:4"])
def test_a_malformed_search_option_says_the_forms(text):
    with pytest.raises(UserInputError, match="--search"):
        space.parse_search_option(text)


def test_the_tuning_section_round_trips_and_is_left_out_when_default():
    assert '"tuning"' not in project_to_json(small_project())
    project = small_project(search=[SearchParameter("training.learning_rate", 1e-4, 0.1, True),
                                    SearchParameter(UNITS, choices=[8, 16])],
                            objective="val_accuracy", trials=7)
    again = project_from_json(project_to_json(project))
    assert again.tuning == project.tuning


def test_every_searched_value_is_checked_at_its_place():
    project = small_project(search=[
        SearchParameter("training.batch_size", choices=[16, 0]),
        SearchParameter(UNITS, low=0, high=64),
        SearchParameter("training.nope", low=1, high=2),
        SearchParameter("model.layers[id=dropout_1].params.rate", low=0.1, high=1.5),
        SearchParameter("training.learning_rate", low=0.1, high=0.01),
    ])
    with pytest.raises(ProjectError) as caught:
        project_from_json(project_to_json(project))
    problems = caught.value.problems
    assert problems[0].startswith("tuning.search[4].high: must be larger than low")
    assert any(p.startswith("tuning.search[0].choices: 0 is not a valid value for "
                            "training.batch_size (expected an integer >= 1") for p in problems)
    assert any(p.startswith(f"tuning.search[1].low: 0 is not a valid value for {UNITS}")
               for p in problems)
    assert any(p.startswith('tuning.search[2].path: "training.nope" is not a setting')
               for p in problems)
    assert any(p.startswith("tuning.search[3].high: 1.5 is not a valid value")
               for p in problems)


def test_search_options_join_the_project_space_and_are_checked():
    project = small_project(search=[SearchParameter("training.learning_rate", 1e-4, 0.1, True)])
    joined = space.with_search(project, [space.parse_search_option(f"{UNITS}=4,8")])
    assert [item.path for item in joined.tuning.search] == ["training.learning_rate", UNITS]
    with pytest.raises(ProjectError, match=r"search\[1\]\.choices: 0 is not a valid value"):
        space.with_search(project, [space.parse_search_option(f"{UNITS}=0,8")])


def test_a_trial_project_holds_the_sampled_values_and_no_search():
    project = small_project(search=[SearchParameter(UNITS, choices=[8, 16])])
    trial = space.apply_params(project, {UNITS: 16, "training.learning_rate": 0.01}, "t 1")
    assert trial.model.layers[0].params["units"] == 16
    assert trial.training.learning_rate == 0.01 and trial.name == "t 1"
    assert trial.tuning == TuningSpec() and project.model.layers[0].params["units"] == 8


def test_direction_follows_the_objective_unless_given():
    assert space.direction_of(TuningSpec(objective="val_loss")) == "minimize"
    assert space.direction_of(TuningSpec(objective="val_accuracy")) == "maximize"
    assert space.direction_of(TuningSpec(objective="val_mae")) == "minimize"
    assert space.direction_of(TuningSpec(objective="val_loss",
                                         direction="maximize")) == "maximize"


def test_a_grid_lists_steps_and_choices_and_refuses_open_ranges():
    tuning = TuningSpec(search=[SearchParameter(UNITS, low=8, high=24, step=8),
                                SearchParameter("training.optimizer", choices=["adam", "sgd"])])
    assert space.grid(tuning) == {UNITS: [8, 16, 24], "training.optimizer": ["adam", "sgd"]}
    with pytest.raises(UserInputError, match="grid sampler needs a list"):
        space.grid(TuningSpec(search=[SearchParameter("training.learning_rate", 1e-4, 0.1,
                                                      True)]))


def test_workers_take_one_gpu_each_or_share_the_cores():
    gpus = plan_slots("auto", gpus=["0", "1"], cores=16)
    assert [slot.environment["CUDA_VISIBLE_DEVICES"] for slot in gpus] == ["0", "1"]
    cpus = plan_slots(2, gpus=[], cores=8)
    assert [slot.device for slot in cpus] == ["CPU", "CPU"]
    assert cpus[0].environment["TF_NUM_INTRAOP_THREADS"] == "4"
    assert len(plan_slots("auto", gpus=[], cores=2)) == 1


def test_search_this_starts_from_a_range_around_the_value():
    rate = space.default_search("training.learning_rate", 1e-3, "float", minimum=0.0,
                                maximum=10.0, exclusive_minimum=True)
    assert (rate.low, rate.high, rate.log) == (pytest.approx(1e-4), pytest.approx(1e-2), True)
    units = space.default_search(UNITS, 64, "int", minimum=1, maximum=65536)
    assert (units.low, units.high, units.log) == (32, 128, False)
    dropout = space.default_search("x.rate", 0.2, "float", minimum=0.0, maximum=0.9)
    assert (dropout.low, dropout.high) == (0.0, 0.5)
    assert space.default_search("training.optimizer", "adam", "choice",
                                choices=("adam", "sgd")).choices == ["adam", "sgd"]
    assert space.default_search("x.name", "a", "string") is None
