"""The OCI distribution protocol as the gate needs it: which manifest digest a registry serves.

Example::

    from app.gate.auth import DistributionTokenProvider
    from app.gate.model import Deadline, ImageRef, RetryPolicy
    from app.gate.registry import RegistryClient
    from app.gate.transport import Http

    client = RegistryClient("https://registry.example.com", Http(RetryPolicy()), DistributionTokenProvider(None))
    probe = client.probe(ImageRef("fraud/scorer", "1.4.2"), Deadline(60))
    probe.present, probe.digest, probe.media_type   # (True, 'sha256:9f86d0...', OCI_INDEX), or present=False on 404

:meth:`RegistryClient.probe` sends ``HEAD /v2/<repo>/manifests/<ref>`` with
``Accept`` for OCI and Docker manifests and indexes and reads
``Docker-Content-Digest``; without that header it sends a ``GET`` for the
manifest (capped at 4 MiB) and hashes the body. :meth:`RegistryClient.request` answers
at most one ``401`` challenge (Basic or Bearer), sending credentials only to a
trusted origin over a secure transport.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from typing import Any, Optional

from app.gate.auth import Challenge, DistributionTokenProvider, TokenProvider, parse_challenge
from app.gate.model import (
    _DIGEST_RE,
    MAX_MANIFEST_BYTES,
    PASSWORD_ENV,
    USERNAME_ENV,
    AuthError,
    BodyTooLarge,
    Deadline,
    ImageRef,
    Probe,
    RegistryError,
)
from app.gate.origins import _origin, origin_key, secure_transport
from app.gate.text import display_url, untrusted
from app.gate.transport import Http, Response

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST])

_MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")


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
