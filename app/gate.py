"""Replication gate: wait until every registry replica serves exactly the image.

Usage::

    # Generic registries (anonymous, or basic auth from GATE_USERNAME / GATE_PASSWORD):
    python main.py gate --image fraud/scorer:1.4.2 \\
        --source https://registry.example.com \\
        --replica westus=https://westus.registry.example.com \\
        --timeout 1800 --interval 15 --json

    # Azure Container Registry with Azure AD (DefaultAzureCredential), regional endpoints:
    python main.py gate --registry fraudprodacr --regions westus --image fraud/scorer:1.4.2

ACR geo-replication is asynchronous and Azure exposes no per-image replication
status, so this gate asks each replica directly. It resolves the image's
manifest digest at the source (``HEAD /v2/<repo>/manifests/<ref>`` with the OCI
and Docker manifest / index media types; the ``Docker-Content-Digest`` header,
or the sha256 of the body of a ``GET`` when the header is missing) and then
polls every replica until each serves that same digest.

Replica states: ``current`` (serves the source digest), ``missing`` (404),
``stale`` (the tag resolves to another digest), ``error`` (unreachable,
denied, 5xx after retries), ``pending`` (not asked yet).

Exit codes: 0 every replica current; 1 the ``--timeout`` deadline passed first
(and nothing else: no crash, I/O error or refusal ever exits 1); 2 usage error,
source unreachable or refusing, image absent at the source, an internal error,
or the result could not be written (closed stdout, full disk); 141 stdout's
reader went away (``| head``); 130 / 143 interrupted by SIGINT / SIGTERM.

What the gate promises against a hostile or broken network:

* ``--timeout`` is a hard wall-clock deadline for the whole run: every socket
  read waits at most the time left, and a watchdog shuts the sockets of a
  request down when the deadline passes, so a server that sends one byte a
  second cannot hold it (requests' own timeout is per read only).
* Credentials (``GATE_USERNAME``/``GATE_PASSWORD``, Azure AD and ACR tokens)
  go only to the hosts named on the command line or derived from
  ``--registry`` (scheme + host + port), and never over plain ``http://``
  except to loopback. A Bearer challenge whose realm is elsewhere gets an
  anonymous token request.
* Manifest bodies are capped at 4 MiB (the OCI distribution spec's limit),
  read as a stream and abandoned past the cap; other bodies are capped too.
* Nothing printed carries a secret (userinfo is stripped from URLs, known
  secrets are masked) or a raw control character (escaped as ``\\x1b``).
* SIGINT / SIGTERM end the gate within a second, exit 130 / 143, no traceback.

Every request has a timeout; 429 / 5xx / connection errors are retried with
exponential backoff and jitter (honouring ``Retry-After``); nothing sleeps past
the overall ``--timeout`` deadline.
"""

from __future__ import annotations

import argparse
import email.utils
import functools
import hashlib
import ipaddress
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional, Protocol, TextIO

EXIT_OK = 0
EXIT_TIMEOUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143   # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: stdout's reader went away (as app.output does for every command)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST])

