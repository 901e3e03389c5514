"""Typed editors for one value, made from a catalog :class:`~dlstudio.core.model.catalog.ParamSpec`.

Every editor validates as the user types (an invalid value turns the field red and says what is
expected) and emits :attr:`ValueEditor.committed` only with a valid, normalized value, so
nothing invalid ever reaches the document.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.model import catalog
from dlstudio.core.model.catalog import ParamSpec

_INT_LIMIT = 2**31 - 1


class ValueEditor(QWidget):
    """Base of the editors.

    Signals:
        committed(object): The user entered a valid new value.
        problemChanged(str): What is wrong with the text typed so far ("" when valid).
    """

    committed = Signal(object)
    problemChanged = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting :attr:`committed`."""
        raise NotImplementedError

    def shown_value(self) -> Any:
        """Return the last valid value shown or entered."""
        raise NotImplementedError

    def _commit(self, value: Any) -> None:
        checked, problem = self.spec.check(value)
        self.problemChanged.emit(problem or "")
        if problem is None:
            self.committed.emit(checked)


class IntEditor(ValueEditor):
    """A spin box limited to the parameter's range."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spin = QSpinBox(keyboardTracking=False)
        low = -_INT_LIMIT if spec.minimum is None else int(spec.minimum) + spec.exclusive_minimum
        high = _INT_LIMIT if spec.maximum is None else int(min(spec.maximum, _INT_LIMIT))
        self.spin.setRange(low, high)
        self.spin.setMinimumWidth(110)
        self.spin.valueChanged.connect(self._commit)
        self._layout.addWidget(self.spin)
        self._layout.addStretch(1)

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(int(value))
        self.spin.blockSignals(False)

    def shown_value(self) -> Any:
        return self.spin.value()


class _TextValueEditor(ValueEditor):
    """A line edit parsed on every keystroke and committed when editing ends."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit()
        self.line.setMinimumWidth(110)
        self.line.setMaximumWidth(240)
        self.line.textEdited.connect(self._validate)
        self.line.editingFinished.connect(self._finish)
        self._layout.addWidget(self.line)
        self._layout.addStretch(1)
        self._shown: Any = None

    def set_value(self, value: Any) -> None:
        self._shown = value
        self.line.setText(self.format(value))
        self._mark("")

    def shown_value(self) -> Any:
        return self._shown

    def format(self, value: Any) -> str:
        """Return ``value`` as the text shown."""
        raise NotImplementedError

    def parse(self, text: str) -> Any:
        """Return the value typed (raise ValueError when it is not even the right type)."""
        raise NotImplementedError

    def _check_text(self) -> tuple[Any, str | None]:
        try:
            value = self.parse(self.line.text())
        except ValueError:
            return None, f"expected {self.spec.describe_expected()}"
        return self.spec.check(value)

    def _validate(self) -> None:
        self._mark(self._check_text()[1] or "")

    def _finish(self) -> None:
        value, problem = self._check_text()
        self._mark(problem or "")
        if problem is None and value != self._shown:
            self._shown = value
            self.committed.emit(value)

    def _mark(self, problem: str) -> None:
        self.line.setProperty("invalid", bool(problem))
        self.line.style().unpolish(self.line)
        self.line.style().polish(self.line)
        self.problemChanged.emit(problem)


class FloatEditor(_TextValueEditor):
    """A number field (``0.001``, ``1e-4``) checked against the parameter's range."""

    def format(self, value: Any) -> str:
        return format(float(value), ".6g")

    def parse(self, text: str) -> Any:
        return float(text.strip())


class ShapeEditor(_TextValueEditor):
    """A list of whole numbers typed as ``8, 8, 3``."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line.setPlaceholderText(", ".join(str(v) for v in spec.default or [8, 8]))

    def format(self, value: Any) -> str:
        return ", ".join(str(item) for item in value)

    def parse(self, text: str) -> Any:
        parts = text.replace("[", "").replace("]", "").split(",")
        return [int(part) for part in parts if part.strip()]


class TextEditor(_TextValueEditor):
    """Free text such as a file path, with the parameter's keywords as the placeholder."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line.setMaximumWidth(360)
        self.line.setPlaceholderText(" or ".join(str(choice) for choice in spec.choices))

    def format(self, value: Any) -> str:
        return str(value)

    def parse(self, text: str) -> Any:
        return text


class ChoiceEditor(ValueEditor):
    """A drop-down of the allowed values (activations, initializers, choices)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.setMinimumWidth(150)
        for value in spec.allowed_values():
            self.combo.addItem(str(value), value)
        self.combo.activated.connect(lambda index: self._commit(self.combo.itemData(index)))
        self._layout.addWidget(self.combo)
        self._layout.addStretch(1)

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value)
        if index < 0:
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)

    def shown_value(self) -> Any:
        return self.combo.currentData()


class BoolEditor(ValueEditor):
    """A check box."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.checkbox = QCheckBox()
        self.checkbox.toggled.connect(self._commit)
        self._layout.addWidget(self.checkbox)
        self._layout.addStretch(1)

    def set_value(self, value: Any) -> None:
        self.checkbox.blockSignals(True)
        self.checkbox.setChecked(bool(value))
        self.checkbox.blockSignals(False)

    def shown_value(self) -> Any:
        return self.checkbox.isChecked()


