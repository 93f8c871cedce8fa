"""Helpers of the report's tests: the default config with some switches pinned, built and rendered.

Example::

    from tests.report_support import build, write_config

    def test_x(tmp_path):
        rep = build(write_config(tmp_path, **{"training_data.redundancy": "RA-GRS"}))

Each :func:`build` synthesizes its config (as ``python main.py report`` does, in a
temporary directory): the report's inventory and cost lines come from that output.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app import report
from app.config import load_config

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config" / "default.yaml"
DEFAULT_STACKS = ["fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus", "fraud-prod-routing"]


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = doc
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


# The switches the figures below depend on, pinned so a change to config/default.yaml does not move them.
PINNED = {
    "regions.primary": "eastus", "regions.secondaries": ["westus"], "regions.mode": "active-passive",
    "training_data.redundancy": "GRS", "training_data.size_tb": 50, "network.private": True,
    "encryption.customer_managed_keys": False, "registry.sku": "Premium",
    "compute.clusters": [{"name": "cpu-train", "vm_size": "Standard_D4s_v3", "min_nodes": 0, "max_nodes": 8}],
}


def write_config(tmp_path: Path, name: str = "config.yaml", **changes: Any) -> Path:
    """The default config, pinned, with some keys changed (dotted paths)."""
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc.pop("report", None)
    for dotted, value in {**PINNED, **changes}.items():
        _set(doc, dotted.replace("__", "."), copy.deepcopy(value))
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def three_region(tmp_path: Path) -> Path:
    return write_config(tmp_path, "three.yaml", **{
        "regions.secondaries": ["westus2", "westus"],
        "network.address_spaces": {"eastus": "10.10.0.0/16", "westus": "10.20.0.0/16", "westus2": "10.30.0.0/16"},
        "routing.endpoints": {"eastus": "scoring-eus.fraud.contoso.com", "westus": "scoring-wus.fraud.contoso.com",
                              "westus2": "scoring-wus2.fraud.contoso.com"},
    })


def europe(tmp_path: Path) -> Path:
    return write_config(tmp_path, "europe.yaml", **{
        "regions": {"primary": "northeurope", "secondaries": ["westeurope"]},
        "network.address_spaces": {},
        "routing.endpoints": {"northeurope": "scoring-neu.fraud.contoso.com", "westeurope": "scoring-weu.fraud.contoso.com"},
        "compute.clusters": [{"name": "cpu-train", "vm_size": "Standard_D4s_v3", "max_nodes": 8}],
    })


def build(path: Path) -> dict[str, Any]:
    return report.build(load_config(path))


def run_report(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "report", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, env={**os.environ})


def line(rep: dict[str, Any], component: str, region: str | None = None, stack: str | None = None) -> dict[str, Any]:
    found = [ln for ln in rep["cost"]["lines"] if ln["component"].startswith(component)
             and (region is None or ln["region"] == region) and (stack is None or ln["stack"] == stack)]
    assert len(found) == 1, [ln["component"] for ln in rep["cost"]["lines"]]
    return found[0]


@pytest.fixture(scope="module")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The seed scenario (config/default.yaml with the switches above pinned)."""
    return build(write_config(tmp_path_factory.mktemp("default")))
