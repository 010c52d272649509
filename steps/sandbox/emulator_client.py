"""The code of every emulator script (sandbox_dir/bin/{juju,kubectl,...}): `_write_bin` writes this
file's source and one call to `main`, so an emulated command starts with only builtins imported.

Importing the emulators is most of an emulated command's cost (about 45 ms of 65 on a 2-core
machine, against 9 ms for a bare interpreter). So a command first offers itself to a warm server
(`emulator_server`) that has them imported and forks a child per command. The child takes this
process's stdin, stdout and stderr (passed over the socket), its arguments, environment, working
directory, umask and resource limits, so it behaves as the command would here; it exits if this
process dies, so killing a command's group still ends the command. With no server up (or
CAIRN_SANDBOX_SERVER=off), the command runs here, as it always did, and starts a server, detached,
for the commands that follow; the server leaves after a few idle seconds.

Nothing but builtin modules may be imported here: `_socket` and `posix` are compiled into the
interpreter, `os` would cost a few milliseconds a command.
"""

from __future__ import annotations

import _socket
import posix
import sys

# Wire format (this client and emulator_server, always from the same code: the socket's name
# carries a fingerprint of it). Request: a 4-byte length, then NUL-separated fields, with the
# client's fds 0, 1, 2 as SCM_RIGHTS on the first byte. Reply: STARTED once the child has taken the
# command, then its exit status as 4 bytes. No STARTED means the command did not run there.
STARTED = b"S"
LIMITS = (0, 1, 2, 3, 4, 5, 6, 7, 9)  # RLIMIT_CPU, FSIZE, DATA, STACK, CORE, RSS, NPROC, NOFILE, AS


def main(tool: str, *, root: str, site: list[str], faults: bool, name: str, idle: float) -> None:
    """Run this emulated command: through the server called `name` if it answers, else here."""
    environ = posix.environ
    # Linux only: the server's socket is an abstract one, and its peers are known by SO_PEERCRED.
    if sys.platform == "linux" and environ.get(b"CAIRN_SANDBOX_SERVER", b"") != b"off":
        status = _through_server(tool, faults, name)
        if status is not None:
            sys.exit(status)
        _start_server(root, site, name, idle)
    sys.path.insert(0, root)
    sys.path.extend(site)
    from steps.sandbox.cli import main as run_here

    run_here(tool, faults)


def _through_server(tool: str, faults: bool, name: str) -> int | None:
    """The command's exit status when the server ran it; None when no server took it."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        try:
            sock.connect(b"\0" + name.encode())
            if peer_uid(sock) != posix.getuid():  # a name squatted by another user: not ours
                return None
            frame = request(tool, faults)
            sent = sock.sendmsg([frame], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, _fds(0, 1, 2))])
            if sent < len(frame):  # (a send of nothing fails once the command has ended there)
                sock.sendall(frame[sent:])
            if recv_exactly(sock, len(STARTED)) != STARTED:
                return None  # the server was leaving, or could not match this process: run here
        except OSError:
            return None
        try:
            reply = recv_exactly(sock, 4)
        except OSError:
            reply = b""
        if len(reply) < 4:
            posix.write(2, f"{tool}: the sandbox's emulator ended without an exit status\n".encode())
            return 1
        return int.from_bytes(reply, "little", signed=True)
    finally:
        sock.close()


def request(tool: str, faults: bool) -> bytes:
    """This process as the server needs it: its tool, argv, cwd, umask, limits and environment."""
    umask = posix.umask(0o022)
    posix.umask(umask)
    fields = [
        tool.encode(),
        b"1" if faults else b"0",
        posix.getcwdb(),
        str(umask).encode(),
        ",".join(_limits()).encode(),
        str(len(sys.argv)).encode(),
        *(arg.encode("utf-8", "surrogateescape") for arg in sys.argv),
        *(key + b"=" + value for key, value in posix.environ.items()),
    ]
    payload = b"\0".join(fields)
    return len(payload).to_bytes(4, "little") + payload


def _limits() -> list[str]:
    """Soft:hard for each resource limit that makes a difference to a command (a test's
    RLIMIT_FSIZE is how the sandbox meets a full disk); `resource` is imported only here."""
    import resource  # an extension module: ~0.5 ms, paid only when a server is up

    found = []
    for which in LIMITS:
        soft, hard = resource.getrlimit(which)
        found.append(f"{which}:{soft}:{hard}")
    return found


def peer_uid(sock: _socket.socket) -> int:
    cred = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # struct ucred: pid, uid, gid
    return int.from_bytes(cred[4:8], sys.byteorder)


def _fds(*fds: int) -> bytes:
    return b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)


def recv_exactly(sock: _socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _start_server(root: str, site: list[str], name: str, idle: float) -> None:
    """Start the server for the commands that follow, in its own session with no terminal and none
    of this command's pipes (a reader waiting for the command's output sees it end), and with none
    of this command's environment but the locale and time zone (nothing of it reaches /proc)."""
    code = (
        f"import sys; sys.path[:0] = [{root!r}]; sys.path += {site!r}; "
        f"from steps.sandbox.emulator_server import serve; serve({name!r}, {idle!r})"
    )
    keep = (b"PATH", b"HOME", b"LANG", b"LC_ALL", b"LC_CTYPE", b"TZ")
    env = {key: value for key, value in posix.environ.items() if key in keep}
    try:
        posix.posix_spawn(
            sys.executable,
            [sys.executable, "-I", "-S", "-c", code],
            env,
            file_actions=[
                (posix.POSIX_SPAWN_OPEN, 0, "/dev/null", posix.O_RDWR, 0),
                (posix.POSIX_SPAWN_DUP2, 0, 1),
                (posix.POSIX_SPAWN_DUP2, 0, 2),
            ],
            setsid=True,
        )
    except OSError:
        pass  # no server: every command runs here, as it would without one
