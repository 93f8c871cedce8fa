"""python main.py report: the design document, from the config alone (no synth, no cdktf)."""

from __future__ import annotations

import copy
import html.parser
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app import report
from app.report.availability import composite, parallel, serial
from app.report.inventory import stacks
from app.report.to_html import MERMAID_SHA256, MERMAID_VERSION, mermaid_js
from app.config import load_config
from app.errors import EXIT_USAGE, ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config" / "default.yaml"
DEFAULT_STACKS = ["fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus", "fraud-prod-routing"]
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = doc
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


# The switches the figures below depend on, pinned so a change to config/default.yaml does not move them.
PINNED = {
    "regions.primary": "eastus", "regions.secondaries": ["westus"], "regions.mode": "active-passive",
    "training_data.redundancy": "GRS", "training_data.size_tb": 50, "network.private": True,
    "encryption.customer_managed_keys": False, "registry.sku": "Premium",
    "compute.clusters": [{"name": "cpu-train", "vm_size": "Standard_D4s_v3", "min_nodes": 0, "max_nodes": 8}],
}


def write_config(tmp_path: Path, name: str = "config.yaml", **changes: Any) -> Path:
    """The default config, pinned, with some keys changed (dotted paths)."""
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc.pop("report", None)
    for dotted, value in {**PINNED, **changes}.items():
        _set(doc, dotted.replace("__", "."), copy.deepcopy(value))
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def three_region(tmp_path: Path) -> Path:
    return write_config(tmp_path, "three.yaml", **{
        "regions.secondaries": ["westus2", "westus"],
        "network.address_spaces": {"eastus": "10.10.0.0/16", "westus": "10.20.0.0/16", "westus2": "10.30.0.0/16"},
        "routing.endpoints": {"eastus": "scoring-eus.fraud.contoso.com", "westus": "scoring-wus.fraud.contoso.com",
                              "westus2": "scoring-wus2.fraud.contoso.com"},
    })


def europe(tmp_path: Path) -> Path:
    return write_config(tmp_path, "europe.yaml", **{
        "regions": {"primary": "northeurope", "secondaries": ["westeurope"]},
        "network.address_spaces": {},
        "routing.endpoints": {"northeurope": "scoring-neu.fraud.contoso.com", "westeurope": "scoring-weu.fraud.contoso.com"},
        "compute.clusters": [{"name": "cpu-train", "vm_size": "Standard_D4s_v3", "max_nodes": 8}],
    })


def build(path: Path) -> dict[str, Any]:
    return report.build(load_config(path))


def run_report(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "report", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**os.environ})


def line(rep: dict[str, Any], component: str, region: str | None = None, stack: str | None = None) -> dict[str, Any]:
    found = [ln for ln in rep["cost"]["lines"] if ln["component"].startswith(component)
             and (region is None or ln["region"] == region) and (stack is None or ln["stack"] == stack)]
    assert len(found) == 1, [ln["component"] for ln in rep["cost"]["lines"]]
    return found[0]


