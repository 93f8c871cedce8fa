"""HTTP for the gate: requests with a hard deadline, capped bodies and bounded, deadline-aware retries.

Example::

    from app.gate.model import Deadline, RetryPolicy
    from app.gate.transport import Http

    http = Http(RetryPolicy())
    resp = http.send("GET", "https://registry.example.com/v2/", Deadline(30), body_limit=64 * 1024)
    resp.status_code, resp.headers.get("Docker-Distribution-API-Version"), len(resp.content)

:meth:`Http.send` retries 429 / 5xx / connection errors with exponential
backoff and jitter (:func:`backoff_delay`), honouring ``Retry-After``
(:func:`retry_after_seconds`), and gives up at once when the next retry would
pass the deadline. Each attempt is guarded by :class:`app.gate.watchdog._Guard`;
bodies are read as streams and capped (:func:`_read_body`). Failures become
:class:`app.gate.model.RegistryError` (or :class:`~app.gate.model.DeadlineError`,
:class:`~app.gate.model.Stopped`), never a traceback.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from app.gate.model import (
    MAX_ERROR_BYTES,
    MAX_TOKEN_BYTES,
    READ_CHUNK,
    BodyTooLarge,
    Deadline,
    DeadlineError,
    RegistryError,
    RetryPolicy,
    Stopped,
)
from app.gate.origins import _origin
from app.gate.text import _first_line, display_url, untrusted
from app.gate.watchdog import _CURRENT, Stopper, _Guard, _guarded_adapter_class


def retry_after_seconds(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Parse ``Retry-After`` (delta seconds or an HTTP date) into seconds, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Exponential backoff with equal jitter: half fixed, half random."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** attempt))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass
class Response:
    """One HTTP answer, read completely (within a cap) while the request's deadline guard was armed."""

    status_code: int
    headers: Any  # requests' case-insensitive dict
    content: bytes = b""

    def json(self) -> Any:
        return json.loads(self.content.decode("utf-8"))


