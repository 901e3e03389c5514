"""What a model predicts, one module per task behind the :class:`~dlstudio.core.tasks.base.Task`
seam; callers find a task by its name with :func:`get_task`."""

from dlstudio.core.tasks import (  # noqa: F401  (they register)
    classification,
    forecasting,
    gan,
    reconstruction,
    regression,
    vae,
)
from dlstudio.core.tasks.base import Task, get_task, register, task_names

__all__ = ["Task", "get_task", "register", "task_names"]
