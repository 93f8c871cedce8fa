"""Diagnostics, the action group, and the alerts the platform relies on.

Example::

    from foundry_constructs.observability import (
        Alerting, AlertingProps, Diagnostics, DiagnosticTarget, EmailReceiver, MetricAlert,
        MetricAlertProps, ServiceHealthAlert, ServiceHealthProps, add_diagnostics, storage_availability,
    )

    add_diagnostics(self, registry, DiagnosticTarget.CONTAINER_REGISTRY, Diagnostics(workspace=law))
    alerting = Alerting(stack, "alerting", AlertingProps(
        name="ag-fraud-prod", short_name="fraudprod", resource_group=rg,
        emails=(EmailReceiver(name="oncall", address="oncall@contoso.com"),),
    ))
    ServiceHealthAlert(stack, "service-health", ServiceHealthProps(
        name="alert-fraud-prod-service-health", resource_group=rg, action_group=alerting,
        subscription_id="00000000-0000-0000-0000-000000000000", locations=("East US", "West US"),
    ))
    MetricAlert(stack, "data-availability", MetricAlertProps(
        name="alert-stfraud-availability", resource_group=rg, action_group=alerting,
        target=training_data, spec=storage_availability(),
    ))

Diagnostics share one shape (:class:`Diagnostics`, like ``Lock`` in
:mod:`foundry_constructs.interfaces`): every construct that has logs takes
``diagnostics: Diagnostics | None`` and calls :func:`add_diagnostics` with what
its resource type emits (:class:`DiagnosticTarget`). A storage account has no
logs of its own; its blob logs live on ``<account id>/blobServices/default``,
which :func:`add_storage_diagnostics` covers.

Alert thresholds are parameters; the spec builders default to the Azure Monitor
Baseline Alerts (AMBA, github.com/Azure/azure-monitor-baseline-alerts,
``services/<provider>/<type>/alerts.yaml`` and ``templates/bicep``). A metric
alert compares one metric with a threshold: it cannot divide two metrics, so a
"failed pulls" ratio for a registry (TotalPullCount - SuccessfulPullCount) is
not expressible; that needs a log alert on ``ContainerRegistryRepositoryEvents``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Protocol

from foundry_constructs.cdk import Token
from constructs import Construct

from foundry_constructs.azurerm import (
    monitor_action_group,
    monitor_activity_log_alert,
    monitor_diagnostic_setting,
    monitor_metric_alert,
    monitor_scheduled_query_rules_alert_v2,
    resource_group,
)
from foundry_constructs.interfaces import HasId

# ---------------------------------------------------------------------------
# Diagnostics: one shape for every resource
# ---------------------------------------------------------------------------


class NamedResource(Protocol):
    """A Terraform resource with ``id`` and ``name`` (a Log Analytics workspace)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class DiagnosticProfile:
    """What one Azure resource type can send: log category groups, metric categories, table kind."""

    resource_type: str
    log_category_groups: tuple[str, ...]
    metric_categories: tuple[str, ...]
    dedicated_tables: bool  # resource-specific tables exist; False = the legacy AzureDiagnostics table


class DiagnosticTarget(enum.Enum):
    """The resource types of the platform and what their diagnostic settings may contain.

    ``log_analytics_destination_type = "Dedicated"`` is only set where the type
    writes resource-specific tables; elsewhere Azure stores nothing for it and
    every plan would show a diff.
    """

    CONTAINER_REGISTRY = DiagnosticProfile(
        "Microsoft.ContainerRegistry/registries", ("allLogs",), ("AllMetrics",), True
    )  # ContainerRegistryLoginEvents / ContainerRegistryRepositoryEvents tables
    KEY_VAULT = DiagnosticProfile(
        "Microsoft.KeyVault/vaults", ("allLogs",), ("AllMetrics",), False
    )  # AuditEvent goes to AzureDiagnostics
    ML_WORKSPACE = DiagnosticProfile(
        "Microsoft.MachineLearningServices/workspaces", ("allLogs",), ("AllMetrics",), True
    )  # Foundry hubs and projects; Aml* tables
    STORAGE_ACCOUNT = DiagnosticProfile(
        "Microsoft.Storage/storageAccounts", (), ("Transaction",), False
    )  # the account itself has metrics only ("AllMetrics" is refused)
    STORAGE_BLOB_SERVICE = DiagnosticProfile(
        "Microsoft.Storage/storageAccounts/blobServices", ("allLogs",), ("Transaction",), True
    )  # <account id>/blobServices/default; StorageBlobLogs table


