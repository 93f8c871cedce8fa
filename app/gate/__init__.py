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

The package, one idea a module (each imports only the ones above it)::

    app/gate/text.py        what may reach a terminal: secrets masked, userinfo stripped, controls escaped
    app/gate/origins.py     where credentials may go: scheme + host + port, https or loopback
    app/gate/model.py       exit codes, caps, states, errors, the values (ImageRef, GatePlan, GateResult, ...)
    app/gate/watchdog.py    the per-request guard that shuts sockets down at the deadline; Stopper
    app/gate/transport.py   Http: requests with the deadline, capped bodies, deadline-aware retries
    app/gate/auth.py        WWW-Authenticate challenges; Docker token protocol; Azure AD -> ACR exchange
    app/gate/registry.py    the distribution API: manifest HEAD/GET, digests, answering a 401
    app/gate/poll.py        execute(): resolve at the source, poll the replicas round by round
    app/gate/plan.py        the command line -> a validated GatePlan plus credentials
    app/gate/verdict.py     the result on stdout / stderr, and an unwritable stdout
    app/gate/interrupts.py  SIGINT / SIGTERM -> exit 130 / 143
    app/gate/command.py     add_arguments() and run(), what ``main.py gate`` calls

Everything other code used from the single module ``app.gate`` is importable
from here still (``from app.gate import run, add_arguments, GatePlan, ...``).
To monkeypatch a function, patch the module that calls it, e.g.
``app.gate.plan.acr_endpoints``: rebinding the name here changes nothing.
"""

from __future__ import annotations

from app.gate.auth import (
    ACR_AAD_SCOPE,
    AcrAadTokenProvider,
    Challenge,
    DistributionTokenProvider,
    TokenProvider,
    parse_challenge,
)
from app.gate.command import add_arguments, run
from app.gate.model import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    HARD_STOP_GRACE,
    MAX_ERROR_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_TOKEN_BYTES,
    PASSWORD_ENV,
    READ_CHUNK,
    STATE_CURRENT,
    STATE_ERROR,
    STATE_MISSING,
    STATE_PENDING,
    STATE_STALE,
    USERNAME_ENV,
    AuthError,
    BodyTooLarge,
    Deadline,
    DeadlineError,
    Endpoint,
    GatePlan,
    GateResult,
    GateUsageError,
    ImageRef,
    Probe,
    RegistryError,
    ReplicaStatus,
    RetryPolicy,
    Stopped,
)
from app.gate.origins import is_loopback, origin_key, secure_transport
from app.gate.plan import (
    DEFAULT_CONFIG,
    DEFAULT_INTERVAL,
    DEFAULT_TIMEOUT,
    IMAGE_FORMS,
    MIN_INTERVAL,
    REGISTRY_FROM_CONFIG,
    acr_endpoints,
    basic_credentials,
    build_plan,
    parse_image,
    parse_replica,
    parse_url,
)
from app.gate.poll import Reporter, classify, execute, plain_http_warnings, wait_for_replicas
from app.gate.registry import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    MANIFEST_ACCEPT,
    OCI_INDEX,
    OCI_MANIFEST,
    RegistryClient,
)
from app.gate.text import display_url, printable, register_secret, safe_text, strip_userinfo, untrusted
from app.gate.transport import Http, Response, backoff_delay, retry_after_seconds
from app.gate.watchdog import Stopper

__all__ = [
    "ACR_AAD_SCOPE", "AcrAadTokenProvider", "AuthError", "BodyTooLarge", "Challenge", "DEFAULT_CONFIG",
    "DEFAULT_INTERVAL", "DEFAULT_TIMEOUT", "DOCKER_MANIFEST", "DOCKER_MANIFEST_LIST", "Deadline", "DeadlineError",
    "DistributionTokenProvider", "EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED",
    "EXIT_TIMEOUT", "EXIT_USAGE", "Endpoint", "GatePlan", "GateResult", "GateUsageError", "HARD_STOP_GRACE", "Http",
    "IMAGE_FORMS", "ImageRef", "MANIFEST_ACCEPT", "MAX_ERROR_BYTES", "MAX_MANIFEST_BYTES", "MAX_TOKEN_BYTES",
    "MIN_INTERVAL", "OCI_INDEX", "OCI_MANIFEST", "PASSWORD_ENV", "Probe", "READ_CHUNK", "REGISTRY_FROM_CONFIG",
    "RegistryClient", "RegistryError", "ReplicaStatus", "Reporter", "Response", "RetryPolicy", "STATE_CURRENT",
    "STATE_ERROR", "STATE_MISSING", "STATE_PENDING", "STATE_STALE", "Stopped", "Stopper", "TokenProvider",
    "USERNAME_ENV", "acr_endpoints", "add_arguments", "backoff_delay", "basic_credentials", "build_plan",
    "classify", "display_url", "execute", "is_loopback", "origin_key", "parse_challenge", "parse_image",
    "parse_replica", "parse_url", "plain_http_warnings", "printable", "register_secret", "retry_after_seconds",
    "run", "safe_text", "secure_transport", "strip_userinfo", "untrusted", "wait_for_replicas",
]
