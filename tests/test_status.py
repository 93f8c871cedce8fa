"""``python main.py status`` against recorded ARM responses, through the SDKs' real pipelines.

The recordings (tests/recordings/status/*.json, see the README there) hold ARM
response bodies shaped like the REST API's own examples. A requests adapter
mounted into azure-core's RequestsTransport serves them by method and path, so
every request goes through the management SDKs' serialization, policies
(authentication, retries, the read-only guard) and deserialization; only the
socket is replaced. The adapter also records what was asked: methods, query
(api-version), timeouts and the Authorization header.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import yaml
from urllib3.response import HTTPResponse

from app import cli, status
from app.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT / "tests" / "recordings" / "status"
DEFAULT_CONFIG = ROOT / "config" / "default.yaml"
SUB = "8f3c2a1e-5b7d-4c9a-a1e2-3d4f5a6b7c8d"
NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)
TOKEN = "recorded-token"

HEALTHY = ["hub-eastus", "hub-westus", "registry", "replication-westus", "storage-data", "traffic-manager"]


# --------------------------------------------------------------------------- the recorded ARM


def load(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / f"{name}.json").read_text())


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    timeout: Any
    authorization: str


class RecordedArm(requests.adapters.HTTPAdapter):
    """Answers from recordings by (method, path); records every request it sees.

    ``fail``: path fragment -> exception to raise instead (a dropped connection, a bug);
    ``hold``: path fragment -> an Event to wait on (an answer that never comes in time);
    ``fallback``: the recording served for any path not recorded (else a 404 ARM error).
    """

    def __init__(self, names: list[str], *, fail: dict[str, BaseException] | None = None,
                 hold: dict[str, threading.Event] | None = None, fallback: str | None = None) -> None:
        super().__init__()
        self.routes: dict[tuple[str, str], dict[str, Any]] = {}
        for name in names:
            rec = load(name)
            self.routes[(rec["request"]["method"], rec["request"]["path"].lower())] = rec
        self.fail = fail or {}
        self.hold = hold or {}
        self.fallback = load(fallback) if fallback else None
        self.calls: list[Call] = []
        self.mismatches: list[str] = []
        self.unmatched: list[str] = []
        self._lock = threading.Lock()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: D102
        url = urlsplit(request.url)
        query = dict(parse_qsl(url.query))
        with self._lock:
            self.calls.append(Call(request.method, url.path, query, timeout, request.headers.get("Authorization", "")))
        for fragment, exc in self.fail.items():
            if fragment.lower() in url.path.lower():
                raise exc
        for fragment, event in self.hold.items():
            if fragment.lower() in url.path.lower():
                event.wait(10)
        rec = self.routes.get((request.method, url.path.lower()))
        if rec is None and self.fallback is not None:
            rec = self.fallback
        if rec is None:
            self.unmatched.append(f"{request.method} {url.path}")
            return self._respond(request, 404, {"Content-Type": "application/json; charset=utf-8"},
                                 {"error": {"code": "NotRecorded", "message": f"no recording for {url.path}"}})
        for key, value in rec["request"]["query"].items():
            if value != "*" and query.get(key) != value:
                self.mismatches.append(f"{url.path}: {key}={query.get(key)!r}, recorded {value!r}")
        resp = rec["response"]
        return self._respond(request, resp["status"], resp["headers"], resp["body"])

    def _respond(self, request, status_code: int, headers: dict[str, str], body: Any):
        data = json.dumps(body).encode()
        raw = HTTPResponse(body=io.BytesIO(data), headers={**headers, "Content-Length": str(len(data))},
                           status=status_code, preload_content=False, decode_content=False,
                           reason=requests.status_codes._codes.get(status_code, ("",))[0].upper())
        return self.build_response(request, raw)


class StaticToken:
    """A TokenCredential that hands out one static token and counts how often it was asked."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error
        self.requests: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any):
        from azure.core.credentials import AccessToken

        self.requests.append(scopes)
        if self.error is not None:
            raise self.error
        return AccessToken(TOKEN, int(time.time()) + 3600)


@dataclass
class Result:
    code: int
    out: str
    err: str
    arm: RecordedArm
    credential: StaticToken

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.out)


def transport_for(arm: RecordedArm) -> Any:
    from azure.core.pipeline.transport import RequestsTransport

    session = requests.Session()
    session.mount("https://", arm)
    session.mount("http://", arm)
    return RequestsTransport(session=session, session_owner=False)


