"""Property tests: any config is either loaded or refused cleanly, never a crash.

hypothesis mutates the default document (replacing, deleting and adding keys
with arbitrary YAML-able values) and feeds arbitrary text to the loader.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import load_config
from app.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True),
    st.text(max_size=40), st.sampled_from(["eastus", "westus", "westus2", "Premium", "GRS", "RA-GRS", "GZRS", ""]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=10)


def paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += paths(v, prefix + (i,))
    return out


ALL_PATHS = paths(DEFAULT)


@st.composite
def mutated(draw) -> dict:
    doc = copy.deepcopy(DEFAULT)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        node = doc
        try:
            for key in path[:-1]:
                node = node[key]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                node[path[-1]] = draw(values)
            elif action == "delete" and isinstance(node, dict):
                node.pop(path[-1], None)
            elif isinstance(node, dict):
                node[draw(st.text(min_size=1, max_size=10))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def check(tmp_path: Path, text: str) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(text)
    try:
        cfg = load_config(p)
    except ConfigError as e:
        assert e.problems, "a refusal must name at least one problem"
        for problem in e.problems:
            assert problem.path and problem.allowed
        assert "Traceback" not in str(e)
    else:
        assert cfg.hub_regions[0] == cfg.regions.primary


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=mutated())
def test_mutated_configs_load_or_refuse_cleanly(tmp_path, doc):
    check(tmp_path, yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_arbitrary_text_loads_or_refuses_cleanly(tmp_path, text):
    check(tmp_path, text)


# --------------------------------------------------------------------------- whole synths

from app.regions import REGIONS  # noqa: E402

REGION_NAMES = sorted(REGIONS)


@st.composite
def platform_configs(draw) -> dict:
    """Plausible configs over every switch: other regions, 2-4 hub regions, each option on or off."""
    doc = copy.deepcopy(DEFAULT)
    primary = draw(st.sampled_from(REGION_NAMES))
    secondaries = draw(st.lists(st.sampled_from(REGION_NAMES), min_size=1, max_size=3, unique=True))
    doc["regions"] = {"primary": primary, "secondaries": secondaries,
                      "mode": draw(st.sampled_from(["active-passive", "active-active"]))}
    if draw(st.booleans()):
        doc["regions"]["active"] = draw(st.sampled_from([primary, *secondaries]))
    doc["network"]["private"] = draw(st.booleans())
    doc["network"]["address_spaces"] = draw(st.sampled_from([{}, doc["network"]["address_spaces"]]))
    doc["encryption"]["customer_managed_keys"] = draw(st.booleans())
    doc["training_data"]["redundancy"] = draw(st.sampled_from(["GRS", "RA-GRS", "GZRS", "RAGZRS"]))
    doc["training_data"]["immutability_days"] = draw(st.sampled_from([0, 1, 365]))
    doc["registry"]["zone_redundant"] = draw(st.booleans())
    doc["hub"]["projects"] = draw(st.lists(st.sampled_from(["fraud", "risk", "scoring-v2"]), min_size=1, max_size=2,
                                           unique=True))
    doc["encryption"]["key_rotation_days"] = draw(st.integers(1, 1000))
    doc["monitoring"]["thresholds"]["quota_utilization_percent"] = draw(st.floats(-5, 120))
    if draw(st.booleans()):
        doc.pop("routing")
    else:
        probe = doc["routing"]["probe"]
        probe["protocol"] = draw(st.sampled_from(["HTTP", "HTTPS", "TCP"]))
        probe["expected_status_codes"] = draw(st.lists(st.sampled_from(["200", "200-299", "299-200", "301-302", "600"]),
                                                       min_size=1, max_size=3))
        probe["interval_seconds"] = draw(st.sampled_from([10, 30, 15]))
        probe["timeout_seconds"] = draw(st.integers(4, 11))
        doc["routing"]["host_template"] = draw(st.sampled_from(["scoring-{code}.fraud.contoso.com", "{region}.x.io",
                                                                "no-placeholder.contoso.com", "{nope}.contoso.com"]))
    doc["backend"] = draw(st.sampled_from([
        {"type": "local"},
        {"type": "azurerm", "resource_group_name": "rg-tf", "storage_account_name": "sttfstate", "container_name": "tfstate"},
        {"type": "cloud", "organization": "contoso", "workspace_prefix": "ai"},
    ]))
    return doc


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=platform_configs())
def test_any_config_synthesizes_or_is_refused_cleanly(tmp_path_factory, doc):
    """Either a complete synth (a stack per hub region, valid JSON) or a clean refusal: never a crash."""
    import json as _json

    from app.synth import synthesize

    work = tmp_path_factory.mktemp("prop")
    path = work / "c.yaml"
    path.write_text(yaml.safe_dump(doc))
    try:
        cfg = load_config(path)
    except ConfigError as e:
        assert e.problems and all(p.path and p.allowed for p in e.problems)
        return
    names = synthesize(cfg, work / "out")
    expected = {cfg.namer.stack(s) for s in ("shared", *cfg.hub_regions)}
    if cfg.routing is not None:
        expected.add(cfg.namer.stack("routing"))
    assert set(names) == expected
    for name in names:
        text = (work / "out" / "stacks" / name / "cdk.tf.json").read_text()
        assert str(work) not in text, "no absolute path in the output"
        assert _json.loads(text)["resource"]