@dataclass(frozen=True, kw_only=True)
class Diagnostics:
    """Where a construct sends its resource logs and platform metrics.

    workspace: the region's Log Analytics workspace (an object, not an id string).
    name: the diagnostic setting's name; default ``diag-to-<workspace name>``.
    """

    workspace: NamedResource
    name: str | None = None  # default: diag-to-<workspace name>


def add_diagnostics(
    scope: Construct,
    target: HasId,
    kind: DiagnosticTarget,
    diagnostics: Diagnostics | None,
    *,
    id: str = "diagnostics",
    target_id: str | None = None,
) -> monitor_diagnostic_setting.MonitorDiagnosticSetting | None:
    """One diagnostic setting on ``target`` with everything ``kind`` emits; nothing when ``diagnostics`` is None.

    ``target_id`` overrides ``target.id`` for sub-resources (a storage account's blob service).
    """
    if diagnostics is None:
        return None
    profile: DiagnosticProfile = kind.value
    dedicated = profile.dedicated_tables and bool(profile.log_category_groups)
    return monitor_diagnostic_setting.MonitorDiagnosticSetting(
        scope,
        id,
        name=diagnostics.name or f"diag-to-{diagnostics.workspace.name}",
        target_resource_id=target_id or target.id,
        log_analytics_workspace_id=diagnostics.workspace.id,
        log_analytics_destination_type="Dedicated" if dedicated else None,
        enabled_log=[
            monitor_diagnostic_setting.MonitorDiagnosticSettingEnabledLog(category_group=g)
            for g in profile.log_category_groups
        ]
        or None,
        enabled_metric=[
            monitor_diagnostic_setting.MonitorDiagnosticSettingEnabledMetric(category=c)
            for c in profile.metric_categories
        ]
        or None,
    )


def add_storage_diagnostics(
    scope: Construct, account: HasId, diagnostics: Diagnostics | None, *, id: str = "diagnostics"
) -> list[monitor_diagnostic_setting.MonitorDiagnosticSetting]:
    """Two settings: the account's transaction metrics, and its blob service's logs and metrics."""
    if diagnostics is None:
        return []
    account_setting = add_diagnostics(scope, account, DiagnosticTarget.STORAGE_ACCOUNT, diagnostics, id=id)
    blob_setting = add_diagnostics(
        scope,
        account,
        DiagnosticTarget.STORAGE_BLOB_SERVICE,
        diagnostics,
        id=f"{id}-blob",
        target_id=f"{account.id}/blobServices/default",
    )
    return [s for s in (account_setting, blob_setting) if s is not None]


# ---------------------------------------------------------------------------
# The action group
# ---------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_RECEIVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,127}$")


@dataclass(frozen=True, kw_only=True)
class EmailReceiver:
    """An address that gets every alert, in the common alert schema."""

    name: str
    address: str


@dataclass(frozen=True, kw_only=True)
class WebhookReceiver:
    """An HTTPS endpoint (pager, chat, ITSM) that gets every alert, in the common alert schema.

    uri: must be https. A token in the URL is a secret: it lands in config and state.
    """

    name: str
    uri: str


@dataclass(frozen=True, kw_only=True)
class AlertingProps:
    name: str
    short_name: str  # at most 12 characters; shown in SMS and e-mail subjects
    resource_group: resource_group.ResourceGroup
    emails: tuple[EmailReceiver, ...] = ()
    webhooks: tuple[WebhookReceiver, ...] = ()
    allow_no_receivers: bool = False  # True only where alerts are read in the portal; else nobody is told