def run_status(names: list[str], *argv: str, subscription: str | None = SUB, environ: dict | None = None,
               credential: StaticToken | None = None, **arm_options: Any) -> Result:
    arm = RecordedArm(names, **arm_options)
    credential = credential or StaticToken()
    args = ["status", *(["--subscription", subscription] if subscription else []), *argv]
    if "--config" not in argv:
        args += ["--config", str(DEFAULT_CONFIG)]
    parsed = cli.build_parser().parse_args(args)
    out, err = io.StringIO(), io.StringIO()
    code = status.run(parsed, credential=credential, transport=transport_for(arm), now=NOW,
                      environ={} if environ is None else environ, out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue(), arm, credential)


def replace(names: list[str], old: str, new: str) -> list[str]:
    assert old in names
    return [new if n == old else n for n in names]


def config_copy(tmp_path: Path, **changes: Any) -> Path:
    """The default config with top-level keys changed (None removes the key)."""
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(status, "RETRY_BACKOFF", 0.0)


def assert_clean(r: Result) -> None:
    """Read-only, bounded, authenticated requests at the recorded api-versions; no traceback."""
    assert r.arm.calls, "no request reached the recorded ARM"
    assert {c.method for c in r.arm.calls} == {"GET"}
    assert all(c.timeout == (status.CONNECT_TIMEOUT, status.READ_TIMEOUT) for c in r.arm.calls)
    assert all(c.authorization == f"Bearer {TOKEN}" for c in r.arm.calls)
    assert not r.arm.mismatches, r.arm.mismatches
    assert not r.arm.unmatched, r.arm.unmatched
    assert "Traceback" not in r.err and "Traceback" not in r.out


# --------------------------------------------------------------------------- healthy


def test_all_healthy_exits_0_with_the_table():
    r = run_status(HEALTHY)
    assert r.code == EXIT_OK, r.out + r.err
    assert_clean(r)
    lines = r.out.splitlines()
    header = next(ln for ln in lines if ln.startswith("REGION"))
    assert header.split() == ["REGION", "ROLE", "HUB", "REGISTRY", "TRAFFIC", "MANAGER", "ENDPOINT"]
    eastus = next(ln for ln in lines if ln.startswith("eastus"))
    westus = next(ln for ln in lines if ln.startswith("westus"))
    assert "primary, active" in eastus and "OK Succeeded" in eastus and "OK home Succeeded" in eastus
    assert "OK priority 1 Online, serving" in eastus
    assert "secondary" in westus and "OK replica Succeeded/Ready" in westus and "OK priority 502 Online" in westus
    assert "serving" not in westus
    assert "STORAGE  stcontosofraudproddata (Standard_GRS, eastus -> westus)" in r.out
    assert "OK: last sync 11.8 min ago (RPO 30 min); replication Live" in r.out
    assert "ROUTING  traf-fraud-prod (contoso-fraud-prod.trafficmanager.net)" in r.out
    assert "OK: serves eastus (the config's active region)" in r.out
    assert lines[-1] == "OK: all 8 checks passed"
    assert r.err == ""


def test_every_resource_is_read_once_at_the_pinned_api_versions():
    r = run_status(HEALTHY)
    assert_clean(r)
    asked = sorted((c.path, c.query.get("api-version"), c.query.get("$expand")) for c in r.arm.calls)
    base = f"/subscriptions/{SUB}/resourceGroups"
    assert asked == sorted([
        (f"{base}/rg-fraud-prod-eus/providers/Microsoft.MachineLearningServices/workspaces/hub-fraud-prod-eus", "2025-06-01", None),
        (f"{base}/rg-fraud-prod-wus/providers/Microsoft.MachineLearningServices/workspaces/hub-fraud-prod-wus", "2025-06-01", None),
        (f"{base}/rg-fraud-prod-shared-eus/providers/Microsoft.ContainerRegistry/registries/crcontosofraudprod", "2025-11-01", None),
        (f"{base}/rg-fraud-prod-shared-eus/providers/Microsoft.ContainerRegistry/registries/crcontosofraudprod/replications/westus",
         "2025-11-01", None),
        (f"{base}/rg-fraud-prod-shared-eus/providers/Microsoft.Storage/storageAccounts/stcontosofraudproddata", "2026-09-01",
         "geoReplicationStats"),
        # the SDK spells the type as the REST spec's path does
        (f"{base}/rg-fraud-prod-routing-wus/providers/Microsoft.Network/trafficmanagerprofiles/traf-fraud-prod", "2026-09-01", None),
    ])
    # one Azure AD token for the whole run (preflight included), for ARM
    assert r.credential.requests == [(status.ARM_SCOPE,)]


