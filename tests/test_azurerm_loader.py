"""Guards for the fast provider loading in foundry_constructs/azurerm.py.

If a bindings upgrade changes the package layout so the technique no longer
applies, these fail: the stub must be what ``sys.modules`` holds, only a few
submodules may be loaded, and every class the app uses, including objects that
JavaScript hands back, must work.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, sys
sys.path.insert(0, ".")
from app.config import load_config
from app.synth import use_supported_node
use_supported_node()
from foundry_constructs import azurerm
from stacks.app import build_app
cfg = load_config("config/default.yaml")
app = build_app(cfg, sys.argv[1])
shared = app.node.find_child("fraud-prod-shared")
registry = shared.platform.registry.registry
replicas = registry.georeplications            # a ComplexList handed back by JavaScript
first = replicas.get(0)                         # ...and its element type
region = app.node.find_child("fraud-prod-westus")
hub = region.regional.hub.hub
app.synth()
print(json.dumps({
    "stub": azurerm.uses_stub(),
    "loaded": azurerm.loaded_submodules(),
    "list_type": type(replicas).__name__,
    "item_type": type(first).__name__,
    "item_location": str(first.location),
    "identity_type": type(hub.identity).__name__,
    "principal": str(hub.identity.principal_id),
    "full_package_loaded": "cdktf_cdktf_provider_azurerm.aadb2_c_directory" in sys.modules,
}))
"""


def test_fast_loading_applies_and_everything_the_app_uses_works(tmp_path):
    r = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["stub"] is True, "the bindings were not loaded through the fast path"
    assert got["full_package_loaded"] is False
    assert "_jsii" in got["loaded"] and "ai_foundry" in got["loaded"]
    assert len(got["loaded"]) <= 45, got["loaded"]  # of ~1,530: the technique still applies
    assert got["list_type"] == "ContainerRegistryGeoreplicationsList"
    assert got["item_type"] == "ContainerRegistryGeoreplicationsOutputReference"
    assert got["item_location"].startswith("${TfToken[")  # a token, resolved at synth
    assert got["identity_type"] == "AiFoundryIdentityOutputReference"
    assert (tmp_path / "out" / "stacks" / "fraud-prod-westus" / "cdk.tf.json").is_file()


def test_unknown_submodule_is_a_clear_attribute_error():
    from foundry_constructs import azurerm

    try:
        azurerm.__getattr__("no_such_resource")
    except AttributeError as e:
        assert "no_such_resource" in str(e)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")
