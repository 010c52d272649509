"""The analysis as text, in the pre-flight style of `cairn check` (and of `gloo ambient migrate`):
each phase with its verdict, then its findings with ❌/⚠/🔮/ℹ and, where one exists, the fix."""

from __future__ import annotations

from .analyze import Analysis
from .codes import BLOCKER, INFO, RECOMMEND, WARNING

SYMBOLS = {
    "unicode": {BLOCKER: "❌", WARNING: "⚠", RECOMMEND: "🔮", INFO: "ℹ", "ok": "✅", "phase": "•"},
    "ascii": {
        BLOCKER: "[FAIL]",
        WARNING: "[warn]",
        RECOMMEND: "[do]",
        INFO: "[info]",
        "ok": "[ok]",
        "phase": "*",
    },
}


QUALIFIED = {
    "AuthorizationPolicy": "authorizationpolicies.security.istio.io",
    "Sidecar": "sidecars.networking.istio.io",
}


def _verdict(severities: set[str]) -> str:
    if BLOCKER in severities:
        return "failed!"
    if WARNING in severities:
        return "has warnings!"
    if RECOMMEND in severities:
        return "has recommendations!"
    return "succeeded!"


def format_analysis(
    analysis: Analysis, source: str, *, ascii: bool = False, written: dict[str, str] | None = None
) -> str:
    """`written` maps what was written (waypoints, policies, analysis) to its path."""
    sym = SYMBOLS["ascii" if ascii else "unicode"]
    lines = [f"Istio sidecar -> ambient analysis of {source}"]
    for note in analysis.notes:
        lines.append(f"  {sym[INFO]} {note}")
    lines.append("")
    commands = analysis.commands
    extra = {
        "deploy-waypoints": [f"waypoint Gateway in {m['metadata']['namespace']}" for m in analysis.waypoints],
        "migrate-policies": [
            f"Apply AuthorizationPolicy/{ns}/{name}: {analysis.reasons.get(f'{ns}/{name}', 'generated')}"
            for ns, name in ((m["metadata"]["namespace"], m["metadata"]["name"]) for m in analysis.policies)
        ],
        "use-waypoints": commands["use_waypoint"] + commands["ingress"],
        "remove-sidecars": commands["remove_sidecars"],
        "policy-simplification": [
            f"{d['kind']} can be deleted: kubectl delete {QUALIFIED[d['kind']]} -n {d['namespace']} {d['name']}"
            for d in analysis.deletions
        ],
    }
    for phase, found in analysis.by_phase().items():
        severities = {f.severity for f in found} | ({RECOMMEND} if extra.get(phase) else set())
        verdict = _verdict(severities)
        mark = (
            sym[BLOCKER] if verdict == "failed!" else sym["ok"] if verdict == "succeeded!" else sym[WARNING]
        )
        lines.append(f"{sym['phase']} Starting phase {phase}...")
        lines.append(f"{mark} Phase {phase} {verdict}")
        for f in found:
            lines.append(f"  {sym[f.severity]} {f.code} {f.subject}: {f.message}")
            if f.command:
                lines.append(f"      fix: {f.command}")
        if phase == "remove-sidecars" and analysis.order:
            lines.append(f"  {sym[INFO]} namespace order (callers first): {', '.join(analysis.order)}")
        for item in extra.get(phase, []):
            lines.append(f"  {sym[RECOMMEND]} {item}")
        if phase == "deploy-waypoints" and written and "waypoints" in written:
            lines.append(f"  {sym[INFO]} Generated waypoints written to {written['waypoints']}")
        if phase == "migrate-policies" and written and "policies" in written:
            lines.append(f"  {sym[INFO]} Recommended policies written to {written['policies']}")
        lines.append("")
    counts = {
        s: sum(1 for f in analysis.findings if f.severity == s) for s in (BLOCKER, WARNING, RECOMMEND, INFO)
    }
    verdict = "blocked: fix the blockers, then analyse again" if analysis.blocked else "no blocker"
    lines.append(
        f"Analysis: {counts[BLOCKER]} blockers, {counts[WARNING]} warnings, {counts[RECOMMEND]} recommendations, "
        f"{counts[INFO]} info; {len(analysis.waypoints)} waypoints and {len(analysis.policies)} policies "
        f"generated; {verdict}."
    )
    if written and "analysis" in written:
        lines.append(f"{sym[INFO]} The whole analysis is in {written['analysis']}")
    return "\n".join(lines) + "\n"
