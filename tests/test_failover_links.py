"""Every link of the failover chain, as Azure behaves (issue "failover links"): structure of the synthesized output.

Each test names the Azure behaviour it guards; the facts and their sources are in docs/failure-modes.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, Synth, synth_config

SHARED = "fraud-prod-shared"
CONFIGS = sorted([*(ROOT / "config").glob("*.yaml"), *(ROOT / "benchmarks").glob("*.yaml")])


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def every_config(request, tmp_path_factory) -> Synth:
    return synth_config(request.param, tmp_path_factory.mktemp("cfg") / "cdktf.out")


def registries(synth: Synth) -> list[dict]:
    return [r for stack in synth.stacks for r in synth.resources(stack, "azurerm_container_registry").values()]


# --------------------------------------------------------------------------- 1. replicas serve pulls


def test_every_replica_takes_part_in_global_endpoint_routing(every_config):
    """Unset, azurerm 4.55 sends regional_endpoint_enabled=false and Azure routes no pull to that replica."""
    (registry,) = registries(every_config)
    replicas = registry["georeplications"]
    assert replicas, "every shipped config has at least one secondary region"
    for replica in replicas:
        assert replica["regional_endpoint_enabled"] is True, replica
    assert [r["location"] for r in replicas] == sorted(r["location"] for r in replicas)


def test_configs_found():
    assert {p.name for p in CONFIGS} >= {"default.yaml", "dev.yaml", "eight-regions.yaml"}
    assert all(isinstance(p, Path) for p in CONFIGS)


# --------------------------------------------------------------------------- 2. managed-network endpoints approved

APPROVER = "Azure AI Enterprise Network Connection Approver"
RULE_TYPES = ("azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint", "azapi_resource")


def outbound_rules(synth: Synth, stack: str) -> dict[str, tuple[str, dict]]:
    """address -> (target id expression, rule body) for every managed-network PrivateEndpoint rule of a stack."""
    out = {}
    for rtype in RULE_TYPES:
        for name, rule in synth.resources(stack, rtype).items():
            if rtype == "azapi_resource":
                assert rule["type"].startswith("Microsoft.MachineLearningServices/workspaces/outboundRules@")
                target = rule["body"]["properties"]["destination"]["serviceResourceId"]
            else:
                target = rule["service_resource_id"]
            out[f"{rtype}.{name}"] = (target, rule)
    return out


def region_stacks(synth: Synth) -> list[str]:
    return [s for s in synth.stacks if synth.resources(s, "azurerm_ai_foundry")]


def check_rules_are_approved(synth: Synth) -> int:
    checked = 0
    for stack in region_stacks(synth):
        (hub,) = synth.resources(stack, "azurerm_ai_foundry")
        principal = f"${{azurerm_ai_foundry.{hub}.identity[0].principal_id}}"
        approvals = {f"azurerm_role_assignment.{n}": ra for n, ra in synth.resources(stack, "azurerm_role_assignment").items()
                     if ra["role_definition_name"] == APPROVER}
        (action,) = synth.resources(stack, "azapi_resource_action").values()
        assert action["action"] == "provisionManagedNetwork"
        for address, (target, rule) in outbound_rules(synth, stack).items():
            (approval,) = [a for a, ra in approvals.items() if ra["scope"] == target]
            assert approvals[approval]["principal_id"] == principal, (stack, address)
            assert approval in rule["depends_on"], f"{address} must wait for its approver role"
            assert address in action["depends_on"] and approval in action["depends_on"], "provisioning waits for both"
            checked += 1
        # one assignment per target: Azure refuses a second identical one
        assert len({ra["scope"] for ra in approvals.values()}) == len(approvals)
    return checked


def test_every_outbound_rule_target_approves_the_hubs_endpoints(default_synth):
    """Since 2025-04-30 the hub's identity must hold the approver role on each rule's target, before the rule."""
    assert check_rules_are_approved(default_synth) == 2  # the training data (blob), from each region


def test_the_hubs_own_dependencies_need_no_approver_role(default_synth):
    """Microsoft: outbound rules to a workspace's default resources are covered by the roles granted at creation."""
    for stack in region_stacks(default_synth):
        scopes = {ra["scope"] for ra in default_synth.resources(stack, "azurerm_role_assignment").values()
                  if ra["role_definition_name"] == APPROVER}
        assert len(scopes) == 1 and "training-data" in next(iter(scopes))