def test_recordings_declare_the_api_versions_the_command_pins():
    pinned = set(status.API_VERSIONS.values())
    for path in RECORDINGS.glob("*.json"):
        rec = json.loads(path.read_text())
        assert rec["request"]["method"] == "GET", path.name
        assert rec["request"]["query"]["api-version"] in pinned | {"*"}, path.name
        assert rec["source"], path.name


# --------------------------------------------------------------------------- per-region failures


def test_secondary_hub_failed_exits_1_naming_the_region():
    r = run_status(replace(HEALTHY, "hub-westus", "hub-westus-failed"))
    assert r.code == EXIT_FAILED
    assert_clean(r)
    assert "westus: hub hub-fraud-prod-wus degraded: provisioning state Failed" in r.out
    westus = next(ln for ln in r.out.splitlines() if ln.startswith("westus"))
    eastus = next(ln for ln in r.out.splitlines() if ln.startswith("eastus"))
    assert "DEGRADED Failed" in westus and "OK Succeeded" in eastus
    assert "NOT OK: 1 of 8 checks not ok" in r.out


def test_replica_not_succeeded_exits_1_naming_the_region():
    r = run_status(replace(HEALTHY, "replication-westus", "replication-westus-failed"), "--json")
    assert r.code == EXIT_FAILED
    assert_clean(r)
    reg = r.doc["regions"]["westus"]["registry"]
    assert reg["state"] == "degraded" and reg["kind"] == "replica"
    assert reg["provisioning_state"] == "Failed" and reg["status"] == "Failed"
    assert r.doc["regions"]["eastus"]["registry"]["state"] == "ok"
    assert [p["scope"] for p in r.doc["problems"]] == ["westus"]
    assert r.doc["problems"][0]["message"].startswith("westus: registry replica crcontosofraudprod/westus degraded")


def test_secondary_hub_not_deployed_is_missing():
    r = run_status(replace(HEALTHY, "hub-westus", "hub-westus-not-found"), "--json")
    assert r.code == EXIT_FAILED
    hub = r.doc["regions"]["westus"]["hub"]
    assert hub["state"] == "missing" and hub["error"]["kind"] == "not-found" and hub["error"]["code"] == "ResourceNotFound"
    assert hub["name"] == "hub-fraud-prod-wus" and hub["provisioning_state"] is None


def test_a_region_whose_requests_fail_does_not_hide_the_others():
    failures = {
        "workspaces/hub-fraud-prod-wus": requests.exceptions.ConnectionError("Connection aborted: westus is down"),
        "replications/westus": RuntimeError("a bug in a layer below"),
    }
    r = run_status(HEALTHY, "--json", fail=failures)
    assert r.code == EXIT_FAILED
    assert "Traceback" not in r.err
    doc = r.doc
    hub, reg = doc["regions"]["westus"]["hub"], doc["regions"]["westus"]["registry"]
    assert hub["state"] == "unknown" and hub["error"]["kind"] == "unreachable"
    assert reg["state"] == "unknown" and reg["error"]["kind"] == "internal" and "RuntimeError" in reg["error"]["message"]
    # everything else still answered and is reported as it is
    assert doc["regions"]["eastus"]["hub"]["state"] == "ok"
    assert doc["regions"]["eastus"]["registry"]["state"] == "ok"
    assert doc["storage"]["state"] == "ok" and doc["routing"]["state"] == "ok"
    assert {p["scope"] for p in doc["problems"]} == {"westus"}
    # the connection error was retried (bounded), still only GETs
    hub_calls = [c for c in r.arm.calls if "hub-fraud-prod-wus" in c.path]
    assert len(hub_calls) == 1 + status.RETRY_TOTAL
    assert {c.method for c in r.arm.calls} == {"GET"}


def test_the_human_table_shows_an_unreachable_region_as_unknown():
    r = run_status(HEALTHY, fail={"workspaces/hub-fraud-prod-wus": requests.exceptions.ConnectionError("refused")})
    westus = next(ln for ln in r.out.splitlines() if ln.startswith("westus"))
    assert "UNKNOWN (unreachable)" in westus
    assert "westus: hub hub-fraud-prod-wus unknown: could not read hub hub-fraud-prod-wus: unreachable" in r.out
    assert r.code == EXIT_FAILED and "Traceback" not in r.err


