"""Turn a capturing command's output into the value a later step uses (`decode:` in a runbook; the
names it accepts are registry.DECODINGS)."""

from __future__ import annotations

import base64
import binascii
import re

_K8S_SIZE = re.compile(r"(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")
_JUJU_UNIT = {"Ki": None, "Mi": "M", "Gi": "G", "Ti": "T", "Pi": "P", "Ei": "E"}
_DECIMAL = {"": 1, "Ki": 1024, "k": 1000, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


def decode_value(kind: str, value: str) -> str:
    """The captured value (ValueError when the output cannot be decoded)."""
    if kind == "base64":
        try:
            return base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("not valid base64") from None
    if kind == "juju-size":
        # Kubernetes quantities are binary (10Gi); Juju's storage sizes count in 1024s too (10G).
        m = _K8S_SIZE.fullmatch(value.strip())
        if not m:
            raise ValueError(f"{value!r} is not a Kubernetes storage size")
        number, unit = int(m.group(1)), m.group(2) or ""
        if unit in _JUJU_UNIT and _JUJU_UNIT[unit]:
            return f"{number}{_JUJU_UNIT[unit]}"
        return f"{max(1, -(-(number * _DECIMAL[unit]) // (1024 * 1024)))}M"
    raise ValueError(f"unknown decoding {kind!r}")
