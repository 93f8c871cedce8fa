"""Pass 2 of validation: the Azure rules that need several fields at once.

Example::

    >>> from app.config import load_config
    >>> raw = load_config("config/default.yaml").raw
    >>> errors, warnings = _cross_checks(raw)
    >>> errors, [w.code for w in warnings]
    ([], ['no-zones', 'prod-local-state'])
    >>> routing_hosts(raw, ("eastus", "westus"))
    {'eastus': 'scoring-eus.fraud.contoso.com', 'westus': 'scoring-wus.fraud.contoso.com'}
    >>> address_spaces(raw, ("eastus", "westus"))
    {'eastus': '10.10.0.0/16', 'westus': '10.20.0.0/16'}

:func:`_cross_checks` runs on a structurally valid :class:`~app.config_schema.RawConfig`
and returns ``(errors, warnings)``, every problem it finds, deduplicated:
region names (:func:`_region_checks`), the registry's SKU and zones, the
training data's pair, zones, retention windows and failover state, cluster
sizing per region, the network (:func:`_network_checks`: RFC 1918, sizes,
overlaps, operator ranges), routing (endpoints, host template, probe),
backend, receivers and webhooks, price overrides
(:func:`price_override_problems`, also run by the report against its price
list), adoption (:func:`app.adoption.adoption_problems`) and every derived
resource name (:mod:`app.naming`). :func:`routing_hosts`,
:func:`address_spaces`, :func:`cfg_namer` and :func:`cfg_account` derive what
the checks and :class:`~app.config.PlatformConfig` both need.
"""

from __future__ import annotations

import dataclasses
import os
import re

import yaml

from app import naming
from app.config_schema import (
    _HOST,
    ClusterOverride,
    LocalBackend,
    Mode,
    RawConfig,
    Redundancy,
    Regions,
    RegistrySku,
)
from app.errors import Problem
from app.regions import REGIONS, region, suggest


def _region_checks(regions: Regions) -> tuple[list[Problem], list[str]]:
    """Problems with the region names alone, and the hub regions that are valid."""
    errors: list[Problem] = []

    def region_ok(name: str, path: str) -> bool:
        if name in REGIONS:
            return True
        close = suggest(name)
        errors.append(Problem(code="unknown-region", path=path, value=name,
                              allowed="an Azure region name in lowercase, e.g. eastus, westus2, northeurope",
                              hint=f"did you mean {' or '.join(close)}?" if close else ""))
        return False

    primary_ok = region_ok(regions.primary, "regions.primary")
    seen: set[str] = {regions.primary}
    known_secondaries: list[str] = []
    for i, name in enumerate(regions.secondaries):
        path = f"regions.secondaries[{i}]"
        if not region_ok(name, path):
            continue
        if name == regions.primary:
            errors.append(Problem(code="same-region", path=path, value=name,
                                  allowed="a region other than the primary", hint="a secondary in the primary region survives nothing"))
        elif name in seen:
            errors.append(Problem(code="duplicate-region", path=path, value=name, allowed="each region once"))
        else:
            known_secondaries.append(name)
        seen.add(name)
    return errors, ([regions.primary] if primary_ok else []) + known_secondaries


