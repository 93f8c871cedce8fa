"""The replication gate against hostile and broken servers (issue 14, section 3 and the gate's I/O rule).

Every server here is real and on loopback: ``gate_support.HostileServer`` (a
thread per connection, every loop bounded by its ``limit`` and stopped by the
context manager) scripts realm redirects, slow-loris answers, huge manifests,
control characters and garbage; ``gate_support.fake_registry`` is a minimal
well-behaved registry. The wall-clock figures asserted here (deadline, signal)
are the promises of docs/replication-gate.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import time
from typing import Any

import pytest

import gate_support as gs

from app import gate
from app.gate import plan as gate_plan  # where build_plan looks up acr_endpoints and the Azure credential

IMAGE = "fraud/app:v1"
CREDS = ("deployer", "hunter2-Pa55word")
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (gate.USERNAME_ENV, gate.PASSWORD_ENV, "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                 "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def _parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="main.py")
    sub = root.add_subparsers(dest="command", required=True)
    gate.add_arguments(sub.add_parser("gate"))
    return root


class Outcome:
    def __init__(self, code: int, out: str, err: str, seconds: float) -> None:
        self.code, self.out, self.err, self.seconds = code, out, err, seconds

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.out)

    @property
    def text(self) -> str:
        return self.out + self.err

    def __repr__(self) -> str:
        return f"Outcome(code={self.code}, {self.seconds:.2f}s, out={self.out!r}, err={self.err!r})"


def run_gate(*argv: str) -> Outcome:
    args = _parser().parse_args(["gate", *argv])
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    code = gate.run(args, out=out, err=err)
    return Outcome(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


def use_credentials(monkeypatch: pytest.MonkeyPatch, creds: tuple[str, str] = CREDS) -> None:
    monkeypatch.setenv(gate.USERNAME_ENV, creds[0])
    monkeypatch.setenv(gate.PASSWORD_ENV, creds[1])


def no_traceback(text: str) -> bool:
    return "Traceback" not in text


def missing_registry(conn: gs.HostileConnection) -> None:
    """Every manifest is unknown (404): a replica that never catches up."""
    while (req := conn.read_request()) is not None:
        conn.send(gs.http_response(404, {"Content-Type": "application/json"},
                                   b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', head=req.method == "HEAD"))


def token_granter(token: bytes = b"anonymous-token") -> Any:
    """A token server that hands everyone the same token (and records who asked)."""
    def handler(conn: gs.HostileConnection) -> None:
        while conn.read_request() is not None:
            conn.send(gs.http_response(200, {"Content-Type": "application/json"}, b'{"token": "' + token + b'"}'))
    return handler


def token_refuser(conn: gs.HostileConnection) -> None:
    while conn.read_request() is not None:
        conn.send(gs.http_response(401, {"Content-Type": "application/json"}, b'{"errors":[{"code":"DENIED"}]}'))


def bearer_registry(realm: str, token: str = "anonymous-token") -> Any:
    """A registry that serves TEST_MANIFEST to ``Bearer <token>`` and challenges everyone else to ``realm``."""
    def handler(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            head = req.method == "HEAD"
            if req.headers.get("authorization") != f"Bearer {token}":
                challenge = f'Bearer realm="{realm}",service="hostile",scope="repository:fraud/app:pull"'
                conn.send(gs.http_response(401, {"WWW-Authenticate": challenge}, b"{}", head=head))
                continue
            conn.send(gs.http_response(200, {"Content-Type": gs.OCI_MANIFEST,
                                             "Docker-Content-Digest": gs.TEST_DIGEST}, gs.TEST_MANIFEST, head=head))
    return handler


def _secret_free(server: gs.HostileServer, *secrets: str) -> bool:
    return not any(server.saw(s.encode()) for s in secrets)


# --------------------------------------------------------------------------- credentials stay with the given hosts


def test_bearer_realm_on_another_loopback_port_gets_no_credentials(monkeypatch, tmp_path):
    """The case from the issue: a replica points its realm at another loopback port.

    A ~/.netrc entry for 127.0.0.1 (netrc matches host names, not ports) must not
    leak there either: requests would apply it with trust_env on.
    """
    use_credentials(monkeypatch)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrcuser password netrc-Secret-99\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with gs.HostileServer(token_granter()) as catcher, \
            gs.HostileServer(bearer_registry(f"{catcher.url}/token")) as replica, \
            gs.HostileServer(gs.fake_registry(basic=CREDS)) as source:
        res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                       "--timeout", "10", "--interval", "1", "--json")

        assert res.code == 0, res  # an anonymous token is enough for a public image
        assert res.doc["replicas"]["westus"]["state"] == "current"
        assert source.saw(gs.basic_header(*CREDS).encode()), "the named source did get the credentials"
        assert catcher.requests, "the realm was asked (anonymously)"
        assert all("authorization" not in r.headers for r in catcher.requests)
        assert all("account=" not in r.path for r in catcher.requests)
        assert _secret_free(catcher, CREDS[0], CREDS[1])
        assert not catcher.saw(b"Basic ") and not replica.saw(b"Basic "), "no netrc credentials either"
        assert CREDS[1] not in res.text

        # Named on the command line, the same token server may have them.
        named = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                         "--token-server", catcher.url, "--timeout", "10", "--interval", "1")
        assert named.code == 0, named
        assert catcher.saw(gs.basic_header(*CREDS).encode())


def test_foreign_realm_refusing_anonymous_fails_clearly(monkeypatch):
    use_credentials(monkeypatch)
    with gs.HostileServer(token_refuser) as catcher, \
            gs.HostileServer(bearer_registry(f"{catcher.url}/token")) as source, \
            gs.HostileServer(gs.fake_registry()) as replica:
        res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                       "--timeout", "10", "--interval", "1", "--json")

    assert res.code == 2, res
    assert "refused anonymous access" in res.doc["error"]
    assert f"no credentials were sent to its token server {catcher.url}" in res.doc["error"]
    assert f"--token-server {catcher.url}" in res.doc["error"]
    assert _secret_free(catcher, CREDS[1]) and CREDS[1] not in res.text
    assert no_traceback(res.err)


def test_azure_ad_token_never_goes_to_a_foreign_realm(monkeypatch):
    """--registry: the AAD token is exchanged only at a registry host, never at a realm elsewhere."""
    aad = "aad-secret-token-0123456789"
    credential = gs.FakeAzureCredential(token=aad)
    with gs.HostileServer(token_granter()) as catcher, \
            gs.HostileServer(bearer_registry(f"{catcher.url}/oauth2/token")) as replica, \
            gs.HostileServer(gs.fake_registry()) as source:
        monkeypatch.setattr(gate_plan, "acr_endpoints", lambda n, r: (gate.Endpoint("source", source.url),
                                                                      (gate.Endpoint("westus", replica.url),)))
        monkeypatch.setattr(gate_plan, "_default_azure_credential", lambda: credential)
        res = run_gate("--registry", "crcontosofraud", "--regions", "westus", "--image", IMAGE,
                       "--timeout", "10", "--interval", "1", "--json")

        assert res.code == 0, res
        assert catcher.requests and all(r.method == "GET" for r in catcher.requests), "anonymous token requests only"
        assert not any("/oauth2/exchange" in r.path for r in catcher.requests)
        assert _secret_free(catcher, aad)
        assert credential.scopes == [], "no Azure AD token was even fetched for a foreign realm"


def test_redirect_to_another_port_carries_no_credentials(monkeypatch):
    use_credentials(monkeypatch)
    with gs.HostileServer(gs.fake_registry()) as elsewhere:
        def redirecting(conn: gs.HostileConnection) -> None:
            while (req := conn.read_request()) is not None:
                head = req.method == "HEAD"
                if req.headers.get("authorization") != gs.basic_header(*CREDS):
                    conn.send(gs.http_response(401, {"WWW-Authenticate": 'Basic realm="r"'}, b"{}", head=head))
                else:
                    conn.send(gs.http_response(307, {"Location": f"{elsewhere.url}{req.path}"}, b"", head=head))

        with gs.HostileServer(redirecting) as source, gs.HostileServer(gs.fake_registry()) as replica:
            res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                           "--timeout", "10", "--interval", "1")

        assert res.code == 0, res
        assert elsewhere.requests, "the redirect was followed"
        assert all("authorization" not in r.headers for r in elsewhere.requests)
        assert _secret_free(elsewhere, CREDS[1])


# --------------------------------------------------------------------------- plain http


def _proxy_registry(conn: gs.HostileConnection) -> None:
    """An HTTP proxy that plays every registry behind it (absolute-URI requests):

    ``basic.invalid`` asks for Basic credentials, ``bearer.invalid`` for a Bearer
    token from its own ``/token`` (same origin, so trusted), which it grants anonymously.
    """
    while (req := conn.read_request()) is not None:
        head = req.method == "HEAD"
        auth = req.headers.get("authorization", "")
        if req.path.startswith("http://bearer.invalid:5000/token"):
            conn.send(gs.http_response(200, {"Content-Type": "application/json"}, b'{"token": "anon"}'))
        elif req.path.startswith("http://bearer.invalid:5000/") and auth != "Bearer anon":
            challenge = 'Bearer realm="http://bearer.invalid:5000/token",service="s",scope="repository:fraud/app:pull"'
            conn.send(gs.http_response(401, {"WWW-Authenticate": challenge}, b"{}", head=head))
        elif req.path.startswith("http://basic.invalid:5000/") and not auth:
            conn.send(gs.http_response(401, {"WWW-Authenticate": 'Basic realm="r"'}, b"{}", head=head))
        else:
            conn.send(gs.http_response(200, {"Content-Type": gs.OCI_MANIFEST, "Docker-Content-Digest": gs.TEST_DIGEST},
                                       gs.TEST_MANIFEST, head=head))


def test_no_credentials_over_plain_http_except_loopback(monkeypatch):
    """Non-loopback http:// hosts (reached through a loopback proxy) never see GATE_USERNAME/GATE_PASSWORD."""
    use_credentials(monkeypatch)
    with gs.HostileServer(_proxy_registry) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)

        basic = run_gate("--image", IMAGE, "--source", "http://basic.invalid:5000",
                         "--replica", "westus=http://bearer.invalid:5000", "--timeout", "10", "--interval", "1",
                         "--json")
        assert basic.code == 2, basic
        assert "asks for basic credentials over plain http:// (not loopback); refused" in basic.doc["error"]

        bearer = run_gate("--image", IMAGE, "--source", "http://bearer.invalid:5000",
                          "--replica", "westus=http://bearer.invalid:5000", "--timeout", "10", "--interval", "1",
                          "--json")
        assert bearer.code == 0, bearer  # anonymous tokens still work

        assert any(r.path.startswith("http://basic.invalid:5000/v2/") for r in proxy.requests), "went via the proxy"
        assert any(r.path.startswith("http://bearer.invalid:5000/token") for r in proxy.requests)
        assert not any(r.headers.get("authorization", "").startswith("Basic") for r in proxy.requests)
        assert _secret_free(proxy, CREDS[0], CREDS[1])
        warnings = bearer.doc["warnings"]
        assert any("source http://bearer.invalid:5000 is plain http://" in w and "no credentials are sent" in w
                   for w in warnings), warnings
        assert "gate: warning: replica westus http://bearer.invalid:5000 is plain http://" in bearer.err


