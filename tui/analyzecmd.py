"""`cairn analyze`: the upstream Istio sidecar -> ambient analysis of a sandbox scenario, the live
cluster or saved files. Exit 0 with no blocker, 1 with one, 2 on bad input."""

from __future__ import annotations

import argparse
from pathlib import Path

from steps.errors import BadInput

# Kept here, not imported: building the parser must not load the analyzer (every `cairn` pays it).
DEFAULT_SCENARIO = "istio-bookinfo"

FILES = {
    "waypoints": "recommended-waypoints.yaml",
    "policies": "recommended-policies.yaml",
    "analysis": "analysis.json",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyse upstream Istio for the sidecar -> ambient migration")
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--sandbox",
        nargs="?",
        const="",
        metavar="SCENARIO",
        help=f"a sandbox scenario (default {DEFAULT_SCENARIO})",
    )
    g.add_argument("--live", action="store_true", help="the real cluster, read with the kubernetes client")
    g.add_argument("--from-files", metavar="DIR", help="saved `kubectl get … -o json|yaml` output")
    p.add_argument("--context", help="kubeconfig context (live)")
    p.add_argument("--output-dir", metavar="DIR", help="write the generated YAML and analysis.json here")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--namespaces", metavar="A,B", help="migrate only these namespaces")
    p.add_argument("--ascii", action="store_true", help="[ok]/[FAIL] instead of symbols")


def run(args: argparse.Namespace) -> int:
    import json

    from steps.istio import sources
    from steps.istio.analyze import analyze, render_policies_yaml, render_waypoints_yaml
    from steps.istio.report import format_analysis

    if args.live:
        state, source = (
            sources.read_live(args.context),
            "live" + (f" ({args.context})" if args.context else ""),
        )
    elif args.from_files:
        state, source = sources.read_files(args.from_files), f"files:{args.from_files}"
    else:
        state, scenario = sources.read_sandbox(args.sandbox or "")
        source = f"sandbox:{scenario}"
    namespaces = None
    if args.namespaces is not None:
        namespaces = [n.strip() for n in args.namespaces.split(",") if n.strip()]
        if not namespaces:
            raise BadInput("--namespaces: give at least one namespace (a,b)")
    analysis = analyze(state, namespaces)
    document = analysis.to_json()
    written: dict[str, str] = {}
    if args.output_dir:
        out = Path(args.output_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
            contents = {
                "waypoints": render_waypoints_yaml(analysis),
                "policies": render_policies_yaml(analysis),
                "analysis": json.dumps(document, indent=2, sort_keys=False) + "\n",
            }
            for what, body in contents.items():
                (out / FILES[what]).write_text(body, encoding="utf-8")
                written[what] = str(out / FILES[what])
        except OSError as exc:
            raise BadInput(f"--output-dir {out}: {exc.strerror or exc}") from None
    if args.format == "json":
        print(json.dumps(document, indent=2))
    else:
        from steps.checks.report import wants_ascii

        print(format_analysis(analysis, source, ascii=args.ascii or wants_ascii(), written=written), end="")
    return 1 if analysis.blocked else 0
