"""Find and load runbooks: the built-in YAML files under `steps/runbook/builtin/`, or a user's file.

Loading validates everything a runbook can get wrong before anything runs — unknown keys,
placeholders, checks, generators — and reports it as one line naming the file, the line, the
place (`phases[2] remove-istio > steps[0] > run[1]`) and what is wrong.
"""

from __future__ import annotations

import functools
import math
import re
import shlex
import stat
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

from ..errors import BadInput, RunbookError
from ..record.printable import printable
from ..record.redact import output_is_secret
from . import cache as runbook_cache
from . import template
from .model import BenignRule, CheckRef, Command, Derived, Param, Phase, Runbook, Step

BUILTIN_DIR = Path(__file__).parent / "builtin"
FORMAT_KEY = "cairn-runbook"
FORMAT_VERSION = 1
ID = re.compile(r"[a-z0-9][a-z0-9.-]*")
DECODINGS = ("", "base64", "juju-size")
# The keys each part of a runbook may have (schema.py publishes the same as JSON Schema).
TOP_KEYS = (
    FORMAT_KEY,
    "id",
    "title",
    "description",
    "source",
    "params",
    "derived",
    "channels",
    "benign",
    "phases",
    "command-timeout",
    "settle-timeout",
)
PARAM_KEYS = ("name", "help", "choices", "default", "pattern", "list", "discover", "secret")
PHASE_KEYS = ("id", "title", "when", "steps", "doc")
STEP_KEYS = (
    "id",
    "title",
    "doc",
    "run",
    "when",
    "check",
    "settle",
    "verify",
    "destructive",
    "ask",
    "warning",
    "gap",
    "foreach",
    "generate",
    "generate-args",
    "files",
    "timeout",
    "wait-for",
)
COMMAND_KEYS = ("argv", "timeout", "capture", "decode", "secret", "fallback", "expect", "benign", "write")
BENIGN_KEYS = ("command", "pattern", "why")
MAX_SECONDS = 7 * 24 * 3600  # a timeout beyond a week is a typo, and inf/nan are not JSON
MAX_RUNBOOK_BYTES = 4 * 1024 * 1024


class _Located(dict):
    line: int = 0


class _LocatedList(list):
    line: int = 0


def _split(command: str) -> list[str]:
    """shlex.split, whose pure-Python tokenizer was the biggest cost of loading a runbook; a command
    with no quote, backslash or whitespace other than spaces splits the same way on spaces."""
    if command.isprintable() and not any(c in command for c in "'\"\\#"):
        return command.split()
    return shlex.split(command)


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    out = _Located()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or key is None:
            raise RunbookError(
                "", "", f"a mapping key must be text, got {key!r}", key_node.start_mark.line + 1
            )
        if key in out:
            import yaml

            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
    out.line = node.start_mark.line + 1
    return out


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> _LocatedList:
    out = _LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


@functools.cache
def _line_loader() -> type:
    """The YAML loader, made on first use: a runbook read back from the cache (runbook_cache)
    needs no YAML, and importing PyYAML was a tenth of the time to the start screen."""
    import yaml

    class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        """A SafeLoader whose mappings and sequences remember their line, for error messages.

        On libyaml's parser where PyYAML has it: the pure-Python scanner spends ~90 ms on a
        runbook, the C one ~20 ms; its nodes carry the same marks, so line numbers are kept."""

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            # An alias can nest a list in itself ten times per level ("billion laughs"): a
            # runbook has no need for them, so none is accepted. Aliases show here, as a node
            # met twice, whichever parser composed the nodes (libyaml composes in C, past any
            # Python hook).
            if node in self.constructed_objects or node in self.recursive_objects:
                raise RunbookError(
                    "", "", "YAML aliases (*name) are not allowed in a runbook", node.start_mark.line + 1
                )
            return super().construct_object(node, deep)

    _LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    return _LineLoader