class Http:
    """requests with a hard per-request deadline, capped bodies and bounded, deadline-aware retries.

    Why the retry loop is ours and not urllib3's ``Retry`` (2.8.0, inspected):
    ``Retry`` counts attempts and parses ``Retry-After`` well, but it sleeps
    inside ``urlopen`` with ``time.sleep`` for as long as the server asks (up to
    ``retry_after_max``, 6 h by default), knows nothing of the gate's overall
    deadline and cannot be woken by SIGTERM. The gate must instead give up at
    once when the next retry would pass the deadline (and say so), and must
    stop sleeping when cancelled. Its timeouts are per read, like requests',
    so the hard deadline comes from :class:`_Guard` either way.

    Also: ``trust_env`` is off, so ``~/.netrc`` can never attach credentials to
    a host the gate did not choose; proxies from the environment are still
    honoured (passed explicitly), and ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``
    as requests would.
    """

    RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

    def __init__(self, policy: RetryPolicy, rng: Optional[random.Random] = None,
                 stopper: Optional[Stopper] = None) -> None:
        import requests  # kept local so importing app.gate stays light

        self._requests = requests
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.max_redirects = 3
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.session.headers["User-Agent"] = "replication-gate/1"
        adapter = _guarded_adapter_class()()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.policy = policy
        self.rng = rng or random.Random()
        self.stopper = stopper or Stopper()
        self.sleep: Callable[[float], None] = self._sleep

    def _sleep(self, seconds: float) -> None:
        if self.stopper.wait(seconds):
            raise Stopped()

    def _timeouts(self, deadline: Deadline) -> tuple[float, float]:
        left = max(0.05, deadline.remaining())
        return (min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left))

    def send(self, method: str, url: str, deadline: Deadline, *, body_limit: int = MAX_TOKEN_BYTES,
             **kwargs: Any) -> Response:
        """Send one request, retrying 429/5xx/connection errors within the deadline."""
        where = display_url(_origin(url))
        last = f"no request to {where} made: the deadline had passed"
        made = 0
        for attempt in range(max(1, self.policy.attempts)):
            if self.stopper.stopped:
                raise Stopped()
            if deadline.remaining() <= 0:
                raise DeadlineError(last if made == 0 else f"{last}; the deadline passed before attempt {made + 1}")
            made += 1
            retry_after: Optional[float] = None
            try:
                resp = self._attempt(method, url, deadline, body_limit, **kwargs)
            except _Retryable as exc:
                last = f"{exc}"
            else:
                if resp.status_code not in self.RETRY_STATUS:
                    return resp
                last = f"{where} answered HTTP {resp.status_code}"
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
            if attempt + 1 >= self.policy.attempts:
                break
            delay = retry_after if retry_after is not None else backoff_delay(attempt, self.policy, self.rng)
            if delay >= deadline.remaining():
                why = "Retry-After" if retry_after is not None else "backoff"
                raise RegistryError(f"{last} (gave up after {made} attempt(s): the next retry, "
                                    f"{delay:.1f}s away by {why}, would pass the deadline)")
            self.sleep(delay)
        raise RegistryError(f"{last} (gave up after {made} attempt(s))")

    def _attempt(self, method: str, url: str, deadline: Deadline, body_limit: int, **kwargs: Any) -> Response:
        exc_types = self._requests.exceptions
        where = display_url(_origin(url))
        guard = _Guard(deadline.remaining())
        self.stopper.add(guard)
        _CURRENT.guard = guard
        guard.start()
        try:
            proxies = self._requests.utils.get_environ_proxies(url)
            resp = self.session.request(method, url, timeout=self._timeouts(deadline), allow_redirects=True,
                                        stream=True, proxies=proxies, **kwargs)
            try:
                ok = 200 <= resp.status_code < 300
                body = b"" if method == "HEAD" else _read_body(
                    resp, body_limit if ok else MAX_ERROR_BYTES, truncate=not ok, where=where)
            finally:
                resp.close()
            return Response(resp.status_code, resp.headers, body)
        except Exception as exc:
            if self.stopper.stopped:
                raise Stopped() from None
            if guard.fired or deadline.remaining() <= 0:
                raise DeadlineError(f"no complete answer from {where} before the deadline "
                                    f"(--timeout {deadline.seconds:g}s)") from None
            if isinstance(exc, RegistryError):
                raise
            if isinstance(exc, exc_types.SSLError):
                raise RegistryError(f"TLS error talking to {where}: {untrusted(_first_line(exc))}") from None
            if isinstance(exc, (exc_types.ConnectionError, exc_types.Timeout, exc_types.ChunkedEncodingError)):
                reason = _connection_reason(exc, exc_types)
                verb = "cannot reach" if reason in _UNREACHABLE else "no usable answer from"
                raise _Retryable(f"{verb} {where}: {reason}") from None
            if isinstance(exc, exc_types.TooManyRedirects):
                raise RegistryError(f"{where} redirected more than {self.session.max_redirects} times") from None
            # Anything else (a malformed status line or header, bad encoding, ...) is an
            # unreadable answer: reported as this registry's error, never as a crash.
            raise RegistryError(f"unreadable answer from {where}: {type(exc).__name__}: "
                                f"{untrusted(_first_line(exc))}") from None
        finally:
            guard.cancel()
            _CURRENT.guard = None
            self.stopper.discard(guard)


class _Retryable(Exception):
    """A connection-level failure worth another attempt."""


def _read_body(resp: Any, limit: int, truncate: bool, where: str) -> bytes:
    """Read at most ``limit`` bytes as a stream; past it, stop (``truncate``) or raise BodyTooLarge."""
    declared = (resp.headers.get("Content-Length") or "").strip()
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"{where} announced a {int(declared):,}-byte body, over the {limit:,}-byte cap; "
                           "not read")
    chunks: list[bytes] = []
    total = 0
    for chunk in resp.iter_content(READ_CHUNK):
        total += len(chunk)
        if total > limit:
            if truncate:
                chunks.append(chunk[: limit - (total - len(chunk))])
                break
            raise BodyTooLarge(f"{where} sent a body over the {limit:,}-byte cap; stopped reading")
        chunks.append(chunk)
    return b"".join(chunks)


_UNREACHABLE = frozenset({"timed out", "host name does not resolve", "connection refused", "network is unreachable"})


def _connection_reason(exc: BaseException, exc_types: Any) -> str:
    """A short reason for a connection failure instead of urllib3's nested repr."""
    text = str(exc)
    if isinstance(exc, exc_types.Timeout):
        return "timed out"
    for needle, reason in (("NameResolutionError", "host name does not resolve"),
                           ("Name or service not known", "host name does not resolve"),
                           ("Temporary failure in name resolution", "host name does not resolve"),
                           ("Connection refused", "connection refused"),
                           ("Connection reset", "connection reset"),
                           ("RemoteDisconnected", "connection closed by the server"),
                           ("IncompleteRead", "answer cut short"),
                           ("BadStatusLine", "not an HTTP answer"),
                           ("Network is unreachable", "network is unreachable")):
        if needle in text:
            return reason
    return untrusted(_first_line(exc))