def test_plain_http_loopback_replica_gets_a_warning_and_credentials(monkeypatch):
    use_credentials(monkeypatch)
    with gs.HostileServer(gs.fake_registry(basic=CREDS)) as source, \
            gs.HostileServer(gs.fake_registry(basic=CREDS)) as replica:
        res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                       "--timeout", "10", "--interval", "1", "--json")

    assert res.code == 0, res
    assert f"gate: warning: replica westus {replica.url} is plain http://: loopback only" in res.err
    assert len(res.doc["warnings"]) == 2
    assert replica.saw(gs.basic_header(*CREDS).encode())


def test_credential_rules_unit():
    assert gate.origin_key("http://127.0.0.1:5000/token") == gate.origin_key("http://127.0.0.1:5000")
    assert gate.origin_key("http://127.0.0.1:5000") != gate.origin_key("http://127.0.0.1:5001")
    assert gate.origin_key("https://acr.azurecr.io") == gate.origin_key("https://ACR.azurecr.io:443/oauth2/token")
    assert gate.origin_key("http://acr.azurecr.io") != gate.origin_key("https://acr.azurecr.io")
    assert gate.secure_transport("https://registry.example.com")
    assert gate.secure_transport("http://127.0.0.1:5000") and gate.secure_transport("http://[::1]:5000")
    assert gate.secure_transport("http://localhost:5000")
    assert not gate.secure_transport("http://10.0.0.5:5000")
    assert not gate.secure_transport("http://registry.example.com")


