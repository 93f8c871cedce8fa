"""Real registries for the replication-gate tests.

Starts CNCF distribution registries (Debian's ``docker-registry``) on loopback
ports, one process per simulated region; builds tiny OCI images by hand and
pushes / "replicates" them with ``skopeo``. Also: a flaky HTTP proxy in front of
a real registry (fails the first N requests, or hides Docker-Content-Digest),
and a token server implementing both the Docker registry token protocol and
ACR's ``/oauth2/exchange`` + ``/oauth2/token`` so Bearer auth runs against a
real registry configured for token auth (the proxy can also front it on the
registry's own origin, as ACR does).

For the hostile cases (tests/test_gate_hostile.py): ``HostileServer``, a raw
loopback HTTP/1.1 server whose answers a test scripts byte by byte (slow-loris
drips, hangs, huge or garbage bodies, foreign realms, control characters), with
every loop bounded and a stop that closes every socket; ``fake_registry``, a
minimal well-behaved registry for it; ``make_tls_cert`` for https on loopback;
``gate_popen`` / ``gate_peak_rss`` to signal the command or measure its own
peak RSS.

Without ``docker-registry`` / ``skopeo`` the tests skip, unless ``CI=true``:
then they fail.
"""

from __future__ import annotations

import atexit
import base64
import datetime
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGISTRY_BIN = "docker-registry"
SKOPEO_BIN = "skopeo"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

# How the subprocess tests invoke the command: the real entry point.
GATE_ENTRY: list[str] = [sys.executable, str(ROOT / "main.py"), "gate"]


