"""The report's stacks, resources and cost coverage come from what synth writes, for every config in the repo."""

from __future__ import annotations

from typing import Any

import pytest

from app import report
from app.config import load_config
from app.report.charges import NOT_CHARGED, charge_key
from app.report.synthesized import Output, synthesize
from tests.conftest import Synth
from tests.report_support import DEFAULT_STACKS, ROOT, build, default_report, three_region, write_config  # noqa: F401

CONFIGS = sorted([*(ROOT / "config").glob("*.yaml"), *(ROOT / "benchmarks").glob("*.yaml")])


def addresses_of(synth: Synth) -> set[str]:
    """Every ``stack:type.name`` in a synthesized directory, read with plain json (not the report's reader)."""
    return {f"{stack}:{rtype}.{name}" for stack, doc in synth.stacks.items()
            for rtype, by_name in doc.get("resource", {}).items() for name in by_name}


def covered(rep: dict[str, Any]) -> tuple[list[str], list[str]]:
    c = rep["cost"]
    priced = [a for ln in c["lines"] + c["one_time"] for a in ln["resources"]]
    free = [a for group in c["not_charged"] for a in group["resources"]]
    return priced, free


def assert_every_address_is_priced_or_free(rep: dict[str, Any], written: set[str]) -> None:
    priced, free = covered(rep)
    assert rep["cost"]["unclassified"] == []
    assert not set(priced) & set(free), sorted(set(priced) & set(free))
    assert len(free) == len(set(free))
    assert set(priced) | set(free) == written, (sorted(written - set(priced) - set(free)),
                                                sorted(set(priced) | set(free) - written))
    listed = [a for s in rep["stacks"] for r in s["resources"] for a in r["addresses"]]
    assert sorted(listed) == sorted(written)  # the inventory lists each resource once
    assert sum(r["count"] for s in rep["stacks"] for r in s["resources"]) == len(written)


@pytest.mark.slow
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_priced_and_free_addresses_are_the_outputs_addresses(tmp_path, path):
    """For every config in config/ and benchmarks/: each address is on a cost line or listed as not charged."""
    from tests.conftest import synth_config

    cfg = load_config(path)
    synth = synth_config(path, tmp_path / "cdktf.out")
    rep = report.build(cfg, output=Output.read(synth.outdir))
    assert_every_address_is_priced_or_free(rep, addresses_of(synth))
    # the manifest's dependencies are the stacks' depends_on, nothing more
    assert {s["name"]: s["depends_on"] for s in rep["stacks"]} == {
        name: sorted(meta.get("dependencies", [])) for name, meta in synth.manifest["stacks"].items()}


@pytest.mark.parametrize("changes", [
    {"encryption.customer_managed_keys": True, "encryption.registry_customer_managed_key": True,
     "encryption.hub_customer_managed_key": True},
    {"network.private": False},
    {"training_data.redundancy": "RA-GRS", "training_data.immutability_days": 7},
    {"release_gate.enabled": True, "release_gate.image": "fraud/scoring:1.0"},
    {"backend": {"type": "cloud", "organization": "contoso", "workspace_prefix": "ai",
                 "workspaces": {"execution_mode": "local"}}},
], ids=["all-keys", "public", "ragrs-worm", "release-gate", "cloud-workspaces"])
def test_variants_are_covered_too(tmp_path, changes):
    """Switches that add or remove resources (keys, network, blob_secondary, WORM, the gate) stay covered."""
    from tests.conftest import synth_config

    path = write_config(tmp_path, **changes)
    synth = synth_config(path, tmp_path / "cdktf.out")
    rep = report.build(load_config(path), output=Output.read(synth.outdir))
    assert_every_address_is_priced_or_free(rep, addresses_of(synth))


def test_metric_alerts_are_counted_from_the_output(default_synth, default_cfg):
    """The bug this design removes: 4 alerts per region were costed while 6 were deployed."""
    rep = report.build(default_cfg, output=Output.read(default_synth.outdir))
    for stack in ("fraud-prod-eastus", "fraud-prod-westus"):
        deployed = default_synth.resources(stack, "azurerm_monitor_metric_alert")
        (ln,) = [ln for ln in rep["cost"]["lines"] if ln["component"] == "Metric alerts" and ln["stack"] == stack]
        assert len(deployed) == 6
        assert ln["resources"] == sorted(f"{stack}:azurerm_monitor_metric_alert.{n}" for n in deployed)
        assert ln["monthly_usd"] == pytest.approx(6 * 0.10)


