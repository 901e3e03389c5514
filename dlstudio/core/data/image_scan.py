"""Scanning an image folder: classes, files per class, predefined splits, and bad files.

Two layouts are read:

- ``FOLDER/<class>/*.png``: one subfolder per class, divided later by the project's split.
- ``FOLDER/train/<class>/…``, ``FOLDER/val/<class>/…`` (or ``validation/``) and
  ``FOLDER/test/<class>/…``: the split is given; a missing ``val`` or ``test`` is carved from
  ``train`` later.

Images are PNG, JPEG, BMP and GIF files (extension in any case), searched recursively inside a
class folder. Other files, and hidden files and folders (``.DS_Store``, ``.ipynb_checkpoints``),
are ignored. Every image is checked with :func:`~dlstudio.core.data.image_check.image_problem`;
bad ones are skipped and named with their reason. A layout that cannot be used raises
:class:`~dlstudio.core.errors.DataError` saying what is wrong and how to fix it.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dlstudio.core.data.image_check import image_problem
from dlstudio.core.errors import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
SPLIT_FOLDERS = {"train": "train", "val": "validation", "validation": "validation",
                 "test": "test"}
_LAYOUT_HELP = ("expected one subfolder per class (FOLDER/cat/1.png, FOLDER/dog/2.png), or "
                "train/, val/ and test/ folders that each hold class subfolders")


@dataclass(frozen=True)
class ImageFile:
    """One usable image.

    Attributes:
        path: POSIX path relative to the scanned folder (``train/cat/1.png``).
        class_name: Its class folder's name (``None`` in a folder without class folders).
        split: ``train``, ``validation`` or ``test`` when the folder gives the split, else None.
    """

    path: str
    class_name: str | None
    split: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """An image file that cannot be used, and why."""

    path: str
    reason: str


@dataclass
class ImageFolderScan:
    """What :func:`scan_image_folder` found.

    Attributes:
        root: The scanned folder (absolute).
        class_names: Class folder names, sorted (empty for a folder of unlabelled images).
        files: Usable images, sorted by path.
        skipped: Image files that cannot be used, each with its reason.
        ignored: Paths of files that are not images (relative to ``root``).
        split_folders: For a predefined split, each split's folder name
            (``{"train": "train", "validation": "val", "test": "test"}``); empty otherwise.
        warnings: Things worth knowing that did not stop the scan.
    """

    root: Path
    class_names: list[str]
    files: list[ImageFile]
    skipped: list[SkippedFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    split_folders: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def predefined_split(self) -> bool:
        """Whether the folder gives the split with train/val/test folders."""
        return bool(self.split_folders)

    def class_counts(self, split: str | None = None) -> dict[str, int]:
        """Return the number of images per class, in class order, optionally of one split."""
        counts = Counter(f.class_name for f in self.files if split is None or f.split == split)
        return {name: counts.get(name, 0) for name in self.class_names}


def scan_image_folder(path: str | os.PathLike[str], *,
                      evaluation_only: bool = False) -> ImageFolderScan:
    """Find the classes and images of an image folder and check every image.

    Args:
        path: The folder.
        evaluation_only: Accept a folder of images without class folders (for prediction) and
            a single class (for evaluation).

    Raises:
        DataError: The path is missing or not a folder; there are no class folders, a class
            folder has no usable image, there is a single class, or no images at all.
    """
    root = Path(path).expanduser().resolve()
    if not root.exists():
        raise DataError(f"image folder {root} does not exist; check the path")
    if not root.is_dir():
        raise DataError(f"{root} is a file, not a folder; {_LAYOUT_HELP}")
    scan = ImageFolderScan(root=root, class_names=[], files=[])
    folders = _subfolders(root)
    split_folders = _split_layout(root, folders)
    if split_folders:
        scan.split_folders = split_folders
        for split, name in split_folders.items():
            _scan_classes(scan, root / name, split)
        _check_split_classes(scan)
    elif folders:
        _scan_classes(scan, root, None)
    else:
        _scan_flat(scan, root, evaluation_only)
    _finish(scan, evaluation_only)
    return scan


def _subfolders(folder: Path) -> list[Path]:
    return sorted(entry for entry in folder.iterdir() if entry.is_dir() and _visible(entry.name))


def _visible(name: str) -> bool:
    return not name.startswith((".", "__MACOSX"))


def _split_layout(root: Path, folders: list[Path]) -> dict[str, str]:
    """Return split -> folder name when ``root`` holds train/ plus only val/validation/test."""
    names = {folder.name.lower(): folder.name for folder in folders}
    if "train" not in names or not set(names) <= set(SPLIT_FOLDERS):
        return {}
    if "val" in names and "validation" in names:
        raise DataError(f"{root} has both {names['val']}/ and {names['validation']}/; keep one "
                        "validation folder")
    return {SPLIT_FOLDERS[lower]: actual for lower, actual in sorted(names.items())}


def _scan_classes(scan: ImageFolderScan, folder: Path, split: str | None) -> None:
    prefix = f"{folder.name}/" if split else ""
    class_folders = _subfolders(folder)
    if not class_folders:
        raise DataError(f"{_where(scan.root, folder)} has no class subfolders; {_LAYOUT_HELP}")
    loose = _image_paths(folder, recursive=False, ignored=scan)
    if loose:
        scan.warnings.append(f"{_count(len(loose), 'image')} directly in "
                             f"{prefix or 'the folder'}, not in a class folder, ignored; move "
                             "them into class folders")
    empty = [f"{prefix}{class_folder.name}" for class_folder in class_folders
             if not _check_files(scan, class_folder, class_folder.name, split)]
    if empty:
        raise DataError(_empty_classes_message(scan, empty, len(class_folders)))
    scan.class_names.extend(sorted({f.name for f in class_folders} - set(scan.class_names)))


def _empty_classes_message(scan: ImageFolderScan, empty: list[str], total: int) -> str:
    bad = [s for s in scan.skipped if any(s.path.startswith(f"{name}/") for name in empty)]
    because = (f"; {len(bad)} files there were skipped (first: {bad[0].path}: {bad[0].reason})"
               if bad else "")
    if len(empty) == total:
        return (f"no usable images (PNG, JPEG, BMP or GIF) in any class folder of "
                f"{scan.root}{because}; add images to the class folders")
    folders = ", ".join(repr(name) for name in empty)
    subject = f"class folder {folders} has" if len(empty) == 1 else f"class folders {folders} have"
    return (f"{subject} no usable images (PNG, JPEG, BMP or GIF){because}; add images or "
            "delete the empty folders")


def _scan_flat(scan: ImageFolderScan, root: Path, evaluation_only: bool) -> None:
    if not evaluation_only:
        loose = "its images are directly in it" if _image_paths(root, False) else "it is empty"
        raise DataError(f"{root} has no class subfolders ({loose}); {_LAYOUT_HELP}")
    if not _check_files(scan, root, None, None):
        raise DataError(f"{root} has no usable images (PNG, JPEG, BMP or GIF)")


def _check_files(scan: ImageFolderScan, folder: Path, class_name: str | None,
                 split: str | None) -> int:
    """Check the images under ``folder``; record usable and skipped ones; return usable count."""
    usable = 0
    for path in _image_paths(folder, recursive=class_name is not None, ignored=scan):
        relative = path.relative_to(scan.root).as_posix()
        reason = image_problem(path)
        if reason:
            scan.skipped.append(SkippedFile(relative, reason))
        else:
            scan.files.append(ImageFile(relative, class_name, split))
            usable += 1
    return usable


def _image_paths(folder: Path, recursive: bool,
                 ignored: ImageFolderScan | None = None) -> list[Path]:
    """Return the image files under ``folder``; add other files to ``ignored.ignored``."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(name for name in dirnames if recursive and _visible(name))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if not _visible(name):
                continue
            if name.lower().endswith(IMAGE_EXTENSIONS):
                found.append(path)
            elif ignored is not None:
                ignored.ignored.append(path.relative_to(ignored.root).as_posix())
    return found


