"""The stacks and their resources by kind, read from the synthesized output, with the deployment order.

Example::

    >>> out = synthesize(cfg)
    >>> [s["name"] for s in stacks(cfg, out)]
    ['fraud-prod-shared', 'fraud-prod-eastus', 'fraud-prod-westus', 'fraud-prod-routing']
    >>> stacks(cfg, out)[1]["depends_on"]          # Terraform's dependencies, from manifest.json
    ['fraud-prod-shared']

Each row is one kind of resource in one stack: its Terraform type, how many the stack
holds, their addresses and a detail read from their bodies. The kind is named by type
(:data:`KINDS`); a few types are split by what their body says (a storage account holds
the training data or a hub's files). Two orders are kept apart: ``depends_on`` is what
Terraform needs (``cdktf.out/manifest.json``: a stack reads another's outputs from its
state); ``deploy_after`` is the release policy (``.github/workflows/release.yml``: the
primary region, then the replication gate, then the secondaries), which Terraform does
not enforce.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from app.report.synthesized import Output, Resource

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

# type -> (group it is drawn in, kind)
KINDS: dict[str, tuple[str, str]] = {
    "azurerm_resource_group": ("Governance", "Resource group"),
    "azurerm_management_lock": ("Governance", "Management lock"),
    "azurerm_role_assignment": ("Governance", "Role assignment"),
    "azurerm_container_registry": ("Registry", "Container registry"),
    "azurerm_storage_container": ("Data", "Blob container"),
    "azurerm_storage_container_immutability_policy": ("Data", "Immutability (WORM) policy"),
    "azurerm_storage_management_policy": ("Data", "Lifecycle policy"),
    "azurerm_key_vault_key": ("Keys", "Key vault key"),
    "azurerm_user_assigned_identity": ("Keys", "User-assigned identity"),
    "azurerm_eventgrid_system_topic": ("Keys", "Event Grid system topic (key vault)"),
    "time_sleep": ("Keys", "RBAC propagation wait (time_sleep)"),
    "azurerm_virtual_network": ("Network", "Virtual network"),
    "azurerm_subnet": ("Network", "Subnet"),
    "azurerm_network_security_group": ("Network", "Network security group"),
    "azurerm_subnet_network_security_group_association": ("Network", "Subnet-NSG association"),
    "azurerm_private_endpoint": ("Network", "Private endpoint"),
    "azurerm_private_dns_zone": ("Network", "Private DNS zone"),
    "azurerm_private_dns_zone_virtual_network_link": ("Network", "Private DNS zone VNet link"),
    "azurerm_private_dns_a_record": ("Network", "Private DNS A record"),
    "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint":
        ("Network", "Hub managed-network outbound rule"),
    "azapi_resource_action": ("Network", "Managed network provisioning (AzAPI action)"),
    "azurerm_ai_foundry": ("AI", "Foundry hub"),
    "azurerm_ai_foundry_project": ("AI", "Foundry project"),
    "azurerm_machine_learning_compute_cluster": ("AI", "Compute cluster"),
    "azurerm_log_analytics_workspace": ("Monitoring", "Log Analytics workspace"),
    "azurerm_application_insights": ("Monitoring", "Application Insights"),
    "azurerm_monitor_diagnostic_setting": ("Monitoring", "Diagnostic setting"),
    "azurerm_monitor_action_group": ("Monitoring", "Action group"),
    "azurerm_monitor_metric_alert": ("Monitoring", "Metric alert"),
    "azurerm_monitor_scheduled_query_rules_alert_v2": ("Monitoring", "Log search alert"),
    "terraform_data": ("Release", "Replication gate (terraform_data)"),
    "azurerm_traffic_manager_profile": ("Routing", "Traffic Manager profile"),
    "azurerm_traffic_manager_external_endpoint": ("Routing", "External endpoint"),
}
OUTBOUND_RULES_API = "Microsoft.MachineLearningServices/workspaces/outboundRules@"
EVENT_SUBSCRIPTIONS_API = "Microsoft.EventGrid/systemTopics/eventSubscriptions@"


def kind(res: Resource, scope: str) -> tuple[str, str]:
    """(group, kind) of one resource; a few types are told apart by their body or their stack."""
    t, b = res.type, res.body
    if t == "azurerm_storage_account":
        return ("Data", "Storage account (training data)") if scope == "shared" else \
            ("Data and keys", "Storage account (hub default)")
    if t == "azurerm_key_vault":
        return ("Keys", "Key vault (customer-managed keys)") if scope == "shared" else ("Data and keys", "Key vault")
    if t == "azurerm_monitor_activity_log_alert":
        return ("Monitoring", "Service health alert" if b["criteria"]["category"] == "ServiceHealth"
                else "Resource health alert")
    if t == "azapi_resource":
        api = b.get("type", "")
        if api.startswith(OUTBOUND_RULES_API):
            return "Network", "Hub managed-network outbound rule (AzAPI)"
        if api.startswith(EVENT_SUBSCRIPTIONS_API):
            return "Keys", "Key expiry alert subscription (AzAPI)"
        return "Other", f"AzAPI resource ({api.split('@')[0]})"
    return KINDS.get(t, ("Other", t))


def _names(rs: list[Resource]) -> str:
    return ", ".join(r.name for r in rs)


def _registry(rs: list[Resource]) -> str:
    b = rs[0].body
    zr = "zone redundant" if b.get("zone_redundancy_enabled") else "no zone redundancy"
    reps = [f"{g['location']} ({'zone redundant' if g.get('zone_redundancy_enabled') else 'no zone redundancy'})"
            for g in b.get("georeplications", [])]
    return (f"{b['sku']}, {zr}, untagged retention {b.get('retention_policy_in_days', 0)} d"
            + (f"; geo-replicas: {', '.join(reps)}" if reps else ""))


def _storage(rs: list[Resource]) -> str:
    return ", ".join(f"{r.body['account_replication_type']}, {r.body.get('access_tier', 'Hot')} tier" for r in rs)


def _endpoints(rs: list[Resource]) -> str:
    return ", ".join(f"{r.name} ({'/'.join(r.body['private_service_connection']['subresource_names'])})" for r in rs)


def _clusters(rs: list[Resource]) -> str:
    return ", ".join(f"{r.body['name']} {r.body['vm_size']} {r.body['scale_settings']['min_node_count']}-"
                     f"{r.body['scale_settings']['max_node_count']}"
                     + (" low priority" if r.body.get("vm_priority") == "LowPriority" else "") for r in rs)


def _keys(rs: list[Resource]) -> str:
    return ", ".join(f"{r.body['name']} ({r.body['key_type']} {r.body.get('key_size', '')}".rstrip()
                     + (f", rotated every {_days(r.body)} d" if _days(r.body) else "") + ")" for r in rs)


def _days(body: dict[str, Any]) -> int | None:
    """Days of a key's automatic rotation (ISO 8601 ``P365D``), None without one."""
    after = body.get("rotation_policy", {}).get("automatic", {}).get("time_after_creation", "")
    found = re.fullmatch(r"P(\d+)D", after)
    return int(found.group(1)) if found else None