def test_every_not_charged_type_has_a_reason_and_a_source_or_is_terraform_only():
    for key, (reason, source) in NOT_CHARGED.items():
        assert reason, key
        assert source.startswith("https://") or key in ("time_sleep", "terraform_data"), key


def test_an_unknown_type_is_reported_not_hidden(default_synth, default_cfg):
    """A type nobody classified is neither priced nor free: listed, and warned about."""
    out = Output.read(default_synth.outdir)
    stacks = {name: {**doc, "resource": {**doc.get("resource", {})}} for name, doc in out.stacks.items()}
    stacks["fraud-prod-eastus"]["resource"]["azurerm_bastion_host"] = {"bastion": {"name": "bas"}}
    rep = report.build(default_cfg, output=Output(stacks=stacks, dependencies=out.dependencies, built=out.built))
    assert rep["cost"]["unclassified"] == ["fraud-prod-eastus:azurerm_bastion_host.bastion"]
    assert any(w["code"] == "unclassified-resource" for w in rep["warnings"])
    assert charge_key(out.resources("fraud-prod-eastus", "azapi_resource_action")[0]) == "azapi_resource_action"


def test_synthesize_leaves_no_output_behind(tmp_path, monkeypatch, default_cfg):
    """The report synthesizes into a temporary directory: cdktf.out in the working directory is not written."""
    monkeypatch.chdir(tmp_path)
    out = synthesize(default_cfg)
    assert set(out.stacks) == set(DEFAULT_STACKS) and list(tmp_path.iterdir()) == []
    assert out.dependencies["fraud-prod-westus"] == ["fraud-prod-shared"]


# --------------------------------------------------------------------------- stacks and deployment order


def test_stacks_and_deployment_order(default_report):
    rep = default_report
    assert [s["name"] for s in rep["stacks"]] == DEFAULT_STACKS
    order = rep["deployment_order"]
    # the release policy (release.yml): shared, the primary, then (after the replication gate) the secondaries
    assert order["sequence"] == [["fraud-prod-shared"], ["fraud-prod-eastus"], ["fraud-prod-westus"]]
    assert order["independent"] == ["fraud-prod-routing"]
    # Terraform's order (manifest.json): the regions need only the shared stack's state
    assert order["terraform_waves"] == [["fraud-prod-shared", "fraud-prod-routing"], ["fraud-prod-eastus", "fraud-prod-westus"]]
    by = {s["name"]: s for s in rep["stacks"]}
    assert by["fraud-prod-westus"]["depends_on"] == ["fraud-prod-shared"]
    assert by["fraud-prod-westus"]["deploy_after"] == ["fraud-prod-eastus"]
    assert by["fraud-prod-eastus"]["deploy_after"] == [] and by["fraud-prod-routing"]["depends_on"] == []
    shared = {r["kind"]: r for r in by["fraud-prod-shared"]["resources"]}
    assert "westus (no zone redundancy)" in shared["Container registry"]["detail"]
    assert "Key vault (customer-managed keys)" not in shared
    region = {r["kind"]: r for r in by["fraud-prod-eastus"]["resources"]}
    assert region["Private endpoint"]["count"] == 6 and region["Compute cluster"]["detail"] == "cpu-train Standard_D4s_v3 0-8"
    assert region["Metric alert"]["count"] == 6
    routing = {r["kind"]: r for r in by["fraud-prod-routing"]["resources"]}
    assert routing["External endpoint"]["count"] == 2


def test_markdown_says_which_order_is_terraform_and_which_is_policy(default_report):
    md = report.render(default_report, "markdown")
    assert ("Terraform dependency (it reads its state with terraform_remote_state): `fraud-prod-shared`. Released after `fraud-prod-eastus` and the "
            "replication gate (release policy, not a Terraform dependency).") in md
    assert "Terraform's order (manifest.json): `fraud-prod-shared` + `fraud-prod-routing` -> " in md
    assert 's1 -. "deploy after (release gate)" .-> s2' in default_report["deployment_diagram"]
    assert 's0 -- "remote state: ids" --> s2' in default_report["deployment_diagram"]
    assert 's1 -- "remote state: ids" --> s2' not in default_report["deployment_diagram"]


