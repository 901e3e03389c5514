"""Checks of an image folder's files: unreadable files (found by the folder scan's
:func:`~dlstudio.core.data.image_check.image_problem`), exact copies by content hash (within
the folder, across classes and across splits), near copies (resized or re-saved: 8x8 colour
thumbnails a few levels apart, for folders of up to :data:`NEAR_COPY_LIMIT` images), tiny
images, sizes far from the rest, shapes far from the model's (squashed when resized), and
colour modes (grayscale among colour, transparency)."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from dlstudio.core.data.base import SPLITS
from dlstudio.core.data.health.findings import Finding, Fix, count_words, listing

if TYPE_CHECKING:
    from dlstudio.core.data.image_scan import ImageFolderScan

TINY_SHARE = 0.25
"""An image whose longer side is under this share of the model's image size is tiny."""
TINY_PIXELS = 8
ASPECT_RATIO = 2.0
"""An image whose width-to-height ratio is this many times the model's is squashed."""
SIZE_RATIO = 16.0
"""An image whose pixel count is this many times above or below the median is far off."""
NEAR_COPY_LIMIT = 5000
"""Near copies are looked for in folders of at most this many images (every image is decoded
small and every pair compared: about 1 s per 4,000 images on two cores)."""
NEAR_COPY_DISTANCE = 4.0
"""Thumbnails whose root-mean-square difference is at most this (in 0..255 levels) are near
copies: a copy resized and saved as JPEG differs by about 1; the bundled shapes (circles alike
but for their colours) by 11 or more; a 10% brighter copy by 15 (not a near copy)."""
THUMBNAIL_SIDE = 8
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})
ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


@dataclass(frozen=True)
class ImageFacts:
    """What the checks need of one image: its content hash, size and colour mode, and an
    8x8 RGB thumbnail's bytes (``None`` when not computed) for near copies."""

    digest: str
    width: int
    height: int
    mode: str
    look: bytes | None = None


def read_image_facts(scan: ImageFolderScan) -> dict[str, ImageFacts]:
    """Hash every usable image of a scan and read its size and mode; in a folder of up to
    :data:`NEAR_COPY_LIMIT` images also decode each one small for its thumbnail."""
    facts = {}
    looks = len(scan.files) <= NEAR_COPY_LIMIT
    for image_file in scan.files:
        try:
            data = (scan.root / image_file.path).read_bytes()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(io.BytesIO(data)) as image:
                    width, height, mode = image.width, image.height, image.mode
                    look = _thumbnail(image) if looks else None
        except (OSError, ValueError, Image.DecompressionBombError):
            continue  # changed since the scan; the next scan names it
        facts[image_file.path] = ImageFacts(hashlib.blake2b(data, digest_size=16).hexdigest(),
                                            width, height, mode, look)
    return facts


def _thumbnail(image: Image.Image) -> bytes:
    """The image as 8x8 RGB pixels, each the mean of its area (what survives resizing and
    re-encoding), as 192 bytes. A JPEG is decoded at a reduced scale."""
    image.draft("RGB", (THUMBNAIL_SIDE * 4, THUMBNAIL_SIDE * 4))
    small = image.convert("RGB").resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE),
                                        Image.Resampling.BOX)
    return np.asarray(small, dtype=np.uint8).tobytes()


def image_findings(scan: ImageFolderScan, splits: Mapping[str, list[str]],
                   facts: Mapping[str, ImageFacts], image_size: tuple[int, int],
                   color_mode: str) -> list[Finding]:
    """Run the file checks.

    Args:
        scan: The folder scan (its skipped files and classes).
        splits: Split name to the paths in it.
        facts: From :func:`read_image_facts`.
        image_size: ``(height, width)`` the model resizes to.
        color_mode: The project's ``data.color_mode``.
    """
    classes = {image_file.path: image_file.class_name for image_file in scan.files}
    return [*unreadable(scan), *copies(facts, classes), *near_copies(facts),
            *shared_between_splits(splits, facts), *odd_sizes(facts, image_size),
            *colour_modes(facts, color_mode)]


def unreadable(scan: ImageFolderScan) -> list[Finding]:
    """Files the scan skipped (damaged, empty, a format TensorFlow cannot decode)."""
    if not scan.skipped:
        return []
    shown = [f"{item.path} ({item.reason.split(';')[0]})" for item in scan.skipped]
    message = (f"{count_words(len(shown), 'image file')} cannot be read and "
               f"{'is' if len(shown) == 1 else 'are'} left out of training: "
               f"{listing(shown, 3)}. Fix: re-save them as PNG or JPEG, or delete them.")
    return [Finding("unreadable_images", "warning",
                    f"{count_words(len(shown), 'image file')} cannot be read", message,
                    items=tuple(item.path for item in scan.skipped), count=len(shown))]