ACR_AAD_SCOPE = "https://containerregistry.azure.net/.default"
DEFAULT_CONFIG = "config/default.yaml"
REGISTRY_FROM_CONFIG = "@config"
DEFAULT_TIMEOUT = 1800.0
DEFAULT_INTERVAL = 15.0
MIN_INTERVAL = 1.0
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
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_RE = re.compile(rf"^{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPLICA_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_ACR_NAME_RE = re.compile(r"^[a-zA-Z0-9]{5,50}$")
_REGION_RE = re.compile(r"^[a-z][a-z0-9]{1,39}$")
_MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
_CHALLENGE_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')
_USERINFO_IN_TEXT_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)(?!\*\*\*@)[^\s/?#@]*@")  # keeps a masked ***@
IMAGE_FORMS = "REPOSITORY:TAG or REPOSITORY@sha256:<64 hex digits> (no registry host)"


# --------------------------------------------------------------------------- errors


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


class _Signalled(BaseException):
    """Raised in the main thread by the SIGINT / SIGTERM handler of :func:`run`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED
        self.name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT"


# --------------------------------------------------------------------------- text that reaches a terminal


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


# --------------------------------------------------------------------------- values


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


# --------------------------------------------------------------------------- parsing


def parse_image(text: str) -> ImageRef:
    """Parse ``repo:tag`` or ``repo@sha256:digest``; raise GateUsageError otherwise."""
    raw = (text or "").strip()
    if not raw:
        raise GateUsageError(f"--image is empty; expected {IMAGE_FORMS}")
    if "@" in raw:
        repository, _, digest = raw.partition("@")
        if ":" in repository.rsplit("/", 1)[-1]:
            raise GateUsageError(f"--image {raw!r} has both a tag and a digest; give one: {IMAGE_FORMS}")
        if not _DIGEST_RE.match(digest):
            raise GateUsageError(f"--image {raw!r}: digest must be sha256:<64 lowercase hex>; expected {IMAGE_FORMS}")
        reference = digest
    else:
        repository, sep, reference = raw.rpartition(":")
        if not sep or "/" in reference:
            raise GateUsageError(f"--image {raw!r} has no tag or digest; expected {IMAGE_FORMS}")
        if not _TAG_RE.match(reference):
            raise GateUsageError(f"--image {raw!r}: tag {reference!r} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})")
    _check_repository(raw, repository)
    return ImageRef(repository=repository, reference=reference)


def _check_repository(raw: str, repository: str) -> None:
    first = repository.split("/", 1)[0]
    if "/" in repository and ("." in first or ":" in first or first == "localhost"):
        raise GateUsageError(
            f"--image {raw!r} starts with a registry host ({first!r}); give only the repository, "
            f"the host comes from --source / --registry; expected {IMAGE_FORMS}"
        )
    if not _REPOSITORY_RE.match(repository):
        raise GateUsageError(
            f"--image {raw!r}: repository {repository!r} is not valid (lowercase letters, digits, "
            f"'.', '_', '-' separators, '/' between path components); expected {IMAGE_FORMS}"
        )


def parse_url(option: str, text: str) -> str:
    """Validate a registry base URL and return it as ``scheme://host[:port]``.

    Credentials in the URL (``http://user:pw@host``, also ``http://:pw@host``)
    are refused, and the message never echoes them.
    """
    raw = (text or "").strip()
    shown = repr(display_url(raw))
    if not raw.isprintable() or any(ch.isspace() for ch in raw):
        raise GateUsageError(f"{option} {shown} contains whitespace or control characters; "
                             "expected http(s)://HOST[:PORT]")
    try:
        parsed = urllib.parse.urlsplit(raw)
    except ValueError:
        raise GateUsageError(f"{option} {shown} is not a registry URL; expected http(s)://HOST[:PORT]") from None
    if "@" in raw:
        raise GateUsageError(
            f"{option} {shown} carries credentials in the URL; refused so they are never sent or printed: "
            f"give a bare http(s)://HOST[:PORT] and put credentials in {USERNAME_ENV} / {PASSWORD_ENV}"
        )
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise GateUsageError(f"{option} {shown} is not a registry URL; expected http(s)://HOST[:PORT]")
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment:
        raise GateUsageError(
            f"{option} {shown} must be a bare registry URL http(s)://HOST[:PORT] "
            "(no path, query or credentials; the /v2/ API path is added by the gate)"
        )
    try:
        parsed.port
    except ValueError:
        raise GateUsageError(f"{option} {shown} has an invalid port; expected http(s)://HOST[:PORT]") from None
    return f"{parsed.scheme}://{parsed.netloc}"


def parse_replica(text: str) -> Endpoint:
    """Parse ``NAME=URL``."""
    name, sep, url = (text or "").partition("=")
    name = name.strip()
    if not sep or not name:
        raise GateUsageError(f"--replica {display_url(text)!r} must be NAME=URL, "
                             "e.g. westus=https://myacr.westus.geo.azurecr.io")
    if not _REPLICA_NAME_RE.match(name):
        raise GateUsageError(f"--replica: name {untrusted(name, 80)!r} must be letters, digits, '.', '_' or '-' (max 63)")
    return Endpoint(name=name, url=parse_url(f"--replica {name}=", url))


def acr_endpoints(registry: str, regions: tuple[str, ...]) -> tuple[Endpoint, tuple[Endpoint, ...]]:
    """Derive the ACR login server and regional endpoints (replica name = region)."""
    if not _ACR_NAME_RE.match(registry or ""):
        raise GateUsageError(f"--registry {registry!r} is not an ACR name; expected 5-50 letters or digits")
    name = registry.lower()
    if not regions:
        raise GateUsageError("no replica regions: pass --regions REGION[,REGION...] or set secondary regions in --config")
    replicas = []
    for region in regions:
        if not _REGION_RE.match(region):
            raise GateUsageError(f"--regions: {region!r} is not an Azure region name (lowercase letters and digits, e.g. westus)")
        replicas.append(Endpoint(name=region, url=f"https://{name}.{region}.geo.azurecr.io"))
    return Endpoint(name="source", url=f"https://{name}.azurecr.io"), tuple(replicas)


# --------------------------------------------------------------------------- where credentials may go


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_key(url: str) -> str:
    """``scheme://host:port`` with the port made explicit: two URLs are one host only if these match."""
    parts = urllib.parse.urlsplit(url)
    scheme = (parts.scheme or "").lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = -1
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def is_loopback(url: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secure_transport(url: str) -> bool:
    """https://, or plain http:// to this machine (loopback)."""
    return urllib.parse.urlsplit(url).scheme.lower() == "https" or is_loopback(url)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


# --------------------------------------------------------------------------- auth


@dataclass(frozen=True)
class Challenge:
    """A parsed ``WWW-Authenticate`` challenge."""

    scheme: str
    params: dict[str, str]


def parse_challenge(header: str) -> Optional[Challenge]:
    """Parse ``Bearer realm=...,service=...,scope=...`` (or ``Basic realm=...``)."""
    if not header:
        return None
    match = re.search(r"\b(Bearer|Basic)\b", header, flags=re.IGNORECASE)
    if not match:
        return None
    scheme = match.group(1).lower()
    rest = header[match.end():]
    other = re.search(r"\b(Bearer|Basic)\s", rest, flags=re.IGNORECASE)
    if other:
        rest = rest[: other.start()]
    params = {key.lower(): quoted or bare for key, quoted, bare in _CHALLENGE_PARAM_RE.findall(rest)}
    return Challenge(scheme=scheme, params=params)


class TokenProvider(Protocol):
    """Turns a Bearer challenge into a registry access token."""

    def token(self, http: "Http", realm: str, service: str, scope: str, deadline: Deadline) -> str: ...


class DistributionTokenProvider:
    """The Docker registry token protocol: ``GET realm?service=&scope=``, anonymous or basic.

    RegistryClient calls this with credentials only for a realm on a trusted
    origin over a secure transport; every other realm gets ``DistributionTokenProvider(None)``.
    """

    def __init__(self, basic: Optional[tuple[str, str]]) -> None:
        self.basic = basic

    def token(self, http: "Http", realm: str, service: str, scope: str, deadline: Deadline) -> str:
        params = {"scope": scope}
        if service:
            params["service"] = service
        if self.basic:
            params["account"] = self.basic[0]
        resp = http.send("GET", realm, deadline, params=params, auth=self.basic, body_limit=MAX_TOKEN_BYTES)
        shown = display_url(realm)
        if resp.status_code in (401, 403):
            who = f"the credentials in {USERNAME_ENV}/{PASSWORD_ENV}" if self.basic else "anonymous access"
            raise AuthError(f"token server {shown} refused {who} (HTTP {resp.status_code})")
        if resp.status_code != 200:
            raise AuthError(f"token server {shown} answered HTTP {resp.status_code}")
        body = _json_body(resp, shown)
        value = body.get("token") or body.get("access_token")
        if not isinstance(value, str) or not value:
            raise AuthError(f"token server {shown} answered without a token")
        register_secret(value)
        return value


class AcrAadTokenProvider:
    """Azure AD -> ACR token exchange for one registry (regional endpoints included).

    Why not ``azure-containerregistry`` (1.2.0, inspected): ``ContainerRegistryClient``
    has no HEAD / exists call for a manifest (``get_manifest`` downloads, checks
    the 4 MB cap only from ``Content-Length`` after azure-core has read the whole
    body, and raises on 404 instead of reporting it; ``get_manifest_properties``
    asks ACR's ``/acr/v1`` metadata API, not what a regional endpoint serves);
    its AAD->ACR exchange lives in private modules (``_exchange_client``) bound
    to azure-core's pipeline, whose timeouts are per read and whose retry policy
    sleeps on its own, unaware of the gate's deadline. So the gate keeps one
    HTTP path for every registry and takes from Microsoft's SDK what fits:
    azure-identity's credential for the AAD token. The exchange itself is two
    form POSTs: ``POST /oauth2/exchange`` (grant_type=access_token, service,
    access_token) returns an ACR refresh token, then ``POST <realm>``
    (grant_type=refresh_token, service, scope, refresh_token) returns an access
    token for ``repository:<repo>:pull``. Like the SDK (which posts to the
    registry endpoint it was given, never to the realm's host), the gate sends
    the AAD token only to a registry host it was given: RegistryClient only
    calls this provider for a realm on a trusted origin.
    """

    def __init__(self, credential: Any, aad_scope: str = ACR_AAD_SCOPE) -> None:
        self.credential = credential
        self.aad_scope = aad_scope
        self._refresh: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def _aad_token(self) -> str:
        try:
            value = str(self.credential.get_token(self.aad_scope).token)
        except Exception as exc:  # azure-identity raises several types; all mean "no AAD token"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AuthError(
                f"could not get an Azure AD token for {self.aad_scope} ({untrusted(first)}); "
                "log in first (azure/login in GitHub Actions, `az login` locally)"
            ) from None
        register_secret(value)
        return value

    def _refresh_token(self, http: "Http", realm: str, service: str, deadline: Deadline) -> str:
        origin = _origin(realm)
        with self._lock:
            cached = self._refresh.get((origin, service))
        if cached:
            return cached
        data = {"grant_type": "access_token", "service": service, "access_token": self._aad_token()}
        url = f"{origin}/oauth2/exchange"
        resp = http.send("POST", url, deadline, data=data, body_limit=MAX_TOKEN_BYTES)
        if resp.status_code != 200:
            raise AuthError(f"ACR token exchange at {display_url(url)} failed (HTTP {resp.status_code}); "
                            "does the identity have AcrPull on the registry?")
        value = _json_body(resp, display_url(url)).get("refresh_token")
        if not isinstance(value, str) or not value:
            raise AuthError(f"ACR token exchange at {display_url(url)} returned no refresh_token")
        register_secret(value)
        with self._lock:
            self._refresh[(origin, service)] = value
        return value

    def token(self, http: "Http", realm: str, service: str, scope: str, deadline: Deadline) -> str:
        refresh = self._refresh_token(http, realm, service, deadline)
        data = {"grant_type": "refresh_token", "service": service, "scope": scope, "refresh_token": refresh}
        resp = http.send("POST", realm, deadline, data=data, body_limit=MAX_TOKEN_BYTES)
        shown = display_url(realm)
        if resp.status_code != 200:
            with self._lock:
                self._refresh.pop((_origin(realm), service), None)
            raise AuthError(f"ACR access token request at {shown} failed (HTTP {resp.status_code}) "
                            f"for scope {untrusted(scope)}")
        value = _json_body(resp, shown).get("access_token")
        if not isinstance(value, str) or not value:
            raise AuthError(f"ACR token endpoint {shown} returned no access_token")
        register_secret(value)
        return value


# --------------------------------------------------------------------------- http


def _json_body(resp: "Response", shown_url: str) -> dict[str, Any]:
    try:
        body = json.loads(resp.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise AuthError(f"{shown_url} answered with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise AuthError(f"{shown_url} answered with JSON that is not an object")
    return body


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


class _Guard:
    """Shuts down the sockets of one request when the deadline passes (or the run is stopped).

    A read blocked on a socket returns at once when the socket is shut down from
    another thread; that is what makes ``--timeout`` hold against a server that
    sends one byte a second, which a per-read timeout alone cannot.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._conns: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self.fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def watch(self, conn: Any) -> None:
        with self._lock:
            self._conns.append(conn)
            fired = self.fired
        if fired:
            _shutdown(conn)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)


def _shutdown(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        # The plain socket method on purpose: ssl.SSLSocket.shutdown() would drop its
        # SSL object under the reading thread's feet; shutting the fd down wakes it cleanly.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


_CURRENT = threading.local()


def _watch_connection(conn: Any) -> None:
    guard = getattr(_CURRENT, "guard", None)
    if guard is not None:
        guard.watch(conn)


@functools.lru_cache(maxsize=None)
def _guarded_adapter_class() -> type:
    """requests' HTTPAdapter whose urllib3 connections report to the current request's guard."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class WatchedHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            _watch_connection(self)
            super().connect()

        def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
            _watch_connection(self)
            super().request(*args, **kwargs)

    class WatchedHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            _watch_connection(self)
            super().connect()

        def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
            _watch_connection(self)
            super().request(*args, **kwargs)

    class Pool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class TlsPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    pools = {"http": Pool, "https": TlsPool}

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            manager.pool_classes_by_scheme = pools
            return manager

    return GuardedAdapter


class Stopper:
    """Cancels a run: wakes every sleep and shuts down every socket in use."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._guards: set[_Guard] = set()
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def stop(self) -> None:
        self._event.set()
        with self._lock:
            guards = list(self._guards)
        for guard in guards:
            guard.fire()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when stopped meanwhile."""
        return self._event.wait(max(0.0, seconds))

    def add(self, guard: _Guard) -> None:
        with self._lock:
            self._guards.add(guard)
        if self.stopped:
            guard.fire()

    def discard(self, guard: _Guard) -> None:
        with self._lock:
            self._guards.discard(guard)


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


class BodyTooLarge(RegistryError):
    """A response body over its cap; the connection was dropped without reading the rest."""


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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


class RegistryClient:
    """Docker Registry HTTP API v2 manifest lookups against one registry, with auth.

    Credentials (basic, or whatever ``tokens`` exchanges them for) are used only
    for this registry and for a Bearer realm whose origin is in ``trusted``, and
    only over https:// or loopback; any other realm gets an anonymous token request.
    """

    def __init__(self, base_url: str, http: Http, tokens: TokenProvider,
                 basic: Optional[tuple[str, str]] = None, trusted: Optional[frozenset[str]] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.tokens = tokens
        self.basic = basic
        self.trusted = trusted if trusted is not None else frozenset({origin_key(self.base_url)})
        self.anonymous = DistributionTokenProvider(None)
        self._bearer: dict[str, str] = {}
        self._use_basic = False
        self._withheld = ""  # why credentials were not sent, for the refusal message

    @property
    def shown(self) -> str:
        return display_url(self.base_url)

    def _authorize(self, scope: str) -> dict[str, str]:
        if scope in self._bearer:
            return {"Authorization": f"Bearer {self._bearer[scope]}"}
        return {}

    def request(self, method: str, path: str, repository: str, deadline: Deadline,
                headers: Optional[dict[str, str]] = None, body_limit: int = MAX_MANIFEST_BYTES) -> Response:
        """Send a request, answering at most one auth challenge."""
        url = f"{self.base_url}{path}"
        default_scope = f"repository:{repository}:pull"
        hdrs = dict(headers or {})
        for attempt in range(2):
            auth = self.basic if self._use_basic else None
            resp = self.http.send(method, url, deadline, headers={**hdrs, **self._authorize(default_scope)},
                                  auth=auth, body_limit=body_limit)
            if resp.status_code != 401:
                if resp.status_code == 403:
                    raise AuthError(f"{self.shown} denied access to {repository} (HTTP 403)")
                return resp
            challenge = parse_challenge(resp.headers.get("WWW-Authenticate", ""))
            if attempt == 1 or challenge is None:
                raise AuthError(self._refused_message(challenge))
            self._answer(challenge, default_scope, deadline)
        raise AssertionError("unreachable")  # pragma: no cover

    def _refused_message(self, challenge: Optional[Challenge]) -> str:
        if challenge is None:
            return f"{self.shown} answered 401 without a usable WWW-Authenticate challenge"
        if self._withheld:
            return f"{self.shown} refused the request (HTTP 401); {self._withheld}"
        if self.basic:
            return f"{self.shown} rejected the credentials from {USERNAME_ENV}/{PASSWORD_ENV} (HTTP 401)"
        return f"{self.shown} requires authentication (HTTP 401); set {USERNAME_ENV} and {PASSWORD_ENV}"

    def _has_credentials(self) -> bool:
        return bool(self.basic) or not isinstance(self.tokens, DistributionTokenProvider) or bool(
            getattr(self.tokens, "basic", None))

    def _answer(self, challenge: Challenge, default_scope: str, deadline: Deadline) -> None:
        if challenge.scheme == "basic":
            if not self.basic:
                raise AuthError(f"{self.shown} requires basic authentication; set {USERNAME_ENV} and {PASSWORD_ENV}")
            if not secure_transport(self.base_url):
                raise AuthError(f"{self.shown} asks for basic credentials over plain http:// (not loopback); "
                                f"refused: {USERNAME_ENV}/{PASSWORD_ENV} are never sent unencrypted, use https://")
            self._use_basic = True
            return
        realm = challenge.params.get("realm", "")
        parts = urllib.parse.urlsplit(realm)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise AuthError(f"{self.shown} sent a Bearer challenge without a usable realm: '{untrusted(realm)}'")
        if "@" in parts.netloc:
            raise AuthError(f"{self.shown} sent a Bearer realm with credentials in it ({display_url(realm)}); refused")
        scope = challenge.params.get("scope") or default_scope
        service = challenge.params.get("service", "")
        provider: TokenProvider = self.tokens
        self._withheld = ""
        if self._has_credentials():
            realm_origin = origin_key(realm)
            if realm_origin not in self.trusted:
                provider = self.anonymous
                self._withheld = (f"no credentials were sent to its token server {display_url(_origin(realm))}: "
                                  "that host is not one of the registries given (--source/--replica/--registry); "
                                  f"if it is your registry's token server, name it with --token-server "
                                  f"{display_url(_origin(realm))}")
            elif not (secure_transport(realm) and secure_transport(self.base_url)):
                provider = self.anonymous
                self._withheld = ("no credentials were sent: the registry or its token server is plain http:// "
                                  "(not loopback); use https://")
        try:
            self._bearer[default_scope] = provider.token(self.http, realm, service, scope, deadline)
        except AuthError as exc:
            if self._withheld:
                raise AuthError(f"{exc}; {self._withheld}") from None
            raise

    def probe(self, image: ImageRef, deadline: Deadline) -> Probe:
        """Ask for the manifest: HEAD first, GET (sha256 of the body) when no digest header."""
        path = f"/v2/{image.repository}/manifests/{image.reference}"
        headers = {"Accept": MANIFEST_ACCEPT, "Accept-Encoding": "identity"}
        resp = self.request("HEAD", path, image.repository, deadline, headers)
        if resp.status_code == 404:
            return Probe(present=False, detail="HTTP 404 manifest unknown")
        if resp.status_code == 200:
            digest = resp.headers.get("Docker-Content-Digest", "").strip()
            if _DIGEST_RE.match(digest):
                return Probe(present=True, digest=digest, media_type=_media_type(resp))
        elif resp.status_code not in (405, 501):
            raise RegistryError(f"{self.shown} answered HTTP {resp.status_code} for {path}")
        return self._probe_get(path, image, deadline, headers)

    def _probe_get(self, path: str, image: ImageRef, deadline: Deadline, headers: dict[str, str]) -> Probe:
        try:
            resp = self.request("GET", path, image.repository, deadline, headers, body_limit=MAX_MANIFEST_BYTES)
        except BodyTooLarge as exc:
            raise RegistryError(f"manifest {image} is over the 4 MiB limit of the OCI distribution spec: {exc}") from None
        if resp.status_code == 404:
            return Probe(present=False, detail=f"HTTP 404 {_error_code(resp) or 'manifest unknown'}")
        if resp.status_code != 200:
            raise RegistryError(f"{self.shown} answered HTTP {resp.status_code} for GET {path}")
        digest = resp.headers.get("Docker-Content-Digest", "").strip()
        if not _DIGEST_RE.match(digest):
            digest = "sha256:" + hashlib.sha256(resp.content).hexdigest()
        return Probe(present=True, digest=digest, media_type=_media_type(resp))


def _media_type(resp: Any) -> Optional[str]:
    value = resp.headers.get("Content-Type", "").split(";")[0].strip()
    if not value:
        return None
    return value if _MEDIA_TYPE_RE.match(value) else untrusted(value, 80)


def _error_code(resp: Any) -> str:
    try:
        errors = resp.json().get("errors") or []
        return untrusted(errors[0].get("code", ""), 80) if errors else ""
    except (ValueError, AttributeError, IndexError, TypeError, UnicodeDecodeError):
        return ""


# --------------------------------------------------------------------------- the gate


def classify(probe: Probe, image: ImageRef, source_digest: str) -> tuple[str, str]:
    """Map one replica's answer to (state, detail)."""
    if not probe.present:
        return STATE_MISSING, probe.detail or "not found"
    if image.is_digest or probe.digest == source_digest:
        return STATE_CURRENT, ""
    return STATE_STALE, f"serves {probe.digest}, expected {source_digest}"


def _check_replica(client: RegistryClient, status: ReplicaStatus, image: ImageRef,
                   source_digest: str, deadline: Deadline) -> None:
    """Ask one replica and update its status; never raises for network trouble."""
    try:
        probe = client.probe(image, deadline)
    except DeadlineError as exc:
        # Cut off by the deadline: keep the last real answer (e.g. "missing"), if any.
        if status.state == STATE_PENDING:
            status.state, status.digest, status.detail = STATE_ERROR, None, str(exc)
        return
    except RegistryError as exc:
        status.state, status.digest, status.detail = STATE_ERROR, None, str(exc)
        return
    except Stopped:
        return
    except Exception as exc:  # a bug must not turn into a crash (exit 1 is "timeout" only)
        status.state, status.digest, status.detail = STATE_ERROR, None, f"internal error: {type(exc).__name__}: {exc}"
        return
    status.state, status.detail = classify(probe, image, source_digest)
    status.digest = source_digest if (probe.present and image.is_digest) else probe.digest


class Reporter:
    """Progress lines on stderr: one per poll round. A broken stderr silences it, nothing more."""

    def __init__(self, err: Optional[TextIO], stopper: Optional[Stopper] = None) -> None:
        self.err = err
        self.stopper = stopper

    def line(self, text: str) -> None:
        if self.err is None or (self.stopper is not None and self.stopper.stopped):
            return
        try:
            self.err.write(f"gate: {safe_text(text)}\n")
            self.err.flush()
        except (OSError, ValueError):
            self.err = None


def wait_for_replicas(plan: GatePlan, clients: dict[str, RegistryClient], source_digest: str,
                      deadline: Deadline, reporter: Reporter,
                      sleep: Optional[Callable[[float], None]] = None,
                      statuses: Optional[list[ReplicaStatus]] = None,
                      stopper: Optional[Stopper] = None) -> tuple[list[ReplicaStatus], int, bool]:
    """Poll every replica once per interval until all are current or the deadline passes.

    Every request of a round is bounded by the deadline itself, so the run ends
    at ``--timeout`` (the last answers are at most one interval old).
    """
    stopper = stopper or Stopper()
    if statuses is None:
        statuses = [ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas]
    rounds = 0
    while True:
        if stopper.stopped:
            raise Stopped()
        pending = [s for s in statuses if s.state != STATE_CURRENT]
        rounds += 1
        threads = [threading.Thread(target=_check_replica, name=f"gate-{s.name}", daemon=True,
                                    args=(clients[s.name], s, plan.image, source_digest, deadline))
                   for s in pending]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline.remaining()) + HARD_STOP_GRACE / 2)
        if stopper.stopped:
            raise Stopped()
        done = sum(s.state == STATE_CURRENT for s in statuses)
        summary = ", ".join(s.describe() for s in statuses)
        reporter.line(f"round {rounds} at {deadline.elapsed():.1f}s: {done}/{len(statuses)} current; {summary}")
        if done == len(statuses):
            return statuses, rounds, True
        left = deadline.remaining()
        if left <= 0:
            return statuses, rounds, False
        if sleep is not None:
            sleep(min(plan.interval, left))
        elif stopper.wait(min(plan.interval, left)):
            raise Stopped()
        if deadline.remaining() <= 0:
            return statuses, rounds, False


def plain_http_warnings(plan: GatePlan) -> list[str]:
    """One warning per plain-http:// registry: its answers (and anything sent to it) are readable in transit."""
    warnings = []
    for endpoint in (plan.source, *plan.replicas):
        if urllib.parse.urlsplit(endpoint.url).scheme != "http":
            continue
        label = "source" if endpoint is plan.source else f"replica {endpoint.name}"
        if is_loopback(endpoint.url):
            note = "loopback only, so credentials may go to it; use https:// for a real registry"
        else:
            note = "answers can be read and forged in transit, and no credentials are sent to it"
        warnings.append(f"{label} {display_url(endpoint.url)} is plain http://: {note}")
    return warnings


def execute(plan: GatePlan, tokens: TokenProvider, basic: Optional[tuple[str, str]],
            err: Optional[TextIO], sleep: Optional[Callable[[float], None]] = None,
            stopper: Optional[Stopper] = None, deadline: Optional[Deadline] = None,
            result: Optional[GateResult] = None) -> GateResult:
    """Resolve the source digest, then wait for every replica. Never raises RegistryError.

    ``result`` (optional) is filled in as the run goes, so the caller can report
    it even if this function is abandoned; ``stopper`` cancels the run (Stopped).
    """
    stopper = stopper or Stopper()
    deadline = deadline or Deadline(plan.timeout)
    reporter = Reporter(err, stopper)
    statuses = [ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas]
    trusted = plan.trusted_origins

    def client(url: str) -> RegistryClient:
        http = Http(plan.retry, stopper=stopper)
        if sleep is not None:
            http.sleep = sleep
        return RegistryClient(url, http, tokens, basic, trusted)

    if result is None:
        result = GateResult(image=str(plan.image), source=plan.source.url, source_digest=None,
                            replicas=statuses, elapsed_seconds=0.0, ok=False, exit_code=EXIT_USAGE)
    else:
        result.replicas = statuses
    result.warnings = plain_http_warnings(plan)
    for warning in result.warnings:
        reporter.line(f"warning: {warning}")
    try:
        probe = client(plan.source.url).probe(plan.image, deadline)
    except DeadlineError as exc:
        result.exit_code = EXIT_TIMEOUT
        result.error = (f"timed out after {plan.timeout:g}s before the source {display_url(plan.source.url)} "
                        f"answered: {exc}")
        result.elapsed_seconds = deadline.elapsed()
        return result
    except RegistryError as exc:
        result.error = f"source {display_url(plan.source.url)} cannot be checked: {exc}"
        result.elapsed_seconds = deadline.elapsed()
        return result
    if not probe.present:
        result.error = (f"image {plan.image} is absent at the source {display_url(plan.source.url)} ({probe.detail}); "
                        "push it there first, or check --image")
        result.elapsed_seconds = deadline.elapsed()
        return result
    source_digest = plan.image.reference if plan.image.is_digest else (probe.digest or "")
    result.source_digest, result.media_type = source_digest, probe.media_type
    reporter.line(f"source {display_url(plan.source.url)} serves {plan.image} as {source_digest} "
                  f"({probe.media_type or 'unknown type'})")
    result.exit_code = EXIT_TIMEOUT  # from here on, an abandoned run is a timeout
    clients = {e.name: client(e.url) for e in plan.replicas}
    statuses, rounds, ok = wait_for_replicas(plan, clients, source_digest, deadline, reporter, sleep,
                                             statuses=statuses, stopper=stopper)
    result.replicas, result.rounds, result.ok = statuses, rounds, ok
    result.exit_code = EXIT_OK if ok else EXIT_TIMEOUT
    result.elapsed_seconds = deadline.elapsed()
    if not ok:
        behind = "; ".join(s.describe() for s in statuses if s.state != STATE_CURRENT)
        result.error = f"timed out after {plan.timeout:g}s waiting for {plan.image} ({source_digest}): {behind}"
    return result


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the gate options to a (sub)parser."""
    parser.description = "Wait until every registry replica serves exactly the image the source serves."
    parser.add_argument("--image", required=True, metavar="REPOSITORY:TAG|REPOSITORY@sha256:DIGEST",
                        help="image to check, without the registry host")
    parser.add_argument("--source", metavar="URL", help="registry the image was pushed to, e.g. https://myacr.azurecr.io")
    parser.add_argument("--replica", action="append", default=[], metavar="NAME=URL",
                        help="a replica endpoint; repeat for several")
    parser.add_argument("--registry", metavar="NAME", nargs="?", const=REGISTRY_FROM_CONFIG,
                        help="ACR name (alone: the config's registry name): source https://NAME.azurecr.io, "
                             "replicas https://NAME.REGION.geo.azurecr.io, Azure AD auth (DefaultAzureCredential)")
    parser.add_argument("--regions", metavar="REGION[,REGION...]",
                        help="replica regions for --registry (default: the config's secondary regions)")
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"config read for --registry defaults (default: {DEFAULT_CONFIG})")
    parser.add_argument("--token-server", action="append", default=[], metavar="URL",
                        help="a Bearer token server on another host that may receive "
                             f"{USERNAME_ENV}/{PASSWORD_ENV} (e.g. https://auth.docker.io); repeat for several. "
                             "Without it, token servers off the registry hosts get anonymous requests")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"hard wall-clock deadline for the whole run (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL, metavar="SECONDS",
                        help=f"seconds between poll rounds, at least {MIN_INTERVAL:g} (default: {DEFAULT_INTERVAL:g})")
    parser.add_argument("--json", action="store_true", help="print one JSON result object on stdout")
    parser.epilog = (f"Basic auth for --source/--replica comes from {USERNAME_ENV} / {PASSWORD_ENV}; it is sent only "
                     "to those hosts (and --token-server ones), never over plain http:// except to loopback. "
                     "Exit codes: 0 all replicas current, 1 timeout (only), 2 usage/source/output error, "
                     "130/143 SIGINT/SIGTERM.")


def basic_credentials(environ: Optional[dict[str, str]] = None) -> Optional[tuple[str, str]]:
    """Read GATE_USERNAME / GATE_PASSWORD; both or neither."""
    env = os.environ if environ is None else environ
    user, password = env.get(USERNAME_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(user) != bool(password):
        missing = PASSWORD_ENV if user else USERNAME_ENV
        raise GateUsageError(f"{USERNAME_ENV} and {PASSWORD_ENV} must be set together; {missing} is empty")
    register_secret(password)
    return (user, password) if user else None


def _config_defaults(config_path: str) -> tuple[str, tuple[str, ...]]:
    try:
        from app.config import load_config
    except ImportError as exc:
        raise GateUsageError(f"cannot read --config {config_path!r}: app.config is unavailable ({exc}); "
                             "pass --regions explicitly") from None
    try:
        config = load_config(config_path)
    except Exception as exc:  # config loaders raise their own user-facing errors
        raise GateUsageError(f"cannot read --config {config_path!r}: {_first_line(exc)}; "
                             "pass --regions explicitly or fix the config") from None
    return str(config.registry_name), tuple(config.secondary_regions)


def _default_azure_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise GateUsageError("--registry needs the azure-identity package (pip install azure-identity)") from None
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def _number(option: str, value: float) -> float:
    if not (value > 0) or value == float("inf"):
        raise GateUsageError(f"{option} must be a positive number of seconds, got {value!r}")
    return value


def build_plan(args: argparse.Namespace) -> tuple[GatePlan, TokenProvider, Optional[tuple[str, str]]]:
    """Validate the parsed options into a plan plus its auth."""
    image = parse_image(args.image)
    timeout = _number("--timeout", args.timeout)
    interval = _number("--interval", args.interval)
    if interval < MIN_INTERVAL:
        raise GateUsageError(f"--interval must be at least {MIN_INTERVAL:g} second, got {interval!r}: "
                             "polling registries faster only adds load and throttling (429)")
    replicas_given = list(getattr(args, "replica", None) or [])
    token_servers_given = list(getattr(args, "token_server", None) or [])
    if getattr(args, "registry", None):
        if args.source or replicas_given:
            raise GateUsageError("--registry derives the endpoints; do not combine it with --source/--replica")
        if token_servers_given:
            raise GateUsageError("--token-server does not apply with --registry: ACR's token endpoints are the "
                                 "registry hosts themselves, and Azure AD tokens go nowhere else")
        registry: str = args.registry
        regions: tuple[str, ...] = ()
        if args.regions:
            regions = tuple(r.strip() for r in args.regions.split(",") if r.strip())
            if not regions:
                raise GateUsageError(f"--regions {args.regions!r} names no region; expected REGION[,REGION...]")
        if registry == REGISTRY_FROM_CONFIG or not regions:
            config_registry, config_regions = _config_defaults(getattr(args, "config", None) or DEFAULT_CONFIG)
            registry = config_registry if registry == REGISTRY_FROM_CONFIG else registry
            regions = regions or config_regions
        source, replicas = acr_endpoints(registry, regions)
        tokens: TokenProvider = AcrAadTokenProvider(_default_azure_credential())
        basic = None
        token_servers: tuple[str, ...] = ()
    else:
        if getattr(args, "regions", None):
            raise GateUsageError("--regions only applies with --registry")
        if not args.source:
            raise GateUsageError("give --source URL with one or more --replica NAME=URL, or --registry NAME")
        if not replicas_given:
            raise GateUsageError("give at least one --replica NAME=URL (or use --registry NAME)")
        source = Endpoint(name="source", url=parse_url("--source", args.source))
        replicas = tuple(parse_replica(r) for r in replicas_given)
        token_servers = tuple(parse_url("--token-server", t) for t in token_servers_given)
        basic = basic_credentials()
        tokens = DistributionTokenProvider(basic)
    names = [r.name for r in replicas]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GateUsageError(f"replica names must be unique; repeated: {', '.join(duplicates)}")
    plan = GatePlan(image=image, source=source, replicas=replicas, timeout=timeout, interval=interval,
                    token_servers=token_servers)
    return plan, tokens, basic


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


class _SignalsRaise:
    """In the main thread: SIGINT / SIGTERM raise _Signalled instead of killing or raising KeyboardInterrupt."""

    def __init__(self) -> None:
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> "_SignalsRaise":
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                current = signal.getsignal(signum)
                if current is signal.SIG_IGN:
                    continue  # e.g. started in the background with SIGINT ignored: keep ignoring it
                self._saved[signum] = current
                signal.signal(signum, self._raise)
            except (ValueError, OSError):
                pass
        return self

    @staticmethod
    def _raise(signum: int, _frame: Any) -> None:
        raise _Signalled(signum)

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self._saved.items():
            try:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
            except (ValueError, OSError):
                pass


def run(args: argparse.Namespace, out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    """Run the gate for parsed arguments; returns the exit code and never raises.

    The gate itself runs in a worker thread; this thread only waits, so SIGINT /
    SIGTERM are handled at once (exit 130 / 143) even while a registry hangs, and
    the result is reported by the deadline even if a worker is stuck.
    """
    output = _Output(out if out is not None else sys.stdout, err if err is not None else sys.stderr)
    as_json = bool(getattr(args, "json", False))
    stopper = Stopper()
    result: Optional[GateResult] = None
    with _SignalsRaise():
        try:
            try:
                plan, tokens, basic = build_plan(args)
            except GateUsageError as exc:
                output.to_err(f"gate: error: {exc}")
                if as_json:
                    output.json(GateResult(image=str(getattr(args, "image", "") or ""),
                                           source=display_url(getattr(args, "source", "") or ""),
                                           source_digest=None, replicas=[], elapsed_seconds=0.0, ok=False,
                                           exit_code=EXIT_USAGE, error=str(exc)).to_json())
                return output.finish(EXIT_USAGE)
            deadline = Deadline(plan.timeout)
            result = GateResult(image=str(plan.image), source=plan.source.url, source_digest=None,
                                replicas=[ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas],
                                elapsed_seconds=0.0, ok=False, exit_code=EXIT_USAGE)
            crash: list[BaseException] = []
            done = threading.Event()

            def work() -> None:
                try:
                    execute(plan, tokens, basic, output.err, stopper=stopper, deadline=deadline, result=result)
                except Stopped:
                    pass
                except Exception as exc:  # never a traceback, never exit 1 for a crash
                    crash.append(exc)
                finally:
                    done.set()

            worker = threading.Thread(target=work, name="gate", daemon=True)
            worker.start()
            while not done.wait(min(0.25, max(0.01, deadline.remaining() + HARD_STOP_GRACE))):
                if deadline.remaining() + HARD_STOP_GRACE <= 0:
                    break
            if not done.is_set():
                stopper.stop()
                result.exit_code = EXIT_TIMEOUT
                result.elapsed_seconds = deadline.elapsed()
                behind = "; ".join(s.describe() for s in result.replicas if s.state != STATE_CURRENT)
                result.error = (f"timed out after {plan.timeout:g}s; a request was still running at the deadline"
                                + (f": {behind}" if behind else ""))
            elif crash:
                exc = crash[0]
                result.exit_code, result.ok = EXIT_USAGE, False
                result.error = f"internal error: {type(exc).__name__}: {_first_line(exc)}"
            _print_result(result, as_json, output)
            return output.finish(result.exit_code)
        except _Signalled as sig:
            stopper.stop()
            output.to_err(f"gate: {'terminated' if sig.signum == signal.SIGTERM else 'interrupted'} by {sig.name}; "
                          "nothing was decided")
            if as_json:
                partial = result or GateResult(image=str(getattr(args, "image", "") or ""), source="",
                                               source_digest=None, replicas=[], elapsed_seconds=0.0, ok=False,
                                               exit_code=sig.exit_code)
                partial.exit_code, partial.ok = sig.exit_code, False
                partial.error = f"{'terminated' if sig.signum == signal.SIGTERM else 'interrupted'} by {sig.name}"
                output.json(partial.to_json())
            return sig.exit_code