def _check_split_classes(scan: ImageFolderScan) -> None:
    train_classes = {f.class_name for f in scan.files if f.split == "train"}
    for split, folder in scan.split_folders.items():
        present = {f.class_name for f in scan.files if f.split == split}
        unknown = sorted(present - train_classes)
        if unknown:
            raise DataError(f"{folder}/ has classes with no training images: "
                            f"{', '.join(unknown)}; add {scan.split_folders['train']}/<class> "
                            "folders for them or remove them")
        missing = sorted(train_classes - present)
        if missing:
            scan.warnings.append(f"{folder}/ has no images of class {', '.join(missing)}")


def _finish(scan: ImageFolderScan, evaluation_only: bool) -> None:
    scan.class_names.sort()
    scan.files.sort(key=lambda f: f.path)
    if scan.class_names and len(scan.class_names) < 2 and not evaluation_only:
        raise DataError(f"{scan.root} has a single class folder ({scan.class_names[0]}); "
                        "classification needs at least two: add a folder per class")
    if scan.skipped:
        names = ", ".join(s.path for s in scan.skipped[:3])
        more = f" and {len(scan.skipped) - 3} more" if len(scan.skipped) > 3 else ""
        scan.warnings.append(f"skipped {_count(len(scan.skipped), 'unusable image file')} "
                             f"({names}{more}); see the data summary for the reasons")
    if scan.ignored:
        kinds = Counter(Path(p).suffix.lower() or Path(p).name for p in scan.ignored)
        listed = ", ".join(f"{kind} x{count}" for kind, count in kinds.most_common(5))
        scan.warnings.append(f"ignored {_count(len(scan.ignored), 'file')} that are not PNG, "
                             f"JPEG, BMP or GIF images ({listed})")


def _where(root: Path, folder: Path) -> str:
    return str(root) if folder == root else f"{folder.relative_to(root).as_posix()}/"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
