"""One snapshot per synthesized stack of the default config, plus the manifest's dependencies.

Construct ids are Terraform addresses: a diff here that renames a stateful
resource means destroy/create in every user's plan. Update deliberately:
``.venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update``.
"""

import pytest
from syrupy.extensions.json import JSONSnapshotExtension


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", ["fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus", "fraud-prod-routing"])
def test_stack_snapshot(default_synth, snapshot_json, stack):
    assert default_synth.stacks[stack] == snapshot_json


def test_manifest_dependencies_snapshot(default_synth, snapshot_json):
    deps = {name: meta["dependencies"] for name, meta in default_synth.manifest["stacks"].items()}
    assert deps == snapshot_json