# --------------------------------------------------------------------------- no secret in any message


@pytest.mark.parametrize("argv, secret", [
    (["--source", "http://:hunter2pw@127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"], "hunter2pw"),
    (["--source", "http://user:hunter2pw@127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"], "hunter2pw"),
    (["--source", "http://127.0.0.1:1", "--replica", "w=http://:hunter2pw@127.0.0.1:2"], "hunter2pw"),
    (["--source", "http://u:hun/ter2pw@127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"], "ter2pw"),
    (["--source", "http://u:hun?ter2pw@127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"], "ter2pw"),
    (["--source", "https://127.0.0.1:1/?sig=hunter2pw", "--replica", "w=http://127.0.0.1:2"], "hunter2pw"),
    (["--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2", "--token-server",
      "https://:hunter2pw@auth.example"], "hunter2pw"),
])
@pytest.mark.parametrize("as_json", [False, True])
def test_credentials_in_urls_are_refused_and_never_echoed(argv, secret, as_json):
    res = run_gate("--image", IMAGE, *argv, *(["--json"] if as_json else []))
    assert res.code == 2, res
    assert secret not in res.text, res
    assert res.err.startswith("gate: error: ")
    if as_json:
        assert res.doc["exit_code"] == 2 and secret not in json.dumps(res.doc)


