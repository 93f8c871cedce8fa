"""Security and safety policy over every synthesized stack: nothing lost, nothing public, no secrets.

Each rule reads the Terraform JSON as a reviewer would. The classification of
resource types is exhaustive on purpose: a new resource type in the output
fails ``test_every_resource_type_is_classified`` until someone decides whether
it holds data (then it needs ``prevent_destroy`` and a CanNotDelete lock).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEFAULT_CONFIG, Synth, synth_config

# Holds data or cannot be recreated as it was: prevent_destroy AND a CanNotDelete lock on it.
PROTECTED = {
    "azurerm_storage_account": "training data; a hub's datastores",
    "azurerm_container_registry": "every model image",
    "azurerm_key_vault": "hub secrets; customer-managed keys (losing a key loses the data)",
    "azurerm_ai_foundry": "hub metadata is not replicated and hubs cannot be soft-deleted",
    "azurerm_ai_foundry_project": "projects cannot be soft-deleted",
}
# Data-bearing but not lockable on its own: prevent_destroy, and its parent's lock.
PREVENT_DESTROY_ONLY = {
    "azurerm_key_vault_key": "a key is a data-plane object: the vault's lock and purge protection guard it",
}
# Holds nothing that a re-apply does not restore, with the reason.
RECREATABLE = {
    "azurerm_resource_group": "a container; Azure refuses to delete one with resources (provider feature on)",
    "azurerm_storage_container": "deleting needs the account; container soft delete 30 days",
    "azurerm_storage_container_immutability_policy": "a policy; a locked one cannot be removed at all",
    "azurerm_management_lock": "a guard",
    "azurerm_role_assignment": "access, re-granted by apply",
    "azurerm_user_assigned_identity": "an identity; its role assignments are code",
    "azurerm_machine_learning_compute_cluster": "min 0 nodes, no state; the hub's lock covers it",
    "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint": "network rule",
    "azurerm_log_analytics_workspace": "logs; the workspace has 14 days of soft delete",
    "azurerm_application_insights": "telemetry view on the workspace",
    "azurerm_virtual_network": "network", "azurerm_subnet": "network",
    "azurerm_network_security_group": "network", "azurerm_subnet_network_security_group_association": "network",
    "azurerm_private_dns_zone": "records are recreated by the endpoints",
    "azurerm_private_dns_zone_virtual_network_link": "network", "azurerm_private_endpoint": "network",
    "azurerm_monitor_diagnostic_setting": "routing of logs", "azurerm_monitor_action_group": "alerting",
    "azurerm_monitor_activity_log_alert": "alerting", "azurerm_monitor_metric_alert": "alerting",
    "azurerm_monitor_scheduled_query_rules_alert_v2": "alerting",
    "azurerm_traffic_manager_profile": "routing", "azurerm_traffic_manager_external_endpoint": "routing",
    "terraform_data": "the replication gate (no state of value)",
    "azapi_resource_action": "provisions the hub's managed network once (an ARM action)",
    "azapi_resource": "an outbound rule (blob_secondary) or an event subscription, recreated by apply",
    "azurerm_private_dns_a_record": "a record, rewritten from the endpoint's own IPs",
    "azurerm_storage_management_policy": "a lifecycle rule, rewritten by apply",
    "time_sleep": "a wait, no state of value",
    "azurerm_eventgrid_system_topic": "routes a vault's key-expiry events to alerts",
}

SECRET_KEYS = re.compile(r"(password|secret|access_key|account_key|primary_key|secondary_key|sas_token|"
                         r"connection_string|client_secret|admin_password|ssh_key|token)", re.I)


@pytest.fixture(scope="module")
def hardened(tmp_path_factory) -> Synth:
    """Every optional protection on: customer-managed keys (the default) for the registry and the hubs too, a
    locked WORM policy, and the runners' public range admitted by the key vaults' firewalls."""
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("hardened") / "cdktf.out", **{
        "encryption.registry_customer_managed_key": True,
        "encryption.hub_customer_managed_key": True,
        "network.operator_ip_ranges": ["52.170.12.0/28"],
        "training_data.immutability_days": 365,
        "training_data.immutability_locked": True,
    })


def all_resources(synth: Synth):
    for stack, doc in synth.stacks.items():
        for rtype, items in doc.get("resource", {}).items():
            for name, body in items.items():
                yield stack, rtype, name, body


@pytest.mark.parametrize("variant", ["default", "hardened"])
def test_every_resource_type_is_classified(request, variant):
    synth = request.getfixturevalue("default_synth" if variant == "default" else variant)
    known = PROTECTED.keys() | PREVENT_DESTROY_ONLY.keys() | RECREATABLE.keys()
    unknown = {rtype for _, rtype, _, _ in all_resources(synth)} - known
    assert not unknown, f"classify these in tests/test_security.py (data-bearing needs lock + prevent_destroy): {unknown}"


@pytest.mark.parametrize("variant", ["default", "hardened"])
def test_data_bearing_resources_are_locked_and_cannot_be_destroyed(request, variant):
    synth = request.getfixturevalue("default_synth" if variant == "default" else variant)
    checked = 0
    for stack, rtype, name, body in all_resources(synth):
        if rtype in PROTECTED or rtype in PREVENT_DESTROY_ONLY:
            assert body.get("lifecycle", {}).get("prevent_destroy") is True, f"{stack}: {rtype}.{name}"
            checked += 1
        if rtype in PROTECTED:
            ref = f"${{{rtype}.{name}.id}}"
            locks = [lk for lk in synth.resources(stack, "azurerm_management_lock").values() if lk["scope"] == ref]
            assert [lk["lock_level"] for lk in locks] == ["CanNotDelete"], f"{stack}: {rtype}.{name} has no lock"
    # shared: data, registry, key vault, the data's key; each region: hub storage, vault, hub, project, the key of
    # the hub's storage (+ the hub's metadata key where encryption.hub_customer_managed_key is on)
    assert checked == (14 if variant == "default" else 17)  # hardened: + the registry's key and the hubs' keys


def test_key_vaults_cannot_be_purged(default_synth, hardened):
    for synth in (default_synth, hardened):
        for stack, rtype, name, body in all_resources(synth):
            if rtype == "azurerm_key_vault":
                assert body["purge_protection_enabled"] is True
                assert body["soft_delete_retention_days"] == 90
                assert body["rbac_authorization_enabled"] is True


def test_nothing_reachable_from_the_internet_by_default(default_synth):
    seen = set()
    for stack, rtype, name, body in all_resources(default_synth):
        if rtype in ("azurerm_storage_account", "azurerm_container_registry", "azurerm_key_vault"):
            assert body["public_network_access_enabled"] is False, f"{stack}: {rtype}.{name}"
            seen.add(rtype)
        if rtype == "azurerm_storage_account":
            assert body["network_rules"]["default_action"] == "Deny"
        if rtype == "azurerm_key_vault":
            assert body["network_acls"]["default_action"] == "Deny"
        if rtype == "azurerm_ai_foundry":
            assert body["public_network_access"] == "Disabled"
            assert body["managed_network"]["isolation_mode"] == "AllowOnlyApprovedOutbound"
            seen.add(rtype)
        if rtype == "azurerm_machine_learning_compute_cluster":
            assert body["node_public_ip_enabled"] is False and body["ssh_public_access_enabled"] is False
            assert body["local_auth_enabled"] is False
            seen.add(rtype)
        if rtype == "azurerm_container_registry":
            assert body["admin_enabled"] is False and body["anonymous_pull_enabled"] is False
            assert body["export_policy_enabled"] is False
    assert len(seen) == 5


@pytest.mark.parametrize("location", ["eastus", "westus"])
def test_each_region_reaches_everything_through_its_own_private_endpoints(default_synth, location):
    stack = f"fraud-prod-{location}"
    doc = default_synth.stacks[stack]
    endpoints = default_synth.resources(stack, "azurerm_private_endpoint")
    subresources = sorted(e["private_service_connection"]["subresource_names"][0] for e in endpoints.values())
    assert subresources == ["amlworkspace", "blob", "blob", "file", "registry", "vault", "vault"]
    # the shared registry and training data are reached through the shared stack's state, not another region
    targets = {e["private_service_connection"]["private_connection_resource_id"] for e in endpoints.values()}
    assert sum("terraform_remote_state" in t for t in targets) == 3  # registry, training data, key vault
    zones = {z["name"] for z in default_synth.resources(stack, "azurerm_private_dns_zone").values()}
    assert {"privatelink.azurecr.io", "privatelink.blob.core.windows.net", "privatelink.vaultcore.azure.net",
            "privatelink.api.azureml.ms", "privatelink.notebooks.azure.net", "privatelink.file.core.windows.net"} == zones
    links = default_synth.resources(stack, "azurerm_private_dns_zone_virtual_network_link")
    (vnet_name,) = doc["resource"]["azurerm_virtual_network"]
    assert len(links) == len(zones) and all(vnet_name in lk["virtual_network_id"] for lk in links.values())
    (subnet,) = default_synth.resources(stack, "azurerm_subnet").values()
    assert subnet["default_outbound_access_enabled"] is False
    assert default_synth.resources(stack, "azurerm_subnet_network_security_group_association")
    vnet = default_synth.one(stack, "azurerm_virtual_network")
    assert vnet["address_space"] == [{"eastus": "10.10.0.0/16", "westus": "10.20.0.0/16"}[location]]


def test_hub_reaches_training_data_through_an_approved_outbound_rule(default_synth):
    rule = default_synth.one("fraud-prod-eastus", "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint")
    assert rule["sub_resource_target"] == "blob"
    # the training data account, read from the shared stack's state (not the registry, not a regional account)
    assert rule["service_resource_id"].startswith("${data.terraform_remote_state.")
    assert "storage_accounttraining_data" in rule["service_resource_id"]
    (hub,) = default_synth.resources("fraud-prod-eastus", "azurerm_ai_foundry")
    assert rule["workspace_id"] == f"${{azurerm_ai_foundry.{hub}.id}}"


def test_customer_managed_keys_encrypt_the_data_by_default_and_the_registry_on_request(default_synth, hardened):
    shared = "fraud-prod-shared"
    for synth in (default_synth, hardened):
        (key_data,) = [k for k in synth.resources(shared, "azurerm_key_vault_key").values() if k["name"] == "cmk-training-data"]
        (key_ref,) = [n for n, k in synth.resources(shared, "azurerm_key_vault_key").items() if k["name"] == "cmk-training-data"]
        account = synth.one(shared, "azurerm_storage_account")
        assert account["customer_managed_key"]["key_vault_key_id"] == f"${{azurerm_key_vault_key.{key_ref}.versionless_id}}"
        assert account["identity"]["type"] == "UserAssigned"
        assert key_data["key_type"] == "RSA-HSM" and key_data["rotation_policy"]["automatic"]["time_after_creation"] == "P365D"
        assert key_data["lifecycle"] == {"prevent_destroy": True, "ignore_changes": ["expiration_date"]}
        # the key is created only once the identity may use it and Terraform can reach the vault privately
        # (and their role assignments had time to take effect: Azure RBAC propagates in minutes)
        assert [d.split(".")[0] for d in key_data["depends_on"]] == [
            "azurerm_role_assignment", "azurerm_role_assignment", "time_sleep", "azurerm_private_endpoint"]
        (wait,) = synth.resources(shared, "time_sleep").values()
        assert wait["create_duration"] == "10m"
        assert sorted(wait["triggers"]) == ["crypto-officer", "encryption-user"]
        roles = sorted(r["role_definition_name"] for r in synth.resources(shared, "azurerm_role_assignment").values())
        assert roles == ["Key Vault Crypto Officer", "Key Vault Crypto Service Encryption User"]
        names = [e["name"] for e in synth.resources("fraud-prod-westus", "azurerm_private_endpoint").values()]
        assert "pe-kv-contosofraudprod-cmk-vault-wus" in names
        # a region's hub storage uses a key in the region's own vault: no key crosses regions
        for region, code in (("eastus", "eus"), ("westus", "wus")):
            stack = f"fraud-prod-{region}"
            key = synth.resources(stack, "azurerm_key_vault_key")["cmk_key_hub_storage"]  # beside the hub's own key
            assert key["key_vault_id"].startswith("${azurerm_key_vault.") and key["name"] == "cmk-hub-storage"
            assert synth.one(stack, "azurerm_storage_account")["customer_managed_key"]["key_vault_key_id"].startswith(
                "${azurerm_key_vault_key.")
            assert synth.one(stack, "azurerm_user_assigned_identity")["name"] == f"id-fraud-prod-cmk-{code}"
    # the registry's encryption is chosen when it is created: off unless asked for
    assert "encryption" not in default_synth.one(shared, "azurerm_container_registry")
    registry = hardened.one(shared, "azurerm_container_registry")
    assert registry["encryption"][0]["key_vault_key_id"].endswith(".versionless_id}")
    assert registry["identity"]["type"] == "UserAssigned"


def test_key_vaults_admit_only_private_endpoints_or_the_operator_ranges(default_synth, hardened):
    for stack in ("fraud-prod-shared", "fraud-prod-eastus"):
        for vault in default_synth.resources(stack, "azurerm_key_vault").values():
            assert vault["public_network_access_enabled"] is False and "ip_rules" not in vault["network_acls"]
        for vault in hardened.resources(stack, "azurerm_key_vault").values():
            assert vault["public_network_access_enabled"] is True  # "selected networks" only
            assert vault["network_acls"] == {"bypass": "AzureServices", "default_action": "Deny",
                                             "ip_rules": ["52.170.12.0/28"]}


def test_worm_policy_on_the_training_data_container(default_synth, hardened):
    assert not default_synth.resources("fraud-prod-shared", "azurerm_storage_container_immutability_policy")
    policy = hardened.one("fraud-prod-shared", "azurerm_storage_container_immutability_policy")
    assert policy["immutability_period_in_days"] == 365 and policy["locked"] is True
    assert policy["storage_container_resource_manager_id"].startswith("${azurerm_storage_container.")


@pytest.mark.parametrize("variant", ["default", "hardened"])
def test_no_secret_is_written_to_the_output(request, variant):
    synth = request.getfixturevalue("default_synth" if variant == "default" else variant)

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if k != "//":
                    assert not (SECRET_KEYS.search(k) and isinstance(v, str) and not v.startswith("${")), f"{path}.{k}"
                    walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        elif isinstance(node, str):
            assert not re.search(r"AccountKey=|SharedAccessSignature|sig=|-----BEGIN", node), path

    for stack, doc in synth.stacks.items():
        walk(doc, stack)
        for name, out in doc.get("output", {}).items():
            if not name.startswith("cross-stack-output-"):
                assert not out.get("sensitive"), f"{stack}: output {name} marked sensitive"
    for path in synth.outdir.rglob("*.json"):
        assert "client_secret" not in path.read_text()


def test_two_synths_are_byte_identical_and_carry_no_absolute_paths(tmp_path, default_synth):
    again = synth_config(DEFAULT_CONFIG, tmp_path / "again")
    files = sorted(p.relative_to(default_synth.outdir) for p in default_synth.outdir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again.outdir) for p in again.outdir.rglob("*") if p.is_file())
    for rel in files:
        first, second = (default_synth.outdir / rel).read_bytes(), (again.outdir / rel).read_bytes()
        assert first == second, rel
        text = first.decode()
        for absolute in (str(default_synth.outdir), str(tmp_path), "/work/", "/home/", "/tmp/", "/root/"):
            assert absolute not in text, f"{rel} carries {absolute}"


def test_sandbox_mode_is_public_and_says_so_once(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    cfg = tmp_path / "sandbox.yaml"
    cfg.write_text((ROOT / "config" / "default.yaml").read_text().replace("  private: true", "  private: false")
                   .replace("customer_managed_keys: true", "customer_managed_keys: false"))
    run = subprocess.run([sys.executable, "main.py", "synth", "--config", str(cfg), "--out", str(tmp_path / "out")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("[public-network]") == 1, run.stderr
    sandbox = Synth.read(tmp_path / "out")
    assert not sandbox.resources("fraud-prod-eastus", "azurerm_private_endpoint")
    assert sandbox.one("fraud-prod-shared", "azurerm_container_registry")["public_network_access_enabled"] is True
    assert sandbox.one("fraud-prod-eastus", "azurerm_ai_foundry")["public_network_access"] == "Enabled"
    # still Azure AD only and locked: sandbox mode opens the network, nothing else
    assert sandbox.one("fraud-prod-shared", "azurerm_storage_account")["shared_access_key_enabled"] is False
    # customer-managed keys off: Microsoft-managed keys, no vault or key for them
    assert not sandbox.resources("fraud-prod-shared", "azurerm_key_vault_key")
    assert "customer_managed_key" not in sandbox.one("fraud-prod-shared", "azurerm_storage_account")
    assert "encryption" not in sandbox.one("fraud-prod-shared", "azurerm_container_registry")
    for stack in ("fraud-prod-shared", "fraud-prod-eastus"):
        locks = sandbox.resources(stack, "azurerm_management_lock").values()
        assert len(locks) >= 2 and all(lk["lock_level"] == "CanNotDelete" for lk in locks)


def test_determinism_holds_beyond_the_default(tmp_path, three_region_synth):
    """Three regions, another order of work: the same bytes again, from another directory."""
    again = synth_config(DEFAULT_CONFIG, tmp_path / "elsewhere" / "out", **{"regions.secondaries": ["westus2", "westus"]})
    for rel in sorted(p.relative_to(three_region_synth.outdir) for p in three_region_synth.outdir.rglob("*") if p.is_file()):
        assert (three_region_synth.outdir / rel).read_bytes() == (again.outdir / rel).read_bytes(), rel
        assert str(tmp_path) not in (again.outdir / rel).read_text()
