"""Secrets never reach a file: known values (and their base64), and the known shapes."""

from __future__ import annotations

import base64

from steps.record.redact import REDACTED, Redactor, output_is_secret, redact


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
    for text in (
        "juju config kubeflow-profiles istio-gateway-service-account=istio-ingress-k8s-istio",
        "juju config minio access-key",
        "the token bucket",
        "kubectl get secret minio-secret -o yaml",
    ):
        assert redact(text) == text


def test_secret_data_blocks_yaml_and_json_across_lines():
    yaml_text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: minio-secret\ndata:\n  MINIO_ACCESS_KEY: bWluaW8=\n"
        "  OTHER: c2VjcmV0dmFsdWU=\ntype: Opaque\n"
    )
    r = Redactor()
    out = "".join(r.text(line) for line in yaml_text.splitlines(keepends=True))
    assert "bWluaW8=" not in out and "c2VjcmV0dmFsdWU=" not in out and "type: Opaque" in out
    json_text = '{\n  "apiVersion": "v1",\n  "data": {\n    "OTHER": "c2VjcmV0dmFsdWU="\n  },\n  "kind": "Secret"\n}\n'
    r = Redactor()
    r.text('{"kind": "Secret"}\n')
    out = r.text(json_text)
    assert "c2VjcmV0dmFsdWU=" not in out and '"kind": "Secret"' in out
    inline = '{"kind":"Secret","data":{"a":"c2VjcmV0dmFsdWU="}}'
    assert "c2VjcmV0dmFsdWU=" not in redact(inline)


def test_configmap_data_is_not_secret():
    text = 'kind: ConfigMap\ndata:\n  cni-exclusive: "true"\n'
    assert redact(text) == text


def test_juju_config_blocks_yaml_and_json():
    yaml_text = (
        "application: minio\nsettings:\n  access-key:\n    default: minio\n    source: user\n"
        "    value: someaccesskey1\n  port:\n    default: 9000\n    value: 9000\n  secret-key:\n"
        "    description: Secret key.\n    value: somesecretkey1\n"
    )
    out = Redactor().text(yaml_text)
    assert "someaccesskey1" not in out and "somesecretkey1" not in out
    assert "value: 9000" in out, "other settings stay readable"
    json_text = (
        '{\n  "settings": {\n    "secret-key": {\n      "default": "",\n      "value": "somesecretkey1"\n'
        '    },\n    "port": {\n      "value": 9000\n    }\n  }\n}\n'
    )
    out = Redactor().text(json_text)
    assert "somesecretkey1" not in out and '"value": 9000' in out


def test_commands_whose_whole_output_is_secret():
    from steps.record.redact import output_is_secret

    assert output_is_secret(["juju", "config", "minio", "secret-key", "-m", "kubeflow"])
    assert output_is_secret(
        ["kubectl", "-n", "kf", "get", "secret", "minio-secret", "-o", "jsonpath={.data.K}"]
    )
    assert output_is_secret(["juju", "show-secret", "d1f", "--reveal"])
    assert not output_is_secret(["juju", "config", "minio", "-m", "kubeflow"])
    assert not output_is_secret(["juju", "config", "kubeflow-profiles", "istio-gateway-service-account=x"])
    assert not output_is_secret(["kubectl", "get", "secret", "-o", "yaml"])


def test_secret_lines_password_flags_and_upper_case_keys():
    """Issue 14.3: shapes that used to pass in clear."""
    assert redact("secret: s3cr3t-value") == "secret: [redacted]"
    assert redact('{"client_secret": "abc"}') == '{"client_secret": "[redacted]"}'
    assert redact("mc alias set --password hunter22 --quiet") == "mc alias set --password [redacted] --quiet"
    assert redact("login --password=hunter22") == "login --password=[redacted]"
    assert redact("PASSWORD hunter22") == "PASSWORD [redacted]"
    assert redact("MINIO_ROOT_PASSWORD   hunter22") == "MINIO_ROOT_PASSWORD   [redacted]"
    assert redact("password  hunter22") == "password  [redacted]"
    for ordinary in (
        "NAME   SECRETS   AGE",
        "--token-file /var/run/t",
        "the password is short",
        "kind: Secret",
        "secretName: minio-secret",
        "    secret:\n      secretName: minio-secret\n",
        "run --password\nnext line",
    ):
        assert redact(ordinary) == ordinary


def test_custom_columns_of_a_secret_is_secret_output():
    assert output_is_secret(
        ["kubectl", "get", "secret", "-n", "kubeflow", "-o", "custom-columns=N:.metadata.name,V:.data.token"]
    )