def test_customer_managed_keys_add_the_key_resources(tmp_path):
    rep = build(write_config(tmp_path, **{"encryption.customer_managed_keys": True,
                                          "encryption.registry_customer_managed_key": True,
                                          "encryption.hub_customer_managed_key": True}))
    shared = {r["kind"]: r for r in rep["stacks"][0]["resources"]}
    assert {"Key vault (customer-managed keys)", "Key vault key", "User-assigned identity"} <= set(shared)
    assert shared["Key vault key"]["count"] == 2  # the training data's and the registry's
    region = {r["kind"]: r["count"] for r in rep["stacks"][1]["resources"]}
    # the hub's storage and (encryption.hub_customer_managed_key, set here) the hub's metadata
    assert region["Key vault key"] == 2 and region["Private endpoint"] == 7  # + the shared CMK vault
    # Each vault's operations, its HSM keys by the month, and each key rotated once a year in the vault that holds it.
    # The shared vault holds only the two RSA-HSM 3072 keys: advanced operations ($0.15/10k), $5 a key-month.
    rot = (730 / 24) / 365 * 1.00
    assert [ln["monthly_usd"] for ln in rep["cost"]["lines"] if ln["component"] == "Key vault for customer-managed keys"] \
        == [pytest.approx(10 * 0.15 + 2 * 5.00 + 2 * rot, abs=0.01)]
    # A hub's vault: the hub storage's RSA-HSM 3072 key ($5) and the hub's RSA-HSM 2048 key ($1).
    hub_vaults = [ln for ln in rep["cost"]["lines"] if ln["component"] == "Hub key vault"]
    assert [ln["monthly_usd"] for ln in hub_vaults] == [pytest.approx(10 * 0.03 + 5.00 + 1.00 + 2 * rot, abs=0.01)] * 2
    for ln in hub_vaults:
        assert "1 RSA-HSM 3072 key x $5/month" in ln["formula"] and "1 RSA-HSM 2048 key x $1/month" in ln["formula"]
    # The key vault joins the global factors: data 99.9%, key vault 99.99%, Traffic Manager 99.99%.
    assert rep["availability"]["global_percent"] == pytest.approx(100 * 0.999 * 0.9999 * 0.9999, abs=1e-6)


def test_three_regions_replicate_to_every_secondary(tmp_path):
    rep = build(three_region(tmp_path))
    assert rep["deployment_order"]["sequence"] == [["fraud-prod-shared"], ["fraud-prod-eastus"],
                                                   ["fraud-prod-westus2", "fraud-prod-westus"]]
    replicas = [ln for ln in rep["cost"]["lines"] if ln["component"] == "Registry geo-replica"]
    assert sorted(ln["region"] for ln in replicas) == ["westus", "westus2"]
    zones = next(d for d in rep["decisions"] if d["topic"] == "Zone redundancy per region")["details"]
    assert {z["region"]: z["hub_storage"] for z in zones} == {"eastus": "GZRS", "westus2": "GZRS", "westus": "GRS"}
    assert {z["region"]: z["registry_copy"] for z in zones}["westus"] == "impossible (no zones)"
    hub_storage = {ln["region"]: ln["component"] for ln in rep["cost"]["lines"] if ln["component"].startswith("Hub default")}
    assert hub_storage == {"eastus": "Hub default storage (GZRS)", "westus2": "Hub default storage (GZRS)",
                           "westus": "Hub default storage (GRS)"}


def test_public_network_has_no_network_resources_or_lines(tmp_path):
    path = write_config(tmp_path, **{"network.private": False})
    rep = build(path)
    kinds = {r["kind"] for s in rep["stacks"] for r in s["resources"]}
    assert not kinds & {"Private endpoint", "Private DNS zone", "Virtual network"}
    assert not any(ln["component"].startswith("Private") for ln in rep["cost"]["lines"])


def test_the_cloud_backend_is_described_as_it_reads(tmp_path):
    """On backend cloud the regions read the shared outputs through tfe_outputs, not its state; the workspaces
    stack is listed and released first."""
    path = write_config(tmp_path, backend={"type": "cloud", "organization": "contoso", "workspace_prefix": "ai",
                                           "workspaces": {"execution_mode": "local"}})
    rep = build(path)
    assert "tfe_outputs" in rep["deployment_order"]["rule"] and "from its state" not in rep["deployment_order"]["rule"]
    assert "tfe_outputs: ids" in rep["deployment_diagram"] and "remote state" not in rep["deployment_diagram"]
    assert rep["deployment_order"]["sequence"][0] == ["fraud-prod-workspaces"]
    assert "terraform_remote_state" in build(write_config(tmp_path, "local.yaml"))["deployment_order"]["rule"]
