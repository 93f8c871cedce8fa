"""Registry auth: parse a ``WWW-Authenticate`` challenge and get a Bearer token for it.

Example::

    challenge = parse_challenge('Bearer realm="https://auth.example/token",service="registry"')
    challenge.scheme, challenge.params["realm"]      # ('bearer', 'https://auth.example/token')

    tokens = DistributionTokenProvider(("ci", password))   # --source/--replica: the Docker token protocol
    tokens = AcrAadTokenProvider(DefaultAzureCredential())  # --registry: Azure AD -> ACR token exchange
    token = tokens.token(http, realm, service, "repository:fraud/scorer:pull", deadline)

Which provider a challenge gets, and whether credentials go with it, is the
registry client's decision (:meth:`app.gate.registry.RegistryClient._answer`):
a realm off the trusted origins, or reached over plain http:// that is not
loopback, gets an anonymous ``DistributionTokenProvider(None)``. Every token
obtained is registered as a secret, so no printed text carries it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Protocol

from app.gate.model import MAX_TOKEN_BYTES, PASSWORD_ENV, USERNAME_ENV, AuthError, Deadline
from app.gate.origins import _origin
from app.gate.text import display_url, register_secret, untrusted

if TYPE_CHECKING:
    from app.gate.transport import Http, Response

ACR_AAD_SCOPE = "https://containerregistry.azure.net/.default"

_CHALLENGE_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')


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


def _json_body(resp: "Response", shown_url: str) -> dict[str, Any]:
    try:
        body = json.loads(resp.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise AuthError(f"{shown_url} answered with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise AuthError(f"{shown_url} answered with JSON that is not an object")
    return body
