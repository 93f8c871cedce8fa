"""Read-only status of the deployed platform: ``python main.py status``.

Usage::

    python main.py status                                  # config/default.yaml, table on stdout
    python main.py status --subscription 8f3c2a1e-... --json
    python main.py status --config config/dev.yaml --timeout 30

What it asks Azure Resource Manager (GET requests only, through Microsoft's
management SDKs and ``DefaultAzureCredential``):

* per hub region, the hub (``Microsoft.MachineLearningServices/workspaces``,
  kind Hub) and its provisioning state;
* per hub region, the registry: the registry itself in the primary region, the
  geo-replica (``registries/<name>/replications/<region>``) elsewhere, with its
  provisioning state and replication status;
* the training data account's geo-replication statistics
  (``$expand=geoReplicationStats``): Last Sync Time, and how far behind the
  secondary is compared with ``targets.rpo_minutes``;
* the Traffic Manager profile's endpoints, which region it serves (Priority
  routing: the enabled, healthy endpoint with the lowest priority) and whether
  that is the config's active region.

States: ``ok``; ``degraded`` (Azure answered and something is wrong);
``at-risk`` (replication lag above the RPO); ``missing`` (404); ``unknown``
(no answer, an error, or an answer that cannot tell: never counted as healthy).
Each check runs on its own, with timeouts, so one failing region or service
never hides the others, and never crashes the command.

Exit codes: 0 every check ok; 1 something degraded, at risk, missing or
unknown; 2 usage, config or authentication error (no subscription, no Azure AD
token, or every request refused). ``--json`` prints one document with a stable
schema (``schema_version`` 1) on stdout.

Importing this module is cheap: the Azure SDKs, pydantic and the config are
loaded only by :func:`run`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import enum
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional, TextIO

from app.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE

SCHEMA_VERSION = 1
DEFAULT_CONFIG = "config/default.yaml"
SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"
# what Terraform's azurerm provider reads, which the README documents for the stacks: status honours it too
TERRAFORM_SUBSCRIPTION_ENV = "ARM_SUBSCRIPTION_ID"
ARM_ENDPOINT = "https://management.azure.com"
ARM_SCOPE = "https://management.azure.com/.default"

DEFAULT_TIMEOUT = 60.0  # the whole command
CONNECT_TIMEOUT = 5.0  # each request
READ_TIMEOUT = 20.0  # each request
RETRY_TOTAL = 2  # retries of one request (5xx, 429, connection errors)
RETRY_BACKOFF = 0.5  # seconds, doubled per retry
RETRY_BACKOFF_MAX = 4.0

# The api-versions the status reads use, pinned so that an SDK upgrade cannot
# silently change the wire contract the recorded responses follow.
API_VERSIONS = {
    "storage": "2026-09-01",  # azure-mgmt-storage 25.3.0 (StorageAccounts_GetProperties)
    "containerregistry": "2025-11-01",  # azure-mgmt-containerregistry 15.0.0 (Registries_Get, Replications_Get)
    "trafficmanager": "2026-09-01",  # azure-mgmt-trafficmanager 2.0.0 (Profiles_Get)
    "machinelearningservices": "2025-06-01",  # generic GET by id (azure-mgmt-resource): workspaces kind Hub
}

OK = "ok"
DEGRADED = "degraded"
AT_RISK = "at-risk"
MISSING = "missing"
UNKNOWN = "unknown"
STATES = (OK, DEGRADED, AT_RISK, MISSING, UNKNOWN)

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SUBSCRIPTION_CODES = {"SubscriptionNotFound", "InvalidSubscriptionId", "InvalidAuthenticationTokenTenant"}
# Traffic Manager leaves Degraded (and Disabled/Stopped/Inactive) endpoints out of DNS answers; these stay in.
_TM_ANSWERED = {"online", "checkingendpoint", "unmonitored"}


class StatusUsageError(Exception):
    """The command cannot run as asked (exit 2)."""


class ReadOnlyViolation(Exception):
    """A request other than GET reached the transport: refused before it left the machine."""


class _DeadlineExceeded(Exception):
    pass


# --------------------------------------------------------------------------- results


@dataclass
class Check:
    """One thing asked of Azure and what came of it. ``fields`` keys are fixed per kind of check."""

    state: str = UNKNOWN
    detail: str = ""
    error: Optional[dict[str, Any]] = None
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state == OK

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "detail": self.detail, "error": self.error, **self.fields}


def _hub_fields(name: str, rg: str, rid: str) -> dict[str, Any]:
    return {"name": name, "resource_group": rg, "resource_id": rid, "kind": None, "provisioning_state": None}


def _registry_fields(name: str, rg: str, rid: str, kind: str) -> dict[str, Any]:
    return {"name": name, "resource_group": rg, "resource_id": rid, "kind": kind, "provisioning_state": None,
            "status": None, "status_message": None, "region_endpoint_enabled": None}


def _storage_fields(name: str, rg: str, rid: str, rpo: int) -> dict[str, Any]:
    return {"name": name, "resource_group": rg, "resource_id": rid, "sku": None, "primary_location": None,
            "secondary_location": None, "status_of_primary": None, "status_of_secondary": None,
            "geo_replication_status": None, "last_sync_time": None, "lag_minutes": None, "rpo_minutes": rpo,
            "can_failover": None, "last_geo_failover_time": None}


def _routing_fields(name: str, rg: str, rid: str, active: str) -> dict[str, Any]:
    return {"name": name, "resource_group": rg, "resource_id": rid, "profile_status": None,
            "routing_method": None, "fqdn": None, "serving_region": None, "serving_endpoint": None,
            "active_region": active, "matches_active": None, "fail_open": False, "endpoints": [],
            "live_order": None, "config_order": None, "order_matches": None}


def _endpoint_fields() -> dict[str, Any]:
    return {"name": None, "target": None, "priority": None, "endpoint_status": None, "monitor_status": None,
            "serving": False}


@dataclass
class RegionStatus:
    location: str
    role: str  # primary | secondary
    active: bool
    hub: Check
    registry: Check
    endpoint: Optional[Check]  # None when the config has no routing section

    def checks(self) -> list[tuple[str, Check]]:
        out = [("hub", self.hub), ("registry", self.registry)]
        if self.endpoint is not None:
            out.append(("endpoint", self.endpoint))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "active": self.active, "hub": self.hub.to_json(),
                "registry": self.registry.to_json(),
                "endpoint": None if self.endpoint is None else self.endpoint.to_json()}


@dataclass
class StatusReport:
    """Everything one run found; ``to_json`` is the ``--json`` document."""

    config: str
    subscription_id: Optional[str]
    generated_at: datetime
    primary_region: Optional[str] = None
    active_region: Optional[str] = None
    rpo_minutes: Optional[int] = None
    regions: list[RegionStatus] = field(default_factory=list)
    storage: Optional[Check] = None
    routing: Optional[Check] = None
    error: Optional[str] = None
    usage_error: bool = False

    def all_checks(self) -> list[tuple[str, str, Check]]:
        out: list[tuple[str, str, Check]] = []
        for r in self.regions:
            out += [(r.location, name, c) for name, c in r.checks()]
        if self.storage is not None:
            out.append(("storage", "storage", self.storage))
        if self.routing is not None:
            out.append(("routing", "routing", self.routing))
        return out

    @property
    def exit_code(self) -> int:
        if self.usage_error:
            return EXIT_USAGE
        checks = self.all_checks()
        return EXIT_OK if checks and all(c.ok for _, _, c in checks) else EXIT_FAILED

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def problems(self) -> list[dict[str, str]]:
        return [{"scope": scope, "check": name, "state": c.state, "message": _problem_text(scope, name, c)}
                for scope, name, c in self.all_checks() if not c.ok]

    def to_json(self) -> dict[str, Any]:
        code = self.exit_code
        return {
            "schema_version": SCHEMA_VERSION,
            "command": "status",
            "generated_at": _iso(self.generated_at),
            "config": self.config,
            "subscription_id": self.subscription_id,
            "primary_region": self.primary_region,
            "active_region": self.active_region,
            "rpo_minutes": self.rpo_minutes,
            "ok": code == EXIT_OK,
            "exit_code": code,
            "result": {EXIT_OK: "ok", EXIT_FAILED: "degraded"}.get(code, "error"),
            "error": self.error,
            "regions": {r.location: r.to_json() for r in self.regions},
            "storage": None if self.storage is None else self.storage.to_json(),
            "routing": None if self.routing is None else self.routing.to_json(),
            "problems": self.problems(),
        }


def _problem_text(scope: str, name: str, c: Check) -> str:
    label = c.fields.get("name")
    if name == "hub":
        what = f"hub {label}"
    elif name == "registry":
        what = f"registry {label}" if c.fields.get("kind") == "home" else f"registry replica {label}/{scope}"
    elif name == "endpoint":
        what = f"Traffic Manager endpoint {label}" if label else "Traffic Manager endpoint"
    elif name == "storage":
        what = f"training data account {label}"
    else:
        what = f"Traffic Manager profile {label}"
    prefix = "" if scope in ("storage", "routing") else f"{scope}: "
    return f"{prefix}{what} {c.state}: {c.detail or 'no detail'}"


# --------------------------------------------------------------------------- small helpers


def _text(value: Any) -> Optional[str]:
    """An SDK enum or string as its wire value."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