class Alerting(Construct):
    """The platform's action group (``.action_group``); pass the construct itself as ``action_group``.

    Refuses an action group without receivers unless ``allow_no_receivers``:
    alerts would still fire and show in the portal, but nobody would be told,
    which is the failure this construct exists to prevent.
    """

    def __init__(self, scope: Construct, id: str, props: AlertingProps):
        _check_alerting(props)  # before the node exists: a refusal leaves nothing behind
        super().__init__(scope, id)
        self.action_group = monitor_action_group.MonitorActionGroup(
            self,
            "action-group",
            name=props.name,
            resource_group_name=props.resource_group.name,
            short_name=props.short_name,
            location="global",
            enabled=True,
            email_receiver=[
                monitor_action_group.MonitorActionGroupEmailReceiver(
                    name=r.name, email_address=r.address, use_common_alert_schema=True
                )
                for r in props.emails
            ]
            or None,
            webhook_receiver=[
                monitor_action_group.MonitorActionGroupWebhookReceiver(
                    name=r.name, service_uri=r.uri, use_common_alert_schema=True
                )
                for r in props.webhooks
            ]
            or None,
        )

    @property
    def id(self) -> str:
        return self.action_group.id


def _check_alerting(props: AlertingProps) -> None:
    if not 1 <= len(props.short_name) <= 12:
        raise ValueError(f"action group short_name {props.short_name!r} must be 1-12 characters")
    if not props.emails and not props.webhooks and not props.allow_no_receivers:
        raise ValueError(
            f"action group {props.name!r} has no receivers: alerts would notify nobody; "
            "add emails or webhooks, or set allow_no_receivers=True"
        )
    names = [r.name for r in (*props.emails, *props.webhooks)]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"receiver names must be unique within the action group, repeated: {dupes}")
    for n in names:
        if not _RECEIVER_NAME.match(n):
            raise ValueError(f"receiver name {n!r} must start with a letter or digit (letters, digits, space, _ . -)")
    for r in props.emails:
        if not _EMAIL.match(r.address):
            raise ValueError(f"email receiver {r.name!r}: {r.address!r} is not an e-mail address")
    for r in props.webhooks:
        if not Token.is_unresolved(r.uri) and not r.uri.startswith("https://"):
            raise ValueError(f"webhook receiver {r.name!r}: {r.uri!r} must be an https:// URL")


# ---------------------------------------------------------------------------
# Activity-log alerts: Service Health and Resource Health
# ---------------------------------------------------------------------------


class ServiceHealthEvent(enum.StrEnum):
    INCIDENT = "Incident"  # service issues
    MAINTENANCE = "Maintenance"  # planned maintenance
    INFORMATIONAL = "Informational"  # health advisories
    ACTION_REQUIRED = "ActionRequired"  # health advisories that need us to act
    SECURITY = "Security"  # security advisories


ALL_SERVICE_HEALTH_EVENTS = tuple(ServiceHealthEvent)  # AMBA deploys alerts for all five

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_REGION_NAME = re.compile(r"^[a-z]+[0-9]*$")  # "eastus", "westus2": not what Service Health matches


@dataclass(frozen=True, kw_only=True)
class ServiceHealthProps:
    """Service Health notifications for the platform's regions, at subscription scope.

    locations: region *display* names as Service Health writes them ("East US", "West US 2").
    services: Service Health service names; () = every service (the safe default: a
      misspelt name is not rejected by Azure, it just never matches).
    """

    name: str
    resource_group: resource_group.ResourceGroup
    action_group: HasId
    subscription_id: str  # a GUID (or a token); the scope must be the subscription the rule lives in
    locations: tuple[str, ...]
    events: tuple[ServiceHealthEvent, ...] = ALL_SERVICE_HEALTH_EVENTS
    services: tuple[str, ...] = ()  # () = all services
    include_global: bool = True  # Traffic Manager, Entra ID and ARM incidents are reported in "Global"
    description: str = "Azure Service Health events in the platform's regions"


class ServiceHealthAlert(Construct):
    """``.alert``: an activity-log alert, category ServiceHealth, location global."""

    def __init__(self, scope: Construct, id: str, props: ServiceHealthProps):
        _check_service_health(props)
        super().__init__(scope, id)
        locations = list(props.locations)
        if props.include_global and "Global" not in locations:
            locations.append("Global")
        self.alert = monitor_activity_log_alert.MonitorActivityLogAlert(
            self,
            "alert",
            name=props.name,
            resource_group_name=props.resource_group.name,
            location="global",
            scopes=[f"/subscriptions/{props.subscription_id}"],
            description=props.description,
            enabled=True,
            criteria=monitor_activity_log_alert.MonitorActivityLogAlertCriteria(
                category="ServiceHealth",
                service_health=monitor_activity_log_alert.MonitorActivityLogAlertCriteriaServiceHealth(
                    events=[e.value for e in props.events],
                    locations=locations,
                    services=list(props.services) or None,
                ),
            ),
            action=[monitor_activity_log_alert.MonitorActivityLogAlertAction(action_group_id=props.action_group.id)],
        )


