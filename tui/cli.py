"""The `cairn` command line. Exit status: 0 done, 1 the runbook failed or was aborted, 2 bad input.

Every error a person can cause is one line on stderr (`cairn: …`), never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from steps import __version__
from steps.errors import BadInput, CairnError
from steps.run import targets

DEFAULT_RUNBOOK = "ckf-1.11-ambient"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming what to do."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"cairn: {message} (see `{self.prog} --help`)\n")


MAX_SPEED = 100.0  # the sandbox's settle delays times 100 is hours already
MAX_SECONDS = 7 * 24 * 3600


def _number(flag: str, *, low: float, high: float, zero_ok: bool):
    """An argparse type: a finite number in (low, high], or [low, high] when zero_ok — never nan
    or inf, which would hang a wait or reach the emulators as a traceback."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        ok = math.isfinite(value) and (low <= value if zero_ok else low < value) and value <= high
        if not ok:
            least = f"{low:g} or more" if zero_ok else f"more than {low:g}"
            raise argparse.ArgumentTypeError(f"{text!r}: expected a number {least}, at most {high:g}")
        return value

    parse.__name__ = flag  # argparse names the type in its message
    return parse


def _add_params(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--platform",
        help="microk8s (default) | canonical-k8s | gke | k3d | k3s | minikube | openshift | eks | aks | kubeadm | none",
    )
    p.add_argument("--risk", help="edge (the guide's) | stable: maps every X/edge channel to X/stable")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a param (model=kubeflow, user_namespaces=admin,alice, channel.kfp=2.15/stable)",
    )
    p.add_argument("--runbook", dest="runbook_file", metavar="FILE", help="load your own runbook file")


def _add_target(p: argparse.ArgumentParser, *, default_sandbox: bool = True) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--sandbox",
        nargs="?",
        const="",
        metavar="SCENARIO",
        help=f"the rehearsal deployment (default; scenarios: {', '.join(targets.sandbox_scenarios())})",
    )
    g.add_argument(
        "--live",
        action="store_true",
        help="the real cluster: real juju and kubectl (asked for, never default)",
    )
    g.add_argument("--from-files", metavar="DIR", help="saved juju/kubectl output (read-only)")
    p.add_argument("--context", help="kubeconfig context (live)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cairn", description="A calm terminal guide for risky cluster migrations.")
    parser.add_argument("--version", action="version", version=f"cairn {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("list", help="the runbooks")

    p = sub.add_parser("plan", help="print every phase, step and command; touch nothing")
    p.add_argument("runbook", nargs="?", default=DEFAULT_RUNBOOK)
    _add_params(p)

    p = sub.add_parser("run", help="run a runbook (the app, or --plain line mode)")
    p.add_argument("runbook", nargs="?", default=DEFAULT_RUNBOOK)
    _add_params(p)
    _add_target(p)
    p.add_argument("--plain", action="store_true", help="line mode on an ordinary terminal")
    p.add_argument("--yes", action="store_true", help="answer yes to every confirmation and question")
    p.add_argument(
        "--speed",
        type=_number("--speed", low=0.0, high=MAX_SPEED, zero_ok=True),
        default=1.0,
        help=f"sandbox settle delay scale: 1 default, 0 instant (at most {MAX_SPEED:g})",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="STEP:KIND",
        help="sandbox: make STEP fail-once, fail or hang (rehearse retry, skip and abort)",
    )
    p.add_argument(
        "--settle-timeout",
        type=_number("--settle-timeout", low=0.0, high=MAX_SECONDS, zero_ok=False),
        metavar="SECONDS",
        help="how long to wait for apps to settle",
    )

    p = sub.add_parser("check", help="the pre-flight report; exit 1 when a blocker fails")
    p.add_argument("runbook", nargs="?", default=DEFAULT_RUNBOOK)
    _add_params(p)
    _add_target(p)
    p.add_argument("--ascii", action="store_true", help="[ok]/[FAIL] instead of symbols")

    p = sub.add_parser("dump", help="save juju and kubectl output of a cluster into DIR (for --from-files)")
    p.add_argument("directory")
    _add_target(p)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="model=NAME")

    from .analyzecmd import add_parser as add_analyze

    add_analyze(sub)

    sub.add_parser("sessions", help="list sessions")

    p = sub.add_parser("resume", help="take a session over again (the latest when ID is left out)")
    p.add_argument("id", nargs="?")
    p.add_argument("--plain", action="store_true")
    p.add_argument("--yes", action="store_true")

    p = sub.add_parser("watch", help="follow a session read-only from another terminal")
    p.add_argument("id", nargs="?")
    p.add_argument("--plain", action="store_true", help="a plain tail of the session")

    p = sub.add_parser("export", help="write the session's record (snapshot)")
    p.add_argument("id", nargs="?")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="file to write (default: the session's snapshot.txt; - for stdout)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("sandbox", help="look at a session's rehearsal deployment")
    sp = p.add_subparsers(dest="sandbox_command", parser_class=_Parser, required=True)
    e = sp.add_parser(
        "exec", help="run one emulated juju/kubectl command: cairn sandbox exec [ID] -- juju status"
    )
    e.add_argument("rest", nargs=argparse.REMAINDER)
    s = sp.add_parser("shell", help="a shell with the emulated juju and kubectl first on PATH")
    s.add_argument("id", nargs="?")
    return parser


