"""Per-construct tests for observability.py and routing.py: defaults in a minimal stack, and each refusal."""

from __future__ import annotations

import copy

import pytest

from tests.construct_support import new_stack, only, synth
from foundry_constructs.azurerm import (
    container_registry,
    key_vault,
    log_analytics_workspace,
    storage_account,
)
from foundry_constructs.observability import (
    KEY_VAULT,
    REGISTRY,
    STORAGE,
    Aggregation,
    Alerting,
    AlertingProps,
    Diagnostics,
    DiagnosticTarget,
    Dimension,
    EmailReceiver,
    MetricAlert,
    MetricAlertProps,
    MetricAlertSpec,
    Operator,
    ResourceHealthAlert,
    ResourceHealthProps,
    ServiceHealthAlert,
    ServiceHealthEvent,
    ServiceHealthProps,
    WebhookReceiver,
    add_diagnostics,
    add_storage_diagnostics,
    key_vault_availability,
    registry_storage_used,
    storage_availability,
    workspace_failed_runs,
    workspace_model_deploy_failed,
    workspace_quota_utilization,
    workspace_unusable_nodes,
)
from foundry_constructs.routing import (
    FailoverRouting,
    FailoverRoutingProps,
    Probe,
    ProbeProtocol,
    RoutedEndpoint,
    endpoint_priorities,
)

ML = "Microsoft.MachineLearningServices/workspaces"
SUB = "00000000-0000-0000-0000-000000000000"
LAW_ID = "${azurerm_log_analytics_workspace.law.id}"



def workspace(stack, rg):
    return log_analytics_workspace.LogAnalyticsWorkspace(
        stack, "law", name="log-t", location="eastus", resource_group_name=rg.name, sku="PerGB2018"
    )


def registry(stack, rg):
    return container_registry.ContainerRegistry(
        stack, "acr", name="crt", location="eastus", resource_group_name=rg.name, sku="Premium"
    )


def alerting(stack, rg, **kw):
    props = dict(name="ag-t", short_name="platform", resource_group=rg,
                 emails=(EmailReceiver(name="oncall", address="oncall@contoso.com"),))
    props.update(kw)
    return Alerting(stack, "alerting", AlertingProps(**props))


# --- diagnostics --------------------------------------------------------------


def test_diagnostics_send_all_logs_and_metrics_to_the_workspace_in_dedicated_tables():
    stack, rg = new_stack()
    law = workspace(stack, rg)
    add_diagnostics(stack, registry(stack, rg), DiagnosticTarget.CONTAINER_REGISTRY, Diagnostics(workspace=law))
    d = only(synth(stack), "azurerm_monitor_diagnostic_setting")
    assert d["name"] == "diag-to-${azurerm_log_analytics_workspace.law.name}"
    assert d["target_resource_id"] == "${azurerm_container_registry.acr.id}"
    assert d["log_analytics_workspace_id"] == LAW_ID
    assert d["log_analytics_destination_type"] == "Dedicated"
    assert d["enabled_log"] == [{"category_group": "allLogs"}]
    assert d["enabled_metric"] == [{"category": "AllMetrics"}]
    assert "metric" not in d and "log" not in d  # the deprecated blocks are never used


def test_key_vault_diagnostics_keep_the_azure_diagnostics_table():
    stack, rg = new_stack()
    vault = key_vault.KeyVault(stack, "kv", name="kv-t", location="eastus", resource_group_name=rg.name,
                               tenant_id="t", sku_name="standard")
    diagnostics = Diagnostics(workspace=workspace(stack, rg), name="to-law")
    add_diagnostics(stack, vault, DiagnosticTarget.KEY_VAULT, diagnostics)
    d = only(synth(stack), "azurerm_monitor_diagnostic_setting")
    assert d["name"] == "to-law"
    assert d["enabled_log"] == [{"category_group": "allLogs"}]
    assert "log_analytics_destination_type" not in d  # Key Vault writes AzureDiagnostics only: no perpetual diff


def test_storage_diagnostics_put_logs_on_the_blob_service_and_metrics_on_both():
    stack, rg = new_stack()
    account = storage_account.StorageAccount(stack, "st", name="stt", location="eastus", resource_group_name=rg.name,
                                             account_tier="Standard", account_replication_type="GRS")
    settings = add_storage_diagnostics(stack, account, Diagnostics(workspace=workspace(stack, rg)))
    assert len(settings) == 2
    found = synth(stack)["resource"]["azurerm_monitor_diagnostic_setting"]
    by_target = {s["target_resource_id"]: s for s in found.values()}
    acct = by_target["${azurerm_storage_account.st.id}"]
    blob = by_target["${azurerm_storage_account.st.id}/blobServices/default"]
    assert "enabled_log" not in acct and acct["enabled_metric"] == [{"category": "Transaction"}]
    assert "log_analytics_destination_type" not in acct
    assert blob["enabled_log"] == [{"category_group": "allLogs"}]
    assert blob["enabled_metric"] == [{"category": "Transaction"}]
    assert blob["log_analytics_destination_type"] == "Dedicated"
    assert {s["log_analytics_workspace_id"] for s in found.values()} == {LAW_ID}


