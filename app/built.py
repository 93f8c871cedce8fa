"""What the synthesized stacks actually contain, read back from ``cdktf.out``: the facts a failure plan rests on.

Example::

    >>> from app.built import Built
    >>> built = Built.read("cdktf.out")
    >>> built.replicas                      # location -> takes part in NAME.azurecr.io's routing
    {'westus': True}
    >>> built.region_stacks["westus"].clusters
    {'cpu-train': (0, 8)}

Documents generated from the config (``python main.py failure-modes``) state what
these facts say, never what a construct was meant to build: a replica flag, an
approver role or a DNS record that went missing shows up in the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APPROVER = "Azure AI Enterprise Network Connection Approver"
OUTBOUND_RULE = "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"
OUTBOUND_RULES_API = "Microsoft.MachineLearningServices/workspaces/outboundRules@"


@dataclass(frozen=True)
class RegionStack:
    """One hub region's stack."""

    name: str
    location: str
    clusters: dict[str, tuple[int, int]]  # cluster name -> (min nodes, max nodes)
    approved_rules: dict[str, bool]  # outbound rule sub-resource -> its target approves, and the rule waits for it
    secondary_endpoint: bool  # a blob_secondary private endpoint to the training data
    registry_records: frozenset[str]  # A records in privatelink.azurecr.io (login server, data endpoints)
    service_health_locations: frozenset[str]  # region display names its Service Health alert watches
    key_wait: str | None  # how long keys wait for RBAC (time_sleep), None without keys


@dataclass(frozen=True)
class Built:
    """The facts of one synthesized output directory."""

    backend: str  # local | azurerm | cloud (the shared stack's)
    registry_name: str
    registry_home: str
    replicas: dict[str, bool]  # replica location -> regional_endpoint_enabled is true
    data_replication: str  # the training data's account_replication_type
    data_location: str  # its ARM location (stays the original primary after a failover)
    worm: bool  # an immutability policy on a training-data container
    data_cmk: bool  # the training data is encrypted with a key in the shared vault (primary region)
    version_retention_days: int | None  # the lifecycle rule deleting old versions
    secondary_output: bool  # training_data_secondary_blob_endpoint is an output
    shared_records: frozenset[str]  # registry A records in the operations network
    shared_key_wait: str | None
    region_stacks: dict[str, RegionStack] = field(default_factory=dict)  # by location
    # "stack: type.name" of what the runbook touches: role -> addresses
    addresses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    routing_location: str | None = None  # the routing stack's resource group
    endpoint_priorities: dict[str, int] = field(default_factory=dict)  # Traffic Manager endpoint -> priority

    @classmethod
    def read(cls, outdir: str | Path) -> "Built":
        outdir = Path(outdir)
        manifest = json.loads((outdir / "manifest.json").read_text())
        stacks = {name: json.loads((outdir / meta["synthesizedStackPath"]).read_text())
                  for name, meta in manifest["stacks"].items()}
        (shared,) = [d for d in stacks.values() if _res(d, "azurerm_container_registry")]
        (registry,) = _res(shared, "azurerm_container_registry").values()
        (account,) = [a for a in _res(shared, "azurerm_storage_account").values()
                      if "blob_properties" in a and a.get("account_replication_type", "").endswith("RS")]
        policies = [p for p in _res(shared, "azurerm_storage_management_policy").values()]
        version_days = next((r["actions"]["version"].get("delete_after_days_since_creation")
                             for p in policies for r in p["rule"] if "version" in r.get("actions", {})), None)
        routing = next((d for d in stacks.values() if _res(d, "azurerm_traffic_manager_profile")), None)
        tf = shared.get("terraform", {})
        names = {id(d): n for n, d in stacks.items()}

        def where(role_types: tuple[str, ...], docs: list[dict[str, Any]], match=lambda r: True) -> tuple[str, ...]:
            return tuple(f"{names[id(d)]}: {t}.{n}" for d in docs for t in role_types for n, r in _res(d, t).items()
                         if match(r))

        regions = [d for d in stacks.values() if _res(d, "azurerm_ai_foundry")]
        addresses = {
            "training data": where(("azurerm_storage_account",), [shared], lambda r: r is account),
            "registry": where(("azurerm_container_registry",), [shared]),
            "traffic manager endpoints": where(("azurerm_traffic_manager_external_endpoint",), [routing] if routing else []),
            "compute clusters": where(("azurerm_machine_learning_compute_cluster",), regions),
            "hubs": where(("azurerm_ai_foundry",), regions),
            "hub locks": where(("azurerm_management_lock",), regions, lambda r: "azurerm_ai_foundry." in r["scope"]),
        }
        return cls(
            backend="cloud" if "cloud" in tf else next(iter(tf.get("backend", {})), "local"),
            registry_name=registry["name"],
            registry_home=registry["location"],
            # azurerm 4.x names the flag regional_endpoint_enabled, 5.x global_endpoint_routing_enabled (cdk-terrain.md)
            replicas={g["location"]: g.get("regional_endpoint_enabled", g.get("global_endpoint_routing_enabled")) is True
                      for g in registry.get("georeplications", [])},
            data_replication=account["account_replication_type"],
            data_location=account["location"],
            worm=bool(_res(shared, "azurerm_storage_container_immutability_policy")),
            data_cmk="customer_managed_key" in account,
            version_retention_days=version_days,
            secondary_output="training_data_secondary_blob_endpoint" in shared.get("output", {}),
            shared_records=_records(shared),
            shared_key_wait=_key_wait(shared),
            region_stacks={s.location: s for s in (_region(n, d) for n, d in stacks.items()
                                                   if _res(d, "azurerm_ai_foundry"))},
            routing_location=next(iter(_res(routing, "azurerm_resource_group").values()))["location"] if routing else None,
            endpoint_priorities={e["name"]: e["priority"]
                                 for e in _res(routing, "azurerm_traffic_manager_external_endpoint").values()}
            if routing else {},
            addresses=addresses,
        )

    @property
    def replicas_serving(self) -> list[str]:
        return sorted(loc for loc, routed in self.replicas.items() if routed)

    @property
    def replicas_silent(self) -> list[str]:
        return sorted(loc for loc, routed in self.replicas.items() if not routed)

    def resolves_every_location(self, records: frozenset[str]) -> bool:
        """The registry's login server and the data endpoint of its home and every replica have a private record."""
        wanted = {self.registry_name} | {f"{self.registry_name}.{loc}.data" for loc in [self.registry_home, *self.replicas]}
        return wanted <= records

    def resolves_regional_endpoints(self, records: frozenset[str]) -> bool:
        """Each replica's regional endpoint (``NAME.REGION.geo``, what the replication gate asks) has a private record."""
        return {f"{self.registry_name}.{loc}.geo" for loc in self.replicas} <= records


