"""How many trials run at once on this machine, and what each trial's process sees.

One trial per GPU (each worker's ``CUDA_VISIBLE_DEVICES`` names one GPU), or K CPU workers
sharing the cores (each told how many threads to use). ``auto`` picks one per GPU, else half
the cores (at most 4). GPUs are counted without importing TensorFlow: from
``CUDA_VISIBLE_DEVICES``, else the device files.
"""

from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass, field

MAX_AUTO_CPU_WORKERS = 4


@dataclass
class WorkerSlot:
    """One place a trial can run.

    Attributes:
        index: The slot's number, from 0.
        device: What it trains on, in words (``GPU 1``, ``CPU``).
        environment: Variables set for its worker process.
    """

    index: int
    device: str
    environment: dict[str, str] = field(default_factory=dict)


def visible_gpus(environment: dict[str, str] | None = None) -> list[str]:
    """Return the GPU ids a process started from here would see (CUDA numbering)."""
    env = os.environ if environment is None else environment
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [item.strip() for item in visible.split(",")
                if item.strip() and item.strip() != "-1"]
    if not sys.platform.startswith("linux"):
        return []
    files = sorted(glob.glob("/dev/nvidia[0-9]*"), key=lambda p: int(p.rsplit("a", 1)[1]))
    return [path.rsplit("a", 1)[1] for path in files]


def plan_slots(workers: int | str, gpus: list[str] | None = None,
               cores: int | None = None) -> list[WorkerSlot]:
    """Return the worker slots for ``workers`` (a count, or ``"auto"`` / 0).

    With GPUs, slots take them in turn (two slots per GPU when asked for twice as many);
    without, the cores are shared out.
    """
    gpus = visible_gpus() if gpus is None else gpus
    cores = cores or os.cpu_count() or 1
    if workers in ("auto", 0, "0"):
        count = len(gpus) or max(1, min(MAX_AUTO_CPU_WORKERS, cores // 2))
    else:
        count = max(1, int(workers))
    if gpus:
        return [WorkerSlot(index, f"GPU {gpus[index % len(gpus)]}",
                           {"CUDA_VISIBLE_DEVICES": gpus[index % len(gpus)]})
                for index in range(count)]
    threads = str(max(1, cores // count))
    environment = {"TF_NUM_INTRAOP_THREADS": threads, "OMP_NUM_THREADS": threads}
    return [WorkerSlot(index, "CPU", dict(environment)) for index in range(count)]