def _cross_checks(raw: RawConfig) -> tuple[list[Problem], list[Problem]]:
    warnings: list[Problem] = []
    regions = raw.regions
    errors, hub_regions = _region_checks(regions)
    primary_ok = regions.primary in hub_regions
    known_secondaries = hub_regions[1:] if primary_ok else hub_regions

    # Registry: geo-replication is Premium-only; zone redundancy needs zones.
    if raw.registry.sku is not RegistrySku.PREMIUM and regions.secondaries:
        errors.append(Problem(code="replicas-need-premium", path="registry.sku", value=raw.registry.sku.value,
                              allowed="'Premium' (geo-replication to the secondary regions needs it)",
                              hint="each hub region must pull images from a local replica"))
    if raw.registry.zone_redundant is True:  # "where-available" says the same without asking for every copy
        for name in hub_regions:
            if not region(name).zones:
                warnings.append(Problem(code="no-zones", path="registry.zone_redundant", value=name,
                                        allowed="zone redundancy only where the region has availability zones",
                                        hint=f"{name} has none: its registry copy is created without zone redundancy"))

    # Training data: geo-redundant replication goes to the primary's pair.
    td = raw.training_data
    if primary_ok:
        home = region(regions.primary)
        if home.pair is None:
            errors.append(Problem(code="no-pair", path="training_data.redundancy", value=f"{td.redundancy.value} in {home.name}",
                                  allowed="a primary region with an Azure pair (GRS/GZRS replicate to the pair)",
                                  hint=f"{home.name} has no pair; choose a paired primary region"))
        elif home.pair not in known_secondaries:
            warnings.append(Problem(code="pair-not-secondary", path="regions.secondaries", value=known_secondaries,
                                    allowed=f"the primary's pair {home.pair!r} among the secondaries",
                                    hint=f"the training data's geo-copy lives in {home.pair}, not in a hub region; "
                                    "after a storage failover the hubs read it cross-region"))
        if td.redundancy in (Redundancy.GZRS, Redundancy.RAGZRS) and not home.zones:
            errors.append(Problem(code="gzrs-needs-zones", path="training_data.redundancy", value=td.redundancy.value,
                                  allowed="GRS or RAGRS in a region without availability zones",
                                  hint=f"{home.name} has no availability zones"))
    if td.version_retention_days <= td.point_in_time_restore_days:
        errors.append(Problem(code="version-retention", path="training_data.version_retention_days",
                              value=td.version_retention_days,
                              allowed=f"more days than point_in_time_restore_days ({td.point_in_time_restore_days})",
                              hint="a restore rolls blobs back through their versions: they must outlive the window"))
    if td.immutability_days:
        warnings.append(Problem(code="worm-blocks-failover", path="training_data.immutability_days",
                                value=td.immutability_days,
                                allowed="0 if the data must be failed over to the paired region",
                                hint="Azure refuses a customer-initiated failover of an account with an immutability "
                                     "policy on any container: in a regional outage the data stays unreadable (GRS/GZRS) "
                                     "or read-only at the secondary endpoint (RA-GRS/RA-GZRS) until the region recovers"))
    if td.failed_over and td.redundancy in (Redundancy.GZRS, Redundancy.RAGZRS) and primary_ok:
        geo = "RAGRS" if td.redundancy is Redundancy.RAGZRS else "GRS"
        pair = region(regions.primary).pair
        zonal_pair = pair is not None and region(pair).zones
        back = (f"then convert it to {td.redundancy.value} where it now lives ({pair}) with Azure's conversion "
                f"(`az storage account migration start --account-name {cfg_account(raw)} --resource-group "
                f"{cfg_namer(raw).resource_group(regions.primary, purpose='shared')} --sku Standard_{td.redundancy.value}`)" if zonal_pair else
                f"{pair} has no availability zones, so {td.redundancy.value} cannot be restored there (Microsoft: GZRS "
                f"is not a post-failover option): fail back to {regions.primary} first (a planned failover once "
                f"the account is geo-redundant again), then convert it there")
        warnings.append(Problem(code="failed-over-zonal", path="training_data.failed_over", value=True,
                                allowed=f"{geo} until zone redundancy is restored by hand",
                                hint=f"after the failover the account is LRS; azurerm 4.55 replaces an account to go "
                                     f"LRS -> {td.redundancy.value} (prevent_destroy stops that plan), so this plan "
                                     f"re-protects it as {geo} in place; {back}; "
                                     "then set failed_over: false"))
    if td.point_in_time_restore_days and td.point_in_time_restore_days >= td.blob_soft_delete_days:
        errors.append(Problem(code="restore-window", path="training_data.point_in_time_restore_days",
                              value=td.point_in_time_restore_days,
                              allowed=f"0 (off) or fewer days than blob_soft_delete_days ({td.blob_soft_delete_days})"))
    if raw.targets.rpo_minutes < 15:
        warnings.append(Problem(code="rpo-below-grs", path="targets.rpo_minutes", value=raw.targets.rpo_minutes,
                                allowed="15 minutes or more for asynchronous geo-replication",
                                hint="GRS typically lags under 15 minutes but Azure gives no guarantee below that"))
    errors += naming.check("storage_container", td.container_name, "training_data.container_name")

    # Compute: names, sizes, regions of overrides, passive regions hold quota not nodes.
    seen_names: set[str] = set()
    for i, c in enumerate(raw.compute.clusters):
        base = f"compute.clusters[{i}]"
        errors += naming.check("compute_cluster", c.name, f"{base}.name")
        if c.name.lower() in seen_names:
            errors.append(Problem(code="duplicate-cluster", path=f"{base}.name", value=c.name,
                                  allowed="each cluster name once, ignoring case (Azure compares names case-insensitively)"))
        seen_names.add(c.name.lower())
        for loc, o in c.regions.items():
            if loc not in hub_regions:
                errors.append(Problem(code="override-region", path=f"{base}.regions.{loc}", value=loc,
                                      allowed=f"one of the hub regions: {', '.join(hub_regions)}"))
        for loc in hub_regions:
            o = c.regions.get(loc) or ClusterOverride()
            lo = c.min_nodes if o.min_nodes is None else o.min_nodes
            hi = c.max_nodes if o.max_nodes is None else o.max_nodes
            where = f"{base}.regions.{loc}" if loc in c.regions else base
            if lo > hi:
                errors.append(Problem(code="min-over-max", path=f"{where}.min_nodes", value=lo,
                                      allowed=f"at most max_nodes ({hi}) in {loc}"))
            if loc != regions.primary and c.failover_min_nodes > hi:
                errors.append(Problem(code="failover-over-max", path=f"{base}.failover_min_nodes",
                                      value=c.failover_min_nodes, allowed=f"at most max_nodes ({hi}) in {loc}",
                                      hint="a promoted region runs this many nodes within its max_nodes"))
            passive = regions.mode is Mode.ACTIVE_PASSIVE and loc != regions.primary
            if passive and lo > 0:
                errors.append(Problem(code="passive-nodes", path=f"{where}.min_nodes", value=lo,
                                      allowed=f"0 in the passive region {loc} (it holds quota, not running nodes)",
                                      hint="or set regions.mode: active-active"))

    # Network: one private address space per hub region, none overlapping.
    errors += _network_checks(raw, hub_regions, warnings)

    # Training data immutability (WORM).
    if td.immutability_locked and not td.immutability_days:
        errors.append(Problem(code="lock-without-policy", path="training_data.immutability_locked", value=True,
                              allowed="false, or immutability_days above 0 (a policy to lock)"))

    # Failover routing: one endpoint per hub region; the active region is a hub region.
    active = regions.active or regions.primary
    if regions.active is not None and regions.active not in hub_regions and regions.active in REGIONS:
        errors.append(Problem(code="active-not-hub", path="regions.active", value=regions.active,
                              allowed=f"one of the hub regions: {', '.join(hub_regions)}"))
    elif regions.active is not None and regions.active not in REGIONS:
        close = suggest(regions.active)
        errors.append(Problem(code="unknown-region", path="regions.active", value=regions.active,
                              allowed=f"one of the hub regions: {', '.join(hub_regions)}",
                              hint=f"did you mean {' or '.join(close)}?" if close else ""))
    if raw.routing is not None:
        for loc in raw.routing.endpoints:
            if loc not in hub_regions:
                warnings.append(Problem(code="endpoint-region", path=f"routing.endpoints.{loc}", value=loc,
                                        allowed=f"one of the hub regions: {', '.join(hub_regions)}",
                                        hint="not a hub region: ignored"))
        template = raw.routing.host_template
        if template is not None:
            try:
                sample = template.format(region="eastus", code="eus")
            except (KeyError, IndexError, ValueError, AttributeError, TypeError):
                sample = ""
            if not re.fullmatch(_HOST, sample) or "{" not in template:
                errors.append(Problem(code="bad-template", path="routing.host_template", value=template,
                                      allowed="a host name with {region} or {code}, e.g. scoring-{code}.fraud.contoso.com"))
        for loc in hub_regions:
            if loc not in raw.routing.endpoints and template is None:
                errors.append(Problem(code="missing-endpoint", path=f"routing.endpoints.{loc}",
                                      allowed=f"the inference host name of the hub region {loc} (or routing.host_template)",
                                      hint="every hub region is a failover target"))
        hosts = [h for loc, h in routing_hosts(raw, hub_regions).items()]
        if len(set(hosts)) != len(hosts):
            errors.append(Problem(code="duplicate-endpoint", path="routing.endpoints", value=hosts,
                                  allowed="a distinct host name per region"))
        probe = raw.routing.probe
        for i, code in enumerate(probe.expected_status_codes):
            low, _, high = code.partition("-")
            if high and int(low) > int(high):
                errors.append(Problem(code="status-range", path=f"routing.probe.expected_status_codes[{i}]", value=code,
                                      allowed="a range from low to high, e.g. '200-299'"))
        if probe.interval_seconds == 10 and probe.timeout_seconds > 9:
            errors.append(Problem(code="probe-timeout", path="routing.probe.timeout_seconds", value=probe.timeout_seconds,
                                  allowed="5-9 seconds when interval_seconds is 10 (Traffic Manager's rule)"))
        if probe.protocol == "TCP" and probe.path != "/health":
            warnings.append(Problem(code="tcp-probe-path", path="routing.probe.path", value=probe.path,
                                    allowed="no path with protocol TCP", hint="the path is ignored"))
    elif regions.active not in (None, regions.primary):
        warnings.append(Problem(code="no-routing", path="regions.active", value=active,
                                allowed="a routing section to promote", hint="without routing, promotion changes nothing"))

    # Production state must survive the primary region and be shared by whoever applies.
    if raw.naming.environment == "prod" and isinstance(raw.backend, LocalBackend):
        warnings.append(Problem(code="prod-local-state", path="backend.type", value="local",
                                allowed="azurerm (outside the primary region, geo-redundant) or cloud for prod",
                                hint="local state lives on one machine: failover needs the secondary's and routing's "
                                     "state from elsewhere, and the release pipeline refuses to apply with it"))

    # An agent pool goes with agent execution, and only there (the workspaces stack, docs/terraform-teams.md).
    spaces = getattr(raw.backend, "workspaces", None)
    if spaces is not None and (spaces.execution_mode == "agent") != (spaces.agent_pool is not None):
        got = {"value": spaces.agent_pool} if spaces.agent_pool is not None else {}  # missing: "nothing"
        errors.append(Problem(code="agent-pool", path="backend.workspaces.agent_pool", **got,
                              allowed="the name of an HCP Terraform agent pool with execution_mode agent, "
                                      "and no agent_pool with local or remote",
                              hint=f"execution_mode is {spaces.execution_mode}"))

    # Alerts need someone to receive them.
    rec = raw.monitoring.receivers
    if not rec.emails and not rec.webhooks:
        warnings.append(Problem(code="no-receivers", path="monitoring.receivers", value="none",
                                allowed="at least one e-mail or webhook receiver",
                                hint="alerts still fire and show in the portal, but nobody is told"))
    for i, w in enumerate(rec.webhooks):
        where = f"monitoring.receivers.webhooks[{i}].uri"
        authority = w.uri.removeprefix("https://").split("/", 1)[0]
        if "@" in authority:
            errors.append(Problem(code="webhook-userinfo", path=where, value="https://(credentials hidden)@...",
                                  allowed="an https:// URL without user:password@",
                                  hint="credentials in the URL land in Terraform state and plan logs; use an Azure AD "
                                       "protected webhook (the action group's use_aad_auth)"))
        elif "?" in w.uri:
            warnings.append(Problem(code="webhook-query", path=where, value="(query string hidden)",
                                    allowed="a webhook URL without credentials",
                                    hint="a token in the URL ends up in Terraform state; prefer an Azure AD protected webhook"))
        else:
            warnings.append(Problem(code="webhook-in-state", path=where, value=w.name,
                                    allowed="a URL that is not a secret",
                                    hint="the URL is stored in Terraform state and shown in plans: anyone who can read "
                                         "the state can call it"))

    errors += price_override_problems(raw, _price_keys())
    names = [c.name for c in raw.compute.clusters]
    errors += [Problem(code="unknown-cluster", path=f"report.usage.training_node_hours_by_cluster.{name}", value=name,
                       allowed="a name of compute.clusters: " + ", ".join(names))
               for name in raw.report.usage.training_node_hours_by_cluster if name not in names]

    # Resources the team already has: ids, names, and the settings that would force a replacement.
    from app.adoption import adoption_problems

    adopt_errors, adopt_warnings = adoption_problems(raw, hub_regions)
    errors += adopt_errors
    warnings += adopt_warnings

    if raw.release_gate.enabled and raw.release_gate.image is None:
        errors.append(Problem(code="gate-needs-image", path="release_gate.image",
                              allowed="the image to gate, e.g. fraud/scorer:1.4.2, when release_gate.enabled is true"))

    # Names of everything, checked against Azure's rules before synthesis.
    namer = cfg_namer(raw)
    for i, p in enumerate(raw.hub.projects):
        for loc in hub_regions:
            errors += naming.check("ai_foundry_project", namer.project(p, loc), f"hub.projects[{i}]")
    if len({p.lower() for p in raw.hub.projects}) != len(raw.hub.projects):
        errors.append(Problem(code="duplicate-project", path="hub.projects", value=raw.hub.projects,
                              allowed="each project once, ignoring case (Azure compares names case-insensitively)"))
    hint_path = "naming (org/workload/environment)"
    # The globally unique names built on the stem (org + workload + environment, or naming.short_name, whose schema
    # maximum of 16 fits every one of them, even with a 4-letter region code): one budget for the stem, the
    # tightest of them, so every hint asks for the same thing.
    stem_names = [*([] if raw.registry.name else [("container_registry", namer.container_registry())]),
                  *([] if raw.training_data.account_name else [("storage_account", namer.storage_account(purpose="data"))]),
                  *([("key_vault", namer.key_vault_shared("cmk"))] if raw.encryption.customer_managed_keys else []),
                  *(pair for loc in hub_regions for pair in (("storage_account", namer.storage_account(loc)),
                                                             ("key_vault", namer.key_vault(loc))))]
    budget = min(naming.RULES[k].max_length - (len(n) - len(namer.stem)) for k, n in stem_names)
    stem_path = "naming.short_name" if raw.naming.short_name else hint_path

    def unique(kind: str, name: str) -> list[Problem]:
        """A globally unique name derived from the stem: a too-long one says what to set, the same for every name."""
        found = naming.check(kind, name, stem_path)
        limit = naming.RULES[kind].max_length
        if found and len(name) > limit:
            fix = (f"shorten naming.org, naming.workload or naming.environment by {len(namer.stem) - budget} "
                   f"character(s) in all, or set naming.short_name (at most {budget} characters; it replaces all "
                   "three in the storage account, key vault and registry names)")
            found = [dataclasses.replace(f, hint=f"{f.hint}, {len(name) - limit} over the limit of {limit}: {fix}")
                     for f in found]
        return found

    errors += (naming.check("container_registry", raw.registry.name, "registry.name") if raw.registry.name
               else unique("container_registry", namer.container_registry()))
    errors += (naming.check("storage_account", raw.training_data.account_name, "training_data.account_name")
               if raw.training_data.account_name else unique("storage_account", namer.storage_account(purpose="data")))
    if raw.encryption.customer_managed_keys:
        errors += unique("key_vault", namer.key_vault_shared("cmk"))
    if raw.encryption.registry_customer_managed_key and not raw.encryption.customer_managed_keys:
        errors.append(Problem(code="registry-cmk-alone", path="encryption.registry_customer_managed_key", value=True,
                              allowed="false, or customer_managed_keys: true (the registry's key lives in that vault)"))
    if raw.encryption.hub_customer_managed_key and not raw.encryption.customer_managed_keys:
        errors.append(Problem(code="hub-cmk-alone", path="encryption.hub_customer_managed_key", value=True,
                              allowed="false or unset, or customer_managed_keys: true (each hub's key lives in its "
                                      "region's customer-managed-key vault, used through that region's identity)"))
    if raw.encryption.hub_key and not raw.hub.high_business_impact:
        # azurerm 4.55 ai_foundry_resource.go: high_business_impact_enabled is Optional+Computed+ForceNew, "NOTE: O+C
        # creating a hub that has encryption enabled will set this property to true": false in the config would
        # plan a new hub after the first apply (and prevent_destroy fails that plan)
        errors.append(Problem(code="hub-cmk-needs-hbi", path="hub.high_business_impact", value=False,
                              allowed="true while the hubs have a customer-managed key (encryption.hub_customer_managed_"
                                      "key, on by default with customer_managed_keys)",
                              hint="Azure turns high business impact on for a hub created with encryption; false would "
                                   "plan a new hub on the next apply"))
    if raw.routing is not None:
        errors += naming.check("traffic_manager_dns", raw.routing.dns_name or namer.traffic_manager_dns(),
                               "routing.dns_name" if raw.routing.dns_name else hint_path)
    for loc in hub_regions:
        errors += naming.check("virtual_network", namer.virtual_network(loc), hint_path)
        errors += naming.check("private_endpoint", namer.private_endpoint(namer.hub(loc), "amlworkspace", loc), hint_path)
        errors += unique("storage_account", namer.storage_account(loc))
        errors += unique("key_vault", namer.key_vault(loc))
        errors += naming.check("ai_foundry_hub", namer.hub(loc), hint_path)
        errors += naming.check("log_analytics_workspace", namer.log_analytics_workspace(loc), hint_path)
    return _dedupe(errors), _dedupe(warnings)


