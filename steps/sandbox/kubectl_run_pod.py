"""`kubectl run NAME --image=IMAGE --restart=Never --rm -i [-q] [--command] -- COMMAND...`: a
short-lived pod whose command's output kubectl streams back, then deletes the pod.

As kubectl 1.32 does it (staging/src/k8s.io/kubectl/pkg/cmd/run/run.go): `-i` attaches (and makes
`--rm` valid), `--restart=Never` returns the container's exit code, `-q` suppresses the prompt and
the `pod "NAME" deleted` line that --rm prints otherwise. The container's command runs here as the
sandbox can run it: `curl` through the sandbox's curl (the request leaves from the pod, so a
cluster DNS name such as minio.kubeflow.svc resolves), the rest through the pod shell. A pod that
is not attached would keep running in the background; the sandbox does not model that and says so.
"""

from __future__ import annotations

import json
import re

from . import kube, pods, podshell
from .flags import parse
from .kubectl_common import Ctx, KubectlError
from .state import load, now

VALUES = {
    "-n": "namespace",
    "--namespace": "namespace",
    "--image": "image",
    "--restart": "restart",
    "--pod-running-timeout": "timeout",
    "--env": "env",
    "-l": "labels",
    "--labels": "labels",
    "--image-pull-policy": "pull",
    "--overrides": "overrides",
    "--context": "context",
    "--kubeconfig": "kubeconfig",
}
BOOLS = {
    "-i": "stdin",
    "--stdin": "stdin",
    "-t": "tty",
    "--tty": "tty",
    "--rm": "rm",
    "--attach": "attach",
    "-q": "quiet",
    "--quiet": "quiet",
    "--command": "command",
}
# The reference grammar kubectl validates an image name against, shortened to what matters here.
_IMAGE = re.compile(
    r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9._-]+)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$"
)


def cmd_run(ctx: Ctx, argv: list[str]) -> int:
    p = parse(argv, VALUES, BOOLS, multi=["env"])
    if not p.args:
        raise KubectlError("error: NAME is required for run")
    name = p.args[0]
    image = p.get("image") or ""
    if not image:
        raise KubectlError("error: --image is required")
    if not _IMAGE.match(image):
        raise KubectlError(f'error: invalid image name "{image}": invalid reference format')
    if p.get("tty") and not p.get("stdin"):
        raise KubectlError("error: -i/--stdin is required for containers with -t/--tty=true")
    attach = p.get("attach", bool(p.get("stdin")))
    if p.get("rm") and not attach:
        raise KubectlError("error: --rm should only be used for attached containers")
    restart = p.get("restart") or ("OnFailure" if p.get("stdin") else "Always")
    if restart not in ("Always", "OnFailure", "Never"):
        raise KubectlError(f"error: invalid restart policy: {restart}")
    if not attach or restart != "Never":
        raise KubectlError(
            "error: the rehearsal sandbox runs `kubectl run` only attached (-i) with --restart=Never"
        )
    overrides = p.get("overrides")
    if overrides:
        try:
            json.loads(overrides)  # kubectl merges it into the pod it generates; it must be JSON
        except ValueError as exc:
            raise KubectlError(f"error: invalid JSON in --overrides: {exc}") from None
    ns = p.get("namespace") or "default"
    state = load(ctx.dir)
    t = now()
    if kube.get(state, "Namespace", None, ns, t) is None:
        raise KubectlError(f'Error from server (NotFound): namespaces "{ns}" not found')
    if kube.get(state, "Pod", ns, name, t) is not None:
        raise KubectlError(f'Error from server (AlreadyExists): pods "{name}" already exists')
    labels = dict(kv.split("=", 1) for kv in (p.get("labels") or f"run={name}").split(",") if "=" in kv)
    # An injected istio-proxy keeps running after the command exits: the pod never completes, and
    # kubectl gives up when --pod-running-timeout (default 1m) has passed.
    sidecar = pods.injector(state, t) is not None and pods.wants_sidecar(state, ns, labels, t)
    # Without --command the words after `--` are the container's args, run by the image's
    # entrypoint; the images Cairn uses (curlimages/curl, busybox) exec them as a command too.
    command = list(p.rest if p.rest is not None else p.args[1:])
    if not command:
        raise KubectlError("error: the rehearsal sandbox needs the container's command after --")
    if command[0] == "curl":
        from . import curl_cli  # the request leaves from this pod

        rc, raw_out, raw_err = curl_cli.main(command, ctx.dir, {"CAIRN_CURL_FROM": f"{ns}/{name}"})
        out, err = raw_out.decode(), raw_err.decode()
    else:
        rc, out, err = podshell.execute(command, {}, ctx.dir / "pods" / name / "tmp")
    ctx.out.append(out)
    ctx.err.append(err)
    if sidecar:
        if not p.get("quiet") and p.get("rm"):
            ctx.out.append(f'pod "{name}" deleted\n')
        raise KubectlError("error: timed out waiting for the condition")
    if not p.get("quiet") and p.get("rm"):
        ctx.out.append(f'pod "{name}" deleted\n')
    if rc != 0:
        # kubectl returns the container's exit code; its error line goes to stderr.
        ctx.err.append(f"pod {ns}/{name} terminated (Error)\n")
    return rc
