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

Exit codes: 0 every replica current; 1 timeout (the output names every replica
not current and what it served); 2 usage error, source unreachable or image
absent at the source (one message on stderr, no traceback).

Every request has a timeout; 429 / 5xx / connection errors are retried with
exponential backoff and jitter (honouring ``Retry-After``); nothing sleeps past
the overall ``--timeout`` deadline.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import email.utils
import hashlib
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional, Protocol, TextIO

EXIT_OK = 0
EXIT_TIMEOUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

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
USERNAME_ENV = "GATE_USERNAME"
PASSWORD_ENV = "GATE_PASSWORD"

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
_CHALLENGE_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')
IMAGE_FORMS = "REPOSITORY:TAG or REPOSITORY@sha256:<64 hex digits> (no registry host)"


# --------------------------------------------------------------------------- errors


class GateUsageError(Exception):
    """The command line cannot be used as given (exit 2)."""


class RegistryError(Exception):
    """A registry could not answer: unreachable, denied, or failing after retries."""


class AuthError(RegistryError):
    """The registry refused our credentials or asked for ones we do not have."""


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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["elapsed_seconds"] = round(self.elapsed_seconds, 3)
        data["replicas"] = {r.name: {k: v for k, v in asdict(r).items() if k != "name"} for r in self.replicas}
        return data


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


class Deadline:
    """A monotonic point in time that requests and sleeps must not pass."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.start = clock()
        self.end = self.start + seconds

    def remaining(self) -> float:
        return self.end - self._clock()

    def elapsed(self) -> float:
        return self._clock() - self.start

    def with_grace(self, grace: float) -> "Deadline":
        """This deadline, or ``grace`` seconds from now if that is later (for one last round)."""
        extended = Deadline(0.0, self._clock)
        extended.start = self.start
        extended.end = max(self.end, self._clock() + grace)
        return extended


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
    """Validate a registry base URL and return it as ``scheme://host[:port]``."""
    parsed = urllib.parse.urlsplit((text or "").strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise GateUsageError(f"{option} {text!r} is not a registry URL; expected http(s)://HOST[:PORT]")
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment or parsed.username:
        raise GateUsageError(
            f"{option} {text!r} must be a bare registry URL http(s)://HOST[:PORT] "
            "(no path, query or credentials; the /v2/ API path is added by the gate)"
        )
    try:
        parsed.port
    except ValueError:
        raise GateUsageError(f"{option} {text!r} has an invalid port; expected http(s)://HOST[:PORT]") from None
    return f"{parsed.scheme}://{parsed.netloc}"


def parse_replica(text: str) -> Endpoint:
    """Parse ``NAME=URL``."""
    name, sep, url = (text or "").partition("=")
    name = name.strip()
    if not sep or not name:
        raise GateUsageError(f"--replica {text!r} must be NAME=URL, e.g. westus=https://myacr.westus.geo.azurecr.io")
    if not _REPLICA_NAME_RE.match(name):
        raise GateUsageError(f"--replica {text!r}: name {name!r} must be letters, digits, '.', '_' or '-' (max 63)")
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
    """The Docker registry token protocol: ``GET realm?service=&scope=``, anonymous or basic."""

    def __init__(self, basic: Optional[tuple[str, str]]) -> None:
        self.basic = basic

    def token(self, http: "Http", realm: str, service: str, scope: str, deadline: Deadline) -> str:
        params = {"scope": scope}
        if service:
            params["service"] = service
        if self.basic:
            params["account"] = self.basic[0]
        resp = http.send("GET", realm, deadline, params=params, auth=self.basic)
        if resp.status_code in (401, 403):
            who = "the credentials in GATE_USERNAME/GATE_PASSWORD" if self.basic else "anonymous access"
            raise AuthError(f"token server {realm} refused {who} (HTTP {resp.status_code})")
        body = _json_body(resp, realm)
        value = body.get("token") or body.get("access_token")
        if not isinstance(value, str) or not value:
            raise AuthError(f"token server {realm} answered without a token")
        return value


class AcrAadTokenProvider:
    """Azure AD -> ACR token exchange for one registry (regional endpoints included).

    Why not ``azure-containerregistry``'s ``ContainerRegistryClient``: it has no
    HEAD / exists call for a manifest (``get_manifest`` downloads, sends ``*/*``
    first in Accept, and raises on 404 instead of reporting it), its AAD->ACR
    exchange lives in private modules (``_exchange_client``) that cannot be
    plugged into another HTTP call, and its pipeline retries on its own policy,
    unaware of the gate's deadline. So the gate keeps one HTTP path for every
    registry and takes from Microsoft's SDK what fits: azure-identity's
    credential for the AAD token. The exchange itself is two form POSTs:
    ``POST /oauth2/exchange`` (grant_type=access_token, service, access_token)
    returns an ACR refresh token, then ``POST <realm>`` (grant_type=refresh_token,
    service, scope, refresh_token) returns an access token for
    ``repository:<repo>:pull``.
    """

    def __init__(self, credential: Any, aad_scope: str = ACR_AAD_SCOPE) -> None:
        self.credential = credential
        self.aad_scope = aad_scope
        self._refresh: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def _aad_token(self) -> str:
        try:
            return str(self.credential.get_token(self.aad_scope).token)
        except Exception as exc:  # azure-identity raises several types; all mean "no AAD token"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AuthError(
                f"could not get an Azure AD token for {self.aad_scope} ({first}); "
                "log in first (azure/login in GitHub Actions, `az login` locally)"
            ) from None

    def _refresh_token(self, http: "Http", realm: str, service: str, deadline: Deadline) -> str:
        origin = _origin(realm)
        with self._lock:
            cached = self._refresh.get((origin, service))
        if cached:
            return cached
        data = {"grant_type": "access_token", "service": service, "access_token": self._aad_token()}
        url = f"{origin}/oauth2/exchange"
        resp = http.send("POST", url, deadline, data=data)
        if resp.status_code != 200:
            raise AuthError(f"ACR token exchange at {url} failed (HTTP {resp.status_code}); "
                            "does the identity have AcrPull on the registry?")
        value = _json_body(resp, url).get("refresh_token")
        if not isinstance(value, str) or not value:
            raise AuthError(f"ACR token exchange at {url} returned no refresh_token")
        with self._lock:
            self._refresh[(origin, service)] = value
        return value

    def token(self, http: "Http", realm: str, service: str, scope: str, deadline: Deadline) -> str:
        refresh = self._refresh_token(http, realm, service, deadline)
        data = {"grant_type": "refresh_token", "service": service, "scope": scope, "refresh_token": refresh}
        resp = http.send("POST", realm, deadline, data=data)
        if resp.status_code != 200:
            with self._lock:
                self._refresh.pop((_origin(realm), service), None)
            raise AuthError(f"ACR access token request at {realm} failed (HTTP {resp.status_code}) for scope {scope}")
        value = _json_body(resp, realm).get("access_token")
        if not isinstance(value, str) or not value:
            raise AuthError(f"ACR token endpoint {realm} returned no access_token")
        return value


