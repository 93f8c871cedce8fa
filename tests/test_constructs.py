"""Per-construct tests: secure defaults in a minimal stack, and each refusal."""

from __future__ import annotations


import pytest

from tests.construct_support import new_stack, only, synth
from foundry_constructs.azurerm import management_lock, resource_group
from foundry_constructs.compute import ClusterProps, ComputeCluster
from foundry_constructs.interfaces import Grant, Lock
from foundry_constructs.key_vault import KeyVaultProps, ProtectedKeyVault
from foundry_constructs.registry import GeoReplicatedRegistry, Replica, RegistryProps
from foundry_constructs.storage import ProtectedStorageAccount, StorageProps
from foundry_constructs.tagging import default_tags



def test_registry_defaults_are_secure_and_replicas_sorted():
    stack, rg = new_stack()
    GeoReplicatedRegistry(stack, "registry", RegistryProps(
        name="crtest", location="eastus", resource_group=rg,
        replicas=(Replica(location="westus2"), Replica(location="westus", zone_redundant=False)),
    ))
    doc = synth(stack)
    r = only(doc, "azurerm_container_registry")
    assert r["sku"] == "Premium" and r["zone_redundancy_enabled"] is True
    assert r["admin_enabled"] is False and r["anonymous_pull_enabled"] is False
    assert r["retention_policy_in_days"] == 7
    assert r["georeplications"] == [
        {"location": "westus", "regional_endpoint_enabled": True, "zone_redundancy_enabled": False},
        {"location": "westus2", "regional_endpoint_enabled": True, "zone_redundancy_enabled": True},
    ]
    assert r["lifecycle"]["prevent_destroy"] is True
    lock = only(doc, "azurerm_management_lock")
    assert lock["lock_level"] == "CanNotDelete" and "azurerm_container_registry" in lock["scope"]


def test_registry_lock_can_be_turned_off_explicitly():
    stack, rg = new_stack()
    GeoReplicatedRegistry(stack, "registry", RegistryProps(name="crtest", location="eastus", resource_group=rg, lock=None))
    assert "azurerm_management_lock" not in synth(stack)["resource"]


def test_rejects_replica_in_home_region():
    stack, rg = new_stack()
    with pytest.raises(ValueError, match="home region"):
        GeoReplicatedRegistry(stack, "r", RegistryProps(name="crtest", location="eastus", resource_group=rg,
                                                        replicas=(Replica(location="eastus"),)))


def test_rejects_replicas_without_premium():
    stack, rg = new_stack()
    with pytest.raises(ValueError, match="Premium"):
        GeoReplicatedRegistry(stack, "r", RegistryProps(name="crtest", location="eastus", resource_group=rg, sku="Standard",
                                                        replicas=(Replica(location="westus"),)))


def test_storage_defaults_protect_data():
    stack, rg = new_stack()
    ProtectedStorageAccount(stack, "data", StorageProps(name="sttest", location="eastus", resource_group=rg,
                                                         replication="GRS", containers=("datasets",)))
    doc = synth(stack)
    a = only(doc, "azurerm_storage_account")
    assert a["account_replication_type"] == "GRS"
    assert a["shared_access_key_enabled"] is False and a["allow_nested_items_to_be_public"] is False
    assert a["min_tls_version"] == "TLS1_2" and a["https_traffic_only_enabled"] is True
    assert a["local_user_enabled"] is False and a["infrastructure_encryption_enabled"] is True
    bp = a["blob_properties"]
    assert bp["versioning_enabled"] is True and bp["change_feed_enabled"] is True
    assert bp["delete_retention_policy"] == {"days": 30}
    assert bp["container_delete_retention_policy"] == {"days": 30}
    assert bp["restore_policy"] == {"days": 14}
    assert a["lifecycle"]["prevent_destroy"] is True
    c = only(doc, "azurerm_storage_container")
    assert c["name"] == "datasets" and c["container_access_type"] == "private"
    assert "azurerm_storage_account" in c["storage_account_id"]
    assert only(doc, "azurerm_management_lock")["lock_level"] == "CanNotDelete"


def test_rejects_restore_window_not_shorter_than_soft_delete():
    stack, rg = new_stack()
    with pytest.raises(ValueError, match="point-in-time"):
        ProtectedStorageAccount(stack, "d", StorageProps(name="sttest", location="eastus", resource_group=rg,
                                                          replication="GRS", blob_soft_delete_days=7,
                                                          point_in_time_restore_days=7))


def test_key_vault_cannot_be_purged():
    stack, rg = new_stack()
    ProtectedKeyVault(stack, "kv", KeyVaultProps(name="kv-test", location="eastus", resource_group=rg, tenant_id="t"))
    doc = synth(stack)
    kv = only(doc, "azurerm_key_vault")
    assert kv["purge_protection_enabled"] is True and kv["rbac_authorization_enabled"] is True
    assert kv["soft_delete_retention_days"] == 90 and kv["lifecycle"]["prevent_destroy"] is True
    assert only(doc, "azurerm_management_lock")["notes"]