def _check_service_health(props: ServiceHealthProps) -> None:
    sub = props.subscription_id
    if not Token.is_unresolved(sub) and not _GUID.match(sub):
        raise ValueError(f"subscription_id {sub!r} must be a subscription GUID (without /subscriptions/)")
    if not props.locations:
        raise ValueError("service health alert needs at least one location (region display name, e.g. 'East US')")
    for loc in props.locations:
        if _REGION_NAME.match(loc):
            raise ValueError(
                f"service health location {loc!r} looks like a region name; use its display name (e.g. 'East US')"
            )
    if not props.events:
        raise ValueError("service health alert needs at least one event type")
    dupes = sorted({x for x in props.locations if props.locations.count(x) > 1})
    if dupes:
        raise ValueError(f"service health locations repeated: {dupes}")


class ResourceHealthStatus(enum.StrEnum):
    AVAILABLE = "Available"
    DEGRADED = "Degraded"
    UNAVAILABLE = "Unavailable"
    UNKNOWN = "Unknown"


class ResourceHealthCause(enum.StrEnum):
    PLATFORM_INITIATED = "PlatformInitiated"
    USER_INITIATED = "UserInitiated"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, kw_only=True)
class ResourceHealthProps:
    """Resource Health of one resource; defaults follow AMBA's "Resource Health Unhealthy" alert.

    current: Degraded or Unavailable (AMBA); Unknown is left out as noise.
    causes: PlatformInitiated or UserInitiated (AMBA).
    """

    name: str
    resource_group: resource_group.ResourceGroup
    action_group: HasId
    target: HasId
    current: tuple[ResourceHealthStatus, ...] = (ResourceHealthStatus.DEGRADED, ResourceHealthStatus.UNAVAILABLE)
    causes: tuple[ResourceHealthCause, ...] = (
        ResourceHealthCause.PLATFORM_INITIATED,
        ResourceHealthCause.USER_INITIATED,
    )
    description: str = "The resource is degraded or unavailable (Azure Resource Health)"


class ResourceHealthAlert(Construct):
    """``.alert``: an activity-log alert, category ResourceHealth, scoped to the one resource."""

    def __init__(self, scope: Construct, id: str, props: ResourceHealthProps):
        if not props.current:
            raise ValueError("resource health alert needs at least one current status")
        if not props.causes:
            raise ValueError("resource health alert needs at least one cause")
        super().__init__(scope, id)
        self.alert = monitor_activity_log_alert.MonitorActivityLogAlert(
            self,
            "alert",
            name=props.name,
            resource_group_name=props.resource_group.name,
            location="global",
            scopes=[props.target.id],
            description=props.description,
            enabled=True,
            criteria=monitor_activity_log_alert.MonitorActivityLogAlertCriteria(
                category="ResourceHealth",
                resource_health=monitor_activity_log_alert.MonitorActivityLogAlertCriteriaResourceHealth(
                    current=[s.value for s in props.current],
                    reason=[c.value for c in props.causes],
                ),
            ),
            action=[monitor_activity_log_alert.MonitorActivityLogAlertAction(action_group_id=props.action_group.id)],
        )


# ---------------------------------------------------------------------------
# Metric alerts
# ---------------------------------------------------------------------------


class Aggregation(enum.StrEnum):
    AVERAGE = "Average"
    COUNT = "Count"
    MINIMUM = "Minimum"
    MAXIMUM = "Maximum"
    TOTAL = "Total"


class Operator(enum.StrEnum):
    EQUALS = "Equals"
    GREATER_THAN = "GreaterThan"
    GREATER_THAN_OR_EQUAL = "GreaterThanOrEqual"
    LESS_THAN = "LessThan"
    LESS_THAN_OR_EQUAL = "LessThanOrEqual"