def _given(args: argparse.Namespace) -> dict[str, object]:
    from steps.runbook.params import parse_assignments

    given: dict[str, object] = dict(parse_assignments(args.sets))
    if getattr(args, "platform", None) is not None:
        given["platform"] = args.platform
    if getattr(args, "risk", None) is not None:
        given["risk"] = args.risk
    return given


def _target_request(args: argparse.Namespace):
    from steps.run.launch import parse_faults
    from steps.run.request import TargetRequest

    if getattr(args, "live", False):
        kind = "live"
    elif getattr(args, "from_files", None):
        kind = "files"
    else:
        kind = "sandbox"
    return TargetRequest(
        kind=kind,
        scenario=getattr(args, "sandbox", None) or "",
        speed=getattr(args, "speed", 1.0),
        faults=parse_faults(getattr(args, "fault", []) or []),
        directory=getattr(args, "from_files", None) or "",
        context=getattr(args, "context", None),
    )


def cmd_list(_args: argparse.Namespace) -> int:
    from steps.runbook import registry

    for rb in registry.list_runbooks():
        print(f"{rb.id:<20} {rb.title}  ({len(rb.phases)} phases, {step_counts(rb)})")
    return 0


def step_counts(rb) -> str:
    """How many steps a run has: for the default params, what each item of a list param adds and
    what other choices change ("47 steps + 2 per user_namespaces item; 51 with
    platform=canonical-k8s"). The runbook's step definitions would name a number no run has."""
    from steps.runbook import params, plan

    def count(given: dict[str, object]) -> int:
        return plan.count_steps(rb, params.resolve(rb, given))

    base = count({})
    variants: dict[int, list[str]] = {}
    per_item: list[str] = []
    for param in rb.params:
        for choice in param.choices:
            if choice == param.default:
                continue
            try:
                n = count({param.name: choice})
            except CairnError:
                continue
            if n != base:
                variants.setdefault(n, []).append(f"{param.name}={choice}")
        if param.kind == "list" and not param.default:
            try:
                extra = count({param.name: "cairn-count"}) - base
            except CairnError:
                continue
            if extra:
                per_item.append(f" + {extra} per {param.name} item")
    text = f"{base} steps" + "".join(per_item)
    for n, choices in sorted(variants.items()):
        text += f"; {n} with {' or '.join(choices)}"
    return text


def cmd_plan(args: argparse.Namespace) -> int:
    from steps.runbook import params, plan, registry

    rb = registry.find(args.runbook, runbook_file=args.runbook_file)
    values = params.resolve(rb, _given(args))
    print(plan.format_plan(plan.resolve(rb, values, preview=True)))
    return 0


def validate_run(request) -> None:
    """Bad input is said first, before the terminal check or a sandbox is built: the runbook, its
    params, and every --fault's step (a fault on a step that does not exist would never fire)."""
    import difflib

    from steps.runbook import params, registry

    rb = registry.find(request.runbook, runbook_file=request.runbook_file)
    params.resolve(rb, request.given)
    ids = [step.id for phase in rb.phases for step in phase.steps]
    for step, kind in request.target.faults:
        if step in ids:
            continue
        near = difflib.get_close_matches(step, ids, n=3, cutoff=0.6) or difflib.get_close_matches(
            step, ids, n=3, cutoff=0.0
        )
        raise BadInput(
            f"--fault {step}:{kind}: runbook {rb.id} has no step {step!r}; nearest: {', '.join(near)} "
            f"(`cairn plan {rb.id}` lists every step id)"
        )


def cmd_run(args: argparse.Namespace) -> int:
    from steps.run.request import RunRequest

    request = RunRequest(
        runbook=args.runbook,
        runbook_file=args.runbook_file,
        given=_given(args),
        target=_target_request(args),
        yes=args.yes,
        settle_timeout=args.settle_timeout,
    )
    validate_run(request)
    if args.plain:
        from . import plain

        return plain.run(request)
    from .app import run_app

    return run_app(request=request)


