"""The same app on CDK Terrain (cdktn 0.24.0) and azurerm 5.10.0: every shipped config, the policy checks, 5.x twins.

Example::

    make test            # installs .venv-cdktn (requirements-cdktn.txt) and runs this with the rest

The cdktn synths run in one subprocess with ``.venv-cdktn/bin/python`` and ``FOUNDRY_CDK=cdktn`` (the two
frameworks cannot share a process: each is a jsii assembly of its own, with its own constructs pin). The
output is then read here and put through what the cdktf output goes through: checkov, Terraform's own
config loader, the security classification (tests/test_security.py) and the failover-link checks that do not
depend on the provider version (tests/test_failover_links.py), by calling those very tests on it. Where a test
pins an azurerm 4.55 attribute, its 5.x twin is here. The attribute-level difference between the two outputs
is computed and must equal the table in docs/cdk-terrain.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import test_failover_links as links
from tests import test_security as security
from tests.conftest import DEFAULT_CONFIG, ROOT, Synth

CDKTN_PYTHON = ROOT / ".venv-cdktn" / "bin" / "python"
CONFIGS = links.CONFIGS  # config/*.yaml and benchmarks/*.yaml
DOC = ROOT / "docs" / "cdk-terrain.md"
SHARED = "fraud-prod-shared"

HARDENED = {  # tests/test_security.py's `hardened` variant
    "encryption.registry_customer_managed_key": True,
    "encryption.hub_customer_managed_key": True,
    "network.operator_ip_ranges": ["52.170.12.0/28"],
    "training_data.immutability_days": 365,
    "training_data.immutability_locked": True,
}

DRIVER = r"""
import json, os, sys
sys.path.insert(0, ".")
from app.config import load_config
from app.synth import synthesize
from foundry_constructs import azurerm, cdk
from jsii._type_checking import check_type as shared_check
for job in json.loads(sys.argv[1]):
    synthesize(load_config(job["config"], overrides=job.get("overrides")), job["out"])