PRICES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prices.yaml")


def _price_keys() -> frozenset[str]:
    with open(PRICES_FILE, encoding="utf-8") as f:
        return frozenset(yaml.safe_load(f)["prices"])


def price_override_problems(raw: RawConfig, price_keys: frozenset[str] | set[str]) -> list[Problem]:
    """Every ``report.price_overrides`` key names a price: a key of the price list or ``vm.<a cluster's or the inference vm_size>``.

    The one check, run by every command that loads the config (synth, report, failure-modes) and by the report
    against the price list it uses.
    """
    import difflib

    sizes = {c.vm_size for c in raw.compute.clusters} | {
        o.vm_size for c in raw.compute.clusters for o in c.regions.values() if o.vm_size} | {
        raw.report.usage.inference_vm_size}
    allowed = sorted(set(price_keys) | {"vm." + size.lower() for size in sizes})
    problems = []
    for key, value in raw.report.price_overrides.items():
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=2, cutoff=0.6)
        problems.append(Problem(code="unknown-price-key", path=f"report.price_overrides.{key}", value=value,
                                allowed="a price key of app/prices.yaml or vm.<a cluster's vm_size or report.usage.inference_vm_size, in lowercase>: "
                                + ", ".join(allowed),
                                hint=f"did you mean {' or '.join(close)}?" if close else ""))
    return problems


