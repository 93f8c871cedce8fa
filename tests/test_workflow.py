"""The release pipeline can apply what it claims (issue 13, point 6).

- Lint: every workflow in .github/workflows/ validates against check-jsonschema's vendored GitHub
  workflow schema (offline), and a broken workflow fails that lint.
- Runners: every job that reaches Azure (terraform, az, docker push, the gate) runs on runner labels
  from repository variables / inputs, through the synth job, never on a GitHub-hosted image.
- State: the synth job refuses a local backend before anything is applied (the step is run here).
- Identity: the roles the stacks assign are computed from the synthesized output
  (app/pipeline_roles.py); each is in the verified table and in docs/pipeline.md with its id.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app import pipeline_roles
from app.pipeline_roles import BUILTIN_ROLES, PIPELINE_IDENTITY_ROLES, UnknownRoleError, assigned_roles, condition
from tests.conftest import DEFAULT_CONFIG, ROOT, Synth, synth_config

WORKFLOWS = ROOT / ".github" / "workflows"
RELEASE = WORKFLOWS / "release.yml"
PIPELINE_DOC = ROOT / "docs" / "pipeline.md"
HOSTED = re.compile(r"\b(ubuntu|windows|macos)-[\w.]+")
# what reaches Azure (and with private networking, a private endpoint): then the job needs a VNet runner
AZURE_COMMANDS = re.compile(r"\bterraform (init|plan|apply)\b|\baz \w|\bdocker push\b|\bmain\.py gate\b")
AZURE_ACTIONS = ("azure/login@", "hashicorp/setup-terraform@")


# --------------------------------------------------------------------------- helpers


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(RELEASE.read_text())


def _jobs() -> dict[str, Any]:
    return _workflow()["jobs"]


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def _ancestors(jobs: dict[str, Any], name: str) -> set[str]:
    seen: set[str] = set()
    todo = _needs(jobs[name])
    while todo:
        parent = todo.pop()
        assert parent in jobs, f"{name} needs unknown job {parent}"
        if parent not in seen:
            seen.add(parent)
            todo.extend(_needs(jobs[parent]))
    return seen


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def _reaches_azure(job: dict[str, Any]) -> bool:
    uses = [str(step.get("uses", "")) for step in job.get("steps", [])]
    return bool(AZURE_COMMANDS.search(_runs(job))) or any(u.startswith(AZURE_ACTIONS) for u in uses)


def _step(job: dict[str, Any], step_id: str) -> tuple[int, dict[str, Any]]:
    for i, step in enumerate(job["steps"]):
        if step.get("id") == step_id:
            return i, step
    raise AssertionError(f"no step with id {step_id!r}")


def _heredoc(step: dict[str, Any]) -> str:
    """The Python a step feeds to `.venv/bin/python - <<'EOF'`."""
    match = re.search(r"<<'EOF'[^\n]*\n(.*?)\nEOF\b", step["run"], re.S)
    assert match, f"step {step.get('name')!r} runs no Python heredoc"
    return match.group(1)


def _run_step(step: dict[str, Any], *, config: Path, outdir: Path, **env: str) -> subprocess.CompletedProcess:
    """Run a synth-job step's Python as the workflow does (stdout is what goes to $GITHUB_OUTPUT)."""
    full = {**os.environ, "CONFIG": str(config), "CDKTF_OUTDIR": str(outdir), **env}
    return subprocess.run([sys.executable, "-c", _heredoc(step)], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def _lint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )


def _outputs(stdout: str) -> dict[str, Any]:
    out = {}
    for line in stdout.splitlines():
        key, _, value = line.partition("=")
        out[key] = json.loads(value) if value[:1] in "[{" else value
    return out


RUNNER_VARS = {
    "RUNNER_LABELS_SHARED": '["self-hosted", "ops-eastus"]',
    "RUNNER_LABELS_EASTUS": "self-hosted, vnet-eastus",
    "RUNNER_LABELS_WESTUS": '["self-hosted", "vnet-westus"]',
    "AZURE_CLIENT_ID": "not-a-runner-label",
}