class RegularizerEditor(ValueEditor):
    """The kind of penalty (none, L1, L2, both) and its strengths."""

    _NAMES = {"none": "none", "l1": "L1", "l2": "L2", "l1_l2": "L1 + L2"}

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.kind = QComboBox()
        for kind in catalog.REGULARIZERS:
            self.kind.addItem(self._NAMES[kind], kind)
        self._layout.addWidget(self.kind)
        strength = ParamSpec("strength", "float", 0.01, "Penalty strength.", minimum=0.0)
        self.amounts: dict[str, FloatEditor] = {}
        self.labels: dict[str, QLabel] = {}
        for key in ("l1", "l2"):
            self.labels[key] = QLabel(key.upper())
            self.amounts[key] = FloatEditor(strength)
            self.amounts[key].line.setMinimumWidth(70)
            self._layout.addWidget(self.labels[key])
            self._layout.addWidget(self.amounts[key])
            self.amounts[key].committed.connect(lambda _value: self._commit(self.shown_value()))
            self.amounts[key].problemChanged.connect(self.problemChanged)
        self.kind.activated.connect(lambda _index: self._on_kind())
        self._layout.addStretch(1)

    def shown_value(self) -> Any:
        kind = self.kind.currentData()
        if kind == "none":
            return "none"
        return {"kind": kind, **{key: float(editor.shown_value())
                                  for key, editor in self.amounts.items() if key in kind}}

    def set_value(self, value: Any) -> None:
        kind = value.get("kind", "none") if isinstance(value, dict) else "none"
        self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
        for key, editor in self.amounts.items():
            amount = value.get(key) if isinstance(value, dict) else None
            editor.set_value(amount if amount else 0.01)
        self._show_amounts()

    def _on_kind(self) -> None:
        self._show_amounts()
        self._commit(self.shown_value())

    def _show_amounts(self) -> None:
        kind = self.kind.currentData()
        for key in ("l1", "l2"):
            self.labels[key].setVisible(key in kind)
            self.amounts[key].setVisible(key in kind)


class OptionalEditor(ValueEditor):
    """A check box that sets the value, or leaves it unset (``None``, Keras's default)."""

    def __init__(self, inner: ValueEditor, parent: QWidget | None = None) -> None:
        super().__init__(inner.spec, parent)
        self.inner = inner
        self.enabled = QCheckBox("set")
        self.enabled.setToolTip("Unchecked: not set (Keras decides)")
        self._layout.addWidget(self.enabled)
        self._layout.addWidget(inner, 1)
        self.enabled.toggled.connect(self._toggled)
        inner.committed.connect(self.committed)
        inner.problemChanged.connect(self.problemChanged)

    def set_value(self, value: Any) -> None:
        self.enabled.blockSignals(True)
        self.enabled.setChecked(value is not None)
        self.enabled.blockSignals(False)
        self.inner.setEnabled(value is not None)
        if value is not None:
            self.inner.set_value(value)
        elif self.spec.default is not None:
            self.inner.set_value(self.spec.default)
        else:
            self.inner.set_value(_example_value(self.spec))

    def shown_value(self) -> Any:
        return self.inner.shown_value() if self.enabled.isChecked() else None

    def _toggled(self, on: bool) -> None:
        self.inner.setEnabled(on)
        self._commit(self.shown_value())


def _example_value(spec: ParamSpec) -> Any:
    """Return a valid value to start from when an unset optional parameter gets set."""
    low = spec.minimum if spec.minimum is not None else 1
    if spec.kind == "int":
        return int(low) + (1 if spec.exclusive_minimum else 0) or 1
    if spec.kind == "float":
        return float(low) if not spec.exclusive_minimum else float(low) + 0.1
    if spec.kind == "shape":
        return [max(int(low), 1)] * (spec.length or 2)
    values = spec.allowed_values()
    return values[0] if values else None


def create_editor(spec: ParamSpec, parent: QWidget | None = None) -> ValueEditor:
    """Return the editor for ``spec``'s kind (wrapped to allow "not set" when optional)."""
    kinds: dict[str, type[ValueEditor]] = {
        "int": IntEditor, "float": FloatEditor, "bool": BoolEditor, "shape": ShapeEditor,
        "regularizer": RegularizerEditor, "choice": ChoiceEditor, "activation": ChoiceEditor,
        "initializer": ChoiceEditor, "text": TextEditor,
    }
    editor = kinds[spec.kind](spec)
    if spec.optional and spec.kind != "regularizer":
        return OptionalEditor(editor, parent)
    editor.setParent(parent)
    return editor


class ParamField(QWidget):
    """An editor with its one-line explanation and, when the typed value is wrong, the problem.

    Args:
        spec: The parameter.
        parent: The parent widget.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = create_editor(spec)
        self.explanation = QLabel(spec.doc)
        self.explanation.setProperty("role", "hint")
        self.explanation.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        for widget in (self.editor, self.problem, self.explanation):
            layout.addWidget(widget)
        self.editor.problemChanged.connect(self._show_problem)
        self.setToolTip(f"{spec.doc}\nExpected: {spec.describe_expected()}")

    def _show_problem(self, problem: str) -> None:
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
