"""Which devices train: the GPUs found, the CPU otherwise, and the distribution strategy.

``auto`` trains on every GPU (``MirroredStrategy`` when there are several, the default strategy
on one) and on the CPU when there is none; ``gpu`` uses the first GPU; ``all_gpus`` mirrors over
all of them; ``cpu`` hides the GPUs. Whatever is chosen is said plainly in the plan's messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import tensorflow as tf

from dlstudio.core.native_logs import filtered_native_stderr

DEVICE_CHOICES = ("auto", "cpu", "gpu", "all_gpus")
CALL_SECONDS = 0.25
"""How long one call into TensorFlow (several training steps) may take: as long as the run
loop waits between two progress events anyway (``callbacks.BATCH_EVENT_INTERVAL``), so the
curves update as often; stop and pause act between calls."""


@dataclass
class DevicePlan:
    """Where training runs.

    Attributes:
        strategy: The ``tf.distribute`` strategy to build and train the model under.
        devices: What trains, in words, one entry per device.
        uses_gpu: Whether a GPU trains.
        messages: Sentences for the user about the choice (no GPU, a choice that cannot be met).
    """

    strategy: Any
    devices: list[str]
    uses_gpu: bool
    messages: list[str] = field(default_factory=list)

    @property
    def strategy_name(self) -> str:
        """The strategy's class name (``_DefaultDistributionStrategy`` reads ``default``)."""
        name = type(self.strategy).__name__
        return "default" if name.startswith("_Default") else name

    @property
    def replicas(self) -> int:
        """How many copies of the model train in step (the global batch is split among them)."""
        return int(self.strategy.num_replicas_in_sync)


def list_gpus() -> list[Any]:
    """Return TensorFlow's physical GPU devices (an empty list on a machine without one)."""
    with filtered_native_stderr():
        return list(tf.config.list_physical_devices("GPU"))


def share_gpus() -> int:
    """Let this process take GPU memory as it needs it, never the whole GPU at once.

    TensorFlow reserves nearly all of a GPU's memory on first use. Processes other than the
    training worker (``dlstudio evaluate``, ``predict``, ``export``, ``info``) call this before
    touching a GPU, so they never take the memory a running training needs. It must run before
    TensorFlow's runtime starts; after that it changes nothing (and says nothing).

    Returns:
        How many GPUs were set to grow.
    """
    shared = 0
    for gpu in list_gpus():
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
            shared += 1
        except (RuntimeError, ValueError):  # the runtime already started
            pass
    return shared


def gpu_names(gpus: list[Any]) -> list[str]:
    """Return ``GPU 0: <model name>`` for each GPU."""
    names = []
    for index, gpu in enumerate(gpus):
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except (ValueError, RuntimeError):
            details = {}
        names.append(f"GPU {index}: {details.get('device_name', gpu.name)}")
    return names


def cpu_description() -> str:
    """Return ``CPU (N cores)`` for this machine."""
    return f"CPU ({os.cpu_count() or 1} cores)"


def plan_devices(choice: str = "auto") -> DevicePlan:
    """Choose the devices and the strategy for the ``training.device`` setting ``choice``.

    Args:
        choice: One of :data:`DEVICE_CHOICES`.

    Returns:
        The plan; call it before any model is built (hiding GPUs must come first).
    """
    gpus = list_gpus()
    if choice == "cpu" or not gpus:
        return _cpu_plan(choice, gpus)
    names = gpu_names(gpus)
    if choice == "gpu" or len(gpus) == 1:
        strategy = tf.distribute.OneDeviceStrategy("/gpu:0") if len(gpus) > 1 else (
            tf.distribute.get_strategy())
        return DevicePlan(strategy, names[:1], True)
    return mirrored_plan([f"/gpu:{i}" for i in range(len(gpus))], names, uses_gpu=True)


def mirrored_plan(devices: list[str], names: list[str], uses_gpu: bool) -> DevicePlan:
    """Return a plan that trains a copy of the model on each of ``devices`` in step.

    :func:`plan_devices` uses it for several GPUs; the tests also build it over two logical
    CPU devices, which exercises the same ``MirroredStrategy`` code path without a GPU.

    Args:
        devices: TensorFlow device names such as ``/gpu:0``.
        names: What trains, in words, one entry per device.
        uses_gpu: Whether the devices are GPUs.
    """
    strategy = tf.distribute.MirroredStrategy(devices)
    return DevicePlan(strategy, names, uses_gpu,
                      [f"Training on {len(devices)} devices in step (MirroredStrategy); each "
                       "batch is split among them."])