def _same(value: Any, expected: str) -> bool:
    return (_text(value) or "").lower() == expected.lower()


def _iso(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> Optional[datetime]:
    if value is None or isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _first_line(text: str, limit: int = 240) -> str:
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _location(text: Optional[str]) -> Optional[str]:
    """``West US`` -> ``westus`` (ARM spells locations both ways)."""
    return None if text is None else re.sub(r"[\s_-]", "", str(text)).lower()


def error_info(exc: BaseException) -> dict[str, Any]:
    """Summarize any failure of one request as ``{kind, status, code, message}`` (no traceback)."""
    info: dict[str, Any] = {"kind": "internal", "status": None, "code": None, "message": ""}
    try:
        from azure.core import exceptions as ax
    except ImportError:  # pragma: no cover - the SDKs are checked before any request
        ax = None  # type: ignore[assignment]
    if isinstance(exc, _DeadlineExceeded):
        info.update(kind="timeout", message=str(exc))
        return info
    if isinstance(exc, ReadOnlyViolation):
        info.update(kind="blocked", message=str(exc))
        return info
    if ax is not None and isinstance(exc, ax.AzureError):
        status = getattr(exc, "status_code", None)
        code, message = _arm_error(exc)
        if isinstance(exc, (ax.ServiceRequestTimeoutError, ax.ServiceResponseTimeoutError)):
            kind = "timeout"
        elif isinstance(exc, (ax.ServiceRequestError, ax.ServiceResponseError)):
            kind = "unreachable"
        elif isinstance(exc, ax.ClientAuthenticationError):
            kind = "auth"
        elif isinstance(exc, ax.ResourceNotFoundError):
            kind = "not-found"
        elif isinstance(exc, ax.DecodeError):
            kind = "invalid-response"
        elif isinstance(exc, ax.HttpResponseError):
            kind = ("forbidden" if status == 403 else "throttled" if status == 429
                    else "unavailable" if status and status >= 500 else "http")
        else:
            kind = "error"
        info.update(kind=kind, status=status, code=code, message=message or _first_line(str(exc)))
        return info
    info["message"] = f"{type(exc).__name__}: {_first_line(str(exc))}" if str(exc) else type(exc).__name__
    return info


def _arm_error(exc: BaseException) -> tuple[Optional[str], str]:
    """The ARM error body's code and message, when the response has one."""
    response = getattr(exc, "response", None)
    body: Any = None
    if response is not None:
        try:
            body = json.loads(response.text())
        except Exception:  # noqa: BLE001 - no JSON body: fall back to the exception text
            body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return (str(err.get("code")) if err.get("code") else None), _first_line(str(err.get("message") or ""))
    model = getattr(exc, "error", None)
    code = getattr(model, "code", None)
    message = getattr(model, "message", None)
    return (str(code) if code else None), _first_line(str(message or ""))


def _describe_error(err: dict[str, Any]) -> str:
    parts = [err.get("kind") or "error"]
    if err.get("status"):
        parts.append(f"HTTP {err['status']}")
    if err.get("code"):
        parts.append(str(err["code"]))
    text = " ".join(parts)
    return f"{text}: {err['message']}" if err.get("message") else text


def _failed(template: Check, exc: BaseException, what: str) -> Check:
    """The check's template, marked unknown (or missing for a 404) with the error summarized."""
    err = error_info(exc)
    state = MISSING if err["kind"] == "not-found" else UNKNOWN
    detail = (f"{what} not found ({err.get('code') or 'HTTP 404'})" if state == MISSING
              else f"could not read {what}: {_describe_error(err)}")
    return Check(state=state, detail=detail, error=err, fields=dict(template.fields))


# --------------------------------------------------------------------------- Azure plumbing


class _SharedCredential:
    """Wraps a TokenCredential: one token per scope for the whole run, shared by every client."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], Any] = {}  # (scopes..., tenant) -> token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if kwargs.get("claims"):  # a claims challenge (CAE): never answer from the cache
            return self._inner.get_token(*scopes, **kwargs)
        key = (*scopes, f"tenant={kwargs.get('tenant_id') or ''}")
        with self._lock:
            token = self._cache.get(key)
            if token is None or token.expires_on - time.time() < 300:
                token = self._inner.get_token(*scopes, **kwargs)
                self._cache[key] = token
            return token


def default_credential(verbose: bool = False) -> Any:
    """``DefaultAzureCredential`` without the interactive browser (a status check never prompts).

    azure-identity logs every credential it tried (a dozen WARNING lines) before a failure that the command
    reports in one line anyway: those lines show only with ``--verbose``.
    """
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise StatusUsageError("the status command needs azure-identity: pip install -r requirements.txt") from None
    if not verbose:
        import logging

        logging.getLogger("azure.identity").setLevel(logging.CRITICAL)
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def _read_only_policy() -> Any:
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class ReadOnlyPolicy(SansIOHTTPPolicy):  # type: ignore[misc]
        """Last policy before the transport: anything but GET is refused and never sent."""

        def on_request(self, request: Any) -> None:
            method = request.http_request.method.upper()
            if method != "GET":
                raise ReadOnlyViolation(f"the status command is read-only; refused {method} {request.http_request.url}")

    return ReadOnlyPolicy()


def _policies(credential: Any, scope: str) -> list[Any]:
    """The ARM pipeline minus automatic resource-provider registration (a POST), plus a GET-only guard."""
    from azure.core.pipeline import policies
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

    return [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(user_agent="foundry-status/1"),
        policies.ProxyPolicy(),
        policies.ContentDecodePolicy(),
        policies.RedirectPolicy(),
        policies.RetryPolicy(retry_total=RETRY_TOTAL, retry_connect=RETRY_TOTAL, retry_read=RETRY_TOTAL,
                             retry_status=RETRY_TOTAL, retry_backoff_factor=RETRY_BACKOFF,
                             retry_backoff_max=RETRY_BACKOFF_MAX),
        ARMChallengeAuthenticationPolicy(credential, scope),
        policies.SensitiveHeaderCleanupPolicy(),
        ARMHttpLoggingPolicy(),
        _read_only_policy(),
    ]


class ArmClients:
    """The four management clients, built once per run over one credential and one transport."""

    def __init__(self, credential: Any, subscription_id: str, *, base_url: Optional[str] = None,
                 transport: Any = None, scope: str = ARM_SCOPE) -> None:
        try:
            from azure.mgmt.containerregistry import ContainerRegistryManagementClient
            from azure.mgmt.resource.resources import ResourceManagementClient
            from azure.mgmt.storage import StorageManagementClient
            from azure.mgmt.trafficmanager import TrafficManagerManagementClient
        except ImportError as exc:
            raise StatusUsageError(f"the status command needs the Azure management SDKs ({exc.name} is missing): "
                                   "pip install -r requirements.txt") from None
        base = (base_url or ARM_ENDPOINT).rstrip("/")
        extra: dict[str, Any] = {"transport": transport} if transport is not None else {}

        def build(cls: Any, api_version: Optional[str]) -> Any:
            kwargs = dict(extra, policies=_policies(credential, scope))
            if api_version:
                kwargs["api_version"] = api_version
            return cls(credential, subscription_id, base_url=base, **kwargs)

        self.storage = build(StorageManagementClient, API_VERSIONS["storage"])
        self.registry = build(ContainerRegistryManagementClient, API_VERSIONS["containerregistry"])
        self.traffic = build(TrafficManagerManagementClient, API_VERSIONS["trafficmanager"])
        self.resources = build(ResourceManagementClient, None)  # api-version given per call (get_by_id)


def _call_kwargs() -> dict[str, Any]:
    return {"connection_timeout": CONNECT_TIMEOUT, "read_timeout": READ_TIMEOUT}


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Plan:
    """Every name the status reads, derived from the config (no Azure call yet)."""

    subscription_id: str
    primary: str
    secondaries: tuple[str, ...]
    active: str
    rpo_minutes: int
    hubs: dict[str, tuple[str, str]]  # region -> (resource group, hub name)
    shared_rg: str
    registry: str
    data_account: str
    routing: Optional[tuple[str, str]]  # (resource group, profile name), None without a routing section
    endpoints: dict[str, str]  # region -> configured endpoint host

    @property
    def regions(self) -> tuple[str, ...]:
        return (self.primary, *self.secondaries)

    def rid(self, rg: str, provider: str) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{rg}/providers/{provider}"


def plan_from_config(cfg: Any, subscription_id: str) -> Plan:
    n = cfg.namer
    primary = cfg.regions.primary
    secondaries = tuple(cfg.secondary_regions)
    routing = None
    endpoints: dict[str, str] = {}
    if getattr(cfg, "routing", None) is not None:
        tm = getattr(n, "traffic_manager", None)
        profile = tm() if callable(tm) else f"traf-{cfg.naming.workload}-{cfg.naming.environment}"
        routing = (n.resource_group(secondaries[0], purpose="routing"), profile)
        hosts = getattr(cfg, "routing_hosts", None)  # endpoints[region], else the host template filled in
        endpoints = dict(hosts if isinstance(hosts, dict) else cfg.routing.endpoints)
    return Plan(
        subscription_id=subscription_id,
        primary=primary,
        secondaries=secondaries,
        active=cfg.active_region,
        rpo_minutes=int(cfg.targets.rpo_minutes),
        hubs={loc: (n.resource_group(loc), n.hub(loc)) for loc in cfg.hub_regions},
        shared_rg=n.resource_group(primary, purpose="shared"),
        registry=cfg.registry_name,
        data_account=cfg.data_account_name,
        routing=routing,
        endpoints=endpoints,
    )


def hub_template(plan: Plan, loc: str) -> Check:
    rg, name = plan.hubs[loc]
    return Check(fields=_hub_fields(name, rg, plan.rid(rg, f"Microsoft.MachineLearningServices/workspaces/{name}")))


def check_hub(clients: ArmClients, plan: Plan, loc: str) -> Check:
    template = hub_template(plan, loc)
    f = dict(template.fields)
    try:
        res = clients.resources.resources.get_by_id(f["resource_id"], api_version=API_VERSIONS["machinelearningservices"],
                                                    **_call_kwargs())
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal
        return _failed(template, exc, f"hub {f['name']}")
    props = getattr(res, "properties", None) or {}
    state_text = props.get("provisioningState") if isinstance(props, dict) else None
    f["kind"] = _text(getattr(res, "kind", None))
    f["provisioning_state"] = _text(state_text)
    if not f["provisioning_state"]:
        return Check(UNKNOWN, "the response has no provisioningState", fields=f)
    if f["kind"] and not _same(f["kind"], "Hub"):
        return Check(DEGRADED, f"workspace kind is {f['kind']}, expected Hub", fields=f)
    if not _same(f["provisioning_state"], "Succeeded"):
        return Check(DEGRADED, f"provisioning state {f['provisioning_state']}", fields=f)
    return Check(OK, "provisioning state Succeeded", fields=f)


def registry_template(plan: Plan, loc: str) -> Check:
    base = plan.rid(plan.shared_rg, f"Microsoft.ContainerRegistry/registries/{plan.registry}")
    if loc == plan.primary:
        return Check(fields=_registry_fields(plan.registry, plan.shared_rg, base, "home"))
    return Check(fields=_registry_fields(plan.registry, plan.shared_rg, f"{base}/replications/{loc}", "replica"))


def check_registry(clients: ArmClients, plan: Plan, loc: str) -> Check:
    template = registry_template(plan, loc)
    f = dict(template.fields)
    home = f["kind"] == "home"
    what = f"registry {plan.registry}" if home else f"replication {loc} of registry {plan.registry}"
    try:
        if home:
            res = clients.registry.registries.get(plan.shared_rg, plan.registry, **_call_kwargs())
        else:
            res = clients.registry.replications.get(plan.shared_rg, plan.registry, loc, **_call_kwargs())
    except Exception as exc:  # noqa: BLE001
        return _failed(template, exc, what)
    status = getattr(res, "status", None)
    f["provisioning_state"] = _text(getattr(res, "provisioning_state", None))
    f["status"] = _text(getattr(status, "display_status", None)) if status is not None else None
    f["status_message"] = _text(getattr(status, "message", None)) if status is not None else None
    if not home:
        f["region_endpoint_enabled"] = getattr(res, "region_endpoint_enabled", None)
    if not f["provisioning_state"]:
        return Check(UNKNOWN, "the response has no provisioningState", fields=f)
    if not _same(f["provisioning_state"], "Succeeded"):
        return Check(DEGRADED, f"provisioning state {f['provisioning_state']}", fields=f)
    if home:
        return Check(OK, "provisioning state Succeeded", fields=f)
    if not f["status"]:
        return Check(UNKNOWN, "provisioning state Succeeded but the replication reports no status", fields=f)
    if not _same(f["status"], "Ready"):
        extra = f" ({f['status_message']})" if f["status_message"] else ""
        return Check(DEGRADED, f"replication status {f['status']}{extra}", fields=f)
    note = "; regional endpoint disabled (not in global endpoint routing)" if f["region_endpoint_enabled"] is False else ""
    return Check(OK, f"provisioning state Succeeded, status Ready{note}", fields=f)


def storage_template(plan: Plan) -> Check:
    rid = plan.rid(plan.shared_rg, f"Microsoft.Storage/storageAccounts/{plan.data_account}")
    return Check(fields=_storage_fields(plan.data_account, plan.shared_rg, rid, plan.rpo_minutes))


def check_storage(clients: ArmClients, plan: Plan, clock: Callable[[], datetime]) -> Check:
    template = storage_template(plan)
    f = dict(template.fields)
    try:
        acct = clients.storage.storage_accounts.get_properties(plan.shared_rg, plan.data_account,
                                                               expand="geoReplicationStats", **_call_kwargs())
    except Exception as exc:  # noqa: BLE001
        return _failed(template, exc, f"storage account {plan.data_account}")
    sku = getattr(acct, "sku", None)
    stats = getattr(acct, "geo_replication_stats", None)
    f.update(
        sku=_text(getattr(sku, "name", None)),
        primary_location=_text(getattr(acct, "primary_location", None)),
        secondary_location=_text(getattr(acct, "secondary_location", None)),
        status_of_primary=_text(getattr(acct, "status_of_primary", None)),
        status_of_secondary=_text(getattr(acct, "status_of_secondary", None)),
        last_geo_failover_time=_iso(_parse_time(getattr(acct, "last_geo_failover_time", None))),
    )
    notes: list[str] = []
    if f["status_of_primary"] and not _same(f["status_of_primary"], "available"):
        notes.append(f"primary {f['primary_location'] or ''} is {f['status_of_primary']}".replace("  ", " "))
    if f["status_of_secondary"] and not _same(f["status_of_secondary"], "available"):
        notes.append(f"secondary {f['secondary_location'] or ''} is {f['status_of_secondary']}".replace("  ", " "))
    if stats is None:
        sku_note = f" (sku {f['sku']}: is the account geo-redundant?)" if f["sku"] else ""
        return Check(UNKNOWN, "; ".join([f"no geoReplicationStats in the response{sku_note}", *notes]), fields=f)
    f["geo_replication_status"] = _text(getattr(stats, "status", None))
    f["can_failover"] = getattr(stats, "can_failover", None)
    last = _parse_time(getattr(stats, "last_sync_time", None))
    now = clock()  # after the answer: the lag is measured at the time Azure reported it
    if last is None or last.year < 2000:  # absent, or the default value Azure reports while bootstrapping/offline
        status = f["geo_replication_status"] or "not reported"
        return Check(UNKNOWN, "; ".join([f"no Last Sync Time reported (replication status {status})", *notes]),
                     fields=f)
    f["last_sync_time"] = _iso(last)
    lag = (now - last).total_seconds() / 60.0
    if lag < 0:
        notes.append("Last Sync Time is ahead of this machine's clock")
        lag = 0.0
    f["lag_minutes"] = round(lag, 1)
    lag_text = f"last sync {f['lag_minutes']:g} min ago (RPO {plan.rpo_minutes} min)"
    if lag > plan.rpo_minutes:
        return Check(AT_RISK, "; ".join([f"{lag_text}: writes since then would be lost on failover", *notes]), fields=f)
    if not _same(f["geo_replication_status"], "Live"):
        return Check(DEGRADED, "; ".join([f"{lag_text}; replication status {f['geo_replication_status']}", *notes]),
                     fields=f)
    if notes:
        return Check(DEGRADED, "; ".join([lag_text, *notes]), fields=f)
    return Check(OK, f"{lag_text}; replication Live", fields=f)


def routing_template(plan: Plan) -> Check:
    assert plan.routing is not None
    rg, name = plan.routing
    rid = plan.rid(rg, f"Microsoft.Network/trafficManagerProfiles/{name}")
    return Check(fields=_routing_fields(name, rg, rid, plan.active))


def _endpoint_region(ep: dict[str, Any], plan: Plan) -> Optional[str]:
    target = (ep.get("target") or "").lower().rstrip(".")
    for loc, host in plan.endpoints.items():
        if host.lower().rstrip(".") == target:
            return loc
    name = (ep.get("name") or "").lower()
    for loc in plan.regions:
        if name == loc or loc in re.split(r"[^a-z0-9]+", name):
            return loc
    where = _location(ep.get("endpoint_location"))
    return where if where in plan.regions else None


def check_routing(clients: ArmClients, plan: Plan) -> tuple[Check, dict[str, Check]]:
    """The profile's serving region, and one check per hub region's endpoint."""
    template = routing_template(plan)
    f = dict(template.fields)
    try:
        profile = clients.traffic.profiles.get(f["resource_group"], f["name"], **_call_kwargs())
    except Exception as exc:  # noqa: BLE001
        failed = _failed(template, exc, f"Traffic Manager profile {f['name']}")
        return failed, {loc: Check(failed.state, failed.detail, failed.error, _endpoint_fields()) for loc in plan.regions}
    dns = getattr(profile, "dns_config", None)
    f.update(profile_status=_text(getattr(profile, "profile_status", None)),
             routing_method=_text(getattr(profile, "traffic_routing_method", None)),
             fqdn=_text(getattr(dns, "fqdn", None)) if dns is not None else None)
    endpoints = []
    for ep in getattr(profile, "endpoints", None) or []:
        row = {"name": _text(getattr(ep, "name", None)), "target": _text(getattr(ep, "target", None)),
               "priority": getattr(ep, "priority", None), "endpoint_status": _text(getattr(ep, "endpoint_status", None)),
               "monitor_status": _text(getattr(ep, "endpoint_monitor_status", None)),
               "endpoint_location": _text(getattr(ep, "endpoint_location", None))}
        row["region"] = _endpoint_region(row, plan)
        endpoints.append(row)
    endpoints.sort(key=lambda e: (e["priority"] is None, e["priority"] or 0, e["name"] or ""))

    # Which endpoint Traffic Manager answers with (Priority routing): enabled endpoints whose monitor
    # status keeps them in DNS answers, lowest priority first; when none does, it fails open to all enabled.
    enabled = [e for e in endpoints if _same(e["endpoint_status"], "Enabled")]
    answered = [e for e in enabled if (e["monitor_status"] or "").lower() in _TM_ANSWERED]
    pool = answered or enabled
    serving = pool[0] if pool and _same(f["profile_status"], "Enabled") else None
    f["fail_open"] = bool(enabled) and not answered
    if serving is not None:
        f["serving_endpoint"] = serving["name"]
        f["serving_region"] = serving["region"]
        f["matches_active"] = serving["region"] == plan.active
    f["endpoints"] = [{k: e[k] for k in ("name", "region", "target", "priority", "endpoint_status", "monitor_status")}
                      for e in endpoints]

    # The failover order the stacks set (routing.py endpoint_priorities: the active region first, then the hub
    # regions in config order) against the order Azure holds: a promotion made by hand, or by a one-off
    # `synth --active-region` never committed, shows here even while the serving region still matches.
    f["config_order"] = [plan.active, *(r for r in plan.regions if r != plan.active)]
    f["live_order"] = [e["region"] for e in endpoints if e["region"] in plan.regions]
    f["order_matches"] = f["live_order"] == [r for r in f["config_order"] if r in f["live_order"]]
    order = (f"; live failover order {', '.join(f['live_order'])} differs from the config's "
             f"{', '.join(f['config_order'])}: apply the routing stack, or commit regions.active if the promotion "
             "is meant to stay") if not f["order_matches"] else ""

    per_region = {loc: _endpoint_check(loc, endpoints, serving) for loc in plan.regions}

    if not _same(f["profile_status"], "Enabled"):
        return Check(DEGRADED, f"profile status {f['profile_status']}: Traffic Manager answers no DNS query",
                     fields=f), per_region
    if f["routing_method"] and not _same(f["routing_method"], "Priority"):
        return Check(UNKNOWN, f"routing method {f['routing_method']}: the serving region is not decided by priority",
                     fields=f), per_region
    if serving is None:
        return Check(DEGRADED, "no enabled endpoint: Traffic Manager answers no DNS query", fields=f), per_region
    where = serving["region"] or f"endpoint {serving['name']} (no hub region)"
    if serving["region"] is None:
        return Check(UNKNOWN, f"serves {where}; config active region is {plan.active}", fields=f), per_region
    if serving["region"] != plan.active:
        return Check(DEGRADED, f"serves {where} but the config's active region is {plan.active}{order}",
                     fields=f), per_region
    if order:
        return Check(DEGRADED, f"serves {where} (the config's active region){order}", fields=f), per_region
    if f["fail_open"]:
        return Check(DEGRADED, f"serves {where} only because every enabled endpoint is degraded (fails open)",
                     fields=f), per_region
    if not _same(serving["monitor_status"], "Online"):
        return Check(UNKNOWN, f"serves {where}; its endpoint is {serving['monitor_status']}", fields=f), per_region
    return Check(OK, f"serves {where} (the config's active region)", fields=f), per_region


def _endpoint_check(loc: str, endpoints: list[dict[str, Any]], serving: Optional[dict[str, Any]]) -> Check:
    mine = [e for e in endpoints if e["region"] == loc]
    f = _endpoint_fields()
    if not mine:
        return Check(MISSING, f"the profile has no endpoint for {loc}", fields=f)
    ep = mine[0]
    f.update(name=ep["name"], target=ep["target"], priority=ep["priority"], endpoint_status=ep["endpoint_status"],
             monitor_status=ep["monitor_status"], serving=serving is ep)
    monitor = (ep["monitor_status"] or "").lower()
    if not _same(ep["endpoint_status"], "Enabled"):
        return Check(DEGRADED, f"endpoint {ep['endpoint_status'] or 'status not reported'}", fields=f)
    if monitor == "online":
        return Check(OK, "Online", fields=f)
    if monitor in ("degraded", "stopped", "disabled", "inactive"):
        return Check(DEGRADED, f"monitor status {ep['monitor_status']}", fields=f)
    return Check(UNKNOWN, f"monitor status {ep['monitor_status'] or 'not reported'}", fields=f)


# --------------------------------------------------------------------------- orchestration


def collect(clients: ArmClients, plan: Plan, *, config: str, now: datetime, timeout: float = DEFAULT_TIMEOUT,
            clock: Optional[Callable[[], datetime]] = None) -> StatusReport:
    """Run every check in parallel, each on its own; nothing raised by one reaches another.

    ``now`` is the report's time; ``clock`` (default: ``now`` itself) times the replication lag.
    """
    clock = clock or (lambda: now)
    tasks: dict[str, tuple[Callable[[], Any], Callable[[BaseException], Any]]] = {}

    def guarded(key: str, fn: Callable[[], Any], on_error: Callable[[BaseException], Any]) -> None:
        tasks[key] = (fn, on_error)

    for loc in plan.regions:
        guarded(f"hub:{loc}", lambda loc=loc: check_hub(clients, plan, loc),
                lambda e, loc=loc: _failed(hub_template(plan, loc), e, f"hub {plan.hubs[loc][1]}"))
        guarded(f"registry:{loc}", lambda loc=loc: check_registry(clients, plan, loc),
                lambda e, loc=loc: _failed(registry_template(plan, loc), e, f"registry {plan.registry} ({loc})"))
    guarded("storage", lambda: check_storage(clients, plan, clock),
            lambda e: _failed(storage_template(plan), e, f"storage account {plan.data_account}"))
    if plan.routing is not None:
        def routing_failed(e: BaseException) -> tuple[Check, dict[str, Check]]:
            failed = _failed(routing_template(plan), e, "Traffic Manager profile")
            return failed, {loc: Check(failed.state, failed.detail, failed.error, _endpoint_fields())
                            for loc in plan.regions}
        guarded("routing", lambda: check_routing(clients, plan), routing_failed)

    results: dict[str, Any] = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(tasks)), thread_name_prefix="status")
    try:
        futures = {pool.submit(fn): key for key, (fn, _) in tasks.items()}
        done, _ = concurrent.futures.wait(futures, timeout=timeout)
        for fut, key in futures.items():
            on_error = tasks[key][1]
            if fut in done:
                exc = fut.exception()
                results[key] = on_error(exc) if exc is not None else fut.result()
            else:
                fut.cancel()
                results[key] = on_error(_DeadlineExceeded(f"no answer within the {timeout:g}s deadline"))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)

    regions = []
    routing, endpoints = results.get("routing", (None, {}))
    for loc in plan.regions:
        regions.append(RegionStatus(location=loc, role="primary" if loc == plan.primary else "secondary",
                                    active=loc == plan.active, hub=results[f"hub:{loc}"],
                                    registry=results[f"registry:{loc}"],
                                    endpoint=endpoints.get(loc) if plan.routing is not None else None))
    report = StatusReport(config=config, subscription_id=plan.subscription_id, generated_at=now,
                          primary_region=plan.primary, active_region=plan.active, rpo_minutes=plan.rpo_minutes,
                          regions=regions, storage=results["storage"], routing=routing)
    refused = _refused_everywhere(report)
    if refused:
        report.error = refused
        report.usage_error = True
    return report


def _refused_everywhere(report: StatusReport) -> Optional[str]:
    """When ARM refused every request for an identity/subscription reason, that is a usage error (exit 2)."""
    asked = [c for _, name, c in report.all_checks() if name != "endpoint"]  # endpoints mirror the routing GET
    if not asked or any(c.error is None for c in asked):
        return None
    errors = [c.error for c in asked if c.error is not None]
    if all(e.get("kind") in ("auth", "forbidden") or e.get("code") in _SUBSCRIPTION_CODES for e in errors):
        return (f"Azure refused every request for subscription {report.subscription_id} "
                f"({_describe_error(errors[0])}); check the subscription id and that this identity can read it "
                "(Reader)")
    return None


# --------------------------------------------------------------------------- output


def render_table(report: StatusReport, out: TextIO) -> None:
    """The human view: one row per hub region, then storage and routing, then the verdict."""
    print(f"Foundry platform status  subscription {report.subscription_id}  config {report.config}  "
          f"at {_iso(report.generated_at)}", file=out)
    print("", file=out)
    with_endpoint = any(r.endpoint is not None for r in report.regions)
    header = ["REGION", "ROLE", "HUB", "REGISTRY"] + (["TRAFFIC MANAGER ENDPOINT"] if with_endpoint else [])
    rows = [header]
    for r in report.regions:
        role = r.role + (", active" if r.active else "")
        hub = _cell(r.hub, r.hub.fields.get("provisioning_state"))
        reg_f = r.registry.fields
        reg_value = (f"home {reg_f.get('provisioning_state')}" if reg_f.get("kind") == "home"
                     else f"replica {reg_f.get('provisioning_state')}/{reg_f.get('status')}")
        row = [r.location, role, hub, _cell(r.registry, reg_value if reg_f.get("provisioning_state") else None)]
        if with_endpoint:
            ep = r.endpoint
            if ep is None:
                row.append("-")
            else:
                value = None
                if ep.fields.get("name"):
                    value = f"priority {ep.fields.get('priority')} {ep.fields.get('monitor_status')}"
                    value += ", serving" if ep.fields.get("serving") else ""
                row.append(_cell(ep, value))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip(), file=out)
    print("", file=out)
    if report.storage is not None:
        s = report.storage
        f = s.fields
        about = [x for x in (f.get("sku"), f.get("primary_location") and
                             f"{f['primary_location']} -> {f.get('secondary_location') or '(no secondary)'}") if x]
        print(f"STORAGE  {f['name']}" + (f" ({', '.join(about)})" if about else ""), file=out)
        print(f"         {s.state.upper()}: {s.detail}", file=out)
    if report.routing is not None:
        t = report.routing
        f = t.fields
        print(f"ROUTING  {f['name']}" + (f" ({f['fqdn']})" if f.get("fqdn") else ""), file=out)
        print(f"         {t.state.upper()}: {t.detail}", file=out)
    else:
        print("ROUTING  not configured (no routing section in the config)", file=out)
    print("", file=out)
    problems = report.problems()
    if report.exit_code == EXIT_OK:
        print(f"OK: all {len(report.all_checks())} checks passed", file=out)
    else:
        verdict = "ERROR" if report.exit_code == EXIT_USAGE else "NOT OK"
        print(f"{verdict}: {len(problems)} of {len(report.all_checks())} checks not ok", file=out)
        for p in problems:
            print(f"  - {p['message']}", file=out)
    out.flush()


def _cell(check: Check, value: Optional[str]) -> str:
    if check.state == OK:
        return f"OK {value}" if value else "OK"
    if value:
        return f"{check.state.upper()} {value}"
    reason = (check.error or {}).get("kind") if check.error else None
    return f"{check.state.upper()} ({reason})" if reason else check.state.upper()


def _usage_json(config: str, subscription: Optional[str], now: datetime, message: str) -> dict[str, Any]:
    report = StatusReport(config=config, subscription_id=subscription, generated_at=now, error=message,
                          usage_error=True)
    return report.to_json()


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the status options to a (sub)parser."""
    parser.description = ("Read-only status of the deployed platform: hubs and registry replicas per region, the "
                          "training data's replication lag against the RPO, and the region Traffic Manager serves.")
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"config file (default: {DEFAULT_CONFIG})")
    parser.add_argument("--subscription", metavar="ID",
                        help=f"Azure subscription id (default: the config's subscription_id, else ${SUBSCRIPTION_ENV}, "
                             f"else ${TERRAFORM_SUBSCRIPTION_ENV})")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"deadline for all checks together (default: {DEFAULT_TIMEOUT:g}); "
                             "checks without an answer by then are unknown")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout (schema_version 1)")
    parser.add_argument("--verbose", action="store_true",
                        help="also show azure-identity's log of each credential it tried (hidden by default: a "
                             "failed sign-in is reported in one line)")
    parser.epilog = ("Reads only (GET), with DefaultAzureCredential; needs Reader on the subscription. Exit codes: "
                     "0 every check ok, 1 something degraded, at risk, missing or unknown, 2 usage, config or "
                     "authentication error.")


