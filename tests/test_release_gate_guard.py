"""The optional in-Terraform replication gate (config release_gate) in secondary region stacks."""

from __future__ import annotations

import shlex

import pytest
import yaml

from app.config import load_config
from app.errors import ConfigError
from conftest import DEFAULT_CONFIG, synth_config

IMAGE = "fraud/scorer:1.4.2"


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("gated") / "cdktf.out",
                        **{"release_gate.enabled": True, "release_gate.image": IMAGE})


def test_secondary_region_waits_for_its_replica(gated):
    ((gate_id, gate),) = gated.resources("fraud-prod-westus", "terraform_data").items()
    assert gate["triggers_replace"] == {"image": IMAGE, "region": "westus", "registry": "crcontosofraudprod"}
    (prov,) = gate["provisioner"]
    cmd = shlex.split(prov["local-exec"]["command"])
    assert cmd[:3] == ["python3", "main.py", "gate"]
    assert cmd[cmd.index("--registry") + 1] == "crcontosofraudprod"
    assert cmd[cmd.index("--regions") + 1] == "westus" and cmd[cmd.index("--image") + 1] == IMAGE
    assert prov["local-exec"]["working_dir"] == "../../.."
    cluster = gated.one("fraud-prod-westus", "azurerm_machine_learning_compute_cluster")
    assert cluster["depends_on"][0] == f"terraform_data.{gate_id}"
    assert cluster["depends_on"][1].startswith("azapi_resource_action.")  # and the hub's managed network


def test_primary_region_is_not_gated(gated):
    assert gated.resources("fraud-prod-eastus", "terraform_data") == {}
    depends = gated.one("fraud-prod-eastus", "azurerm_machine_learning_compute_cluster")["depends_on"]
    assert not any(d.startswith("terraform_data.") for d in depends)  # only the hub's managed network


def test_default_synth_has_no_gate(default_synth):
    for name in default_synth.stacks:
        assert default_synth.resources(name, "terraform_data") == {}


@pytest.mark.parametrize("image", ["fraud/scorer:1.4.2; rm -rf /", "Fraud/Scorer:1", "scorer@sha256:abc", "$(id)"])
def test_rejects_images_that_are_not_plain_references(tmp_path, image):
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc["release_gate"] = {"enabled": True, "image": image}
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert [x.path for x in e.value.problems] == ["release_gate.image"]


def test_enabled_gate_needs_an_image(tmp_path):
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc["release_gate"] = {"enabled": True}
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert [x.code for x in e.value.problems] == ["gate-needs-image"]