def test_a_check_without_an_answer_by_the_deadline_is_unknown():
    released = threading.Event()
    try:
        started = time.monotonic()
        r = run_status(HEALTHY, "--json", "--timeout", "1", hold={"trafficManagerProfiles": released})
        assert time.monotonic() - started < 8
    finally:
        released.set()
    assert r.code == EXIT_FAILED
    routing = r.doc["routing"]
    assert routing["state"] == "unknown" and routing["error"]["kind"] == "timeout"
    assert {r.doc["regions"][loc]["endpoint"]["state"] for loc in ("eastus", "westus")} == {"unknown"}
    assert r.doc["regions"]["eastus"]["hub"]["state"] == "ok" and r.doc["storage"]["state"] == "ok"


# --------------------------------------------------------------------------- storage


def test_last_sync_45_minutes_ago_with_rpo_30_is_at_risk():
    r = run_status(replace(HEALTHY, "storage-data", "storage-data-lag-45m"), "--json")
    assert r.code == EXIT_FAILED
    assert_clean(r)
    s = r.doc["storage"]
    assert s["state"] == "at-risk"
    assert s["lag_minutes"] == 45.0 and s["rpo_minutes"] == 30
    assert s["last_sync_time"] == "2026-11-22T09:15:00Z"
    assert s["geo_replication_status"] == "Live" and s["can_failover"] is True
    assert "45 min ago (RPO 30 min)" in s["detail"]
    assert r.doc["problems"] == [{"scope": "storage", "check": "storage", "state": "at-risk",
                                  "message": f"training data account stcontosofraudproddata at-risk: {s['detail']}"}]


def test_at_risk_in_the_table():
    r = run_status(replace(HEALTHY, "storage-data", "storage-data-lag-45m"))
    assert "AT-RISK: last sync 45 min ago (RPO 30 min)" in r.out and r.code == EXIT_FAILED


def test_missing_geo_replication_stats_is_unknown():
    r = run_status(replace(HEALTHY, "storage-data", "storage-data-no-stats"), "--json")
    assert r.code == EXIT_FAILED
    assert_clean(r)
    s = r.doc["storage"]
    assert s["state"] == "unknown" and s["last_sync_time"] is None and s["lag_minutes"] is None
    assert "no geoReplicationStats" in s["detail"] and s["error"] is None
    assert s["primary_location"] == "eastus" and s["secondary_location"] == "westus"


def test_storage_503_is_unknown_after_bounded_retries_without_traceback():
    r = run_status(replace(HEALTHY, "storage-data", "storage-data-503"))
    assert r.code == EXIT_FAILED
    assert_clean(r)
    assert "Traceback" not in r.out + r.err
    assert "UNKNOWN: could not read storage account stcontosofraudproddata: unavailable HTTP 503 ServiceUnavailable" in r.out
    storage_calls = [c for c in r.arm.calls if "storageAccounts" in c.path]
    assert len(storage_calls) == 1 + status.RETRY_TOTAL


def test_storage_connection_error_is_unknown():
    r = run_status(HEALTHY, "--json", fail={"storageAccounts": requests.exceptions.ConnectionError("no route to host")})
    assert r.code == EXIT_FAILED
    s = r.doc["storage"]
    assert s["state"] == "unknown" and s["error"]["kind"] == "unreachable" and s["lag_minutes"] is None
    assert r.doc["regions"]["eastus"]["hub"]["state"] == "ok"


# --------------------------------------------------------------------------- Traffic Manager


def test_traffic_manager_serving_westus_while_config_active_is_eastus_is_flagged():
    r = run_status(replace(HEALTHY, "traffic-manager", "traffic-manager-eastus-degraded"), "--json")
    assert r.code == EXIT_FAILED
    assert_clean(r)
    t = r.doc["routing"]
    assert t["state"] == "degraded"
    assert t["serving_region"] == "westus" and t["active_region"] == "eastus" and t["matches_active"] is False
    assert t["detail"] == "serves westus but the config's active region is eastus"
    assert r.doc["regions"]["eastus"]["endpoint"]["state"] == "degraded"
    assert r.doc["regions"]["westus"]["endpoint"]["serving"] is True