def test_diagnostics_can_be_turned_off_explicitly():
    stack, rg = new_stack()
    assert add_diagnostics(stack, registry(stack, rg), DiagnosticTarget.CONTAINER_REGISTRY, None) is None
    assert add_storage_diagnostics(stack, rg, None) == []
    assert "azurerm_monitor_diagnostic_setting" not in synth(stack)["resource"]


def test_every_diagnostic_target_sends_something():
    for kind in DiagnosticTarget:
        p = kind.value
        assert p.log_category_groups or p.metric_categories, kind
        assert "AllMetrics" not in p.metric_categories or not p.resource_type.startswith("Microsoft.Storage"), kind


# --- action group ------------------------------------------------------------------


def test_action_group_is_global_and_uses_the_common_alert_schema():
    stack, rg = new_stack()
    alerting(stack, rg, webhooks=(WebhookReceiver(name="pager", uri="https://pager.contoso.com/hook"),))
    ag = only(synth(stack), "azurerm_monitor_action_group")
    assert ag["location"] == "global" and ag["short_name"] == "platform" and ag["enabled"] is True
    assert ag["email_receiver"] == [
        {"name": "oncall", "email_address": "oncall@contoso.com", "use_common_alert_schema": True}
    ]
    assert ag["webhook_receiver"] == [
        {"name": "pager", "service_uri": "https://pager.contoso.com/hook", "use_common_alert_schema": True}
    ]


def test_rejects_action_group_without_receivers_unless_allowed():
    stack, rg = new_stack()
    with pytest.raises(ValueError, match="no receivers"):
        alerting(stack, rg, emails=())
    alerting(stack, rg, emails=(), allow_no_receivers=True)
    ag = only(synth(stack), "azurerm_monitor_action_group")
    assert "email_receiver" not in ag and "webhook_receiver" not in ag


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"short_name": "thirteen-char"}, "1-12 characters"),
        ({"short_name": ""}, "1-12 characters"),
        ({"emails": (EmailReceiver(name="a", address="not-an-address"),)}, "not an e-mail address"),
        ({"webhooks": (WebhookReceiver(name="w", uri="http://pager.contoso.com"),)}, "https://"),
        ({"webhooks": (WebhookReceiver(name="oncall", uri="https://x.contoso.com"),)}, "unique"),
    ],
)
def test_rejects_bad_action_group(kw, message):
    stack, rg = new_stack()
    with pytest.raises(ValueError, match=message):
        alerting(stack, rg, **kw)


# --- service health / resource health ----------------------------------------------


def test_service_health_alert_watches_the_platform_regions_and_global_at_subscription_scope():
    stack, rg = new_stack()
    ag = alerting(stack, rg)
    ServiceHealthAlert(stack, "sh", ServiceHealthProps(
        name="alert-sh", resource_group=rg, action_group=ag, subscription_id=SUB, locations=("East US", "West US"),
    ))
    a = only(synth(stack), "azurerm_monitor_activity_log_alert")
    assert a["location"] == "global" and a["enabled"] is True
    assert a["scopes"] == [f"/subscriptions/{SUB}"]
    crit = a["criteria"]
    assert crit["category"] == "ServiceHealth"
    sh = crit["service_health"]
    assert sh["locations"] == ["East US", "West US", "Global"]
    assert sh["events"] == ["Incident", "Maintenance", "Informational", "ActionRequired", "Security"]
    assert "services" not in sh  # every service: a misspelt name would silently never match
    (action,) = a["action"]
    assert action["action_group_id"].startswith("${azurerm_monitor_action_group.")
    assert action["action_group_id"].endswith(".id}")