def resolve_subscription(flag: Optional[str], config_value: Optional[str], environ: Any) -> str:
    for source, value in (("--subscription", flag), ("the config's subscription_id", config_value),
                          (SUBSCRIPTION_ENV, environ.get(SUBSCRIPTION_ENV)),
                          (TERRAFORM_SUBSCRIPTION_ENV, environ.get(TERRAFORM_SUBSCRIPTION_ENV))):
        if value is not None and str(value).strip():
            value = str(value).strip()
            if not _UUID_RE.match(value):
                raise StatusUsageError(f"{source}: {value!r} is not a subscription id (a GUID, "
                                       "e.g. 00000000-0000-0000-0000-000000000000)")
            return value
    raise StatusUsageError(f"no subscription: pass --subscription ID, set subscription_id in the config, "
                           f"or set {SUBSCRIPTION_ENV} or {TERRAFORM_SUBSCRIPTION_ENV}")


def _preflight(credential: Any) -> None:
    """One token up front: a missing login is one clear error (exit 2), not N unknown checks."""
    try:
        credential.get_token(ARM_SCOPE)
    except Exception as exc:  # noqa: BLE001 - azure-identity raises several types; all mean "no token"
        raise StatusUsageError(f"could not get an Azure AD token for Azure Resource Manager "
                               f"({_first_line(str(exc)) or type(exc).__name__}); sign in with 'az login', or set "
                               "AZURE_CLIENT_ID/AZURE_TENANT_ID and a secret, certificate or federated token") from None