@pytest.fixture(scope="module")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The seed scenario (config/default.yaml with the switches above pinned)."""
    return build(write_config(tmp_path_factory.mktemp("default")))


# --------------------------------------------------------------------------- availability


def test_composite_formula_on_a_hand_checked_case():
    # Two regions of 90% each, in parallel: 1 - 0.1 * 0.1 = 99%; a 99% global component in series: 98.01%.
    f = composite({"a": [90.0], "b": [90.0]}, [99.0], "a")
    assert f["parallel_regions"] == pytest.approx(99.0)
    assert f["upper_bound"] == pytest.approx(98.01)
    assert f["single_region"] == pytest.approx(89.1)
    assert serial([99.9, 99.9]) == pytest.approx(99.8001)
    assert parallel([99.0, 99.0, 99.0]) == pytest.approx(99.9999)


def test_default_availability_matches_an_independent_computation(default_report):
    a = default_report["availability"]
    # Per region, in series: hub (ML) 99.9, key vault 99.99, hub storage 99.9, registry replica 99.9, private link 99.99.
    region = 0.999 * 0.9999 * 0.999 * 0.999 * 0.9999
    assert region == pytest.approx(0.996803608, abs=1e-9)  # 0.999^3 x 0.9999^2, by hand
    both = 1 - (1 - region) * (1 - region)  # eastus or westus
    glob = 0.999 * 0.9999  # training data on GRS (99.9% reads), Traffic Manager
    assert [r["percent"] for r in a["regions"]] == [pytest.approx(100 * region, abs=1e-6)] * 2
    assert a["parallel_regions_percent"] == pytest.approx(100 * both, abs=1e-6)
    assert a["composite_upper_bound_percent"] == pytest.approx(100 * both * glob, abs=1e-6)
    assert a["single_region_percent"] == pytest.approx(100 * region * glob, abs=1e-6)
    assert a["composite_upper_bound_percent"] == pytest.approx(99.889, abs=1e-3)
    assert a["target_percent"] == 99.95
    assert a["meets_target"] == {"single_region": False, "upper_bound": False}
    assert a["downtime_minutes_per_month"]["target"] == pytest.approx(21.9)
    assert "1 - (1 - A_eastus) x (1 - A_westus)" in a["formula"]["regions"]
    serving = next(p for p in a["by_path"] if p["path"].startswith("inference"))
    # serving also needs the team's ingress in each region (assumed 99.95%: routing.ingress_sla_percent)
    served = 1 - (1 - region * 0.9995) ** 2
    assert serving["upper_bound_percent"] == pytest.approx(100 * served * 0.9999, abs=1e-6)
    assert serving["external_dependencies"] == ["inference ingress"]
    (ingress,) = [c for c in a["components"] if c["key"] == "ingress"]
    assert ingress["percent"] == 99.95 and ingress["source"] == "routing.ingress_sla_percent"
    assert any(w["code"] == "below-target" for w in default_report["warnings"])


def test_read_access_redundancy_raises_the_data_factor(tmp_path):
    a = build(write_config(tmp_path, **{"training_data.redundancy": "RA-GRS"}))["availability"]
    region = 0.999 * 0.9999 * 0.999 * 0.999 * 0.9999
    both = 1 - (1 - region) ** 2
    assert a["composite_upper_bound_percent"] == pytest.approx(100 * both * 0.9999 * 0.9999, abs=1e-6)
    assert a["meets_target"]["upper_bound"] is True and a["meets_target"]["single_region"] is False


def test_public_network_and_no_routing_drop_their_factors(tmp_path):
    path = write_config(tmp_path, **{"network.private": False})
    doc = yaml.safe_load(path.read_text())
    del doc["routing"]
    doc["regions"].pop("active", None)
    path.write_text(yaml.safe_dump(doc))
    rep = build(path)
    region = 0.999 * 0.9999 * 0.999 * 0.999
    assert rep["availability"]["regions"][0]["percent"] == pytest.approx(100 * region, abs=1e-6)
    assert rep["availability"]["single_region_percent"] == pytest.approx(100 * region * 0.999, abs=1e-6)
    assert [s["name"] for s in rep["stacks"]] == DEFAULT_STACKS[:3]
    kinds = {r["kind"] for s in rep["stacks"] for r in s["resources"]}
    assert "Private endpoint" not in kinds and "Traffic Manager profile" not in kinds
    assert not any(ln["component"].startswith("Private") for ln in rep["cost"]["lines"])


# --------------------------------------------------------------------------- stacks and diagram


def test_stacks_and_deployment_order(default_report):
    rep = default_report
    assert [s["name"] for s in rep["stacks"]] == DEFAULT_STACKS
    assert rep["deployment_order"]["sequence"] == [["fraud-prod-shared"], ["fraud-prod-eastus"], ["fraud-prod-westus"]]
    assert rep["deployment_order"]["independent"] == ["fraud-prod-routing"]
    by = {s["name"]: s for s in rep["stacks"]}
    assert by["fraud-prod-westus"]["depends_on"] == ["fraud-prod-shared", "fraud-prod-eastus"]
    shared = {r["kind"]: r for r in by["fraud-prod-shared"]["resources"]}
    assert shared["Registry geo-replica"]["count"] == 1 and "westus" in shared["Registry geo-replica"]["detail"]
    assert "Key vault (customer-managed keys)" not in shared
    region = {r["kind"]: r for r in by["fraud-prod-eastus"]["resources"]}
    assert region["Private endpoint"]["count"] == 6 and region["Compute cluster"]["detail"] == "cpu-train Standard_D4s_v3 0-8"
    routing = {r["kind"]: r for r in by["fraud-prod-routing"]["resources"]}
    assert routing["External endpoint"]["count"] == 2


def test_customer_managed_keys_add_the_key_resources(tmp_path):
    rep = build(write_config(tmp_path, **{"encryption.customer_managed_keys": True,
                                          "encryption.registry_customer_managed_key": True,
                                          "encryption.hub_customer_managed_key": True}))
    shared = {r["kind"] for r in rep["stacks"][0]["resources"]}
    assert {"Key vault (customer-managed keys)", "Key vault key", "User-assigned identity"} <= shared
    region = {r["kind"]: r["count"] for r in rep["stacks"][1]["resources"]}
    # the hub's storage and (encryption.hub_customer_managed_key, set here) the hub's metadata
    assert region["Key vault key"] == 2 and region["Private endpoint"] == 7  # + the shared CMK vault
    # Two keys in the shared vault and two per hub, each rotated once a year: 6 x 30.42 / 365 rotations a month;
    # operations on RSA 3072 keys are advanced ($0.15/10k); the two shared RSA-HSM 3072 keys cost $5 a month each.
    assert line(rep, "Key vault for customer-managed keys")["monthly_usd"] == pytest.approx(
        10 * 0.15 + 6 * (730 / 24) / 365 * 1.00 + 2 * 5.00, abs=0.01)
    # The key vault joins the global factors: data 99.9%, key vault 99.99%, Traffic Manager 99.99%.
    assert rep["availability"]["global_percent"] == pytest.approx(100 * 0.999 * 0.9999 * 0.9999, abs=1e-6)


def test_three_regions_replicate_to_every_secondary(tmp_path):
    rep = build(three_region(tmp_path))
    assert rep["deployment_order"]["sequence"] == [["fraud-prod-shared"], ["fraud-prod-eastus"],
                                                   ["fraud-prod-westus2", "fraud-prod-westus"]]
    replicas = [ln for ln in rep["cost"]["lines"] if ln["component"] == "Registry geo-replica"]
    assert sorted(ln["region"] for ln in replicas) == ["westus", "westus2"]
    zones = next(d for d in rep["decisions"] if d["topic"] == "Zone redundancy per region")["details"]
    assert {z["region"]: z["hub_storage"] for z in zones} == {"eastus": "GZRS", "westus2": "GZRS", "westus": "GRS"}
    assert {z["region"]: z["registry_copy"] for z in zones}["westus"] == "impossible (no zones)"
    a = rep["availability"]
    region = 0.999 * 0.9999 * 0.999 * 0.999 * 0.9999
    assert a["parallel_regions_percent"] == pytest.approx(100 * (1 - (1 - region) ** 3), abs=1e-6)


# --------------------------------------------------------------------------- cost


def test_cost_scales_with_size_and_redundancy(tmp_path):
    base = build(write_config(tmp_path, "a.yaml"))
    double = build(write_config(tmp_path, "b.yaml", **{"training_data.size_tb": 100}))
    gzrs = build(write_config(tmp_path, "c.yaml", **{"training_data.redundancy": "GZRS"}))
    grs_line = line(base, "Training data (GRS")
    assert grs_line["monthly_usd"] == pytest.approx(50 * 1000 * 0.0368, abs=0.01)
    assert line(double, "Training data (GRS")["monthly_usd"] == pytest.approx(2 * grs_line["monthly_usd"], abs=0.01)
    assert line(gzrs, "Training data (GZRS")["monthly_usd"] == pytest.approx(50 * 1000 * 0.0414, abs=0.01)
    assert double["cost"]["total_monthly_usd"] > base["cost"]["total_monthly_usd"]
    assert gzrs["cost"]["total_monthly_usd"] > base["cost"]["total_monthly_usd"]
    table = {row["redundancy"]: row for row in base["comparisons"]["storage_redundancy"]}
    assert table["LRS"]["monthly_usd"] < table["ZRS"]["monthly_usd"] < table["GRS"]["monthly_usd"] < table["GZRS"]["monthly_usd"]
    assert table["GRS"]["chosen"] and table["GRS"]["delta_vs_chosen_usd"] == 0
    assert not table["LRS"]["allowed_for_training_data"] and table["LRS"]["durability_nines"] == 11
    assert table["GZRS"]["durability_nines"] == 16


def test_totals_add_up_and_passive_compute_is_free(default_report):
    c = default_report["cost"]
    assert c["total_monthly_usd"] == pytest.approx(sum(ln["monthly_usd"] for ln in c["lines"]), abs=0.05)
    assert sum(c["by_region"].values()) == pytest.approx(c["total_monthly_usd"], abs=0.05)
    assert line(default_report, "Compute cpu-train", "westus")["monthly_usd"] == 0
    assert "passive" in line(default_report, "Compute cpu-train", "westus")["formula"]
    assert line(default_report, "Container registry (Premium)")["monthly_usd"] == pytest.approx(1.667 * 730 / 24, abs=0.01)
    assert line(default_report, "Private endpoints", stack="fraud-prod-eastus")["monthly_usd"] == pytest.approx(6 * 0.01 * 730)
    assert line(default_report, "Private endpoints", stack="fraud-prod-shared")["monthly_usd"] == pytest.approx(2 * 0.01 * 730)
    assert c["one_time"][0]["monthly_usd"] == pytest.approx(50 * 1000 * 0.02)
    registry = {r["option"].split(",")[0]: r for r in default_report["comparisons"]["registry_tier"]}
    assert registry["Premium"]["chosen"] and registry["Premium"]["monthly_usd"] == pytest.approx(2 * 1.667 * 730 / 24, abs=0.01)


def test_active_nodes_cost_hours_times_price(tmp_path):
    rep = build(write_config(tmp_path, **{"compute.clusters": [
        {"name": "cpu-train", "vm_size": "Standard_D4s_v3", "min_nodes": 2, "max_nodes": 8,
         "regions": {"westus": {"min_nodes": 0}}}]}))
    assert line(rep, "Compute cpu-train", "eastus")["monthly_usd"] == pytest.approx(2 * 0.192 * 730)
    assert line(rep, "Compute cpu-train", "westus")["monthly_usd"] == 0
    mode = rep["comparisons"]["mode"]
    assert mode["active_passive_monthly_compute_usd"] == pytest.approx(2 * 0.192 * 730)
    assert mode["delta_usd"] == pytest.approx(2 * 0.192 * 730)  # the same 2 nodes kept warm in westus


def test_price_override_changes_the_figure(tmp_path):
    rep = build(write_config(tmp_path, **{"report": {"price_overrides": {"storage.hot.grs.gb_month": 0.05,
                                                                         "assume.registry_gb": 800}}}))
    assert line(rep, "Training data (GRS")["monthly_usd"] == pytest.approx(50 * 1000 * 0.05, abs=0.01)
    used = {p["key"]: p for p in rep["cost"]["prices"]}
    assert used["storage.hot.grs.gb_month"]["overridden"] and used["storage.hot.grs.gb_month"]["value"] == 0.05
    assert used["storage.hot.grs.gb_month"]["source"] == "report.price_overrides"
    # 800 GB of images: 300 GB above Premium's 500, in the home registry and its one replica.
    assert line(rep, "Registry storage above")["monthly_usd"] == pytest.approx(300 * 0.10 * 2)


def test_unpriced_vm_size_is_warned_and_can_be_priced_by_override(tmp_path):
    cluster = [{"name": "gpu-train", "vm_size": "Standard_NC6s_v3", "min_nodes": 1, "max_nodes": 2,
                "regions": {"westus": {"min_nodes": 0}}}]
    rep = build(write_config(tmp_path, "a.yaml", **{"compute.clusters": cluster}))
    assert rep["cost"]["unpriced_vm_sizes"] == ["Standard_NC6s_v3"]
    assert any(w["code"] == "unpriced-vm-size" and "vm.standard_nc6s_v3" in w["message"] for w in rep["warnings"])
    priced = build(write_config(tmp_path, "b.yaml", **{"compute.clusters": cluster,
                                                       "report": {"price_overrides": {"vm.standard_nc6s_v3": 3.06}}}))
    assert line(priced, "Compute gpu-train", "eastus")["monthly_usd"] == pytest.approx(3.06 * 730)
    assert priced["cost"]["unpriced_vm_sizes"] == []


def test_unknown_override_key_is_a_config_error(tmp_path):
    path = write_config(tmp_path, **{"report": {"price_overrides": {"storage.hot.grs.gb_mnth": 0.05}}})
    with pytest.raises(ConfigError) as e:
        build(path)
    (problem,) = e.value.problems
    assert problem.path == "report.price_overrides.storage.hot.grs.gb_mnth" and problem.value == 0.05
    assert "storage.hot.grs.gb_month" in problem.allowed and "vm.standard_d4s_v3" in problem.allowed
    r = run_report("--config", str(path))
    assert r.returncode == EXIT_USAGE and "Traceback" not in r.stderr and r.stdout == ""
    assert "report.price_overrides.storage.hot.grs.gb_mnth: got 0.05; allowed:" in r.stderr
    assert "(did you mean storage.hot.grs.gb_month" in r.stderr


def test_config_errors_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("naming: {org: contoso, workload: fraud, environment: prod}\nregions: {primary: mars, secondaries: [westus]}\n")
    r = run_report("--config", str(bad), "--format", "json")
    assert r.returncode == EXIT_USAGE and "Traceback" not in r.stderr and r.stdout == ""
    assert "regions.primary: got 'mars'" in r.stderr
    assert run_report("--format", "pdf").returncode == EXIT_USAGE


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("make", [three_region, europe], ids=["three-regions", "northeurope-westeurope"])
def test_other_region_sets_render_in_every_format(tmp_path, make):
    path = make(tmp_path)
    rep = build(path)
    names = [s["name"] for s in rep["stacks"]]
    assert names[0] == "fraud-prod-shared" and names[-1] == "fraud-prod-routing"
    md = report.render(rep, "markdown")
    data = json.loads(report.render(rep, "json"))
    page = report.render(rep, "html")
    for name in names:
        assert name in md and name in rep["deployment_diagram"] and name in page
    for loc in [rep["meta"]["primary"], *rep["meta"]["secondaries"]]:
        assert f"<b>{loc}</b>" in rep["diagram"]
    assert data["stacks"] == rep["stacks"]
    if make is europe:
        assert names[1:3] == ["fraud-prod-northeurope", "fraud-prod-westeurope"]
        assert "replicated asynchronously to westeurope" in md
        # Europe pricing uses the same (East US) table; the pair is a hub region, so no pair warning.
        assert not any(w["code"] == "pair-not-secondary" for w in rep["warnings"])


def test_markdown_has_the_mermaid_fence_and_every_stack(default_report):
    md = report.render(default_report, "markdown")
    assert "```mermaid\nflowchart TB\n" in md and "```mermaid\nflowchart LR\n" in md
    for name in DEFAULT_STACKS:
        assert name in md
    for heading in ("## What replicates where", "## Stacks and deployment order", "## Availability", "## RPO, RTO and durability",
                    "## Monthly cost estimate", "## Decisions and trade-offs"):
        assert heading in md
    assert "A_design <= A_regions x A_global" in md


def test_json_is_deterministic_with_stable_keys():
    first, second = run_report("--format", "json"), run_report("--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert {"stacks", "availability", "rpo_rto", "durability", "cost", "comparisons", "decisions", "warnings"} <= set(data)


class _Refs(html.parser.HTMLParser):
    """Every URL the page would fetch by itself: script/img/iframe src, link href, object data, CSS url()."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[str] = []
        self.scripts_with_src = 0
        self.csp = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and "src" in a:
            self.scripts_with_src += 1
        for attr in ("src", "data", "poster") if tag != "a" else ():
            if a.get(attr):
                self.fetches.append(a[attr] or "")
        if tag == "link" and a.get("href"):
            self.fetches.append(a["href"] or "")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content") or ""