@pytest.fixture(scope="module")
def remote_state(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Synth]:
    """The default config with an azurerm backend, as a file (what the workflow loads) and synthesized."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["backend"] = {"type": "azurerm", "resource_group_name": "rg-tfstate",
                       "storage_account_name": "stcontosotfstate", "container_name": "tfstate"}
    base = tmp_path_factory.mktemp("remote-state")
    config = base / "release.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    return config, synth_config(config, base / "cdktf.out")


# --------------------------------------------------------------------------- lint


def test_every_workflow_passes_the_github_workflow_schema():
    files = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
    assert RELEASE in files
    for path in files:
        proc = _lint(path)
        assert proc.returncode == 0, f"{path.name}:\n{proc.stdout}{proc.stderr}"


def _write(workflow: dict[str, Any], path: Path) -> Path:
    # PyYAML (YAML 1.1) reads the key `on` as True: write it back as `on`
    fixed = {("on" if key is True else key): value for key, value in workflow.items()}
    path.write_text(yaml.safe_dump(fixed, sort_keys=False))
    return path


def test_lint_fails_a_workflow_with_a_job_missing_runs_on(tmp_path):
    assert _lint(_write(_workflow(), tmp_path / "unchanged.yml")).returncode == 0  # the round trip is clean
    broken = _workflow()
    del broken["jobs"]["gate"]["runs-on"]
    proc = _lint(_write(broken, tmp_path / "broken.yml"))
    assert proc.returncode != 0
    assert "'runs-on' is a required property" in proc.stdout + proc.stderr


def test_lint_fails_a_misspelt_key(tmp_path):
    broken = _workflow()
    broken["jobs"]["deploy-secondary"]["need"] = broken["jobs"]["deploy-secondary"].pop("needs")
    assert _lint(_write(broken, tmp_path / "broken.yml")).returncode != 0


# --------------------------------------------------------------------------- runners and order


def test_jobs_that_reach_azure_run_on_configured_runners():
    jobs = _jobs()
    reaching = {name for name, job in jobs.items() if _reaches_azure(job)}
    assert reaching == {"plan-shared", "deploy-shared", "plan-regions", "deploy-primary", "push-image", "gate",
                        "deploy-secondary"}
    for name in reaching:
        job = jobs[name]
        runs_on = job["runs-on"]
        assert isinstance(runs_on, str) and runs_on.startswith("${{"), f"{name}: runs-on {runs_on!r} is hard-coded"
        assert not HOSTED.search(runs_on), f"{name}: runs-on {runs_on!r} names a GitHub-hosted image"
        if "matrix." in runs_on:
            include = job["strategy"]["matrix"]["include"]
            assert "needs.synth.outputs." in include, f"{name}: matrix must come from the synth job"
        else:
            assert re.search(r"needs\.synth\.outputs\.|vars\.|inputs\.", runs_on), f"{name}: {runs_on!r}"
        assert "synth" in _ancestors(jobs, name)


def test_only_the_synth_job_may_use_a_hosted_runner():
    jobs = _jobs()
    hosted = {name for name, job in jobs.items() if HOSTED.search(json.dumps(job.get("runs-on")))}
    assert hosted <= {"synth"}
    assert not _reaches_azure(jobs["synth"]), "the synth job must stay free of Azure access on a hosted runner"


def test_runner_labels_come_from_vars_or_inputs():
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1: PyYAML reads the key `on` as True
    assert "runner_labels" in triggers["workflow_dispatch"]["inputs"]
    _, step = _step(workflow["jobs"]["synth"], "targets")
    assert step["env"]["VARS_JSON"] == "${{ toJSON(vars) }}"
    assert step["env"]["RUNNER_LABELS_INPUT"] == "${{ inputs.runner_labels }}"


def test_order_synth_plan_shared_primary_push_gate_secondaries():
    jobs = _jobs()
    chain = ["synth", "plan-shared", "deploy-shared", "plan-regions", "deploy-primary", "push-image", "gate",
             "deploy-secondary"]
    for earlier, later in zip(chain, chain[1:]):
        assert earlier in _ancestors(jobs, later), f"{later} must run after {earlier}"
    assert "gate" in _needs(jobs["deploy-secondary"])
    for name in ("deploy-shared", "deploy-primary", "push-image"):
        assert "gate" not in _ancestors(jobs, name)


def test_stacks_and_regions_are_derived_not_written(default_cfg):
    jobs = _jobs()
    text = json.dumps(jobs)
    for literal in (default_cfg.namer.stack("shared"), default_cfg.registry_name, *default_cfg.hub_regions):
        assert literal not in text, f"{literal!r} is hard-coded in a job: derive it in the synth job"
    assert jobs["deploy-secondary"]["strategy"]["matrix"]["include"] == \
        "${{ fromJSON(needs.synth.outputs.secondaries) }}"
    assert jobs["plan-regions"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.synth.outputs.regions) }}"
    for name, output in (("plan-shared", "shared"), ("deploy-shared", "shared"), ("deploy-primary", "primary")):
        assert jobs[name]["env"]["STACK"] == f"${{{{ fromJSON(needs.synth.outputs.{output}).stack }}}}"
        assert "terraform apply" in _runs(jobs[name]) or "terraform plan" in _runs(jobs[name])
    assert "needs.synth.outputs.replica_regions" in _runs(jobs["gate"])


def test_targets_step_derives_stacks_and_runners(default_synth):
    _, step = _step(_jobs()["synth"], "targets")
    proc = _run_step(step, config=DEFAULT_CONFIG, outdir=default_synth.outdir, VARS_JSON=json.dumps(RUNNER_VARS),
                     RUNNER_LABELS_INPUT='{"westus": ["self-hosted", "dr-westus"]}')
    assert proc.returncode == 0, proc.stderr
    out = _outputs(proc.stdout)
    assert out["registry"] == "crcontosofraudprod" and out["replica_regions"] == "westus"
    assert out["shared"] == {"stack": "fraud-prod-shared", "region": "eastus", "runs_on": ["self-hosted", "ops-eastus"]}
    assert out["primary"] == {"stack": "fraud-prod-eastus", "region": "eastus", "runs_on": ["self-hosted", "vnet-eastus"]}
    assert out["secondaries"] == [{"stack": "fraud-prod-westus", "region": "westus", "runs_on": ["self-hosted", "dr-westus"]}]
    assert [t["stack"] for t in out["stacks"]] == ["fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus"]
    assert out["regions"] == [out["primary"], *out["secondaries"]]
    assert {t["stack"] for t in out["stacks"]} <= set(default_synth.manifest["stacks"])


@pytest.mark.parametrize(
    ("runner_vars", "expected"),
    [
        ({k: v for k, v in RUNNER_VARS.items() if k != "RUNNER_LABELS_WESTUS"}, "RUNNER_LABELS_WESTUS"),
        ({**RUNNER_VARS, "RUNNER_LABELS_SHARED": "ubuntu-latest"}, "GitHub-hosted"),
        ({}, "RUNNER_LABELS_SHARED"),
        ({**RUNNER_VARS, "RUNNER_LABELS_EASTUS": '["self-hosted", '}, "neither a JSON array"),
    ],
    ids=["missing-region", "hosted-label", "none-set", "bad-json"],
)
def test_targets_step_refuses_missing_or_hosted_runners(default_synth, runner_vars, expected):
    _, step = _step(_jobs()["synth"], "targets")
    proc = _run_step(step, config=DEFAULT_CONFIG, outdir=default_synth.outdir, VARS_JSON=json.dumps(runner_vars))
    assert proc.returncode == 1
    assert "::error" in proc.stderr and expected in proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- state


def test_local_state_is_refused_before_anything_is_applied():
    jobs = _jobs()
    synth = jobs["synth"]
    index, step = _step(synth, "refuse-local-state")
    body = _heredoc(step)
    assert "from app.config import load_config" in body and 'cfg.backend.type == "local"' in body
    assert "::error" in body
    uploads = [i for i, s in enumerate(synth["steps"]) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert uploads and index < min(uploads), "refuse before the output leaves the synth job"
    for name, job in jobs.items():
        if "terraform apply" in _runs(job) or "terraform plan" in _runs(job):
            assert "synth" in _ancestors(jobs, name), f"{name} could run without the refusal"


def test_refusal_step_fails_on_the_default_local_backend(default_synth):
    _, step = _step(_jobs()["synth"], "refuse-local-state")
    proc = _run_step(step, config=DEFAULT_CONFIG, outdir=default_synth.outdir)
    assert proc.returncode == 1
    assert "::error" in proc.stdout and "backend.type is local" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_refusal_step_passes_a_remote_backend(remote_state):
    config, synth = remote_state
    _, step = _step(_jobs()["synth"], "refuse-local-state")
    proc = _run_step(step, config=config, outdir=synth.outdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "state backend: azurerm" in proc.stdout


@pytest.mark.slow
def test_refusal_step_catches_output_synthesized_with_local_state(remote_state, default_synth):
    config, _ = remote_state
    _, step = _step(_jobs()["synth"], "refuse-local-state")
    proc = _run_step(step, config=config, outdir=default_synth.outdir)  # config says azurerm, output says local
    assert proc.returncode == 1 and "synthesized with a local backend" in proc.stdout


# --------------------------------------------------------------------------- identity: computed roles


def _assigned_names(synth: Synth) -> set[str]:
    return {
        body["role_definition_name"]
        for stack in synth.stacks
        for body in synth.resources(stack, "azurerm_role_assignment").values()
    }


def test_every_role_the_default_stacks_assign_is_in_the_table(default_synth):
    names = _assigned_names(default_synth)
    assert names, "the default stacks assign roles"
    assert names <= set(BUILTIN_ROLES), f"add to app/pipeline_roles.py BUILTIN_ROLES: {names - set(BUILTIN_ROLES)}"
    computed = assigned_roles(default_synth.outdir)
    assert {r.name for r in computed} == names
    assert all(r.id == BUILTIN_ROLES[r.name] for r in computed)


def test_role_tables_hold_well_formed_distinct_ids():
    for table in (BUILTIN_ROLES, PIPELINE_IDENTITY_ROLES):
        for name, role_id in table.items():
            assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", role_id), name
    ids = [*BUILTIN_ROLES.values(), *PIPELINE_IDENTITY_ROLES.values()]
    assert len(ids) == len(set(ids))
    assert BUILTIN_ROLES["Azure AI Enterprise Network Connection Approver"] == "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"
    assert PIPELINE_IDENTITY_ROLES["Contributor"] == "b24988ac-6180-42a0-ab88-20f7382dd24c"
    assert PIPELINE_IDENTITY_ROLES["Role Based Access Control Administrator"] == "f58310d9-a9f6-439a-9e8d-f62e7b41a168"


def test_docs_name_every_role_and_its_id(default_synth):
    doc = PIPELINE_DOC.read_text()
    for role in assigned_roles(default_synth.outdir):
        assert role.name in doc and role.id in doc, f"docs/pipeline.md must list {role.name} ({role.id})"
    for name, role_id in {**BUILTIN_ROLES, **PIPELINE_IDENTITY_ROLES}.items():
        assert re.search(rf"\|\s*{re.escape(name)}\s*\|\s*`?{role_id}`?\s*\|", doc), \
            f"docs/pipeline.md: no table row for {name} | {role_id}"


def test_docs_example_is_the_default_synth_output(default_synth):
    expected = condition(r.id for r in assigned_roles(default_synth.outdir))
    assert expected in PIPELINE_DOC.read_text(), (
        "docs/pipeline.md shows a stale condition: replace its example with the output of "
        f"`python -m app.pipeline_roles` for config/default.yaml:\n{pipeline_roles.render(assigned_roles(default_synth.outdir))}"
    )


def _fake_out(tmp_path: Path, assignments: dict[str, dict[str, Any]]) -> Path:
    stack = tmp_path / "out" / "stacks" / "demo"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"azurerm_role_assignment": assignments}}))
    return tmp_path / "out"


def test_an_unlisted_role_raises(tmp_path):
    out = _fake_out(tmp_path, {"a": {"role_definition_name": "AcrPull"}, "b": {"role_definition_name": "Owner"}})
    with pytest.raises(UnknownRoleError, match="'Owner'.*BUILTIN_ROLES"):
        assigned_roles(out)


def test_role_definition_ids_are_named_or_refused(tmp_path):
    known = f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{BUILTIN_ROLES['AcrPull']}"
    out = _fake_out(tmp_path, {"a": {"role_definition_id": known}})
    assert [r.name for r in assigned_roles(out)] == ["AcrPull"]
    for ref in ("${data.azurerm_role_definition.x.id}",
                "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"):
        (out / "stacks" / "demo" / "cdk.tf.json").write_text(
            json.dumps({"resource": {"azurerm_role_assignment": {"a": {"role_definition_id": ref}}}}))
        with pytest.raises(UnknownRoleError):
            assigned_roles(out)


def test_condition_limits_writes_and_deletes_to_the_listed_roles():
    ids = [BUILTIN_ROLES["Storage Blob Data Reader"], BUILTIN_ROLES["AcrPull"]]
    listed = "{2a2b9908-6ea1-4ae2-8e65-a410df84e7d1, 7f951dda-4ed3-4680-a7ca-43fe172d538d}"
    assert condition(ids) == (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {listed})) "
        "AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
        f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {listed}))"
    )
    with pytest.raises(ValueError):
        condition([])


def test_cli_prints_roles_and_condition(default_synth):
    cmd = [sys.executable, "-m", "app.pipeline_roles", "--out", str(default_synth.outdir)]
    full = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert full.returncode == 0, full.stderr
    only = subprocess.run([*cmd, "--condition-only"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    expected = condition(r.id for r in assigned_roles(default_synth.outdir))
    assert only.returncode == 0 and only.stdout.strip() == expected
    assert expected in full.stdout
    for role in assigned_roles(default_synth.outdir):
        assert f"{role.name}" in full.stdout and role.id in full.stdout


def test_cli_without_output_is_a_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "app.pipeline_roles", "--out", str(tmp_path / "none")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "make synth" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_unlisted_role_exits_1(tmp_path):
    out = _fake_out(tmp_path, {"a": {"role_definition_name": "User Access Administrator"}})
    proc = subprocess.run([sys.executable, "-m", "app.pipeline_roles", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "User Access Administrator" in proc.stderr and "Traceback" not in proc.stderr


def test_synth_job_prints_the_roles_and_fails_on_an_unlisted_one():
    runs = _runs(_jobs()["synth"])
    assert "python -m app.pipeline_roles" in runs
    assert "docs/pipeline.md" in RELEASE.read_text().split("name: release")[0], "the header points to the docs"


# --- moved from tests/test_gate.py: the gate sits between the image push and the secondaries


def _applied_targets(job: dict[str, Any]) -> set[str]:
    """Which synth-job target (shared, primary, secondaries) a job runs `terraform apply` on."""
    if "terraform apply" not in _runs(job):
        return set()
    text = json.dumps(job)
    return {t for t in ("shared", "primary", "secondaries") if f"needs.synth.outputs.{t}" in text}


def test_release_workflow_gates_every_secondary_deploy():
    workflow = _workflow()
    jobs = workflow["jobs"]
    gate_jobs = [name for name, job in jobs.items() if "python main.py gate" in _runs(job)]
    assert gate_jobs == ["gate"]
    command = _runs(jobs["gate"])
    assert "--registry" in command and "--image" in command
    assert any(step.get("uses", "").startswith("azure/login@") for step in jobs["gate"]["steps"])
    assert workflow["permissions"]["id-token"] == "write"
    assert workflow["defaults"]["run"]["shell"] == "bash", "pipefail, so a failed gate fails its step"

    # stack names come from the synth job (tests/test_workflow.py checks how): apply jobs name a target
    applies = {name: _applied_targets(job) for name, job in jobs.items()}
    secondary = [name for name, targets in applies.items() if "secondaries" in targets]
    assert secondary == ["deploy-secondary"]
    for name in secondary:
        assert "gate" in _ancestors(jobs, name), f"{name} must (transitively) need the gate"
        assert applies[name] == {"secondaries"}
    for name, targets in applies.items():
        if targets & {"shared", "primary"}:
            assert "gate" not in _ancestors(jobs, name), f"{name} deploys before the push and gate"
    assert {"shared", "primary"} <= set().union(*applies.values())
    assert "push-image" in _ancestors(jobs, "gate")
    assert {"deploy-shared", "deploy-primary"} <= _ancestors(jobs, "push-image")
    assert jobs["plan-regions"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.synth.outputs.regions) }}"
    assert "cdktf.out/stacks/${{ matrix.stack }}" in json.dumps(jobs["plan-regions"])
    assert "make synth" in _runs(jobs["synth"])


# --------------------------------------------------------------------------- saved plans: what was reviewed is applied

PLAN_RETENTION_DAYS_MAX = 7  # the plan file holds sensitive values in clear: kept for a review, not for months
STACK_SOURCE = re.compile(r"\$\{\{ fromJSON\(needs\.synth\.outputs\.(\w+)\)(\.stack)? \}\}")


def _synth_outputs(default_synth: Synth) -> dict[str, Any]:
    """The synth job's outputs for the default config, by running its targets step."""
    _, step = _step(_jobs()["synth"], "targets")
    proc = _run_step(step, config=DEFAULT_CONFIG, outdir=default_synth.outdir, VARS_JSON=json.dumps(RUNNER_VARS))
    assert proc.returncode == 0, proc.stderr
    return _outputs(proc.stdout)