def _profile(rs: list[Resource]) -> str:
    b = rs[0].body
    m = b.get("monitor_config", {})
    return (f"{b['traffic_routing_method']}, TTL {b['dns_config']['ttl']} s, probe every {m.get('interval_in_seconds')} s "
            f"({m.get('tolerated_number_of_failures')} failures tolerated)")


def _external(rs: list[Resource]) -> str:
    return ", ".join(f"{r.body['name']}: {r.body['target']} (priority {r.body['priority']})" for r in rs)


def _workspace(rs: list[Resource]) -> str:
    return ", ".join(f"{r.body['name']}, {r.body.get('retention_in_days', 30)} d retention" for r in rs)


def _container(rs: list[Resource]) -> str:
    return ", ".join(r.body["name"] for r in rs)


def _immutability(rs: list[Resource]) -> str:
    return ", ".join(f"{r.body.get('immutability_period_in_days')} d" + (" (locked)" if r.body.get("locked") else "")
                     for r in rs)


def _locks(rs: list[Resource]) -> str:
    return f"{rs[0].body['lock_level']}: {_names(rs)}"


def _vnet(rs: list[Resource]) -> str:
    return ", ".join(", ".join(r.body.get("address_space", [])) for r in rs)


def _dns_zones(rs: list[Resource]) -> str:
    return ", ".join(r.body["name"] for r in rs)


def _waits(rs: list[Resource]) -> str:
    return ", ".join(f"{r.name} ({r.body.get('create_duration')})" for r in rs)


DETAILS: dict[str, Callable[[list[Resource]], str]] = {
    "Container registry": _registry,
    "Storage account (training data)": _storage,
    "Storage account (hub default)": _storage,
    "Private endpoint": _endpoints,
    "Compute cluster": _clusters,
    "Key vault key": _keys,
    "Traffic Manager profile": _profile,
    "External endpoint": _external,
    "Log Analytics workspace": _workspace,
    "Blob container": _container,
    "Immutability (WORM) policy": _immutability,
    "Management lock": _locks,
    "Virtual network": _vnet,
    "Private DNS zone": _dns_zones,
    "RBAC propagation wait (time_sleep)": _waits,
}


