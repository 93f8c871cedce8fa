"""checkov (Azure policies) over every stack of the default synth: zero failed checks, at most 6 skips.

The skips and their reasons live in ``.checkov.yaml``; checkov runs offline from
its own virtualenv (``make test`` installs ``requirements-checkov.txt`` there).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CONFIG = ROOT / ".checkov.yaml"


def checkov() -> str:
    if CHECKOV.exists():
        return str(CHECKOV)
    found = shutil.which("checkov")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("checkov is not installed: make test installs it into .venv-checkov (requirements-checkov.txt)")
    pytest.skip("checkov not installed (run make test)")


def scannable(directory) -> str:
    """A copy of ``directory`` checkov 3.3.30 can parse: its terraform_json parser raises "this method receives
    only dicts" on the string ``terraform.required_version`` and then scans nothing of that file. Only that key
    is dropped; every resource is scanned as synthesized."""
    import tempfile
    from pathlib import Path

    copy = Path(tempfile.mkdtemp(prefix="checkov-")) / "out"
    shutil.copytree(directory, copy)
    for path in copy.rglob("*.tf.json"):
        doc = json.loads(path.read_text())
        doc.get("terraform", {}).pop("required_version", None)
        path.write_text(json.dumps(doc))
    return str(copy)


def scan(directory) -> dict:
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}
    run = subprocess.run(
        [checkov(), "--config-file", str(CONFIG), "-d", scannable(directory), "-o", "json", "--quiet"],
        capture_output=True, text=True, timeout=600, env=env, cwd=ROOT,
    )
    assert run.returncode in (0, 1), run.stderr[-2000:]
    report = json.loads(run.stdout)
    reports = report if isinstance(report, list) else [report]
    return {
        "passed": sum(r.get("summary", {}).get("passed", 0) for r in reports),
        "failed": [
            f"{c['check_id']} {c['resource']} ({c['file_path']})"
            for r in reports
            for c in r.get("results", {}).get("failed_checks", [])
        ],
        "code": run.returncode,
    }


def test_skips_are_few_and_each_has_a_reason():
    import yaml

    settings = yaml.safe_load(CONFIG.read_text())
    assert set(settings) <= {"framework", "compact", "skip-download", "skip-check"}, "no soft-fail or other escapes"
    assert isinstance(settings["skip-check"], list) and 0 < len(settings["skip-check"]) <= 6
    lines = CONFIG.read_text().splitlines()
    start = lines.index("skip-check:")
    skips = []
    for i, line in enumerate(lines[start + 1:], start + 1):
        m = re.match(r"\s+- (CKV2?_AZURE_\d+)\s*$", line)
        if m:
            assert lines[i - 1].strip().startswith("#") and len(lines[i - 1].strip()) > 30, f"no reason for {m[1]}"
            skips.append(m[1])
    assert skips == settings["skip-check"], "every skip on its own line with its reason above it"


def test_default_synth_has_no_failed_check(default_synth):
    result = scan(default_synth.outdir / "stacks")
    assert result["failed"] == [], "\n".join(result["failed"])
    assert result["code"] == 0
    assert result["passed"] >= 90, "checkov read fewer resources than the platform has"


def test_scan_would_catch_a_regression(tmp_path, default_synth):
    """The same scan fails when a protection is removed: the test above proves something."""
    stack = tmp_path / "stacks" / "fraud-prod-shared"
    stack.mkdir(parents=True)
    doc = json.loads((default_synth.outdir / "stacks" / "fraud-prod-shared" / "cdk.tf.json").read_text())
    for account in doc["resource"]["azurerm_storage_account"].values():
        account["public_network_access_enabled"] = True
        account["min_tls_version"] = "TLS1_0"
    (stack / "cdk.tf.json").write_text(json.dumps(doc))
    failed = " ".join(scan(tmp_path / "stacks")["failed"])
    assert "CKV_AZURE_59" in failed and "CKV_AZURE_44" in failed


@pytest.mark.slow
def test_every_shipped_config_and_read_access_have_no_failed_check(tmp_path):
    """Every config in the repo, and RA-GRS (blob_secondary endpoints, the AzAPI outbound rule), scanned together."""
    from tests.conftest import synth_config

    out = tmp_path / "all"
    configs = sorted([*(ROOT / "config").glob("*.yaml"), *(ROOT / "benchmarks").glob("*.yaml")])
    for i, config in enumerate(configs):
        synth_config(config, out / f"{i}-{config.stem}")
    synth_config(ROOT / "config" / "default.yaml", out / "ragrs", **{"training_data.redundancy": "RAGRS"})
    result = scan(out)
    assert result["failed"] == [], "\n".join(result["failed"])
    assert result["code"] == 0
    assert result["passed"] >= 100 * (len(configs) + 1), "checkov read fewer outputs than were synthesized"