def test_html_is_self_contained(tmp_path, default_report):
    out = tmp_path / "report.html"
    r = run_report("--format", "html", "--out", str(out))
    assert r.returncode == 0 and r.stdout == "" and f"wrote {out}" in r.stderr
    page = out.read_text()
    refs = _Refs()
    refs.feed(page)
    assert refs.fetches == [] and refs.scripts_with_src == 0
    assert "default-src 'none'" in refs.csp and "connect-src" not in refs.csp
    assert "@import" not in page.split("<script>")[0] and "url(http" not in page
    assert MERMAID_VERSION in page and '<pre class="mermaid" id="replication-diagram">' in page and 'id="deployment-diagram">' in page
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_vendored_mermaid_matches_its_recorded_digest():
    assert mermaid_js().startswith('"use strict";')
    readme = (ROOT / "app" / "vendor" / "mermaid" / "README.md").read_text()
    assert MERMAID_SHA256 in readme and MERMAID_VERSION in readme
    assert "MIT" in (ROOT / "app" / "vendor" / "mermaid" / "LICENSE").read_text()


def test_report_never_loads_cdktf_or_jsii():
    code = ("import sys\nfrom app import report\nassert 'pydantic' not in sys.modules, 'import must stay light'\n"
            "from app.config import load_config\nreport.render(report.build(load_config('config/default.yaml')), 'html')\n"
            "print(sorted(m for m in ('cdktf', 'jsii', 'constructs') if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the page in a real browser


def find_browser() -> str:
    """A headless Chromium; skip when missing on a developer machine, fail under CI=true."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    reason = f"needs a headless Chromium on PATH ({', '.join(BROWSERS)}; apt-get install -y chromium-headless-shell)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


# Appended to a copy of the page: once Mermaid has drawn, the smallest rendered text of each diagram's SVG in CSS px
# (its computed font size times the SVG's scale on the page), written where --dump-dom shows it.
MEASURE_TEXT = """<script>
(function poll() {
  if (document.body.getAttribute('data-diagram') === 'pending') { setTimeout(poll, 50); return; }
  var out = [];
  document.querySelectorAll('pre.mermaid svg').forEach(function (svg) {
    var vb = svg.viewBox.baseVal, scale = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
    var min = 1e9, n = 0;
    svg.querySelectorAll('text, foreignObject span, foreignObject div, foreignObject p').forEach(function (el) {
      if (!el.textContent.trim()) return;
      n += 1; min = Math.min(min, parseFloat(getComputedStyle(el).fontSize) * scale);
    });
    out.push(svg.closest('pre').id + '=' + min.toFixed(2) + '/' + n);
  });
  document.body.setAttribute('data-text-px', out.join(' '));
})();
</script>
"""


def render_in_browser(tmp_path: Path, config: Path, name: str) -> tuple[str, dict[str, tuple[float, int]]]:
    """The page for ``config`` as a 1,400 px wide headless Chromium renders it: its DOM and each diagram's smallest text."""
    browser = find_browser()
    out = tmp_path / f"{name}.html"
    assert run_report("--config", str(config), "--format", "html", "--out", str(out)).returncode == 0
    head, tail = out.read_text().rsplit("</body>", 1)
    measured = tmp_path / f"{name}-measured.html"
    measured.write_text(head + MEASURE_TEXT + "</body>" + tail)
    r = subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                        f"--user-data-dir={tmp_path / ('profile-' + name)}", "--window-size=1400,1000",
                        "--virtual-time-budget=10000", "--dump-dom", measured.as_uri()],
                       capture_output=True, text=True, timeout=120)
    dom = r.stdout
    assert 'data-diagram="rendered"' in dom, (r.returncode, dom[:500], r.stderr[-2000:])
    found = dom.split('data-text-px="', 1)[1].split('"', 1)[0]
    sizes = {k: (float(v.split("/")[0]), int(v.split("/")[1])) for k, v in (x.split("=") for x in found.split())}
    return dom, sizes