def _res(doc: dict[str, Any] | None, rtype: str) -> dict[str, Any]:
    return (doc or {}).get("resource", {}).get(rtype, {})


def _records(doc: dict[str, Any]) -> frozenset[str]:
    """Names of the A records in the stack's ``privatelink.azurecr.io`` zone (the zone found by its reference)."""
    zones = {f"${{azurerm_private_dns_zone.{n}.name}}": z["name"] for n, z in _res(doc, "azurerm_private_dns_zone").items()}
    return frozenset(r["name"] for r in _res(doc, "azurerm_private_dns_a_record").values()
                     if zones.get(r.get("zone_name", ""), r.get("zone_name")) == "privatelink.azurecr.io")


def _key_wait(doc: dict[str, Any]) -> str | None:
    keys = _res(doc, "azurerm_key_vault_key")
    waits = {f"time_sleep.{n}": w["create_duration"] for n, w in _res(doc, "time_sleep").items()}
    durations = {waits[d] for k in keys.values() for d in k.get("depends_on", []) if d in waits}
    if not keys or len(durations) != 1 or not all(any(d in waits for d in k.get("depends_on", [])) for k in keys.values()):
        return None
    return durations.pop()


def _region(name: str, doc: dict[str, Any]) -> RegionStack:
    (hub,) = _res(doc, "azurerm_ai_foundry").values()
    approvals = {f"azurerm_role_assignment.{n}": ra["scope"] for n, ra in _res(doc, "azurerm_role_assignment").items()
                 if ra["role_definition_name"] == APPROVER}
    rules: dict[str, bool] = {}
    for rule in _res(doc, OUTBOUND_RULE).values():
        rules[rule["sub_resource_target"]] = _waits_for_approval(rule, rule["service_resource_id"], approvals)
    for rule in _res(doc, "azapi_resource").values():
        if rule["type"].startswith(OUTBOUND_RULES_API):
            dest = rule["body"]["properties"]["destination"]
            rules[dest["subresourceTarget"]] = _waits_for_approval(rule, dest["serviceResourceId"], approvals)
    health = [a for a in _res(doc, "azurerm_monitor_activity_log_alert").values()
              if a["criteria"]["category"] == "ServiceHealth"]
    return RegionStack(
        name=name,
        location=hub["location"],
        clusters={c["name"]: (c["scale_settings"]["min_node_count"], c["scale_settings"]["max_node_count"])
                  for c in _res(doc, "azurerm_machine_learning_compute_cluster").values()},
        approved_rules=rules,
        secondary_endpoint=any(pe["private_service_connection"]["subresource_names"] == ["blob_secondary"]
                               for pe in _res(doc, "azurerm_private_endpoint").values()),
        registry_records=_records(doc),
        service_health_locations=frozenset(loc for a in health for loc in a["criteria"]["service_health"]["locations"]),
        key_wait=_key_wait(doc),
    )


def _waits_for_approval(rule: dict[str, Any], target: str, approvals: dict[str, str]) -> bool:
    return any(scope == target and address in rule.get("depends_on", []) for address, scope in approvals.items())