def _stacks_of(job: dict[str, Any], outputs: dict[str, Any]) -> list[str]:
    """The stacks a job works on: its env STACK from one synth target, or its matrix of synth targets."""
    single = STACK_SOURCE.fullmatch(str(job.get("env", {}).get("STACK", "")))
    if single and single.group(2):
        return [outputs[single.group(1)]["stack"]]
    matrix = STACK_SOURCE.fullmatch(str(job.get("strategy", {}).get("matrix", {}).get("include", "")))
    if matrix and not matrix.group(2):
        return [target["stack"] for target in outputs[matrix.group(1)]]
    return []


def _render(text: Any, stack: str) -> str:
    return str(text).replace("${{ env.STACK }}", stack).replace("${{ matrix.stack }}", stack)


def _uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(f"{action}@")


def _plan_uploads(jobs: dict[str, Any], name: str, stack: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(artifact name, working directory) -> the upload step, for each saved plan job `name` uploads for `stack`."""
    found = {}
    steps = jobs[name].get("steps", [])
    for i, step in enumerate(steps):
        run = str(step.get("run", ""))
        out = re.search(r"\bterraform plan\b[^\n]*?-out[= ](\S+)", run)
        if not out:
            continue
        planfile = out.group(1)
        # the file that leaves the job: the plan encrypted (openssl enc ... -in tfplan -out tfplan.enc), else the plan
        sealed = re.search(rf"^\s*openssl enc (?!-d)[^\n]*-pass env:\w+[^\n]*-in {re.escape(planfile)} -out (\S+)", run, re.M)
        shipped = sealed.group(1) if sealed else planfile
        wd = _render(step.get("working-directory"), stack)
        for upload in steps[i + 1:]:
            if _uses(upload, "actions/upload-artifact"):
                w = upload.get("with", {})
                paths = {_render(line.strip(), stack) for line in str(w.get("path", "")).splitlines() if line.strip()}
                if f"{wd}/{shipped}" in paths or f"{wd}/{planfile}" in paths:
                    found[(_render(w.get("name"), stack), wd)] = {
                        "upload": upload, "planfile": planfile, "paths": paths,
                        "sealed": shipped if sealed and f"{wd}/{planfile}" not in paths else None}
    return found


def saved_plan_problems(workflow: dict[str, Any], outputs: dict[str, Any]) -> list[str]:
    """Every way the workflow could apply something other than a reviewed, saved plan (empty: none)."""
    jobs = workflow["jobs"]
    problems = []
    for name, job in jobs.items():
        for step in job.get("steps", []):
            if _uses(step, "hashicorp/setup-terraform") and \
                    step.get("with", {}).get("terraform_version") != "${{ env.TERRAFORM_VERSION }}":
                problems.append(f"{name}: setup-terraform without the one TERRAFORM_VERSION (a plan needs the same)")
        for index, step in enumerate(job.get("steps", [])):
            run = str(step.get("run", ""))
            applies = re.findall(r"^\s*terraform apply\b(.*)$", run, re.M)
            if not applies:
                continue
            stacks = _stacks_of(job, outputs)
            if not stacks:
                problems.append(f"{name}: applies a stack that does not come from the synth job")
            lines = [ln.strip() for ln in run.splitlines()]
            first_apply = next(i for i, ln in enumerate(lines) if ln.startswith("terraform apply"))
            if not any(re.match(r"terraform init\b.*-lockfile=readonly", ln) for ln in lines[:first_apply]):
                problems.append(f"{name}: init before the apply may change the providers (-lockfile=readonly)")
            names = [_render(s.get("with", {}).get("name"), stacks[0] if stacks else "") for s in job["steps"][:index]
                     if _uses(s, "actions/download-artifact")]
            if any(n.startswith("tfplan-") for n in names) and "cdktf-out" in names and \
                    names.index("cdktf-out") > min(i for i, n in enumerate(names) if n.startswith("tfplan-")):
                problems.append(f"{name}: the synth output is downloaded after the plan and would replace its lock file")
            for args in applies:
                words = args.split()
                if "-auto-approve" in words or not words or words[-1].startswith("-"):
                    problems.append(f"{name}: `terraform apply{args}` plans again instead of applying a saved plan")
                    continue
                planfile = words[-1]
                for stack in stacks:
                    wd = _render(step.get("working-directory"), stack)
                    downloads = {_render(s.get("with", {}).get("name"), stack) for s in job["steps"][:index]
                                 if _uses(s, "actions/download-artifact")
                                 and _render(s.get("with", {}).get("path"), stack) == wd}
                    planned = {key: value for parent in _ancestors(jobs, name) if stack in _stacks_of(jobs[parent], outputs)
                               for key, value in _plan_uploads(jobs, parent, stack).items()}
                    matches = [planned[(artifact, wd)] for artifact in downloads if (artifact, wd) in planned]
                    if not matches:
                        problems.append(f"{name}: applies {wd}/{planfile} for {stack} without downloading it from the "
                                        "artifact an earlier job's `terraform plan -out` uploaded")
                        continue
                    for match in matches:
                        w = match["upload"].get("with", {})
                        if match["planfile"] != planfile:
                            problems.append(f"{name}: applies {planfile}, the plan job saved {match['planfile']}")
                        if not match["sealed"]:
                            problems.append(f"{name}: the plan of {stack} is uploaded in clear (it holds sensitive values)")
                        elif not any(re.match(rf"openssl enc -d\b.*-in {re.escape(match['sealed'])} -out "
                                              rf"{re.escape(planfile)}\b", ln) for ln in lines[:first_apply]):
                            problems.append(f"{name}: applies {planfile} without decrypting {match['sealed']} first")
                        if w.get("overwrite") is not True:
                            problems.append(f"{name}: a re-run of the plan of {stack} cannot replace its artifact "
                                            "(overwrite: true)")
                        if f"{wd}/.terraform.lock.hcl" not in match["paths"] or w.get("include-hidden-files") is not True:
                            problems.append(f"{name}: the plan of {stack} travels without its .terraform.lock.hcl")
                        days = w.get("retention-days")
                        if not isinstance(days, int) or not 1 <= days <= PLAN_RETENTION_DAYS_MAX:
                            problems.append(f"{name}: the plan of {stack} is kept {days!r} days (1..{PLAN_RETENTION_DAYS_MAX})")
    return problems


def test_every_apply_applies_the_saved_plan_of_its_stack(default_synth):
    outputs = _synth_outputs(default_synth)
    workflow = _workflow()
    assert saved_plan_problems(workflow, outputs) == []
    jobs = workflow["jobs"]
    applied = {stack for name, job in jobs.items() if "terraform apply" in _runs(job) for stack in _stacks_of(job, outputs)}
    # every stack of a release is applied, each from its own plan; routing is applied on its own (README, Runbook)
    assert applied == {t["stack"] for t in outputs["stacks"]}
    for name, job in jobs.items():
        if "terraform apply" in _runs(job):
            assert job.get("environment") == "production", f"{name}: the apply waits for the environment's reviewers"


@pytest.mark.parametrize("mutation, expected", [
    ("auto-approve", "plans again"),
    ("no-download", "without downloading it"),
    ("plan-not-before", "without downloading it"),
    ("wrong-artifact", "without downloading it"),
    ("no-lock-file", "without its .terraform.lock.hcl"),
    ("kept-long", "kept 90 days"),
    ("init-unlocked", "-lockfile=readonly"),
    ("other-terraform", "TERRAFORM_VERSION"),
    ("clear-upload", "uploaded in clear"),
    ("no-decrypt", "without decrypting"),
    ("no-overwrite", "overwrite: true"),
    ("init-after-apply", "-lockfile=readonly"),
    ("synth-after-plan", "would replace its lock file"),
])
def test_the_saved_plan_check_catches_each_way_round_it(default_synth, mutation, expected):
    outputs = _synth_outputs(default_synth)
    workflow = _workflow()
    jobs = workflow["jobs"]

    def apply_step(job):
        return next(s for s in job["steps"] if "terraform apply" in str(s.get("run", "")))

    def plan_upload(job):
        return next(s for s in job["steps"] if _uses(s, "actions/upload-artifact"))

    if mutation == "auto-approve":
        step = apply_step(jobs["deploy-shared"])
        step["run"] = step["run"].replace("tfplan", "-auto-approve")
    elif mutation == "no-download":
        jobs["deploy-primary"]["steps"] = [s for s in jobs["deploy-primary"]["steps"]
                                           if "tfplan-" not in str(s.get("with", {}).get("name"))]
    elif mutation == "plan-not-before":
        jobs["deploy-primary"]["needs"] = ["synth", "deploy-shared"]  # plan-regions is no longer an ancestor
    elif mutation == "wrong-artifact":
        plan_upload(jobs["plan-regions"])["with"]["name"] = "plan-${{ matrix.stack }}"
    elif mutation == "no-lock-file":
        plan_upload(jobs["plan-shared"])["with"].pop("include-hidden-files")
    elif mutation == "kept-long":
        plan_upload(jobs["plan-regions"])["with"]["retention-days"] = 90
    elif mutation == "init-unlocked":
        step = apply_step(jobs["deploy-secondary"])
        step["run"] = step["run"].replace(" -lockfile=readonly", "")
    elif mutation == "other-terraform":
        next(s for s in jobs["deploy-secondary"]["steps"]
             if _uses(s, "hashicorp/setup-terraform"))["with"]["terraform_version"] = "latest"
    elif mutation == "clear-upload":
        upload = plan_upload(jobs["plan-shared"])["with"]
        upload["path"] = upload["path"].replace("tfplan.enc", "tfplan")
    elif mutation == "no-decrypt":
        step = apply_step(jobs["deploy-primary"])
        step["run"] = "\n".join(ln for ln in step["run"].splitlines() if "openssl" not in ln)
    elif mutation == "no-overwrite":
        plan_upload(jobs["plan-regions"])["with"].pop("overwrite")
    elif mutation == "init-after-apply":
        step = apply_step(jobs["deploy-shared"])
        lines = step["run"].splitlines()
        init = next(ln for ln in lines if "terraform init" in ln)
        step["run"] = "\n".join([ln for ln in lines if ln != init] + [init])
    elif mutation == "synth-after-plan":
        steps = jobs["deploy-secondary"]["steps"]
        synth = next(s for s in steps if s.get("with", {}).get("name") == "cdktf-out")
        steps.remove(synth)
        steps.insert(next(i for i, s in enumerate(steps) if "tfplan-" in str(s.get("with", {}).get("name"))) + 1, synth)
    problems = saved_plan_problems(workflow, outputs)
    assert any(expected in p for p in problems), problems


def test_plans_wait_for_what_they_read_and_the_gate_still_precedes_the_secondaries():
    jobs = _jobs()
    # a region reads the shared stack's outputs: its plan is made after the shared stack is applied
    assert "deploy-shared" in _ancestors(jobs, "plan-regions")
    assert "deploy-shared" not in _ancestors(jobs, "plan-shared")
    # a secondary region's replica serves the pushed image before that region's compute changes
    assert {"gate", "plan-regions"} <= _ancestors(jobs, "deploy-secondary")
    assert "gate" not in _ancestors(jobs, "plan-regions")
    doc = PIPELINE_DOC.read_text()
    assert "tfplan" in doc and "sensitive" in doc and "retention" in doc


def test_the_hcp_token_reaches_only_the_jobs_that_run_terraform():
    jobs = _jobs()
    holders = {name for name, job in jobs.items() if "secrets." in json.dumps(job)}
    terraform = {name for name, job in jobs.items() if re.search(r"\bterraform (plan|apply)\b", _runs(job))}
    assert holders == terraform
    for name in holders:
        assert jobs[name]["env"]["TF_TOKEN_app_terraform_io"] == "${{ secrets.TF_TOKEN_APP_TERRAFORM_IO }}"
        assert jobs[name]["env"]["TFE_TOKEN"] == "${{ secrets.TF_TOKEN_APP_TERRAFORM_IO }}"  # tfe_outputs
    assert "secrets." not in json.dumps(_workflow().get("env", {})), "no secret at workflow level (the synth job)"
