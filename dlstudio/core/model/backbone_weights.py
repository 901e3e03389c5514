"""Where a Backbone's pretrained weights come from: the Keras cache, a download, or a file.

ImageNet weights are looked up where Keras keeps them (``$KERAS_HOME/models``, by default
``~/.keras/models``), under the file name Keras gives them, so a machine that already used
``keras.applications`` needs no download. Otherwise :func:`download` fetches the file with a
progress callback, checks it against the hash Keras publishes (a corrupt or truncated download
is deleted and refused) and moves it into the cache. Without the file and without a network,
:class:`MissingWeightsError` says which file to put where. Nothing here imports Keras.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError
from dlstudio.core.model.backbones import Network, get_network

Progress = Callable[[int, int | None], None]
"""``progress(bytes_done, bytes_total)``; the total is ``None`` when the server does not say."""

CHUNK = 256 * 1024


class MissingWeightsError(UserInputError):
    """A Backbone's ImageNet weights are neither in the Keras cache nor downloadable."""


class CorruptWeightsError(UserInputError):
    """A weights file does not match the hash Keras publishes for it."""


def keras_home() -> Path:
    """Return Keras's folder (``$KERAS_HOME``, else ``~/.keras``), as Keras itself chooses it."""
    home = os.environ.get("KERAS_HOME")
    return Path(home) if home else Path.home() / ".keras"


def cache_path(network: str) -> Path:
    """Return where the Keras cache keeps ``network``'s ImageNet weights file."""
    return keras_home() / "models" / get_network(network).weights_file


def file_hash(path: Path, length: int) -> str:
    """Return ``path``'s MD5 (``length`` 32) or SHA-256 (``length`` 64) in hexadecimal."""
    digest = hashlib.md5(usedforsecurity=False) if length == 32 else hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256(path: Path) -> str:
    """Return ``path``'s SHA-256 in hexadecimal (recorded in the run record)."""
    return file_hash(path, 64)


def check_file(path: Path, network: Network) -> None:
    """Refuse a copy of ``network``'s official weights file whose hash is not the published one.

    Raises:
        CorruptWeightsError: The file is damaged or truncated, with how to replace it.
    """
    found = file_hash(path, len(network.weights_hash))
    if found != network.weights_hash:
        raise CorruptWeightsError(
            f"{path} is damaged or incomplete: its hash is {found} but Keras publishes "
            f"{network.weights_hash} for {network.weights_file}; delete it and run "
            f"`dlstudio weights fetch {network.name}` (or copy a good file there)")


def find_cached(network: str) -> Path | None:
    """Return the checked ImageNet weights file of ``network`` in the Keras cache, or ``None``.

    Raises:
        CorruptWeightsError: The cached file does not match its published hash.
    """
    path = cache_path(network)
    if not path.is_file():
        return None
    check_file(path, get_network(network))
    return path


def missing_message(network: str, reason: str = "") -> str:
    """Return what to do when ``network``'s ImageNet weights are not on this machine."""
    info = get_network(network)
    because = f" ({reason})" if reason else ""
    return (f"the ImageNet weights of {network} are not on this machine{because}: put "
            f"{info.weights_file} (from {info.weights_url}) in {cache_path(network).parent}/, "
            f"for instance by running `dlstudio weights fetch {network}` on a machine that is "
            "online and copying the file; or give a weights file with --weights-file PATH, or "
            "set the Backbone's weights to none to start from random weights")


def resolve(value: str, network: str, base_dir: Path | None = None) -> Path | None:
    """Return the weights file a Backbone row's ``weights`` value names (``None``: no weights).

    Args:
        value: ``imagenet`` (the Keras cache), ``none``, or a file path (relative to
            ``base_dir``, the project's folder).
        network: The network's name.
        base_dir: The folder relative paths start from (default: the current folder).

    Raises:
        MissingWeightsError: ``imagenet`` and the file is not in the cache, or no such file.
        CorruptWeightsError: The file is a damaged copy of the official one.
    """
    if value == "none":
        return None
    if value == "imagenet":
        path = find_cached(network)
        if path is None:
            raise MissingWeightsError(missing_message(network))
        return path
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    if not path.is_file():
        raise MissingWeightsError(
            f"the weights file {path} of the {network} backbone does not exist; check the "
            "path, or set the Backbone's weights to imagenet or none")
    info = get_network(network)
    if path.name == info.weights_file:
        check_file(path, info)
    return path


