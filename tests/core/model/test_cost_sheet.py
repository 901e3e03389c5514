"""The cost sheet: multiply-adds counted by hand, memory, the largest batch that fits."""

from types import SimpleNamespace

import pytest

from dlstudio.core.model.cost_sheet import (
    cost_sheet,
    largest_batch,
    model_macs,
    optimizer_slots,
)
from dlstudio.core.model.shapes import inspect_stack
from dlstudio.core.project.project import LayerSpec, Project


def _report(shape, *layers, task="classification", num_classes=3):
    project = Project()
    project.model.layers = [LayerSpec.of(name, **params) for name, params in layers]
    return project, inspect_stack(project, shape, task, num_classes)


def _training(**overrides):
    values = {"batch_size": 32, "optimizer": "adam", "momentum": 0.9,
              "mixed_precision": False, "device": "cpu"}
    values.update(overrides)
    return SimpleNamespace(**values)


def test_dense_macs_are_inputs_times_units_for_every_layer():
    _, report = _report((10,), ("Dense", {"units": 16}))
    macs, notes = model_macs(report.every_row)
    # Dense 10 → 16, then the head Dense 16 → 3.
    assert macs == 10 * 16 + 16 * 3
    assert notes == []


def test_conv2d_macs_are_output_positions_times_kernel_times_input_channels():
    _, report = _report((8, 8, 3), ("Conv2D", {"filters": 4, "kernel_size": [3, 3]}),
                        ("Flatten", {}))
    macs, _ = model_macs(report.every_row)
    conv = 8 * 8 * 4 * 3 * 3 * 3  # "same" padding (the default) keeps 8 × 8
    head = 8 * 8 * 4 * 3
    assert macs == conv + head


def test_memory_counts_weights_gradients_adam_state_and_activations():
    _, report = _report((10,), ("Dense", {"units": 16}))
    sheet = cost_sheet(report, _training(), device=("CPU", 10**9))
    params = 10 * 16 + 16 + 16 * 3 + 3
    assert sheet.total_params == params
    assert sheet.weight_bytes == 4 * params
    assert sheet.optimizer_bytes == 2 * 4 * params
    assert sheet.activation_values == 10 + 16 + 3
    assert sheet.activation_bytes() == (10 + 16 + 3) * 4 * 2 * 32
    assert sheet.training_bytes() == 4 * params * 4 + sheet.activation_bytes()
    assert "multiply-adds" in sheet.short_line()
    assert sheet.to_json()["largest_batch"] == sheet.largest_batch > 32
    assert "fits in one batch" not in "\n".join(sheet.lines())
    small = cost_sheet(report, _training(), device=("CPU", 10**9), train_rows=100)
    assert "the whole training split (100 rows) fits in one batch" in "\n".join(small.lines())


@pytest.mark.parametrize(("optimizer", "momentum", "slots"), [
    ("adam", 0.9, 2), ("adamw", 0.0, 2), ("sgd", 0.9, 1), ("sgd", 0.0, 0),
    ("rmsprop", 0.0, 1)])
def test_optimizer_state_factor(optimizer, momentum, slots):
    assert optimizer_slots(optimizer, momentum) == slots


def test_largest_batch_grows_with_memory_and_is_zero_when_weights_do_not_fit():
    batches = [largest_batch(1000, 100, memory) for memory in (2000, 10_000, 10**6)]
    assert batches == sorted(batches) and batches[0] < batches[-1]
    assert largest_batch(10_000, 100, 5000) == 0
    assert largest_batch(10, 100, None) is None


def test_mixed_precision_halves_activation_memory():
    _, report = _report((10,), ("Dense", {"units": 16}))
    full = cost_sheet(report, _training(), device=("CPU", 10**9))
    half = cost_sheet(report, _training(mixed_precision=True), device=("CPU", 10**9))
    assert half.activation_bytes() * 2 == full.activation_bytes()


def test_lstm_macs_are_its_four_gates_at_every_time_step():
    _, report = _report((5, 3), ("LSTM", {"units": 4}))
    macs, _ = model_macs(report.every_row)
    # Per step 4 gates × (3 inputs + 4 recurrent) × 4 units; then the head Dense 4 → 3.
    assert macs == 5 * 4 * (3 + 4) * 4 + 4 * 3


def test_a_convolution_without_bias_counts_every_weight():
    _, report = _report((8, 8, 3), ("Conv2D", {"filters": 4, "kernel_size": [3, 3],
                                               "use_bias": False}), ("Flatten", {}))
    macs, _ = model_macs(report.every_row)
    assert report.top_level(0).param_count == 3 * 3 * 3 * 4
    assert macs == 8 * 8 * 4 * 3 * 3 * 3 + 8 * 8 * 4 * 3
