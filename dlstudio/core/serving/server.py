"""``dlstudio serve``: open a run or an export and serve it with uvicorn."""

from __future__ import annotations

from pathlib import Path

from dlstudio.core.errors import UserInputError

INSTALL_HINT = "pip install 'dlstudio[serve]' (FastAPI, uvicorn, python-multipart)"


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve predictions of a run folder or an export until interrupted.

    Raises:
        UserInputError: The serving packages are missing, or ``path`` cannot be served.
    """
    try:
        import uvicorn

        from dlstudio.core.serving.app import create_app
    except ImportError as error:
        raise UserInputError(f"serving needs {error.name}, which is not installed; "
                             f"{INSTALL_HINT}") from None
    from dlstudio.core.serving.served_model import open_served_model

    if not 0 < port < 65536:
        raise UserInputError(f"--port {port} is not a port; expected 1 to 65535")
    served = open_served_model(path)
    print(f"Serving {served.name} on http://{host}:{port} (docs at /docs); Ctrl+C stops",
          flush=True)
    uvicorn.run(create_app(served), host=host, port=port, log_level="warning")
