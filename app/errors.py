"""Typed user-facing errors: every problem names a path, the value found and what is allowed.

Example::

    >>> p = Problem(code="unknown-region", path="regions.primary", value="eastuss",
    ...             allowed="an Azure region name, e.g. eastus", hint="did you mean eastus?")
    >>> print(p.render())
    regions.primary: got 'eastuss'; allowed: an Azure region name, e.g. eastus (did you mean eastus?) [unknown-region]

A user mistake exits with :data:`EXIT_USAGE` (2) and no traceback; the CLI
prints every problem of the file at once.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_MISSING = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong (or worth a warning) in a config file."""

    code: str
    path: str
    value: object = _MISSING
    allowed: str
    hint: str = ""

    def render(self) -> str:
        shown = "nothing (the field is missing)" if self.value is _MISSING else _short(self.value)
        text = f"{self.path or '(top level)'}: got {shown}; allowed: {self.allowed}"
        if self.hint:
            text += f" ({self.hint})"
        return f"{text} [{self.code}]"


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class UserError(Exception):
    """A mistake the user can fix; rendered without a traceback, exit code 2."""

    exit_code = EXIT_USAGE


class ConfigError(UserError):
    """A config file that cannot be used, with every problem found in it."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"error: {self.source}: {len(self.problems)} problem(s) in the config:"]
        lines += [f"  - {p.render()}" for p in self.problems]
        return "\n".join(lines)
