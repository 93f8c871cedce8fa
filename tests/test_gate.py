"""Replication gate against real distribution registries (one process per region).

The images are tiny OCI images built by hand and pushed / replicated with skopeo;
the gate runs in-process through ``gate.run()`` and, for the contract, in a fresh
interpreter (``gate_support.gate_subprocess``). Intervals are the 1 s minimum;
nothing here asserts wall-clock durations (tests/test_gate_hostile.py does).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

import gate_support as gs

from app import gate
from app.gate import plan as gate_plan  # where build_plan looks up acr_endpoints and the Azure credential

FAST = ["--interval", "1"]   # the smallest interval the gate accepts


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gate")


@pytest.fixture(scope="module")
def regions(base: Path) -> Iterator[dict[str, gs.Registry]]:
    """eastus is the home region (source); westus and westus2 are replicas."""
    gs.require_tools(gs.REGISTRY_BIN, gs.SKOPEO_BIN)
    started: dict[str, gs.Registry] = {}
    try:
        for name in ("eastus", "westus", "westus2"):
            started[name] = gs.start_registry(base, name)
        yield started
    finally:
        for registry in started.values():
            registry.stop()


@pytest.fixture
def repo(request: pytest.FixtureRequest) -> str:
    """A repository name unique to the test, so tests sharing registries never collide."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:60]
    return f"fraud/{name}"


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(gate.USERNAME_ENV, raising=False)
    monkeypatch.delenv(gate.PASSWORD_ENV, raising=False)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="main.py")
    sub = root.add_subparsers(dest="command", required=True)
    gate.add_arguments(sub.add_parser("gate"))
    return root


class Outcome:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"Outcome(code={self.code}, out={self.out!r}, err={self.err!r})"


def run_gate(*argv: str) -> Outcome:
    args = parser().parse_args(["gate", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = gate.run(args, out=out, err=err)
    return Outcome(code, out.getvalue(), err.getvalue())


def replica_args(*registries: gs.Registry) -> list[str]:
    args: list[str] = []
    for r in registries:
        args += ["--replica", f"{r.name}={r.url}"]
    return args


def progress_rounds(err: str) -> int:
    return len(re.findall(r"^gate: round \d+ ", err, flags=re.MULTILINE))


# --------------------------------------------------------------------------- happy paths


def test_every_replica_current_exits_0_with_json_shape(regions, base, repo):
    east, west, west2 = regions["eastus"], regions["westus"], regions["westus2"]
    image = gs.build_image(base, "current")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")
    gs.replicate(east, west2, repo, "v1")

    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west, west2),
                   "--timeout", "30", *FAST, "--json")

    assert res.code == 0, res
    doc = res.doc
    assert set(doc) >= {"image", "source", "source_digest", "replicas", "elapsed_seconds", "ok", "exit_code"}
    assert doc["ok"] is True and doc["exit_code"] == 0 and doc["error"] is None
    assert doc["image"] == f"{repo}:v1"
    assert doc["source"] == east.url
    assert doc["source_digest"] == image.digest == gs.registry_digest(east, repo, "v1")
    assert doc["media_type"] == gs.OCI_MANIFEST
    assert isinstance(doc["elapsed_seconds"], (int, float)) and doc["elapsed_seconds"] >= 0
    assert list(doc["replicas"]) == ["westus", "westus2"]
    for name, registry in (("westus", west), ("westus2", west2)):
        assert doc["replicas"][name] == {"url": registry.url, "state": "current",
                                         "digest": image.digest, "detail": ""}
    assert res.out.count("\n") == 1, "--json prints exactly one line on stdout"
    assert progress_rounds(res.err) == doc["rounds"] == 1


def test_replication_completing_while_waiting(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    image = gs.build_image(base, "late")
    gs.push(image, east, repo)
    replication = gs.DelayedReplication(1.0, east, west, repo, "v1")
    replication.start()

    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west),
                   "--timeout", "60", *FAST, "--json")
    replication.join_checked()

    assert res.code == 0, res
    assert res.doc["replicas"]["westus"]["state"] == "current"
    assert res.doc["replicas"]["westus"]["digest"] == image.digest
    assert res.doc["rounds"] >= 2, "the replica was missing at first"
    assert "westus: missing" in res.err
    assert progress_rounds(res.err) == res.doc["rounds"], "one progress line per poll round"