# --------------------------------------------------------------------------- 3. training data in an outage


@pytest.fixture(scope="module")
def read_access(tmp_path_factory) -> Synth:
    return synth_config(ROOT / "config" / "default.yaml", tmp_path_factory.mktemp("ragrs") / "cdktf.out",
                        **{"training_data.redundancy": "RAGRS"})


def secondary_endpoints(synth: Synth, stack: str) -> list[dict]:
    return [pe for pe in synth.resources(stack, "azurerm_private_endpoint").values()
            if pe["private_service_connection"]["subresource_names"] == ["blob_secondary"]]


def test_grs_has_no_secondary_read_path(default_synth):
    """GRS: the pair's copy is unreadable until a customer-initiated failover; nothing is built to reach it."""
    assert "training_data_secondary_blob_endpoint" not in default_synth.stacks[SHARED]["output"]
    for stack in region_stacks(default_synth):
        assert secondary_endpoints(default_synth, stack) == []
        assert default_synth.resources(stack, "azapi_resource") == {}


def test_ra_grs_reaches_the_secondary_from_every_region(read_access):
    """RA-GRS: a blob_secondary private endpoint with DNS in every region's VNet, an approved outbound rule in every
    hub's managed network (AzAPI: azurerm refuses the sub-resource), and the endpoint as an output."""
    account = read_access.one(SHARED, "azurerm_storage_account")
    assert account["account_replication_type"] == "RAGRS"
    (ref,) = read_access.resources(SHARED, "azurerm_storage_account")
    assert read_access.stacks[SHARED]["output"]["training_data_secondary_blob_endpoint"]["value"] == \
        f"${{azurerm_storage_account.{ref}.secondary_blob_endpoint}}"
    for stack in region_stacks(read_access):
        (pe,) = secondary_endpoints(read_access, stack)
        assert "training-data_account" in pe["private_service_connection"]["private_connection_resource_id"]
        (zone,) = pe["private_dns_zone_group"]["private_dns_zone_ids"]
        assert "privatelinkblobcorewindowsnet" in zone  # <account>-secondary is written in the blob zone
        (rule,) = read_access.resources(stack, "azapi_resource").values()
        destination = rule["body"]["properties"]["destination"]
        assert destination["subresourceTarget"] == "blob_secondary" and rule["body"]["properties"]["type"] == "PrivateEndpoint"
    assert check_rules_are_approved(read_access) == 4  # blob and blob_secondary, each region, one role per target


def test_failed_over_account_is_planned_in_place(tmp_path):
    """After an unplanned failover the account is LRS. LRS -> GRS/RAGRS is in place in azurerm 4.55; LRS -> GZRS is
    ForceNew, so a zonal config is re-protected as GRS and converted by hand (warned), never replaced."""
    from app.config import load_config

    expected = {"GRS": "GRS", "RAGRS": "RAGRS", "GZRS": "GRS", "RAGZRS": "RAGRS"}
    for redundancy, emitted in expected.items():
        cfg = load_config(ROOT / "config" / "default.yaml",
                          overrides={"training_data.redundancy": redundancy, "training_data.failed_over": True})
        assert cfg.training_data_replication == emitted
        codes = [w.code for w in cfg.warnings]
        assert ("failed-over-zonal" in codes) == (emitted != redundancy)
        if emitted != redundancy:
            (w,) = [w for w in cfg.warnings if w.code == "failed-over-zonal"]
            assert f"Standard_{redundancy}" in w.hint and "failed_over: false" in w.hint
        same_family = {"LRS", "GRS", "RAGRS"}
        assert emitted in same_family  # in place from LRS, whatever was configured
    synth = synth_config(ROOT / "config" / "default.yaml", tmp_path / "o",
                         **{"training_data.redundancy": "GZRS", "training_data.failed_over": True})
    account = synth.one(SHARED, "azurerm_storage_account")
    assert account["account_replication_type"] == "GRS" and account["lifecycle"]["prevent_destroy"] is True
    assert account["location"] == "eastus"  # ARM location stays the original primary after a failover


