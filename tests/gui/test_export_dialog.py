"""The export dialog offers every format and quantization, exports off the GUI thread, and
shows the report table (the export itself is faked here; test_run_tools_e2e runs a real one)."""

from __future__ import annotations

import threading

from dlstudio.gui.widgets import export_dialog
from dlstudio.gui.widgets.export_dialog import ExportDialog

ROWS = [("format", "litert int8"), ("max |export - model|", "0.003"),
        ("accuracy: model → export", "0.9000 → 0.8900 (lost 0.01)")]


def test_every_format_is_offered_and_quantization_only_for_litert(qtbot, tmp_path):
    dialog = ExportDialog(tmp_path / "run-1")
    qtbot.addWidget(dialog)
    offered = [button.property("format") for button in dialog.format_group.buttons()]
    assert offered == ["savedmodel", "keras", "onnx", "litert"]
    assert not dialog.quantize_box.isEnabled() and dialog.quantize == "float32"

    dialog.select_format("litert")
    dialog.select_quantization("int8")

    assert dialog.quantize_box.isEnabled() and dialog.quantize == "int8"
    assert dialog.path_edit.text() == str(tmp_path / "run-1" / "exports" / "litert-int8")
    dialog.select_format("onnx")
    assert dialog.quantize == "float32" and dialog.path_edit.text().endswith("onnx")


def test_export_runs_off_the_gui_thread_and_shows_the_report_table(qtbot, tmp_path,
                                                                  monkeypatch):
    calls = []

    def fake_export(run_dir, fmt, out_path, overwrite, quantize):
        calls.append((fmt, quantize, threading.current_thread() is threading.main_thread()))
        return {"summary": ["exported litert to x", "check: compared with the trained model"],
                "rows": ROWS, "path": str(tmp_path)}

    monkeypatch.setattr(export_dialog, "export_in_background", fake_export)
    dialog = ExportDialog(tmp_path / "run-1")
    qtbot.addWidget(dialog)
    dialog.select_format("litert")
    dialog.select_quantization("int8")

    dialog.export()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)

    assert calls == [("litert", "int8", False)]
    table = dialog.report_table
    assert not table.isHidden() and table.rowCount() == len(ROWS)
    assert [table.item(row, 1).text() for row in range(table.rowCount())] == \
        [value for _, value in ROWS]
    assert "compared with the trained model" in dialog.result_text.text()