def cmd_resume(args: argparse.Namespace) -> int:
    if args.plain:
        from . import plain

        return plain.resume(args.id, yes=args.yes or None)
    from .app import run_app

    return run_app(resume_id=args.id or "", yes=args.yes or None, mode="resume")


def cmd_watch(args: argparse.Namespace) -> int:
    if args.plain:
        from . import plain

        return plain.watch(args.id)
    from .app import run_app

    return run_app(watch_id=args.id or "", mode="watch")


def cmd_sessions(_args: argparse.Namespace) -> int:
    from steps.record import session, session_list
    from steps.record.export import stamp

    ids = session.all_ids()
    if not ids:
        print(f"no sessions yet ({session.sessions_dir()})")
        return 0
    print(f"{'SESSION':<22} {'STARTED':<19} {'RUNBOOK':<18} {'TARGET':<30} {'STEPS':>7}  OUTCOME")
    for sid in ids:
        directory = session.sessions_dir() / sid
        try:
            row = session_list.row(directory)  # first and last journal lines, not a replay
        except BadInput as exc:
            print(f"{sid:<22} (unreadable: {exc})")
            continue
        except Exception as exc:  # noqa: BLE001 - one odd session must not hide the others
            print(f"{sid:<22} (unreadable: {exc!r})")
            continue
        lock = session.SessionLock(directory)
        outcome = row.outcome.split(" (")[0]
        if lock.is_held_elsewhere():
            outcome += " (being driven now)"
        print(
            f"{sid:<22} {stamp(row.started.t, True)[:19]:<19} {row.started.runbook:<18} "
            f"{row.target:<30} {row.final:>3}/{row.steps:<3}  {outcome}"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from steps.record import export, session

    sid, directory = session.find(args.id)
    if args.output == "-":
        if args.format == "json":
            sys.stdout.write(export.to_json(directory))
        else:
            export.write_text(directory, sys.stdout)  # streamed: a big session never sits in memory
        return 0
    target = Path(args.output) if args.output else session.SessionDir(directory).export(args.format)
    try:
        export.write_file(directory, target, "json" if args.format == "json" else "text")
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror}") from None
    print(f"wrote {target}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from . import checkcmd

    return checkcmd.run(args, _given(args), _target_request(args))


def cmd_dump(args: argparse.Namespace) -> int:
    from . import checkcmd

    return checkcmd.dump(args, _target_request(args))


def cmd_analyze(args: argparse.Namespace) -> int:
    from . import analyzecmd

    return analyzecmd.run(args)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from . import sandboxcmd

    if args.sandbox_command == "exec":
        return sandboxcmd.exec_command(args.rest)
    return sandboxcmd.shell(args.id)


COMMANDS = {
    "list": cmd_list,
    "plan": cmd_plan,
    "run": cmd_run,
    "resume": cmd_resume,
    "watch": cmd_watch,
    "sessions": cmd_sessions,
    "export": cmd_export,
    "check": cmd_check,
    "dump": cmd_dump,
    "analyze": cmd_analyze,
    "sandbox": cmd_sandbox,
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        if args.command is None:
            from steps.run.request import RunRequest, TargetRequest

            from .app import run_app

            return run_app(
                request=RunRequest(runbook=DEFAULT_RUNBOOK, target=TargetRequest()), start_screen=True
            )
        return COMMANDS[args.command](args)
    except CairnError as exc:
        print(f"cairn: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cairn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `cairn export - | head`: the reader left; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno not in _STORAGE_ERRORS:
            return _internal_error(exc)
        # A read-only or full $CAIRN_HOME (or export target): say what and where, exit 2.
        where = f" {exc.filename}" if exc.filename else ""
        print(
            f"cairn: cannot write{where}: {exc.strerror} (free space or fix permissions, then retry)",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug of ours: one line for the operator, details on disk
        return _internal_error(exc)


# Storage the operator can fix (exit 2 with what and where), not a bug of ours (exit 70).
_STORAGE_ERRORS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EFBIG}


def _internal_error(exc: BaseException) -> int:
    where = _crash_log(exc)
    print(
        f"cairn: internal error: {exc!r} (details in {where}; running commands were not stopped)",
        file=sys.stderr,
    )
    return 70


def _crash_log(exc: BaseException) -> str:
    import traceback

    from steps.record import session

    path = session.home() / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- cairn {__version__} {' '.join(sys.argv)}\n")
            f.write("".join(traceback.format_exception(exc)))
    except OSError:
        return "(could not write a crash log)"
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
