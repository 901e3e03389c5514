"""``dlstudio weights``: the pretrained networks' ImageNet weights in the Keras cache.

``weights list`` shows each network and whether its file is cached; ``weights fetch NAME``
downloads it (a progress line on stderr) or, with ``--file``, checks a copied file against the
published hash and puts it in the cache. :func:`fetch_for_training` is what ``dlstudio train``
runs first, so a run never starts without the weights its Backbone rows need.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``weights list`` and ``weights fetch`` to the ``dlstudio`` parser."""
    weights = sub.add_parser("weights", help="pretrained networks' ImageNet weights (the "
                             "Keras cache): list them, fetch one")
    actions = weights.add_subparsers(dest="weights_command", metavar="ACTION", required=True)
    listed = actions.add_parser("list", help="each network, its size and whether its weights "
                                "are cached")
    listed.set_defaults(handler=list_command)
    fetch = actions.add_parser("fetch", help="download a network's ImageNet weights into the "
                               "Keras cache (or copy a file there with --file)")
    fetch.add_argument("network", metavar="NAME", help="the network (see `dlstudio weights "
                                                       "list`)")
    fetch.add_argument("--file", metavar="PATH", help="a copy of the published file, checked "
                       "against its hash and put in the cache (for offline machines)")
    fetch.set_defaults(handler=fetch_command)


def list_command(args: argparse.Namespace) -> int:
    """``dlstudio weights list``."""
    from dlstudio.core.model.backbone_weights import cache_path
    from dlstudio.core.model.backbones import NETWORKS

    print(f"Keras cache: {cache_path('MobileNetV3Small').parent}")
    for network in NETWORKS.values():
        state = "cached" if cache_path(network.name).is_file() else "not cached"
        print(f"  {network.name:<18} {network.native_size:>3} px  "
              f"{network.param_count / 1e6:5.1f} M weights  {state:<10}  "
              f"{network.weights_file}")
    return 0


def fetch_command(args: argparse.Namespace) -> int:
    """``dlstudio weights fetch NAME [--file PATH]``."""
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.model.backbone_weights import copy_into_cache, download, find_cached
    from dlstudio.core.model.backbones import NETWORKS

    if args.network not in NETWORKS:
        raise UserInputError(f"unknown network {args.network!r}; choose one of "
                             f"{', '.join(NETWORKS)}")
    if args.file:
        source = Path(args.file)
        if not source.is_file():
            raise UserInputError(f"{source} does not exist; pass the weights file to copy")
        print(copy_into_cache(source, args.network))
        return 0
    cached = find_cached(args.network)
    if cached is None:
        cached = download(args.network, DownloadLine(args.network, sys.stderr))
    print(cached)
    return 0


def fetch_for_training(project: Any, err: TextIO = sys.stderr) -> None:
    """Download the ImageNet weights ``project``'s Backbone rows need and the cache lacks,
    with a progress line on ``err``.

    Raises:
        MissingWeightsError: Offline, with which file to put where.
    """
    from dlstudio.core.model.backbone_weights import fetch_missing

    lines: dict[str, DownloadLine] = {}

    def progress(network: str, done: int, total: int | None) -> None:
        lines.setdefault(network, DownloadLine(network, err))(done, total)

    fetch_missing(project, progress)


def weights_lines(project: Any) -> list[str]:
    """``dlstudio info``'s lines on the pretrained weights ``project``'s Backbone rows use:
    where each file is, or that training will download it (none without a Backbone)."""
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.model.backbone_weights import backbone_rows, cache_path, resolve

    lines = []
    for row in backbone_rows(project):
        network = row.params.get("network", "MobileNetV3Small")
        weights = row.params.get("weights", "imagenet")
        try:
            path = resolve(weights, network, project.base_dir)
            where = "random weights (weights: none)" if path is None else str(path)
        except UserInputError as error:
            where = (f"not in the Keras cache; `dlstudio train` downloads "
                     f"{cache_path(network).name} (offline: `dlstudio weights fetch "
                     f"{network}` elsewhere)" if weights == "imagenet" else str(error))
        lines.append(f"Pretrained weights: {row.id} ({network}): {where}")
    return lines


def use_weights_file(project: Any, path: str) -> None:
    """Make every Backbone row of ``project`` start from the weights file ``path``.

    Raises:
        UserInputError: The project has no Backbone row, or the file does not exist.
    """
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.model.backbone_weights import backbone_rows

    rows = backbone_rows(project)
    if not rows:
        raise UserInputError("--weights-file is for projects with a Backbone row, and this "
                             "one has none; leave it out")
    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise UserInputError(f"the weights file {file} does not exist; check the path")
    for row in rows:
        row.params["weights"] = str(file)


class DownloadLine:
    """A one-line download progress (``MobileNetV3Small weights: 1.2 of 4.3 MB (28%)``),
    redrawn in place on a terminal, printed once at the end otherwise."""

    def __init__(self, network: str, out: TextIO) -> None:
        self.network, self.out = network, out
        self.live = out.isatty()
        self._shown = -1

    def __call__(self, done: int, total: int | None) -> None:
        percent = int(100 * done / total) if total else None
        finished = total is not None and done >= total
        if not self.live and not finished:
            return
        if percent == self._shown and not finished:
            return
        self._shown = percent if percent is not None else -1
        size = f"{done / 1e6:.1f}" + (f" of {total / 1e6:.1f} MB ({percent}%)" if total
                                      else " MB")
        end = "\n" if finished else ""
        self.out.write(f"\rDownloading {self.network} weights: {size}{end}")
        self.out.flush()