def cfg_namer(raw: RawConfig) -> naming.Namer:
    return naming.Namer.of(raw.naming)


def cfg_account(raw: RawConfig) -> str:
    """The training data account's name, as the stacks derive it."""
    return raw.training_data.account_name or cfg_namer(raw).storage_account(purpose="data")


def routing_hosts(raw: RawConfig, hub_regions: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each hub region's inference host: ``routing.endpoints``, else the filled-in ``host_template``."""
    r = raw.routing
    if r is None:
        return {}
    out = {}
    for loc in hub_regions:
        if loc in r.endpoints:
            out[loc] = r.endpoints[loc]
        elif r.host_template is not None:
            try:
                out[loc] = r.host_template.format(region=loc, code=region(loc).code)
            except (KeyError, IndexError, ValueError, AttributeError, TypeError):
                continue
    return out


def address_spaces(raw: RawConfig, hub_regions: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each hub region's VNet address space: from config, else 10.<100+i>.0.0/16 for the i-th region."""
    given = raw.network.address_spaces
    return {loc: given.get(loc, f"10.{100 + i}.0.0/16") for i, loc in enumerate(hub_regions)}


def _network_checks(raw: RawConfig, hub_regions: list[str], warnings: list[Problem]) -> list[Problem]:
    import ipaddress

    RFC1918 = [ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]

    errors: list[Problem] = []
    net = raw.network
    if not net.private:
        warnings.append(Problem(code="public-network", path="network.private", value=False,
                                allowed="true for production",
                                hint="sandbox mode: registry, storage, key vaults and hubs accept traffic from the "
                                "internet (still Azure AD only, still locked); no VNets or private endpoints"))
    for i, cidr in enumerate(net.operator_ip_ranges):
        try:
            rng = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as e:
            errors.append(Problem(code="bad-cidr", path=f"network.operator_ip_ranges[{i}]", value=cidr,
                                  allowed="a public IPv4 range, host bits zero, e.g. 52.170.12.0/28", hint=str(e)))
            continue
        if not rng.is_global or not 16 <= rng.prefixlen <= 30:
            errors.append(Problem(code="operator-range", path=f"network.operator_ip_ranges[{i}]", value=cidr,
                                  allowed="a public IPv4 range from /16 to /30 (Key Vault firewalls take public "
                                  "addresses; private runners reach the vaults through private endpoints; "
                                  "anything broader than /16 opens the vaults to far more than your runners)"))
    for loc in net.address_spaces:
        if loc not in hub_regions:
            warnings.append(Problem(code="network-region", path=f"network.address_spaces.{loc}", value=loc,
                                    allowed=f"one of the hub regions: {', '.join(hub_regions)}",
                                    hint="not a hub region: ignored"))
    parsed: dict[str, ipaddress.IPv4Network] = {}
    spaces = {**address_spaces(raw, hub_regions), "shared": net.shared_address_space}
    for loc, cidr in spaces.items():
        path = "network.shared_address_space" if loc == "shared" else f"network.address_spaces.{loc}"
        try:
            space = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as e:
            errors.append(Problem(code="bad-cidr", path=path, value=cidr, allowed="a network address with its prefix, "
                                  "host bits zero, e.g. 10.10.0.0/16", hint=str(e)))
            continue
        if not any(space.subnet_of(block) for block in RFC1918):
            errors.append(Problem(code="public-cidr", path=path, value=cidr,
                                  allowed="a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918), "
                                  "e.g. 10.10.0.0/16"))
        if not 8 <= space.prefixlen <= 24:
            errors.append(Problem(code="cidr-size", path=path, value=cidr,
                                  allowed="a prefix between /8 and /24 (half for compute, a quarter for private endpoints)"))
        for other, seen in parsed.items():
            if space.overlaps(seen):
                errors.append(Problem(code="cidr-overlap", path=path, value=cidr,
                                      allowed=f"an address space not overlapping {other}'s {seen}",
                                      hint="regions must be peerable and routable to each other"))
        parsed[loc] = space
    return errors


def _dedupe(problems: list[Problem]) -> list[Problem]:
    out: list[Problem] = []
    for p in problems:
        if p not in out:
            out.append(p)
    return out