def run(args: argparse.Namespace, *, credential: Any = None, transport: Any = None, base_url: Optional[str] = None,
        now: Optional[datetime] = None, environ: Any = None, out: Optional[TextIO] = None,
        err: Optional[TextIO] = None) -> int:
    """Run the status command; returns the exit code and never raises for user, network or Azure errors.

    ``credential`` (a TokenCredential), ``transport`` (an azure-core HttpTransport) and ``base_url`` are the
    injection points the tests use to serve recorded ARM responses through the SDKs' real pipelines.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    environ = os.environ if environ is None else environ
    clock = (lambda: now) if now is not None else (lambda: datetime.now(timezone.utc))
    now = clock()
    as_json = bool(getattr(args, "json", False))
    config_path = getattr(args, "config", None) or DEFAULT_CONFIG
    subscription: Optional[str] = getattr(args, "subscription", None)
    try:
        timeout = float(getattr(args, "timeout", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)
        if not (0 < timeout < float("inf")):
            raise StatusUsageError(f"--timeout must be a positive number of seconds, got {timeout!r}")
        from app.config import load_config  # pydantic: loaded only now
        from app.errors import UserError

        try:
            cfg = load_config(config_path)
        except UserError as exc:
            raise StatusUsageError(str(exc)) from None
        subscription = resolve_subscription(subscription, getattr(cfg, "subscription_id", None), environ)
        plan = plan_from_config(cfg, subscription)
        cred = _SharedCredential(credential if credential is not None
                                 else default_credential(bool(getattr(args, "verbose", False))))
        _preflight(cred)
        clients = ArmClients(cred, subscription, base_url=base_url, transport=transport)
        report = collect(clients, plan, config=config_path, now=now, timeout=timeout, clock=clock)
    except StatusUsageError as exc:
        message = str(exc)
        print(message if message.startswith("error:") else f"status: error: {message}", file=err, flush=True)
        if as_json:
            print(json.dumps(_usage_json(config_path, subscription, now, message), sort_keys=True), file=out, flush=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("status: interrupted", file=err, flush=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug must not print a traceback or pass for "healthy"
        message = f"could not run the status checks: {type(exc).__name__}: {_first_line(str(exc))}"
        print(f"status: error: {message}", file=err, flush=True)
        if as_json:
            print(json.dumps(_usage_json(config_path, subscription, now, message), sort_keys=True), file=out, flush=True)
        return EXIT_USAGE
    if report.error:
        print(f"status: error: {report.error}", file=err, flush=True)
    if as_json:
        print(json.dumps(report.to_json(), sort_keys=True), file=out, flush=True)
    else:
        render_table(report, out)
    return report.exit_code
