"""A busybox-like shell for `kubectl exec` into sandbox pods, working on the real files of the
volumes the pod mounts — so a copy between two claims, and its verification, are real."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import posixpath
import shlex
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

Result = tuple[int, str, str]


class Shell:
    def __init__(self, mounts: dict[str, Path], scratch: Path):
        # container path -> host directory; the longest matching prefix wins
        self.mounts = {k.rstrip("/") or "/": v for k, v in mounts.items()}
        self.scratch = scratch
        self.cwd = "/"
        self.out: list[str] = []
        self.err: list[str] = []

    # --- paths ---------------------------------------------------------------------------------
    def host(self, path: str) -> Path | None:
        path = posixpath.join(self.cwd, path) if path else self.cwd
        norm = posixpath.normpath("/" + path.lstrip("/"))
        best = None
        for mount in self.mounts:
            if norm == mount or norm.startswith(mount + "/"):
                if best is None or len(mount) > len(best):
                    best = mount
        if best is not None:
            return self.mounts[best] / norm[len(best) :].lstrip("/")
        if norm == "/tmp" or norm.startswith("/tmp/"):
            self.scratch.mkdir(parents=True, exist_ok=True)
            return self.scratch / norm[4:].lstrip("/")
        return None

    def container(self, host: Path) -> str:
        for mount, root in sorted(self.mounts.items(), key=lambda kv: -len(str(kv[1]))):
            try:
                rel = host.relative_to(root)
            except ValueError:
                continue
            return mount if str(rel) == "." else f"{mount.rstrip('/')}/{rel}"
        return str(host)

    # --- running -------------------------------------------------------------------------------
    def run_argv(self, argv: list[str]) -> int:
        if not argv:
            return 0
        name = os.path.basename(argv[0])
        if name in ("sh", "bash", "ash") and len(argv) >= 3 and argv[1] == "-c":
            return self.run_script(argv[2])
        handler = COMMANDS.get(name)
        if handler is None:
            raise LookupError(argv[0])
        return handler(self, argv[1:])

    def run_script(self, script: str) -> int:
        """`a && b; c` with sh's short-circuit rules; `exit` ends the script."""
        rc = 0
        for chain in _split(script, ";"):
            skip = False
            for part in _split(chain, "&&"):
                if skip:
                    continue
                words = shlex.split(part)
                if not words:
                    continue
                if words[0] == "exit":
                    return int(words[1]) if len(words) > 1 else rc
                try:
                    rc = self.run_argv(words)
                except LookupError:
                    self.err.append(f"sh: {words[0]}: not found\n")
                    rc = 127
                if rc != 0:
                    skip = True
        return rc


def _split(script: str, sep: str) -> list[str]:
    parts, cur, quote, i = [], [], None, 0
    while i < len(script):
        ch = script[i]
        if quote:
            if ch == quote:
                quote = None
            cur.append(ch)
        elif ch in "\"'":
            quote = ch
            cur.append(ch)
        elif script.startswith(sep, i):
            parts.append("".join(cur))
            cur = []
            i += len(sep)
            continue
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _flags(args: list[str], allowed: str) -> tuple[set[str], list[str]]:
    flags: set[str] = set()
    rest: list[str] = []
    for a in args:
        if a.startswith("-") and len(a) > 1 and a != "--" and all(c in allowed for c in a[1:]):
            flags.update(a[1:])
        else:
            rest.append(a)
    return flags, rest


def _missing(sh: Shell, tool: str, path: str) -> int:
    sh.err.append(f"{tool}: {path}: No such file or directory\n")
    return 1


