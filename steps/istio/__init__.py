"""Upstream Istio sidecar -> ambient: the analyzer behind `cairn analyze` and the `istio-ambient` runbook.

    state.py     `kubectl get … -o json|yaml` output -> `IstioState` (typed records keyed by
                 API group, kind, namespace and name)
    codes.py     every finding code with its severity, phase and trigger rule
    authz.py     how ztunnel and waypoints read an AuthorizationPolicy
    analyze.py   `analyze(state)` -> `Analysis`: findings, generated waypoints and policies,
                 commands, namespace order, deletions
    sources.py   where the objects come from: files, the live cluster, a sandbox scenario
    report.py    the text report, in the pre-flight style of `cairn check`

Nothing here imports textual or tui.
"""