def __getattr__(name: str) -> Any:
    if name == "_LineLoader":  # the loader class, by the name it had before it was made lazily
        return _line_loader()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _known_checks() -> dict[str, Any]:
    from ..checks import CHECKS

    return dict(CHECKS)


def _known_generators() -> set[str]:
    from .generators import GENERATORS

    return set(GENERATORS)


class _Reader:
    """Walks the parsed YAML, turning it into model objects and naming the place of any fault."""

    def __init__(self, file: str, validate_checks: bool = True):
        self.file = file
        self.checks = _known_checks() if validate_checks else None
        self.generators = _known_generators()

    def fail(self, where: str, what: str, node: Any = None) -> RunbookError:
        return RunbookError(self.file, where, what, getattr(node, "line", None))

    def mapping(
        self, node: Any, where: str, allowed: set[str], required: AbstractSet[str] = frozenset()
    ) -> dict:
        if not isinstance(node, dict):
            raise self.fail(where, f"expected a mapping, got {type(node).__name__}", node)
        unknown = sorted(set(node) - allowed)
        if unknown:
            raise self.fail(
                where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})", node
            )
        missing = sorted(required - set(node))
        if missing:
            raise self.fail(where, f"missing key {missing[0]!r}", node)
        return node

    def text(self, node: dict, key: str, where: str, default: str = "") -> str:
        value = node.get(key, default)
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            raise self.fail(f"{where}.{key}", f"expected text, got {type(value).__name__}", node)
        return str(value)

    def seq(self, node: Any, where: str) -> list:
        if node is None:
            return []
        if not isinstance(node, list):
            raise self.fail(where, f"expected a list, got {type(node).__name__}", node)
        return node

    def number(self, node: dict, key: str, where: str) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 < value <= MAX_SECONDS
        ):
            raise self.fail(
                f"{where}.{key}",
                f"expected a positive number of seconds up to {MAX_SECONDS}, got {value!r}",
                node,
            )
        return float(value)

    def regex(self, pattern: str, where: str, node: Any) -> None:
        """A valid regex that cannot take exponential time (`(a+)+$` on 41 characters hangs)."""
        try:
            re.compile(pattern)
        except re.error as exc:
            raise self.fail(where, f"bad regex {pattern!r}: {exc}", node) from None
        if _nested_repeat(pattern):
            raise self.fail(
                where,
                f"regex {pattern!r} repeats a repetition (like (a+)+), which can take exponential time; "
                "write it without the nesting",
                node,
            )

    def argv(self, node: Any, where: str, parent: Any) -> tuple[str, ...]:
        if isinstance(node, bool):
            word = "true" if node else "false"
            raise self.fail(where, f"YAML read `{word}` as a boolean; quote the command: '{word}'", parent)
        if isinstance(node, str):
            try:
                parts = _split(node)
            except ValueError as exc:
                raise self.fail(where, f"cannot split command {node!r}: {exc}", parent) from None
        elif isinstance(node, list) and all(isinstance(a, str | int | float) for a in node):
            parts = [str(a) for a in node]
        else:
            raise self.fail(where, "a command is a string or a list of strings", parent)
        if not parts:
            raise self.fail(where, "empty command", parent)
        return tuple(parts)

    def benign(self, node: Any, where: str) -> tuple[BenignRule, ...]:
        rules = []
        for i, raw in enumerate(self.seq(node, where)):
            w = f"{where}[{i}]"
            rule = self.mapping(raw, w, set(BENIGN_KEYS), {"pattern", "why"})
            pattern = self.text(rule, "pattern", w)
            self.regex(pattern, f"{w}.pattern", rule)
            prefix = self.argv(rule["command"], f"{w}.command", rule) if "command" in rule else ()
            rules.append(BenignRule(pattern=pattern, why=self.text(rule, "why", w), argv_prefix=prefix))
        return tuple(rules)

    def check_refs(self, node: Any, where: str) -> tuple[CheckRef, ...]:
        refs = []
        for i, raw in enumerate(self.seq(node, where)):
            w = f"{where}[{i}]"
            args: Any
            if isinstance(raw, str):
                name, args = raw, {}
            elif isinstance(raw, dict) and len(raw) == 1:
                name, args = next(iter(raw.items()))
                args = args or {}
                if not isinstance(args, dict):
                    raise self.fail(w, f"arguments of check {name!r} must be a mapping", raw)
            else:
                raise self.fail(w, "a check is a name, or `name: {arg: value}`", raw)
            if self.checks is not None and name not in self.checks:
                raise self.fail(w, f"unknown check {name!r}", raw)
            if self.checks is not None:
                try:  # a misspelt argument fails here, at load, not at verification mid-migration
                    self.checks[name].validate_args(str(k) for k in args)
                except ValueError as exc:
                    raise self.fail(w, str(exc), raw) from None
            refs.append(CheckRef(name=str(name), args={str(k): str(v) for k, v in args.items()}))
        return tuple(refs)

    def command(self, node: Any, where: str, parent: Any) -> Command:
        if not isinstance(node, dict):
            return Command(argv=self.argv(node, where, parent))
        raw = self.mapping(node, where, set(COMMAND_KEYS), {"argv"})
        decode = self.text(raw, "decode", where)
        if decode not in DECODINGS:
            raise self.fail(
                f"{where}.decode", f"unknown decoding {decode!r} (allowed: {', '.join(DECODINGS[1:])})", raw
            )
        expect = tuple(str(e) for e in self.seq(raw.get("expect"), f"{where}.expect"))
        for pattern in expect:
            self.regex(pattern, f"{where}.expect", raw)
        capture = self.text(raw, "capture", where)
        if capture and not re.fullmatch(r"[a-z_][a-z0-9_]*", capture):
            raise self.fail(f"{where}.capture", f"capture name {capture!r} must be lower_snake_case", raw)
        argv = self.argv(raw["argv"], f"{where}.argv", raw)
        fallback = tuple(
            self.command(f, f"{where}.fallback[{j}]", raw)
            for j, f in enumerate(self.seq(raw.get("fallback"), f"{where}.fallback"))
        )
        # A capture from a command Cairn knows reads a secret (`kubectl get secret … -o jsonpath`)
        # is a secret whether or not the runbook says so.
        reads_secret = any(output_is_secret(a) for a in (argv, *(f.argv for f in fallback)))
        return Command(
            argv=argv,
            timeout=self.number(raw, "timeout", where),
            capture=capture,
            decode=decode,
            secret=bool(raw.get("secret", False)) or bool(capture and reads_secret),
            fallback=fallback,
            expect=expect,
            benign=self.benign(raw.get("benign"), f"{where}.benign"),
            write=self.text(raw, "write", where),
        )

    def step(self, node: Any, where: str) -> Step:
        raw = self.mapping(node, where, set(STEP_KEYS), {"id", "title", "doc"})
        step_id = self.text(raw, "id", where)
        if not ID.fullmatch(step_id):
            raise self.fail(
                f"{where}.id", f"step id {step_id!r} must be lower-case letters, digits, '-' or '.'", raw
            )
        where = f"{where} {step_id}"
        if not self.text(raw, "doc", where).strip():
            raise self.fail(where, "every step needs a one-line `doc`: why it exists", raw)
        commands = tuple(
            self.command(c, f"{where} > run[{i}]", raw) for i, c in enumerate(self.seq(raw.get("run"), where))
        )
        generate = self.text(raw, "generate", where)
        if generate and generate not in self.generators:
            raise self.fail(f"{where}.generate", f"unknown generator {generate!r}", raw)
        files = raw.get("files") or {}
        if not isinstance(files, dict):
            raise self.fail(f"{where}.files", "expected a mapping of file name to generator", raw)
        for name, gen in files.items():
            if not isinstance(gen, str):
                raise self.fail(
                    f"{where}.files.{name}", f"expected a generator name, got {type(gen).__name__}", raw
                )
            if gen not in self.generators:
                raise self.fail(f"{where}.files.{name}", f"unknown generator {gen!r}", raw)
        for c in commands:
            if c.write and c.write not in files:
                raise self.fail(where, f"command writes file {c.write!r} that `files` does not define", raw)
        gen_args = raw.get("generate-args") or {}
        if not isinstance(gen_args, dict):
            raise self.fail(f"{where}.generate-args", "expected a mapping", raw)
        return Step(
            id=step_id,
            title=self.text(raw, "title", where),
            doc=" ".join(self.text(raw, "doc", where).split()),
            commands=commands,
            when=self.when(raw.get("when"), where),
            check=self.check_refs(raw.get("check"), f"{where}.check"),
            settle=self.names(raw.get("settle"), f"{where}.settle"),
            wait_for=self.check_refs(raw.get("wait-for"), f"{where}.wait-for"),
            verify=self.check_refs(raw.get("verify"), f"{where}.verify"),
            destructive=bool(raw.get("destructive", False)),
            ask=" ".join(self.text(raw, "ask", where).split()),
            warning=" ".join(self.text(raw, "warning", where).split()),
            gap=" ".join(self.text(raw, "gap", where).split()),
            foreach=self.text(raw, "foreach", where),
            generate=generate,
            generate_args={str(k): str(v) for k, v in gen_args.items()},
            files={str(k): str(v) for k, v in files.items()},
            timeout=self.number(raw, "timeout", where),
        )

    def names(self, node: Any, where: str) -> tuple[str, ...]:
        items = self.seq(node, where)
        for item in items:
            if not isinstance(item, str):
                raise self.fail(where, f"expected a list of names, got a {type(item).__name__} in it", node)
        return tuple(items)

    def when(self, node: Any, where: str) -> dict:
        if node is None:
            return {}
        if not isinstance(node, dict):
            raise self.fail(f"{where}.when", "expected a mapping of param to value(s)", node)
        return dict(node)

    def param(self, node: Any, where: str) -> Param:
        raw = self.mapping(node, where, set(PARAM_KEYS), {"name"})
        name = self.text(raw, "name", where)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise self.fail(f"{where}.name", f"param name {name!r} must be lower_snake_case", raw)
        choices = tuple(str(c) for c in self.seq(raw.get("choices"), f"{where}.choices"))
        pattern = self.text(raw, "pattern", where)
        if pattern:
            self.regex(pattern, f"{where}.pattern", raw)
        is_list = bool(raw.get("list", False))
        default = raw.get("default")
        if is_list and default is not None and not isinstance(default, list):
            raise self.fail(f"{where}.default", "a list param's default is a list", raw)
        if not is_list and isinstance(default, list | dict):
            raise self.fail(
                f"{where}.default", "a plain param's default is one value (add `list: true` for a list)", raw
            )
        if choices and not is_list and default is not None and str(default) not in choices:
            raise self.fail(f"{where}.default", f"default {default!r} is not one of the choices", raw)
        return Param(
            name=name,
            help=" ".join(self.text(raw, "help", where).split()),
            kind="list" if is_list else ("choice" if choices else "string"),
            default=list(default) if isinstance(default, list) else default,
            choices=choices,
            pattern=pattern,
            discover=self.text(raw, "discover", where),
            secret=bool(raw.get("secret", False)),
        )

    def runbook(self, doc: Any, path: Path | None) -> Runbook:
        raw = self.mapping(doc, "top level", set(TOP_KEYS), {FORMAT_KEY, "id", "title", "phases"})
        version = raw[FORMAT_KEY]
        if version != FORMAT_VERSION:
            raise self.fail(
                FORMAT_KEY,
                f"this Cairn reads runbook format {FORMAT_VERSION}, the file says {version!r}",
                raw,
            )
        rb_id = self.text(raw, "id", "top level")
        if not ID.fullmatch(rb_id):
            raise self.fail("id", f"runbook id {rb_id!r} must be lower-case letters, digits, '-' or '.'", raw)
        params = tuple(
            self.param(p, f"params[{i}]") for i, p in enumerate(self.seq(raw.get("params"), "params"))
        )
        derived_raw = raw.get("derived") or {}
        derived = []
        for name, spec in self.mapping(derived_raw, "derived", set(derived_raw)).items():
            spec = self.mapping(spec, f"derived.{name}", {"from", "map"}, {"from"})
            if spec.get("map") is not None:
                self.mapping(
                    spec["map"],
                    f"derived.{name}.map",
                    set(spec["map"]) if isinstance(spec["map"], dict) else set(),
                )
            derived.append(
                Derived(
                    name=str(name),
                    param=str(spec["from"]),
                    table={str(k): "" if v is None else str(v) for k, v in (spec.get("map") or {}).items()},
                )
            )
        channels_raw = raw.get("channels") or {}
        channels = {
            str(k): str(v) for k, v in self.mapping(channels_raw, "channels", set(channels_raw)).items()
        }
        seen_params: set[str] = set()
        for i, param in enumerate(params):
            if param.name in seen_params:
                raise self.fail(f"params[{i}]", f"param {param.name!r} is declared twice", raw.get("params"))
            seen_params.add(param.name)
        if not self.seq(raw.get("phases"), "phases"):
            raise self.fail("phases", "a runbook needs at least one phase", raw)
        phases = []
        seen_steps: set[str] = set()
        seen_phases: set[str] = set()
        for i, p in enumerate(self.seq(raw.get("phases"), "phases")):
            where = f"phases[{i}]"
            praw = self.mapping(p, where, set(PHASE_KEYS), {"id", "title", "steps"})
            where = f"{where} {self.text(praw, 'id', where)}"
            steps = tuple(
                self.step(s, f"{where} > steps[{j}]")
                for j, s in enumerate(self.seq(praw.get("steps"), where))
            )
            if not steps:
                raise self.fail(where, "a phase needs at least one step", praw)
            phase_id = self.text(praw, "id", where)
            if phase_id in seen_phases:
                raise self.fail(where, f"phase id {phase_id!r} is used twice", praw)
            seen_phases.add(phase_id)
            for s in steps:
                if s.id in seen_steps:
                    raise self.fail(where, f"step id {s.id!r} is used twice", praw)
                seen_steps.add(s.id)
            phases.append(
                Phase(
                    id=self.text(praw, "id", where),
                    title=self.text(praw, "title", where),
                    steps=steps,
                    when=self.when(praw.get("when"), where),
                    doc=" ".join(self.text(praw, "doc", where).split()),
                )
            )
        rb = Runbook(
            id=rb_id,
            title=self.text(raw, "title", "top level"),
            description=" ".join(self.text(raw, "description", "top level").split()),
            params=params,
            phases=tuple(phases),
            derived=tuple(derived),
            channels=channels,
            benign=self.benign(raw.get("benign"), "benign"),
            source=self.text(raw, "source", "top level"),
            command_timeout=self.number(raw, "command-timeout", "top level") or 900.0,
            settle_timeout=self.number(raw, "settle-timeout", "top level") or 1800.0,
            path=path,
        )
        self.placeholders(rb)
        return rb

    def placeholders(self, rb: Runbook) -> None:
        """Every `{name}` must be a param, a derived value, a channel, `item` or a late name."""
        known = {p.name for p in rb.params if p.kind != "list"} | {d.name for d in rb.derived}
        known |= {f"channel.{c}" for c in rb.channels}
        list_params = {p.name for p in rb.params if p.kind == "list"}
        captured_so_far: set[str] = set()  # a value can be used only after the step that captures it
        for d in rb.derived:
            if rb.param(d.param) is None:
                raise self.fail(f"derived.{d.name}", f"derives from unknown param {d.param!r}")
        for ph in rb.phases:
            for s in ph.steps:
                where = f"phase {ph.id} > step {s.id}"
                if s.foreach and s.foreach not in list_params:
                    raise self.fail(where, f"foreach names {s.foreach!r}, which is not a list param")
                local = known | ({"item"} if s.foreach else set())
                # (text, the captures known when it is used) — a command sees what earlier
                # commands of its own step captured; checks and generators see the whole step's.
                texts: list[tuple[str, set[str]]] = [(s.title, set())]
                texts += [(a, set()) for a in s.settle]
                for c in s.commands:
                    texts += [
                        (a, set(captured_so_far)) for a in (*c.argv, *(x for f in c.fallback for x in f.argv))
                    ]
                    if c.capture:
                        captured_so_far.add(c.capture)
                after = set(captured_so_far)
                texts += [(v, after) for ref in (*s.check, *s.verify, *s.wait_for) for v in ref.args.values()]
                texts += [(v, after) for v in s.generate_args.values()]
                for t, captures in texts:
                    for name in template.placeholders(t):
                        if name in local:
                            continue
                        if name.startswith("captured.") and name.split(".", 1)[1] in captures:
                            continue
                        if name.startswith("captured."):
                            raise self.fail(
                                where, f"{{{name}}} in {t!r} is used before any earlier command captures it"
                            )
                        if name.startswith("file.") and name.split(".", 1)[1] in s.files:
                            continue
                        if name == "session_dir":
                            continue
                        raise self.fail(where, f"unknown placeholder {{{name}}} in {t!r}")
                for key in (*s.when, *ph.when):
                    if rb.param(key) is None:
                        raise self.fail(where, f"`when` names unknown param {key!r}")


