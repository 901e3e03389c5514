"""Training: the run loop, callbacks, optimization, checkpoints, resume, devices and the worker
protocol."""
