"""The warm server behind the emulator scripts (see emulator_client): it imports the emulators once
and forks a child per emulated command, which becomes that command (its fds, argv, environment,
working directory, umask and limits) and dies with it.

One server serves every sandbox made from the same code by the same user (the socket's name holds
the uid and a fingerprint of the code: a server never answers with code older than the sandbox's
scripts). It listens on an abstract Unix socket (no file to leave behind), answers only its own
user, and leaves after `idle` seconds without a command.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from .emulator_client import LIMITS, STARTED, peer_uid, recv_exactly


def fingerprint(package: Path) -> str:
    """What names a server: this code as it is on disk (newest change and file count of the
    package the emulators import from)."""
    import hashlib

    newest, count = 0, 0
    for path in package.rglob("*.py"):
        newest, count = max(newest, path.stat().st_mtime_ns), count + 1
    return hashlib.sha1(f"{sys.executable}|{package}|{newest}|{count}".encode()).hexdigest()[:16]


def serve(name: str, idle: float) -> None:
    # Nothing the first command inherited beyond its stdio (spawned with /dev/null) may be held
    # open here: a reader waiting for that command's pipes to close would wait for this server.
    os.closerange(3, 1 << 16)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(b"\0" + name.encode())  # first: the next commands wait for this one
    except OSError:
        return  # another command started the server a moment before
    listener.listen(64)
    os.chdir("/")
    _warm()
    gc.freeze()  # what the server holds stays put: children copy no pages to count references
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener.settimeout(idle)
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            return
        try:
            _serve_one(listener, conn)
        except OSError:
            pass  # a client that went away mid-request: nothing ran
        finally:
            conn.close()


def _warm() -> None:
    """Import every emulator and its static data, as the commands will need them."""
    import resource  # noqa: F401  (each child matches its client's limits)

    from . import cli, curl_cli, faults, juju_cli, kubectl_cli  # noqa: F401
    from .catalogue import _document
    from .istio_upstream import helm_cli, istioctl_cli  # noqa: F401

    _document()


def _serve_one(listener: socket.socket, conn: socket.socket) -> None:
    if peer_uid(conn) != os.getuid():
        return
    conn.setblocking(True)
    header, fds, _, _ = socket.recv_fds(conn, 4, 3)
    if len(header) < 4 or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return
    size = int.from_bytes(header, "little")
    payload = recv_exactly(conn, size)
    if len(payload) == size and os.fork() == 0:
        _child(listener, conn, fds, payload)  # never returns
    for fd in fds:
        os.close(fd)


def _child(listener: socket.socket, conn: socket.socket, fds: list[int], payload: bytes) -> None:
    """Become the client's command; answer STARTED, then its exit status."""
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        gc.disable()  # a short-lived command: no cycles worth collecting
        listener.close()
        tool, faults = _take(payload, fds)
        conn.sendall(STARTED)
    except BaseException:
        os._exit(0)  # no STARTED: the client runs the command itself
    # The command dies with its client: a killed command group must leave nothing running.
    threading.Thread(target=_exit_when_gone, args=(conn,), daemon=True).start()
    try:
        from .cli import main

        main(tool, faults)
    except SystemExit as done:
        status = _exit_status(done.code)
    except BaseException:
        import traceback

        traceback.print_exc()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    try:
        conn.sendall(status.to_bytes(4, "little", signed=True))
    finally:
        os._exit(0)


def _take(payload: bytes, fds: list[int]) -> tuple[str, bool]:
    """Take on the client's fds, limits, umask, working directory, argv and environment."""
    import resource

    fields = payload.split(b"\0")
    tool, faults, cwd, umask, limits, argc = fields[:6]
    count = int(argc)
    argv, environ = fields[6 : 6 + count], fields[6 + count :]
    for item in limits.decode().split(","):
        which, soft, hard = (int(part) for part in item.split(":"))
        if which in LIMITS and resource.getrlimit(which) != (soft, hard):
            resource.setrlimit(which, (soft, hard))  # fails when it would raise a hard limit
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.umask(int(umask))
    os.chdir(cwd)
    sys.argv = [arg.decode("utf-8", "surrogateescape") for arg in argv]
    os.environ.clear()
    for entry in environ:
        key, _, value = entry.partition(b"=")
        if key:
            os.environb[key] = value
    time.tzset()
    return tool.decode(), faults == b"1"


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _exit_when_gone(conn: socket.socket) -> None:
    try:
        conn.recv(1)
    except OSError:
        pass
    os._exit(1)