# --------------------------------------------------------------------------- http


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json_body(resp: Any, url: str) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        raise AuthError(f"{url} answered with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise AuthError(f"{url} answered with JSON that is not an object")
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


class Http:
    """requests with per-request timeouts and bounded, deadline-aware retries."""

    RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

    def __init__(self, policy: RetryPolicy, rng: Optional[random.Random] = None) -> None:
        import requests  # cheap; kept local so importing app.gate stays light

        self._requests = requests
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "replication-gate/1"
        self.policy = policy
        self.rng = rng or random.Random()
        self.sleep: Callable[[float], None] = time.sleep

    def _timeouts(self, deadline: Deadline) -> tuple[float, float]:
        left = max(0.05, deadline.remaining())
        return (min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left))

    def send(self, method: str, url: str, deadline: Deadline, **kwargs: Any) -> Any:
        """Send one request, retrying 429/5xx/connection errors within the deadline."""
        exc_types = self._requests.exceptions
        last = f"no request to {_origin(url)} made: the deadline had passed"
        made = 0
        for attempt in range(max(1, self.policy.attempts)):
            if deadline.remaining() <= 0:
                break
            made += 1
            retry_after: Optional[float] = None
            try:
                resp = self.session.request(method, url, timeout=self._timeouts(deadline), allow_redirects=True, **kwargs)
            except exc_types.SSLError as exc:
                raise RegistryError(f"TLS error talking to {_origin(url)}: {_first_line(exc)}") from None
            except (exc_types.ConnectionError, exc_types.Timeout) as exc:
                last = f"cannot reach {_origin(url)}: {_connection_reason(exc, exc_types)}"
            except exc_types.RequestException as exc:
                raise RegistryError(f"request to {url} failed: {_first_line(exc)}") from None
            else:
                if resp.status_code not in self.RETRY_STATUS:
                    return resp
                last = f"{_origin(url)} answered HTTP {resp.status_code}"
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
                resp.close()
            if attempt + 1 >= self.policy.attempts:
                break
            delay = retry_after if retry_after is not None else backoff_delay(attempt, self.policy, self.rng)
            if delay >= deadline.remaining():
                why = "Retry-After" if retry_after is not None else "backoff"
                raise RegistryError(f"{last} (gave up after {made} attempt(s): the next retry, "
                                    f"{delay:.1f}s away by {why}, would pass the deadline)")
            self.sleep(delay)
        raise RegistryError(f"{last} (gave up after {made} attempt(s))" if made else last)


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
                           ("Network is unreachable", "network is unreachable")):
        if needle in text:
            return reason
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


