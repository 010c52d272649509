"""The live source: the real cluster through the `kubernetes` client and the Juju model through
python-libjuju, read side by side; the operator's CLI tools are looked up too.

Every failure becomes one line in `ClusterState.errors`: a half-readable cluster still yields a
state the checks can judge (and they say what they could not see).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from ..builder import StateBuilder
from ..state import ClusterState
from .dump import subprocess_runner
from .live_juju import TIMEOUT, JujuRead, read_juju
from .live_kube import read_kubernetes
from .tools import Runner, find_tools


def _juju_in_own_loop(model: str, timeout: float) -> JujuRead:
    # libjuju is asyncio; a fresh loop in this worker thread keeps it apart from any caller's loop.
    return asyncio.run(read_juju(model, timeout))


def read_live(
    model: str = "kubeflow",
    context: str | None = None,
    kubeconfig: str | None = None,
    *,
    tool_runner: Runner | None = None,
    timeout: float = TIMEOUT,
) -> ClusterState:
    """The cluster, and the Juju model unless `model` is "" (a runbook without one: upstream Istio)."""
    builder = StateBuilder()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cairn-juju") as pool:
        juju = pool.submit(_juju_in_own_loop, model, timeout) if model else None
        tools, tool_errors = find_tools(tool_runner or subprocess_runner(None, timeout=20.0))
        read_kubernetes(builder, kubeconfig, context, timeout)
        read = juju.result() if juju is not None else JujuRead()
    builder.tools.update(tools)
    if "juju" in tools:
        builder.juju_version = tools["juju"]
    builder.errors[:0] = tool_errors
    if read.status is not None:
        builder.status = read.status
    builder.configs.update(read.configs)
    builder.errors.extend(read.errors)
    return builder.build("live")