def load_file(path: Path, *, validate_checks: bool = True) -> Runbook:
    """Load and validate one runbook file; any problem is a RunbookError (one line).

    `validate_checks=False` is for engine tests that bring their own fake checks."""
    shown = printable(str(path))
    try:
        # Looked at before it is opened: opening a FIFO blocks, and /dev/zero never ends.
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(f"{shown}: not a regular file")
        if info.st_size > MAX_RUNBOOK_BYTES:
            raise BadInput(
                f"{shown}: {info.st_size} bytes is too big for a runbook (at most {MAX_RUNBOOK_BYTES})"
            )
        data = path.read_bytes()
        if validate_checks:
            cached = runbook_cache.get(path, data)
            if cached is not None:
                return cached
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text reads
    except FileNotFoundError:
        raise BadInput(f"{shown}: no such runbook file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{shown}: cannot read runbook file: {exc}") from None
    import yaml

    try:
        doc = yaml.load(text, Loader=_line_loader())  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise RunbookError(shown, "", "not valid YAML: nested too deeply") from None
    except RunbookError as exc:
        raise RunbookError(shown, exc.where, exc.what, exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # libyaml's own limit; the pure-Python parser recurses
            problem = "nested too deeply"
        raise RunbookError(shown, "", f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    runbook = _Reader(shown, validate_checks).runbook(doc, path)
    if validate_checks:  # a load against fake checks (engine tests) is not the real one
        runbook_cache.put(path, data, runbook)
    return runbook


def builtin_paths() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def list_runbooks() -> list[Runbook]:
    return [load_file(p) for p in builtin_paths()]


def find(name: str, *, runbook_file: str | Path | None = None) -> Runbook:
    """A built-in runbook by id, or the user's file given with --runbook."""
    if runbook_file:
        rb = load_file(Path(runbook_file))
        if name and name != rb.id:
            raise BadInput(f"--runbook {runbook_file} holds runbook {rb.id!r}, not {name!r}")
        return rb
    for path in builtin_paths():
        if path.stem == name:
            return load_file(path)
    known = ", ".join(p.stem for p in builtin_paths())
    raise BadInput(f"no runbook named {name!r}; built-in runbooks: {known} (or pass --runbook FILE)")


def _nested_repeat(pattern: str) -> bool:
    """Does a repeated part of `pattern` itself contain a repetition (`(a+)+`, `(a*b?)*`)? Python's
    backtracking engine can take exponential time on such a pattern, so a runbook may not use one."""
    if TYPE_CHECKING:
        # typeshed has no stubs for `re._parser`; `sre_parse` is the same module under its old
        # name (importing it at run time warns that it is deprecated).
        import sre_parse as sre
    else:
        from re import _parser as sre  # the parser `re` itself uses; stable across 3.11+

    repeats = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}

    def walk(items: Any, inside_repeat: bool) -> bool:
        for op, av in items:
            if op in repeats:
                _low, high, sub = av
                many = high > 1
                if many and inside_repeat:
                    return True
                if many and _separated(sub):
                    continue  # `(\.[a-z]+)*`: each round starts with a character the inner parts cannot eat
                if walk(sub, inside_repeat or many):
                    return True
            elif op is sre.SUBPATTERN:
                if walk(av[-1], inside_repeat):
                    return True
            elif op is sre.BRANCH:
                if inside_repeat:
                    # `(a|aa)+`: repeated alternatives that can start alike backtrack exponentially
                    firsts = [separator(list(b)) for b in av[1]]
                    if None in firsts or len(set(firsts)) < len(firsts):
                        return True
                if any(walk(b, inside_repeat) for b in av[1]):
                    return True
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                if walk(av[1], inside_repeat):
                    return True
        return False

    def separator(items: Any) -> int | None:
        while items and items[0][0] is sre.SUBPATTERN:
            items = items[0][1][-1]
        return items[0][1] if items and items[0][0] is sre.LITERAL else None

    def can_match(op: Any, av: Any, c: int) -> bool:
        ch = chr(c)
        if op is sre.LITERAL:
            return av == c
        if op is sre.NOT_LITERAL:
            return av != c
        if op is sre.RANGE:
            return av[0] <= c <= av[1]
        if op is sre.CATEGORY:
            tests = {
                sre.CATEGORY_DIGIT: ch.isdigit(),
                sre.CATEGORY_NOT_DIGIT: not ch.isdigit(),
                sre.CATEGORY_WORD: ch.isalnum() or ch == "_",
                sre.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
                sre.CATEGORY_SPACE: ch.isspace(),
                sre.CATEGORY_NOT_SPACE: not ch.isspace(),
            }
            return tests.get(av, True)
        if op is sre.IN:
            negate = bool(av) and av[0][0] is sre.NEGATE
            hit = any(can_match(o, a, c) for o, a in (av[1:] if negate else av))
            return hit != negate
        return True  # anything else: assume it can (stay safe)

    def inner_items(items: Any) -> Any:
        for op, av in items:
            if op in repeats:
                yield from av[2]
                yield from inner_items(av[2])
            elif op is sre.SUBPATTERN:
                yield from inner_items(av[-1])
            elif op is sre.BRANCH:  # each alternative is as variable as a repeat
                for b in av[1]:
                    yield from b
                    yield from inner_items(b)

    def _separated(sub: Any) -> bool:
        c = separator(list(sub))
        if c is None:
            return False
        inner = list(inner_items(list(sub)))
        return all(
            op not in (sre.SUBPATTERN, sre.BRANCH, *repeats) and not can_match(op, av, c) for op, av in inner
        ) and not any(op in repeats for op, _ in inner_items_nested(list(sub)))

    def inner_items_nested(items: Any) -> Any:
        for op, av in items:
            if op in repeats:
                for o, a in av[2]:
                    if o in repeats:
                        yield o, a
                yield from inner_items_nested(av[2])
            elif op is sre.SUBPATTERN:
                yield from inner_items_nested(av[-1])

    try:
        return walk(sre.parse(pattern), False)
    except Exception:  # noqa: BLE001 - re.compile accepted it; an odd parse is not our concern
        return False
