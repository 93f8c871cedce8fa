"""Shared fixtures: the default config, synthesized once per pytest session.

Example::

    def test_registry_is_premium(default_synth):
        registry = default_synth.resources("fraud-prod-shared", "azurerm_container_registry")
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.synth import use_supported_node

ROOT = Path(__file__).resolve().parents[1]

# Before any test module imports cdktf: jsii starts Node once per session, with the pinned Node and
# the provider loading hook (foundry_constructs/azurerm.py), as `main.py synth` does.
use_supported_node()
DEFAULT_CONFIG = ROOT / "config" / "default.yaml"


@dataclass
class Synth:
    """A synthesized app read back from disk: the manifest and every stack's JSON."""

    outdir: Path
    manifest: dict[str, Any]
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, outdir: Path) -> "Synth":
        manifest = json.loads((outdir / "manifest.json").read_text())
        stacks = {
            name: json.loads((outdir / meta["synthesizedStackPath"]).read_text())
            for name, meta in manifest["stacks"].items()
        }
        return cls(outdir=outdir, manifest=manifest, stacks=stacks)

    def resources(self, stack: str, rtype: str) -> dict[str, dict[str, Any]]:
        return self.stacks[stack].get("resource", {}).get(rtype, {})

    def one(self, stack: str, rtype: str) -> dict[str, Any]:
        found = self.resources(stack, rtype)
        assert len(found) == 1, f"expected one {rtype} in {stack}, found {sorted(found)}"
        return next(iter(found.values()))


def synth_config(path: Path, outdir: Path, **overrides: Any) -> Synth:
    from app.config import load_config
    from app.synth import synthesize

    synthesize(load_config(path, overrides=overrides or None), outdir)
    return Synth.read(outdir)


@pytest.fixture(scope="session")
def default_cfg():
    from app.config import load_config

    return load_config(DEFAULT_CONFIG)


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The default config, synthesized once for the whole session."""
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("default") / "cdktf.out")


@pytest.fixture(scope="session")
def three_region_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """eastus primary with westus and westus2: two replicas, one region without zones."""
    return synth_config(
        DEFAULT_CONFIG,
        tmp_path_factory.mktemp("three") / "cdktf.out",
        **{"regions.secondaries": ["westus2", "westus"]},
    )