def test_compute_cluster_scales_to_zero_without_keys():
    stack, rg = new_stack()
    kv = ProtectedKeyVault(stack, "kv", KeyVaultProps(name="kv-test", location="eastus", resource_group=rg, tenant_id="t"))
    ComputeCluster(stack, "cpu", ClusterProps(name="cpu", location="eastus", hub=kv, vm_size="Standard_D4s_v3",
                                              grants=(Grant(role="AcrPull", target=kv),)))
    doc = synth(stack)
    c = only(doc, "azurerm_machine_learning_compute_cluster")
    assert c["scale_settings"]["min_node_count"] == 0
    assert c["local_auth_enabled"] is False and c["identity"] == {"type": "SystemAssigned"}
    ra = only(doc, "azurerm_role_assignment")
    assert ra["role_definition_name"] == "AcrPull"
    assert "azurerm_machine_learning_compute_cluster" in ra["principal_id"] and "identity[0].principal_id" in ra["principal_id"]


def test_rejects_min_nodes_over_max():
    stack, rg = new_stack()
    with pytest.raises(ValueError, match="min_nodes"):
        ComputeCluster(stack, "c", ClusterProps(name="cpu", location="eastus", hub=rg, vm_size="Standard_D4s_v3",
                                                min_nodes=5, max_nodes=2))


def test_tag_defaults_fill_in_and_never_overwrite():
    with default_tags({"owner": "platform", "environment": "prod"}):
        stack, rg = new_stack()
        resource_group.ResourceGroup(stack, "own", name="rg-own", location="eastus", tags={"owner": "me"})
        lock = ProtectedKeyVault(stack, "kv", KeyVaultProps(name="kv-t", location="eastus", resource_group=rg,
                                                            tenant_id="t")).lock  # a resource without tags
    resource_group.ResourceGroup(stack, "after", name="rg-after", location="eastus")  # outside: no defaults
    doc = synth(stack)
    assert "tags" not in doc["resource"]["azurerm_management_lock"][lock.friendly_unique_id]
    groups = doc["resource"]["azurerm_resource_group"]
    assert groups["rg"]["tags"] == {"owner": "platform", "environment": "prod"}
    assert groups["own"]["tags"] == {"owner": "me", "environment": "prod"}
    assert "tags" not in groups["after"]
    vaults = doc["resource"]["azurerm_key_vault"]
    assert all(v["tags"] == {"owner": "platform", "environment": "prod"} for v in vaults.values())


def test_nested_tag_defaults_add_to_the_outer_ones_and_list_tags_are_left_alone():
    from foundry_constructs import azurerm

    named_value = azurerm.load("api_management_named_value")  # one of two azurerm resources whose tags are a list
    assert not azurerm._has_map_tags(named_value.ApiManagementNamedValue)
    assert azurerm._has_map_tags(resource_group.ResourceGroup)
    with default_tags({"owner": "platform", "environment": "prod"}):
        with default_tags({"environment": "dev", "team": "fraud"}):
            stack, _ = new_stack()
        named_value.ApiManagementNamedValue(stack, "nv", name="nv", resource_group_name="rg", api_management_name="apim",
                                            display_name="nv", value="v", tags=["a"])
    doc = synth(stack)
    assert doc["resource"]["azurerm_resource_group"]["rg"]["tags"] == {"owner": "platform", "environment": "dev",
                                                                        "team": "fraud"}
    assert doc["resource"]["azurerm_api_management_named_value"]["nv"]["tags"] == ["a"]


def test_kept_reference_follows_for_each():
    """A token kept before ``for_each`` is set would miss the ``.*``: setting ``for_each`` forgets it."""
    from foundry_constructs.cdk import TerraformIterator

    stack, rg = new_stack()
    before = rg.id
    rg.for_each = TerraformIterator.from_list(["a", "b"])
    after = rg.id
    assert after is not before and after is rg.id
    lock = management_lock.ManagementLock(stack, "l", name="l", scope=after, lock_level="CanNotDelete")
    doc = synth(stack)
    assert doc["resource"]["azurerm_management_lock"][lock.friendly_unique_id]["scope"] == "${azurerm_resource_group.rg.*.id}"


def test_reference_attributes_are_asked_once_and_stay_settable():
    """The loader keeps the first ``id``/``name`` token of a resource; setters still work."""
    stack, rg = new_stack()
    assert rg.name is rg.name and rg.id is rg.id
    assert rg.name.startswith("${TfToken[")
    rg.name = "rg-renamed"  # the input setter is untouched
    assert rg.name_input == "rg-renamed"
    other = resource_group.ResourceGroup(stack, "other", name="rg-other", location="eastus")
    assert other.name != rg.name
    doc = synth(stack)
    assert doc["resource"]["azurerm_resource_group"]["rg"]["name"] == "rg-renamed"


def test_lock_shape_is_shared():
    assert Lock(notes="x").level.value == "CanNotDelete"
