"""The anomaly detector's normal classes (``data.normal_classes``) as one line of text."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from dlstudio.core.project import paths as project_paths
from dlstudio.gui.document import Document


def learns_from_inputs(task: str) -> bool:
    """Whether ``task`` needs no target (an autoencoder, a VAE, a GAN)."""
    from dlstudio.core.tasks import get_task, task_names

    return task in task_names() and not get_task(task).needs_targets


def detects_anomalies(task: str) -> bool:
    """Whether ``task`` flags anomalies, so the project may name its normal classes."""
    from dlstudio.core.tasks import get_task, task_names

    return task in task_names() and get_task(task).detects_anomalies


class NormalClassesField(QLineEdit):
    """Class names separated by commas; each edit is one undo step. Follows the document."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setObjectName("normal_classes")
        self.setPlaceholderText("every sample is normal")
        self.setToolTip("Anomaly detection: the classes that are normal, separated by commas "
                        "(such as ok). The autoencoder trains on their samples only, and "
                        "evaluation scores how well the others are flagged.")
        self.editingFinished.connect(self._commit)
        document.changed.connect(self._on_changed)
        self._show()

    def set_classes(self, names: list[str] | tuple[str, ...]) -> None:
        """Offer the data's class names in the empty field's placeholder, so a person knows
        what to type."""
        shown = ", ".join(list(names)[:6]) + (", …" if len(names) > 6 else "")
        self.setPlaceholderText(f"every sample is normal; or name some of: {shown}" if names
                                else "every sample is normal")

    def _commit(self) -> None:
        names = [name.strip() for name in self.text().split(",") if name.strip()]
        if names != self.document.project.data.normal_classes:
            self.document.set_value("data.normal_classes", names, "Set the normal classes",
                                    mergeable=False)

    def _on_changed(self, path: str) -> None:
        if project_paths.affects(path, "data"):
            self._show()

    def _show(self) -> None:
        if not self.hasFocus():
            self.setText(", ".join(self.document.project.data.normal_classes))
