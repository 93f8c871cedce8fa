"""The diagram shows what replicates where and how, follows the config, and stays readable at eight regions.

The rendered size of its text is checked in a real browser in test_report.py (test_*_in_a_browser).
"""

from __future__ import annotations

from tests.report_support import ROOT, build, write_config

from app.config import load_config
from app.report.diagram import GROUP_ABOVE, PER_ROW, ordinal, replication, topology


def rows_by_region(rep):
    return {r["region"]: r for r in rep["topology"]}


def test_default_shows_roles_order_and_every_replication(tmp_path):
    rep = build(write_config(tmp_path))
    rows = rows_by_region(rep)
    assert (rows["eastus"]["role"], rows["eastus"]["served"]) == ("primary, active", 1)
    assert (rows["westus"]["role"], rows["westus"]["served"]) == ("secondary, passive", 2)
    assert rows["westus"]["registry"].startswith("geo-replica") and "asynchronous from eastus" in rows["westus"]["registry"]
    assert rows["westus"]["training_data"].startswith("secondary copy (GRS, asynchronous from eastus")
    assert "account failover" in rows["westus"]["training_data"]
    d = rep["diagram"]
    assert d.startswith("flowchart TB\n")
    assert 'tm -->|"1st"| r0' in d and 'tm -.->|"2nd"| r1' in d
    assert 'r0 ==>|"registry, async + GRS data to the pair, async, under 15 min typical"| r1' in d
    assert "eastus</b>: primary, active, served 1st" in d and "westus</b>: secondary, passive, served 2nd" in d
    assert rep["deployment_diagram"].startswith("flowchart LR\n")


def test_promotion_and_active_active_change_the_picture(tmp_path):
    promoted = build(write_config(tmp_path, "p.yaml", **{"regions.active": "westus"}))
    assert rows_by_region(promoted)["westus"]["served"] == 1 and rows_by_region(promoted)["eastus"]["served"] == 2
    assert 'tm -->|"1st"| r1' in promoted["diagram"]
    assert rows_by_region(promoted)["westus"]["role"] == "secondary, active, promoted"
    assert rows_by_region(promoted)["eastus"]["role"] == "primary, passive"
    assert "westus</b>: secondary, active, promoted, served 1st" in promoted["diagram"]
    aa = build(write_config(tmp_path, "aa.yaml", **{"regions.mode": "active-active"}))
    assert rows_by_region(aa)["westus"]["role"] == "secondary, active"


def test_pair_outside_the_hub_regions_and_read_access(tmp_path):
    rep = build(write_config(tmp_path, "far.yaml", **{
        "regions.secondaries": ["westus2"], "training_data.redundancy": "RAGRS",
        "network.address_spaces": {"eastus": "10.10.0.0/16", "westus2": "10.30.0.0/16"},
        "routing.endpoints": {"eastus": "a.contoso.com", "westus2": "c.contoso.com"}}))
    rows = rows_by_region(rep)
    assert rows["westus"]["role"] == "pair of eastus (no hub)" and rows["westus"]["served"] is None
    assert "readable at the -secondary endpoint" in rows["westus"]["training_data"]
    assert rows["westus2"]["training_data"] == ""
    pair = f"r{[r['region'] for r in rep['topology']].index('westus')}"
    assert f'r0 ==>|"RA-GRS data to the pair' in rep["diagram"] and f"| {pair}" in rep["diagram"]
    assert f"tm -.->|\"3rd\"| {pair}" not in rep["diagram"]


def test_no_routing_no_traffic_manager(tmp_path):
    doc = write_config(tmp_path)
    import yaml

    raw = yaml.safe_load(doc.read_text())
    raw.pop("routing")
    doc.write_text(yaml.safe_dump(raw))
    rep = build(doc)
    assert "tm" not in rep["diagram"].split() and all(r["served"] is None for r in rep["topology"])


def test_eight_regions_group_the_secondaries_in_rows():
    cfg = load_config(ROOT / "benchmarks" / "eight-regions.yaml")
    rows = topology(cfg)
    assert len(rows) == 8 > GROUP_ABOVE
    d = replication(cfg, rows)
    assert 'subgraph grp["7 other regions, served 2nd to 8th on failure"]' in d
    # rows of PER_ROW: each secondary sits under the one PER_ROW before it
    assert d.count(" ~~~ ") == 7 - PER_ROW
    # one edge each from Traffic Manager and the registry to the group, the data's to its pair
    assert 'tm -.->|"then each in its order, on failure"| grp' in d
    assert 'r0 -.->|"registry, async: a replica in each"| grp' in d
    assert d.count("==>") == 1 and d.count("tm -") == 2
    # every region's box still says its role, order and copies
    for r in rows[1:]:
        assert f"{r['region']}</b>: secondary, passive, served {ordinal(r['served'])}<br/>" in d, r["region"]