def diagram_svg(dom: str, diagram_id: str) -> str:
    start = dom.index(f'id="{diagram_id}"')
    tag = dom[dom.rindex("<pre", 0, start):dom.index(">", start)]
    assert 'data-processed="true"' in tag, diagram_id
    svg = dom[start:dom.index("</pre>", start)]
    assert "<svg" in svg, diagram_id
    return svg


def test_html_diagram_renders_in_a_browser(tmp_path):
    dom, sizes = render_in_browser(tmp_path, three_region(tmp_path), "three")
    deploy = diagram_svg(dom, "deployment-diagram")
    for name in ("fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus2", "fraud-prod-westus", "fraud-prod-routing"):
        assert f">{name} (" in deploy, name  # a text node of the rendered SVG, not the source
    assert "remote state: ids" in deploy and "deploy after" in deploy
    replication = diagram_svg(dom, "replication-diagram")
    for text in ("eastus</b>: primary, active, served 1st", "westus2</b>: secondary, passive, served 2nd",
                 "registry, async", "GRS data to the pair", "Traffic Manager, Priority"):
        assert text in replication, text
    # text an approver can read at 1,400 px: at least 12 px in both diagrams
    assert set(sizes) == {"replication-diagram", "deployment-diagram"}
    for diagram_id, (px, count) in sizes.items():
        assert count >= 5 and px >= 12, (diagram_id, px)