def test_traffic_manager_promoted_to_westus_in_azure_only_is_flagged():
    r = run_status(replace(HEALTHY, "traffic-manager", "traffic-manager-westus-promoted"))
    assert r.code == EXIT_FAILED
    assert "DEGRADED: serves westus but the config's active region is eastus" in r.out
    westus = next(ln for ln in r.out.splitlines() if ln.startswith("westus"))
    assert "OK priority 2 Online, serving" in westus


def test_live_failover_order_differing_from_the_config_is_flagged_even_while_serving_matches():
    """westus holds priority 2 (a promotion made outside the config) but is Degraded, so eastus still serves."""
    r = run_status(replace(HEALTHY, "traffic-manager", "traffic-manager-westus-first-degraded"), "--json")
    assert r.code == EXIT_FAILED
    t = r.doc["routing"]
    assert t["serving_region"] == "eastus" and t["matches_active"] is True
    assert (t["live_order"], t["config_order"], t["order_matches"]) == (["westus", "eastus"], ["eastus", "westus"], False)
    assert t["state"] == "degraded" and "live failover order westus, eastus differs from the config's eastus, westus" \
        in t["detail"] and "commit regions.active" in t["detail"]
    healthy = run_status(HEALTHY, "--json").doc["routing"]
    assert healthy["order_matches"] is True and healthy["live_order"] == ["eastus", "westus"]


def test_promoted_config_matches_promoted_traffic_manager(tmp_path):
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc["regions"]["active"] = "westus"
    cfg = tmp_path / "promoted.yaml"
    cfg.write_text(yaml.safe_dump(doc, sort_keys=False))
    r = run_status(replace(HEALTHY, "traffic-manager", "traffic-manager-westus-promoted"), "--json", "--config", str(cfg))
    assert r.code == EXIT_OK, r.doc["problems"]
    assert r.doc["routing"]["matches_active"] is True and r.doc["active_region"] == "westus"


def test_no_routing_section_skips_traffic_manager(tmp_path):
    cfg = config_copy(tmp_path, routing=None)
    r = run_status([n for n in HEALTHY if n != "traffic-manager"], "--json", "--config", str(cfg))
    assert r.code == EXIT_OK, r.doc["problems"]
    assert r.doc["routing"] is None and r.doc["regions"]["eastus"]["endpoint"] is None
    assert not [c for c in r.arm.calls if "trafficmanagerprofiles" in c.path.lower()]


def test_serving_region_follows_traffic_manager_rules():
    plan = status.Plan(subscription_id=SUB, primary="eastus", secondaries=("westus",), active="eastus", rpo_minutes=30,
                       hubs={}, shared_rg="rg", registry="cr", data_account="st", routing=("rg", "traf"),
                       endpoints={"eastus": "a.example.com", "westus": "b.example.com"})

    def profile(*eps):
        from azure.mgmt.trafficmanager.models import Profile

        return Profile({"name": "traf", "properties": {"profileStatus": "Enabled", "trafficRoutingMethod": "Priority",
                                                        "endpoints": [{"name": n, "properties": {
                                                            "target": t, "priority": p, "endpointStatus": s,
                                                            "endpointMonitorStatus": m}} for n, t, p, s, m in eps]}})

    class Clients:
        def __init__(self, p):
            self.traffic = type("T", (), {"profiles": type("P", (), {"get": lambda *a, **k: p})()})()

    def verdict(*eps):
        check, _ = status.check_routing(Clients(profile(*eps)), plan)
        return check.state, check.fields["serving_region"], check.fields["fail_open"]

    a, b = ("ep-a", "a.example.com"), ("ep-b", "b.example.com")
    assert verdict((*a, 1, "Enabled", "Online"), (*b, 2, "Enabled", "Online")) == ("ok", "eastus", False)
    # a disabled primary endpoint: traffic goes to the next priority
    assert verdict((*a, 1, "Disabled", "Disabled"), (*b, 2, "Enabled", "Online")) == ("degraded", "westus", False)
    # every enabled endpoint degraded: Traffic Manager fails open to priority order
    assert verdict((*a, 1, "Enabled", "Degraded"), (*b, 2, "Enabled", "Degraded")) == ("degraded", "eastus", True)
    # still probing the serving endpoint: not known to be healthy
    assert verdict((*a, 1, "Enabled", "CheckingEndpoint"), (*b, 2, "Enabled", "Online")) == ("unknown", "eastus", False)
    # nothing enabled: nothing served
    assert verdict((*a, 1, "Disabled", "Disabled")) == ("degraded", None, False)


