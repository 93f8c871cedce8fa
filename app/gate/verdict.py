"""Writing the verdict: text or ``--json`` on stdout, messages on stderr, and an unwritable stdout.

Example::

    output = _Output(sys.stdout, sys.stderr)
    _print_result(result, as_json=True, output=output)   # one JSON object; the error line on stderr
    return output.finish(result.exit_code)               # 141 (reader gone) or 2 if stdout failed

Every line passes :func:`app.gate.text.safe_text`; the JSON is ASCII only. A
failed write to stdout is remembered, never raised, and an unreported verdict
is never exit 0 or 1.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional, TextIO

from app.gate.model import EXIT_BROKEN_PIPE, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, STATE_CURRENT, GateResult
from app.gate.text import _first_line, _safe_json, safe_text


class _Output:
    """stdout and stderr for the verdict. A failed stdout write is remembered, never raised."""

    def __init__(self, out: Optional[TextIO], err: Optional[TextIO]) -> None:
        self.out, self.err = out, err
        self.out_error: Optional[str] = None
        self.broken_pipe = False

    def to_err(self, text: str) -> None:
        if self.err is None:
            return
        try:
            self.err.write(safe_text(text) + "\n")
            self.err.flush()
        except (OSError, ValueError):
            self.err = None

    def to_out(self, *fields: str, sep: str = "\t") -> None:
        if self.out_error is not None:
            return
        if self.out is None:
            self.out_error = "stdout is closed"
            return
        self._write(sep.join(safe_text(f) for f in fields) + "\n")

    def json(self, doc: dict[str, Any]) -> None:
        if self.out_error is not None:
            return
        text = json.dumps(_safe_json(doc), sort_keys=True)  # ASCII only: no raw control character can pass
        if self.out is None:
            self.out_error = "stdout is closed"
            return
        self._write(text + "\n")

    def _write(self, text: str) -> None:
        assert self.out is not None
        try:
            self.out.write(text)
            self.out.flush()
        except (OSError, ValueError) as exc:
            self.broken_pipe = isinstance(exc, BrokenPipeError)
            self.out_error = (getattr(exc, "strerror", None) or _first_line(exc)) if str(exc) else type(exc).__name__
            _silence_stdout(self.out)

    def finish(self, code: int) -> int:
        """The exit code: an unwritable result is never the verdict (141 for a reader gone, else 2)."""
        if self.out_error is None:
            return code
        final = EXIT_BROKEN_PIPE if self.broken_pipe else EXIT_USAGE
        self.to_err(f"gate: error: could not write the result to stdout ({self.out_error}); "
                    f"the verdict would have been exit {code}, but an unreported verdict is not one: exit {final}")
        return final


def _silence_stdout(stream: Any) -> None:
    """After a failed write to the real stdout, point fd 1 at /dev/null so later flushes cannot raise."""
    if stream is not sys.__stdout__ and stream is not sys.stdout:
        return
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _print_result(result: GateResult, as_json: bool, output: _Output) -> None:
    if result.error:
        label = "gate: FAILED" if result.exit_code == EXIT_TIMEOUT else "gate: error"
        output.to_err(f"{label}: {result.error}")
    if as_json:
        output.json(result.to_json())
        return
    if result.exit_code not in (EXIT_OK, EXIT_TIMEOUT) or result.source_digest is None:
        return
    for status in result.replicas:
        output.to_out(status.name, status.state, status.digest or "-", status.url)
    verdict = "OK" if result.ok else "TIMEOUT"
    output.to_out(f"{verdict}: {result.image} {result.source_digest} on "
                  f"{sum(s.state == STATE_CURRENT for s in result.replicas)}/{len(result.replicas)} replicas "
                  f"after {result.elapsed_seconds:.1f}s")