def test_eight_regions_stay_readable_in_a_browser(tmp_path):
    dom, sizes = render_in_browser(tmp_path, ROOT / "benchmarks" / "eight-regions.yaml", "eight")
    for diagram_id, (px, count) in sizes.items():  # drawn one edge per region, 8 regions shrank the text to ~10 px
        assert count >= 8 and px >= 12, (diagram_id, px)
    replication = diagram_svg(dom, "replication-diagram")
    for loc in ("westus", "eastus2", "centralus", "westus2", "westus3", "southcentralus", "northcentralus"):
        assert f"{loc}</b>: secondary, passive" in replication, loc
    assert "7 other regions, served 2nd to 8th on failure" in replication


# --------------------------------------------------------------------------- the report matches the synth

TERRAFORM_TYPES = {  # report kind -> the Terraform resource types it stands for
    "Action group": ["azurerm_monitor_action_group"],
    "Application Insights": ["azurerm_application_insights"],
    "Blob container": ["azurerm_storage_container"],
    "Compute cluster": ["azurerm_machine_learning_compute_cluster"],
    "Container registry": ["azurerm_container_registry"],
    "Diagnostic setting": ["azurerm_monitor_diagnostic_setting"],
    "External endpoint": ["azurerm_traffic_manager_external_endpoint"],
    "Foundry hub": ["azurerm_ai_foundry"],
    "Foundry project": ["azurerm_ai_foundry_project"],
    "Hub managed-network outbound rule": ["azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"],
    "Hub managed-network outbound rule (AzAPI)": ["azapi_resource"],
    "Event Grid system topic (key vault)": ["azurerm_eventgrid_system_topic"],
    "Key expiry alert subscription (AzAPI)": ["azapi_resource"],
    "Private DNS A record (registry)": ["azurerm_private_dns_a_record"],
    "Lifecycle policy": ["azurerm_storage_management_policy"],
    "RBAC propagation wait (time_sleep)": ["time_sleep"],
    "Managed network provisioning (AzAPI action)": ["azapi_resource_action"],
    "Key vault": ["azurerm_key_vault"],
    "Key vault (customer-managed keys)": ["azurerm_key_vault"],
    "Key vault key": ["azurerm_key_vault_key"],
    "Log Analytics workspace": ["azurerm_log_analytics_workspace"],
    "Log search alert": ["azurerm_monitor_scheduled_query_rules_alert_v2"],
    "Management lock (CanNotDelete)": ["azurerm_management_lock"],
    "Metric alert": ["azurerm_monitor_metric_alert"],
    "Private DNS zone (linked to the VNet)": ["azurerm_private_dns_zone"],
    "Private endpoint": ["azurerm_private_endpoint"],
    "Resource group": ["azurerm_resource_group"],
    "Role assignment": ["azurerm_role_assignment"],
    "Storage account (hub default)": ["azurerm_storage_account"],
    "Storage account (training data)": ["azurerm_storage_account"],
    "Subnet and network security group": ["azurerm_subnet"],
    "Traffic Manager profile": ["azurerm_traffic_manager_profile"],
    "User-assigned identity": ["azurerm_user_assigned_identity"],
    "Virtual network": ["azurerm_virtual_network"],
}
SUB_COUNTED = {"Resource health alert", "Service health alert", "Registry geo-replica"}  # one type, split by kind
# written but folded into another kind of the report (named there), or plumbing a reader does not need listed
FOLDED = {
    "azurerm_network_security_group": "Subnet and network security group",
    "azurerm_subnet_network_security_group_association": "Subnet and network security group",
    "azurerm_private_dns_zone_virtual_network_link": "Private DNS zone (linked to the VNet)",
    "azurerm_monitor_activity_log_alert": "Resource/Service health alert",
    "azurerm_storage_container_immutability_policy": "Blob container (WORM detail)",
}


