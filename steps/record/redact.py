"""Redaction: secrets never reach the journal, the command output files or an export.

Stdlib only, because the command supervisor (`supervise.py`) imports this file directly in a bare
`python -I -S` for speed. Two kinds of secret are caught:
- known values: anything the runbook marks secret (captured MinIO keys, secret params), in plain
  form and base64-encoded (how Kubernetes Secrets hold them);
- known shapes: bearer tokens, passwords in URLs, `key: value` / `key=value` pairs whose key names
  a secret, and every value of a Kubernetes Secret's `data`/`stringData` (YAML or JSON) — tracked
  across lines, since `kubectl get secret -o yaml` spreads one Secret over many.
"""

from __future__ import annotations

import binascii

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing `typing` (it imports `re`)

if TYPE_CHECKING:
    import re
    from collections.abc import Iterable
else:

    class _LazyPattern:
        """A pattern compiled on first use: the supervisor starts once per command, most output
        needs none of the patterns below, and compiling them all costs ~4 ms a command."""

        def __init__(self, pattern: str, flags: int = 0):
            self._source = (pattern, flags)
            self._compiled = None

        def __getattr__(self, name: str):
            if self._compiled is None:
                import re as real

                self._compiled = real.compile(*self._source)
            return getattr(self._compiled, name)

    class _LazyRe:
        """Stands in for `re` (whose import, with `enum`, is another few ms): compile is deferred."""

        def compile(self, pattern: str, flags: int = 0) -> _LazyPattern:
            return _LazyPattern(pattern, flags)

        def __getattr__(self, name: str):
            import re as real

            return getattr(real, name)

    re = _LazyRe()

REDACTED = "[redacted]"
# Known values shorter than this are not searched for in output: a short "secret" such as MinIO's
# default access key `minio` is also an application name, and hiding every occurrence would make
# the record unreadable (and corrupt names captured from output). Cairn still never shows such a
# value itself: argv displays and the journal use [redacted] for every captured secret.
MIN_SECRET_LEN = 8

