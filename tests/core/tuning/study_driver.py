"""Runs a study with the fake worker, printing the study's JSON lines (a test's subprocess).

``python study_driver.py PROJECT RUNS_DIR STORAGE TRIALS WORKERS [--resume]``
"""

from __future__ import annotations

import sys
from pathlib import Path

from dlstudio.core.project.project import load_project
from dlstudio.core.tuning.events import encode
from dlstudio.core.tuning.study import StudyOptions, StudyRunner

FAKE_WORKER = [sys.executable, str(Path(__file__).with_name("fake_worker.py"))]


def main() -> int:
    project, runs_dir, storage, trials, workers = sys.argv[1:6]
    options = StudyOptions(project=load_project(project), study_name="study",
                           storage_url=storage, runs_dir=Path(runs_dir), workers=int(workers),
                           trials=int(trials), epochs=3, resume="--resume" in sys.argv,
                           heartbeat=1, grace=3, worker=FAKE_WORKER)
    StudyRunner(options, lambda body: print(encode(body), flush=True)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