def require_tools(*tools: str) -> None:
    """Skip when a tool is missing on a developer machine; fail under CI=true."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    reason = (f"needs {', '.join(missing)} on PATH (apt-get install -y docker-registry skopeo)")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- registries


@dataclass
class Registry:
    """One running distribution registry process."""

    name: str
    port: int
    root: Path
    proc: subprocess.Popen
    log_path: Path
    creds: Optional[tuple[str, str]] = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_registry(base: Path, name: str, auth: Optional[dict[str, Any]] = None,
                   creds: Optional[tuple[str, str]] = None) -> Registry:
    """Start ``docker-registry serve`` with its own config, storage and port."""
    root = base / name
    (root / "data").mkdir(parents=True, exist_ok=True)
    port = free_port()
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}, "delete": {"enabled": True},
                    "maintenance": {"uploadpurging": {"enabled": False}}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": f"gate-test-{name}"},
    }
    if auth:
        config["auth"] = auth
    config_path = root / "config.yml"
    config_path.write_text(json.dumps(config, indent=2))  # JSON is valid YAML
    log_path = root / "registry.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([shutil.which(REGISTRY_BIN) or REGISTRY_BIN, "serve", str(config_path)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    registry = Registry(name=name, port=port, root=root, proc=proc, log_path=log_path, creds=creds)
    _wait_ready(registry)
    return registry


def _wait_ready(registry: Registry, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if registry.proc.poll() is not None:
            raise RuntimeError(f"registry {registry.name} exited: {registry.log_path.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=1)
            conn.request("GET", "/v2/")
            status = conn.getresponse().status
            conn.close()
            if status in (200, 401):
                return
        except OSError:
            pass
        time.sleep(0.05)
    registry.stop()
    raise RuntimeError(f"registry {registry.name} did not answer on {registry.url}")


def htpasswd_auth(base: Path, user: str, password: str) -> dict[str, Any]:
    """An htpasswd auth section (bcrypt, as the registry requires)."""
    import bcrypt

    path = base / "htpasswd"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    path.write_text(f"{user}:{hashed}\n")
    return {"htpasswd": {"realm": "gate-test", "path": str(path)}}


# --------------------------------------------------------------------------- images


@dataclass
class OciImage:
    """An OCI layout on disk holding one tagged image or image index."""

    layout: Path
    tag: str
    digest: str
    media_type: str
    children: list[str] = field(default_factory=list)


def _write_blob(layout: Path, data: bytes) -> tuple[str, int]:
    digest = sha256_digest(data)
    path = layout / "blobs" / "sha256" / digest.split(":", 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return digest, len(data)


def _layer(payload: bytes) -> tuple[bytes, bytes]:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("payload.txt")
        info.size = len(payload)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(payload))
    uncompressed = raw.getvalue()
    return uncompressed, gzip.compress(uncompressed, mtime=0)


def _image_manifest(layout: Path, payload: bytes, arch: str) -> tuple[str, int, bytes]:
    uncompressed, compressed = _layer(payload)
    layer_digest, layer_size = _write_blob(layout, compressed)
    config = json.dumps({"architecture": arch, "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [sha256_digest(uncompressed)]}},
                        sort_keys=True).encode()
    config_digest, config_size = _write_blob(layout, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": OCI_LAYER, "digest": layer_digest, "size": layer_size}],
    }, sort_keys=True).encode()
    digest, size = _write_blob(layout, manifest)
    return digest, size, manifest


def _finish_layout(layout: Path, tag: str, media_type: str, digest: str, size: int) -> None:
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (layout / "index.json").write_text(json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": media_type, "digest": digest, "size": size,
                       "annotations": {"org.opencontainers.image.ref.name": tag}}],
    }))


def build_image(base: Path, label: str, tag: str = "v1") -> OciImage:
    """A single-platform OCI image whose content (and digest) depends on ``label``."""
    layout = base / f"layout-{label}"
    layout.mkdir(parents=True, exist_ok=True)
    digest, size, _ = _image_manifest(layout, f"image {label}\n".encode(), "amd64")
    _finish_layout(layout, tag, OCI_MANIFEST, digest, size)
    return OciImage(layout=layout, tag=tag, digest=digest, media_type=OCI_MANIFEST)


def build_index(base: Path, label: str, tag: str = "v1", arches: tuple[str, ...] = ("amd64", "arm64")) -> OciImage:
    """A multi-arch OCI image index whose children are per-arch image manifests."""
    layout = base / f"layout-index-{label}"
    layout.mkdir(parents=True, exist_ok=True)
    entries, children = [], []
    for arch in arches:
        digest, size, _ = _image_manifest(layout, f"image {label} for {arch}\n".encode(), arch)
        children.append(digest)
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": size,
                        "platform": {"architecture": arch, "os": "linux"}})
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}, sort_keys=True).encode()
    digest, size = _write_blob(layout, index)
    _finish_layout(layout, tag, OCI_INDEX, digest, size)
    return OciImage(layout=layout, tag=tag, digest=digest, media_type=OCI_INDEX, children=children)


# --------------------------------------------------------------------------- skopeo


_POLICY: list[Path] = []


def _policy_file() -> Path:
    """A permissive signature policy of our own: a developer's /etc/containers one may differ."""
    if not _POLICY:
        folder = Path(tempfile.mkdtemp(prefix="gate-test-skopeo-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "policy.json"
        path.write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))
        _POLICY.append(path)
    return _POLICY[0]


def skopeo_copy(src: str, dest: str, src_creds: Optional[tuple[str, str]] = None,
                dest_creds: Optional[tuple[str, str]] = None) -> None:
    """``skopeo copy --all --preserve-digests`` between oci: / docker:// references."""
    cmd = [shutil.which(SKOPEO_BIN) or SKOPEO_BIN, "--policy", str(_policy_file()), "copy", "--all",
           "--preserve-digests", "--retry-times", "2"]
    if src.startswith("docker://"):
        cmd.append("--src-tls-verify=false")
        cmd += ["--src-creds", ":".join(src_creds)] if src_creds else ["--src-no-creds"]
    if dest.startswith("docker://"):
        cmd.append("--dest-tls-verify=false")
        cmd += ["--dest-creds", ":".join(dest_creds)] if dest_creds else ["--dest-no-creds"]
    cmd += [src, dest]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(f"skopeo failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")


