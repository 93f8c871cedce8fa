"""The default synth: every part the platform promises, stack by stack."""

from __future__ import annotations

import json
import re

import pytest

SHARED, EAST, WEST, ROUTING = "fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus", "fraud-prod-routing"
REF = re.compile(r"\$\{([a-z_]+)\.([^.}\[]+)")


def test_stacks_and_dependencies(default_synth):
    m = default_synth.manifest["stacks"]
    assert set(m) == {SHARED, EAST, WEST, ROUTING}
    assert m[SHARED]["dependencies"] == [] and m[ROUTING]["dependencies"] == []  # routing applies on its own
    assert m[EAST]["dependencies"] == [SHARED] and m[WEST]["dependencies"] == [SHARED]


def test_shared_registry_premium_zone_redundant_geo_replicated(default_synth):
    r = default_synth.one(SHARED, "azurerm_container_registry")
    assert (r["sku"], r["location"], r["zone_redundancy_enabled"]) == ("Premium", "eastus", True)
    assert r["admin_enabled"] is False and r["anonymous_pull_enabled"] is False
    assert r["retention_policy_in_days"] == 7
    # westus has no availability zones: its replica cannot be zone redundant
    replicas = [{k: v for k, v in g.items() if k != "tags"} for g in r["georeplications"]]
    assert replicas == [{"location": "westus", "regional_endpoint_enabled": True, "zone_redundancy_enabled": False}]
    # a replica takes the platform's tags in the same change as its routing flag (adding them later re-PUTs it)
    assert all(g["tags"] == r["tags"] for g in r["georeplications"])
    assert r["lifecycle"] == {"prevent_destroy": True}


def test_three_regions_replicas_sorted_and_zone_aware(three_region_synth):
    r = three_region_synth.one(SHARED, "azurerm_container_registry")
    assert [{k: v for k, v in g.items() if k != "tags"} for g in r["georeplications"]] == [
        {"location": "westus", "regional_endpoint_enabled": True, "zone_redundancy_enabled": False},
        {"location": "westus2", "regional_endpoint_enabled": True, "zone_redundancy_enabled": True},
    ]
    assert set(three_region_synth.manifest["stacks"]) == {SHARED, EAST, WEST, ROUTING, "fraud-prod-westus2"}
    w2 = three_region_synth.one("fraud-prod-westus2", "azurerm_storage_account")
    assert w2["account_replication_type"] == "GZRS"  # westus2 has zones


def test_training_data_account(default_synth):
    a = default_synth.one(SHARED, "azurerm_storage_account")
    assert a["name"] == "stcontosofraudproddata" and a["location"] == "eastus"
    assert a["account_replication_type"] == "GRS"
    assert a["shared_access_key_enabled"] is False and a["allow_nested_items_to_be_public"] is False
    assert a["min_tls_version"] == "TLS1_2"
    bp = a["blob_properties"]
    assert bp["delete_retention_policy"]["days"] == 30 and bp["container_delete_retention_policy"]["days"] == 30
    assert bp["versioning_enabled"] is True
    assert a["lifecycle"] == {"prevent_destroy": True}
    (container,) = default_synth.resources(SHARED, "azurerm_storage_container").values()
    assert container["name"] == "datasets"


def test_locks_on_registry_and_data(default_synth):
    locks = default_synth.resources(SHARED, "azurerm_management_lock").values()
    scopes = sorted(l["scope"].split(".")[0] for l in locks if l["lock_level"] == "CanNotDelete")
    assert scopes == ["${azurerm_container_registry", "${azurerm_key_vault", "${azurerm_storage_account"]


