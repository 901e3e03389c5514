"""The report of an image folder: JSON-ready for the GUI and ``--json``, and as text lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dlstudio.core.data.base import SPLITS
from dlstudio.core.tasks import get_task

if TYPE_CHECKING:
    from dlstudio.core.data.images import ImageDataset

MAX_LISTED_SKIPS = 20


def image_summary(dataset: ImageDataset) -> dict[str, Any]:
    """Return what an :class:`ImageDataset` holds, in JSON-ready form.

    Keys: ``kind``, ``path``, ``task``, ``has_targets``, ``classes`` (name and image count, in
    class order), ``images``, ``image_size`` (``[height, width]``), ``color_mode``,
    ``channels``, ``predefined_split`` (whether train/val/test folders gave the split),
    ``split_folders``, ``splits`` (``size`` and ``class_counts`` per split), ``skipped``
    (``path`` and ``reason`` per file), ``ignored_files`` (count of non-image files) and
    ``warnings``.
    """
    splits = {
        split: {"size": dataset.split_size(split), "class_counts": dataset.class_counts(split)}
        for split in SPLITS
    }
    totals = {name: sum(splits[s]["class_counts"][name] for s in SPLITS)
              for name in dataset.class_names}
    scan = dataset.scan
    return {
        "kind": dataset.kind,
        "path": str(dataset.root),
        "task": dataset.task,
        "has_targets": dataset.has_targets,
        "classes": [{"name": name, "count": totals[name]} for name in dataset.class_names],
        "images": sum(splits[s]["size"] for s in SPLITS),
        "image_size": list(dataset.image_size),
        "color_mode": dataset.project.data.color_mode,
        "channels": dataset.channels,
        "predefined_split": scan.predefined_split,
        "split_folders": dict(scan.split_folders),
        "splits": splits,
        "skipped": [{"path": s.path, "reason": s.reason} for s in scan.skipped],
        "ignored_files": len(scan.ignored),
        "warnings": list(dataset.warnings),
    }


def image_summary_lines(summary: dict[str, Any]) -> list[str]:
    """Return an :func:`image_summary` as text lines for ``dlstudio info``."""
    height, width = summary["image_size"]
    origin = ("split given by its folders " + ", ".join(
        f"{folder}/" for folder in summary["split_folders"].values())
        if summary["predefined_split"] else "split by the project's fractions")
    lines = [
        f"Image folder: {summary['path']} ({origin})",
        f"Images: {summary['images']}, resized to {height}x{width} {summary['color_mode']} "
        f"({summary['channels']} channel{'s' if summary['channels'] > 1 else ''})",
    ]
    if summary["has_targets"]:
        classes = ", ".join(f"{c['name']} {c['count']}" for c in summary["classes"])
        task = summary.get("task", "classification")
        ignored = "" if get_task(task).needs_targets else " (labels only: it learns without them)"
        lines.append(f"Task: {task}{ignored}, {len(summary['classes'])} classes: {classes}")
    else:
        lines.append("No class folders: images without known classes (prediction only)")
    lines.append("Splits: " + ", ".join(_split_text(name, part)
                                        for name, part in summary["splits"].items()))
    return lines + _skipped_lines(summary["skipped"]) + [
        f"Warning: {warning}" for warning in summary["warnings"]]


def _split_text(name: str, part: dict[str, Any]) -> str:
    counts = "/".join(str(count) for count in part["class_counts"].values())
    return f"{name} {part['size']}" + (f" ({counts})" if counts and part["size"] else "")


def _skipped_lines(skipped: list[dict[str, str]]) -> list[str]:
    if not skipped:
        return []
    lines = [f"Skipped {len(skipped)} unusable image file{'s' if len(skipped) > 1 else ''}:"]
    lines += [f"  {item['path']}: {item['reason']}" for item in skipped[:MAX_LISTED_SKIPS]]
    if len(skipped) > MAX_LISTED_SKIPS:
        lines.append(f"  … and {len(skipped) - MAX_LISTED_SKIPS} more")
    return lines
