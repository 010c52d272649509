"""Secrets never reach a file: known values (and their base64), and the known shapes."""

from __future__ import annotations

import base64

from steps.redact import REDACTED, Redactor, redact


def test_known_values_and_their_base64():
    secret = "minio-secret-123"
    b64 = base64.b64encode(secret.encode()).decode()
    out = redact(f"key {secret} and {b64}", [secret])
    assert secret not in out and b64 not in out and out.count(REDACTED) == 2


def test_shapes():
    cases = {
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc": "eyJhbGciOiJIUzI1NiJ9",
        "https://admin:hunter2@minio.example:9000/": "hunter2",
        'secret-key: "abcdef123"': "abcdef123",
        "juju config minio secret-key=abcdef123": "abcdef123",
        '{"MINIO_SECRET_KEY": "abcdef123"}': "abcdef123",
        "MINIO_ACCESS_KEY=abcdef123": "abcdef123",
        "password=abcdef123;": "abcdef123",
    }
    for text, secret in cases.items():
        out = redact(text)
        assert secret not in out and REDACTED in out, (text, out)


def test_ordinary_text_untouched():
    for text in ("juju config kubeflow-profiles istio-gateway-service-account=istio-ingress-k8s-istio",
                 "juju config minio access-key", "the token bucket", "kubectl get secret minio-secret -o yaml"):
        assert redact(text) == text


def test_secret_data_blocks_yaml_and_json_across_lines():
    yaml_text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: minio-secret\ndata:\n  MINIO_ACCESS_KEY: bWluaW8=\n"
                 "  OTHER: c2VjcmV0dmFsdWU=\ntype: Opaque\n")
    r = Redactor()
    out = "".join(r.text(line) for line in yaml_text.splitlines(keepends=True))
    assert "bWluaW8=" not in out and "c2VjcmV0dmFsdWU=" not in out and "type: Opaque" in out
    json_text = ('{\n  "apiVersion": "v1",\n  "data": {\n    "OTHER": "c2VjcmV0dmFsdWU="\n  },\n  "kind": "Secret"\n}\n')
    r = Redactor()
    r.text('{"kind": "Secret"}\n')
    out = r.text(json_text)
    assert "c2VjcmV0dmFsdWU=" not in out and '"kind": "Secret"' in out
    inline = '{"kind":"Secret","data":{"a":"c2VjcmV0dmFsdWU="}}'
    assert "c2VjcmV0dmFsdWU=" not in redact(inline)


def test_configmap_data_is_not_secret():
    text = "kind: ConfigMap\ndata:\n  cni-exclusive: \"true\"\n"
    assert redact(text) == text
