"""The main window's actions, menus and tool bar, with their shortcuts and tips."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from dlstudio import __version__
from dlstudio.core.errors import UserInputError
from dlstudio.core.model.templates import TEMPLATES, Template, choose_template
from dlstudio.core.project import layer_tree
from dlstudio.gui import settings as app_settings
from dlstudio.gui.theme import THEMES, icon

if TYPE_CHECKING:
    from dlstudio.gui.main_window import MainWindow

SHORTCUTS = (
    ("Ctrl+N / Ctrl+O / Ctrl+S", "new, open, save project"),
    ("Ctrl+Shift+S", "save as"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo"),
    ("Ctrl+1 … Ctrl+3", "Data, Model, Training settings tabs"),
    ("Ctrl+F", "search the layer palette"),
    ("Del / Ctrl+D", "delete / duplicate the selected layers"),
    ("Alt+Up / Alt+Down", "move the selected layers"),
    ("Ctrl+Shift+C", "show the model as Keras code"),
)


@dataclass
class WindowActions:
    """The actions a test or another part of the window needs by name."""

    window: MainWindow
    named: dict[str, QAction] = field(default_factory=dict)
    recent_menu: QMenu | None = None
    help_menu: QMenu | None = None

    def __getitem__(self, name: str) -> QAction:
        return self.named[name]

    def fill_recent(self, paths: list[str]) -> None:
        """List ``paths`` under File › Open Recent."""
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        for path in paths:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.window.open_path(p))
        menu.setEnabled(bool(paths))


def build_menus(window: MainWindow) -> WindowActions:
    """Create the window's menus and tool bar; return the actions."""
    actions = WindowActions(window)
    _file_menu(window, actions)
    _edit_menu(window, actions)
    _view_menu(window, actions)
    _templates_menu(window)
    actions.help_menu = _help_menu(window)
    _tool_bar(window, actions)
    return actions