def test_several_replicas_one_lagging(regions, base, repo):
    east, west, west2 = regions["eastus"], regions["westus"], regions["westus2"]
    image = gs.build_image(base, "lagging")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")
    replication = gs.DelayedReplication(1.0, east, west2, repo, "v1")
    replication.start()

    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west, west2),
                   "--timeout", "60", *FAST, "--json")
    replication.join_checked()

    assert res.code == 0, res
    assert {n: r["state"] for n, r in res.doc["replicas"].items()} == {"westus": "current", "westus2": "current"}
    first_round = next(line for line in res.err.splitlines() if line.startswith("gate: round 1 "))
    assert "westus: current" in first_round and "westus2: missing" in first_round


def test_timeout_names_only_the_lagging_replica(regions, base, repo):
    east, west, west2 = regions["eastus"], regions["westus"], regions["westus2"]
    image = gs.build_image(base, "never")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")

    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west, west2),
                   "--timeout", "1", *FAST)

    assert res.code == 1, res
    failed = [line for line in res.err.splitlines() if line.startswith("gate: FAILED")]
    assert len(failed) == 1 and "westus2: missing" in failed[0] and "westus:" not in failed[0]
    assert re.search(r"^westus2\tmissing\t-\t", res.out, flags=re.MULTILINE)
    assert re.search(rf"^westus\tcurrent\t{image.digest}\t", res.out, flags=re.MULTILINE)
    assert "TIMEOUT" in res.out
    assert "Traceback" not in res.err


def test_missing_at_replica_json(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    gs.push(gs.build_image(base, "missing"), east, repo)

    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west),
                   "--timeout", "0.5", *FAST, "--json")

    assert res.code == 1, res
    doc = res.doc
    assert doc["ok"] is False and doc["exit_code"] == 1
    assert doc["replicas"]["westus"]["state"] == "missing"
    assert doc["replicas"]["westus"]["digest"] is None
    assert "404" in doc["replicas"]["westus"]["detail"]
    assert "westus" in doc["error"]


def test_stale_digest_under_same_tag_is_not_done(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    old, new = gs.build_image(base, "stale-old"), gs.build_image(base, "stale-new")
    gs.push(old, west, repo)          # what the replica had from the previous release
    gs.push(new, east, repo)          # the new release under the same tag
    assert old.digest != new.digest

    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west),
                   "--timeout", "0.6", *FAST, "--json")

    assert res.code == 1, res
    replica = res.doc["replicas"]["westus"]
    assert replica["state"] == "stale"
    assert replica["digest"] == old.digest
    assert res.doc["source_digest"] == new.digest
    assert f"westus: stale (serves {old.digest})" in res.err

    gs.replicate(east, west, repo, "v1")   # replication catches up: now the gate opens
    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west),
                   "--timeout", "10", *FAST, "--json")
    assert res.code == 0, res
    assert res.doc["replicas"]["westus"]["digest"] == new.digest


def test_digest_reference(regions, base, repo):
    east, west, west2 = regions["eastus"], regions["westus"], regions["westus2"]
    image, other = gs.build_image(base, "by-digest"), gs.build_image(base, "by-digest-other")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")
    gs.push(other, west2, repo)       # westus2 has the tag, but not this digest

    ok = run_gate("--image", f"{repo}@{image.digest}", "--source", east.url, *replica_args(west),
                  "--timeout", "10", *FAST, "--json")
    assert ok.code == 0, ok
    assert ok.doc["image"] == f"{repo}@{image.digest}"
    assert ok.doc["source_digest"] == image.digest
    assert ok.doc["replicas"]["westus"] == {"url": west.url, "state": "current", "digest": image.digest, "detail": ""}

    lagging = run_gate("--image", f"{repo}@{image.digest}", "--source", east.url, *replica_args(west, west2),
                       "--timeout", "0.5", *FAST, "--json")
    assert lagging.code == 1, lagging
    assert lagging.doc["replicas"]["westus2"]["state"] == "missing"
    assert lagging.doc["replicas"]["westus"]["state"] == "current"