class RegistryClient:
    """Docker Registry HTTP API v2 manifest lookups against one registry, with auth."""

    def __init__(self, base_url: str, http: Http, tokens: TokenProvider,
                 basic: Optional[tuple[str, str]] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.tokens = tokens
        self.basic = basic
        self._bearer: dict[str, str] = {}
        self._use_basic = False

    def _authorize(self, scope: str) -> dict[str, str]:
        if scope in self._bearer:
            return {"Authorization": f"Bearer {self._bearer[scope]}"}
        return {}

    def request(self, method: str, path: str, repository: str, deadline: Deadline,
                headers: Optional[dict[str, str]] = None) -> Any:
        """Send a request, answering at most one auth challenge."""
        url = f"{self.base_url}{path}"
        default_scope = f"repository:{repository}:pull"
        hdrs = dict(headers or {})
        for attempt in range(2):
            auth = self.basic if self._use_basic else None
            resp = self.http.send(method, url, deadline, headers={**hdrs, **self._authorize(default_scope)}, auth=auth)
            if resp.status_code != 401:
                if resp.status_code == 403:
                    raise AuthError(f"{self.base_url} denied access to {repository} (HTTP 403)")
                return resp
            challenge = parse_challenge(resp.headers.get("WWW-Authenticate", ""))
            if attempt == 1 or challenge is None:
                raise AuthError(self._refused_message(challenge))
            self._answer(challenge, default_scope, deadline)
        raise AssertionError("unreachable")  # pragma: no cover

    def _refused_message(self, challenge: Optional[Challenge]) -> str:
        if challenge is None:
            return f"{self.base_url} answered 401 without a usable WWW-Authenticate challenge"
        if self.basic:
            return f"{self.base_url} rejected the credentials from {USERNAME_ENV}/{PASSWORD_ENV} (HTTP 401)"
        return f"{self.base_url} requires authentication (HTTP 401); set {USERNAME_ENV} and {PASSWORD_ENV}"

    def _answer(self, challenge: Challenge, default_scope: str, deadline: Deadline) -> None:
        if challenge.scheme == "basic":
            if not self.basic:
                raise AuthError(f"{self.base_url} requires basic authentication; set {USERNAME_ENV} and {PASSWORD_ENV}")
            self._use_basic = True
            return
        realm = challenge.params.get("realm", "")
        if not realm.startswith(("http://", "https://")):
            raise AuthError(f"{self.base_url} sent a Bearer challenge without a usable realm: {realm!r}")
        scope = challenge.params.get("scope") or default_scope
        service = challenge.params.get("service", "")
        self._bearer[default_scope] = self.tokens.token(self.http, realm, service, scope, deadline)

    def probe(self, image: ImageRef, deadline: Deadline) -> Probe:
        """Ask for the manifest: HEAD first, GET (sha256 of the body) when no digest header."""
        path = f"/v2/{image.repository}/manifests/{image.reference}"
        headers = {"Accept": MANIFEST_ACCEPT}
        resp = self.request("HEAD", path, image.repository, deadline, headers)
        if resp.status_code == 404:
            return Probe(present=False, detail="HTTP 404 manifest unknown")
        if resp.status_code == 200:
            digest = resp.headers.get("Docker-Content-Digest", "").strip()
            if _DIGEST_RE.match(digest):
                return Probe(present=True, digest=digest, media_type=_media_type(resp))
        elif resp.status_code not in (405, 501):
            raise RegistryError(f"{self.base_url} answered HTTP {resp.status_code} for {path}")
        return self._probe_get(path, image, deadline, headers)

    def _probe_get(self, path: str, image: ImageRef, deadline: Deadline, headers: dict[str, str]) -> Probe:
        resp = self.request("GET", path, image.repository, deadline, headers)
        if resp.status_code == 404:
            return Probe(present=False, detail=f"HTTP 404 {_error_code(resp) or 'manifest unknown'}")
        if resp.status_code != 200:
            raise RegistryError(f"{self.base_url} answered HTTP {resp.status_code} for GET {path}")
        digest = resp.headers.get("Docker-Content-Digest", "").strip()
        if not _DIGEST_RE.match(digest):
            digest = "sha256:" + hashlib.sha256(resp.content).hexdigest()
        return Probe(present=True, digest=digest, media_type=_media_type(resp))


def _media_type(resp: Any) -> Optional[str]:
    value = resp.headers.get("Content-Type", "")
    return value.split(";")[0].strip() or None


def _error_code(resp: Any) -> str:
    try:
        errors = resp.json().get("errors") or []
        return str(errors[0].get("code", "")) if errors else ""
    except (ValueError, AttributeError, IndexError):
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
    try:
        probe = client.probe(image, deadline)
    except RegistryError as exc:
        status.state, status.digest, status.detail = STATE_ERROR, None, str(exc)
        return
    status.state, status.detail = classify(probe, image, source_digest)
    status.digest = source_digest if (probe.present and image.is_digest) else probe.digest


class Reporter:
    """Progress lines on stderr: one per poll round."""

    def __init__(self, err: TextIO) -> None:
        self.err = err

    def line(self, text: str) -> None:
        print(f"gate: {text}", file=self.err, flush=True)


def wait_for_replicas(plan: GatePlan, clients: dict[str, RegistryClient], source_digest: str,
                      deadline: Deadline, reporter: Reporter,
                      sleep: Callable[[float], None] = time.sleep) -> tuple[list[ReplicaStatus], int, bool]:
    """Poll every replica once per interval until all are current or the deadline passes."""
    statuses = [ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas]
    rounds = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(statuses))) as pool:
        while True:
            pending = [s for s in statuses if s.state != STATE_CURRENT]
            rounds += 1
            # A round that starts at the deadline still gets up to one interval to finish,
            # so the last answer is a real one; it is the only round that can pass the deadline.
            round_deadline = deadline.with_grace(min(plan.interval, plan.retry.read_timeout))
            futures = [pool.submit(_check_replica, clients[s.name], s, plan.image, source_digest, round_deadline)
                       for s in pending]
            concurrent.futures.wait(futures)
            for fut in futures:
                fut.result()
            done = sum(s.state == STATE_CURRENT for s in statuses)
            summary = ", ".join(s.describe() for s in statuses)
            reporter.line(f"round {rounds} at {deadline.elapsed():.1f}s: {done}/{len(statuses)} current; {summary}")
            if done == len(statuses):
                return statuses, rounds, True
            left = deadline.remaining()
            if left <= 0:
                return statuses, rounds, False
            sleep(min(plan.interval, left))