# ISO 8601 durations azurerm 4.55 accepts, in minutes (window_size / frequency).
WINDOWS = {"PT1M": 1, "PT5M": 5, "PT15M": 15, "PT30M": 30, "PT1H": 60, "PT6H": 360, "PT12H": 720, "P1D": 1440}
FREQUENCIES = {"PT1M": 1, "PT5M": 5, "PT15M": 15, "PT30M": 30, "PT1H": 60}


@dataclass(frozen=True, kw_only=True)
class Dimension:
    """Split or filter a metric by a dimension: ``values=("*",)`` evaluates each value separately."""

    name: str
    values: tuple[str, ...]
    operator: str = "Include"  # Include | Exclude | StartsWith


@dataclass(frozen=True, kw_only=True)
class MetricAlertSpec:
    """One static-threshold metric criterion and how often to evaluate it.

    window: ISO 8601, one of WINDOWS; frequency: one of FREQUENCIES, not longer than window.
    severity: 0 (critical) to 4 (verbose).
    """

    name: str  # short, used in construct ids: "availability"
    metric_namespace: str
    metric_name: str
    aggregation: Aggregation
    operator: Operator
    threshold: float
    window: str
    frequency: str
    severity: int
    description: str
    dimensions: tuple[Dimension, ...] = ()
    auto_mitigate: bool = True  # the alert resolves itself when the metric recovers


def check_metric_alert_spec(spec: MetricAlertSpec) -> None:
    """Refuse what azurerm 4.55 or Azure would refuse, with the spec's name in the message."""
    where = f"metric alert spec {spec.name!r}"
    if spec.window not in WINDOWS:
        raise ValueError(f"{where}: window {spec.window!r} must be one of {sorted(WINDOWS, key=WINDOWS.get)}")
    if spec.frequency not in FREQUENCIES:
        raise ValueError(
            f"{where}: frequency {spec.frequency!r} must be one of {sorted(FREQUENCIES, key=FREQUENCIES.get)}"
        )
    if FREQUENCIES[spec.frequency] > WINDOWS[spec.window]:
        raise ValueError(f"{where}: frequency {spec.frequency} is longer than the window {spec.window}")
    if not 0 <= spec.severity <= 4:
        raise ValueError(f"{where}: severity {spec.severity} must be 0-4")
    if not spec.metric_namespace or not spec.metric_name:
        raise ValueError(f"{where}: metric_namespace and metric_name are required")
    for d in spec.dimensions:
        if d.operator not in ("Include", "Exclude", "StartsWith") or not d.values:
            raise ValueError(f"{where}: dimension {d.name!r} needs values and Include/Exclude/StartsWith")


@dataclass(frozen=True, kw_only=True)
class MetricAlertProps:
    name: str
    resource_group: resource_group.ResourceGroup
    action_group: HasId
    target: HasId  # one resource whose type matches spec.metric_namespace
    spec: MetricAlertSpec
    enabled: bool = True


class MetricAlert(Construct):
    """``.alert``: an azurerm_monitor_metric_alert on one resource, notifying the action group."""

    def __init__(self, scope: Construct, id: str, props: MetricAlertProps):
        spec = props.spec
        check_metric_alert_spec(spec)
        super().__init__(scope, id)
        self.alert = monitor_metric_alert.MonitorMetricAlert(
            self,
            "alert",
            name=props.name,
            resource_group_name=props.resource_group.name,
            scopes=[props.target.id],
            description=spec.description,
            enabled=props.enabled,
            severity=spec.severity,
            window_size=spec.window,
            frequency=spec.frequency,
            auto_mitigate=spec.auto_mitigate,
            criteria=[
                monitor_metric_alert.MonitorMetricAlertCriteria(
                    metric_namespace=spec.metric_namespace,
                    metric_name=spec.metric_name,
                    aggregation=spec.aggregation.value,
                    operator=spec.operator.value,
                    threshold=spec.threshold,
                    dimension=[
                        monitor_metric_alert.MonitorMetricAlertCriteriaDimension(
                            name=d.name, operator=d.operator, values=list(d.values)
                        )
                        for d in spec.dimensions
                    ]
                    or None,
                )
            ],
            action=[monitor_metric_alert.MonitorMetricAlertAction(action_group_id=props.action_group.id)],
        )


