"""One finding: a code (with its severity and phase from `codes`), a subject, a message and the
exact command that fixes it, where one exists."""

from __future__ import annotations

from dataclasses import dataclass

from .codes import CODES, PHASES, SEVERITIES


@dataclass(frozen=True)
class Finding:
    code: str
    subject: str  # Kind/namespace/name
    message: str
    command: str | None = None  # an argv as one shell-quoted string

    @property
    def severity(self) -> str:
        return CODES[self.code].severity

    @property
    def phase(self) -> str:
        return CODES[self.code].phase

    def sort_key(self) -> tuple[int, int, str, str]:
        return (PHASES.index(self.phase), SEVERITIES.index(self.severity), self.code, self.subject)

    def to_json(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity,
            "phase": self.phase,
            "subject": self.subject,
            "message": self.message,
            "command": self.command,
        }


def finding(code: str, subject: str, message: str, command: str | None = None) -> Finding:
    if code not in CODES:
        raise ValueError(f"unknown finding code {code}")
    return Finding(code, subject, message, command)
