"""Data health checks of image folders: each check finds what was planted, and a clean folder
gives no finding at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from dlstudio.core.data.health import apply_fix, check_health, image_health
from dlstudio.core.data.health.image_files import read_image_facts
from dlstudio.core.data.image_scan import scan_image_folder
from dlstudio.core.project.from_data import new_project


def make_folder(root: Path, classes: dict[str, int], size: int = 32, mode: str = "RGB",
                seed: int = 0) -> Path:
    """Class folders of distinct random images, smooth as photos are (random 4x4 pixels
    enlarged) (``classes``: name → image count)."""
    generator = np.random.default_rng(seed)
    for name, count in classes.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            pixels = generator.integers(0, 255, size=(4, 4, 3), dtype=np.uint8)
            image = Image.fromarray(pixels).resize((size, size), Image.Resampling.BILINEAR)
            image.convert(mode).save(root / name / f"{index:03d}.png")
    return root


def report_of(root: Path):
    project = new_project(str(root))
    project.data.image_size = [32, 32]
    return project, check_health(project)


def test_clean_folder_has_no_finding(tmp_path):
    _project, report = report_of(make_folder(tmp_path / "data", {"a": 12, "b": 12, "c": 12}))

    assert report.findings == []
    assert "shared_between_splits" in report.checks


def test_copies_in_one_class_in_two_classes_and_across_splits(tmp_path):
    root = make_folder(tmp_path / "data", {"a": 20, "b": 20})
    for index in range(12):
        shutil.copy(root / "a" / "000.png", root / "a" / f"copy_{index}.png")
    shutil.copy(root / "b" / "001.png", root / "a" / "stray.png")

    _project, report = report_of(root)

    [repeated] = report.by_check("duplicate_images")
    assert repeated.count == 12
    [clash] = report.by_check("conflicting_images")
    assert set(clash.items) == {"a/stray.png", "b/001.png"}
    shared = report.by_check("shared_between_splits")
    assert shared and all(finding.severity == "critical" for finding in shared)


def test_tiny_odd_sized_grayscale_and_transparent_images(tmp_path):
    root = make_folder(tmp_path / "data", {"a": 12, "b": 12})
    make_folder(root, {"a": 1}, size=4, seed=1)  # overwrites a/000.png with a tiny image
    Image.new("RGB", (400, 400), "red").save(root / "b" / "huge.png")
    Image.new("L", (32, 32), 90).save(root / "b" / "gray.png")
    Image.new("RGBA", (32, 32), (0, 0, 0, 0)).save(root / "a" / "clear.png")
    Image.new("RGB", (96, 24), "blue").save(root / "a" / "wide.png")

    _project, report = report_of(root)

    assert report.by_check("tiny_images")[0].items == ("a/000.png",)
    assert report.by_check("odd_image_sizes")[0].items == ("b/huge.png",)
    [gray] = report.by_check("colour_mode")
    assert gray.items == ("b/gray.png",) and gray.fix is None
    assert report.by_check("transparent_images")[0].items == ("a/clear.png",)
    assert report.by_check("odd_image_shapes")[0].items == ("a/wide.png",)


def test_all_grayscale_suggests_reading_them_as_grayscale(tmp_path):
    project, report = report_of(make_folder(tmp_path / "data", {"a": 12, "b": 12}, mode="L"))
    assert report.findings == []  # a new project reads a grayscale folder as grayscale
    project.data.color_mode = "rgb"

    [found] = check_health(project).by_check("colour_mode")
    assert found.fix is not None
    apply_fix(project, found.fix)
    assert project.data.color_mode == "grayscale"
    assert check_health(project).findings == []


def test_unreadable_files_come_from_the_scan(tmp_path):
    root = make_folder(tmp_path / "data", {"a": 12, "b": 12})
    (root / "a" / "broken.png").write_bytes((root / "a" / "001.png").read_bytes()[:60])

    _project, report = report_of(root)

    [found] = report.by_check("unreadable_images")
    assert found.items == ("a/broken.png",)
    assert "truncated or damaged" in found.message


def test_classes_imbalanced_thin_and_alike(tmp_path):
    root = make_folder(tmp_path / "data", {"Cat": 40, "cat": 3, "dog": 12})

    _project, report = report_of(root)

    assert report.by_check("class_imbalance")[0].fix.settings == {
        "training.class_weights": "balanced"}
    assert report.by_check("few_samples")[0].items == ("cat",)
    assert set(report.by_check("look_alike_classes")[0].items) == {"Cat", "cat"}


def test_facts_kept_between_settings_give_the_same_report(tmp_path):
    root = make_folder(tmp_path / "data", {"a": 12, "b": 12})
    shutil.copy(root / "a" / "000.png", root / "b" / "same.png")
    project, report = report_of(root)
    scan = scan_image_folder(root)

    again = image_health(scan, project, facts=read_image_facts(scan))

    assert [f.to_json() for f in again.findings] == [f.to_json() for f in report.findings]


def test_a_resized_jpeg_copy_is_a_near_copy(tmp_path):
    root = make_folder(tmp_path / "data", {"a": 12, "b": 12})
    with Image.open(root / "a" / "003.png") as image:
        image.resize((48, 48)).save(root / "b" / "bigger.jpg", quality=85)

    _project, report = report_of(root)

    [found] = report.by_check("near_duplicate_images")
    assert found.items == ("b/bigger.jpg",)
    assert "a/003.png ≈ b/bigger.jpg" in found.message
    assert report.by_check("duplicate_images") == []  # not the same file