def cmd_cp(sh: Shell, args: list[str]) -> int:
    flags, paths = _flags(args, "rRfpTaPdLv")
    if len(paths) < 2:
        sh.err.append(
            "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: cp [-arPLHpfinlsTu] "
            "SOURCE DEST\n"
        )
        return 1
    recursive = bool(flags & set("rRa"))
    preserve = bool(flags & set("pa"))
    copy_fn = shutil.copy2 if preserve else shutil.copyfile
    *sources, dest = paths
    dst = sh.host(dest)
    if dst is None:
        sh.err.append(f"cp: can't create '{dest}': Read-only file system\n")
        return 1
    rc = 0
    for source in sources:
        src = sh.host(source)
        if src is None or not src.exists():
            sh.err.append(f"cp: can't stat '{source}': No such file or directory\n")
            rc = 1
            continue
        target = dst
        if "T" not in flags and dst.is_dir():
            target = dst / src.name
        if src.is_dir():
            if not recursive:
                sh.err.append(f"cp: omitting directory '{source}'\n")
                rc = 1
                continue
            shutil.copytree(src, target, dirs_exist_ok=True, copy_function=copy_fn, symlinks=True)
            if preserve:
                shutil.copystat(src, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            copy_fn(src, target)
    return rc


def cmd_cd(sh: Shell, args: list[str]) -> int:
    target = args[0] if args else "/"
    host = sh.host(target)
    if host is None or not host.is_dir():
        sh.err.append(f"sh: cd: can't cd to {target}: No such file or directory\n")
        return 2
    sh.cwd = posixpath.normpath(posixpath.join(sh.cwd, target))
    return 0


def cmd_pwd(sh: Shell, args: list[str]) -> int:
    sh.out.append(sh.cwd + "\n")
    return 0


def cmd_sync(sh: Shell, args: list[str]) -> int:
    os.sync()
    return 0


def cmd_true(sh: Shell, args: list[str]) -> int:
    return 0


def cmd_echo(sh: Shell, args: list[str]) -> int:
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    sh.out.append(" ".join(args) + ("\n" if newline else ""))
    return 0


def _mode(st: os.stat_result) -> str:
    return stat.filemode(st.st_mode)


def cmd_ls(sh: Shell, args: list[str]) -> int:
    flags, paths = _flags(args, "laR1hAF")
    paths = paths or ["."]
    rc = 0
    for i, path in enumerate(paths):
        host = sh.host(path)
        if host is None or not host.exists():
            rc = _missing(sh, "ls", path)
            continue
        entries = sorted(host.iterdir(), key=lambda p: p.name) if host.is_dir() else [host]
        if "a" not in flags:
            entries = [e for e in entries if not e.name.startswith(".")]
        if len(paths) > 1 and host.is_dir():
            sh.out.append(("\n" if i else "") + f"{path}:\n")
        for entry in entries:
            if "l" in flags:
                st = entry.lstat()
                when = time.strftime("%b %e %H:%M", time.localtime(st.st_mtime))
                sh.out.append(
                    f"{_mode(st)} {st.st_nlink:4d} root     root     {st.st_size:10d} {when} {entry.name}\n"
                )
            else:
                sh.out.append(entry.name + "\n")
    return rc


def _walk(root: Path) -> list[Path]:
    out = [root]
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            base = Path(dirpath)
            for name in sorted(dirnames) + sorted(filenames):
                out.append(base / name)
    return out


def cmd_find(sh: Shell, args: list[str]) -> int:
    roots, i = [], 0
    while i < len(args) and not args[i].startswith("-"):
        roots.append(args[i])
        i += 1
    roots = roots or ["."]
    ftype = name = None
    exec_cmd: list[str] | None = None
    batch = False
    mindepth, maxdepth = 0, None
    while i < len(args):
        a = args[i]
        if a in ("-mindepth", "-maxdepth") and i + 1 < len(args) and args[i + 1].isdigit():
            if a == "-mindepth":
                mindepth = int(args[i + 1])
            else:
                maxdepth = int(args[i + 1])
            i += 2
        elif a == "-type":
            ftype, i = args[i + 1], i + 2
        elif a == "-name":
            name, i = args[i + 1], i + 2
        elif a == "-exec":
            j = i + 1
            while j < len(args) and args[j] not in (";", "+", "\\;"):
                j += 1
            exec_cmd = args[i + 1 : j]
            batch = j < len(args) and args[j] == "+"
            i = j + 1
        else:
            sh.err.append(f"find: unrecognized: {a}\n")
            return 1
    found: list[str] = []
    rc = 0
    for root in roots:
        host = sh.host(root)
        if host is None or not host.exists():
            rc = _missing(sh, "find", root)
            continue
        for p in _walk(host):
            depth = len(p.relative_to(host).parts)
            if depth < mindepth or (maxdepth is not None and depth > maxdepth):
                continue
            if ftype == "f" and not p.is_file():
                continue
            if ftype == "d" and not p.is_dir():
                continue
            if name and not fnmatch.fnmatch(p.name, name):
                continue
            rel = p.relative_to(host)
            found.append(root if str(rel) == "." else f"{root.rstrip('/')}/{rel}")
    if exec_cmd is None:
        sh.out.extend(f + "\n" for f in found)
        return rc
    if batch:
        if found:
            argv = []
            for a in exec_cmd:
                argv.extend(found if a == "{}" else [a])
            rc = sh.run_argv(argv) or rc
        return rc
    for f in found:
        rc = sh.run_argv([f if a == "{}" else a for a in exec_cmd]) or rc
    return rc


def cmd_wc(sh: Shell, args: list[str]) -> int:
    flags, files = _flags(args, "clwm")
    flags = flags or {"l", "w", "c"}
    order = [f for f in "lwc" if f in flags or (f == "c" and "m" in flags)]
    one = len(files) <= 1 and len(order) == 1
    totals = [0] * len(order)
    rc = 0
    for f in files:
        host = sh.host(f)
        if host is None or not host.is_file():
            sh.err.append(f"wc: {f}: No such file or directory\n")
            rc = 1
            continue
        data = host.read_bytes()
        counts = [{"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}[k] for k in order]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        cells = [str(counts[0]) if one else f"{counts[0]:9d}"] + [f" {c:9d}" for c in counts[1:]]
        sh.out.append("".join(cells) + f" {f}\n")
    if len(files) > 1:
        cells = [f"{totals[0]:9d}"] + [f" {c:9d}" for c in totals[1:]]
        sh.out.append("".join(cells) + " total\n")
    return rc


def _hash_cmd(algo: str) -> Callable[[Shell, list[str]], int]:
    def run(sh: Shell, args: list[str]) -> int:
        rc = 0
        for f in args:
            host = sh.host(f)
            if host is None or not host.is_file():
                sh.err.append(f"{algo}sum: can't open '{f}': No such file or directory\n")
                rc = 1
                continue
            h = hashlib.new(algo)
            with open(host, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            sh.out.append(f"{h.hexdigest()}  {f}\n")
        return rc

    return run


def cmd_cat(sh: Shell, args: list[str]) -> int:
    rc = 0
    for f in args:
        host = sh.host(f)
        if host is None or not host.is_file():
            sh.err.append(f"cat: can't open '{f}': No such file or directory\n")
            rc = 1
            continue
        sh.out.append(host.read_bytes().decode("utf-8", errors="replace"))
    return rc


def cmd_du(sh: Shell, args: list[str]) -> int:
    flags, paths = _flags(args, "skhac")
    rc = 0
    for path in paths or ["."]:
        host = sh.host(path)
        if host is None or not host.exists():
            rc = _missing(sh, "du", path)
            continue
        total = sum(p.stat().st_size for p in _walk(host) if p.is_file())
        kb = max(1, (total + 1023) // 1024) if total else 0
        shown = (
            f"{kb / 1024:.1f}M" if "h" in flags and kb >= 1024 else (f"{kb}K" if "h" in flags else str(kb))
        )
        sh.out.append(f"{shown}\t{path}\n")
    return rc


def cmd_diff(sh: Shell, args: list[str]) -> int:
    flags, paths = _flags(args, "rqN")
    if len(paths) != 2:
        sh.err.append("diff: missing operand\n")
        return 2
    a, b = sh.host(paths[0]), sh.host(paths[1])
    if a is None or not a.exists():
        return _missing(sh, "diff", paths[0]) + 1
    if b is None or not b.exists():
        return _missing(sh, "diff", paths[1]) + 1
    if a.is_file() and b.is_file():
        if a.read_bytes() != b.read_bytes():
            sh.out.append(f"Files {paths[0]} and {paths[1]} differ\n")
            return 1
        return 0
    differ = False
    names_a = {p.relative_to(a) for p in _walk(a)[1:]}
    names_b = {p.relative_to(b) for p in _walk(b)[1:]}
    for rel in sorted(names_a | names_b):
        if rel not in names_b:
            sh.out.append(f"Only in {paths[0].rstrip('/')}/{rel.parent}".rstrip("/.") + f": {rel.name}\n")
            differ = True
        elif rel not in names_a:
            sh.out.append(f"Only in {paths[1].rstrip('/')}/{rel.parent}".rstrip("/.") + f": {rel.name}\n")
            differ = True
        elif (a / rel).is_file() and (b / rel).is_file() and (a / rel).read_bytes() != (b / rel).read_bytes():
            sh.out.append(f"Files {paths[0].rstrip('/')}/{rel} and {paths[1].rstrip('/')}/{rel} differ\n")
            differ = True
    return 1 if differ else 0


def cmd_mkdir(sh: Shell, args: list[str]) -> int:
    flags, paths = _flags(args, "p")
    for path in paths:
        host = sh.host(path)
        if host is None:
            sh.err.append(f"mkdir: can't create directory '{path}': Read-only file system\n")
            return 1
        host.mkdir(parents="p" in flags, exist_ok="p" in flags)
    return 0


def cmd_rm(sh: Shell, args: list[str]) -> int:
    flags, paths = _flags(args, "rfR")
    rc = 0
    for path in paths:
        host = sh.host(path)
        if host is None or not host.exists():
            if "f" not in flags:
                sh.err.append(f"rm: can't remove '{path}': No such file or directory\n")
                rc = 1
            continue
        if host.is_dir():
            if not flags & {"r", "R"}:
                sh.err.append(f"rm: '{path}' is a directory\n")
                rc = 1
                continue
            if host in sh.mounts.values():
                for child in host.iterdir():
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            else:
                shutil.rmtree(host)
        else:
            host.unlink()
    return rc


def cmd_stat(sh: Shell, args: list[str]) -> int:
    rc = 0
    for path in args:
        host = sh.host(path)
        if host is None or not host.exists():
            sh.err.append(f"stat: can't stat '{path}': No such file or directory\n")
            rc = 1
            continue
        st = host.stat()
        sh.out.append(f"  File: {path}\n  Size: {st.st_size}\n")
    return rc


COMMANDS: dict[str, Callable[[Shell, list[str]], int]] = {
    "cd": cmd_cd,
    "pwd": cmd_pwd,
    "cp": cmd_cp,
    "sync": cmd_sync,
    "true": cmd_true,
    "echo": cmd_echo,
    "ls": cmd_ls,
    "find": cmd_find,
    "wc": cmd_wc,
    "sha256sum": _hash_cmd("sha256"),
    "md5sum": _hash_cmd("md5"),
    "sha1sum": _hash_cmd("sha1"),
    "cat": cmd_cat,
    "du": cmd_du,
    "diff": cmd_diff,
    "mkdir": cmd_mkdir,
    "rm": cmd_rm,
    "stat": cmd_stat,
}


def execute(argv: list[str], mounts: dict[str, Path], scratch: Path) -> Result:
    """Run one exec'd command; `kubectl exec`'s own wording for a missing executable."""
    sh = Shell(mounts, scratch)
    try:
        rc = sh.run_argv(argv)
    except LookupError:
        return (
            126,
            "",
            (
                f"OCI runtime exec failed: exec failed: unable to start container process: exec: "
                f'"{argv[0]}": executable file not found in $PATH: unknown\n'
            ),
        )
    return rc, "".join(sh.out), "".join(sh.err)