def push(image: OciImage, registry: Registry, repository: str, tag: Optional[str] = None) -> None:
    """Push an OCI layout to ``registry/repository:tag``."""
    skopeo_copy(f"oci:{image.layout}:{image.tag}", f"docker://{registry.host}/{repository}:{tag or image.tag}",
                dest_creds=registry.creds)


def replicate(src: Registry, dest: Registry, repository: str, tag: str) -> None:
    """What geo-replication does: copy the tag, digests preserved."""
    skopeo_copy(f"docker://{src.host}/{repository}:{tag}", f"docker://{dest.host}/{repository}:{tag}",
                src_creds=src.creds, dest_creds=dest.creds)


class DelayedReplication(threading.Thread):
    """Replicate after ``delay`` seconds, in the background; ``join()`` re-raises failures."""

    def __init__(self, delay: float, src: Registry, dest: Registry, repository: str, tag: str) -> None:
        super().__init__(daemon=True)
        self.delay, self.args_ = delay, (src, dest, repository, tag)
        self.error: Optional[BaseException] = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            time.sleep(self.delay)
            replicate(*self.args_)
        except BaseException as exc:  # surfaced by join_checked
            self.error = exc
        finally:
            self.done.set()

    def join_checked(self, timeout: float = 120) -> None:
        self.join(timeout)
        if self.error:
            raise self.error


def registry_digest(registry: Registry, repository: str, reference: str) -> Optional[str]:
    """The digest a registry serves for a reference (independent of app.gate), or None on 404."""
    req = urllib.request.Request(f"{registry.url}/v2/{repository}/manifests/{reference}", method="HEAD",
                                 headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
    if registry.creds:
        token = base64.b64encode(":".join(registry.creds).encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.headers.get("Docker-Content-Digest")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


# --------------------------------------------------------------------------- proxy


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FlakyProxy:
    """A reverse proxy in front of a real registry that fails the first ``fail_first`` requests.

    Failures are ``status`` responses (503 by default) with an optional
    ``Retry-After``. ``strip_digest`` removes Docker-Content-Digest from answers,
    as some registries and proxies do.
    """

    def __init__(self, upstream: Optional[Registry], fail_first: int = 0, status: int = 503,
                 retry_after: Optional[str] = None, strip_digest: bool = False,
                 routes: Optional[dict[str, int]] = None) -> None:
        # upstream may be set after construction: the port is bound here, so a registry can be
        # configured with this front's URL (e.g. as its token realm) before it starts.
        self.upstream = upstream
        self.fail_first, self.status, self.retry_after = fail_first, status, retry_after
        self.strip_digest = strip_digest
        self.routes = dict(routes or {})  # path prefix -> loopback port, e.g. {"/oauth2/": token_port}
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FlakyProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                with proxy._lock:
                    index = len(proxy.requests)
                    failing = index < proxy.fail_first
                    proxy.requests.append((self.command, self.path, proxy.status if failing else 0))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if failing:
                    payload = b'{"errors":[{"code":"UNAVAILABLE","message":"injected failure"}]}'
                    self.send_response(proxy.status)
                    if proxy.retry_after is not None:
                        self.send_header("Retry-After", proxy.retry_after)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    return
                port = next((p for prefix, p in proxy.routes.items() if self.path.startswith(prefix)),
                            proxy.upstream.port if proxy.upstream else 0)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for key, value in resp.getheaders():
                    lower = key.lower()
                    if lower in ("connection", "transfer-encoding", "content-length"):
                        continue
                    if proxy.strip_digest and lower == "docker-content-digest":
                        continue
                    self.send_header(key, value)
                length_header = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
                self.send_header("Content-Length", length_header or "0")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler


# --------------------------------------------------------------------------- token auth


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenIssuer:
    """A self-signed RSA key + certificate that the registry trusts for JWT tokens."""

    cert_path: Path
    key: Any
    cert_der: bytes
    issuer: str = "gate-test-issuer"

    @classmethod
    def create(cls, base: Path) -> "TokenIssuer":
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gate-test-token-issuer")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        cert_path = base / "token-issuer.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(cert_path=cert_path, key=key, cert_der=cert.public_bytes(serialization.Encoding.DER))

    def sign(self, service: str, subject: str, scope: str) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        access = []
        for item in scope.split(" "):
            kind, _, rest = item.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind and name:
                access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(self.cert_der).decode()]}
        claims = {"iss": self.issuer, "sub": subject, "aud": service, "iat": now, "nbf": now - 60,
                  "exp": now + 600, "jti": os.urandom(8).hex(), "access": access}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"