def test_password_in_url_refused_in_a_fresh_interpreter():
    """The issue's case, as a pipeline runs it: `http://:PW@host` used to slip through and print PW."""
    proc = gs.gate_subprocess(["--image", IMAGE, "--source", "http://:S3cretPW@127.0.0.1:1",
                               "--replica", "w=http://127.0.0.1:2", "--json"], timeout=30)
    assert proc.returncode == 2, proc
    assert "S3cretPW" not in proc.stdout + proc.stderr
    assert "carries credentials in the URL" in proc.stderr
    assert json.loads(proc.stdout)["source"] == "http://***@127.0.0.1:1"


def test_secrets_reflected_by_a_registry_are_masked(monkeypatch):
    """A registry that echoes the password (in a realm's userinfo, in an error code) never gets it printed."""
    password = "reflected-Secret-77"
    use_credentials(monkeypatch, ("deployer", password))

    def reflecting(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            if req.method == "HEAD":
                conn.send(gs.http_response(405, {}, b"", head=True))
            else:
                body = json.dumps({"errors": [{"code": f"{password}\x1b[31m"}]}).encode()
                conn.send(gs.http_response(404, {"Content-Type": "application/json"}, body))

    with gs.HostileServer(gs.fake_registry(basic=("deployer", password))) as source, \
            gs.HostileServer(bearer_registry(f"http://deployer:{password}@127.0.0.1:1/token")) as realm_leak, \
            gs.HostileServer(reflecting) as code_leak:
        for as_json in ([], ["--json"]):
            res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"a={realm_leak.url}",
                           "--replica", f"b={code_leak.url}", "--timeout", "1.5", "--interval", "1", *as_json)
            assert res.code == 1, res
            assert password not in res.text, res
            assert "HTTP 404 ***" in res.text
            assert "Bearer realm with credentials in it (http://***@127.0.0.1:1/token)" in res.text


# --------------------------------------------------------------------------- --timeout is a hard deadline