@pytest.mark.parametrize("fixture", ["default_synth", "three_region_synth"])
def test_report_counts_match_what_synth_writes(request, fixture):
    """The report derives resources from the config alone: a guard that it still describes the stacks."""
    synth = request.getfixturevalue(fixture)
    overrides = {} if fixture == "default_synth" else {"regions.secondaries": ["westus2", "westus"]}
    for stack in stacks(load_config(ROOT / "config" / "default.yaml", overrides=overrides or None)):
        written = synth.stacks[stack["name"]].get("resource", {})
        by_type: dict[str, int] = {}
        for r in stack["resources"]:
            if r["kind"] in SUB_COUNTED:
                continue
            assert r["kind"] in TERRAFORM_TYPES, f"map the report kind {r['kind']!r} to Terraform types"
            for rtype in TERRAFORM_TYPES[r["kind"]]:
                by_type[rtype] = by_type.get(rtype, 0) + r["count"]
        for rtype, count in by_type.items():
            assert len(written.get(rtype, {})) == count, (stack["name"], rtype)
        unreported = set(written) - set(by_type) - set(FOLDED)
        assert not unreported, f"{stack['name']}: the report does not mention {sorted(unreported)}"
        alerts = sum(r["count"] for r in stack["resources"] if r["kind"] in ("Resource health alert", "Service health alert"))
        assert alerts == len(written.get("azurerm_monitor_activity_log_alert", {})), stack["name"]
