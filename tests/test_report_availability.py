"""The report's availability section: SLAs in series and in parallel, per path, and recovery times."""

from __future__ import annotations

import pytest
import yaml

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
