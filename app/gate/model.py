"""The gate's vocabulary: exit codes, body caps, replica states, errors and the values passed around.

Example::

    from app.gate.model import Deadline, Endpoint, GatePlan, ImageRef

    plan = GatePlan(image=ImageRef("fraud/scorer", "1.4.2"),
                    source=Endpoint("source", "https://crfraud.azurecr.io"),
                    replicas=(Endpoint("westus", "https://crfraud.westus.geo.azurecr.io"),),
                    timeout=1800, interval=15)
    deadline = Deadline(plan.timeout)      # deadline.remaining() bounds every read and every sleep
    plan.trusted_origins                   # the only origins credentials may go to

Exit codes: 0 every replica current; 1 the ``--timeout`` deadline passed first
(and nothing else); 2 usage, source or output error; 141 stdout's reader went
away; 130 / 143 SIGINT / SIGTERM. Replica states: ``current``, ``missing``,
``stale``, ``error``, ``pending``. Errors: :class:`GateUsageError` (exit 2) and
:class:`RegistryError` with its kinds (:class:`AuthError`,
:class:`DeadlineError`, :class:`BodyTooLarge`); :class:`Stopped` unwinds a
cancelled run. :meth:`GateResult.to_json` is the ``--json`` document, every
string in it passed through :func:`app.gate.text.safe_text`.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

from app.gate.origins import origin_key
from app.gate.text import _safe_json

EXIT_OK = 0
EXIT_TIMEOUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143   # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: stdout's reader went away (as app.output does for every command)

USERNAME_ENV = "GATE_USERNAME"
PASSWORD_ENV = "GATE_PASSWORD"

# Body caps. 4 MiB is the OCI distribution spec's manifest limit (and ACR's);
# token answers are small JSON; error bodies are only read for their error code.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_TOKEN_BYTES = 1024 * 1024
MAX_ERROR_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
# How long run() waits past the deadline for the worker to hand in its result
# before it reports the timeout itself (only a DNS lookup can still be running).
HARD_STOP_GRACE = 1.0

STATE_CURRENT = "current"
STATE_MISSING = "missing"
STATE_STALE = "stale"
STATE_ERROR = "error"
STATE_PENDING = "pending"

_DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")


class GateUsageError(Exception):
    """The command line cannot be used as given (exit 2)."""


class RegistryError(Exception):
    """A registry could not answer: unreachable, denied, or failing after retries."""


class AuthError(RegistryError):
    """The registry refused our credentials or asked for ones we do not have."""


class DeadlineError(RegistryError):
    """The ``--timeout`` deadline passed before the answer was complete."""


class Stopped(Exception):
    """The run was cancelled (SIGINT / SIGTERM); workers unwind quietly."""


class BodyTooLarge(RegistryError):
    """A response body over its cap; the connection was dropped without reading the rest."""


@dataclass(frozen=True)
class ImageRef:
    """A repository plus either a tag or a sha256 digest."""

    repository: str
    reference: str

    @property
    def is_digest(self) -> bool:
        return self.reference.startswith("sha256:")

    def __str__(self) -> str:
        sep = "@" if self.is_digest else ":"
        return f"{self.repository}{sep}{self.reference}"


@dataclass(frozen=True)
class Endpoint:
    """A named registry base URL (``scheme://host[:port]``)."""

    name: str
    url: str


@dataclass(frozen=True)
class Probe:
    """What one registry answered for one manifest reference."""

    present: bool
    digest: Optional[str] = None
    media_type: Optional[str] = None
    detail: str = ""


@dataclass
class ReplicaStatus:
    """The latest known state of one replica."""

    name: str
    url: str
    state: str = STATE_PENDING
    digest: Optional[str] = None
    detail: str = ""

    def describe(self) -> str:
        if self.state == STATE_STALE:
            return f"{self.name}: stale (serves {self.digest})"
        if self.state == STATE_CURRENT:
            return f"{self.name}: current"
        extra = f": {self.detail}" if self.detail else ""
        return f"{self.name}: {self.state}{extra}"


@dataclass
class GateResult:
    """The outcome of one gate run; ``to_json`` is the ``--json`` document."""

    image: str
    source: str
    source_digest: Optional[str]
    replicas: list[ReplicaStatus]
    elapsed_seconds: float
    ok: bool
    exit_code: int
    rounds: int = 0
    media_type: Optional[str] = None
    error: Optional[str] = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["elapsed_seconds"] = round(self.elapsed_seconds, 3)
        data["replicas"] = {r.name: {k: v for k, v in asdict(r).items() if k != "name"} for r in self.replicas}
        return _safe_json(data)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds for one logical request: attempts, backoff and per-request timeouts."""

    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0


@dataclass(frozen=True)
class GatePlan:
    """Everything a gate run needs, validated."""

    image: ImageRef
    source: Endpoint
    replicas: tuple[Endpoint, ...]
    timeout: float
    interval: float
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token_servers: tuple[str, ...] = ()

    @property
    def trusted_origins(self) -> frozenset[str]:
        """The only origins credentials may go to: the registries, plus token servers named with --token-server."""
        urls = [self.source.url, *(r.url for r in self.replicas), *self.token_servers]
        return frozenset(origin_key(u) for u in urls)


class Deadline:
    """A monotonic point in time that requests and sleeps must not pass."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.seconds = seconds
        self.start = clock()
        self.end = self.start + seconds

    def remaining(self) -> float:
        return self.end - self._clock()

    def elapsed(self) -> float:
        return self._clock() - self.start