# --- ready-made specs (AMBA defaults; thresholds are parameters) -------------

STORAGE = "Microsoft.Storage/storageAccounts"
KEY_VAULT = "Microsoft.KeyVault/vaults"
REGISTRY = "Microsoft.ContainerRegistry/registries"
ML_WORKSPACE = "Microsoft.MachineLearningServices/workspaces"


def storage_availability(threshold: float = 100.0, *, severity: int = 1) -> MetricAlertSpec:
    """AMBA storageAccounts "Availability": Average < 100 % over 5 min, every 5 min, Sev1."""
    return MetricAlertSpec(
        name="availability", metric_namespace=STORAGE, metric_name="Availability",
        aggregation=Aggregation.AVERAGE, operator=Operator.LESS_THAN, threshold=threshold,
        window="PT5M", frequency="PT5M", severity=severity,
        description=f"Storage availability below {threshold:g} % (requests failing with server or network errors)",
    )  # fmt: skip


def key_vault_availability(threshold: float = 90.0, *, severity: int = 1) -> MetricAlertSpec:
    """AMBA KeyVault/vaults "Availability": Average < 90 % over 5 min, every minute, Sev1."""
    return MetricAlertSpec(
        name="availability", metric_namespace=KEY_VAULT, metric_name="Availability",
        aggregation=Aggregation.AVERAGE, operator=Operator.LESS_THAN, threshold=threshold,
        window="PT5M", frequency="PT1M", severity=severity,
        description=f"Key Vault availability below {threshold:g} %",
    )  # fmt: skip


def registry_storage_used(threshold_bytes: float = 429_496_729_600, *, severity: int = 3) -> MetricAlertSpec:
    """AMBA registries "StorageUsed": Average > 400 GiB over 1 h, every 5 min, Sev3 (Premium includes 500 GiB)."""
    return MetricAlertSpec(
        name="storage-used", metric_namespace=REGISTRY, metric_name="StorageUsed",
        aggregation=Aggregation.AVERAGE, operator=Operator.GREATER_THAN, threshold=threshold_bytes,
        window="PT1H", frequency="PT5M", severity=severity,
        description=f"Registry storage above {threshold_bytes:.0f} bytes",
    )  # fmt: skip


def workspace_failed_runs(threshold: float = 0, *, severity: int = 3) -> MetricAlertSpec:
    """AMBA workspaces "Failed Runs": Total > 0 over 5 min, every minute, Sev3. Runs live in projects."""
    return _workspace_total("failed-runs", "Failed Runs", threshold, severity, "Training runs failed")


def workspace_model_deploy_failed(threshold: float = 0, *, severity: int = 3) -> MetricAlertSpec:
    """AMBA workspaces "Model Deploy Failed": Total > 0 over 5 min, every minute, Sev3."""
    return _workspace_total(
        "model-deploy-failed", "Model Deploy Failed", threshold, severity, "Model deployments failed"
    )


def workspace_unusable_nodes(threshold: float = 0, *, severity: int = 3) -> MetricAlertSpec:
    """AMBA workspaces "Unusable Nodes": Total > 0 over 5 min, every minute, Sev3 (compute clusters)."""
    return _workspace_total("unusable-nodes", "Unusable Nodes", threshold, severity, "Compute nodes are unusable")


def workspace_quota_utilization(threshold: float = 90.0, *, severity: int = 3) -> MetricAlertSpec:
    """AMBA workspaces "Quota Utilization Percentage": Average > 90 % over 5 min, every minute, Sev3.

    Watch it in the standby region too: a passive region without quota cannot scale on failover.
    """
    return MetricAlertSpec(
        name="quota-utilization", metric_namespace=ML_WORKSPACE, metric_name="Quota Utilization Percentage",
        aggregation=Aggregation.AVERAGE, operator=Operator.GREATER_THAN, threshold=threshold,
        window="PT5M", frequency="PT1M", severity=severity,
        description=f"Compute quota utilisation above {threshold:g} %",
    )  # fmt: skip


def _workspace_total(name: str, metric: str, threshold: float, severity: int, what: str) -> MetricAlertSpec:
    return MetricAlertSpec(
        name=name, metric_namespace=ML_WORKSPACE, metric_name=metric,
        aggregation=Aggregation.TOTAL, operator=Operator.GREATER_THAN, threshold=threshold,
        window="PT5M", frequency="PT1M", severity=severity,
        description=f"{what} (more than {threshold:g} in 5 minutes)",
    )  # fmt: skip



