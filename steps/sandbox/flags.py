"""Command-line parsing in the manner of the real tools: flags before or after positionals,
`--flag=value` and `--flag value`, `-n NS` and `-nNS`, grouped short booleans (`-ti`), `--`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


class UsageError(Exception):
    """A malformed command line; `flag` names the offending flag when there is one."""

    def __init__(self, message: str, flag: str = ""):
        super().__init__(message)
        self.flag = flag


@dataclass
class Parsed:
    opts: dict[str, object] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    rest: list[str] | None = None  # what followed "--", if it was given

    def get(self, name: str, default=None):
        return self.opts.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.opts


def parse(
    argv: Sequence[str],
    values: Mapping[str, str],
    bools: Mapping[str, str] = {},
    multi: Sequence[str] = (),
    interspersed: bool = True,
) -> Parsed:
    """`values`/`bools` map every spelling ("-n", "--namespace") to the option's canonical name."""
    out = Parsed()
    i = 0
    argv = list(argv)
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.rest = argv[i + 1 :]
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg.partition("=")
            if name in bools:
                out.opts[bools[name]] = _bool(value, name) if eq else True
            elif name in values:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise UsageError(f"flag needs an argument: {name}", name)
                    value = argv[i]
                _store(out, values[name], value, multi)
            else:
                raise UsageError(f"unknown flag: {name}", name)
        elif arg.startswith("-") and len(arg) > 1 and not _is_number(arg):
            name = arg[:2]
            if name in values:
                value = arg[2:]
                if value.startswith("="):
                    value = value[1:]
                if not value:
                    i += 1
                    if i >= len(argv):
                        raise UsageError(f"flag needs an argument: {name}", name)
                    value = argv[i]
                _store(out, values[name], value, multi)
            else:
                # grouped booleans such as -ti
                for ch in arg[1:]:
                    short = f"-{ch}"
                    if short in bools:
                        out.opts[bools[short]] = True
                    elif short in values and ch == arg[-1]:
                        i += 1
                        if i >= len(argv):
                            raise UsageError(f"flag needs an argument: {short}", short)
                        _store(out, values[short], argv[i], multi)
                    else:
                        raise UsageError(f"unknown shorthand flag: '{ch}' in {arg}", arg)
        else:
            out.args.append(arg)
            if not interspersed:
                out.args.extend(argv[i + 1 :])
                break
        i += 1
    return out


def _store(out: Parsed, name: str, value: str, multi: Sequence[str]) -> None:
    if name in multi:
        values = out.opts.setdefault(name, [])
        assert isinstance(values, list)  # a multi-valued option holds a list from the first
        values.append(value)
    else:
        out.opts[name] = value


def _bool(value: str, name: str) -> bool:
    low = value.lower()
    if low in ("true", "1", "t"):
        return True
    if low in ("false", "0", "f"):
        return False
    raise UsageError(f'invalid boolean value "{value}" for {name}', name)


def _is_number(arg: str) -> bool:
    try:
        float(arg)
        return True
    except ValueError:
        return False
