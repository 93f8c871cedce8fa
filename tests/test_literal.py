"""No Terraform expression from config: every config string is a literal in cdk.tf.json (issue "nothing injected")."""

from __future__ import annotations

import copy
import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from app.config import RawConfig, load_config
from app.errors import ConfigError
from app.literal import literal, literal_model, unliteral
from tests.conftest import DEFAULT_CONFIG, ROOT

PAYLOADS = (
    '${file("/etc/hostname")}',
    '%{ for f in fileset("/root", "*") }${f}%{ endfor }',
    "a${x}@contoso.com",
    "https://hooks.contoso.com/${x}",
    "/health${x}",
    "${x}",
)
UNESCAPED = re.compile(r"(?<![$%])[$%]\{")  # ${ or %{ that Terraform would evaluate


@given(st.text())
def test_literal_round_trips_and_leaves_nothing_to_evaluate(text):
    out = literal(text)
    assert unliteral(out) == text
    # scanning as Terraform does, left to right: every ${ / %{ is the escaped form $${ / %%{
    i = 0
    while i < len(out):
        if out.startswith(("$${", "%%{"), i):
            i += 3
            continue
        assert not out.startswith(("${", "%{"), i), (text, out)
        i += 1


def test_enums_and_numbers_are_untouched(default_cfg):
    escaped = literal_model(default_cfg.raw)
    assert escaped.training_data.redundancy is default_cfg.raw.training_data.redundancy
    assert escaped.targets == default_cfg.raw.targets
    assert escaped == default_cfg.raw  # nothing in the default config needs escaping


def model_string_paths(model: type[BaseModel] = RawConfig, prefix: str = "") -> set[str]:
    """Every place a string can sit in the config's shape: ``a.b``, ``a.b[]``, ``a.b{}`` (values), ``a.b{key}``."""
    out: set[str] = set()

    def walk(tp: Any, path: str) -> None:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Annotated:
            return walk(args[0], path)
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            for a in args:
                walk(a, path)
            return
        if origin is typing.Literal:
            return
        if origin is list:
            return walk(args[0], path + "[]")
        if origin is dict:
            walk(args[0], path + "{key}")
            return walk(args[1], path + "{}")
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            for name, field in tp.model_fields.items():
                walk(field.annotation, f"{path}.{name}" if path else name)
            return
        if tp is str:
            out.add(path)

    walk(model, prefix)
    return out


def maximal_doc() -> dict[str, Any]:
    """The default config with every optional string section filled in."""
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    doc["subscription_id"] = "00000000-0000-0000-0000-000000000000"
    doc["tags"]["extra"] = {"team": "fraud"}
    doc["naming"]["short_name"] = "contosofp"
    doc["registry"]["name"] = "crcontosofraudprod"
    doc["training_data"]["account_name"] = "stcontosofrauddata"
    doc["monitoring"]["service_health_services"] = ["Machine Learning"]
    doc["monitoring"]["receivers"]["webhooks"] = [{"name": "pager", "uri": "https://hooks.contoso.com/x"}]
    doc["routing"]["endpoints"] = {"westus": "scoring-west.contoso.com"}
    doc["release_gate"]["image"] = "fraud/scorer:1.4.2"
    doc["compute"]["clusters"][0]["regions"] = {"westus": {"vm_size": "Standard_D8s_v3"}}
    doc["network"]["address_spaces"]["eastus"] = "10.10.0.0/16"
    doc["report"] = {"price_overrides": {"vm.standard_d4s_v3": 0.2},
                     "usage": {"inference_vm_size": "Standard_D8s_v3", "training_node_hours_by_cluster": {"cpu-train": 10}}}
    doc["regions"]["active"] = "eastus"
    doc["network"]["operator_ip_ranges"] = ["52.170.12.0/28"]
    # adoption of what the team already has (app/adoption.py): ids, locations and what the resources are today
    group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-fraud-prod-shared-eus"
    doc["resource_groups"] = {"existing_ids": {"shared": group}, "existing_locations": {"shared": "eastus"}}
    doc["training_data"]["existing_id"] = f"{group}/providers/Microsoft.Storage/storageAccounts/stcontosofrauddata"
    doc["training_data"]["existing"] = {
        "location": "eastus", "account_kind": "StorageV2", "sku_name": "Standard_GRS", "is_hns_enabled": False,
        "infrastructure_encryption_enabled": True, "queue_encryption_key_type": "Account",
        "table_encryption_key_type": "Account", "dns_endpoint_type": "Standard", "account_immutability_policy": False,
        "container_exists": True, "container_deny_encryption_scope_override": False, "management_policy_exists": False}
    doc["registry"]["existing_id"] = f"{group}/providers/Microsoft.ContainerRegistry/registries/crcontosofraudprod"
    doc["registry"]["existing"] = {"location": "eastus", "zone_redundancy_enabled": True, "encryption": False,
                                   "replicas": {"westus": {"zone_redundancy_enabled": False}}}
    return doc


# maps whose keys are data (not a model's field names)
MAPS = {"tags.extra", "routing.endpoints", "network.address_spaces", "compute.clusters[].regions",
        "report.price_overrides", "report.usage.training_node_hours_by_cluster", "resource_groups.existing_ids", "resource_groups.existing_locations",
        "registry.existing.replicas"}