TRAFFIC_MANAGER = "Microsoft.Network/trafficManagerProfiles"


def traffic_manager_endpoint_down(endpoint: str, *, severity: int = 1) -> MetricAlertSpec:
    """A Traffic Manager endpoint's probes fail (AMBA: endpoint state by profile < 1).

    This is the platform's earliest regional signal: Traffic Manager probes the
    inference endpoint itself from many locations, every 10-30 s.
    """
    return MetricAlertSpec(
        name="endpoint-down",
        metric_namespace=TRAFFIC_MANAGER,
        metric_name="ProbeAgentCurrentEndpointStateByProfileResourceId",
        aggregation=Aggregation.MAXIMUM,
        operator=Operator.LESS_THAN,
        threshold=1,
        window="PT5M",
        frequency="PT1M",
        severity=severity,
        description=f"Traffic Manager probes of the {endpoint} inference endpoint fail: the region may be down",
        dimensions=(Dimension(name="EndpointName", values=(endpoint,)),),
    )


# ---------------------------------------------------------------------------
# Log alerts: what a metric cannot express
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LogAlertProps:
    """A scheduled query on a Log Analytics workspace: it fires when the query returns rows.

    window / frequency: ISO 8601 durations (PT5M-P2D / PT1M-P1D).
    """

    name: str
    location: str
    resource_group: resource_group.ResourceGroup
    action_group: HasId
    workspace: HasId
    query: str
    description: str
    severity: int = 2
    window: str = "PT15M"
    frequency: str = "PT5M"


class LogAlert(Construct):
    """``.alert``: an azurerm_monitor_scheduled_query_rules_alert_v2 that fires on any returned row."""

    def __init__(self, scope: Construct, id: str, props: LogAlertProps):
        if not 0 <= props.severity <= 4:
            raise ValueError(f"severity must be 0-4, got {props.severity}")
        if not props.query.strip():
            raise ValueError("a log alert needs a query")
        super().__init__(scope, id)
        self.alert = monitor_scheduled_query_rules_alert_v2.MonitorScheduledQueryRulesAlertV2(
            self,
            "alert",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            scopes=[props.workspace.id],
            description=props.description,
            severity=props.severity,
            window_duration=props.window,
            evaluation_frequency=props.frequency,
            enabled=True,
            auto_mitigation_enabled=True,
            criteria=[
                monitor_scheduled_query_rules_alert_v2.MonitorScheduledQueryRulesAlertV2Criteria(
                    query=props.query,
                    time_aggregation_method="Count",
                    operator="GreaterThan",
                    threshold=0,
                    failing_periods=monitor_scheduled_query_rules_alert_v2.MonitorScheduledQueryRulesAlertV2CriteriaFailingPeriods(
                        minimum_failing_periods_to_trigger_alert=1, number_of_evaluation_periods=1
                    ),
                )
            ],
            action=monitor_scheduled_query_rules_alert_v2.MonitorScheduledQueryRulesAlertV2Action(
                action_groups=[props.action_group.id]
            ),
        )


def registry_pull_success_query(threshold_percent: float, *, minimum_pulls: int = 20) -> str:
    """KQL over the registry's repository events: 15-minute bins whose pull success rate is below the threshold.

    Uses the ``ContainerRegistryRepositoryEvents`` table the registry's diagnostic
    setting fills (resource-specific tables); ``ResultDescription`` carries the
    HTTP status. Bins with fewer than ``minimum_pulls`` pulls are ignored (noise).
    """
    if not 0 < threshold_percent <= 100:
        raise ValueError(f"threshold_percent must be in (0, 100], got {threshold_percent}")
    return (
        "ContainerRegistryRepositoryEvents\n"
        '| where OperationName == "Pull"\n'
        '| summarize total = count(), failed = countif(ResultDescription !startswith "2") by bin(TimeGenerated, 15m)\n'
        f"| where total >= {minimum_pulls}\n"
        "| extend success_percent = 100.0 * (total - failed) / total\n"
        f"| where success_percent < {threshold_percent:g}"
    )
