"""Why a run failed, in words a person can act on, and the ``error`` event's kind."""

from __future__ import annotations

from dlstudio.core.errors import DataError, ModelBuildError, TrainingError, UserInputError


class NonFiniteLoss(Exception):  # noqa: N818 - reported as a TrainingError by the run loop
    """Raised inside ``fit`` when the loss became NaN or infinite."""

    def __init__(self, epoch: int, step: int, value: float) -> None:
        self.epoch, self.step, self.value = epoch, step, value
        super().__init__(f"loss {value} at epoch {epoch}, batch {step}")


class NanLossError(TrainingError):
    """The loss became NaN or infinite."""


class OutOfMemoryError(TrainingError):
    """A device ran out of memory."""


def nan_message(error: NonFiniteLoss, learning_rate: float) -> str:
    """Return what to do when the loss became NaN or infinite."""
    return (
        f"The loss became {error.value} at epoch {error.epoch}, batch {error.step}, so training "
        f"stopped. Likely causes: the learning rate is too high (now {learning_rate:g}; try "
        f"{learning_rate / 10:g}); inputs that are not normalized or hold huge values; bad "
        "values in the data (inf, or numbers far out of range); a loss that does not fit the "
        "targets. Fix one of these, or turn on gradient clipping (training.clip_mode norm), "
        "and train again; the last checkpoint is kept in the run folder.")


def oom_message(batch_size: int) -> str:
    """Return what to do when a device ran out of memory."""
    return (f"The device ran out of memory with batch size {batch_size}. Reduce the batch "
            f"size (try {max(1, batch_size // 2)}), use smaller images, or use fewer or "
            "smaller layers, and train again.")


def error_kind(error: BaseException) -> str:
    """Return the ``error`` event kind for an exception."""
    if isinstance(error, DataError):
        return "data"
    if isinstance(error, ModelBuildError):
        return "model"
    if isinstance(error, NanLossError):
        return "nan_loss"
    if isinstance(error, OutOfMemoryError):
        return "out_of_memory"
    return "settings" if isinstance(error, UserInputError) else "internal"


def failure_text(error: BaseException) -> str:
    """Return the ``error`` event's message: the error's own for bad input, else a bug note."""
    if isinstance(error, UserInputError):
        return str(error)
    return (f"Internal error: {type(error).__name__}: {error}. This is a bug in dlstudio; the "
            "log has the details.")
