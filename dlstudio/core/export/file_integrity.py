"""Model files are accepted as dlstudio wrote them: their SHA-256 is in the export's metadata."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from dlstudio.core.export.savedmodel_safety import UnsafeModelError


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_verified(path: Path, metadata: dict[str, Any]) -> bytes:
    """Return the bytes of ``path`` if their SHA-256 is the one ``metadata`` recorded.

    Raises:
        UnsafeModelError: The file changed since dlstudio wrote it, or no hash was recorded.
    """
    content = path.read_bytes()
    recorded = metadata.get("sha256")
    if recorded != hashlib.sha256(content).hexdigest():
        raise UnsafeModelError(
            f"{path} is not the file dlstudio exported (its SHA-256 differs from the one in "
            "dlstudio_export.json); export the run again rather than editing the model file")
    return content