class TokenServer:
    """Docker token protocol (GET) plus ACR's AAD exchange (POST), signing real JWTs.

    ``basic`` makes GET require those credentials; ``aad_token`` is the only AAD
    access token /oauth2/exchange accepts. ``calls`` records (method, path, grant).
    """

    SERVICE = "gate-test-registry"

    def __init__(self, issuer: TokenIssuer, basic: Optional[tuple[str, str]] = None,
                 aad_token: str = "aad-token-for-tests") -> None:
        self.issuer, self.basic, self.aad_token = issuer, basic, aad_token
        self.calls: list[tuple[str, str, str]] = []
        self._refresh_tokens: set[str] = set()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def realm(self) -> str:
        return f"{self.url}/oauth2/token"

    def registry_auth(self, realm: Optional[str] = None) -> dict[str, Any]:
        return {"token": {"realm": realm or self.realm, "service": self.SERVICE, "issuer": self.issuer.issuer,
                          "rootcertbundle": str(self.issuer.cert_path)}}

    def __enter__(self) -> "TokenServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type:
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                srv.calls.append(("GET", url.path, "basic" if self.headers.get("Authorization") else "anonymous"))
                if srv.basic:
                    expected = "Basic " + base64.b64encode(":".join(srv.basic).encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        return self._reply(401, {"errors": [{"code": "UNAUTHORIZED"}]})
                scope = " ".join(query.get("scope", []))
                token = srv.issuer.sign(query.get("service", [""])[0], "tester", scope)
                self._reply(200, {"token": token, "expires_in": 600})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
                srv.calls.append(("POST", self.path, form.get("grant_type", "")))
                if self.path == "/oauth2/exchange":
                    if form.get("grant_type") != "access_token" or form.get("access_token") != srv.aad_token \
                            or form.get("service") != srv.SERVICE:
                        return self._reply(401, {"errors": [{"code": "UNAUTHORIZED"}]})
                    refresh = "acr-refresh-" + os.urandom(6).hex()
                    srv._refresh_tokens.add(refresh)
                    return self._reply(200, {"refresh_token": refresh})
                if self.path == "/oauth2/token":
                    if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in srv._refresh_tokens:
                        return self._reply(401, {"errors": [{"code": "UNAUTHORIZED"}]})
                    token = srv.issuer.sign(form.get("service", ""), "aad-user", form.get("scope", ""))
                    return self._reply(200, {"access_token": token})
                self._reply(404, {"errors": [{"code": "NOT_FOUND"}]})

        return Handler


class FakeAzureCredential:
    """Stands in for DefaultAzureCredential: returns a fixed AAD token, records scopes."""

    def __init__(self, token: str = "aad-token-for-tests") -> None:
        self.token, self.scopes = token, []

    def get_token(self, *scopes: str, **_: Any) -> Any:
        self.scopes.extend(scopes)
        return type("AccessToken", (), {"token": self.token, "expires_on": int(time.time()) + 3600})()


# --------------------------------------------------------------------------- running the gate


def gate_subprocess(args: list[str], env: Optional[dict[str, str]] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the gate command in a fresh interpreter, as a pipeline would."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full_env.get("PYTHONPATH", "")]))
    return subprocess.run(GATE_ENTRY + args, cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# --------------------------------------------------------------------------- hostile servers


@dataclass
class SeenRequest:
    """One request as a hostile server read it (header names lowercased)."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: bytes = b""


def http_response(status: int, headers: Optional[dict[str, str]] = None, body: bytes = b"",
                  reason: str = "X", head: bool = False) -> bytes:
    """Raw HTTP/1.1 response bytes; Content-Length is the body's unless given."""
    hdrs = {"Content-Length": str(len(body)), **(headers or {})}
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in hdrs.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body)


class HostileConnection:
    """One accepted client socket; every wait is bounded by the server's limit and stop()."""

    def __init__(self, server: "HostileServer", sock: socket.socket) -> None:
        self.server, self.sock = server, sock
        self._buffer = b""
        self.end = time.monotonic() + server.limit

    @property
    def alive(self) -> bool:
        return not self.server.stopping.is_set() and time.monotonic() < self.end

    def read_request(self) -> Optional[SeenRequest]:
        """The next request on this connection, or None when the client left (or time is up)."""
        while b"\r\n\r\n" not in self._buffer:
            if not self.alive or len(self._buffer) > 65536:
                return None
            try:
                self.sock.settimeout(0.2)
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return None
            if not data:
                return None
            self._buffer += data
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = (lines[0].split(" ") + ["", ""])[:2]
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        while len(self._buffer) < length and self.alive:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            self._buffer += data
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        seen = SeenRequest(method=method, path=path, headers=headers, raw=head + b"\r\n\r\n" + body, body=body)
        with self.server.lock:
            self.server.requests.append(seen)
        self.server.seen.set()
        return seen

    def send(self, data: bytes) -> bool:
        """Send everything; False once the client is gone. Bytes the kernel accepted are counted."""
        view = memoryview(data)
        while view and self.alive:
            try:
                self.sock.settimeout(0.5)
                sent = self.sock.send(view)
            except socket.timeout:
                continue
            except OSError:
                return False
            with self.server.lock:
                self.server.bytes_sent += sent
            view = view[sent:]
        return not view

    def drip(self, data: bytes, every: float = 1.0) -> bool:
        """One byte per ``every`` seconds (a slow-loris server); False once the client is gone."""
        for i in range(len(data)):
            if not self.alive or not self.send(data[i:i + 1]):
                return False
            self.server.stopping.wait(every)
        return True

    def stream(self, total: int, chunk: int = 256 * 1024) -> int:
        """Send ``total`` bytes of filler, stopping when the client leaves; returns bytes accepted."""
        block = b"{" + b" " * (chunk - 1)
        start = self.server.bytes_sent
        left = total
        while left > 0 and self.alive:
            piece = block[: min(chunk, left)]
            if not self.send(piece):
                break
            left -= len(piece)
        return self.server.bytes_sent - start

    def hang(self) -> None:
        """Say nothing until the client leaves, the server stops, or the limit passes."""
        while self.alive:
            try:
                self.sock.settimeout(0.2)
                if self.sock.recv(65536) == b"":
                    return
            except socket.timeout:
                continue
            except OSError:
                return


class HostileServer:
    """A loopback TCP server speaking just enough HTTP/1.1 for a test to script hostile answers.

    ``handler(conn)`` runs once per accepted connection, in a daemon thread, with a
    :class:`HostileConnection`. Every loop in it is bounded by ``limit`` seconds
    and by :meth:`stop` (the context manager's exit), which also closes every
    client socket, so a test can never hang on it. ``tls=(cert, key)`` serves https.
    """

    def __init__(self, handler: Callable[[HostileConnection], None], limit: float = 20.0,
                 tls: Optional[tuple[Path, Path]] = None, sndbuf: Optional[int] = None) -> None:
        self.handler, self.limit = handler, limit
        self.requests: list[SeenRequest] = []
        self.bytes_sent = 0
        self.lock = threading.Lock()
        self.seen = threading.Event()
        self.stopping = threading.Event()
        self._clients: list[socket.socket] = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.sndbuf = sndbuf
        self.context: Optional[Any] = None
        if tls:
            import ssl

            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(str(tls[0]), str(tls[1]))
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.context else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> "HostileServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        with self.lock:
            clients = list(self._clients)
        for sock in clients:
            try:
                sock.close()
            except OSError:
                pass
        self.listener.close()

    def _serve(self) -> None:
        end = time.monotonic() + self.limit + 5
        while not self.stopping.is_set() and time.monotonic() < end:
            try:
                sock, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            if self.sndbuf:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.sndbuf)
            with self.lock:
                self._clients.append(sock)
            threading.Thread(target=self._run, args=(sock,), daemon=True).start()

    def _run(self, sock: socket.socket) -> None:
        try:
            if self.context is not None:
                sock.settimeout(self.limit)
                sock = self.context.wrap_socket(sock, server_side=True)
                with self.lock:
                    self._clients.append(sock)
            self.handler(HostileConnection(self, sock))
        except OSError:
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def saw(self, needle: bytes) -> bool:
        """Whether any request this server read contains ``needle`` (headers or body)."""
        with self.lock:
            return any(needle in r.raw for r in self.requests)


TEST_MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                            "config": {"mediaType": OCI_CONFIG, "digest": "sha256:" + "1" * 64, "size": 2},
                            "layers": []}, sort_keys=True).encode()