def describe_devices(choice: str = "auto") -> str:
    """Return what would train for the ``training.device`` setting ``choice``, in one line.

    Cheap: it lists the devices without starting TensorFlow's runtime, hiding GPUs or building
    a strategy, so ``dlstudio info`` can show it before training.
    """
    gpus = list_gpus()
    cpu = cpu_description()
    if not gpus:
        text = "no GPU found \N{EM DASH} training will use the " + cpu
        return text + (f" (training.device {choice} will be ignored)"
                       if choice in ("gpu", "all_gpus") else "")
    names = ", ".join(gpu_names(gpus))
    if choice == "cpu":
        return f"{names}; training.device is cpu, so training will use the {cpu}"
    if choice == "gpu" or len(gpus) == 1:
        return f"{names}; training will use GPU 0"
    return f"{names}; training will use all {len(gpus)} GPUs in step"


def _cpu_plan(choice: str, gpus: list[Any]) -> DevicePlan:
    devices = [cpu_description()]
    if gpus:
        _hide_gpus()
        return DevicePlan(tf.distribute.OneDeviceStrategy("/cpu:0"), devices, False,
                          [f"Training on the CPU as the project asks; {len(gpus)} GPU(s) "
                           "left unused (set training.device to auto to use them)."])
    text = f"No GPU found: training on the {devices[0]}."
    if choice in ("gpu", "all_gpus"):
        text += (f" The setting training.device {choice} was ignored; to train on a GPU, "
                 "install the GPU build (pip install 'dlstudio[cuda]') on a machine with an "
                 "NVIDIA GPU.")
    return DevicePlan(tf.distribute.get_strategy(), devices, False, [text])


def _hide_gpus() -> None:
    try:
        tf.config.set_visible_devices([], "GPU")
    except RuntimeError:  # the runtime already started; OneDeviceStrategy still pins the CPU
        pass


def estimate_step_seconds(model: Any, batch_size: int, uses_gpu: bool) -> float:
    """Estimate the seconds of one training step from the model's size and shapes.

    Forward and backward take about ``6 × parameters × positions`` floating-point operations
    per sample, where positions is the number of places a layer's weights are applied (1 for
    Dense, height × width for a convolution, time steps for a recurrent layer). Each step also
    pays a fixed dispatch cost. The speeds are conservative averages for a laptop-class CPU and
    a data-centre GPU; the estimate only has to be right within a few times. (The benchmark's
    small CNN, 2e9 operations a step at batch 32, reaches 6e10 per second on two cores of an
    AVX-512 server: 33 ms of CPU time a step.)
    """
    operations = 0.0
    for layer in model.layers:
        parameters = layer.count_params() if layer.built else 0
        operations += 6.0 * parameters * _positions(layer)
    speed = 2e12 if uses_gpu else 4e10
    overhead = 0.002 if uses_gpu else 0.0015
    return overhead + batch_size * operations / speed


def choose_steps_per_execution(model: Any, batch_size: int, steps_per_epoch: int,
                               uses_gpu: bool) -> int:
    """Choose how many steps to run per call into TensorFlow.

    Small models spend most of a step in per-step overhead; running several steps per call
    amortizes it (1.5-1.7x faster measured here). Larger ones gain less, but every return to
    Python is a point where a busy machine's scheduler can keep the training thread waiting
    (the benchmark's small CNN: 10% less CPU time and steadier epochs at 4 steps a call than at
    1). Progress still has to reach the user a few times a second, and stop or pause act
    between calls, so a call is kept under :data:`CALL_SECONDS`.

    Returns:
        A number from 1 to 32, at most ``steps_per_epoch``.
    """
    step = estimate_step_seconds(model, batch_size, uses_gpu)
    steps = int(CALL_SECONDS // step) if step > 0 else 32
    return max(1, min(32, steps, steps_per_epoch))


def _positions(layer: Any) -> float:
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):
        return 1.0
    positions = 1.0
    for size in tuple(shape)[1:-1]:
        positions *= size or 1
    return positions