def test_service_health_alert_can_narrow_services_and_events():
    stack, rg = new_stack()
    ServiceHealthAlert(stack, "sh", ServiceHealthProps(
        name="alert-sh", resource_group=rg, action_group=alerting(stack, rg), subscription_id=SUB,
        locations=("Sweden Central",), events=(ServiceHealthEvent.INCIDENT,), include_global=False,
        services=("Container Registry", "Key Vault", "Storage"),
    ))
    sh = only(synth(stack), "azurerm_monitor_activity_log_alert")["criteria"]["service_health"]
    assert sh == {"events": ["Incident"], "locations": ["Sweden Central"],
                  "services": ["Container Registry", "Key Vault", "Storage"]}


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"locations": ("eastus",)}, "display name"),
        ({"locations": ()}, "at least one location"),
        ({"locations": ("East US", "East US")}, "repeated"),
        ({"subscription_id": f"/subscriptions/{SUB}"}, "GUID"),
        ({"events": ()}, "event"),
    ],
)
def test_rejects_bad_service_health_alert(kw, message):
    stack, rg = new_stack()
    props = dict(name="alert-sh", resource_group=rg, action_group=alerting(stack, rg), subscription_id=SUB,
                 locations=("East US",))
    props.update(kw)
    with pytest.raises(ValueError, match=message):
        ServiceHealthAlert(stack, "sh", ServiceHealthProps(**props))


def test_resource_health_alert_follows_amba_for_one_resource():
    stack, rg = new_stack()
    acr = registry(stack, rg)
    ResourceHealthAlert(stack, "rh", ResourceHealthProps(
        name="alert-rh-crt", resource_group=rg, action_group=alerting(stack, rg), target=acr,
    ))
    a = only(synth(stack), "azurerm_monitor_activity_log_alert")
    assert a["location"] == "global"
    assert a["scopes"] == ["${azurerm_container_registry.acr.id}"]
    assert a["criteria"]["category"] == "ResourceHealth"
    assert a["criteria"]["resource_health"] == {
        "current": ["Degraded", "Unavailable"], "reason": ["PlatformInitiated", "UserInitiated"],
    }
    assert a["action"][0]["action_group_id"].startswith("${azurerm_monitor_action_group.")


def test_rejects_resource_health_alert_without_statuses():
    stack, rg = new_stack()
    with pytest.raises(ValueError, match="current status"):
        ResourceHealthAlert(stack, "rh", ResourceHealthProps(
            name="x", resource_group=rg, action_group=alerting(stack, rg), target=rg, current=(),
        ))


# --- metric alerts -------------------------------------------------------------------


def test_storage_availability_alert_uses_the_amba_criterion():
    stack, rg = new_stack()
    account = storage_account.StorageAccount(stack, "st", name="stt", location="eastus", resource_group_name=rg.name,
                                             account_tier="Standard", account_replication_type="GRS")
    MetricAlert(stack, "avail", MetricAlertProps(
        name="alert-stt-availability", resource_group=rg, action_group=alerting(stack, rg), target=account,
        spec=storage_availability(),
    ))
    a = only(synth(stack), "azurerm_monitor_metric_alert")
    assert a["scopes"] == ["${azurerm_storage_account.st.id}"]
    assert a["criteria"] == [{
        "metric_namespace": "Microsoft.Storage/storageAccounts", "metric_name": "Availability",
        "aggregation": "Average", "operator": "LessThan", "threshold": 100,
    }]
    assert (a["window_size"], a["frequency"], a["severity"]) == ("PT5M", "PT5M", 1)
    assert a["auto_mitigate"] is True and a["enabled"] is True
    assert a["action"][0]["action_group_id"].startswith("${azurerm_monitor_action_group.")


def test_metric_alert_threshold_and_dimensions_come_from_the_spec():
    stack, rg = new_stack()
    spec = MetricAlertSpec(
        name="throttled", metric_namespace="Microsoft.Storage/storageAccounts", metric_name="Transactions",
        aggregation=Aggregation.TOTAL, operator=Operator.GREATER_THAN_OR_EQUAL, threshold=5,
        window="PT15M", frequency="PT5M", severity=2, description="throttling",
        dimensions=(Dimension(name="ResponseType", values=("ServerBusyError",)),),
    )
    MetricAlert(stack, "m", MetricAlertProps(name="a", resource_group=rg, action_group=alerting(stack, rg),
                                              target=rg, spec=spec))
    (crit,) = only(synth(stack), "azurerm_monitor_metric_alert")["criteria"]
    assert crit["threshold"] == 5 and crit["operator"] == "GreaterThanOrEqual"
    assert crit["dimension"] == [{"name": "ResponseType", "operator": "Include", "values": ["ServerBusyError"]}]