TEST_DIGEST = sha256_digest(TEST_MANIFEST)


def basic_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def fake_registry(manifest: bytes = TEST_MANIFEST, basic: Optional[tuple[str, str]] = None,
                  digest_header: bool = True) -> Callable[[HostileConnection], None]:
    """A minimal well-behaved registry: every manifest reference serves ``manifest``.

    With ``basic``, requests without those credentials get ``401`` and a Basic challenge.
    """
    def handler(conn: HostileConnection) -> None:
        while True:
            req = conn.read_request()
            if req is None:
                return
            head = req.method == "HEAD"
            if basic and req.headers.get("authorization") != basic_header(*basic):
                conn.send(http_response(401, {"WWW-Authenticate": 'Basic realm="fake"'}, b"{}", head=head))
                continue
            if "/manifests/" not in req.path:
                conn.send(http_response(404, {"Content-Type": "application/json"},
                                        b'{"errors":[{"code":"NOT_FOUND"}]}', head=head))
                continue
            headers = {"Content-Type": OCI_MANIFEST}
            if digest_header:
                headers["Docker-Content-Digest"] = sha256_digest(manifest)
            conn.send(http_response(200, headers, manifest, head=head))
    return handler


def make_tls_cert(base: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (IP SAN) and its key, as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = base / "tls-cert.pem", base / "tls-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def gate_popen(args: list[str], env: Optional[dict[str, str]] = None, **kwargs: Any) -> subprocess.Popen:
    """Start the gate command in a fresh interpreter without waiting (for signals and broken pipes)."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full_env.get("PYTHONPATH", "")]))
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(GATE_ENTRY + args, cwd=ROOT, env=full_env, stdin=subprocess.DEVNULL, **kwargs)


_PEAK_RSS_CODE = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from app.cli import main; code = main(['gate', *sys.argv[1:]]); "
    "hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')][0].split()[1]; "
    "print(f'gate-peak-rss-kib={hwm}', file=sys.stderr); raise SystemExit(code)"
)


def gate_peak_rss(args: list[str], timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    """Run the gate command in a fresh interpreter and return it with its own peak RSS in MiB.

    VmHWM belongs to the process's own address space (reset at exec), unlike
    ru_maxrss, which for a child forked from pytest counts pytest's RSS too.
    """
    proc = subprocess.run([sys.executable, "-c", _PEAK_RSS_CODE, str(ROOT), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    marker = proc.stderr.rsplit("gate-peak-rss-kib=", 1)
    if len(marker) != 2:
        raise AssertionError(f"no peak RSS reported: {proc.stderr}")
    return proc, int(marker[1].split()[0]) / 1024
