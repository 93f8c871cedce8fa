"""Every link of the failover chain, as Azure behaves (issue "failover links"): structure of the synthesized output.

Each test names the Azure behaviour it guards; the facts and their sources are in docs/failure-modes.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, Synth, synth_config

SHARED = "fraud-prod-shared"
CONFIGS = sorted([*(ROOT / "config").glob("*.yaml"), *(ROOT / "benchmarks").glob("*.yaml")])


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def every_config(request, tmp_path_factory) -> Synth:
    return synth_config(request.param, tmp_path_factory.mktemp("cfg") / "cdktf.out")


def registries(synth: Synth) -> list[dict]:
    return [r for stack in synth.stacks for r in synth.resources(stack, "azurerm_container_registry").values()]


# --------------------------------------------------------------------------- 1. replicas serve pulls


def test_every_replica_takes_part_in_global_endpoint_routing(every_config):
    """Unset, azurerm 4.55 sends regional_endpoint_enabled=false and Azure routes no pull to that replica."""
    (registry,) = registries(every_config)
    replicas = registry["georeplications"]
    assert replicas, "every shipped config has at least one secondary region"
    for replica in replicas:
        assert replica["regional_endpoint_enabled"] is True, replica
    assert [r["location"] for r in replicas] == sorted(r["location"] for r in replicas)


def test_configs_found():
    assert {p.name for p in CONFIGS} >= {"default.yaml", "dev.yaml", "eight-regions.yaml"}
    assert all(isinstance(p, Path) for p in CONFIGS)
