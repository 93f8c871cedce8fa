"""Readable, stable Terraform addresses (issue "adoption by a real platform team", part 1)."""

from __future__ import annotations

import re

import pytest
import yaml

from foundry_constructs.addresses import logical_id
from tests.conftest import DEFAULT_CONFIG, ROOT, Synth, synth_config

CONFIGS = sorted([*(ROOT / "config").glob("*.yaml"), *(ROOT / "benchmarks").glob("*.yaml")])
READABLE = re.compile(r"[a-z][a-z0-9_]*")
HASHED = re.compile(r"_[0-9A-Fa-f]{8}$")
# made by cdktf itself while it synthesizes a cross-stack reference, after our constructs ran: the issue
# "first day of a Terraform team" replaces these references (tfe_outputs / explicit remote state)
CDKTF_MADE = {("terraform_remote_state", "cross-stack-reference-input-")}


def addresses(synth: Synth) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for stack, doc in synth.stacks.items():
        for section, prefix in (("resource", ""), ("data", "data.")):
            for rtype, items in doc.get(section, {}).items():
                for name in items:
                    out.setdefault(stack, set()).add(f"{prefix}{rtype}.{name}")
    return out


def cdktf_made(address: str) -> bool:
    rtype, name = address.removeprefix("data.").split(".", 1)
    return any(rtype == t and name.startswith(p) for t, p in CDKTF_MADE)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_every_address_is_readable_snake_case(config, tmp_path):
    synth = synth_config(config, tmp_path / "o")
    for stack, found in addresses(synth).items():
        for address in found:
            if cdktf_made(address):
                continue
            name = address.rsplit(".", 1)[1]
            assert READABLE.fullmatch(name) and not HASHED.search(name), f"{stack}: {address}"


def test_read_access_addresses_are_readable_too(tmp_path):
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"training_data.redundancy": "RAGRS"})
    names = {a for found in addresses(synth).values() for a in found if not cdktf_made(a)}
    assert all(READABLE.fullmatch(a.rsplit(".", 1)[1]) for a in names)
    assert "azurerm_private_endpoint.training_data_secondary" in addresses(synth)["fraud-prod-eastus"]


def test_the_addresses_a_runbook_uses(default_synth):
    found = addresses(default_synth)
    assert {"azurerm_storage_account.training_data", "azurerm_container_registry.registry",
            "azurerm_private_endpoint.registry", "azurerm_key_vault.cmk_vault"} <= found["fraud-prod-shared"]
    assert {"azurerm_ai_foundry.hub", "azurerm_private_endpoint.registry", "azurerm_storage_account.hub_storage",
            "azurerm_machine_learning_compute_cluster.cluster_cpu_train",
            "azurerm_management_lock.hub"} <= found["fraud-prod-eastus"]
    assert {"azurerm_traffic_manager_profile.routing",
            "azurerm_traffic_manager_external_endpoint.routing_westus"} <= found["fraud-prod-routing"]


def test_adding_a_project_and_a_cluster_renames_nothing(default_synth, tmp_path):
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc["hub"]["projects"].append("graph-features")
    doc["compute"]["clusters"].append({"name": "gpu-infer", "vm_size": "Standard_NC4as_T4_v3", "max_nodes": 2})
    config = tmp_path / "more.yaml"
    config.write_text(yaml.safe_dump(doc))
    more = addresses(synth_config(config, tmp_path / "o"))
    for stack, found in addresses(default_synth).items():
        assert found <= more[stack], (stack, sorted(found - more[stack]))


def test_the_rule_is_a_function_of_the_path():
    assert logical_id("fraud-prod-shared/platform/training-data/account", "azurerm_storage_account") == "training_data"
    assert logical_id("fraud-prod-eastus/regional/hub/hub", "azurerm_ai_foundry") == "hub"
    assert logical_id("fraud-prod-eastus/regional/network/pe-registry", "azurerm_private_endpoint") == "registry"
    assert logical_id("s/regional/cluster-cpu-train/cluster", "azurerm_machine_learning_compute_cluster") == "cluster_cpu_train"
    with pytest.raises(ValueError):
        logical_id("s/9-lives", "azurerm_x")