@pytest.mark.parametrize(
    "builder, namespace, metric, aggregation, operator, threshold, window, frequency, severity",
    [
        (storage_availability, STORAGE, "Availability", "Average", "LessThan", 100, "PT5M", "PT5M", 1),
        (key_vault_availability, KEY_VAULT, "Availability", "Average", "LessThan", 90, "PT5M", "PT1M", 1),
        (registry_storage_used, REGISTRY, "StorageUsed", "Average", "GreaterThan", 400 * 2**30, "PT1H", "PT5M", 3),
        (workspace_failed_runs, ML, "Failed Runs", "Total", "GreaterThan", 0, "PT5M", "PT1M", 3),
        (workspace_model_deploy_failed, ML, "Model Deploy Failed", "Total", "GreaterThan", 0, "PT5M", "PT1M", 3),
        (workspace_unusable_nodes, ML, "Unusable Nodes", "Total", "GreaterThan", 0, "PT5M", "PT1M", 3),
        (workspace_quota_utilization, ML, "Quota Utilization Percentage", "Average", "GreaterThan", 90,
         "PT5M", "PT1M", 3),
    ],
)
def test_spec_builders_follow_amba(builder, namespace, metric, aggregation, operator, threshold, window, frequency,
                                   severity):
    s = builder()
    assert (s.metric_namespace, s.metric_name, s.aggregation, s.operator, s.threshold) == (
        namespace, metric, aggregation, operator, threshold)
    assert (s.window, s.frequency, s.severity) == (window, frequency, severity)
    assert builder(42).threshold == 42  # thresholds are parameters


@pytest.mark.parametrize(
    "change, message",
    [
        ({"frequency": "PT15M", "window": "PT5M"}, "longer than the window"),
        ({"window": "PT2M"}, "window"),
        ({"frequency": "PT6H"}, "frequency"),
        ({"severity": 5}, "severity"),
    ],
)
def test_rejects_bad_metric_alert_spec(change, message):
    stack, rg = new_stack()
    spec = storage_availability()
    spec = MetricAlertSpec(**{**spec.__dict__, **change})
    with pytest.raises(ValueError, match=message):
        MetricAlert(stack, "m", MetricAlertProps(name="a", resource_group=rg, action_group=alerting(stack, rg),
                                                  target=rg, spec=spec))


# --- failover routing ------------------------------------------------------------------

REGIONS = (
    RoutedEndpoint(region="eastus", host="fraud-eus.contoso.com"),
    RoutedEndpoint(region="westus", host="fraud-wus.contoso.com"),
    RoutedEndpoint(region="westus2", host="fraud-wus2.contoso.com"),
)


def routing_props(rg, **kw) -> FailoverRoutingProps:
    props = dict(name="tm-t", relative_name="fraud-t", resource_group=rg, endpoints=REGIONS,
                 active_region="eastus", probe=Probe(path="/healthz"))
    props.update(kw)
    return FailoverRoutingProps(**props)


def synth_routing(**kw) -> dict:
    stack, rg = new_stack()
    FailoverRouting(stack, "routing", routing_props(rg, **kw))
    return synth(stack)


def test_failover_routing_defaults():
    doc = synth_routing()
    p = only(doc, "azurerm_traffic_manager_profile")
    assert p["traffic_routing_method"] == "Priority" and p["profile_status"] == "Enabled"
    assert p["dns_config"] == {"relative_name": "fraud-t", "ttl": 30}
    assert p["monitor_config"] == {
        "protocol": "HTTPS", "port": 443, "path": "/healthz", "expected_status_code_ranges": ["200-299"],
        "interval_in_seconds": 30, "timeout_in_seconds": 10, "tolerated_number_of_failures": 3,
    }
    eps = doc["resource"]["azurerm_traffic_manager_external_endpoint"]
    by_name = {e["name"]: e for e in eps.values()}
    assert set(by_name) == {"eastus", "westus", "westus2"}
    assert {n: e["target"] for n, e in by_name.items()} == {
        "eastus": "fraud-eus.contoso.com", "westus": "fraud-wus.contoso.com", "westus2": "fraud-wus2.contoso.com"}
    assert {n: e["priority"] for n, e in by_name.items()} == {"eastus": 1, "westus": 502, "westus2": 503}
    for e in by_name.values():
        assert e["always_serve_enabled"] is False and e["enabled"] is True
        assert "endpoint_location" not in e and "weight" not in e
        assert e["profile_id"].startswith("${azurerm_traffic_manager_profile.")
    lock = only(doc, "azurerm_management_lock")
    assert lock["lock_level"] == "CanNotDelete" and "azurerm_traffic_manager_profile" in lock["scope"]