@pytest.mark.parametrize("stack, location, code", [(EAST, "eastus", "eus"), (WEST, "westus", "wus")])
def test_region_stack_is_a_complete_hub(default_synth, stack, location, code):
    s = default_synth
    assert s.one(stack, "azurerm_resource_group")["name"] == f"rg-fraud-prod-{code}"
    hub_storage = s.one(stack, "azurerm_storage_account")
    # geo copy for durability (never failed over); GRS where the region has no zones
    assert hub_storage["location"] == location
    assert hub_storage["account_replication_type"] == {"eastus": "GZRS", "westus": "GRS"}[location]
    kv = s.one(stack, "azurerm_key_vault")
    assert kv["purge_protection_enabled"] is True and kv["location"] == location
    law = s.one(stack, "azurerm_log_analytics_workspace")
    appi = s.one(stack, "azurerm_application_insights")
    assert law["location"] == appi["location"] == location and "azurerm_log_analytics_workspace" in appi["workspace_id"]
    hub = s.one(stack, "azurerm_ai_foundry")
    # system-assigned only: the hub's own customer-managed key is off by default (tests/test_hub_cmk.py)
    assert hub["name"] == f"hub-fraud-prod-{code}" and hub["identity"] == {"type": "SystemAssigned"}
    assert "azurerm_storage_account" in hub["storage_account_id"]
    assert "azurerm_key_vault" in hub["key_vault_id"]
    assert "azurerm_application_insights" in hub["application_insights_id"]
    assert "terraform_remote_state" in hub["container_registry_id"]  # the shared registry, read from state
    assert hub["lifecycle"] == {"prevent_destroy": True, "ignore_changes": ["managed_network"]}
    (project,) = s.resources(stack, "azurerm_ai_foundry_project").values()
    assert project["name"] == f"proj-fraud-detection-{code}" and "azurerm_ai_foundry" in project["ai_services_hub_id"]
    cluster = s.one(stack, "azurerm_machine_learning_compute_cluster")
    assert cluster["scale_settings"]["min_node_count"] == 0 and cluster["local_auth_enabled"] is False
    assert "azurerm_ai_foundry" in cluster["machine_learning_workspace_id"]
    hub_locks = [l for l in s.resources(stack, "azurerm_management_lock").values() if "azurerm_ai_foundry." in l["scope"]]
    assert len(hub_locks) == 1 and hub_locks[0]["lock_level"] == "CanNotDelete"


@pytest.mark.parametrize("stack", [EAST, WEST])
def test_identities_read_with_azure_ad(default_synth, stack):
    grants = {
        (ra["principal_id"].split(".")[0].lstrip("${"), ra["role_definition_name"], "registry" in ra["scope"])
        for ra in default_synth.resources(stack, "azurerm_role_assignment").values()
    }
    assert grants == {
        ("azurerm_ai_foundry", "AcrPull", True),
        ("azurerm_ai_foundry", "Azure AI Enterprise Network Connection Approver", False),  # its outbound endpoint
        ("azurerm_ai_foundry", "Storage Blob Data Reader", False),
        ("azurerm_machine_learning_compute_cluster", "AcrPull", True),
        ("azurerm_machine_learning_compute_cluster", "Storage Blob Data Reader", False),
        # customer-managed key of the hub's storage: the key's identity wraps/unwraps, Terraform manages the key
        ("azurerm_user_assigned_identity", "Key Vault Crypto Service Encryption User", False),
        ("data", "Key Vault Crypto Officer", False),
    }


@pytest.mark.parametrize("stack", [EAST, WEST])
def test_region_stack_references_only_itself_and_shared_state(default_synth, stack):
    """Each region plans and applies while every other region is down."""
    doc = default_synth.stacks[stack]
    own = {(t, n) for t, rs in doc["resource"].items() for n in rs}
    own |= {("data." + t, n) for t, rs in doc.get("data", {}).items() for n in rs}
    text = json.dumps(doc)
    for kind, name in REF.findall(text):
        if kind in ("data", "terraform"):
            continue
        assert (kind, name) in own, f"{stack} references {kind}.{name}, which it does not own"
    remote = doc["data"]["terraform_remote_state"]
    assert list(remote) == ["cross-stack-reference-input-fraud-prod-shared"]
    other = WEST if stack == EAST else EAST
    # the other region appears only as the host name of the registry's data endpoint there (a DNS record
    # this region's network resolves privately), never as a reference to anything of that region
    resources = {t: {n: r for n, r in rs.items() if t != "azurerm_private_dns_a_record"} for t, rs in doc["resource"].items()}
    assert other not in text and ("westus" if stack == EAST else "eastus") not in json.dumps(resources)


