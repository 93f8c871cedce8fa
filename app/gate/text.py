r"""What may reach a terminal: known secrets masked, URL userinfo stripped, control characters escaped.

Example::

    >>> register_secret("s3cret-pw")
    >>> print(safe_text("pushed with s3cret-pw to https://ci:pw@registry.example.com\x1b[2J"))
    pushed with *** to https://registry.example.com\x1b[2J
    >>> display_url("https://registry.example.com/token?access_token=abc")
    'https://registry.example.com/token?...'

Every line the gate prints, on stdout or stderr, and every string of the
``--json`` document goes through :func:`safe_text`; text a server sent
(headers, error codes, realms) is clipped with :func:`untrusted` before it
joins a message. :func:`register_secret` is called for every password and
token the moment the gate holds it.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Optional

_USERINFO_IN_TEXT_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)(?!\*\*\*@)[^\s/?#@]*@")  # keeps a masked ***@


_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def register_secret(value: Optional[str]) -> None:
    """Remember a secret (password, token) so that no printed text can carry it."""
    if value and len(value) >= 4:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """Escape every non-printable character (C0/C1 controls, ESC, bidi overrides, line separators)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def strip_userinfo(text: str) -> str:
    """Remove ``user:password@`` from every URL inside ``text``."""
    return _USERINFO_IN_TEXT_RE.sub(r"\1", text)


def safe_text(value: Any) -> str:
    """What may be printed: no known secret, no URL userinfo, no control character."""
    text = str(value)
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return printable(strip_userinfo(text))


def _safe_json(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(k): _safe_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe_json(v) for v in value]
    return value


def untrusted(value: Any, limit: int = 200) -> str:
    """Text that came from a server: escaped and clipped before it joins a message."""
    text = printable(strip_userinfo(str(value)))
    return text if len(text) <= limit else text[:limit] + "..."


def display_url(text: str) -> str:
    """A URL as it may be echoed back: userinfo masked, query and fragment dropped (they can carry tokens).

    Anything before the last ``@`` is userinfo, even when it holds ``/``, ``?`` or
    ``#`` that would make a URL parser see a path instead.
    """
    raw = str(text or "").strip()
    if "@" in raw:
        head, _, tail = raw.rpartition("@")
        scheme_end = head.find("://")
        raw = f"{head[:scheme_end + 3] if scheme_end >= 0 else ''}***@{tail}"
    cut = re.search(r"[?#]", raw)
    if cut:
        raw = raw[: cut.start()] + "?..."
    return untrusted(raw)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