def copies(facts: Mapping[str, ImageFacts],
           classes: Mapping[str, str | None]) -> list[Finding]:
    """Images whose content equals another's: in another class (contradicting labels) or in
    the same one (counted twice)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for path, fact in facts.items():
        groups[fact.digest].append(path)
    clashing, repeated = [], []
    for paths in groups.values():
        if len(paths) < 2:
            continue
        if len({classes.get(path) for path in paths}) > 1:
            clashing.append(paths)
        else:
            repeated += paths[1:]
    findings = []
    if clashing:
        pairs = [" = ".join(paths[:2]) for paths in clashing]
        members = [path for paths in clashing for path in paths]
        verb = "appears" if len(clashing) == 1 else "appear"
        message = (f"{count_words(len(clashing), 'image')} {verb} in more than one class "
                   f"({listing(pairs, 2)}): the same picture cannot be both, so at least one "
                   "label is wrong. Fix: delete the copy in the wrong class folder.")
        findings.append(Finding("conflicting_images", "warning",
                                f"{count_words(len(clashing), 'image')} filed under two "
                                "classes", message, items=tuple(members), count=len(members)))
    if repeated:
        message = (f"{count_words(len(repeated), 'image file')} repeat another file of the same "
                   f"class byte for byte ({listing(repeated, 3)}); copies weigh more in "
                   "training and can land in the test split. Fix: delete the copies.")
        findings.append(Finding("duplicate_images", "warning",
                                f"{count_words(len(repeated), 'image')} are exact copies",
                                message, items=tuple(repeated), count=len(repeated)))
    return findings


def near_copies(facts: Mapping[str, ImageFacts]) -> list[Finding]:
    """Images that look the same as another without being the same file (resized, re-saved,
    slightly edited): thumbnails at most :data:`NEAR_COPY_DISTANCE` apart."""
    first: dict[str, str] = {}  # content hash -> its first path: exact copies are reported apart
    for path, fact in facts.items():
        if fact.look is not None:
            first.setdefault(fact.digest, path)
    paths = list(first.values())
    if len(paths) < 2:
        return []
    pixels = np.frombuffer(b"".join(facts[p].look for p in paths), np.uint8)
    pixels = pixels.reshape(len(paths), -1).astype(np.float32)
    norms = (pixels ** 2).sum(axis=1)
    limit = NEAR_COPY_DISTANCE ** 2 * pixels.shape[1]  # on the sum of squared differences
    pairs = []
    for start in range(0, len(paths), 512):
        block = pixels[start:start + 512]
        squared = norms[start:start + 512, None] + norms[None, :] - 2 * block @ pixels.T
        for row, column in zip(*np.nonzero(squared <= limit), strict=True):
            if start + row < column:
                pairs.append((paths[start + row], paths[column]))
    if not pairs:
        return []
    later = sorted({second for _first, second in pairs})
    message = (f"{count_words(len(later), 'image')} look{'s' if len(later) == 1 else ''} "
               f"almost exactly like another ({listing([' ≈ '.join(p) for p in pairs], 2)}): "
               "the same picture resized, re-saved or lightly edited. Near copies weigh more "
               "in training, and one in the test split is scored as if it were new. Fix: "
               "delete the copies, unless they are really different samples.")
    return [Finding("near_duplicate_images", "warning",
                    f"{count_words(len(later), 'image')} nearly copies of another", message,
                    items=tuple(later), count=len(later))]


def shared_between_splits(splits: Mapping[str, list[str]],
                          facts: Mapping[str, ImageFacts]) -> list[Finding]:
    """Validation and test images whose content is also in the training split (leakage)."""
    training = {facts[path].digest for path in splits.get("train", []) if path in facts}
    leaked, parts = [], []
    for split in SPLITS[1:]:
        held_out = [path for path in splits.get(split, []) if path in facts]
        found = [path for path in held_out if facts[path].digest in training]
        if found:
            leaked += found
            parts.append((split, f"{split}: {len(found)} of {len(held_out)}"))
    if not leaked:
        return []
    names = " and ".join(split for split, _text in parts)
    message = (f"{count_words(len(leaked), 'held-out image')} "
               f"({', '.join(text for _split, text in parts)}) "
               f"{'is' if len(leaked) == 1 else 'are'} also in the training split "
               f"({listing(leaked, 2)}): the model has seen "
               f"{'it' if len(leaked) == 1 else 'them'}, so the {names} score"
               f"{'s overstate' if len(parts) > 1 else ' overstates'} how it does on new "
               "images. Fix: delete the copies, so each picture is in one split only.")
    return [Finding("shared_between_splits", "critical",
                    f"{count_words(len(leaked), names + ' image')} also in training",
                    message, items=tuple(leaked), count=len(leaked))]


def odd_sizes(facts: Mapping[str, ImageFacts], image_size: tuple[int, int]) -> list[Finding]:
    """Images much smaller than the model's size, and sizes far from the rest."""
    if not facts:
        return []
    findings = []
    floor = max(TINY_PIXELS, TINY_SHARE * min(image_size))
    tiny = [path for path, fact in facts.items()
            if max(fact.width, fact.height) < floor or min(fact.width, fact.height) < TINY_PIXELS]
    if tiny:
        shown = [f"{path} ({facts[path].width}×{facts[path].height})" for path in tiny]
        message = (f"{listing(shown, 3)} {'is' if len(tiny) == 1 else 'are'} far smaller than "
                   f"the {image_size[0]}×{image_size[1]} the model works at; stretched that "
                   "much they are mostly blur. Fix: replace them with larger images or delete "
                   "them (or lower the image size if every image is small).")
        findings.append(Finding("tiny_images", "warning",
                                f"{count_words(len(tiny), 'image')} are tiny", message,
                                items=tuple(tiny), count=len(tiny)))
    areas = {path: fact.width * fact.height for path, fact in facts.items() if path not in tiny}
    if len(areas) >= 3:
        median = float(np.median(list(areas.values())))
        far = [path for path, area in areas.items()
               if area > SIZE_RATIO * median or area * SIZE_RATIO < median]
        if far:
            shown = [f"{path} ({facts[path].width}×{facts[path].height})" for path in far]
            common = Counter(f"{f.width}×{f.height}" for f in facts.values()).most_common(1)[0]
            message = (f"{listing(shown, 3)} differ{'s' if len(far) == 1 else ''} in size "
                       f"from the rest by a factor of {SIZE_RATIO:.0f} or more (most are "
                       f"{common[0]}); resized to one size their objects appear at a very "
                       "different scale. Fix: check they belong here; crop or resize them like "
                       "the others.")
            findings.append(Finding("odd_image_sizes", "note",
                                    f"{count_words(len(far), 'image')} of an unusual size",
                                    message, items=tuple(far), count=len(far)))
    return findings + odd_shapes(facts, image_size, set(tiny))