_SECRET_KEY = (
    r"(?:[A-Za-z0-9_.-]*(?:secret[-_]?key|access[-_]?key|password|passwd|token|api[-_]?key|private[-_]?key"
    r"|client[-_]?secret|credentials?)[A-Za-z0-9_.-]*)"
)
_SHAPES = [
    # Authorization: Bearer abc… / bearer tokens anywhere
    (re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1" + REDACTED),
    # scheme://user:password@host
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(@)"), r"\1" + REDACTED + r"\2"),
    # "secret-key": "value"  /  secret-key: value  /  secret-key=value  /  --password value? (flag form)
    (re.compile(rf'(?i)("{_SECRET_KEY}"\s*:\s*")[^"]*(")'), r"\1" + REDACTED + r"\2"),
    # --password VALUE / --password=VALUE / --client-secret VALUE (a flag on a printed command line)
    (
        re.compile(
            r"(?i)((?<![\w-])--?[A-Za-z0-9_-]*(?:password|passwd|secret[-_]?key|secret|token|api[-_]?key"
            r"|access[-_]?key)(?:=|[ \t]+))(?!\[redacted\])(?!-)(\"[^\"]*\"|'[^']*'|[^\s\"']+)"
        ),
        r"\1" + REDACTED,
    ),
    # secret: VALUE / client_secret=VALUE (a key that is just "secret", or ends in it)
    (re.compile(r'(?i)("[A-Za-z0-9_.-]*secret"\s*:\s*")[^"]*(")'), r"\1" + REDACTED + r"\2"),
    (
        re.compile(
            r"(?i)((?<![\w-])[A-Za-z0-9_.-]*secret[ \t]*[=:][ \t]*)(?![\s\"']*\[redacted\])"
            r"(\"[^\"]*\"|'[^']*'|[^\s,;\"'{}\[\]]+)"
        ),
        r"\1" + REDACTED,
    ),
    # PASSWORD VALUE: an upper-case secret-named key and its value in columns (env listings, tables)
    (
        re.compile(
            r"((?<![\w-])[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET_KEY|SECRET|TOKEN|API_KEY|ACCESS_KEY)"
            r"(?:_[A-Z0-9_]+)?[ \t]+)"
            r"(?!\[redacted\])([^\s=:]\S*)"
        ),
        r"\1" + REDACTED,
    ),
    # password VALUE alone on a line, any case
    (
        re.compile(rf"(?im)^(\s*(?=[A-Za-z]){_SECRET_KEY}[ \t]+)(?!\[redacted\])(\S+)[ \t]*$"),
        r"\1" + REDACTED,
    ),
    (
        re.compile(
            rf"(?i)((?<![\w-]){_SECRET_KEY}\s*[=:]\s*)(?![\s\"']*\[redacted\])(\"[^\"]*\"|'[^']*'|[^\s,;\"'{{}}\[\]]+)"
        ),
        r"\1" + REDACTED,
    ),
]

# Words at least one of which every shape above contains, as do `kind: Secret` and every
# secret-named key (keep in step with _SECRET_KEY).
_SHAPE_WORDS = ("bearer", "://", "secret", "key", "passw", "token", "credential")

# A secret-named key that opens a block, as `juju config APP` prints settings:
#   secret-key:            "secret-key": {
#     default: ""            "value": "…"
#     value: …             }
_YAML_SECRET_BLOCK = re.compile(rf"(?i)^(\s*){_SECRET_KEY}:\s*$")
_JSON_SECRET_BLOCK = re.compile(rf'(?i)^\s*"{_SECRET_KEY}"\s*:\s*\{{\s*$')
_BLOCK_VALUE = re.compile(r'^(\s*"?(?:value|default)"?\s*:\s*)(.+?)(,?)\s*$')

# A Secret's data block: `data:` / `stringData:` in YAML, `"data": {` in JSON.
_YAML_DATA = re.compile(r"^(\s*)(data|stringData):\s*$")
_YAML_ITEM = re.compile(r"^(\s*)([^\s:#][^:]*):\s*(.*)$")
_JSON_DATA = re.compile(r'^\s*"(data|stringData)"\s*:\s*\{\s*$')
_JSON_ITEM = re.compile(r'^(\s*"[^"]*"\s*:\s*)"[^"]*"(,?)\s*$')
_JSON_DATA_INLINE = re.compile(r'("(?:data|stringData)"\s*:\s*\{)([^{}]*)(\})')
_JSON_INLINE_VALUE = re.compile(r'("[^"]*"\s*:\s*)"[^"]*"')
_KIND_SECRET = re.compile(r'(?m)^\s*"?kind"?\s*:\s*"?Secret"?\s*,?\s*$|"kind"\s*:\s*"Secret"')


def _variants(value: str) -> set[str]:
    out = {value}
    raw = value.encode()
    out.add(binascii.b2a_base64(raw, newline=False).decode())  # base64 without importing `base64`
    return {v for v in out if len(v) >= MIN_SECRET_LEN}


class Redactor:
    """A line filter. Feed whole lines (with their newline) in order; state spans lines."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._values: set[str] = set()
        self._value_re: re.Pattern[str] | None = None
        self._yaml_indent: int | None = None  # inside a YAML data: block at this indent
        self._json_depth = 0  # inside a JSON "data": { block
        self._secret_seen = False  # a Secret object is in this stream; arm data-block tracking
        self._key_block: tuple[str, int] | None = None  # inside `secret-key:` (yaml|json, indent)
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for s in secrets:
            if s and len(s) >= MIN_SECRET_LEN:
                self._values |= _variants(s)
        if self._values:
            ordered = sorted(self._values, key=len, reverse=True)
            self._value_re = re.compile("|".join(re.escape(v) for v in ordered))

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._values)

    def text(self, text: str) -> str:
        """Redact a whole text (many lines); the data-block state carries over between calls."""
        if not text:
            return text
        tracking = self._secret_seen or self._yaml_indent is not None or self._json_depth or self._key_block
        # Every shape, a Secret's `kind` and a secret-named key contain one of these words; most
        # output has none, and a substring test over a chunk is ~40 times cheaper than the
        # regexes (a 60 MB flood: 0.2 s instead of 8 s).
        lowered = text.lower()
        if not tracking and not any(word in lowered for word in _SHAPE_WORDS):
            return self._known_values(text)
        if _KIND_SECRET.search(text):
            self._secret_seen = True
            tracking = True
        if not tracking and not _maybe_key_block(text):
            return self._flat(text)
        return "".join(self._line(line) for line in text.splitlines(keepends=True))

    def _known_values(self, text: str) -> str:
        return self._value_re.sub(REDACTED, text) if self._value_re is not None else text

    def _flat(self, text: str) -> str:
        text = self._known_values(text)
        for pattern, repl in _SHAPES:
            text = pattern.sub(repl, text)
        return text

    def _line(self, line: str) -> str:
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        if self._key_block is not None:
            style, indent = self._key_block
            here = len(body) - len(body.lstrip(" "))
            closes = body.strip().startswith("}") if style == "json" else (body.strip() and here <= indent)
            if closes:
                self._key_block = None
            else:
                m = _BLOCK_VALUE.match(body)
                if m and m.group(2).strip('"'):
                    quote = '"' if style == "json" or m.group(2).startswith('"') else ""
                    return f"{m.group(1)}{quote}{REDACTED}{quote}{m.group(3)}{end}"
                return line
        m = _YAML_SECRET_BLOCK.match(body)
        if m:
            self._key_block = ("yaml", len(m.group(1)))
            return line
        if _JSON_SECRET_BLOCK.match(body):
            self._key_block = ("json", len(body) - len(body.lstrip(" ")))
            return line
        if self._yaml_indent is not None:
            m = _YAML_ITEM.match(body)
            indent = len(body) - len(body.lstrip(" "))
            if body.strip() and (indent <= self._yaml_indent or not m):
                self._yaml_indent = None
            elif m and m.group(3):
                return f"{m.group(1)}{m.group(2)}: {REDACTED}{end}"
            else:
                return line
        if self._json_depth:
            if body.strip().startswith("}"):
                self._json_depth = 0
                return line
            m = _JSON_ITEM.match(body)
            if m:
                return f'{m.group(1)}"{REDACTED}"{m.group(2)}{end}'
            return self._flat(line)
        m = _YAML_DATA.match(body)
        if m and self._secret_seen:
            self._yaml_indent = len(m.group(1))
            return line
        if _JSON_DATA.match(body) and self._secret_seen:
            self._json_depth = 1
            return line
        if self._secret_seen and _JSON_DATA_INLINE.search(body):
            body = _JSON_DATA_INLINE.sub(
                lambda mm: (
                    mm.group(1)
                    + _JSON_INLINE_VALUE.sub(lambda v: v.group(1) + f'"{REDACTED}"', mm.group(2))
                    + mm.group(3)
                ),
                body,
            )
            return self._flat(body) + end
        return self._flat(line)


_ANY_KEY_BLOCK = re.compile(rf'(?im)^\s*"?{_SECRET_KEY}"?\s*:\s*\{{?\s*$')


def _maybe_key_block(text: str) -> bool:
    return _ANY_KEY_BLOCK.search(text) is not None


_READS_ONE_SECRET = (
    # `juju config APP secret-key`: the bare value, nothing to recognise it by
    lambda a: (
        len(a) >= 3
        and a[0] == "juju"
        and a[1] == "config"
        and any(re.fullmatch(_SECRET_KEY, x, re.I) for x in a[2:] if not x.startswith("-") and "=" not in x)
    ),
    # `kubectl get secret NAME -o jsonpath=…` (or go-template, custom-columns): values, bare
    lambda a: (
        a[:1] == ("kubectl",)
        and "get" in a
        and any(x in ("secret", "secrets") or x.startswith("secret/") for x in a)
        and any("jsonpath" in x or "go-template" in x or "custom-columns" in x for x in a)
    ),
    # `juju show-secret ID --reveal`
    lambda a: a[:2] == ("juju", "show-secret") and "--reveal" in a,
)


def output_is_secret(argv: Iterable[str]) -> bool:
    """Commands whose whole output is a secret value with no key beside it to recognise it by."""
    args = tuple(argv)
    return any(rule(args) for rule in _READS_ONE_SECRET)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """One-shot redaction of a self-contained text."""
    return Redactor(secrets).text(text)