def download(network: str, progress: Progress | None = None, url: str | None = None,
             timeout: float = 30.0) -> Path:
    """Download ``network``'s ImageNet weights into the Keras cache and return the file.

    The file is written under a temporary name, checked against the published hash, then
    renamed, so the cache never holds a partial or corrupt file.

    Args:
        network: The network's name.
        progress: Called after each chunk with the bytes so far and the total.
        url: Where to download from (default: Keras's address; tests use ``file://`` ones).
        timeout: Seconds to wait for the server.

    Raises:
        MissingWeightsError: The machine is offline or the server refused (with what to do).
        CorruptWeightsError: The downloaded file does not match its hash (it is deleted).
    """
    info = get_network(network)
    target = cache_path(network)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url or info.weights_url, timeout=timeout) as response, \
                open(partial, "wb") as file:
            _copy(response, file, progress)
        check_file(partial, info)
    except BaseException as error:  # a failure, or the progress callback cancelling
        partial.unlink(missing_ok=True)
        _raise_download_error(error, info)
    os.replace(partial, target)
    return target


def _raise_download_error(error: BaseException, info: Network) -> None:
    """Re-raise a failed download's error in words (a cancellation as it is)."""
    if isinstance(error, urllib.error.URLError | OSError | TimeoutError):
        reason = getattr(error, "reason", None) or error
        raise MissingWeightsError(missing_message(info.name, f"the download failed: {reason}")) \
            from None
    if isinstance(error, CorruptWeightsError):
        network = info.name
        raise CorruptWeightsError(
            f"the download of {info.weights_file} is corrupt (its hash is not the published "
            f"{info.weights_hash}) and was deleted; try `dlstudio weights fetch {network}` "
            "again") from None
    raise error


def _copy(response: Any, file: Any, progress: Progress | None) -> None:
    length = response.headers.get("Content-Length") if response.headers else None
    total = int(length) if length and str(length).isdigit() else None
    done = 0
    while chunk := response.read(CHUNK):
        file.write(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, total)


@dataclass(frozen=True)
class WeightsUse:
    """The weights one Backbone row of a project starts from.

    Attributes:
        row_id: The row's id.
        network: The network's name.
        weights: The row's ``weights`` value (``imagenet``, ``none`` or a path).
        path: The file (``None`` for ``none``, or when it is missing).
    """

    row_id: str
    network: str
    weights: str
    path: Path | None

    def record(self) -> dict[str, Any]:
        """Return what the run record keeps: the row, network, file and its SHA-256."""
        entry: dict[str, Any] = {"row": self.row_id, "network": self.network,
                                 "weights": self.weights}
        if self.path is not None:
            entry.update(file=str(self.path), sha256=sha256(self.path))
        return entry


def backbone_rows(project: Any) -> list[Any]:
    """Return every Backbone row of ``project``'s model (inside blocks and input stacks too)."""
    from dlstudio.core.project import layer_tree

    stacks = [project.model.layers, *project.model.inputs.values()]
    rows = []
    for stack in stacks:
        rows += [found.layer for found in layer_tree.walk(stack)
                 if found.layer.type == "Backbone"]
    return rows


def weights_uses(project: Any) -> list[WeightsUse]:
    """Return the weights each Backbone row of ``project`` uses, looked up (never downloaded).

    Raises:
        MissingWeightsError: A file is missing (the message says where to put it).
        CorruptWeightsError: A file is damaged.
    """
    uses = []
    for row in backbone_rows(project):
        network = row.params.get("network", "MobileNetV3Small")
        weights = row.params.get("weights", "imagenet")
        uses.append(WeightsUse(row.id, network, weights,
                               resolve(weights, network, project.base_dir)))
    return uses


def missing_imagenet(project: Any) -> list[str]:
    """Return the networks whose ImageNet weights ``project``'s Backbone rows need and the
    Keras cache lacks (each once).

    Raises:
        CorruptWeightsError: A cached file is damaged.
    """
    missing: list[str] = []
    for row in backbone_rows(project):
        network = row.params.get("network", "MobileNetV3Small")
        if row.params.get("weights", "imagenet") == "imagenet" and network not in missing \
                and find_cached(network) is None:
            missing.append(network)
    return missing


def fetch_missing(project: Any, progress: Callable[[str, int, int | None], None] | None = None,
                  url: str | None = None) -> list[Path]:
    """Download the ImageNet weights ``project``'s Backbone rows need and the cache lacks.

    Args:
        project: The project.
        progress: ``progress(network, bytes_done, bytes_total)`` during each download.
        url: A download address instead of Keras's (tests).

    Returns:
        The files downloaded (none when everything was cached).
    """
    fetched = []
    for network in missing_imagenet(project):
        report = None if progress is None else (
            lambda done, total, name=network: progress(name, done, total))
        fetched.append(download(network, report, url))
    return fetched


def copy_into_cache(path: Path, network: str) -> Path:
    """Check ``path`` as ``network``'s official weights file and copy it into the Keras cache.

    Raises:
        CorruptWeightsError: The file is not the published one.
    """
    check_file(path, get_network(network))
    target = cache_path(network)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return target
