"""Checks of the classes, shared by tables and image folders: imbalance, classes with very few
samples, and class names that differ only in case or spacing."""

from __future__ import annotations

import re
from collections.abc import Mapping

from dlstudio.core.data.health.findings import Finding, Fix, count_words, listing

IMBALANCE_RATIO = 3.0
"""Largest class over smallest class from which the classes count as imbalanced."""
MIN_SAMPLES_PER_CLASS = 10
"""Fewer samples than this in a class are too few to learn it and to measure it."""
BALANCED_WEIGHTS = Fix("Use balanced class weights", {"training.class_weights": "balanced"})


def class_findings(counts: Mapping[str, int], noun: str = "row") -> list[Finding]:
    """Check the classes' sample counts and names.

    Args:
        counts: Samples per class (every split together).
        noun: What a sample is called (``row`` or ``image``).
    """
    return [*imbalance(counts, noun), *few_samples(counts, noun), *look_alike_names(counts)]


def imbalance(counts: Mapping[str, int], noun: str) -> list[Finding]:
    """A class much larger than another: the model learns to favour it."""
    present = {name: count for name, count in counts.items() if count > 0}
    if len(present) < 2:
        return []
    largest = max(present, key=present.get)
    smallest = min(present, key=present.get)
    ratio = present[largest] / present[smallest]
    if ratio < IMBALANCE_RATIO:
        return []
    share = present[largest] / sum(present.values())
    message = (f"'{largest}' has {present[largest]:,} {noun}s and '{smallest}' "
               f"{present[smallest]:,} ({ratio:.0f} to 1). A model that always answers "
               f"'{largest}' is already right {share:.0%} of the time, so accuracy flatters "
               "it and rare classes get neglected. Fix: use balanced class weights (rare "
               "classes count more in the loss), or add samples of the rare classes.")
    return [Finding("class_imbalance", "warning", f"Classes are imbalanced ({ratio:.0f} to 1)",
                    message, fix=BALANCED_WEIGHTS)]


def few_samples(counts: Mapping[str, int], noun: str) -> list[Finding]:
    """Classes with fewer than :data:`MIN_SAMPLES_PER_CLASS` samples."""
    thin = [f"'{name}' ({count})" for name, count in counts.items()
            if count < MIN_SAMPLES_PER_CLASS]
    if not thin:
        return []
    names = [name for name, count in counts.items() if count < MIN_SAMPLES_PER_CLASS]
    message = (f"{listing(thin, 5)} {'has' if len(thin) == 1 else 'have'} fewer than "
               f"{MIN_SAMPLES_PER_CLASS} {noun}s: too few to learn the class, and the "
               f"validation and test splits get one or none of them, so its scores mean "
               f"little. Fix: add {noun}s of {'this class' if len(thin) == 1 else 'these classes'}"
               ", or merge them into a related class.")
    return [Finding("few_samples", "warning",
                    f"{count_words(len(thin), 'class', 'classes')} with very few {noun}s",
                    message, items=tuple(names), count=len(names))]


def look_alike_names(counts: Mapping[str, int]) -> list[Finding]:
    """Class names that differ only in case, spacing, ``_`` or ``-`` (``Cat``, ``cat ``)."""
    groups: dict[str, list[str]] = {}
    for name in counts:
        groups.setdefault(_normal(name), []).append(name)
    findings = []
    for names in groups.values():
        if len(names) < 2:
            continue
        quoted = " and ".join(f"'{name}'" for name in names)
        message = (f"{quoted} are different classes to the model although they look like one "
                   "name; its samples are split between them and it is scored for confusing "
                   "them. Fix: spell them the same in the data (rename the folder or edit the "
                   "labels), so they become one class.")
        findings.append(Finding("look_alike_classes", "warning",
                                f"Classes {quoted} differ only in case or spacing", message,
                                items=tuple(names), count=len(names)))
    return findings


def _normal(name: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", str(name)).casefold().split())