def scopes(cfg: PlatformConfig) -> dict[str, tuple[str, str]]:
    """Stack name -> (scope, location), in the report's order: shared, each hub region, routing."""
    namer = cfg.namer
    out = {namer.stack("shared"): ("shared", cfg.regions.primary)}
    out.update({namer.stack(loc): ("region", loc) for loc in cfg.hub_regions})
    if cfg.routing is not None:
        out[namer.stack("routing")] = ("routing", "global")
    if getattr(cfg.backend, "workspaces", None) is not None:  # backend.type: cloud with workspaces as code
        out[namer.stack("workspaces")] = ("workspaces", "global")
    return out


def reads_shared(cfg: PlatformConfig) -> str:
    """How a region stack reads the shared stack's outputs: the cloud backend's tfe_outputs reads outputs only."""
    if getattr(cfg.backend, "type", None) == "cloud":
        return "reads its outputs with tfe_outputs (outputs only, not its state)"
    return "reads its state with terraform_remote_state"


def release_after(cfg: PlatformConfig) -> dict[str, list[str]]:
    """The release policy's order (release.yml): a secondary region deploys after the primary and the replication gate."""
    primary = cfg.namer.stack(cfg.regions.primary)
    return {cfg.namer.stack(loc): [primary] for loc in cfg.secondary_regions}


def stacks(cfg: PlatformConfig, out: Output) -> list[dict[str, Any]]:
    """Every stack with its resources by kind, its Terraform dependencies and its release-policy order."""
    found = scopes(cfg)
    if set(found) != set(out.stacks):
        raise ValueError(f"the synthesized stacks {sorted(out.stacks)} are not the config's {sorted(found)}")
    after = release_after(cfg)
    rows = []
    for name, (scope, loc) in found.items():
        if scope == "shared":
            role = "shared; home in the primary region"
        elif scope == "routing":
            role = "failover routing"
        elif scope == "workspaces":
            role = "HCP Terraform workspaces of the other stacks (apply it first)"
        else:
            role = ("primary, " if loc == cfg.regions.primary else "secondary, ") + \
                ("passive" if cfg.is_passive(loc) else "active")
            if loc == cfg.active_region and cfg.routing is not None:
                role += ", served first"
        groups: dict[tuple[str, str], list[Resource]] = {}
        for res in out.resources(name):
            groups.setdefault(kind(res, scope), []).append(res)
        resources = [{"kind": k, "group": g, "type": rs[0].type, "count": len(rs),
                      "detail": DETAILS.get(k, _names)(rs), "addresses": [r.address for r in rs]}
                     for (g, k), rs in sorted(groups.items(), key=lambda item: (_GROUP_ORDER.get(item[0][0], 99), item[0][1]))]
        rows.append({"name": name, "scope": scope, "location": loc, "role": role,
                     "depends_on": out.dependencies.get(name, []), "deploy_after": after.get(name, []),
                     "resources": resources})
    return rows


_GROUP_ORDER = {g: i for i, g in enumerate(("Governance", "Registry", "Data", "Data and keys", "Keys", "Network", "AI",
                                            "Monitoring", "Release", "Routing", "Other"))}


def deployment_order(all_stacks: list[dict[str, Any]], reads: str) -> dict[str, Any]:
    """Terraform's waves (from manifest.json) and the release policy's sequence, told apart; ``reads``: how a region
    stack reads the shared stack (:func:`reads_shared`)."""
    deps = {s["name"]: set(s["depends_on"]) for s in all_stacks}
    waves: list[list[str]] = []
    done: set[str] = set()
    while len(done) < len(deps):
        wave = [n for n in deps if n not in done and deps[n] <= done]
        if not wave:
            raise ValueError(f"the stacks' dependencies form a cycle: {sorted(set(deps) - done)}")
        waves.append(wave)
        done.update(wave)
    released: dict[int, list[str]] = {}
    independent = []
    for s in all_stacks:
        if s["scope"] == "routing":
            independent.append(s["name"])
        else:
            wave = -1 if s["scope"] == "workspaces" else 0 if s["scope"] == "shared" else 2 if s["deploy_after"] else 1
            released.setdefault(wave, []).append(s["name"])
    reads_shared_stack = reads.replace("its", "the shared stack's", 1)
    return {
        "terraform_waves": waves,
        "terraform_dependencies": {s["name"]: s["depends_on"] for s in all_stacks},
        "sequence": [released[w] for w in sorted(released)],
        "independent": independent,
        "reads": reads,
        "rule": f"Terraform needs only what manifest.json records: each region stack {reads_shared_stack}, "
                "so shared goes first; nothing else depends on another stack. Deploying the primary "
                "region before the secondaries is the release policy (.github/workflows/release.yml: deploy-primary, "
                "push, the replication gate, then deploy-secondary), not a Terraform dependency; routing needs no "
                "other stack's state",
    }