def _drip_headers(conn: gs.HostileConnection) -> None:
    if conn.read_request() is not None:
        conn.drip(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n", every=1.0)


def test_timeout_is_hard_against_one_byte_per_second_headers():
    """--timeout 5 against a source sending one header byte a second: a timeout (exit 1) in about 5 s."""
    with gs.HostileServer(_drip_headers, limit=30) as source, gs.HostileServer(gs.fake_registry()) as replica:
        start = time.monotonic()
        proc = gs.gate_subprocess(["--image", IMAGE, "--source", source.url, "--replica", f"w={replica.url}",
                                   "--timeout", "5", "--interval", "1", "--json"], timeout=60)
        wall = time.monotonic() - start
        dripped = source.bytes_sent

    print(f"\n--timeout 5 vs 1 byte/s headers: exit {proc.returncode} after {wall:.2f}s wall, {dripped} bytes dripped")
    assert proc.returncode == 1, proc
    assert 5.0 <= wall < 6.5, wall
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == 1 and "before the source" in doc["error"] and "before the deadline" in doc["error"]
    assert no_traceback(proc.stderr)


def test_timeout_is_hard_against_one_byte_per_second_body():
    """A replica that answers HEAD without a digest and then drips the manifest body."""
    def dripping_body(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            if req.method == "HEAD":
                conn.send(gs.http_response(200, {"Content-Type": gs.OCI_MANIFEST}, b"x" * 1000, head=True))
            else:
                conn.send(gs.http_response(200, {"Content-Type": gs.OCI_MANIFEST, "Content-Length": "1000"}, b"", ))
                conn.drip(b"x" * 1000, every=1.0)

    with gs.HostileServer(gs.fake_registry()) as source, gs.HostileServer(dripping_body, limit=30) as replica:
        res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                       "--timeout", "3", "--interval", "1", "--json")

    print(f"\n--timeout 3 vs 1 byte/s body: exit {res.code} after {res.seconds:.2f}s")
    assert res.code == 1, res
    assert 3.0 <= res.seconds < 4.0, res
    assert res.doc["replicas"]["westus"]["state"] == "error"
    assert "before the deadline" in res.doc["replicas"]["westus"]["detail"]


def test_timeout_is_hard_over_tls(tmp_path, monkeypatch):
    """https: a working TLS source, a replica that stalls the handshake, one that drips headers over TLS."""
    cert, key = gs.make_tls_cert(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))

    def stall(conn: gs.HostileConnection) -> None:
        conn.hang()

    with gs.HostileServer(gs.fake_registry(), tls=(cert, key)) as source, \
            gs.HostileServer(_drip_headers, tls=(cert, key), limit=30) as dripping, \
            gs.HostileServer(stall, limit=30) as handshake:  # plain TCP: the ClientHello is never answered
        res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"drip={dripping.url}",
                       "--replica", f"handshake=https://127.0.0.1:{handshake.port}",
                       "--timeout", "3", "--interval", "1", "--json")

    print(f"\n--timeout 3 over TLS (drip + stalled handshake): exit {res.code} after {res.seconds:.2f}s")
    assert res.code == 1, res
    assert res.doc["source_digest"] == gs.TEST_DIGEST, "the TLS source was verified and read"
    assert 3.0 <= res.seconds < 4.0, res
    assert {r["state"] for r in res.doc["replicas"].values()} == {"error"}
    assert not res.doc["warnings"], "https endpoints get no plain-http warning"


# --------------------------------------------------------------------------- manifests are capped at 4 MiB


def _huge_manifest(declare: bool, size: int = 100 * 1000 * 1000) -> Any:
    def handler(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            if req.method == "HEAD":  # no digest header: the gate has to GET the body
                conn.send(gs.http_response(200, {"Content-Type": gs.OCI_MANIFEST}, b"", head=True))
                continue
            headers = {"Content-Type": gs.OCI_MANIFEST}
            headers.update({"Content-Length": str(size)} if declare else {"Connection": "close"})
            raw = gs.http_response(200, headers, b"")
            if not declare:  # no length at all: the body runs until the connection closes
                raw = raw.replace(b"Content-Length: 0\r\n", b"")
            conn.send(raw)
            conn.stream(size)
            return
    return handler


@pytest.fixture(scope="module")
def baseline_rss() -> float:
    """The gate's own peak RSS for an ordinary successful run, to compare against."""
    with gs.HostileServer(gs.fake_registry()) as source, gs.HostileServer(gs.fake_registry()) as replica:
        proc, mib = gs.gate_peak_rss(["--image", IMAGE, "--source", source.url, "--replica", f"w={replica.url}",
                                      "--timeout", "10", "--interval", "1"])
    assert proc.returncode == 0, proc
    return mib


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "until-close"])
def test_100mb_manifest_is_refused_without_reading_it(declare, baseline_rss):
    with gs.HostileServer(_huge_manifest(declare), limit=30, sndbuf=64 * 1024) as source, \
            gs.HostileServer(gs.fake_registry()) as replica:
        proc, peak = gs.gate_peak_rss(["--image", IMAGE, "--source", source.url, "--replica", f"w={replica.url}",
                                       "--timeout", "20", "--interval", "1"])
        time.sleep(0.2)  # let the server notice the closed connection
        sent = source.bytes_sent

    print(f"\n100 MB manifest ({'declared' if declare else 'until close'}): exit {proc.returncode}, "
          f"server got {sent / MiB:.2f} MiB out, gate peak RSS {peak:.1f} MiB (ordinary run {baseline_rss:.1f} MiB)")
    assert proc.returncode == 2, proc
    assert "over the 4 MiB limit" in proc.stderr and "cannot be checked" in proc.stderr
    assert sent < 8 * MiB, f"{sent} bytes sent: the body was read far past the cap"
    assert peak - baseline_rss < 12, f"peak RSS {peak:.1f} MiB vs {baseline_rss:.1f} MiB for an ordinary run"
    assert no_traceback(proc.stderr)