def leaves(doc: Any, path: str = "") -> dict[str, tuple[Any, ...]]:
    """Generic path -> concrete locations of every string (and map key) in a document."""
    out: dict[str, list] = {}

    def walk(node: Any, generic: str, loc: tuple) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if generic in MAPS:
                    out.setdefault(generic + "{key}", []).append(loc + (("key", k),))
                    walk(v, generic + "{}", loc + (k,))
                else:
                    walk(v, f"{generic}.{k}" if generic else k, loc + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, generic + "[]", loc + (i,))
        elif isinstance(node, str):
            out.setdefault(generic, []).append(loc)

    walk(doc, path, ())
    return {k: tuple(v) for k, v in out.items()}


def set_at(doc: dict, loc: tuple, value: str) -> dict:
    doc = copy.deepcopy(doc)
    node = doc
    for part in loc[:-1]:
        node = node[part]
    last = loc[-1]
    if isinstance(last, tuple):  # a map key
        _, key = last
        node[value] = node.pop(key)
    else:
        node[last] = value
    return doc


def accepts(doc: dict, tmp: Path) -> bool:
    path = tmp / "c.yaml"
    path.write_text(yaml.safe_dump(doc))
    try:
        load_config(path)
    except ConfigError:
        return False
    return True


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """Every config string that validation lets carry ${ or %{, all at once, synthesized."""
    from tests.conftest import synth_config

    tmp = tmp_path_factory.mktemp("inject")
    base = maximal_doc()
    assert accepts(base, tmp), "the maximal document must be a valid config"
    evil, taken, refused = copy.deepcopy(base), [], []
    for generic, locs in leaves(base).items():
        for loc in locs:
            for payload in PAYLOADS:
                if accepts(set_at(base, loc, payload), tmp):
                    candidate = set_at(evil, loc, payload)
                    if accepts(candidate, tmp):
                        evil = candidate
                        taken.append((generic, payload))
                        break
            else:
                refused.append(generic)
    path = tmp / "evil.yaml"
    path.write_text(yaml.safe_dump(evil))
    return synth_config(path, tmp / "cdktf.out"), taken, refused, base


def test_every_string_field_of_the_model_is_exercised(injected):
    _, taken, refused, base = injected
    # backend strings are all pattern-bound to names without $ or %; the other sections are all filled in
    missing = {p for p in model_string_paths() if p.split(".")[0] != "backend"} - set(leaves(base))
    assert not missing, f"fill these into maximal_doc(): {sorted(missing)}"
    assert len(taken) >= 8, taken  # tags, e-mails, webhooks, service names, probe path, ... accept a payload


def test_no_config_string_becomes_a_terraform_expression(injected):
    synth, taken, _, _ = injected
    text = "\n".join(json.dumps(doc) for doc in synth.stacks.values())
    for _, payload in taken:
        escaped = literal(payload)
        assert json.dumps(escaped)[1:-1] in text, f"{payload!r} should appear as {escaped!r}"
    strings: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                strings.append(k)
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)
        elif isinstance(node, str):
            strings.append(node)

    for doc in synth.stacks.values():
        collect(doc)
    for s in strings:
        if any(p in unliteral(s) for p in ('file("/etc/hostname")', "fileset(", "${x}", "${f}")):
            assert not UNESCAPED.search(s.replace("$${", "").replace("%%{", "")), s


def test_the_injected_output_is_still_valid_terraform(injected):
    from tests.test_terraform_loader import load

    synth, _, _, _ = injected
    for stack in synth.stacks:
        _, diagnostics = load(synth.outdir / "stacks" / stack)
        assert diagnostics == [], (stack, diagnostics)


def test_backend_strings_cannot_carry_an_expression(tmp_path):
    """The backend block is not a template in Terraform: its fields take no ${ at all (refused by their patterns)."""
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text())
    backends = {
        "azurerm": {"type": "azurerm", "resource_group_name": "rg-state", "storage_account_name": "ststate",
                    "container_name": "tfstate", "key_prefix": "fraud", "subscription_id": "00000000-0000-0000-0000-000000000000"},
        "cloud": {"type": "cloud", "organization": "contoso", "workspace_prefix": "fraud", "project": "fraud",
                  "hostname": "app.terraform.io"},
        "local": {"type": "local", "path": "state"},
    }
    covered = set()
    for backend in backends.values():
        assert accepts({**doc, "backend": backend}, tmp_path)
        for key in backend:
            if key == "type":
                continue
            for payload in PAYLOADS:
                assert not accepts({**doc, "backend": {**backend, key: payload}}, tmp_path), (key, payload)
            covered.add(f"backend.{key}")
    agent = {**backends["cloud"], "workspaces": {"execution_mode": "agent", "agent_pool": "vnet-agents"}}
    assert accepts({**doc, "backend": agent}, tmp_path)
    for payload in PAYLOADS:
        bad = {**agent, "workspaces": {"execution_mode": "agent", "agent_pool": payload}}
        assert not accepts({**doc, "backend": bad}, tmp_path), ("workspaces.agent_pool", payload)
    covered.add("backend.workspaces.agent_pool")
    assert {p for p in model_string_paths() if p.startswith("backend.") and not p.endswith(".type")} <= covered
