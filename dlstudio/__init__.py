"""dlstudio: build, train, evaluate and export Keras models by pointing and clicking."""

__version__ = "0.1.0"
