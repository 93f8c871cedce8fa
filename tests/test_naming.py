"""Naming module: abbreviations, per-type limits, and the region catalog behind them."""

import pytest

from app.naming import RULES, Namer, check
from app.regions import REGIONS, region


def test_default_names_follow_caf_abbreviations():
    n = Namer(org="contoso", workload="fraud", environment="prod")
    assert n.resource_group("eastus") == "rg-fraud-prod-eus"
    assert n.resource_group("eastus", purpose="shared") == "rg-fraud-prod-shared-eus"
    assert n.container_registry() == "crcontosofraudprod"
    assert n.storage_account(purpose="data") == "stcontosofraudproddata"
    assert n.storage_account("westus") == "stcontosofraudprodwus"
    assert n.key_vault("westus") == "kv-contosofraudprod-wus"
    assert n.hub("westus") == "hub-fraud-prod-wus"
    assert n.project("fraud-detection", "eastus") == "proj-fraud-detection-eus"
    assert n.stack("shared") == "fraud-prod-shared"


@pytest.mark.parametrize(
    "kind, good, bad",
    [
        ("storage_account", "stcontoso01", ["st", "st-contoso", "stContoso", "s" * 25]),
        ("container_registry", "crcontoso", ["cr1", "cr-contoso", "c" * 51]),
        ("key_vault", "kv-contoso-eus", ["kv", "kv--contoso", "1kv-contoso", "kv-contoso-", "k" * 25]),
        ("ai_foundry_hub", "hub-fraud-prod-eus", ["hb", "-hub", "h" * 34]),
        ("compute_cluster", "cpu-train", ["cp", "9cpu", "cpu-", "c" * 33]),
        ("storage_container", "datasets", ["ds", "Data", "data--sets", "-data"]),
    ],
)
def test_rules_accept_good_and_refuse_bad(kind, good, bad):
    assert check(kind, good, "p") == []
    for name in bad:
        (problem,) = check(kind, name, "p")
        assert problem.value == name and str(RULES[kind].max_length) in problem.allowed


def test_region_catalog_is_consistent():
    codes = [r.code for r in REGIONS.values()]
    assert len(codes) == len(set(codes)), "region short codes must be unique (they end up in names)"
    for r in REGIONS.values():
        assert r.pair is None or r.pair in REGIONS
    assert region("eastus").pair == "westus" and region("westus").pair == "eastus"
    assert region("eastus").zones and not region("westus").zones


def test_longest_region_code_still_fits_every_default_name():
    n = Namer(org="contoso", workload="fraud", environment="prod")
    for loc in REGIONS:
        assert check("storage_account", n.storage_account(loc), "x") == []
        assert check("key_vault", n.key_vault(loc), "x") == []


def test_names_of_the_network_monitoring_and_routing_resources():
    from app.naming import Namer, check

    n = Namer(org="contoso", workload="fraud", environment="prod")
    assert n.virtual_network("westus") == "vnet-fraud-prod-wus"
    assert n.virtual_network("eastus", purpose="shared") == "vnet-fraud-prod-shared-eus"
    assert n.private_endpoint("crcontosofraudprod", "registry", "westus") == "pe-crcontosofraudprod-registry-wus"
    assert n.private_endpoint("crcontosofraudprod", "registry", "eastus", network="shared").endswith("-eus-shared")
    assert (n.action_group("eastus"), n.action_group("routing")) == ("ag-fraud-prod-eus", "ag-fraud-prod-routing")
    assert len(n.action_group_short("australiacentral2")) <= 12 and len(n.action_group_short("routing")) <= 12
    assert n.alert("westus", "hub-health") == "alert-fraud-prod-wus-hub-health"
    assert n.key_vault_shared() == "kv-contosofraudprod-cmk"
    assert (n.traffic_manager(), n.traffic_manager_dns()) == ("traf-fraud-prod", "contoso-fraud-prod")
    for kind, name in (("virtual_network", n.virtual_network("eastus")), ("key_vault", n.key_vault_shared()),
                       ("traffic_manager_dns", n.traffic_manager_dns()),
                       ("user_assigned_identity", n.user_assigned_identity("cmk-shared", "eastus"))):
        assert check(kind, name, "x") == []
    assert check("key_vault", "kv-contosoabcfrauddev-cmk", "x")[0].code == "invalid-name"  # 25 > 24 characters


def test_short_name_replaces_the_stem_of_every_globally_unique_name_only():
    n = Namer(org="contosobnk", workload="frauddetct", environment="prod", short_name="cbfdprod")
    assert (n.storage_account("eastus"), n.storage_account(purpose="data")) == ("stcbfdprodeus", "stcbfdproddata")
    assert (n.key_vault("westus"), n.key_vault_shared()) == ("kv-cbfdprod-wus", "kv-cbfdprod-cmk")
    assert n.container_registry() == "crcbfdprod"
    assert n.hub("eastus") == "hub-frauddetct-prod-eus"  # regional names keep workload and environment


def test_a_derived_name_too_long_says_by_how_much_and_what_to_set(tmp_path):
    from app.config import load_config
    from app.errors import ConfigError
    from tests.conftest import DEFAULT_CONFIG

    over = {"naming.org": "contosobnk", "naming.workload": "frauddetct"}
    with pytest.raises(ConfigError) as caught:
        load_config(DEFAULT_CONFIG, overrides=over)
    vaults = [p for p in caught.value.problems if p.value == "kv-contosobnkfrauddetctprod-eus"]
    assert vaults and "7 over the limit of 24" in vaults[0].hint
    assert "set naming.short_name (at most 17 characters" in vaults[0].hint
    hints = [p.hint for p in caught.value.problems if "naming.short_name" in p.hint]
    assert len(hints) == 6 and all("by 7 character(s) in all" in h and "(at most 17 characters" in h for h in hints)
    cfg = load_config(DEFAULT_CONFIG, overrides={**over, "naming.short_name": "cbfdprod"})
    assert cfg.namer.key_vault("eastus") == "kv-cbfdprod-eus"
    longest = Namer(org="x", workload="y", environment="z", short_name="s" * 16)  # the schema's maximum
    for loc in REGIONS:
        for kind, name in (("key_vault", longest.key_vault(loc)), ("storage_account", longest.storage_account(loc)),
                           ("key_vault", longest.key_vault_shared()), ("storage_account", longest.storage_account(purpose="data"))):
            assert check(kind, name, "x") == [], name
