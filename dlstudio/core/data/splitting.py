"""Dividing samples into training, validation and test sets, the same way for every source.

:func:`split_indices` is deterministic for a seed, keeps each split's indices in file order, and
stratifies by label when asked: every class is divided by the fractions on its own, so class
proportions stay about equal across the splits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dlstudio.core.data.base import SPLITS


def split_indices(
    labels_or_n: int | Sequence[Any] | np.ndarray,
    fractions: Any,
    seed: int,
    stratified: bool = True,
    warnings: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Divide samples into ``train``, ``validation`` and ``test`` at random.

    Args:
        labels_or_n: The number of samples, or one label per sample (class names or indices)
            to stratify by.
        fractions: The three fractions: a ``SplitSpec`` (its ``train``, ``validation`` and
            ``test``), a mapping with those keys, or a ``(train, validation, test)`` sequence.
            They should add up to 1; they are rescaled when they do not.
        seed: Seed of the random order; the same seed gives the same split.
        stratified: Split each class on its own (ignored when ``labels_or_n`` is a count).
        warnings: When given, a sentence is appended for each class too small to appear in
            every non-empty split.

    Returns:
        Each split name mapped to the sorted sample indices (int64) in it.
    """
    shares = _fractions(fractions)
    rng = np.random.default_rng(seed)
    if isinstance(labels_or_n, int | np.integer):
        return _assemble([_divide(rng.permutation(int(labels_or_n)), shares)])
    labels = np.asarray(labels_or_n)
    if not stratified:
        return _assemble([_divide(rng.permutation(len(labels)), shares)])
    parts = []
    too_small = []
    for label in _classes(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        parts.append(_divide(members, shares, at_least_one=True))
        if len(members) < sum(share > 0 for share in shares):
            too_small.append(f"{label} ({len(members)})")
    if too_small and warnings is not None:
        warnings.append(
            "too few samples to stratify class " + ", ".join(too_small)
            + ": each is kept in the training split first, so some splits lack it; "
            "add samples of these classes or use fewer splits"
        )
    return _assemble(parts)


def _fractions(fractions: Any) -> tuple[float, float, float]:
    if hasattr(fractions, "train"):
        values = (fractions.train, fractions.validation, fractions.test)
    elif isinstance(fractions, Mapping):
        values = tuple(fractions.get(name, 0.0) for name in SPLITS)
    else:
        values = tuple(fractions)
    if len(values) != 3 or any(value < 0 for value in values) or sum(values) <= 0:
        raise ValueError(f"expected three fractions >= 0 with a positive sum, got {values}")
    total = float(sum(values))
    return tuple(float(value) / total for value in values)


def _divide(order: np.ndarray, shares: tuple[float, float, float],
            at_least_one: bool = False) -> list[np.ndarray]:
    """Cut ``order`` into three pieces by ``shares`` (largest remainders get the extra)."""
    counts = _counts(len(order), shares)
    if at_least_one and len(order) and counts[0] == 0:
        donor = int(np.argmax(counts))
        counts[donor] -= 1
        counts[0] += 1
    bounds = np.cumsum([0, *counts])
    return [order[bounds[i]:bounds[i + 1]] for i in range(3)]


def _counts(total: int, shares: tuple[float, float, float]) -> list[int]:
    exact = [total * share for share in shares]
    counts = [int(np.floor(value)) for value in exact]
    remainders = sorted(range(3), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in remainders[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _assemble(parts: list[list[np.ndarray]]) -> dict[str, np.ndarray]:
    return {
        name: np.sort(np.concatenate([part[i] for part in parts] or [np.empty(0)]))
        .astype(np.int64)
        for i, name in enumerate(SPLITS)
    }


def _classes(labels: np.ndarray) -> list[Any]:
    """Return the distinct labels in a fixed order (so a seed always gives the same split)."""
    return sorted(set(labels.tolist()), key=str)