def test_worm_warns_that_it_blocks_failover():
    from app.config import load_config

    cfg = load_config(ROOT / "config" / "default.yaml", overrides={"training_data.immutability_days": 30})
    (w,) = [w for w in cfg.warnings if w.code == "worm-blocks-failover"]
    assert w.path == "training_data.immutability_days" and "failover" in w.hint


def test_versions_are_deleted_after_the_retention_and_the_change_feed_is_capped(default_synth, default_cfg):
    td = default_cfg.training_data
    account = default_synth.one(SHARED, "azurerm_storage_account")
    assert account["blob_properties"]["change_feed_retention_in_days"] == td.version_retention_days
    (policy,) = default_synth.resources(SHARED, "azurerm_storage_management_policy").values()
    (ref,) = default_synth.resources(SHARED, "azurerm_storage_account")
    assert policy["storage_account_id"] == f"${{azurerm_storage_account.{ref}.id}}"
    (rule,) = policy["rule"]
    assert rule["enabled"] is True and rule["filters"]["blob_types"] == ["blockBlob"]
    assert rule["actions"]["version"]["delete_after_days_since_creation"] == td.version_retention_days
    assert td.version_retention_days > td.point_in_time_restore_days


def test_version_retention_must_outlast_the_restore_window(tmp_path):
    """A restore rolls blobs back through their versions: exit 2, the field, the value, what is allowed; nothing lost."""
    import subprocess
    import sys

    config = tmp_path / "short.yaml"
    config.write_text((ROOT / "config" / "default.yaml").read_text().replace(
        "version_retention_days: 30", "version_retention_days: 14"))
    out = tmp_path / "cdktf.out"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    run = subprocess.run([sys.executable, "main.py", "synth", "--config", str(config), "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "training_data.version_retention_days" in run.stderr and "14" in run.stderr
    assert "point_in_time_restore_days (14)" in run.stderr and "Traceback" not in run.stderr
    assert [p.name for p in out.iterdir()] == ["manifest.json"] and (out / "manifest.json").read_text() == "{}"


# --------------------------------------------------------------------------- 6. keys wait for RBAC


def test_every_key_waits_for_its_role_assignments_to_take_effect(default_synth):
    for stack in default_synth.stacks:
        keys = default_synth.resources(stack, "azurerm_key_vault_key")
        if not keys:
            continue
        (wait_name,) = default_synth.resources(stack, "time_sleep")
        for key in keys.values():
            assert f"time_sleep.{wait_name}" in key["depends_on"]


# --------------------------------------------------------------------------- 7. a region added later


def registry_records(synth: Synth, stack: str) -> dict[str, dict]:
    return {r["name"]: r for r in synth.resources(stack, "azurerm_private_dns_a_record").values()}


def test_a_replica_added_later_resolves_privately_in_every_existing_region(default_synth, three_region_synth):
    """Microsoft: an endpoint created before a replica gets the replica's IP, but its DNS record is left to us.
    Each network writes the record of every registry location from its own endpoint's custom_dns_configs."""
    name = "crcontosofraudprod"
    two = set(default_synth.stacks)
    for stack in three_region_synth.stacks:
        if stack.endswith("routing"):
            continue
        records = registry_records(three_region_synth, stack)
        assert set(records) == {name, f"{name}.eastus.data", f"{name}.westus.data", f"{name}.westus2.data"}, stack
        (pe_name,) = [n for n, pe in three_region_synth.resources(stack, "azurerm_private_endpoint").items()
                      if pe["private_service_connection"]["subresource_names"] == ["registry"]]
        pe = three_region_synth.resources(stack, "azurerm_private_endpoint")[pe_name]
        assert "private_dns_zone_group" not in pe  # records are ours, one by one, not a zone group's
        new = records[f"{name}.westus2.data"]
        assert f"azurerm_private_endpoint.{pe_name}.custom_dns_configs" in new["records"]
        assert f'c.fqdn == "{name}.westus2.data.azurecr.io"' in new["records"]
        assert "privatelinkazurecrio" in new["zone_name"]
        if stack in two:  # an existing stack: adding the region only adds records, it renames nothing
            before = default_synth.stacks[stack]["resource"]
            after = three_region_synth.stacks[stack]["resource"]
            for rtype, items in before.items():
                if rtype == "azurerm_container_registry":
                    continue
                assert set(items) <= set(after[rtype]), (stack, rtype)