def execute(plan: GatePlan, tokens: TokenProvider, basic: Optional[tuple[str, str]],
            err: TextIO, sleep: Callable[[float], None] = time.sleep) -> GateResult:
    """Resolve the source digest, then wait for every replica. Never raises RegistryError."""
    deadline = Deadline(plan.timeout)
    reporter = Reporter(err)
    statuses = [ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas]

    def client(url: str) -> RegistryClient:
        http = Http(plan.retry)
        http.sleep = sleep
        return RegistryClient(url, http, tokens, basic)

    result = GateResult(image=str(plan.image), source=plan.source.url, source_digest=None,
                        replicas=statuses, elapsed_seconds=0.0, ok=False, exit_code=EXIT_USAGE)
    try:
        probe = client(plan.source.url).probe(plan.image, deadline)
    except RegistryError as exc:
        result.error = f"source {plan.source.url} cannot be checked: {exc}"
        result.elapsed_seconds = deadline.elapsed()
        return result
    if not probe.present:
        result.error = (f"image {plan.image} is absent at the source {plan.source.url} ({probe.detail}); "
                        "push it there first, or check --image")
        result.elapsed_seconds = deadline.elapsed()
        return result
    source_digest = plan.image.reference if plan.image.is_digest else (probe.digest or "")
    result.source_digest, result.media_type = source_digest, probe.media_type
    reporter.line(f"source {plan.source.url} serves {plan.image} as {source_digest} ({probe.media_type or 'unknown type'})")
    clients = {e.name: client(e.url) for e in plan.replicas}
    statuses, rounds, ok = wait_for_replicas(plan, clients, source_digest, deadline, reporter, sleep)
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
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"overall deadline (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL, metavar="SECONDS",
                        help=f"seconds between poll rounds (default: {DEFAULT_INTERVAL:g})")
    parser.add_argument("--json", action="store_true", help="print one JSON result object on stdout")
    parser.epilog = (f"Basic auth for --source/--replica comes from {USERNAME_ENV} / {PASSWORD_ENV}. "
                     "Exit codes: 0 all replicas current, 1 timeout, 2 usage/source error.")


