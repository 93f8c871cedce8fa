"""The report's availability section: SLAs in series and in parallel, per path, and recovery times."""

from __future__ import annotations

import pytest
import yaml

from app import report
from app.report.availability import composite, parallel, serial
from tests.report_support import DEFAULT_STACKS, build, default_report, write_config  # noqa: F401


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
    assert serving["external_dependencies"] == ["scoring ingress and endpoints (yours)"]
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


# --------------------------------------------------------------------------- recovery time per path


def path(rep: dict, name: str) -> dict:
    return next(p for p in rep["availability"]["by_path"] if p["path"].startswith(name))


def test_grs_training_waits_for_the_account_failover(default_report):
    """GRS: the secondary cannot read the copy, so training gets no benefit from it until an hour-long failover."""
    training = path(default_report, "training")
    assert training["readable_in_secondary_during_outage"] is False
    assert training["rto_minutes"] == 60 + 10  # the account failover, then a cluster at 0 nodes starts (assumption)
    assert "typically takes about an hour" in training["rto_parts"][0]
    assert training["upper_bound_percent"] == training["single_region_percent"] < training["instant_failover_bound_percent"]
    assert "unreadable until an account failover" in training["upper_bound_basis"]
    # expected: one 4-hour outage a year, cut to the 70-minute recovery
    assert training["expected"]["downtime_minutes_per_year"] == 70
    assert training["expected"]["percent"] == pytest.approx(100 * (1 - 70 / (730 * 60 * 12)), abs=1e-4)
    sla = default_report["availability"]["training_data_read_sla"]
    assert sla["percent"] == 99.9 and not sla["counts_read_access"]


def test_ra_grs_with_the_secondary_endpoints_keeps_training_readable(tmp_path):
    rep = build(write_config(tmp_path, **{"training_data.redundancy": "RA-GRS"}))
    training = path(rep, "training")
    assert training["readable_in_secondary_during_outage"] is True
    assert training["rto_minutes"] == 10  # reads continue at once; only the scale-out remains
    assert training["upper_bound_percent"] == training["instant_failover_bound_percent"] > training["single_region_percent"]
    sla = rep["availability"]["training_data_read_sla"]
    assert sla["percent"] == 99.99 and sla["counts_read_access"] and "blob_secondary private endpoint" in sla["reason"]


def test_ra_grs_without_the_secondary_endpoints_does_not_count_the_read_sla(tmp_path):
    """A public network builds no blob_secondary private endpoints: the 99.99% read SLA does not count, and the report says why."""
    rep = build(write_config(tmp_path, **{"training_data.redundancy": "RA-GRS", "network.private": False}))
    sla = rep["availability"]["training_data_read_sla"]
    assert sla["percent"] == 99.9 and not sla["counts_read_access"]
    assert "does not count" in sla["reason"] and "network.private: true" in sla["reason"]
    training = path(rep, "training")
    assert training["readable_in_secondary_during_outage"] is False and training["rto_minutes"] == 70
    assert any("does not count" in n for n in rep["availability"]["notes"])


def test_worm_blocks_the_failover_so_training_has_no_rto(tmp_path):
    rep = build(write_config(tmp_path, **{"training_data.immutability_days": 7}))
    training = path(rep, "training")
    assert training["rto_minutes"] is None
    assert "immutability (WORM) policy blocks account failover" in training["reason"]
    assert "techcommunity.microsoft.com" in training["reason"]
    assert "WORM blocks" in training["upper_bound_basis"]
    assert training["expected"]["downtime_minutes_per_year"] == 240  # the whole outage
    assert training["budget_months_per_failover"] is None and "no known time bound" in training["target_vs_rto"]
    md = report.render(rep, "markdown")
    assert "unknown: an immutability (WORM) policy blocks account failover" in md


def test_inference_rto_adds_the_scale_out_unless_nodes_are_warm(tmp_path):
    cold = path(build(write_config(tmp_path, "a.yaml")), "inference")
    # probe every 30 s, 3 tolerated failures, TTL 30 s: 150 s; then westus's cluster starts from 0 nodes (10 min assumed)
    assert cold["rto_minutes"] == 13 and "150 s" in cold["rto_parts"][0] and "runs 0 nodes" in cold["rto_parts"][1]
    warm = path(build(write_config(tmp_path, "b.yaml", **{
        "regions.mode": "active-active",
        "compute.clusters": [{"name": "cpu-train", "vm_size": "Standard_D4s_v3", "min_nodes": 1, "max_nodes": 8}]})),
        "inference")
    assert warm["rto_minutes"] == 3 and "no scale-out wait" in warm["rto_parts"][1]


def test_the_ingress_sla_is_the_configs_and_no_routing_has_no_rto(tmp_path):
    low = build(write_config(tmp_path, "a.yaml", **{"routing.ingress_sla_percent": 99.0}))
    region = 0.999 * 0.9999 * 0.999 * 0.999 * 0.9999
    assert path(low, "inference")["upper_bound_percent"] == pytest.approx(
        100 * (1 - (1 - region * 0.99) ** 2) * 0.9999, abs=1e-6)
    p = write_config(tmp_path, "b.yaml")
    doc = yaml.safe_load(p.read_text())
    del doc["routing"]
    doc["regions"].pop("active", None)
    p.write_text(yaml.safe_dump(doc))
    inference = path(build(p), "inference")
    assert inference["rto_minutes"] is None and "repointed by hand" in inference["reason"]


def test_targets_that_conflict_are_called_out(default_report, tmp_path):
    tvr = default_report["availability"]["targets_vs_rto"]
    assert tvr["downtime_budget_minutes_per_month"] == 21.9 and tvr["conflict"]
    assert tvr["budget_months_per_failover_at_rto_target"] == pytest.approx(60 / 21.9, abs=0.01)
    assert "spends 2.7 months of that budget" in tvr["statement"]
    assert any(w["code"] == "rto-exceeds-downtime-budget" for w in default_report["warnings"])
    relaxed = build(write_config(tmp_path, **{"targets.availability_percent": 99.5}))["availability"]["targets_vs_rto"]
    assert not relaxed["conflict"] and "fits in the 219.0 min a month" in relaxed["statement"]
