"""The worker protocol on its own: every event survives encode → decode, bad lines are refused."""

import json
import math

import pytest

from dlstudio.core.training.events import (
    PROTOCOL_VERSION,
    Batch,
    Epoch,
    Error,
    Finished,
    Message,
    ProtocolError,
    Ready,
    Samples,
    Started,
    decode,
    decode_run_command,
    encode,
    encode_run_command,
)

EXAMPLES = [
    Started("/runs/a", ["CPU (2 cores)"], "default", 10, 7, 32, 0,
            {"train": 211, "validation": 45, "test": 44}),
    Batch(1, 3, 7, {"loss": 0.9, "accuracy": 0.5}, 1234.5),
    Epoch(2, {"loss": 0.5, "val_loss": 0.6}, 0.001, 3.25, 2),
    Message("warning", "Skipped 2 unreadable images."),
    Samples(3, "/runs/a/samples/epoch_0003.png", 0.82),
    Finished("/runs/a", 2, {"loss": 0.5}, "stopped"),
    Error("The loss became nan at epoch 1.", "nan_loss", "/runs/a"),
    Error("project.json: file not found", "settings", None),
    Ready(),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_every_event_round_trips_as_one_line(event):
    line = encode(event)

    assert "\n" not in line
    assert json.loads(line)["type"] == event.TYPE
    assert decode(line) == event


def test_started_carries_the_protocol_version():
    assert json.loads(encode(EXAMPLES[0]))["protocol"] == PROTOCOL_VERSION


def test_non_finite_values_are_valid_json_and_come_back():
    line = encode(Batch(1, 1, 5, {"loss": math.nan, "big": math.inf}, 10.0))

    json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    logs = decode(line).logs
    assert math.isnan(logs["loss"]) and logs["big"] == math.inf


def test_integers_are_read_as_floats_where_floats_are_expected():
    event = decode('{"type":"epoch","epoch":1,"logs":{"loss":1},"learning_rate":1,'
                   '"elapsed":2,"best_epoch":1}')

    assert isinstance(event.learning_rate, float) and isinstance(event.logs["loss"], float)


def test_fields_added_by_a_newer_worker_are_ignored():
    body = json.loads(encode(EXAMPLES[3]))
    body["colour"] = "red"

    assert decode(json.dumps(body)) == EXAMPLES[3]


@pytest.mark.parametrize("line, complaint", [
    ("Epoch 1/10 ━━━━", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"type": "progress"}', "unknown event type"),
    ('{"level": "info", "text": "no type"}', "unknown event type"),
    ('{"type": "message", "text": "hi"}', "without 'level'"),
    ('{"type": "message", "level": "debug", "text": "hi"}', "expected one of"),
    ('{"type": "batch", "epoch": "1", "step": 1, "steps": 2, "logs": {}, '
     '"samples_per_second": 1}', "batch.epoch"),
    ('{"type": "batch", "epoch": true, "step": 1, "steps": 2, "logs": {}, '
     '"samples_per_second": 1}', "batch.epoch"),
    ('{"type": "epoch", "epoch": 1, "logs": {"loss": "low"}, "learning_rate": 0.1, '
     '"elapsed": 1, "best_epoch": 1}', "epoch.logs"),
    ('{"type": "finished", "run_dir": "r", "best_epoch": 1, "best_metrics": {}, '
     '"state": "done"}', "finished.state"),
    ('{"type": "error", "message": "x", "kind": "meltdown", "run_dir": null}', "error.kind"),
])
def test_malformed_lines_are_refused_with_the_reason(line, complaint):
    with pytest.raises(ProtocolError, match=complaint):
        decode(line)


def test_a_stream_of_another_protocol_version_is_refused():
    body = json.loads(encode(EXAMPLES[0]))
    body["protocol"] = PROTOCOL_VERSION + 1

    with pytest.raises(ProtocolError, match="protocol version"):
        decode(json.dumps(body))


def test_a_warm_worker_of_another_protocol_version_is_refused():
    with pytest.raises(ProtocolError, match="protocol version"):
        decode(json.dumps({"type": "ready", "protocol": PROTOCOL_VERSION + 1}))


def test_the_run_command_round_trips_and_fills_in_what_is_left_out():
    line = encode_run_command("/p/é.dlstudio.json", epochs=2, runs_dir="/r")
    assert line.startswith("run {") and "\n" not in line
    assert decode_run_command(line) == {"project": "/p/é.dlstudio.json", "epochs": 2,
                                        "runs_dir": "/r", "resume": None}
    assert decode_run_command('run {"resume": "/r/1"}')["project"] is None


@pytest.mark.parametrize(("line", "complaint"), [
    ("stop", "expected a 'run' command"),
    ("run [1]", "expected a JSON object"),
    ("run {", "not JSON"),
    ('run {"project": "p", "gpu": 1}', "unknown run option"),
    ('run {"epochs": "3"}', "run.epochs: expected int"),
])
def test_bad_run_commands_are_refused_with_the_reason(line, complaint):
    with pytest.raises(ProtocolError, match=complaint):
        decode_run_command(line)


def test_a_message_carries_a_fix_and_lines_without_one_stay_unchanged():
    fix = {"label": "Set the learning rate to 0.01", "settings": {"training.learning_rate": 0.01},
           "ignore_columns": []}
    event = Message("warning", "Training doctor: too high.", fix)

    assert decode(encode(event)) == event
    assert "fix" not in json.loads(encode(Message("info", "plain")))


def test_a_malformed_fix_is_refused_with_its_reason():
    line = '{"type":"message","level":"warning","text":"t","fix":{"label":"x","settings":{}}}'

    with pytest.raises(ProtocolError, match="message.fix: a fix sets values or ignores"):
        decode(line)


def test_epoch_diagnostics_and_started_baselines_round_trip():
    epoch = Epoch(1, {"loss": 0.5}, 0.01, 1.0, 1, {"gradient_norm": 2.5, "dead_relu_share": 0.0})
    started = Started("/r", ["CPU"], "default", 3, 2, 8, baselines={"val_accuracy": 0.5})

    assert decode(encode(epoch)) == epoch and decode(encode(started)) == started