framework = cdk.module()
folder = os.path.dirname(__import__("importlib").util.find_spec(cdk.PROVIDER_PACKAGE).origin)
print(json.dumps({
    "framework": cdk.FRAMEWORK.name,
    "provider_version": azurerm.provider_version(),
    "names": sorted(n for n in dir(framework) if not n.startswith("_")),
    "stub": azurerm.uses_stub(),
    "loaded": azurerm.loaded_submodules(),
    "submodules": sum(1 for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("_")),
    "creation_stack": os.environ.get("CDKTN_DISABLE_CREATION_STACK"),
    "unfitted_checks": [n for n in azurerm.loaded_submodules() if not n.startswith("_") and getattr(getattr(
        sys.modules[f"{cdk.PROVIDER_PACKAGE}.{n}"], "_private", sys.modules[f"{cdk.PROVIDER_PACKAGE}.{n}"]),
        "check_type", shared_check) is shared_check],
}))
"""


def _cdktn_python() -> str:
    if CDKTN_PYTHON.exists():
        return str(CDKTN_PYTHON)
    if os.environ.get("CI") == "true":
        pytest.fail("make test installs .venv-cdktn (requirements-cdktn.txt)")
    pytest.skip(".venv-cdktn not installed (run make test)")


def run_cdktn(jobs: list[dict], report: Path | None = None, hooked: bool = True) -> dict:
    """Synthesize ``jobs`` with CDK Terrain in one subprocess; return what the driver reports."""
    env = {**os.environ, "FOUNDRY_CDK": "cdktn"}
    env.pop("NODE_OPTIONS", None)  # the child prepares its own Node (app.synth.use_supported_node)
    env.pop("JSII_NODE", None)
    env.pop("CDKTN_DISABLE_CREATION_STACK", None)
    if report is not None:
        env["FOUNDRY_AZURERM_HOOK_REPORT"] = str(report)
    code = DRIVER if hooked else DRIVER.replace(
        "from app.synth import synthesize",
        "import foundry_constructs.azurerm as a; a.install_node_hook = lambda: None\nfrom app.synth import synthesize")
    r = subprocess.run([_cdktn_python(), "-c", code, json.dumps(jobs)], cwd=ROOT, capture_output=True, text=True,
                       timeout=900, env=env)
    assert r.returncode == 0, r.stderr[-4000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cdktn(tmp_path_factory) -> dict:
    """Every shipped config, plus the hardened, RA-GRS and three-region variants, synthesized with cdktn."""
    root = tmp_path_factory.mktemp("cdktn")
    jobs = [{"name": f"{p.parent.name}/{p.name}", "config": str(p), "out": str(root / p.parent.name / p.stem)}
            for p in CONFIGS]
    jobs += [
        {"name": "hardened", "config": str(DEFAULT_CONFIG), "out": str(root / "hardened"), "overrides": HARDENED},
        {"name": "ragrs", "config": str(DEFAULT_CONFIG), "out": str(root / "ragrs"),
         "overrides": {"training_data.redundancy": "RAGRS"}},
        {"name": "three", "config": str(DEFAULT_CONFIG), "out": str(root / "three"),
         "overrides": {"regions.secondaries": ["westus2", "westus"]}},
    ]
    report = root / "hook.jsonl"
    info = run_cdktn(jobs, report)
    info["synths"] = {job["name"]: Synth.read(Path(job["out"])) for job in jobs}
    info["hook"] = [json.loads(line) for line in report.read_text().splitlines()]
    info["root"] = root
    return info


@pytest.fixture(scope="module")
def tn_default(cdktn) -> Synth:
    return cdktn["synths"]["config/default.yaml"]


# --------------------------------------------------------------------------- the seam and the install


def test_requirements_cdktn_pins_everything_and_differs_only_in_the_framework():
    def pins(name: str) -> dict[str, str]:
        out = {}
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"{name}: {line!r} is not pinned"
                package, version = line.split("==")
                out[package.lower()] = version
        return out

    cdktf, cdktn = pins("requirements.txt"), pins("requirements-cdktn.txt")
    framework = {"cdktf", "cdktf-cdktf-provider-azurerm", "constructs", "cdktn", "cdktn-provider-azurerm"}
    assert {k: v for k, v in cdktf.items() if k not in framework} == {k: v for k, v in cdktn.items() if k not in framework}
    assert cdktn["cdktn"] == "0.24.0" and cdktn["cdktn-provider-azurerm"] == "18.9.0"
    assert cdktn["constructs"].startswith("10.7.")  # cdktn 0.24.0 and the provider: constructs >=10.6.0,<10.8.0
    assert int(cdktn["jsii"].split(".")[1]) >= 141  # cdktn-provider-azurerm 18.9.0: jsii >=1.141.0


def test_cdktn_exports_every_name_of_cdktf(cdktn):
    import cdktf

    names = {n for n in dir(cdktf) if not n.startswith("_")}
    assert cdktn["framework"] == "cdktn"
    assert len(names) == 183 and names <= set(cdktn["names"])


def test_the_bindings_name_the_azurerm_version_the_output_pins(default_synth, tn_default, cdktn):
    from foundry_constructs import azurerm

    assert azurerm.provider_version() == "4.55.0" and azurerm.major() == 4
    for synth, version in ((default_synth, "4.55.0"), (tn_default, cdktn["provider_version"])):
        for stack, doc in synth.stacks.items():
            assert doc["terraform"]["required_providers"]["azurerm"]["version"] == version, stack
    assert cdktn["provider_version"] == "5.10.0"


def _main(args: list[str], env: dict, python: str = sys.executable) -> subprocess.CompletedProcess:
    code = "import os, sys; sys.path.insert(0, '.'); from app.cli import run; os._exit(run(sys.argv[1:]))"
    return subprocess.run([python, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def test_an_unknown_framework_is_exit_2_and_leaves_the_output_alone(tmp_path):
    out = tmp_path / "cdktf.out"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    r = _main(["synth", "--out", str(out)], {"FOUNDRY_CDK": "cdkx"})
    assert r.returncode == 2, r.stderr
    assert "FOUNDRY_CDK: got 'cdkx'; allowed: 'cdktf' or 'cdktn'" in r.stderr and "Traceback" not in r.stderr
    assert [p.name for p in out.iterdir()] == ["manifest.json"] and (out / "manifest.json").read_text() == "{}"


def test_cdktn_without_its_venv_says_how_to_install_it(tmp_path):
    r = _main(["synth", "--out", str(tmp_path / "o")], {"FOUNDRY_CDK": "cdktn"})  # this venv has cdktf only
    assert r.returncode == 2, r.stderr
    assert "cdktn and cdktn_provider_azurerm not installed" in r.stderr and "make synth CDK=cdktn" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "o").exists()


def test_main_py_runs_cdktn_from_its_own_venv(tmp_path):
    """`FOUNDRY_CDK=cdktn python3 main.py` (what a CLI would run) re-executes itself with .venv-cdktn's Python."""
    _cdktn_python()
    env = {**os.environ, "FOUNDRY_CDK": "cdktn"}
    env.pop("NODE_OPTIONS", None)
    r = subprocess.run([sys.executable, "main.py", "synth", "--config", "config/dev.yaml", "--out", str(tmp_path / "o")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads((tmp_path / "o" / "stacks" / "fraud-dev-shared" / "cdk.tf.json").read_text())
    assert doc["terraform"]["required_providers"]["azurerm"]["version"].startswith("5.")


# --------------------------------------------------------------------------- what changes in the plan


def attribute_changes(before: Synth, after: Synth) -> set[tuple[str, str, str]]:
    """(resource type or block, attribute path with indexes and names dropped, '-' removed / '+' added / '~' changed)
    over every stack: the difference a reviewer sees between the cdktf and the cdktn output."""
    out: set[tuple[str, str, str]] = set()

    def walk(a, b, kind: str, path: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                sub = f"{path}.{key}" if path else key
                if key not in a:
                    out.add((kind, sub, "+"))
                elif key not in b:
                    out.add((kind, sub, "-"))
                else:
                    walk(a[key], b[key], kind, sub)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for x, y in zip(a, b):
                walk(x, y, kind, path)
        elif a != b:
            out.add((kind, path, "~"))

    assert set(before.stacks) == set(after.stacks)
    for stack, a in before.stacks.items():
        b = after.stacks[stack]
        assert set(a) == set(b), stack
        for section in ("resource", "data"):
            assert set(a.get(section, {})) == set(b.get(section, {})), (stack, section)
            for rtype, items in a.get(section, {}).items():
                assert set(items) == set(b[section][rtype]), (stack, rtype)  # same addresses: nothing moves
                for name, body in items.items():
                    walk(body, b[section][rtype][name], rtype, "")
        for key in set(a) - {"resource", "data"}:
            walk(a[key], b[key], key, "")
    return out


def documented_changes() -> set[tuple[str, str, str]]:
    """The table in docs/cdk-terrain.md: | `type` | `path` | removed / added / changed | ... |"""
    ops = {"removed": "-", "added": "+", "changed": "~"}
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (removed|added|changed) \|", DOC.read_text(), re.M)
    return {(kind, path, ops[op]) for kind, path, op in rows}


def test_the_switch_changes_exactly_the_attributes_the_guide_lists(default_synth, tn_default, cdktn):
    """Same stacks, same resource addresses; every attribute that differs is a row of docs/cdk-terrain.md, and
    every row differs (for the default config, and for the hardened variant's customer-managed keys)."""
    from tests.conftest import synth_config

    got = attribute_changes(default_synth, tn_default)
    hardened = synth_config(DEFAULT_CONFIG, cdktn["root"] / "hardened-cdktf", **HARDENED)
    got |= attribute_changes(hardened, cdktn["synths"]["hardened"])
    assert got == documented_changes()


# --------------------------------------------------------------------------- the policy checks, on cdktn's output


def test_checkov_finds_no_failed_check_in_any_cdktn_output(cdktn):
    from tests.test_checkov import scan

    result = scan(cdktn["root"])
    assert result["failed"] == [], "\n".join(result["failed"])
    assert result["code"] == 0
    assert result["passed"] >= 100 * len(cdktn["synths"]), "checkov read fewer outputs than were synthesized"


def test_terraform_loads_every_cdktn_stack(cdktn, default_synth):
    from tests.test_terraform_loader import load

    loaded = 0
    for name, synth in cdktn["synths"].items():
        for stack in synth.stacks:
            module, diagnostics = load(synth.outdir / "stacks" / stack)
            assert diagnostics == [], (name, stack, diagnostics)
            assert module["ProviderRequirements"]["RequiredProviders"]["azurerm"]["Source"] == "azurerm"
            loaded += 1
            if name == "config/default.yaml":  # the same resources guarded against destroy as with cdktf
                theirs, _ = load(default_synth.outdir / "stacks" / stack)
                guarded = {a for a, r in module["ManagedResources"].items() if r["Managed"]["PreventDestroy"]}
                assert guarded == {a for a, r in theirs["ManagedResources"].items() if r["Managed"]["PreventDestroy"]}
    assert loaded >= 4 * len(cdktn["synths"])


class _Fixtures:
    """What a test's ``request`` gives it, for tests that pick their synth by name."""

    def __init__(self, **synths: Synth):
        self.synths = synths

    def getfixturevalue(self, name: str) -> Synth:
        return self.synths[name]


SECURITY = [
    ("test_every_resource_type_is_classified", lambda s: {"request": s, "variant": "default"}),
    ("test_every_resource_type_is_classified", lambda s: {"request": s, "variant": "hardened"}),
    ("test_data_bearing_resources_are_locked_and_cannot_be_destroyed", lambda s: {"request": s, "variant": "default"}),
    ("test_data_bearing_resources_are_locked_and_cannot_be_destroyed", lambda s: {"request": s, "variant": "hardened"}),
    ("test_key_vaults_cannot_be_purged", lambda s: {"default_synth": s.synths["default_synth"],
                                                    "hardened": s.synths["hardened"]}),
    ("test_nothing_reachable_from_the_internet_by_default", lambda s: {"default_synth": s.synths["default_synth"]}),
    ("test_each_region_reaches_everything_through_its_own_private_endpoints",
     lambda s: {"default_synth": s.synths["default_synth"], "location": "eastus"}),
    ("test_each_region_reaches_everything_through_its_own_private_endpoints",
     lambda s: {"default_synth": s.synths["default_synth"], "location": "westus"}),
    ("test_hub_reaches_training_data_through_an_approved_outbound_rule",
     lambda s: {"default_synth": s.synths["default_synth"]}),
    ("test_customer_managed_keys_encrypt_the_data_by_default_and_the_registry_on_request",
     lambda s: {"default_synth": s.synths["default_synth"], "hardened": s.synths["hardened"]}),
    ("test_key_vaults_admit_only_private_endpoints_or_the_operator_ranges",
     lambda s: {"default_synth": s.synths["default_synth"], "hardened": s.synths["hardened"]}),
    ("test_worm_policy_on_the_training_data_container",
     lambda s: {"default_synth": s.synths["default_synth"], "hardened": s.synths["hardened"]}),
    ("test_no_secret_is_written_to_the_output", lambda s: {"request": s, "variant": "default"}),
    ("test_no_secret_is_written_to_the_output", lambda s: {"request": s, "variant": "hardened"}),
]


@pytest.mark.parametrize("name, arguments", SECURITY, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SECURITY)])
def test_security_policy_holds_on_cdktn(cdktn, tn_default, name, arguments):
    fixtures = _Fixtures(default_synth=tn_default, hardened=cdktn["synths"]["hardened"])
    getattr(security, name)(**arguments(fixtures))


FAILOVER = [  # tests/test_failover_links.py that read no provider-version-specific attribute
    ("test_every_outbound_rule_target_approves_the_hubs_endpoints", "default"),
    ("test_the_hubs_own_dependencies_need_no_approver_role", "default"),
    ("test_grs_has_no_secondary_read_path", "default"),
    ("test_ra_grs_reaches_the_secondary_from_every_region", "ragrs"),
    ("test_every_key_waits_for_its_role_assignments_to_take_effect", "default"),
    ("test_the_shared_network_reads_the_interface_after_the_registry_changes", "default"),
    ("test_a_hub_update_never_resends_its_managed_network", "default"),
]


@pytest.mark.parametrize("name, synth", FAILOVER, ids=[n for n, _ in FAILOVER])
def test_failover_links_hold_on_cdktn(cdktn, tn_default, name, synth):
    getattr(links, name)(tn_default if synth == "default" else cdktn["synths"][synth])


def test_versions_are_deleted_after_the_retention_on_cdktn(tn_default, default_cfg):
    links.test_versions_are_deleted_after_the_retention_and_the_change_feed_is_capped(tn_default, default_cfg)


# --------------------------------------------------------------------------- 5.x twins of tests that pin 4.55


@pytest.mark.parametrize("config", [f"{p.parent.name}/{p.name}" for p in CONFIGS])
def test_every_replica_takes_part_in_global_endpoint_routing_5x(cdktn, config):
    """Twin of test_failover_links.test_every_replica_takes_part_in_global_endpoint_routing: azurerm 5.0 renamed
    the flag global_endpoint_routing_enabled and made it Required; the old name must be gone."""
    (registry,) = links.registries(cdktn["synths"][config])
    replicas = registry["georeplications"]
    assert replicas
    for replica in replicas:
        assert replica["global_endpoint_routing_enabled"] is True and "regional_endpoint_enabled" not in replica
    assert [r["location"] for r in replicas] == sorted(r["location"] for r in replicas)


def test_private_dns_links_and_records_name_their_zone_by_id_5x(tn_default):
    """Twin of the zone_name / private_dns_zone_name checks: azurerm 5.0 takes the zone's id on both."""
    links_seen = records_seen = 0
    for stack in tn_default.stacks:
        zones = {f"${{azurerm_private_dns_zone.{n}.id}}" for n in tn_default.resources(stack, "azurerm_private_dns_zone")}
        for link in tn_default.resources(stack, "azurerm_private_dns_zone_virtual_network_link").values():
            assert link["private_dns_zone_id"] in zones and not {"private_dns_zone_name", "resource_group_name"} & set(link)
            links_seen += 1
        for record in tn_default.resources(stack, "azurerm_private_dns_a_record").values():
            assert record["private_dns_zone_id"] in zones and not {"zone_name", "resource_group_name"} & set(record)
            records_seen += 1
    assert links_seen == 18 and records_seen == 15


def test_a_replica_added_later_resolves_privately_5x(cdktn, tmp_path):
    """Twin of test_a_replica_added_later_resolves_privately_in_every_existing_region for the records' 5.x shape:
    Terraform evaluates every record against the interface Azure returns."""
    three = cdktn["synths"]["three"]
    name = "crcontosofraudprod"
    hosts = {f"{name}.azurecr.io": "10.1.0.4"} | {
        f"{name}.{loc}.{kind}.azurecr.io": f"10.1.{i}.{j}" for i, loc in enumerate(("eastus", "westus", "westus2"), 1)
        for j, kind in ((5, "data"), (6, "geo"))}
    for stack in three.stacks:
        if stack.endswith("routing"):
            continue
        records = links.registry_records(three, stack)
        assert len(records) == 7, stack
        exprs = {r["name"].replace(".", "_"): r["records"] for r in records.values()}
        got = links.evaluate(exprs, links.nic_document(hosts), tmp_path / stack)
        for record in records.values():
            assert "privatelink_azurecr_io" in record["private_dns_zone_id"]
            assert got[record["name"].replace(".", "_")] == [hosts[record["name"] + ".azurecr.io"]], stack


def test_the_provider_registers_exactly_the_namespaces_the_stacks_use_5x(cdktn, default_synth):
    """azurerm 5.0 registers no resource provider by default: every azurerm type in every cdktn output maps to a
    namespace the provider block registers (or one every subscription has), and each listed namespace is used."""
    from foundry_constructs.resource_providers import ALWAYS_REGISTERED, RESOURCE_PROVIDERS, namespace_of

    used: set[str] = set()
    for name, synth in cdktn["synths"].items():
        for stack, doc in synth.stacks.items():
            (block,) = doc["provider"]["azurerm"]
            assert block["resource_providers_to_register"] == sorted(RESOURCE_PROVIDERS), (name, stack)
            for rtype in doc.get("resource", {}):
                if rtype.startswith("azurerm_"):
                    namespace = namespace_of(rtype)
                    assert namespace is not None, f"{rtype}: add its namespace to resource_providers.py"
                    used.add(namespace)
    assert used == set(RESOURCE_PROVIDERS) | set(ALWAYS_REGISTERED)
    for doc in default_synth.stacks.values():  # 4.55: the provider's "legacy" default set, output unchanged
        assert "resource_providers_to_register" not in doc["provider"]["azurerm"][0]


def test_key_events_read_the_vault_through_source_resource_id_5x(cdktn):
    topics = [t for s in cdktn["synths"]["hardened"].stacks
              for t in cdktn["synths"]["hardened"].resources(s, "azurerm_eventgrid_system_topic").values()]
    assert topics and all(t["source_resource_id"].startswith("${azurerm_key_vault.") for t in topics)
    assert not [t for t in topics if "source_arm_resource_id" in t]


# --------------------------------------------------------------------------- the speed hooks on cdktn's bindings


def test_the_node_hook_makes_cdktns_index_lazy_in_a_real_synth(cdktn):
    """cdktn's bindings write their index as `exports.x = __importStar(require("./x/index"))`: every such line is
    rewritten, Node loads only what the app builds, and cdktn's own switch replaces the stack-trace rewrite."""
    events = cdktn["hook"]
    index = [e for e in events if e["event"] == "index"]
    assert len(index) == 1 and index[0]["rewritten"] == cdktn["submodules"] > 1500
    assert [e for e in events if e["event"] == "stack-trace"] == []  # cdktn's file is not cdktf's: left alone
    assert cdktn["creation_stack"] == "1"  # CDKTN_DISABLE_CREATION_STACK, set by azurerm.install_node_hook
    loads = {e["file"].split("/")[0] for e in events if e["event"] == "load"}
    # the 5.x provider class requires its provider-defined functions (lib/provider/index.js: "../provider-functions")
    loads.discard("provider-functions")
    assert 0 < len(loads) <= len(cdktn["loaded"]) - 1 and "container-registry" in loads
    assert cdktn["stub"] is True and len(cdktn["loaded"]) <= 45
    assert cdktn["unfitted_checks"] == []  # jsii_speed replaced check_type in every provider module the app used


def test_cdktn_output_is_byte_identical_without_the_hooks(tn_default, tmp_path):
    run_cdktn([{"config": str(DEFAULT_CONFIG), "out": str(tmp_path / "eager")}], hooked=False)
    ours = sorted(p.relative_to(tn_default.outdir) for p in tn_default.outdir.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(tmp_path / "eager") for p in (tmp_path / "eager").rglob("*") if p.is_file())
    assert ours == theirs
    for rel in ours:
        assert (tn_default.outdir / rel).read_bytes() == (tmp_path / "eager" / rel).read_bytes(), rel


def test_the_node_hook_rewrites_the_importstar_shape(tmp_path):
    """The rewrite on a two-submodule stand-in shaped like @cdktn/provider-azurerm's index: nothing loads until used."""
    from foundry_constructs import azurerm
    from tests.test_azurerm_loader import _node

    lib = tmp_path / "node_modules" / "@cdktn" / "provider-azurerm" / "lib"
    for name, cls in (("container-registry", "ContainerRegistry"), ("storage-account", "StorageAccount")):
        (lib / name).mkdir(parents=True)
        (lib / name / "index.js").write_text(
            f'"use strict";\nObject.defineProperty(exports, "__esModule", {{ value: true }});\n'
            f"exports.{cls} = class {cls} {{}};\n")
    (lib / "index.js").write_text(
        '"use strict";\n'
        "var __importStar = (this && this.__importStar) || function (mod) { return mod && mod.__esModule ? mod : "
        "{ default: mod }; };\n"
        'Object.defineProperty(exports, "__esModule", { value: true });\n'
        "exports.storageAccount = exports.containerRegistry = void 0;\n"
        'exports.containerRegistry = __importStar(require("./container-registry/index"));\n'
        'exports.storageAccount = __importStar(require("./storage-account/index"));\n'
    )
    probe = r"""
const path = require('path');
const lib = path.join(process.argv[1], 'node_modules', '@cdktn', 'provider-azurerm', 'lib');
const index = require(path.join(lib, 'index.js'));
const before = Object.keys(require.cache).filter((f) => f.startsWith(lib)).length;
const lazy = typeof Object.getOwnPropertyDescriptor(index, 'containerRegistry').get === 'function';
const cls = index.containerRegistry.ContainerRegistry.name;
const after = Object.keys(require.cache).filter((f) => f.startsWith(lib)).length;
console.log(JSON.stringify({ keys: Object.keys(index).filter((k) => k !== '__esModule'), before, after, lazy, cls }));
"""
    report = tmp_path / "hook.jsonl"
    r = subprocess.run([_node(), "--require", str(azurerm.NODE_HOOK), "-e", probe, str(tmp_path)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "NODE_OPTIONS": "", "FOUNDRY_AZURERM_HOOK_REPORT": str(report)})
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert sorted(got["keys"]) == ["containerRegistry", "storageAccount"]
    assert got["before"] == 1 and got["after"] == 2 and got["lazy"] and got["cls"] == "ContainerRegistry"
    events = [json.loads(line) for line in report.read_text().splitlines()]
    assert [e["event"] for e in events] == ["index", "load"] and events[0]["rewritten"] == 2
