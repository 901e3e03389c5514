"""Where a study lives: an SQLite file in the runs folder by default, or a database URL that
several machines share (PostgreSQL or MySQL — Optuna's own way to spread a study).

Trials are kept alive by heartbeats: a trial whose process vanished (kill -9, a lost machine)
stops beating, is marked failed after the grace period, and is queued again with the same
settings (:class:`optuna.storages.RetryHeartbeatStaleTrialCallback`), so it is neither lost nor
counted twice.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError

DEFAULT_FILE = "tuning.db"
HEARTBEAT_SECONDS = 10
GRACE_SECONDS = 30
MAX_RETRIES = 2
CREATE_ATTEMPTS = 4


class StorageError(UserInputError):
    """The study's storage cannot be opened."""


def default_url(runs_dir: str | os.PathLike[str]) -> str:
    """Return the SQLite URL of the study file in ``runs_dir`` (the folder is made)."""
    folder = Path(runs_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DEFAULT_FILE}"


def open_storage(url: str, heartbeat: int = HEARTBEAT_SECONDS,
                 grace: int = GRACE_SECONDS) -> Any:
    """Open ``url`` as an Optuna RDB storage with heartbeats and retries of vanished trials.

    Raises:
        StorageError: The URL is malformed, its database driver is missing, or the server
            cannot be reached; the message says which and what to do.
    """
    import optuna
    import sqlalchemy.exc

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    quiet_optuna_warnings()
    engine: dict[str, Any] = {}
    if url.startswith("sqlite"):
        engine = {"connect_args": {"timeout": 60}}
    elif url.startswith("postgresql"):
        engine = {"pool_pre_ping": True}
    try:
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine, heartbeat_interval=heartbeat,
                    grace_period=grace,
                    heartbeat_stale_trial_callback=(
                        optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES)))
            except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
                # another machine is creating the tables at this moment: use them once made
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.5 + random.random())
        raise AssertionError("unreachable")
    except ImportError:
        raise StorageError(f"the storage {_shown(url)} needs its database driver; install it "
                           "(PostgreSQL: pip install 'dlstudio[tune-postgres]'; MySQL: pip "
                           "install pymysql and use mysql+pymysql://…)") from None
    except sqlalchemy.exc.ArgumentError:
        raise StorageError(f"{_shown(url)} is not a database URL; use sqlite:///FILE.db or "
                           "postgresql://USER:PASSWORD@HOST:PORT/DATABASE") from None
    except sqlalchemy.exc.OperationalError as error:
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise StorageError(f"cannot open the study database {_shown(url)} ({detail}); check "
                           "that the server runs and the URL, user and password are right"
                           ) from None


def quiet_optuna_warnings() -> None:
    """Silence Optuna's notes that heartbeats and retries are experimental, and that
    heartbeats are meant for ``Study.optimize`` (dlstudio beats for its own trials)."""
    import warnings

    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed")


def _shown(url: str) -> str:
    """The URL with its password hidden."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}" if ":" in credentials else url


def shown_url(url: str) -> str:
    """Return ``url`` fit to print: any password replaced by ``***``."""
    return _shown(url)


def study_name_for(project_path: str | os.PathLike[str]) -> str:
    """The default study name of a project file: its name without ``.dlstudio.json``."""
    name = Path(project_path).name
    for suffix in (".dlstudio.json", ".json"):
        if name.endswith(suffix):
            return name[:-len(suffix)] or "study"
    return name or "study"