def test_passive_region_holds_quota_not_nodes(default_synth):
    east = default_synth.one(EAST, "azurerm_machine_learning_compute_cluster")["scale_settings"]
    west = default_synth.one(WEST, "azurerm_machine_learning_compute_cluster")["scale_settings"]
    assert west["min_node_count"] == 0 and west["max_node_count"] == east["max_node_count"]
    assert default_synth.stacks[WEST]["output"]["role"]["value"] == "passive"
    assert default_synth.stacks[EAST]["output"]["role"]["value"] == "active"


def test_everything_taggable_is_tagged(default_synth, default_cfg):
    from foundry_constructs import azurerm

    expected = default_cfg.resource_tags
    checked = 0
    for name, doc in default_synth.stacks.items():
        for rtype, resources in doc["resource"].items():
            if not rtype.startswith("azurerm_"):  # azapi_resource_action: an action, nothing to tag
                assert all("tags" not in res for res in resources.values())
                continue
            module = azurerm.load(rtype.removeprefix("azurerm_"))
            cls = next(v for k, v in vars(module).items() if isinstance(v, type) and getattr(v, "TF_RESOURCE_TYPE", None) == rtype)
            taggable = azurerm._has_map_tags(cls)
            for rid, res in resources.items():
                if taggable:
                    checked += 1
                    assert res.get("tags") == expected, f"{name}: {rtype}.{rid} is not tagged"
                else:
                    assert "tags" not in res
    assert checked >= 15


def test_backends_are_explicit_and_relative(default_synth):
    for name, doc in default_synth.stacks.items():
        assert doc["terraform"]["backend"] == {"local": {"path": f"../../../state/{name}.tfstate"}}
        assert doc["terraform"]["required_providers"]["azurerm"]["version"] == "4.55.0"
    text = "".join(json.dumps(d) for d in default_synth.stacks.values())
    assert str(default_synth.outdir) not in text and "/home/" not in text and "/tmp/" not in text


def test_provider_uses_azure_ad_for_storage(default_synth):
    for doc in default_synth.stacks.values():
        (provider,) = doc["provider"]["azurerm"]
        assert provider["storage_use_azuread"] is True


def test_outputs_are_useful_and_not_secret(default_synth):
    shared = default_synth.stacks[SHARED]["output"]
    assert {"registry_login_server", "registry_replica_regions", "training_data_account_id"} <= set(shared)
    assert shared["registry_replica_regions"]["value"] == ["westus"]
    region = default_synth.stacks[EAST]["output"]
    assert {"hub_id", "hub_discovery_url", "project_ids", "compute_cluster_ids"} <= set(region)
    for doc in default_synth.stacks.values():
        for key, out in doc["output"].items():
            if not key.startswith("cross-stack-output-"):
                assert not out.get("sensitive"), key


def test_every_output_says_what_it_is_and_teams_get_what_they_peer_with(default_synth):
    """Outputs carry descriptions (cdktf's own cross-stack outputs excepted); a team peers its runners with the
    VNets and reads the key vault ids from the outputs."""
    for stack, doc in default_synth.stacks.items():
        for name, out in doc.get("output", {}).items():
            if name.startswith("cross-stack-output-"):
                continue  # made by cdktf for a cross-stack reference, sensitive, read by the region stacks only
            assert out.get("description"), f"{stack}: output {name} has no description"
    for stack in (EAST, WEST):
        outputs = default_synth.stacks[stack]["output"]
        assert outputs["vnet_id"]["value"] == "${azurerm_virtual_network.vnet.id}"
        assert outputs["endpoint_subnet_id"]["value"] == "${azurerm_subnet.endpoints.id}"
        assert outputs["key_vault_id"]["value"] == "${azurerm_key_vault.key_vault.id}"
    shared = default_synth.stacks["fraud-prod-shared"]["output"]
    assert shared["operations_vnet_id"]["value"] == "${azurerm_virtual_network.vnet.id}"
    assert shared["cmk_vault_id"]["value"] == "${azurerm_key_vault.cmk_vault.id}"
    assert "registry" not in shared["cmk_vault_id"]["description"]  # the registry's key is off by default
