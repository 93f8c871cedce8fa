"""Creation-time decisions and the silent defaults closed (issue "decide now what Azure fixes at creation")."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.decisions import render, rows
from tests.conftest import DEFAULT_CONFIG, ROOT, synth_config

SHARED = "fraud-prod-shared"
DOC = ROOT / "docs" / "creation-time-decisions.md"


def test_the_committed_table_is_the_commands_output(default_cfg, default_synth):
    assert DOC.read_text() == render(default_cfg, default_synth.outdir), \
        "regenerate: python main.py decisions --out docs/creation-time-decisions.md"
    assert "(docs/creation-time-decisions.md)" in (ROOT / "README.md").read_text()


def test_the_table_covers_what_the_issue_names_and_reads_the_output(default_cfg, default_synth, tmp_path):
    names = [r[0] for r in rows(default_cfg, default_synth.outdir)]
    for wanted in ("Registry customer-managed key", "Hub encryption", "Hub high business impact",
                   "Queue and table encryption key type", "Account kind and hierarchical namespace",
                   "Registry zone redundancy (each replica)", "Training data redundancy family", "Names"):
        assert any(n.startswith(wanted) for n in names), wanted
    from app.config import load_config

    cfg = load_config(DEFAULT_CONFIG, overrides={"encryption.registry_customer_managed_key": True})
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"encryption.registry_customer_managed_key": True})
    ours = {r[0]: r[1] for r in rows(cfg, synth.outdir)}
    assert ours["Registry customer-managed key"] == "on"  # read from the output, so it follows the config
    assert {r[0]: r[1] for r in rows(default_cfg, default_synth.outdir)}["Registry customer-managed key"] == "off"


def test_queues_and_tables_follow_the_customer_managed_key(default_synth):
    for stack in default_synth.stacks:
        for account in default_synth.resources(stack, "azurerm_storage_account").values():
            assert "customer_managed_key" in account
            assert account["queue_encryption_key_type"] == account["table_encryption_key_type"] == "Account"


def test_without_customer_managed_keys_the_key_types_stay_unset(tmp_path):
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"encryption.customer_managed_keys": False})
    for stack in synth.stacks:
        for account in synth.resources(stack, "azurerm_storage_account").values():
            assert "queue_encryption_key_type" not in account and "customer_managed_key" not in account


def test_silent_defaults_are_closed(default_synth):
    for stack in default_synth.stacks:
        for law in default_synth.resources(stack, "azurerm_log_analytics_workspace").values():
            assert law["local_authentication_enabled"] is False
        for account in default_synth.resources(stack, "azurerm_storage_account").values():
            assert account["allowed_copy_scope"] == "AAD"
            if account["shared_access_key_enabled"]:  # a hub's own storage: key-signed SAS past a day are refused
                assert account["sas_policy"] == {"expiration_period": "01.00:00:00", "expiration_action": "Block"}
            else:  # no key, no key-signed SAS: no policy to pretend it governs something
                assert "sas_policy" not in account


def test_the_hub_storage_sas_policy_follows_the_config(tmp_path):
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"hub.sas_expiration_action": "Log",
                                                             "hub.sas_expiration_hours": 30})
    policies = [a["sas_policy"] for stack in synth.stacks
                for a in synth.resources(stack, "azurerm_storage_account").values() if a["shared_access_key_enabled"]]
    assert policies and all(p == {"expiration_period": "01.06:00:00", "expiration_action": "Log"} for p in policies)


@pytest.mark.parametrize("key, value, allowed", [("sas_expiration_action", "Deny", "Block"),
                                                 ("sas_expiration_hours", 0, "greater than or equal to 1")])
def test_a_bad_sas_policy_is_refused_with_the_field(tmp_path, key, value, allowed):
    text = DEFAULT_CONFIG.read_text().replace("  high_business_impact: true\n",
                                              f"  high_business_impact: true\n  {key}: {value}\n")
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    run = subprocess.run([sys.executable, "main.py", "synth", "--config", str(config), "--out", str(tmp_path / "o")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and f"hub.{key}" in run.stderr and allowed in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "o").exists()


def test_hub_storage_can_be_restored_like_the_training_data(default_synth):
    for stack in ("fraud-prod-eastus", "fraud-prod-westus"):
        (account,) = default_synth.resources(stack, "azurerm_storage_account").values()
        blob = account["blob_properties"]
        assert blob["versioning_enabled"] is True and blob["change_feed_enabled"] is True
        assert blob["restore_policy"]["days"] == 7 < blob["delete_retention_policy"]["days"]


def test_endpoint_subnets_admit_https_and_smb_from_the_vnet_and_deny_the_rest(default_synth):
    for stack in default_synth.stacks:
        for nsg in default_synth.resources(stack, "azurerm_network_security_group").values():
            rules = {r["name"]: r for r in nsg["security_rule"]}
            assert set(rules) == {"allow-vnet-https", "allow-vnet-smb", "deny-all-inbound"}
            assert {r["destination_port_range"] for r in rules.values() if r["access"] == "Allow"} == {"443", "445"}
            assert all(r["source_address_prefix"] == "VirtualNetwork" for r in rules.values() if r["access"] == "Allow")
            deny = rules["deny-all-inbound"]
            assert (deny["priority"], deny["direction"], deny["protocol"], deny["source_address_prefix"]) == (
                4096, "Inbound", "*", "*")


def test_key_expiry_reaches_the_action_group(default_synth):
    """notify_before_expiry only publishes an Event Grid event: a system topic per vault routes it to Azure Monitor
    alerts with the stack's action group, for every vault that holds customer-managed keys."""
    for stack in default_synth.stacks:
        keys = default_synth.resources(stack, "azurerm_key_vault_key")
        topics = default_synth.resources(stack, "azurerm_eventgrid_system_topic")
        if not keys:
            assert not topics
            continue
        vault_refs = {k["key_vault_id"] for k in keys.values()}
        assert {t["source_arm_resource_id"] for t in topics.values()} == vault_refs
        assert all(t["topic_type"] == "Microsoft.KeyVault.vaults" for t in topics.values())
        assert all(k["rotation_policy"]["notify_before_expiry"] == "P30D" for k in keys.values())
        (group,) = default_synth.resources(stack, "azurerm_monitor_action_group")
        (topic_name,) = topics
        (sub,) = [r for r in default_synth.resources(stack, "azapi_resource").values()
                  if r["type"].startswith("Microsoft.EventGrid/systemTopics/eventSubscriptions@")]
        assert sub["parent_id"] == f"${{azurerm_eventgrid_system_topic.{topic_name}.id}}"
        props = sub["body"]["properties"]
        assert props["filter"]["includedEventTypes"] == ["Microsoft.KeyVault.KeyNearExpiry", "Microsoft.KeyVault.KeyExpired"]
        assert props["destination"]["endpointType"] == "MonitorAlert"
        assert props["destination"]["properties"]["actionGroups"] == [f"${{azurerm_monitor_action_group.{group}.id}}"]
        assert props["eventDeliverySchema"] == "CloudEventSchemaV1_0"


def test_cmk_vault_lock_note_follows_the_config(default_synth, tmp_path):
    def note(synth):
        (vault,) = synth.resources(SHARED, "azurerm_key_vault")
        (lock,) = [lk for lk in synth.resources(SHARED, "azurerm_management_lock").values()
                   if f"azurerm_key_vault.{vault}" in lk["scope"]]
        return lock["notes"]

    assert "registry" not in note(default_synth) and "training data" in note(default_synth)
    with_registry = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"encryption.registry_customer_managed_key": True})
    assert "training data and the registry" in note(with_registry)
