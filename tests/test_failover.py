"""Observability and failover over the synthesized stacks: every region watched, routing, promotion without churn."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DEFAULT_CONFIG, Synth, synth_config

SHARED, ROUTING = "fraud-prod-shared", "fraud-prod-routing"


@pytest.fixture(scope="module")
def promoted(tmp_path_factory) -> Synth:
    """The default config with westus promoted (= synth --active-region westus)."""
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("promoted") / "cdktf.out", **{"regions.active": "westus"})


def by_ref(synth: Synth, stack: str, rtype: str) -> dict[str, dict]:
    return {f"${{{rtype}.{name}.id}}": body for name, body in synth.resources(stack, rtype).items()}


def workspaces(synth: Synth, stack: str) -> set[str]:
    return set(by_ref(synth, stack, "azurerm_log_analytics_workspace"))


@pytest.mark.parametrize("fixture", ["default_synth", "three_region_synth"])
def test_every_registry_storage_vault_and_hub_logs_to_its_own_stacks_workspace(request, fixture):
    synth = request.getfixturevalue(fixture)
    for stack, doc in synth.stacks.items():
        if stack == ROUTING:
            continue
        (workspace,) = workspaces(synth, stack)
        settings = list(synth.resources(stack, "azurerm_monitor_diagnostic_setting").values())
        assert settings and all(s["log_analytics_workspace_id"] == workspace for s in settings)
        targets = {s["target_resource_id"] for s in settings}
        for rtype in ("azurerm_container_registry", "azurerm_storage_account", "azurerm_key_vault", "azurerm_ai_foundry"):
            for ref in by_ref(synth, stack, rtype):
                assert ref in targets, f"{stack}: no diagnostic setting on {ref}"
                if rtype == "azurerm_storage_account":
                    assert f"{ref}/blobServices/default" in targets, f"{stack}: blob logs of {ref}"
        for s in settings:
            groups = [log["category_group"] for log in s.get("enabled_log", [])]
            assert groups in ([], ["allLogs"])


def test_service_health_for_every_hub_region_from_every_region(three_region_synth):
    hub_regions = {"East US", "West US", "West US 2"}
    for stack in ("fraud-prod-eastus", "fraud-prod-westus", "fraud-prod-westus2"):
        (alert,) = [a for a in three_region_synth.resources(stack, "azurerm_monitor_activity_log_alert").values()
                    if a["criteria"]["category"] == "ServiceHealth"]
        assert set(alert["criteria"]["service_health"]["locations"]) == hub_regions | {"Global"}
        assert alert["scopes"] == ["/subscriptions/${data.azurerm_client_config.client.subscription_id}"]
        assert "Incident" in alert["criteria"]["service_health"]["events"]
        assert "services" not in alert["criteria"]["service_health"]  # every service by default
        (group,) = by_ref(three_region_synth, stack, "azurerm_monitor_action_group")
        assert [a["action_group_id"] for a in alert["action"]] == [group]


def test_service_health_can_be_narrowed_to_the_platforms_services(tmp_path):
    services = ["Machine Learning", "Container Registry", "Storage", "Key Vault", "Traffic Manager"]
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"monitoring.service_health_services": services})
    (alert,) = [a for a in synth.resources("fraud-prod-westus", "azurerm_monitor_activity_log_alert").values()
                if a["criteria"]["category"] == "ServiceHealth"]
    assert alert["criteria"]["service_health"]["services"] == services


def test_resource_health_for_each_hub_the_registry_and_the_data(default_synth):
    def health_scopes(stack):
        return {a["scopes"][0] for a in default_synth.resources(stack, "azurerm_monitor_activity_log_alert").values()
                if a["criteria"]["category"] == "ResourceHealth"}

    for stack in ("fraud-prod-eastus", "fraud-prod-westus"):
        (hub,) = by_ref(default_synth, stack, "azurerm_ai_foundry")
        assert hub in health_scopes(stack)
    shared = health_scopes(SHARED)
    assert set(by_ref(default_synth, SHARED, "azurerm_container_registry")) <= shared
    assert set(by_ref(default_synth, SHARED, "azurerm_storage_account")) <= shared


def test_metric_alerts_use_the_configs_thresholds(tmp_path):
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "out", **{
        "monitoring.thresholds": {"storage_availability_percent": 97.5, "quota_utilization_percent": 75,
                                  "registry_pull_success_percent": 95, "unusable_nodes": 2, "failed_runs": 3},
    })

    def criteria(stack):
        return {a["criteria"][0]["metric_name"] + "@" + a["scopes"][0].split(".")[0]: a["criteria"][0]
                for a in synth.resources(stack, "azurerm_monitor_metric_alert").values()}

    east = criteria("fraud-prod-eastus")
    assert east["Quota Utilization Percentage@${azurerm_ai_foundry"]["threshold"] == 75
    assert east["Unusable Nodes@${azurerm_ai_foundry"]["threshold"] == 2
    assert east["Failed Runs@${azurerm_ai_foundry_project"]["threshold"] == 3  # runs live in projects
    assert east["Availability@${azurerm_storage_account"]["threshold"] == 97.5
    assert criteria(SHARED)["Availability@${azurerm_storage_account"]["threshold"] == 97.5
    (pulls,) = synth.resources(SHARED, "azurerm_monitor_scheduled_query_rules_alert_v2").values()
    assert "success_percent < 95" in pulls["criteria"][0]["query"]
    assert pulls["scopes"] == list(workspaces(synth, SHARED))


def test_action_groups_carry_the_receivers_from_config(default_synth):
    for stack in default_synth.stacks:
        (group,) = default_synth.resources(stack, "azurerm_monitor_action_group").values()
        assert group["location"] == "global" and len(group["short_name"]) <= 12
        assert [r["email_address"] for r in group["email_receiver"]] == ["ai-platform-oncall@contoso.com"]


def test_traffic_manager_priority_routing_with_probes_from_config(default_synth):
    profile = default_synth.one(ROUTING, "azurerm_traffic_manager_profile")
    assert profile["traffic_routing_method"] == "Priority"
    assert profile["dns_config"] == {"relative_name": "contoso-fraud-prod", "ttl": 30}
    probe = profile["monitor_config"]
    assert (probe["protocol"], probe["port"], probe["path"]) == ("HTTPS", 443, "/health")
    assert probe["expected_status_code_ranges"] == ["200-299"]
    assert (probe["interval_in_seconds"], probe["timeout_in_seconds"], probe["tolerated_number_of_failures"]) == (30, 10, 3)
    endpoints = {e["name"]: e for e in default_synth.resources(ROUTING, "azurerm_traffic_manager_external_endpoint").values()}
    assert {n: e["target"] for n, e in endpoints.items()} == {
        "eastus": "scoring-eus.fraud.contoso.com", "westus": "scoring-wus.fraud.contoso.com"}
    assert endpoints["eastus"]["priority"] < endpoints["westus"]["priority"]  # the active region first
    # one alert per endpoint: probes failing is the first sign of a regional failure
    alerts = default_synth.resources(ROUTING, "azurerm_monitor_metric_alert").values()
    assert sorted(a["criteria"][0]["dimension"][0]["values"][0] for a in alerts) == ["eastus", "westus"]
    # routing stands alone: it can be applied while the primary region is down
    assert default_synth.manifest["stacks"][ROUTING]["dependencies"] == []
    assert "terraform_remote_state" not in json.dumps(default_synth.stacks[ROUTING])
    assert default_synth.one(ROUTING, "azurerm_resource_group")["location"] == "westus"


def diff_paths(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += diff_paths(a.get(k), b.get(k), f"{path}.{k}" if path else k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in diff_paths(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


# What azurerm 4.55 replaces a resource for, of the attributes promotion could touch. Compute cluster: from
# machine_learning_compute_cluster_resource.go (scale_settings and tags stopped being ForceNew in 4.35.0, #29878);
# Traffic Manager external endpoint: name and profile_id (priority and weight update in place).
FORCE_NEW = {
    "azurerm_machine_learning_compute_cluster": {
        "name", "machine_learning_workspace_id", "location", "vm_size", "vm_priority", "local_auth_enabled",
        "node_public_ip_enabled", "ssh", "description", "ssh_public_access_enabled", "subnet_resource_id"},
    "azurerm_traffic_manager_external_endpoint": {"name", "profile_id"},
}
# the only attributes promotion may change: who is served first, and how many nodes the promoted region keeps
IN_PLACE = {"priority", "scale_settings.min_node_count"}


def promotion_changes(before: Synth, after: Synth) -> dict[str, list[str]]:
    assert set(before.stacks) == set(after.stacks)
    for stack in before.stacks:  # no resource is added, removed or renamed: every Terraform address is the same
        for rtype, items in before.stacks[stack].get("resource", {}).items():
            assert set(items) == set(after.stacks[stack]["resource"][rtype]), (stack, rtype)
    return {stack: diff_paths(before.stacks[stack], after.stacks[stack]) for stack in before.stacks}


def assert_in_place(changed: list[str]) -> None:
    for path in changed:
        if not path.startswith("resource."):
            assert path == "output.active_region.value", path
            continue
        _, rtype, _, attribute = path.split(".", 3)
        assert attribute in IN_PLACE, f"promotion changes {path}"
        assert attribute.split(".")[0] not in FORCE_NEW.get(rtype, set()), f"{path} would replace the resource"


def test_promotion_changes_priorities_and_the_promoted_regions_min_nodes_only(default_synth, promoted, default_cfg):
    changed = promotion_changes(default_synth, promoted)
    for stack in ("fraud-prod-shared", "fraud-prod-eastus"):
        assert changed[stack] == [], f"promotion must not touch {stack}: {changed[stack]}"
    routing = changed[ROUTING]
    assert routing and all(p.endswith(".priority") for p in routing if p.startswith("resource.")), routing
    assert {p for p in routing if not p.startswith("resource.")} == {"output.active_region.value"}
    endpoints = {e["name"]: e["priority"] for e in promoted.resources(ROUTING, "azurerm_traffic_manager_external_endpoint").values()}
    assert endpoints["westus"] < endpoints["eastus"]
    # the promoted region's clusters keep failover_min_nodes running: scale_settings update in place in 4.55
    (cluster,) = default_cfg.raw.compute.clusters
    assert cluster.failover_min_nodes > cluster.min_nodes  # the default config holds nodes on failover
    west = changed["fraud-prod-westus"]
    assert [p.rsplit(".", 2)[-2:] for p in west] == [["scale_settings", "min_node_count"]]
    (after,) = promoted.resources("fraud-prod-westus", "azurerm_machine_learning_compute_cluster").values()
    assert after["scale_settings"]["min_node_count"] == cluster.failover_min_nodes
    for stack_changes in changed.values():
        assert_in_place(stack_changes)


def test_without_failover_min_nodes_promotion_changes_routing_only(tmp_path):
    import yaml

    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for cluster in doc["compute"]["clusters"]:
        cluster["failover_min_nodes"] = 0
    config = tmp_path / "no-failover-nodes.yaml"
    config.write_text(yaml.safe_dump(doc))
    base = synth_config(config, tmp_path / "a")
    moved = synth_config(config, tmp_path / "b", **{"regions.active": "westus"})
    changed = promotion_changes(base, moved)
    assert {s for s, c in changed.items() if c} == {ROUTING}


def test_promotion_holds_for_three_regions(tmp_path, three_region_synth):
    promoted3 = synth_config(DEFAULT_CONFIG, tmp_path / "p3", **{
        "regions.secondaries": ["westus2", "westus"], "regions.active": "westus2"})
    changed = promotion_changes(three_region_synth, promoted3)
    assert {s for s, c in changed.items() if c} == {ROUTING, "fraud-prod-westus2"}  # not westus, not the primary
    for stack_changes in changed.values():
        assert_in_place(stack_changes)
    prio = {e["name"]: e["priority"] for e in promoted3.resources(ROUTING, "azurerm_traffic_manager_external_endpoint").values()}
    assert min(prio, key=prio.get) == "westus2"
    assert len(set(prio.values())) == 3  # Azure refuses two endpoints with one priority


def test_active_region_must_be_a_hub_region(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    run = subprocess.run([sys.executable, "main.py", "synth", "--active-region", "northeurope", "--out", str(tmp_path / "o")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "regions.active" in run.stderr and "eastus, westus" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "o").exists()


def test_a_one_off_promotion_warns_that_it_is_not_persisted(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    run = subprocess.run([sys.executable, "main.py", "synth", "--active-region", "westus", "--out", str(tmp_path / "o")],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert "[active-region-not-persisted]" in run.stderr and "regions.active: westus" in run.stderr
    again = subprocess.run([sys.executable, "main.py", "synth", "--active-region", "eastus", "--out", str(tmp_path / "o")],
                           cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0 and "not-persisted" not in again.stderr  # eastus is what the config serves