def odd_shapes(facts: Mapping[str, ImageFacts], image_size: tuple[int, int],
               skip: set[str]) -> list[Finding]:
    """Images much wider or taller than the shape they are resized to (they get squashed)."""
    target = image_size[1] / image_size[0]
    odd = [path for path, fact in facts.items() if path not in skip and fact.height
           and max(fact.width / fact.height / target,
                   target * fact.height / fact.width) >= ASPECT_RATIO]
    if not odd:
        return []
    shown = [f"{path} ({facts[path].width}×{facts[path].height})" for path in odd]
    message = (f"{listing(shown, 3)} {'is' if len(odd) == 1 else 'are'} {ASPECT_RATIO:.0f} "
               f"times (or more) wider or taller than the {image_size[1]}×{image_size[0]} "
               "(width × height) the model resizes to, so "
               f"{'it is' if len(odd) == 1 else 'they are'} squashed out of shape. Fix: crop "
               "them closer to that shape, or set the image size to the shape most images "
               "have.")
    return [Finding("odd_image_shapes", "note",
                    f"{count_words(len(odd), 'image')} squashed when resized", message,
                    items=tuple(odd), count=len(odd))]


def colour_modes(facts: Mapping[str, ImageFacts], color_mode: str) -> list[Finding]:
    """Grayscale images read as colour, grayscale among colour, and transparency."""
    if not facts:
        return []
    gray = [path for path, fact in facts.items() if fact.mode in GRAY_MODES]
    findings = []
    if len(gray) == len(facts) and color_mode == "rgb":
        message = ("Every image is grayscale, yet the project reads them as colour: three "
                   "equal channels, three times the input for nothing. Fix: read them as "
                   "grayscale.")
        findings.append(Finding("colour_mode", "note", "All images are grayscale", message,
                                fix=Fix("Read images as grayscale",
                                        {"data.color_mode": "grayscale"})))
    elif gray and color_mode == "rgb":
        message = (f"{listing(gray, 3)} {'is' if len(gray) == 1 else 'are'} grayscale among "
                   "colour images; they are read as colour with three equal channels. Fine "
                   "if that is how they were taken; if they are another kind of picture "
                   "(scans, thumbnails), replace them with colour versions.")
        findings.append(Finding("colour_mode", "note",
                                f"{count_words(len(gray), 'image')} grayscale among colour",
                                message, items=tuple(gray), count=len(gray)))
    alpha = [path for path, fact in facts.items() if fact.mode in ALPHA_MODES]
    if alpha:
        message = (f"{listing(alpha, 3)} {'has' if len(alpha) == 1 else 'have'} a transparency "
                   "channel, which is dropped: transparent areas show whatever colour they "
                   "hide (often black). Fix: if that matters, flatten them onto the background "
                   "the other images have.")
        findings.append(Finding("transparent_images", "note",
                                f"{count_words(len(alpha), 'image')} with transparency",
                                message, items=tuple(alpha), count=len(alpha)))
    return findings
