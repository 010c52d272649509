"""`cairn analyze` on a large made-up mesh: N namespaces, each with 10 sidecar workloads and their
Services, and 10 AuthorizationPolicies (a third of them L7) naming callers in the next namespace.
Prints how long parsing and the analysis take.

    python bench/bench_istio_analyze.py [NAMESPACES]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steps.istio.analyze import analyze  # noqa: E402
from steps.istio.state import IstioState  # noqa: E402
from tests.istio.objects import ambient_ready, app, authz, namespace, principal  # noqa: E402


def mesh(count: int) -> list[dict]:
    objs = ambient_ready()
    for i in range(count):
        ns = f"ns{i:03d}"
        objs.append(namespace(ns, **{"istio-injection": "enabled"}))
        for j in range(10):
            objs += app(ns, f"svc{j}")
            rule: dict = {"from": [{"source": {"principals": [principal(f"ns{(i + 1) % count:03d}", "x")]}}]}
            if j % 3 == 0:
                rule["to"] = [{"operation": {"methods": ["GET"]}}]
            objs.append(authz(ns, f"p{j}", selector={"app": f"svc{j}"}, rules=[rule]))
    return objs


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    objs = mesh(count)
    started = time.perf_counter()
    state = IstioState.from_objects(objs)
    parsed = time.perf_counter()
    analysis = analyze(state)
    done = time.perf_counter()
    print(
        f"{count} namespaces, {len(objs)} objects: parse {parsed - started:.2f} s, "
        f"analyze {done - parsed:.2f} s ({len(analysis.findings)} findings, {len(analysis.policies)} policies)"
    )


if __name__ == "__main__":
    main()