def _without_priorities(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    for e in doc["resource"]["azurerm_traffic_manager_external_endpoint"].values():
        del e["priority"]
    return doc


def test_promotion_only_changes_endpoint_priorities():
    before = synth_routing(active_region="eastus")
    after = synth_routing(active_region="westus")
    # Same resources at the same addresses, same attributes except the endpoints' priority.
    assert _without_priorities(before) == _without_priorities(after)
    eps_before = before["resource"]["azurerm_traffic_manager_external_endpoint"]
    eps_after = after["resource"]["azurerm_traffic_manager_external_endpoint"]
    assert set(eps_before) == set(eps_after)
    changed = {k for k in eps_before if eps_before[k]["priority"] != eps_after[k]["priority"]}
    assert {eps_before[k]["name"] for k in changed} == {"eastus", "westus"}
    prio_after = {e["name"]: e["priority"] for e in eps_after.values()}
    assert min(prio_after, key=prio_after.get) == "westus"
    assert prio_after["eastus"] < prio_after["westus2"]  # standbys keep the declared failover order


def test_no_two_regions_ever_share_a_priority_during_promotion():
    # Terraform updates endpoints in parallel and Azure refuses duplicate priorities:
    # a region's values must never be another region's, in any state.
    seen: dict[int, str] = {}
    for active in ("eastus", "westus", "westus2"):
        for region, prio in endpoint_priorities(REGIONS, active).items():
            assert seen.setdefault(prio, region) == region, (prio, region, seen[prio])
            assert 1 <= prio <= 1000


def test_fast_probing_and_tcp_probes_are_accepted():
    doc = synth_routing(probe=Probe(path="/healthz", interval_seconds=10, timeout_seconds=9, tolerated_failures=1))
    mc = only(doc, "azurerm_traffic_manager_profile")["monitor_config"]
    assert (mc["interval_in_seconds"], mc["timeout_in_seconds"], mc["tolerated_number_of_failures"]) == (10, 9, 1)
    tcp = synth_routing(probe=Probe(protocol=ProbeProtocol.TCP, port=8443))
    mc = only(tcp, "azurerm_traffic_manager_profile")["monitor_config"]
    assert mc == {"protocol": "TCP", "port": 8443, "interval_in_seconds": 30, "timeout_in_seconds": 10,
                  "tolerated_number_of_failures": 3}


def test_routing_lock_can_be_turned_off_explicitly():
    assert "azurerm_management_lock" not in synth_routing(lock=None)["resource"]


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"endpoints": ()}, "at least one endpoint"),
        ({"endpoints": REGIONS + (RoutedEndpoint(region="eastus", host="other.contoso.com"),)}, "repeated"),
        ({"active_region": "northeurope"}, "not one of"),
        ({"endpoints": (RoutedEndpoint(region="East US", host="a.contoso.com"),), "active_region": "East US"},
         "region name"),
        ({"relative_name": "Fraud.T"}, "relative_name"),
        ({"ttl": -1}, "ttl"),
        ({"probe": Probe(path="/h", interval_seconds=10, timeout_seconds=10)}, "5-9"),
        ({"probe": Probe(path="/h", interval_seconds=30, timeout_seconds=4)}, "5-10"),
        ({"probe": Probe(path="/h", interval_seconds=20)}, "10 or 30"),
        ({"probe": Probe(path="/h", tolerated_failures=10)}, "0-9"),
        ({"probe": Probe(path="/h", port=0)}, "1-65535"),
        ({"probe": Probe()}, "needs a path"),
        ({"probe": Probe(path="healthz")}, "needs a path"),
        ({"probe": Probe(protocol=ProbeProtocol.TCP, path="/h")}, "TCP probe has no path"),
        ({"probe": Probe(path="/h", expected_status_codes=("2xx",))}, "200-299"),
        ({"probe": Probe(path="/h", expected_status_codes=("299-200",))}, "200-299"),
        ({"probe": Probe(path="/h", expected_status_codes=())}, "status code range"),
    ],
)
def test_rejects_bad_routing(kw, message):
    stack, rg = new_stack()
    with pytest.raises(ValueError, match=message):
        FailoverRouting(stack, "routing", routing_props(rg, **kw))


@pytest.mark.parametrize(
    "host", ["https://fraud.contoso.com", "fraud.contoso.com:443", "fraud.contoso.com/health", "10.0.0.4",
             "localhost", "-bad.contoso.com", "fraud_eus.contoso.com", ""],
)
def test_rejects_host_that_is_not_a_dns_name(host):
    stack, rg = new_stack()
    with pytest.raises(ValueError, match="not a DNS name"):
        FailoverRouting(stack, "routing", routing_props(
            rg, endpoints=(RoutedEndpoint(region="eastus", host=host),)))
