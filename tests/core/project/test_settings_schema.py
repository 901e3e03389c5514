"""One schema describes the training settings for the reader, the GUI form and `info`."""

import dataclasses

import pytest

from dlstudio.core.errors import ProjectError
from dlstudio.core.project.project import (
    AutoencoderSpec,
    EarlyStoppingSpec,
    FineTuneSpec,
    GanSpec,
    Project,
    ScheduleSpec,
    TrainingSpec,
)
from dlstudio.core.project.reading import project_from_dict
from dlstudio.core.project.settings_schema import (
    MOST_EPOCHS,
    TRAINING_SETTINGS,
    training_lines,
)


def _paths(spec: type, prefix: str = "") -> set[str]:
    paths = set()
    for item in dataclasses.fields(spec):
        nested = {"schedule": ScheduleSpec, "early_stopping": EarlyStoppingSpec,
                  "gan": GanSpec, "autoencoder": AutoencoderSpec,
                  "fine_tune": FineTuneSpec}.get(item.name)
        paths |= _paths(nested, f"{item.name}.") if nested else {prefix + item.name}
    return paths


def test_every_dataclass_field_has_exactly_one_setting_and_its_default_is_valid():
    assert set(TRAINING_SETTINGS) == _paths(TrainingSpec)
    for setting in TRAINING_SETTINGS.values():
        default = setting.default
        if setting.kind == "choice":
            assert default in setting.choices, setting.path
        if setting.minimum is not None:
            assert default > setting.minimum if setting.exclusive_minimum else \
                default >= setting.minimum, setting.path
        if setting.maximum is not None:
            assert default <= setting.maximum, setting.path


def test_the_reader_takes_ranges_and_choices_from_the_schema():
    with pytest.raises(ProjectError) as caught:
        project_from_dict({"schema_version": 2, "training": {
            "schedule": {"step_epochs": MOST_EPOCHS + 1},
            "early_stopping": {"monitor": "val_auc"}, "label_smoothing": 0.7}})
    text = str(caught.value)
    assert "training.schedule.step_epochs: expected an integer" in text
    assert "training.early_stopping.monitor" in text and "val_mae" in text
    assert "training.label_smoothing" in text
    read = project_from_dict({"schema_version": 2, "training": {"optimizer": "sgd"}})
    assert read.training == dataclasses.replace(TrainingSpec(), optimizer="sgd")


def test_visibility_rules_hide_what_has_no_effect():
    training = TrainingSpec()
    assert not TRAINING_SETTINGS["momentum"].is_active(training)
    training.optimizer = "rmsprop"
    assert TRAINING_SETTINGS["momentum"].is_active(training)
    assert not TRAINING_SETTINGS["nesterov"].is_active(training)
    training.schedule.kind = "cosine"
    assert TRAINING_SETTINGS["schedule.warmup_epochs"].is_active(training)
    assert not TRAINING_SETTINGS["schedule.factor"].is_active(training)


def test_info_lists_the_settings_that_apply_and_marks_changes():
    training = TrainingSpec(optimizer="sgd", epochs=3)

    text = "\n".join(training_lines(training))
    assert "epochs 3*" in text and "optimizer sgd*" in text and "momentum 0.9" in text
    assert "warm-up" not in text and "patience" not in text


def test_gan_settings_apply_to_gan_projects_only_and_are_written_when_changed():
    training = TrainingSpec()
    setting = TRAINING_SETTINGS["gan.critic_steps"]
    assert setting.is_active(training, "gan")
    assert not setting.is_active(training, "classification")
    assert not any("GAN" in line for line in training_lines(training, "classification"))
    assert any(line.startswith("  GAN: ") for line in training_lines(training, "gan"))
    project = Project()
    assert "gan" not in project.to_dict()["training"]
    project.training.gan.critic_steps = 2
    written = project.to_dict()
    assert written["training"]["gan"]["critic_steps"] == 2
    assert project_from_dict(written).training.gan.critic_steps == 2


def test_a_gan_hides_the_general_settings_it_ignores():
    training = TrainingSpec()
    ignored = ["learning_rate", "early_stopping.enabled", "early_stopping.patience",
               "class_weights", "label_smoothing"]
    for path in ignored:
        assert not TRAINING_SETTINGS[path].is_active(training, "gan"), path
        assert TRAINING_SETTINGS[path].for_task("classification"), path
    assert TRAINING_SETTINGS["learning_rate"].is_active(training, "vae")  # a VAE uses it
    assert not TRAINING_SETTINGS["class_weights"].is_active(training, "reconstruction")
    assert TRAINING_SETTINGS["optimizer"].is_active(training, "gan")  # both networks use it
    assert not any(line.startswith("  Early stopping") for line in training_lines(training,
                                                                                  "gan"))