def test_digest_reference_absent_at_source_exits_2(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    gs.push(gs.build_image(base, "digest-absent"), east, repo)
    unknown = "sha256:" + "0" * 64

    res = run_gate("--image", f"{repo}@{unknown}", "--source", east.url, *replica_args(west), "--timeout", "5", *FAST)

    assert res.code == 2, res
    assert "absent at the source" in res.err and unknown in res.err


def test_image_index_is_gated_by_the_index_digest(regions, base, repo):
    east, west, west2 = regions["eastus"], regions["westus"], regions["westus2"]
    index = gs.build_index(base, "multiarch")
    gs.push(index, east, repo)
    gs.replicate(east, west, repo, "v1")
    # westus2 only got one platform's manifest under the tag: not the same image.
    single = gs.build_image(base, "multiarch-single")
    gs.push(single, west2, repo)

    res = run_gate("--image", f"{repo}:v1", "--source", east.url, *replica_args(west, west2),
                   "--timeout", "0.5", *FAST, "--json")

    assert res.code == 1, res
    assert res.doc["source_digest"] == index.digest
    assert index.digest not in index.children
    assert res.doc["media_type"] == gs.OCI_INDEX
    assert res.doc["replicas"]["westus"]["state"] == "current"
    assert res.doc["replicas"]["westus"]["digest"] == index.digest
    assert res.doc["replicas"]["westus2"] == {"url": west2.url, "state": "stale", "digest": single.digest,
                                              "detail": f"serves {single.digest}, expected {index.digest}"}

    by_digest = run_gate("--image", f"{repo}@{index.digest}", "--source", east.url, *replica_args(west),
                         "--timeout", "10", *FAST, "--json")
    assert by_digest.code == 0, by_digest
    assert by_digest.doc["replicas"]["westus"]["digest"] == index.digest


# --------------------------------------------------------------------------- source failures


def test_unreachable_source_exits_2(regions, repo):
    dead = gs.closed_port_url()
    res = run_gate("--image", f"{repo}:v1", "--source", dead, *replica_args(regions["westus"]),
                   "--timeout", "3", *FAST, "--json")

    assert res.code == 2, res
    assert f"source {dead} cannot be checked" in res.err
    assert "cannot reach" in res.err
    assert "Traceback" not in res.err
    assert res.doc["ok"] is False and res.doc["exit_code"] == 2 and res.doc["source_digest"] is None


def test_image_absent_at_source_exits_2(regions, repo):
    res = run_gate("--image", f"{repo}:nope", "--source", regions["eastus"].url, *replica_args(regions["westus"]),
                   "--timeout", "5", *FAST)

    assert res.code == 2, res
    assert f"image {repo}:nope is absent at the source {regions['eastus'].url}" in res.err
    assert res.out == ""


# --------------------------------------------------------------------------- flaky registries


def test_source_5xx_then_recovering(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    image = gs.build_image(base, "flaky-source")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")

    with gs.FlakyProxy(east, fail_first=3, status=503) as proxy:
        res = run_gate("--image", f"{repo}:v1", "--source", proxy.url, *replica_args(west),
                       "--timeout", "30", *FAST, "--json")

    assert res.code == 0, res
    assert res.doc["source_digest"] == image.digest
    statuses = [status for _, _, status in proxy.requests]
    assert statuses[:3] == [503, 503, 503] and statuses[3] == 0, "retried past the failures"


def test_replica_429_with_retry_after_is_honoured(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    image = gs.build_image(base, "throttled")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")
    sleeps: list[float] = []

    def recording_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        import time
        time.sleep(seconds)

    with gs.FlakyProxy(west, fail_first=2, status=429, retry_after="1") as proxy:
        plan = gate.GatePlan(image=gate.parse_image(f"{repo}:v1"), source=gate.Endpoint("source", east.url),
                             replicas=(gate.Endpoint("westus", proxy.url),), timeout=30, interval=0.2)
        result = gate.execute(plan, gate.DistributionTokenProvider(None), None, io.StringIO(), sleep=recording_sleep)

    assert result.exit_code == 0, result
    assert sleeps[:2] == [1.0, 1.0], "Retry-After: 1 was honoured instead of the jittered backoff"
    assert [s for _, _, s in proxy.requests][:2] == [429, 429]


def test_retry_after_beyond_deadline_is_not_slept(regions, base, repo):
    east = regions["eastus"]
    gs.push(gs.build_image(base, "retry-after-long"), east, repo)
    sleeps: list[float] = []

    with gs.FlakyProxy(east, fail_first=100, status=503, retry_after="3600") as proxy:
        plan = gate.GatePlan(image=gate.parse_image(f"{repo}:v1"), source=gate.Endpoint("source", proxy.url),
                             replicas=(gate.Endpoint("westus", regions["westus"].url),), timeout=5, interval=0.2)
        result = gate.execute(plan, gate.DistributionTokenProvider(None), None, io.StringIO(), sleep=sleeps.append)

    assert result.exit_code == 2
    assert sleeps == [], "never sleeps past the deadline"
    assert "503" in result.error and "would pass the deadline" in result.error


def test_replica_failing_throughout_is_reported_as_error(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    gs.push(gs.build_image(base, "replica-down"), east, repo)
    gs.replicate(east, west, repo, "v1")

    with gs.FlakyProxy(west, fail_first=10_000, status=502) as proxy:
        res = run_gate("--image", f"{repo}:v1", "--source", east.url, "--replica", f"westus={proxy.url}",
                       "--timeout", "1", *FAST, "--json")

    assert res.code == 1, res
    assert res.doc["replicas"]["westus"]["state"] == "error"
    assert "502" in res.doc["replicas"]["westus"]["detail"]


def test_missing_digest_header_falls_back_to_sha256_of_body(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    image = gs.build_index(base, "no-header")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")

    with gs.FlakyProxy(east, strip_digest=True) as source, gs.FlakyProxy(west, strip_digest=True) as replica:
        res = run_gate("--image", f"{repo}:v1", "--source", source.url, "--replica", f"westus={replica.url}",
                       "--timeout", "10", *FAST, "--json")

    assert res.code == 0, res
    assert res.doc["source_digest"] == image.digest
    assert ("GET", f"/v2/{repo}/manifests/v1", 0) in source.requests


# --------------------------------------------------------------------------- auth


@pytest.fixture(scope="module")
def basic_registries(base: Path) -> Iterator[tuple[gs.Registry, gs.Registry]]:
    gs.require_tools(gs.REGISTRY_BIN, gs.SKOPEO_BIN)
    creds = ("deployer", "correct horse battery")
    auth_dir = base / "htpasswd-auth"
    auth_dir.mkdir()
    auth = gs.htpasswd_auth(auth_dir, *creds)
    source = gs.start_registry(base, "basic-eastus", auth=auth, creds=creds)
    try:
        replica = gs.start_registry(base, "basic-westus", auth=auth, creds=creds)
    except Exception:
        source.stop()
        raise
    try:
        yield source, replica
    finally:
        source.stop()
        replica.stop()


def test_basic_auth_from_environment(basic_registries, base, repo, monkeypatch):
    source, replica = basic_registries
    image = gs.build_image(base, "basic")
    gs.push(image, source, repo)
    gs.replicate(source, replica, repo, "v1")
    argv = ["--image", f"{repo}:v1", "--source", source.url, "--replica", f"westus={replica.url}",
            "--timeout", "10", *FAST, "--json"]

    anonymous = run_gate(*argv)
    assert anonymous.code == 2, anonymous
    assert "requires basic authentication; set GATE_USERNAME and GATE_PASSWORD" in anonymous.err

    monkeypatch.setenv("GATE_USERNAME", source.creds[0])
    monkeypatch.setenv("GATE_PASSWORD", source.creds[1])
    ok = run_gate(*argv)
    assert ok.code == 0, ok
    assert ok.doc["replicas"]["westus"]["digest"] == image.digest

    monkeypatch.setenv("GATE_PASSWORD", "wrong")
    wrong = run_gate(*argv)
    assert wrong.code == 2, wrong
    assert "rejected the credentials from GATE_USERNAME/GATE_PASSWORD" in wrong.err
    assert "wrong" not in wrong.err + wrong.out, "the password is never echoed"


@pytest.fixture(scope="module")
def token_auth(base: Path) -> Iterator[tuple[gs.TokenServer, gs.Registry, gs.Registry]]:
    """Two registries configured for Bearer token auth, trusting one token server."""
    gs.require_tools(gs.REGISTRY_BIN, gs.SKOPEO_BIN)
    token_dir = base / "token-auth"
    token_dir.mkdir()
    creds = ("tokenuser", "tokenpass")
    issuer = gs.TokenIssuer.create(token_dir)
    with gs.TokenServer(issuer, basic=creds) as server:
        source = gs.start_registry(base, "token-eastus", auth=server.registry_auth(), creds=creds)
        try:
            replica = gs.start_registry(base, "token-westus", auth=server.registry_auth(), creds=creds)
        except Exception:
            source.stop()
            raise
        try:
            yield server, source, replica
        finally:
            source.stop()
            replica.stop()


def test_bearer_token_dance_with_basic_credentials(token_auth, base, repo, monkeypatch):
    server, source, replica = token_auth
    image = gs.build_image(base, "bearer")
    gs.push(image, source, repo)
    gs.replicate(source, replica, repo, "v1")
    argv = ["--image", f"{repo}:v1", "--source", source.url, "--replica", f"westus={replica.url}",
            "--timeout", "10", *FAST, "--json"]

    denied = run_gate(*argv)
    assert denied.code == 2, denied
    assert "refused anonymous access" in denied.err

    monkeypatch.setenv("GATE_USERNAME", "tokenuser")
    monkeypatch.setenv("GATE_PASSWORD", "tokenpass")
    # The token server is on another port: not a host the command line named, so no credentials.
    server.calls.clear()
    unnamed = run_gate(*argv)
    assert unnamed.code == 2, unnamed
    assert f"name it with --token-server {server.url}" in unnamed.err
    assert server.calls and all(call == ("GET", "/oauth2/token", "anonymous") for call in server.calls)
    assert "tokenpass" not in unnamed.err + unnamed.out

    server.calls.clear()
    ok = run_gate(*argv, "--token-server", server.url)
    assert ok.code == 0, ok
    assert ok.doc["replicas"]["westus"]["digest"] == image.digest
    assert server.calls and all(call == ("GET", "/oauth2/token", "basic") for call in server.calls)


@pytest.fixture(scope="module")
def acr_like(base: Path) -> Iterator[tuple[gs.TokenServer, gs.FlakyProxy, gs.Registry, gs.Registry]]:
    """As ACR: the token realm is on the login server's own origin.

    A front on one port routes /v2/ to the source registry and /oauth2/ to the
    token server; both registries name the front's /oauth2/token as their realm.
    """
    gs.require_tools(gs.REGISTRY_BIN, gs.SKOPEO_BIN)
    token_dir = base / "acr-like"
    token_dir.mkdir()
    creds = ("acruser", "acrpass")
    issuer = gs.TokenIssuer.create(token_dir)
    with gs.TokenServer(issuer, basic=creds) as server:
        front = gs.FlakyProxy(None, routes={"/oauth2/": server.port})
        with front:
            auth = server.registry_auth(realm=f"{front.url}/oauth2/token")
            source = gs.start_registry(base, "acr-eastus", auth=auth, creds=creds)
            front.upstream = source
            try:
                replica = gs.start_registry(base, "acr-westus", auth=auth, creds=creds)
            except Exception:
                source.stop()
                raise
            try:
                yield server, front, source, replica
            finally:
                source.stop()
                replica.stop()


def test_acr_aad_exchange_via_registry_option(acr_like, base, repo, monkeypatch):
    """--registry: AAD token -> POST /oauth2/exchange -> POST /oauth2/token -> pull."""
    server, front, source, replica = acr_like
    image = gs.build_image(base, "aad")
    gs.push(image, source, repo)
    gs.replicate(source, replica, repo, "v1")
    credential = gs.FakeAzureCredential()
    derived: list[tuple[str, tuple[str, ...]]] = []

    def local_endpoints(name: str, regions: tuple[str, ...]):
        derived.append((name, regions))
        return gate.Endpoint("source", front.url), (gate.Endpoint(regions[0], replica.url),)

    monkeypatch.setattr(gate_plan, "acr_endpoints", local_endpoints)
    monkeypatch.setattr(gate_plan, "_default_azure_credential", lambda: credential)
    server.calls.clear()

    res = run_gate("--registry", "crcontosofraud", "--regions", "westus", "--image", f"{repo}:v1",
                   "--timeout", "10", *FAST, "--json")

    assert res.code == 0, res
    assert derived == [("crcontosofraud", ("westus",))]
    assert credential.scopes and set(credential.scopes) == {"https://containerregistry.azure.net/.default"}
    assert server.calls[0] == ("POST", "/oauth2/exchange", "access_token")
    assert ("POST", "/oauth2/token", "refresh_token") in server.calls
    assert not any(method == "GET" for method, _, _ in server.calls), "no basic/anonymous token requests"
    assert res.doc["replicas"]["westus"]["state"] == "current"


def test_acr_aad_credential_failure_is_exit_2(acr_like, repo, monkeypatch):
    server, front, source, replica = acr_like

    class NoLogin:
        def get_token(self, *scopes: str, **_: Any) -> Any:
            raise RuntimeError("DefaultAzureCredential failed to retrieve a token\nmore detail")

    monkeypatch.setattr(gate_plan, "acr_endpoints", lambda n, r: (gate.Endpoint("source", front.url),
                                                                  (gate.Endpoint("westus", replica.url),)))
    monkeypatch.setattr(gate_plan, "_default_azure_credential", lambda: NoLogin())
    res = run_gate("--registry", "crcontosofraud", "--regions", "westus", "--image", f"{repo}:v1",
                   "--timeout", "5", *FAST)

    assert res.code == 2, res
    assert "could not get an Azure AD token" in res.err and "az login" in res.err
    assert "Traceback" not in res.err


# --------------------------------------------------------------------------- --registry endpoints


def test_registry_option_derives_regional_endpoints():
    source, replicas = gate.acr_endpoints("CrContosoFraudProd", ("westus", "westeurope"))
    assert source == gate.Endpoint("source", "https://crcontosofraudprod.azurecr.io")
    assert replicas == (gate.Endpoint("westus", "https://crcontosofraudprod.westus.geo.azurecr.io"),
                        gate.Endpoint("westeurope", "https://crcontosofraudprod.westeurope.geo.azurecr.io"))


def test_regions_default_to_config_secondaries(monkeypatch):
    try:
        from app.config import load_config
    except Exception as exc:  # the config module is built separately
        pytest.skip(f"app.config not importable: {exc}")
    config_path = gs.ROOT / "config" / "default.yaml"
    if not config_path.exists():
        pytest.skip("config/default.yaml not present")
    config = load_config(str(config_path))
    monkeypatch.setattr(gate_plan, "_default_azure_credential", lambda: gs.FakeAzureCredential())

    args = parser().parse_args(["gate", "--registry", "--image", "fraud/api:1", "--config", str(config_path)])
    plan, tokens, basic = gate.build_plan(args)

    assert isinstance(tokens, gate.AcrAadTokenProvider) and basic is None
    assert tuple(r.name for r in plan.replicas) == tuple(config.secondary_regions)
    assert plan.source.url == f"https://{config.registry_name.lower()}.azurecr.io"
    assert all(r.url == f"https://{config.registry_name.lower()}.{r.name}.geo.azurecr.io" for r in plan.replicas)


def test_importing_gate_is_cheap():
    code = ("import sys, app.gate; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('azure', 'cdktf', 'constructs', 'jsii', 'requests')]; print(bad); sys.exit(1 if bad else 0)")
    import subprocess
    proc = subprocess.run([sys.executable, "-c", code], cwd=gs.ROOT, capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "PYTHONPATH": str(gs.ROOT)})
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize("argv, expected", [
    (["--image", "fraud/api", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"],
     "has no tag or digest"),
    (["--image", "fraud/api@sha256:abc", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"],
     "digest must be sha256:<64 lowercase hex>"),
    (["--image", "myacr.azurecr.io/fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"],
     "starts with a registry host"),
    (["--image", "Fraud/API:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"],
     "is not valid"),
    (["--image", "fraud/api:1", "--replica", "w=http://127.0.0.1:2"], "give --source URL"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1"], "at least one --replica"),
    (["--image", "fraud/api:1", "--source", "ftp://x", "--replica", "w=http://127.0.0.1:2"],
     "expected http(s)://HOST[:PORT]"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1/v2/", "--replica", "w=http://127.0.0.1:2"],
     "must be a bare registry URL"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "http://127.0.0.1:2"],
     "must be NAME=URL"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://a:1",
      "--replica", "w=http://b:2"], "repeated: w"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2",
      "--timeout", "0"], "--timeout must be a positive number"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2",
      "--interval", "-1"], "--interval must be a positive number"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2",
      "--interval", "0.999"], "--interval must be at least 1 second"),
    (["--image", "fraud/api:1", "--registry", "myacr1", "--regions", "westus", "--token-server", "https://a.b"],
     "--token-server does not apply with --registry"),
    (["--image", "fraud/api:1", "--registry", "myacr1", "--source", "http://127.0.0.1:1"],
     "do not combine it with --source/--replica"),
    (["--image", "fraud/api:1", "--registry", "a-b", "--regions", "westus"], "is not an ACR name"),
    (["--image", "fraud/api:1", "--registry", "myacr1", "--regions", "West US"], "is not an Azure region name"),
    (["--image", "fraud/api:1", "--registry", "myacr1", "--config", "/nonexistent/gate.yaml"],
     "cannot read --config"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2",
      "--regions", "westus"], "--regions only applies with --registry"),
])
def test_usage_errors_exit_2_without_traceback(argv, expected):
    res = run_gate(*argv)
    assert res.code == 2, res
    assert expected in res.err, res.err
    assert res.err.startswith("gate: error: ")
    assert "Traceback" not in res.err


def test_half_set_credentials_are_a_usage_error(monkeypatch):
    monkeypatch.setenv("GATE_USERNAME", "someone")
    res = run_gate("--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2")
    assert res.code == 2
    assert "GATE_USERNAME and GATE_PASSWORD must be set together; GATE_PASSWORD is empty" in res.err


def test_usage_error_with_json_prints_a_json_result():
    res = run_gate("--image", "nope", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2", "--json")
    assert res.code == 2
    assert res.doc["ok"] is False and res.doc["exit_code"] == 2 and "no tag or digest" in res.doc["error"]
    assert res.doc["replicas"] == {} and res.doc["source_digest"] is None and res.doc["image"] == "nope"


# --------------------------------------------------------------------------- pure helpers


def test_challenge_parsing():
    c = gate.parse_challenge('Bearer realm="https://myacr.azurecr.io/oauth2/token",service="myacr.azurecr.io",'
                             'scope="repository:fraud/api:pull,push"')
    assert c == gate.Challenge("bearer", {"realm": "https://myacr.azurecr.io/oauth2/token",
                                          "service": "myacr.azurecr.io", "scope": "repository:fraud/api:pull,push"})
    assert gate.parse_challenge('Basic realm="Registry Realm"') == gate.Challenge("basic", {"realm": "Registry Realm"})
    assert gate.parse_challenge("Negotiate") is None


def test_retry_after_and_backoff_bounds():
    import random
    assert gate.retry_after_seconds("7") == 7.0
    assert gate.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert gate.retry_after_seconds("soon") is None and gate.retry_after_seconds(None) is None
    policy = gate.RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for attempt in range(10):
        ceiling = min(4.0, 0.5 * 2 ** attempt)
        for _ in range(20):
            assert ceiling / 2 <= gate.backoff_delay(attempt, policy, rng) <= ceiling


# --------------------------------------------------------------------------- the command, as a pipeline runs it


def test_subprocess_success_and_json(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    image = gs.build_image(base, "subprocess-ok")
    gs.push(image, east, repo)
    gs.replicate(east, west, repo, "v1")

    proc = gs.gate_subprocess(["--image", f"{repo}:v1", "--source", east.url, "--replica", f"westus={west.url}",
                               "--timeout", "30", *FAST, "--json"])

    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and doc["source_digest"] == image.digest
    assert "gate: round 1 " in proc.stderr


def test_subprocess_timeout_exit_1_names_missing_replica(regions, base, repo):
    east, west = regions["eastus"], regions["westus"]
    gs.push(gs.build_image(base, "subprocess-timeout"), east, repo)

    proc = gs.gate_subprocess(["--image", f"{repo}:v1", "--source", east.url, "--replica", f"westus={west.url}",
                               "--timeout", "0.5", *FAST])

    assert proc.returncode == 1, proc.stderr
    assert "westus: missing" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("argv, expected", [
    (["--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"], "the following arguments are required: --image"),
    (["--image", "fraud/api:1", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2",
      "--timeout", "soon"], "invalid float value"),
    (["--image", "fraud/api", "--source", "http://127.0.0.1:1", "--replica", "w=http://127.0.0.1:2"],
     "has no tag or digest"),
])
def test_subprocess_usage_errors(argv, expected):
    proc = gs.gate_subprocess(argv)
    assert proc.returncode == 2, proc
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr


def test_subprocess_unreachable_source_exit_2():
    dead = gs.closed_port_url()
    proc = gs.gate_subprocess(["--image", "fraud/api:1", "--source", dead, "--replica", "w=http://127.0.0.1:2",
                               "--timeout", "2", *FAST])
    assert proc.returncode == 2, proc
    assert f"source {dead} cannot be checked" in proc.stderr
    assert "Traceback" not in proc.stderr
