"""TensorFlow's native start-up chatter is dropped; real messages on descriptor 2 get through."""

import os
import subprocess
import sys

from dlstudio.core.native_logs import filtered_native_stderr, is_noise


def test_known_chatter_is_noise_and_real_errors_are_not():
    assert is_noise("WARNING: All log messages before absl::InitializeLog() is called are "
                    "written to STDERR")
    assert is_noise("I0000 00:00:1795253505.885704   26293 port.cc:153] oneDNN custom ops")
    assert is_noise("E0000 00:00:1795253532.062990   26416 cuda_platform.cc:52] failed call "
                    "to cuInit: UNKNOWN ERROR (303)")
    assert not is_noise("E0000 00:00:1.0 1 op.cc:1] Out of memory while allocating")
    assert not is_noise("Traceback (most recent call last):")


def test_the_filter_passes_real_lines_written_to_descriptor_2(capfd):
    with filtered_native_stderr():
        os.write(2, b"I0000 00:00:1795253505.8 7 port.cc:1] chatter\nreal problem\n")
    assert capfd.readouterr().err == "real problem\n"


def test_the_cli_prints_no_tensorflow_chatter():
    code = "import sys; from dlstudio.cli import main; sys.exit(main(['info', 'missing.json']))"
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "dlstudio: error: missing.json: file not found; check the path"]