def test_manifest_cap_boundary(monkeypatch):
    """Exactly 4 MiB is a manifest; one byte more is refused (a replica error, so a timeout)."""
    at_cap = b"{" + b" " * (4 * MiB - 2) + b"}"
    over = at_cap + b" "
    with gs.HostileServer(gs.fake_registry(at_cap, digest_header=False)) as source, \
            gs.HostileServer(gs.fake_registry(at_cap, digest_header=False)) as same, \
            gs.HostileServer(gs.fake_registry(over, digest_header=False)) as too_big:
        res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"same={same.url}",
                       "--replica", f"big={too_big.url}", "--timeout", "1.5", "--interval", "1", "--json")

    assert res.code == 1, res
    assert res.doc["source_digest"] == gs.sha256_digest(at_cap)
    assert res.doc["replicas"]["same"]["state"] == "current"
    assert res.doc["replicas"]["big"]["state"] == "error"
    assert "over the 4 MiB limit" in res.doc["replicas"]["big"]["detail"]


# --------------------------------------------------------------------------- SIGINT / SIGTERM


def _hang(conn: gs.HostileConnection) -> None:
    if conn.read_request() is not None:
        conn.hang()


@pytest.mark.parametrize("signum, expected", [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGINT"])
def test_signal_ends_the_gate_within_2s_while_a_replica_hangs(signum, expected):
    with gs.HostileServer(gs.fake_registry()) as source, gs.HostileServer(_hang, limit=30) as replica:
        proc = gs.gate_popen(["--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                              "--timeout", "60", "--interval", "1", "--json"])
        try:
            assert replica.seen.wait(15), "the gate never asked the replica"
            time.sleep(0.3)  # now it is blocked reading the replica's answer
            sent_at = time.monotonic()
            proc.send_signal(signum)
            out, err = proc.communicate(timeout=10)
            took = time.monotonic() - sent_at
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    print(f"\n{signal.Signals(signum).name} while a replica hangs: exit {proc.returncode} after {took:.3f}s")
    assert proc.returncode == expected, err
    assert took < 2.0, took
    assert no_traceback(err.decode()), err
    doc = json.loads(out)
    assert doc["exit_code"] == expected and doc["ok"] is False
    assert signal.Signals(signum).name in doc["error"]


def test_interval_below_one_second_is_a_usage_error():
    proc = gs.gate_subprocess(["--image", IMAGE, "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2",
                               "--interval", "0.5"], timeout=30)
    assert proc.returncode == 2, proc
    assert "--interval must be at least 1 second" in proc.stderr
    assert no_traceback(proc.stderr)


# --------------------------------------------------------------------------- control characters


ESCAPES = "\x1b]0;owned\x07\x1b[2J\u202e\x9b"


def _raw_control(text: str) -> bool:
    return any(c in text for c in ("\x1b", "\x07", "\u202e", "\x9b", "\r"))


def test_control_characters_from_a_registry_are_escaped():
    def hostile_source(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            headers = {"Content-Type": "application/vnd.oci.image.manifest.v1+json\x1b[2J",
                       "Docker-Content-Digest": gs.TEST_DIGEST}
            conn.send(gs.http_response(200, headers, gs.TEST_MANIFEST, head=req.method == "HEAD"))

    def hostile_replica(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            if req.method == "HEAD":
                conn.send(gs.http_response(405, {}, b"", head=True))
            else:
                body = json.dumps({"errors": [{"code": ESCAPES}]}).encode()
                conn.send(gs.http_response(404, {"Content-Type": "application/json"}, body))

    def hostile_realm(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            challenge = 'Bearer realm="' + "gopher://x\x1b[2J\x07" + '"'
            conn.send(gs.http_response(401, {"WWW-Authenticate": challenge}, b"{}", head=req.method == "HEAD"))

    with gs.HostileServer(hostile_source) as source, gs.HostileServer(hostile_replica) as replica, \
            gs.HostileServer(hostile_realm) as realm:
        argv = ["--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
                "--replica", f"eu={realm.url}", "--timeout", "1.5", "--interval", "1"]
        text = run_gate(*argv)
        as_json = run_gate(*argv, "--json")
        proc = gs.gate_subprocess(argv + ["--json"], timeout=30)

    for res in (text, as_json):
        assert res.code == 1, res
        assert not _raw_control(res.text), res
        assert "\\x1b]0;owned\\x07\\x1b[2J\\u202e\\x9b" in res.err
        assert "\\x1b[2J" in res.err  # the media type and the realm, escaped
    doc = as_json.doc  # still valid JSON, with the escapes as visible text
    assert doc["media_type"] == "application/vnd.oci.image.manifest.v1+json\\x1b[2J"
    assert "\\x1b]0;owned" in doc["replicas"]["westus"]["detail"]
    assert proc.returncode == 1 and not _raw_control(proc.stdout + proc.stderr)
    assert json.loads(proc.stdout)["replicas"]["eu"]["state"] == "error"


def test_control_characters_from_azure_ad_are_escaped(monkeypatch):
    """An Azure AD / ARM error text is printed escaped too (the ACR realm here is on the source's origin)."""
    class Hostile:
        def get_token(self, *scopes: str, **_: Any) -> Any:
            raise RuntimeError("AADSTS700016\x1b[2J\x1b]0;owned\x07 application not found")

    def acr_source(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            challenge = f'Bearer realm="http://127.0.0.1:{conn.sock.getsockname()[1]}/oauth2/token",service="acr"'
            conn.send(gs.http_response(401, {"WWW-Authenticate": challenge}, b"{}", head=req.method == "HEAD"))

    with gs.HostileServer(acr_source) as source:
        monkeypatch.setattr(gate_plan, "acr_endpoints", lambda n, r: (gate.Endpoint("source", source.url),
                                                                      (gate.Endpoint("westus", "http://127.0.0.1:1"),)))
        monkeypatch.setattr(gate_plan, "_default_azure_credential", lambda: Hostile())
        res = run_gate("--registry", "crcontosofraud", "--regions", "westus", "--image", IMAGE, "--timeout", "5")

    assert res.code == 2, res
    assert "could not get an Azure AD token" in res.err
    assert "AADSTS700016\\x1b[2J\\x1b]0;owned\\x07 application" in res.err
    assert not _raw_control(res.text)


def test_printable_escapes():
    assert gate.printable("ok: sha256:abc") == "ok: sha256:abc"
    assert gate.printable("a\x1b[31mb\x07\n\t\u202e\x9b\u2028") == "a\\x1b[31mb\\x07\\x0a\\x09\\u202e\\x9b\\u2028"
    assert gate.safe_text("see http://u:p@h:1/x") == "see http://h:1/x"


# --------------------------------------------------------------------------- I/O errors are never exit 1


def _args_timing_out(source: gs.HostileServer, replica: gs.HostileServer) -> list[str]:
    return ["--image", IMAGE, "--source", source.url, "--replica", f"westus={replica.url}",
            "--timeout", "1", "--interval", "1"]


def test_closed_stdout_pipe_is_141_not_the_verdict():
    """`gate | head -c0`: the reader is gone; the verdict (a timeout, 1) cannot be delivered.

    Exit 141, what a shell reports for SIGPIPE and what app.output uses for every command.
    """
    with gs.HostileServer(gs.fake_registry()) as source, gs.HostileServer(missing_registry) as replica:
        proc = gs.gate_popen(_args_timing_out(source, replica) + ["--json"])
        proc.stdout.close()  # the reader goes away before the gate writes
        err = proc.stderr.read().decode()
        proc.stderr.close()
        code = proc.wait(timeout=30)

    assert code == 141, err
    assert "could not write the result to stdout (Broken pipe)" in err and "would have been exit 1" in err
    assert no_traceback(err), err


@pytest.mark.parametrize("redirect", ["/dev/full", "closed"])
def test_unwritable_stdout_is_exit_2(redirect):
    with gs.HostileServer(gs.fake_registry()) as source, gs.HostileServer(gs.fake_registry()) as replica:
        args = _args_timing_out(source, replica)
        if redirect == "/dev/full":
            with open("/dev/full", "w") as full:
                proc = gs.gate_popen(args, stdout=full)
                _, err = proc.communicate(timeout=30)
        else:  # stdout closed before the interpreter starts (`gate >&-`)
            proc = gs.gate_popen(args, stdout=None, preexec_fn=lambda: os.close(1))
            _, err = proc.communicate(timeout=30)

    err = err.decode()
    assert proc.returncode == 2, err  # the verdict was 0 (every replica current), but nobody could read it
    assert "could not write the result to stdout" in err and "would have been exit 0" in err
    assert no_traceback(err), err


def test_closed_stderr_still_gives_the_verdict():
    with gs.HostileServer(gs.fake_registry()) as source, gs.HostileServer(gs.fake_registry()) as replica:
        proc = gs.gate_popen(_args_timing_out(source, replica) + ["--json"], stderr=None,
                             preexec_fn=lambda: os.close(2))
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert json.loads(out)["ok"] is True


GARBAGE = {
    "not-http": b"\x00\xff\x1b[2J this is not HTTP\r\n\r\n",
    "header-too-long": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
    "too-many-headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: x/y\r\n\r\nzz\r\nabc\r\n",
    "short-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: x/y\r\n\r\nonly ten b",
    "bad-gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\nnot gzip!!",
}


def _garbage(raw: bytes) -> Any:
    def handler(conn: gs.HostileConnection) -> None:
        while (req := conn.read_request()) is not None:
            if req.method == "HEAD":  # make the gate read a body
                conn.send(gs.http_response(405, {}, b"", head=True))
                continue
            conn.send(raw)
            return
    return handler


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_unreadable_source_answer_is_exit_2_not_a_crash(kind):
    with gs.HostileServer(_garbage(GARBAGE[kind])) as source, gs.HostileServer(gs.fake_registry()) as replica:
        # a deadline far past the gate's bounded retries of a broken answer: the verdict must not depend on how
        # busy the machine is (with 3 s a loaded CI machine ran out of time first and got a timeout, exit 1)
        res = run_gate("--image", IMAGE, "--source", source.url, "--replica", f"w={replica.url}",
                       "--timeout", "30", "--interval", "1", "--json")
    assert res.code == 2, res
    assert res.doc["error"].startswith(f"source {source.url} cannot be checked")
    assert no_traceback(res.err) and not _raw_control(res.text)


def test_unreadable_answer_in_a_fresh_interpreter():
    with gs.HostileServer(_garbage(GARBAGE["not-http"])) as source, gs.HostileServer(gs.fake_registry()) as replica:
        proc = gs.gate_subprocess(["--image", IMAGE, "--source", source.url, "--replica", f"w={replica.url}",
                                   "--timeout", "30", "--interval", "1"], timeout=60)
    assert proc.returncode == 2, proc
    assert "cannot be checked" in proc.stderr and no_traceback(proc.stderr)


def test_an_internal_error_is_exit_2_never_1(monkeypatch):
    """A bug surfacing as an exception is not a verdict: exit 2, one line, no traceback."""
    def broken(self: Any, image: Any, deadline: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(gate.RegistryClient, "probe", broken)
    res = run_gate("--image", IMAGE, "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2",
                   "--timeout", "2", "--interval", "1")
    assert res.code == 2, res
    assert "internal error: ZeroDivisionError: boom" in res.err and no_traceback(res.err)