# --------------------------------------------------------------------------- usage, auth, read-only


def test_missing_subscription_exits_2_with_a_clear_message():
    r = run_status(HEALTHY, subscription=None, environ={})
    assert r.code == EXIT_USAGE
    assert "no subscription: pass --subscription ID, set subscription_id in the config, or set AZURE_SUBSCRIPTION_ID" in r.err
    assert r.out == "" and not r.arm.calls and not r.credential.requests


def test_missing_subscription_with_json_prints_the_error_document():
    r = run_status(HEALTHY, "--json", subscription=None, environ={})
    assert r.code == EXIT_USAGE
    assert r.doc["exit_code"] == 2 and r.doc["ok"] is False and r.doc["result"] == "error"
    assert "no subscription" in r.doc["error"]
    assert r.doc["regions"] == {} and r.doc["storage"] is None and r.doc["problems"] == []


def test_subscription_precedence(tmp_path):
    other = "11111111-2222-3333-4444-555555555555"
    assert status.resolve_subscription(SUB, other, {"AZURE_SUBSCRIPTION_ID": other}) == SUB
    assert status.resolve_subscription(None, SUB, {"AZURE_SUBSCRIPTION_ID": other}) == SUB
    assert status.resolve_subscription(None, None, {"AZURE_SUBSCRIPTION_ID": SUB}) == SUB
    # what Terraform's azurerm provider reads (and the README documents) works too, after AZURE_SUBSCRIPTION_ID
    assert status.resolve_subscription(None, None, {"ARM_SUBSCRIPTION_ID": SUB}) == SUB
    assert status.resolve_subscription(None, None, {"AZURE_SUBSCRIPTION_ID": SUB, "ARM_SUBSCRIPTION_ID": other}) == SUB
    with pytest.raises(status.StatusUsageError, match="not a subscription id"):
        status.resolve_subscription("prod", None, {})
    # from the environment, end to end
    r = run_status(HEALTHY, subscription=None, environ={"AZURE_SUBSCRIPTION_ID": SUB})
    assert r.code == EXIT_OK and r.arm.calls
    # from the config, end to end
    r = run_status(HEALTHY, "--config", str(config_copy(tmp_path, subscription_id=SUB)), subscription=None, environ={})
    assert r.code == EXIT_OK and r.arm.calls


def test_malformed_subscription_exits_2():
    r = run_status(HEALTHY, subscription="not-a-guid")
    assert r.code == EXIT_USAGE and "--subscription: 'not-a-guid' is not a subscription id" in r.err
    assert not r.arm.calls


def test_config_error_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("naming: {org: contoso}\n")
    r = run_status(HEALTHY, "--config", str(bad))
    assert r.code == EXIT_USAGE and "problem(s) in the config" in r.err and "Traceback" not in r.err
    assert not r.arm.calls


def test_no_azure_ad_token_exits_2_before_any_request():
    from azure.core.exceptions import ClientAuthenticationError

    cred = StaticToken(error=ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token from the "
                                                       "included credentials.\nAttempted credentials: ..."))
    r = run_status(HEALTHY, credential=cred)
    assert r.code == EXIT_USAGE
    assert "could not get an Azure AD token for Azure Resource Manager (DefaultAzureCredential failed" in r.err
    assert "az login" in r.err and not r.arm.calls and "Traceback" not in r.err


def test_every_request_refused_is_an_auth_error_exit_2():
    r = run_status([], "--json", fallback="error-403-authorization-failed")
    assert r.code == EXIT_USAGE
    assert r.doc["exit_code"] == 2 and "refused every request" in r.doc["error"]
    assert "AuthorizationFailed" in r.doc["error"] and "refused every request" in r.err
    # the per-check results are still there, none reported healthy
    assert {c["state"] for c in (r.doc["storage"], r.doc["routing"])} == {"unknown"}
    assert {r.doc["regions"][loc]["hub"]["error"]["kind"] for loc in ("eastus", "westus")} == {"forbidden"}


def test_the_pipeline_refuses_anything_but_get():
    arm = RecordedArm(HEALTHY)
    clients = status.ArmClients(status._SharedCredential(StaticToken()), SUB, transport=transport_for(arm))
    with pytest.raises(status.ReadOnlyViolation, match="read-only; refused POST"):
        clients.storage.storage_accounts.begin_failover("rg-fraud-prod-shared-eus", "stcontosofraudproddata").result()
    assert arm.calls == []