def _action(window: MainWindow, actions: WindowActions, name: str, text: str,
            slot: Callable[[], object], shortcut: QKeySequence | str | None = None,
            tip: str = "", icon_name: str = "") -> QAction:
    action = QAction(icon(icon_name) if icon_name else QIcon(), text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    keys = f" ({action.shortcut().toString()})" if shortcut else ""
    action.setToolTip(f"{tip or text.replace('&', '')}{keys}")
    action.setStatusTip(tip or text)
    action.triggered.connect(lambda _checked=False: slot())
    actions.named[name] = action
    return action


def _file_menu(window: MainWindow, actions: WindowActions) -> None:
    menu = window.menuBar().addMenu("&File")
    keys = QKeySequence.StandardKey
    menu.addAction(_action(window, actions, "new", "&New project", window.new_project, keys.New,
                           "Start an empty project", "new"))
    menu.addAction(_action(window, actions, "open", "&Open…", window.open_dialog, keys.Open,
                           "Open a project file", "open"))
    actions.recent_menu = menu.addMenu("Open &recent")
    examples = menu.addMenu(icon("example"), "Open &example")
    for title, description, path in app_settings.examples():
        action = examples.addAction(f"{title} ({description})")
        action.triggered.connect(lambda _checked=False, p=path: window.open_path(p))
    examples.setEnabled(bool(examples.actions()))
    menu.addSeparator()
    menu.addAction(_action(window, actions, "from_csv", "New from a &CSV file…",
                           lambda: window.start_from_data_dialog("csv"),
                           tip="Start a project from a table", icon_name="table"))
    menu.addAction(_action(window, actions, "from_images", "New from an &image folder…",
                           lambda: window.start_from_data_dialog("images"),
                           tip="Start a project from one folder of images per class",
                           icon_name="images"))
    menu.addAction(_action(window, actions, "import_keras", "Import &Keras model…",
                           window.import_keras_dialog,
                           tip="Open a .keras model as a project that fine-tunes it on your "
                               "data"))
    menu.addSeparator()
    menu.addAction(_action(window, actions, "save", "&Save", window.save, keys.Save,
                           "Save the project", "save"))
    menu.addAction(_action(window, actions, "save_as", "Save &as…", window.save_as,
                           "Ctrl+Shift+S", "Save the project under a new name"))
    menu.addAction(_action(window, actions, "close", "&Close project", window.close_project,
                           keys.Close, "Close the project and go back to the start"))
    menu.addSeparator()
    menu.addAction(_action(window, actions, "quit", "&Quit", window.close, keys.Quit))


def _edit_menu(window: MainWindow, actions: WindowActions) -> None:
    menu = window.menuBar().addMenu("&Edit")
    stack = window.document.undo_stack
    undo = stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    undo.setIcon(icon("undo"))
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    redo.setIcon(icon("redo"))
    actions.named.update(undo=undo, redo=redo)
    menu.addAction(undo)
    menu.addAction(redo)
    menu.addSeparator()
    stack_view = window.layer_stack
    for action in (stack_view.delete_action, stack_view.duplicate_action,
                   stack_view.move_up_action, stack_view.move_down_action):
        menu.addAction(action)
    menu.addSeparator()
    find = _action(window, actions, "find_layer", "&Find a layer", _focus_palette(window),
                   QKeySequence.StandardKey.Find, "Search the layer palette")
    menu.addAction(find)


def _focus_palette(window: MainWindow) -> Callable[[], None]:
    def focus() -> None:
        window.show_workbench("Model")
        window.palette.search.setFocus()
        window.palette.search.selectAll()

    return focus


def _view_menu(window: MainWindow, actions: WindowActions) -> None:
    menu = window.menuBar().addMenu("&View")
    for number, name in enumerate(("Data", "Model", "Training settings"), start=1):
        menu.addAction(_action(window, actions, f"tab_{number}", f"&{name}",
                               lambda n=name: window.show_workbench(n), f"Ctrl+{number}"))
    menu.addSeparator()
    menu.addAction(_action(window, actions, "show_code", "Show &code…", window.show_code,
                           "Ctrl+Shift+C", "The model as a runnable Keras script", "code"))
    menu.addSeparator()
    themes = QActionGroup(window)
    current = app_settings.settings().value("appearance/theme", "light")
    for name in THEMES:
        action = QAction(f"{name.capitalize()} theme", window, checkable=True)
        action.setChecked(name == current)
        action.triggered.connect(lambda _checked=False, n=name: window.set_theme(n))
        themes.addAction(action)
        menu.addAction(action)
        actions.named[f"theme_{name}"] = action


def _templates_menu(window: MainWindow) -> None:
    menu = window.menuBar().addMenu("&Templates")
    menu.setToolTipsVisible(True)
    menu.aboutToShow.connect(lambda: fill_templates_menu(window, menu))
    fill_templates_menu(window, menu)


def template_data_kind(window: MainWindow) -> str:
    """The kind of data the open project feeds a model, in the templates' words: ``series``
    (windows of a time series), ``images``, ``text`` (token sequences) or ``table``."""
    data = window.document.project.data
    if data.series is not None:
        return "series"
    if data.kind == "images":
        return "images"
    return "text" if data.text_encoding == "sequence" else "table"


def fill_templates_menu(window: MainWindow, menu: QMenu) -> None:
    """List the templates that fit the project's data first, the one the core would choose
    marked, then the others under their own heading."""
    menu.clear()
    kind = template_data_kind(window)
    info = window.data_session.info
    suggested = choose_template(kind, info.task if info else "regression",
                                info.feature_shape if info else ()).name
    fitting = [t for t in TEMPLATES.values() if kind in t.kinds]
    others = [t for t in TEMPLATES.values()  # a template with its own task only where it fits
              if kind not in t.kinds and t.task is None]
    words = {"series": "a time series", "images": "images", "text": "text sequences",
             "table": "a table"}
    if fitting:
        menu.addSection(f"For {words.get(kind, kind)}")
    for template in fitting + others:
        if template is (others[0] if others else None):
            menu.addSection("For other kinds of data")
        kinds = ", ".join(template.kinds)
        mark = "  — suggested" if template.name == suggested and fitting else ""
        action = menu.addAction(icon("template"), f"{template.title}  ({kinds}){mark}")
        action.setToolTip(template.doc)
        action.setStatusTip(template.doc)
        action.setData(template.name)
        if mark:
            font = action.font()
            font.setBold(True)
            action.setFont(font)
        action.triggered.connect(lambda _checked=False, t=template: _apply_template(window, t))


def _apply_template(window: MainWindow, template: Template) -> None:
    document = window.document
    model = document.project.model
    data = copy.deepcopy(document.project.data)
    image_size = _template_image_size(window, template)
    if image_size is not None:
        data.image_size = image_size
    try:
        template.parts_for(data)  # a size its blocks cannot take says so
    except UserInputError as error:
        QMessageBox.warning(window, "Template", f"The template {template.title} does not fit "
                                                f"this data: {error}.")
        return
    count = layer_tree.count_layers(model.layers, model.side_stacks)
    text = f"Apply template {template.title}"
    if template.settings:  # its layers and the training settings it starts with, together
        values = {f"training.{path}": value for path, value in template.settings}
        document.set_values({"model": template.model_for(data), **values}, text)
    elif template.task is not None or model.parts:  # the parts and the task change together
        task = template.task or ("auto" if document.project.data.task in (
            "reconstruction", "vae", "gan") else document.project.data.task)
        sized = {"data.image_size": image_size} if image_size is not None else {}
        sized.update(_task_epochs(window, task))
        document.set_values({"model": template.model_for(data), "data.task": task, **sized},
                            text)
    else:
        document.replace_layers(template.layers_for(data), template.name, text)
    window.show_workbench("Model")
    notes = [f"The template {template.title} replaced the model's {count} layer(s)"] if count \
        else []
    if image_size is not None:
        notes.append(f"images are now read at their own size, {image_size[0]}x{image_size[1]} "
                     "(Data tab)")
    if notes:
        window.statusBar().showMessage("; ".join(notes) + "; Edit ▸ Undo (Ctrl+Z) brings "
                                       "back what was there.", 10000)


def _task_epochs(window: MainWindow, task: str) -> dict[str, int]:
    """The epochs a template that changes the task starts with, as ``dlstudio init`` sizes
    them for that task (a GAN aims for 15000 steps: 50 epochs of a classifier's drafted the
    digits' GAN at a sixth of that); nothing when the task stays or the data is unread."""
    from dlstudio.core.project.from_data import epochs_for
    from dlstudio.core.tasks import task_names

    project = window.document.project
    info = window.data_session.info
    if task == project.data.task or task not in task_names() or info is None:
        return {}
    rows = int(info.split_sizes.get("train", 0))
    return {"training.epochs": epochs_for(task, rows, project.training.batch_size)} if rows \
        else {}


def _template_image_size(window: MainWindow, template: Template) -> list[int] | None:
    """The smaller input size a template that keeps small images small (dcgan: 8x8 digits
    stay 8x8) gives an image folder, as ``dlstudio init --template`` sizes it; ``None`` when
    the size stays (other templates and data, or images no smaller than the size set)."""
    from dlstudio.core.project.from_data import typical_image_size

    data = window.document.project.data
    scan = window.data_session.source.scan
    if data.kind != "images" or not template.min_image_side or scan is None:
        return None
    fitted = typical_image_size(scan.root, scan.files, template.min_image_side)
    if fitted is None:
        return None
    size = fitted[0]
    smaller = all(new <= old for new, old in zip(size, data.image_size, strict=True))
    return size if smaller and size != list(data.image_size) else None


def _help_menu(window: MainWindow) -> QMenu:
    menu = window.menuBar().addMenu("&Help")
    shortcuts = menu.addAction("&Keyboard shortcuts")
    shortcuts.triggered.connect(lambda: QMessageBox.information(
        window, "Keyboard shortcuts",
        "\n".join(f"{keys}:  {what}" for keys, what in SHORTCUTS)))
    about = menu.addAction("&About dlstudio")
    about.triggered.connect(lambda: QMessageBox.about(
        window, "About dlstudio",
        f"<b>dlstudio {__version__}</b><br>Build, train, evaluate and export Keras models by "
        "pointing and clicking.<br>Projects are plain JSON; everything the window does, "
        "<code>dlstudio</code> does on the command line."))
    return menu


def _tool_bar(window: MainWindow, actions: WindowActions) -> None:
    bar = window.addToolBar("Main")
    bar.setObjectName("main_tool_bar")
    bar.setMovable(False)
    for name in ("new", "open", "save", None, "undo", "redo", None, "show_code"):
        if name is None:
            bar.addSeparator()
        else:
            bar.addAction(actions[name])
