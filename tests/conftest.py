"""Suite-wide settings: headless Qt, quiet TensorFlow, no GPU grabbing in tests."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
os.environ.setdefault("DLSTUDIO_WARM_WORKER", "0")  # tests that want one turn it on
