"""Config model: the default loads; every kind of bad input is refused with path, value and what is allowed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import Mode, Redundancy, load_config
from app.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())


def write(tmp_path: Path, doc: Any) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return p


def with_(**changes: Any) -> dict[str, Any]:
    """The default document with dotted-path changes; a value of ... deletes the key."""
    doc = copy.deepcopy(DEFAULT)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if value is ...:
            del node[leaf]
        else:
            node[leaf] = value
    return doc


def problems(tmp_path: Path, doc: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, doc))
    return [(p.code, p.path) for p in e.value.problems]


def test_default_config_is_the_seed_scenario():
    cfg = load_config(ROOT / "config" / "default.yaml")
    assert cfg.regions.primary == "eastus"
    assert cfg.secondary_regions == ("westus",)
    assert cfg.regions.mode is Mode.ACTIVE_PASSIVE
    assert cfg.training_data.redundancy is Redundancy.GRS
    assert cfg.training_data.size_tb == 50
    assert cfg.training_data.blob_soft_delete_days == 30
    assert cfg.targets.availability_percent == 99.95 and cfg.targets.rpo_minutes == 30
    assert cfg.registry.sku.value == "Premium"
    assert cfg.is_passive("westus") and not cfg.is_passive("eastus")
    # prod state is local until a backend is chosen (zone redundancy is "where-available": no warning for westus)
    assert [w.code for w in cfg.warnings] == ["prod-local-state"]  # a warning that asks for action before prod


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"naming__colour": "blue"}, ("unknown-key", "naming.colour")),
        ({"extra_section": {}}, ("unknown-key", "extra_section")),
        ({"regions__primary": "eastuss"}, ("unknown-region", "regions.primary")),
        ({"regions__secondaries": ["westus", "westus"]}, ("duplicate-region", "regions.secondaries[1]")),
        ({"regions__secondaries": ["eastus"]}, ("same-region", "regions.secondaries[0]")),
        ({"regions__secondaries": []}, ("too-short", "regions.secondaries")),
        ({"regions__mode": "hot-standby"}, ("is-instance-of", "regions.mode")),
        ({"registry__sku": "Standard"}, ("replicas-need-premium", "registry.sku")),
        ({"registry__sku": "Gold"}, ("is-instance-of", "registry.sku")),
        ({"training_data__redundancy": "LRS"}, ("is-instance-of", "training_data.redundancy")),
        ({"training_data__redundancy": "GZRS", "regions__primary": "westus", "regions__secondaries": ["eastus"],
          "compute__clusters": [{"name": "cpu", "vm_size": "Standard_D4s_v3"}]},
         ("gzrs-needs-zones", "training_data.redundancy")),
        ({"training_data__size_tb": -5}, ("greater-than", "training_data.size_tb")),
        ({"training_data__size_tb": 1e9}, ("less-than-equal", "training_data.size_tb")),
        ({"training_data__size_tb": "50"}, ("float-type", "training_data.size_tb")),
        ({"training_data__blob_soft_delete_days": 3}, ("greater-than-equal", "training_data.blob_soft_delete_days")),
        ({"training_data__point_in_time_restore_days": 30}, ("restore-window", "training_data.point_in_time_restore_days")),
        ({"training_data__container_name": "Data--Sets"}, ("invalid-name", "training_data.container_name")),
        ({"regions__primary": "qatarcentral", "regions__secondaries": ["westus"],
          "compute__clusters": [{"name": "cpu", "vm_size": "Standard_D4s_v3"}]},
         ("no-pair", "training_data.redundancy")),
        ({"registry__name": "cr-has-hyphens"}, ("invalid-name", "registry.name")),
        ({"training_data__account_name": "st" + "x" * 30}, ("invalid-name", "training_data.account_name")),
        ({"naming__org": "contosoltd1"}, ("string-too-long", "naming.org")),
        ({"naming__org": "Contoso"}, ("string-pattern-mismatch", "naming.org")),
        ({"naming__org": "contosoab"}, ("invalid-name", "naming (org/workload/environment)")),
        ({"tags__cost_center": ...}, ("missing", "tags.cost_center")),
        ({"compute__clusters__0__min_nodes": -1}, ("greater-than-equal", "compute.clusters[0].min_nodes")),
        ({"compute__clusters__0__min_nodes": 2}, ("passive-nodes", "compute.clusters[0].min_nodes")),
        ({"compute__clusters__0__max_nodes": 0}, ("greater-than-equal", "compute.clusters[0].max_nodes")),
        ({"compute__clusters__0__vm_size": "D4"}, ("string-pattern-mismatch", "compute.clusters[0].vm_size")),
        ({"compute__clusters__0__name": "9lives"}, ("invalid-name", "compute.clusters[0].name")),
        ({"compute__clusters__0__regions": {"northeurope": {"max_nodes": 2}}},
         ("override-region", "compute.clusters[0].regions.northeurope")),
        ({"subscription_id": "not-a-guid"}, ("string-pattern-mismatch", "subscription_id")),
        ({"hub__projects": ["fraud", "fraud"]}, ("duplicate-project", "hub.projects")),
        ({"targets__availability_percent": 100}, ("less-than", "targets.availability_percent")),
        ({"regions__secondaries": "westus"}, ("list-type", "regions.secondaries")),
    ],
)
def test_rejects_bad_input(tmp_path, changes, expected):
    found = problems(tmp_path, with_(**changes))
    assert expected in found, found


def test_every_problem_is_reported_at_once(tmp_path):
    doc = with_(naming__colour="blue", registry__untagged_retention_days=-1, training_data__size_tb="big",
                compute__clusters__0__vm_size="D4")
    codes = problems(tmp_path, doc)
    assert len(codes) == 4, codes
    doc = with_(regions__secondaries=["eastus", "westus", "westus", "marsnorth"], registry__sku="Standard")
    codes = {c for c, _ in problems(tmp_path, doc)}
    assert {"same-region", "duplicate-region", "unknown-region", "replicas-need-premium"} <= codes


def test_message_names_path_value_and_allowed(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, with_(regions__primary="eastuss", training_data__redundancy="LRS")))
    text = str(e.value)
    assert "regions.primary: got 'eastuss'" in text and "did you mean eastus" in text
    assert "training_data.redundancy: got 'LRS'; allowed: one of 'GRS', 'RAGRS', 'GZRS', 'RAGZRS'" in text


def test_unknown_key_lists_the_allowed_keys(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, with_(registry__zone_redundancy=True)))
    (p,) = e.value.problems
    assert p.path == "registry.zone_redundancy" and "zone_redundant" in p.allowed


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("- a\n- b\n", "not-a-mapping"),
        ("naming: {org: [\n", "yaml-syntax"),
        ("base: &b {org: x}\nnaming: *b\n", "yaml-syntax"),
        ("naming: !!python/object:os.system {}\n", "yaml-syntax"),
        ("a: 1\na: 2\n", "yaml-syntax"),
        ("1: x\n", "yaml-syntax"),
    ],
)
def test_rejects_broken_or_hostile_yaml(tmp_path, text, code):
    assert problems(tmp_path, text)[0][0] == code


def test_rejects_missing_and_binary_files(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "nope.yaml")
    assert e.value.problems[0].code == "no-file"
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert e.value.problems[0].code == "not-utf8"


def test_ra_spellings_are_accepted(tmp_path):
    cfg = load_config(write(tmp_path, with_(training_data__redundancy="RA-GZRS")))
    assert cfg.training_data.redundancy is Redundancy.RAGZRS


def test_secondary_that_is_not_the_pair_warns_but_loads(tmp_path):
    doc = with_(regions__secondaries=["westus2"], compute__clusters__0__regions={})
    cfg = load_config(write(tmp_path, doc))
    warning = next(w for w in cfg.warnings if w.code == "pair-not-secondary")
    assert "westus" in warning.allowed


def test_active_active_allows_running_nodes_everywhere(tmp_path):
    cfg = load_config(write(tmp_path, with_(regions__mode="active-active", compute__clusters__0__min_nodes=1)))
    assert not cfg.is_passive("westus")
    assert [c.min_nodes for c in cfg.clusters("westus")] == [1]


def test_per_region_sizing_overrides(tmp_path):
    doc = with_(compute__clusters__0__regions={"westus": {"max_nodes": 2, "vm_size": "Standard_D8s_v3"}})
    cfg = load_config(write(tmp_path, doc))
    (east,), (west,) = cfg.clusters("eastus"), cfg.clusters("westus")
    assert (east.max_nodes, east.vm_size) == (8, "Standard_D4s_v3")
    assert (west.max_nodes, west.vm_size) == (2, "Standard_D8s_v3")


def test_resource_tags_cannot_be_overridden_by_extra(tmp_path):
    cfg = load_config(write(tmp_path, with_(tags__extra={"owner": "mallory", "team": "risk"})))
    assert cfg.resource_tags["owner"] == "ai-platform@contoso.com"
    assert cfg.resource_tags["team"] == "risk"
    assert {"environment", "owner", "cost-center", "workload"} <= set(cfg.resource_tags)
