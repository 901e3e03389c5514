"""Which devices train, said plainly: the CPU fallback on a machine without a GPU, and the
MirroredStrategy path, exercised on two logical CPU devices."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dlstudio
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    TrainingSpec,
    save_project,
)
from dlstudio.core.training.devices import (
    cpu_description,
    describe_devices,
    list_gpus,
    plan_devices,
)

REPOSITORY = Path(dlstudio.__file__).resolve().parents[1]


GPUS = list_gpus()
"""What TensorFlow lists here: each test asserts the behaviour of this machine, with or without
a GPU (the suite hides GPUs unless CUDA_VISIBLE_DEVICES is set; see tests/conftest.py)."""


def test_auto_trains_on_the_gpus_found_or_on_the_cpu_and_says_so():
    plan = plan_devices("auto")

    assert plan.replicas == max(1, len(GPUS))
    if GPUS:
        assert plan.uses_gpu and plan.devices[0].startswith("GPU 0: ")
        assert not any("No GPU found" in text for text in plan.messages)
    else:
        assert not plan.uses_gpu and plan.devices == [cpu_description()]
        assert plan.strategy_name == "default"
        assert plan.messages == [f"No GPU found: training on the {cpu_description()}."]


def test_cpu_is_the_cpu_without_a_note_about_settings():
    plan = plan_devices("cpu")

    assert not plan.uses_gpu and plan.devices[0].startswith("CPU (")
    assert "ignored" not in plan.messages[0]


@pytest.mark.parametrize("choice", ["gpu", "all_gpus"])
def test_a_gpu_setting_uses_a_gpu_or_falls_back_to_the_cpu_and_says_it_was_ignored(choice):
    plan = plan_devices(choice)

    if GPUS:
        assert plan.uses_gpu and not any("ignored" in text for text in plan.messages)
        return
    assert not plan.uses_gpu and plan.replicas == 1
    text = plan.messages[0]
    assert text.startswith("No GPU found: training on the CPU (")
    assert f"training.device {choice} was ignored" in text
    assert "install the GPU build" in text


@pytest.mark.parametrize("choice, ending", [
    ("auto", ""), ("cpu", ""), ("gpu", " (training.device gpu will be ignored)")])
def test_the_device_line_names_the_gpus_or_the_cpu(choice, ending):
    line = describe_devices(choice)

    if GPUS:
        assert line.startswith("GPU 0: ") and "no GPU found" not in line
    else:
        assert line == f"no GPU found \N{EM DASH} training will use the {cpu_description()}{ending}"


def write_toy_project(folder: Path) -> None:
    """Write a 64-row CSV (label set by the sign of x1 + x2) and a 1-epoch project on it."""
    generator = np.random.default_rng(0)
    x1, x2 = generator.normal(size=64), generator.normal(size=64)
    pd.DataFrame({"x1": x1, "x2": x2, "label": np.where(x1 + x2 > 0, "up", "down")}).to_csv(
        folder / "toy.csv", index=False)
    save_project(Project(
        name="toy",
        data=DataSpec(kind="csv", path=str(folder / "toy.csv"), target="label"),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=8, activation="relu")]),
        training=TrainingSpec(epochs=1, batch_size=16)), folder / "toy.dlstudio.json")


MIRRORED_RUN = textwrap.dedent("""
    import json, sys
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from dlstudio.core.training import run as training
    from dlstudio.core.training import devices
    from dlstudio.core.training.events import Epoch, Finished, Started
    from dlstudio.core.project.project import load_project

    plan = devices.mirrored_plan(["/cpu:0", "/cpu:1"], ["CPU 0", "CPU 1"], uses_gpu=False)
    training.plan_devices = lambda choice: plan  # the GPU path's strategy, on two CPUs
    events = []
    result = training.run_training(load_project(sys.argv[1]), events.append,
                                   runs_dir=sys.argv[2])
    print(json.dumps({
        "replicas": plan.replicas,
        "started": [e.strategy for e in events if isinstance(e, Started)],
        "devices": [e.devices for e in events if isinstance(e, Started)],
        "epochs": [e.epoch for e in events if isinstance(e, Epoch)],
        "loss": [e.logs["loss"] for e in events if isinstance(e, Epoch)],
        "finished": [e.state for e in events if isinstance(e, Finished)],
        "model": result.run.model_path.exists()}))
""")


@pytest.mark.slow
def test_mirrored_strategy_trains_through_the_run_loop_on_two_logical_cpus(tmp_path):
    write_toy_project(tmp_path)
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}

    finished = subprocess.run(
        [sys.executable, "-c", MIRRORED_RUN, str(tmp_path / "toy.dlstudio.json"),
         str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=180, env=environment)

    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    assert report["started"] == ["MirroredStrategy"]
    assert report["devices"] == [["CPU 0", "CPU 1"]]
    assert report["epochs"] == [1] and report["finished"] == ["finished"]
    assert report["loss"][0] > 0 and report["model"]