def basic_credentials(environ: Optional[dict[str, str]] = None) -> Optional[tuple[str, str]]:
    """Read GATE_USERNAME / GATE_PASSWORD; both or neither."""
    env = os.environ if environ is None else environ
    user, password = env.get(USERNAME_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(user) != bool(password):
        missing = PASSWORD_ENV if user else USERNAME_ENV
        raise GateUsageError(f"{USERNAME_ENV} and {PASSWORD_ENV} must be set together; {missing} is empty")
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
    replicas_given = list(getattr(args, "replica", None) or [])
    if getattr(args, "registry", None):
        if args.source or replicas_given:
            raise GateUsageError("--registry derives the endpoints; do not combine it with --source/--replica")
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
    else:
        if getattr(args, "regions", None):
            raise GateUsageError("--regions only applies with --registry")
        if not args.source:
            raise GateUsageError("give --source URL with one or more --replica NAME=URL, or --registry NAME")
        if not replicas_given:
            raise GateUsageError("give at least one --replica NAME=URL (or use --registry NAME)")
        source = Endpoint(name="source", url=parse_url("--source", args.source))
        replicas = tuple(parse_replica(r) for r in replicas_given)
        basic = basic_credentials()
        tokens = DistributionTokenProvider(basic)
    names = [r.name for r in replicas]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GateUsageError(f"replica names must be unique; repeated: {', '.join(duplicates)}")
    plan = GatePlan(image=image, source=source, replicas=replicas, timeout=timeout, interval=interval)
    return plan, tokens, basic


def _print_result(result: GateResult, as_json: bool, out: TextIO, err: TextIO) -> None:
    if result.error:
        print(f"gate: error: {result.error}" if result.exit_code == EXIT_USAGE else f"gate: FAILED: {result.error}",
              file=err, flush=True)
    if as_json:
        print(json.dumps(result.to_json(), sort_keys=True), file=out, flush=True)
        return
    if result.exit_code == EXIT_USAGE:
        return
    for status in result.replicas:
        print(f"{status.name}\t{status.state}\t{status.digest or '-'}\t{status.url}", file=out)
    verdict = "OK" if result.ok else "TIMEOUT"
    print(f"{verdict}: {result.image} {result.source_digest} on "
          f"{sum(s.state == STATE_CURRENT for s in result.replicas)}/{len(result.replicas)} replicas "
          f"after {result.elapsed_seconds:.1f}s", file=out, flush=True)


def run(args: argparse.Namespace, out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    """Run the gate for parsed arguments; returns the exit code, never raises for user/network errors."""
    out = out or sys.stdout
    err = err or sys.stderr
    as_json = bool(getattr(args, "json", False))
    try:
        plan, tokens, basic = build_plan(args)
        result = execute(plan, tokens, basic, err)
    except GateUsageError as exc:
        print(f"gate: error: {exc}", file=err, flush=True)
        if as_json:
            failed = GateResult(image=str(getattr(args, "image", "") or ""), source=str(getattr(args, "source", "") or ""),
                                source_digest=None, replicas=[], elapsed_seconds=0.0, ok=False,
                                exit_code=EXIT_USAGE, error=str(exc))
            print(json.dumps(failed.to_json(), sort_keys=True), file=out, flush=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("gate: interrupted", file=err, flush=True)
        return EXIT_INTERRUPTED
    _print_result(result, as_json, out, err)
    return result.exit_code
