"""The Train tab: start, pause, resume and stop a run; watch its progress, curves and log.

:class:`TrainingView` drives a :class:`~dlstudio.gui.run_client.RunClient` (the worker process)
for the document's saved project. It shows the devices in use, a progress bar with epoch and
step, samples per second, elapsed time and time left, the live curves (and, for a generative
run, the grid of samples it writes each epoch), the training doctor's hints with their fix
buttons (:mod:`~dlstudio.gui.widgets.doctor_hints`), and a log of the worker's messages and
stderr.
A worker that crashes or is killed leaves a banner that says what happened and offers to
resume the run from its last checkpoint — or, when it ran out of memory, to halve the batch
size (one undo step) and train again, since resuming with the same batch size would run out
of memory again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.history import RunHistory
from dlstudio.core.runs.record import CheckpointState, RecordError
from dlstudio.core.training import events
from dlstudio.gui.document import Document
from dlstudio.gui.run_client import RunClient
from dlstudio.gui.theme import icon
from dlstudio.gui.widgets.curves import LEARNING_RATE_PLOT, CurvesView
from dlstudio.gui.widgets.doctor_hints import DoctorHints
from dlstudio.gui.widgets.log_panel import LogPanel
from dlstudio.gui.widgets.sample_grid_view import SampleGridView
from dlstudio.gui.widgets.stopping_dialog import StoppingDialog
from dlstudio.gui.widgets.training_progress import ProgressClock, format_duration
from dlstudio.gui.widgets.weights_download import ensure_weights

DEVICE_WORDS = re.compile(r"\b[GC]PUs?\b")
TRAIN_TIP = ("Train the project (F5); a project that was never saved is saved first, since "
             "training runs its file as `dlstudio train` does")
STOP_TIP = "Stop after the current batch; the run keeps its model and checkpoint"
RESUMABLE_ERRORS = ("internal",)


class TrainingView(QWidget):
    """Controls, progress, live curves and log of the document's training run.

    Args:
        document: The open project; training runs its saved file.
        client: The worker client (tests pass one around a fake worker).
        parent: The Qt parent.

    Signals:
        run_started(str): A run began or resumed in this folder.
        run_ended(str): The run in this folder ended (finished, stopped, failed or crashed).
        ready_to_close(): The run that the window was closing for has stopped.

    Attributes:
        save_project: Asks where to save a project that has no file yet and saves it; returns
            whether it was saved (the main window's "Save as"). Without it, Train on an
            unsaved project explains instead.
    """

    run_started = Signal(str)
    run_ended = Signal(str)
    ready_to_close = Signal()

    def __init__(self, document: Document, client: RunClient | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.client = client or RunClient(self)
        self.runs_dir: Path | None = None
        self.save_project: Callable[[], bool] | None = None
        self.stopping_dialog: StoppingDialog | None = None
        self._saved_for_close = False
        self.history: RunHistory | None = None
        self.clock = ProgressClock()
        self._resume_dir = ""
        self._batch_size = 0
        self._devices: list[str] = []
        self._device_notes: list[str] = []
        self._build()
        self._connect()
        self._update_buttons()

    # Building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.train_button = self._button("Train", "train", TRAIN_TIP, self.train, primary=True)
        self.train_button.setShortcut("F5")
        self.pause_button = self._button("Pause", "pause", "Pause after the current batch",
                                         self.client.pause)
        self.resume_button = self._button("Resume", "resume", "Go on after a pause",
                                          self.client.resume)
        self.stop_button = self._button("Stop", "stop", STOP_TIP, self.client.stop)
        self.devices_label = QLabel("Devices: chosen when training starts")
        self.devices_label.setProperty("role", "hint")
        self.devices_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.resume_button,
                       self.stop_button):
            buttons.addWidget(button)
        buttons.addSpacing(12)
        buttons.addWidget(self.devices_label, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Not started")
        self.progress.setTextVisible(True)
        self.speed_label, self.elapsed_label, self.left_label = QLabel(), QLabel(), QLabel()
        self.state_label = QLabel("Ready")
        stats = QHBoxLayout()
        for label in (self.state_label, self.speed_label, self.elapsed_label, self.left_label):
            stats.addWidget(label)
            stats.addSpacing(18)
        stats.addStretch(1)
        self.banner, self.banner_text, self.banner_button = self._banner()
        self.curves = CurvesView()
        self.samples = SampleGridView()
        self.log = LogPanel()
        self.hints = DoctorHints(self.document)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.curves)
        top.addWidget(self.samples)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.hints)
        splitter.addWidget(self.log)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([520, 200, 160])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addLayout(stats)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self._update_times)

    def _button(self, text: str, icon_name: str, tip: str, slot, *,
                primary: bool = False) -> QPushButton:
        button = QPushButton(icon(icon_name), text)
        button.setToolTip(tip)
        if primary:
            button.setProperty("role", "primary")
        button.clicked.connect(slot)
        return button

    def _banner(self) -> tuple[QFrame, QLabel, QPushButton]:
        banner = QFrame()
        banner.setProperty("role", "banner-error")
        text = QLabel(wordWrap=True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        button = QPushButton(icon("resume"), "Resume from last checkpoint")
        button.clicked.connect(self._on_banner_button)
        row = QHBoxLayout(banner)
        row.addWidget(text, 1)
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        banner.hide()
        return banner, text, button

    def _connect(self) -> None:
        client = self.client
        client.started.connect(self._on_started)
        client.batch.connect(self._on_batch)
        client.epoch.connect(self._on_epoch)
        client.message.connect(self._on_message)
        client.samples.connect(self.samples.show_samples)
        client.phase.connect(self._on_phase)
        client.finished.connect(self._on_finished)
        client.error.connect(self._on_error)
        client.log.connect(self.log.add_output)
        client.crashed.connect(self._on_crashed)
        client.state_changed.connect(self._on_state)
        self.document.fileChanged.connect(self._update_buttons)
        self.document.replaced.connect(self.reset)

    # Commands -----------------------------------------------------------------------------

    def train(self) -> None:
        """Start a new run of the document's project (saving it first, if the user agrees)."""
        if self.client.is_active() or not self._saved_project():
            return
        if not ensure_weights(self, self.document.project, self.warn):
            return
        self._begin(self.document.project.name)
        self.client.start(self.document.path, runs_dir=self.runs_dir)

    def resume_run(self, run_dir: str | Path) -> None:
        """Continue the run in ``run_dir`` from its last checkpoint."""
        if self.client.is_active():
            return
        self._begin(Path(run_dir).name)
        self.client.start(None, resume_from=run_dir)

    def resume_crashed_run(self) -> None:
        """Resume the run that crashed or failed (the banner's button)."""
        if self._resume_dir:
            self.resume_run(self._resume_dir)

    def retry_with_smaller_batches(self) -> None:
        """Halve the project's batch size (one undo step), save, and start a new run (the
        banner's button after running out of memory)."""
        smaller = max(1, self._batch_size // 2)
        was_dirty = self.document.is_dirty()
        self.document.set_value("training.batch_size", smaller,
                                f"Halve the batch size to {smaller}", mergeable=False)
        if not was_dirty and self.document.path is not None:
            self.document.save()
        self.train()

    def _on_banner_button(self) -> None:
        if self.banner_button.property("action") == "halve":
            self.retry_with_smaller_batches()
        else:
            self.resume_crashed_run()

    def confirm_close(self) -> bool:
        """Whether the window may close now.

        During a run this asks first. When the person agrees, the run is stopped without
        blocking: a "Stopping…" dialog shows the progress, the window keeps painting, and
        :attr:`ready_to_close` is raised once the worker has reported that it stopped (its
        model, checkpoint and run.json are saved by then; the process may take a few more
        seconds to exit, which the window does not wait for). A worker that does not stop is
        ended by force. Until then this returns False.
        """
        if self._saved_for_close or not self.client.is_active():
            return True
        if self.stopping_dialog is not None:
            return False
        if not self.ask("A training run is in progress. Stop it and close? The run keeps "
                        "its last completed epoch and can be resumed later."):
            return False
        self._stop_for_close()
        return False

    def stop_before_switch(self) -> bool:
        """Whether another project may be opened now.

        During a run this asks first; when the person agrees, the run is stopped and this
        waits, with the window painting and a "Stopping…" dialog showing the progress, until
        the worker has reported that it saved (or was ended by force).
        """
        if not self.client.run_in_progress():
            return True
        if not self.ask("A training run is in progress. Stop it and open the other project? "
                        "The run keeps its last completed epoch and can be resumed later."):
            return False
        dialog = StoppingDialog(parent=self.window())
        dialog.text.setText("Stopping the training run: the worker finishes its batch and "
                            "saves its checkpoint, then the other project opens.")
        dialog.kill_requested.connect(self.client.kill)
        loop = QEventLoop(self)
        poll = QTimer(self, interval=50)
        poll.timeout.connect(lambda: None if self.client.run_in_progress() else loop.quit())
        self.client.stop()
        dialog.show()
        poll.start()
        loop.exec()
        poll.stop()
        poll.deleteLater()
        dialog.hide()
        dialog.deleteLater()
        return True

    def _stop_for_close(self) -> None:
        dialog = StoppingDialog(parent=self.window())
        dialog.kill_requested.connect(self.client.kill)
        self.stopping_dialog = dialog
        self.client.stop()
        dialog.show()

    def _closing_run_ended(self) -> None:
        dialog, self.stopping_dialog = self.stopping_dialog, None
        if dialog is not None:
            self._saved_for_close = True
            dialog.hide()
            dialog.deleteLater()
            self.ready_to_close.emit()

    def warn(self, title: str, text: str) -> None:
        """Show a problem that keeps training from starting (tests replace this)."""
        QMessageBox.warning(self, title, text)

    def ask(self, question: str) -> bool:
        """Ask the user a yes/no question (tests replace this)."""
        answer = QMessageBox.question(self, "dlstudio", question)
        return answer == QMessageBox.StandardButton.Yes

    def reset(self) -> None:
        """Forget the last run's progress, curves and log (another project was opened).

        A run still in progress keeps showing: it goes on in its own process. A run that has
        reported its end is forgotten even while its process is still exiting.
        """
        if self.client.run_in_progress():
            return
        self.history = None
        self.curves.show_runs([])
        self.samples.clear()
        self.clock = ProgressClock()
        self.progress.setValue(0)
        self.progress.setFormat("Not started")
        for label in (self.speed_label, self.elapsed_label, self.left_label):
            label.clear()
        self.state_label.setText("Ready")
        self.devices_label.setText("Devices: chosen when training starts")
        self.devices_label.setToolTip("")
        self.banner.hide()
        self._resume_dir = ""
        self.log.clear()
        self.hints.clear()

    def _saved_project(self) -> bool:
        if self.document.path is None:
            if self.save_project is not None:
                return self.save_project()
            QMessageBox.information(self, "Train", "Save the project first (File ▸ Save As): "
                                    "training runs the project file, as `dlstudio train` does.")
            return False
        if self.document.is_dirty():
            if not self.ask("The project has unsaved changes. Save them and train?"):
                return False
            self.document.save()
        return True

    def _begin(self, label: str) -> None:
        self.banner.hide()
        self._resume_dir = ""
        self._devices, self._device_notes = [], []
        self.history = RunHistory(label)
        self.samples.clear()
        self.hints.clear()
        self.curves.show_runs([self.history], expected=("loss", LEARNING_RATE_PLOT))
        self.clock = ProgressClock()
        self.progress.setValue(0)
        self.progress.setFormat("Starting the worker…")
        self.speed_label.clear()
        self.left_label.clear()
        self.elapsed_label.clear()
        self.log.add(f"Starting {label}…", "#2563eb")

    # Events -------------------------------------------------------------------------------

    def _record(self, event: events.Event) -> None:
        if self.history is not None:
            self.history.add_event(event)
            self.curves.mark_changed()

    def _on_started(self, event: events.Started) -> None:
        self._record(event)
        self.clock.start(event)
        self._batch_size = event.batch_size
        self._devices = list(event.devices)
        self._show_devices()
        self.devices_label.setToolTip(f"Distribution strategy: {event.strategy}")
        self.progress.setFormat(f"Epoch {event.initial_epoch + 1} / {event.epochs}")
        self._ticker.start()
        self.run_started.emit(event.run_dir)

    def _on_batch(self, event: events.Batch) -> None:
        self._record(event)
        self.clock.batch(event)
        self.progress.setValue(round(1000 * self.clock.fraction()))
        self.progress.setFormat(f"Epoch {event.epoch} / {self.clock.epochs} · "
                                f"step {event.step} / {event.steps}")
        self.speed_label.setText(f"{event.samples_per_second:,.0f} samples/s")

    def _on_epoch(self, event: events.Epoch) -> None:
        self._record(event)
        self.clock.epoch_done(event)
        shown = ", ".join(f"{key} {value:.4g}" for key, value in event.logs.items())
        self.log.add(f"epoch {event.epoch}: {shown}", None)
        self._update_times()

    def _on_message(self, event: events.Message) -> None:
        if event.level == "info" and not self.clock.has_progress() \
                and DEVICE_WORDS.search(event.text):
            self._device_notes.append(event.text)
            self._show_devices()
        colour = "#b45309" if event.level == "warning" else None
        self.log.add(f"{event.level}: {event.text}", colour)
        self.hints.add(event)

    def _on_phase(self, event: events.Phase) -> None:
        """A new phase (fine-tuning after the head, a refit on all rows): marked on the curves
        and in the log; a refit lengthens the run."""
        self._record(event)
        if event.epochs is not None:
            self.clock.epochs = event.epochs
        self.log.add(f"after epoch {event.epoch}: {event.text}", "#9333ea")

    def _on_finished(self, event: events.Finished) -> None:
        self._record(event)
        best = ", ".join(f"{key} {value:.4g}" for key, value in event.best_metrics.items())
        verb = "Finished" if event.state == "finished" else "Stopped"
        summary = f"{verb}. Best epoch {event.best_epoch}" + (f": {best}" if best else "")
        if not event.best_epoch and self.samples.epoch:  # a GAN: no best, its last grid
            summary = f"{verb} after epoch {self.samples.epoch}."
        elif not event.best_epoch:
            summary = f"{verb} before the first epoch ended: there is no model to keep yet."
        self.state_label.setText(summary)
        self.log.add(summary, "#15803d")
        if event.state == "finished":
            self.progress.setValue(1000)
        self._end(event.run_dir)
        if self.stopping_dialog is not None:
            self._closing_run_ended()  # everything is saved: the window need not wait

    def _on_error(self, event: events.Error) -> None:
        self.log.add(f"error: {event.message}", "#b91c1c")
        if event.kind == "out_of_memory":
            self._show_out_of_memory(event.message)
            self._end(event.run_dir or "")
            return
        resumable = event.kind in RESUMABLE_ERRORS
        self._show_banner(f"Training failed: {event.message}",
                          event.run_dir if resumable else None)
        self._end(event.run_dir or "")

    def _on_crashed(self, explanation: str, run_dir: str) -> None:
        self.log.add(explanation, "#b91c1c")
        if run_dir and RunFolder(run_dir).info_path.is_file():
            RunFolder(run_dir).mark_failed(explanation)
        self._show_banner(explanation, run_dir or None)
        self._end(run_dir)

    def _end(self, run_dir: str) -> None:
        if self.history is not None and self.history.live:
            self.history.live = False  # crashed or failed: fit the curves to what exists
            self.curves.mark_changed()
        self._ticker.stop()
        self._update_times()
        self.left_label.clear()
        if run_dir:
            self.run_ended.emit(run_dir)

    def _on_state(self, state: str) -> None:
        words = {"running": "Training…", "paused": "Paused", "stopping":
                 "Stopping after this batch…"}
        if state in words:
            self.state_label.setText(words[state])
        self.clock.set_paused(state == "paused")
        self._update_buttons()
        if state == "idle" and self.stopping_dialog is not None:
            self._closing_run_ended()

    # Display ------------------------------------------------------------------------------

    def _show_devices(self) -> None:
        """Say once what trains: the worker's note when it names the devices already
        ("No GPU found: training on the CPU (2 cores)."), else the devices and any notes."""
        notes = " ".join(self._device_notes)
        if self._devices and all(device in notes for device in self._devices):
            self.devices_label.setText(notes)
            return
        devices = f"Training on {', '.join(self._devices)}." if self._devices else "Devices: …"
        self.devices_label.setText(f"{devices} {notes}".strip())

    def _show_out_of_memory(self, message: str) -> None:
        if self._batch_size > 1:
            smaller = max(1, self._batch_size // 2)
            text = (f"Training ran out of memory: {message} Resuming would use the same batch "
                    f"size ({self._batch_size}) and run out again; halving it to {smaller} "
                    "needs about half the memory per step (Edit ▸ Undo puts it back).")
            self._set_banner_button(f"Halve batch size to {smaller} and train again", "halve")
        else:
            text = (f"Training ran out of memory even with a batch size of 1: {message} Make "
                    "the model smaller (fewer units or filters, smaller images) and train again.")
            self.banner_button.hide()
        self.banner_text.setText(text)
        self.banner.show()
        self.state_label.setText("Out of memory")

    def _set_banner_button(self, text: str, action: str) -> None:
        self.banner_button.setText(text)
        self.banner_button.setIcon(icon("train" if action == "halve" else "resume"))
        self.banner_button.setProperty("action", action)
        self.banner_button.show()

    def _show_banner(self, text: str, run_dir: str | None) -> None:
        state = _checkpoint_state(run_dir)
        done = state.epochs_done if state else 0
        if state is not None:
            self._resume_dir = run_dir or ""
            self._set_banner_button(f"Resume after epoch {done}" if done else
                                    "Resume from last checkpoint", "resume")
            text += " You can resume from the last checkpoint."
        elif run_dir:
            text += " No epoch was completed, so there is nothing to resume; press Train."
        self.banner_button.setVisible(state is not None)
        self.banner_text.setText(text)
        self.banner.show()
        self.state_label.setText("Failed")

    def _update_buttons(self) -> None:
        state = self.client.state
        idle = state == "idle"
        self.train_button.setEnabled(idle)
        busy = "A run is in progress: stop it (or wait for it to end) before starting another"
        self.train_button.setToolTip(TRAIN_TIP if idle else busy)
        not_running = {"idle": "No run is in progress: press Train first",
                       "paused": "The run is paused: press Resume to go on",
                       "stopping": "The run is stopping after this batch"}
        self.pause_button.setEnabled(state == "running")
        self.pause_button.setToolTip("Pause after the current batch" if state == "running"
                                     else not_running[state])
        self.resume_button.setEnabled(state == "paused")
        self.resume_button.setToolTip("Go on after a pause" if state == "paused" else
                                      "Nothing to resume: the run is not paused" if not idle
                                      else not_running["idle"])
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.stop_button.setToolTip(STOP_TIP if state in ("running", "paused") else
                                    not_running["idle"] if idle else not_running["stopping"])
        self.banner_button.setEnabled(idle)
        self.banner_button.setToolTip("" if idle else busy)

    def _update_times(self) -> None:
        elapsed = self.clock.elapsed()
        self.elapsed_label.setText(f"elapsed {format_duration(elapsed)}" if elapsed else "")
        left = self.clock.time_left()
        self.left_label.setText(f"about {format_duration(left)} left" if left is not None
                                else "")


def _checkpoint_state(run_dir: str | None) -> CheckpointState | None:
    """The run's checkpoint state, or ``None`` when there is none or it is damaged."""
    if not run_dir:
        return None
    try:
        return RunFolder(run_dir).read_state()
    except RecordError:
        return None