def test_json_output_has_the_stable_schema():
    r = run_status(HEALTHY, "--json")
    assert r.code == EXIT_OK
    doc = r.doc
    assert set(doc) == {"schema_version", "command", "generated_at", "config", "subscription_id", "primary_region",
                        "active_region", "rpo_minutes", "ok", "exit_code", "result", "error", "regions", "storage",
                        "routing", "problems"}
    assert doc["schema_version"] == 1 and doc["command"] == "status" and doc["ok"] is True and doc["exit_code"] == 0
    assert doc["result"] == "ok" and doc["error"] is None and doc["problems"] == []
    assert doc["generated_at"] == "2026-11-22T10:00:00Z" and doc["subscription_id"] == SUB
    assert (doc["primary_region"], doc["active_region"], doc["rpo_minutes"]) == ("eastus", "eastus", 30)
    assert list(doc["regions"]) == ["eastus", "westus"]
    common = {"state", "detail", "error"}
    for loc, region in doc["regions"].items():
        assert set(region) == {"role", "active", "hub", "registry", "endpoint"}
        assert set(region["hub"]) == common | {"name", "resource_group", "resource_id", "kind", "provisioning_state"}
        assert set(region["registry"]) == common | {"name", "resource_group", "resource_id", "kind", "provisioning_state",
                                                    "status", "status_message", "region_endpoint_enabled"}
        assert set(region["endpoint"]) == common | {"name", "target", "priority", "endpoint_status", "monitor_status",
                                                    "serving"}
    assert doc["regions"]["eastus"]["hub"]["kind"] == "Hub"
    assert set(doc["storage"]) == common | {"name", "resource_group", "resource_id", "sku", "primary_location",
                                            "secondary_location", "status_of_primary", "status_of_secondary",
                                            "geo_replication_status", "last_sync_time", "lag_minutes", "rpo_minutes",
                                            "can_failover", "last_geo_failover_time"}
    assert set(doc["routing"]) == common | {"name", "resource_group", "resource_id", "profile_status", "routing_method",
                                            "fqdn", "serving_region", "serving_endpoint", "active_region",
                                            "matches_active", "fail_open", "endpoints", "live_order", "config_order",
                                            "order_matches"}
    assert [(e["region"], e["priority"], e["monitor_status"]) for e in doc["routing"]["endpoints"]] == [
        ("eastus", 1, "Online"), ("westus", 502, "Online")]
    # failed checks keep every key (values null), so consumers never need to guess
    failed = run_status(HEALTHY, "--json", fail={"storageAccounts": requests.exceptions.ConnectionError("x")}).doc
    assert set(failed["storage"]) == set(doc["storage"])
    assert set(failed["problems"][0]) == {"scope", "check", "state", "message"}


# --------------------------------------------------------------------------- the CLI itself


def test_status_help_does_not_load_azure_cdktf_or_pydantic():
    code = (
        "import sys, contextlib, io\n"
        "from app import cli\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    for argv in (['--help'], ['status', '--help']):\n"
        "        try: cli.main(argv)\n"
        "        except SystemExit: pass\n"
        "print(buf.getvalue())\n"
        "print('LOADED', sorted({m.split('.')[0] + ('.' + m.split('.')[1] if m.startswith('azure.') else '')\n"
        "      for m in sys.modules if m.split('.')[0] in ('azure', 'cdktf', 'jsii', 'constructs', 'pydantic', 'yaml')}))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "status" in r.stdout and "--subscription ID" in r.stdout and "--json" in r.stdout
    assert "LOADED []" in r.stdout, r.stdout[-300:]


def test_main_py_status_without_subscription_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AZURE_SUBSCRIPTION_ID"}
    cfg = config_copy(tmp_path, subscription_id=None)
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "status", "--config", str(cfg)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == EXIT_USAGE, r.stderr
    assert "no subscription" in r.stderr and "Traceback" not in r.stderr


def test_identity_logging_is_quiet_unless_verbose(monkeypatch):
    """A failed sign-in is one line: azure-identity's per-credential warnings show only with --verbose."""
    import logging

    logger = logging.getLogger("azure.identity")
    before = logger.level
    try:
        status.default_credential(verbose=True)
        assert logger.level == before
        status.default_credential(verbose=False)
        assert logger.getEffectiveLevel() == logging.CRITICAL
    finally:
        logger.setLevel(before)
