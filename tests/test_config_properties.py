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
