"""docs/failure-modes.md and the README's runbook are generated, and every claim in them follows the built stacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.built import Built
from app.failure_modes import checks, render, runbook_lines, training_data_outage
from tests.conftest import DEFAULT_CONFIG, ROOT, Synth, synth_config

DOC = ROOT / "docs" / "failure-modes.md"
SCENARIOS = ("Primary region down", "A secondary region down", "The registry's home region down",
             "The state backend's region down")
COMPONENTS = ("registry pulls", "registry pushes", "registry configuration", "training data reads",
              "training data writes", "hubs and projects", "compute", "routing", "alerts", "key vaults and CMK",
              "Terraform state", "the pipeline")


def rendered(cfg, synth: Synth) -> str:
    return render(cfg, Built.read(synth.outdir))


def tables(text: str) -> dict[str, dict[str, list[str]]]:
    """Scenario title -> component -> the row's cells."""
    out: dict[str, dict[str, list[str]]] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:]
        elif line.startswith("| ") and not line.startswith("| component"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            out.setdefault(title, {})[cells[0]] = cells[1:]
    return out


def test_the_committed_doc_is_the_commands_output(default_cfg, default_synth):
    expected = rendered(default_cfg, default_synth)
    assert DOC.read_text() == expected, "regenerate: python main.py failure-modes --out docs/failure-modes.md"


def test_the_readme_runbook_is_the_generated_one(default_cfg, default_synth):
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- runbook: generated")[1].split("-->", 1)[1].split("<!-- /runbook -->")[0].strip()
    assert block == "\n".join(runbook_lines(default_cfg, Built.read(default_synth.outdir))[2:])
    assert "[docs/failure-modes.md](docs/failure-modes.md)" in readme


def test_one_table_per_scenario_one_row_per_component(default_cfg, default_synth):
    found = tables(rendered(default_cfg, default_synth))
    for scenario in SCENARIOS:
        (title,) = [t for t in found if t.startswith(scenario)]
        assert tuple(found[title]) == COMPONENTS, title
        for component, cells in found[title].items():
            assert len(cells) == 4 and all(cells), (title, component)


def test_every_runbook_step_a_row_names_exists(default_cfg, default_synth):
    text = rendered(default_cfg, default_synth)
    steps = [line for line in text.splitlines() if line[:2].rstrip(".").isdigit() and ". " in line[:4]]
    import re

    named = {int(n) for n in re.findall(r"step (\d+)", text)}
    assert named and max(named) <= len(steps)


def test_the_default_doc_says_what_azure_does(default_cfg, default_synth):
    """GRS: unreadable until a customer-initiated failover, which Microsoft says typically takes about an hour."""
    primary = tables(rendered(default_cfg, default_synth))["Primary region down (eastus)"]
    reads = primary["training data reads"][0]
    assert "unreadable from every region until a customer-initiated account failover" in reads
    assert "typically takes about an hour" in reads
    assert "regional_endpoint_enabled = true" in primary["registry pulls"][0]
    assert "quota ceiling, not reserved capacity" in primary["compute"][0]
    assert "0 -> 2" in primary["compute"][0]  # failover_min_nodes, on promotion
    assert "public, unauthenticated health path" in primary["routing"][0]


def test_every_structural_fact_holds_in_the_default_output(default_cfg, default_synth):
    facts = checks(default_cfg, Built.read(default_synth.outdir))
    assert facts and all(ok for ok, _ in facts), [t for ok, t in facts if not ok]
    texts = " ".join(t for _, t in facts)
    for needle in ("regional_endpoint_enabled = true", "Azure AI Enterprise Network Connection Approver",
                   "data endpoint", "lifecycle rule", "wait for RBAC"):
        assert needle in texts


def broken_copy(synth: Synth, tmp_path: Path, edit) -> Built:
    """A copy of a synthesized output with one stack's JSON edited."""
    out = tmp_path / "copy"
    shutil.copytree(synth.outdir, out)
    for stack in synth.stacks:
        path = out / synth.manifest["stacks"][stack]["synthesizedStackPath"]
        doc = json.loads(path.read_text())
        if edit(stack, doc):
            path.write_text(json.dumps(doc))
    return Built.read(out)


def test_a_silent_replica_shows_in_the_doc(default_cfg, default_synth, tmp_path):
    def unset_flag(stack, doc):
        for registry in doc.get("resource", {}).get("azurerm_container_registry", {}).values():
            for replica in registry["georeplications"]:
                del replica["regional_endpoint_enabled"]  # what azurerm sends as false
            return True
        return False

    built = broken_copy(default_synth, tmp_path, unset_flag)
    text = render(default_cfg, built)
    assert "westus: regional endpoint disabled, Azure routes no pull there" in text
    assert "- NO: registry replica westus" in text


def test_a_missing_approval_or_record_shows_in_the_doc(default_cfg, default_synth, tmp_path):
    def drop(stack, doc):
        if not stack.endswith("westus"):
            return False
        res = doc["resource"]
        res["azurerm_role_assignment"] = {n: r for n, r in res["azurerm_role_assignment"].items()
                                          if "Approver" not in r["role_definition_name"]}
        res["azurerm_private_dns_a_record"] = {n: r for n, r in res["azurerm_private_dns_a_record"].items()
                                               if not r["name"].endswith("eastus.data")}
        return True

    facts = dict((t, ok) for ok, t in checks(default_cfg, broken_copy(default_synth, tmp_path, drop)))
    failed = [t for t, ok in facts.items() if not ok]
    assert any(t.startswith("westus hub: the outbound rule") for t in failed)
    assert any(t.startswith("westus network: a private A record") for t in failed)
    assert not any(t.startswith("eastus") for t in failed)


@pytest.mark.parametrize("redundancy", ["RAGRS", "RAGZRS"])
def test_read_access_keeps_reads_in_the_secondary(tmp_path, redundancy):
    from app.config import load_config

    cfg = load_config(DEFAULT_CONFIG, overrides={"training_data.redundancy": redundancy,
                                                  "encryption.customer_managed_keys": False})
    synth = synth_config(DEFAULT_CONFIG, tmp_path / "o", **{"training_data.redundancy": redundancy,
                                                           "encryption.customer_managed_keys": False})
    rows = tables(rendered(cfg, synth))["Primary region down (eastus)"]
    reads = rows["training data reads"]
    assert reads[0].startswith("readable read-only at the secondary endpoint in westus")
    assert "blob_secondary" in reads[0] and reads[3] == "0 (read-only copy)"
    # Azure does not redirect the primary URL: reading the secondary is the jobs' doing, not automatic
    assert reads[1] == "no: jobs must address the secondary endpoint" and "Azure does not redirect" in reads[0]
    assert "no Azure ML compute reads the secondary" in reads[0]  # if the managed network refuses blob_secondary
    facts = checks(cfg, Built.read(synth.outdir))
    assert all(ok for ok, _ in facts)
    assert any("blob_secondary private endpoint" in t for _, t in facts)


def test_worm_makes_failover_impossible_everywhere():
    out = training_data_outage("GRS", "eastus", worm=True, secondary_reachable=False)
    assert out["rto_minutes"] is None and "WORM" in str(out["reason"]) and "impossible" in str(out["writes"])
    ra = training_data_outage("RAGRS", "eastus", worm=True, secondary_reachable=True)
    assert ra["readable_in_secondary"] is True and ra["rto_minutes"] is None


def test_the_report_tells_the_same_story(tmp_path):
    from app import report
    from app.config import load_config

    grs = report.build(load_config(DEFAULT_CONFIG))["rpo_rto"][0]
    assert grs["readable_in_secondary_during_outage"] is False
    assert "typically takes about an hour" in grs["rto"]
    # the default config encrypts the data with a key in the primary's vault: no known bound
    assert grs["rto_minutes"] is None and "key vault" in grs["rto_reason"]
    plain = report.build(load_config(DEFAULT_CONFIG, overrides={"encryption.customer_managed_keys": False}))
    assert plain["rpo_rto"][0]["rto_minutes"] == 60
    worm = report.build(load_config(DEFAULT_CONFIG, overrides={"training_data.immutability_days": 7}))["rpo_rto"][0]
    assert worm["rto_minutes"] is None and "impossible" in worm["rto"]
    ra = report.build(load_config(DEFAULT_CONFIG, overrides={"training_data.redundancy": "RAGRS",
                                                             "encryption.customer_managed_keys": False}))["rpo_rto"][0]
    assert ra["readable_in_secondary_during_outage"] is True and ra["rto_minutes"] == 0


def test_command_writes_the_doc_and_refuses_bad_config(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT_CONFIG.read_text().replace("version_retention_days: 30", "version_retention_days: 3"))
    run = subprocess.run([sys.executable, "main.py", "failure-modes", "--config", str(bad), "--out",
                          str(tmp_path / "fm.md")], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 2 and "training_data.version_retention_days" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "fm.md").exists()
