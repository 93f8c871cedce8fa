"""Failure modes, component by component, for each regional outage: generated from the config and the built stacks.

Example::

    python main.py failure-modes                               # config/default.yaml, to stdout
    python main.py failure-modes --config config/dev.yaml --out docs/failure-modes-dev.md

``docs/failure-modes.md`` is this command's output for ``config/default.yaml``;
``make test`` fails when they differ. Each table row says what happens, what is
automatic, what the operator does (a step of the runbook at the end) and how
long it takes: a figure Microsoft publishes (sources at the end), a figure the
config makes true (Traffic Manager detection), or "unknown". Every structural
claim (a replica's routing flag, an approver role, a DNS record, an endpoint)
is read from the synthesized stacks (:class:`app.built.Built`), so a row
changes when the output does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from app.built import Built
from app.errors import EXIT_OK
from app.regions import region

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

DEFAULT_CONFIG = "config/default.yaml"
ROOT = Path(__file__).resolve().parents[1]
HEADER = ("component", "what happens", "automatic", "operator (runbook step)", "how long")

# Figures Microsoft publishes, each with where it says so.
STORAGE_FAILOVER = "typically takes about an hour"
SOURCES = {
    "storage": ("How customer-managed (unplanned) failover works: \"Customer-managed (unplanned) failover typically "
                "takes about an hour\"; afterwards the account is LRS in the new primary; accounts with an "
                "immutability (WORM) policy on a container cannot be failed over",
                "https://learn.microsoft.com/azure/storage/common/storage-failover-customer-managed-unplanned"),
    "storage-location": ("The storage resource provider does not fail over: the account's Location keeps returning "
                         "the original primary region after a failover",
                         "https://learn.microsoft.com/azure/storage/common/storage-failover-faq"),
    "acr": ("Geo-replication, high availability: if the home region is down, pushes and pulls continue at the "
            "replicas and configuration changes wait; health-aware failover of the global endpoint takes \"on the "
            "order of minutes\"; a replica whose regional endpoint is disabled gets no routed requests",
            "https://learn.microsoft.com/azure/container-registry/container-registry-geo-replication"),
    "acr-private-link": ("A replica added after a private endpoint gets an IP in it; \"you need to manually add a new "
                         "DNS record for the data endpoint in that region\"",
                         "https://learn.microsoft.com/azure/container-registry/container-registry-private-link"),
    "aml": ("Azure ML business continuity: no automatic failover of workspaces; create the secondary from the same "
            "IaC; jobs in flight are lost and resubmitted; hub metadata is not replicated",
            "https://learn.microsoft.com/azure/machine-learning/how-to-high-availability-machine-learning"),
    "managed-network": ("Managed network: since 2025-04-30 the workspace identity needs \"Azure AI Enterprise Network "
                        "Connection Approver\" on each private-endpoint target; default workspace resources are "
                        "covered by the roles granted at creation",
                        "https://learn.microsoft.com/azure/machine-learning/how-to-managed-network"),
    "traffic-manager": ("Endpoint monitoring: an endpoint is degraded after the tolerated number of failed probes; "
                        "clients follow after the DNS TTL; when every endpoint is degraded, Traffic Manager answers "
                        "as if all were healthy",
                        "https://learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring"),
    "key-vault": ("Reliability in Azure Key Vault: contents replicate to the paired region; Microsoft may fail a vault "
                  "over, best effort, \"likely after a significant delay\" (several hours); afterwards it is read-only "
                  "(get, wrap, unwrap, encrypt, decrypt, sign, verify, backup); Private Link reconnects within 20 minutes",
                  "https://learn.microsoft.com/azure/reliability/reliability-key-vault"),
    "rbac": ("Troubleshoot Azure RBAC: role assignment changes can take up to 10 minutes to take effect",
             "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting"),
    "resource-group": ("Resource groups: if the resource group's region is unavailable, its resources cannot be "
                       "updated (the metadata lives there)",
                       "https://learn.microsoft.com/azure/azure-resource-manager/management/overview"),
}


def detection_seconds(cfg: PlatformConfig) -> int | None:
    """Worst case until clients resolve the next region: failed probes mark the endpoint down, then the DNS TTL."""
    if cfg.routing is None:
        return None
    p = cfg.routing.probe
    return p.interval_seconds * (p.tolerated_failures + 1) + cfg.routing.ttl_seconds


def training_data_outage(replication: str, location: str, *, worm: bool, secondary_reachable: bool,
                         cmk: bool = False) -> dict[str, object]:
    """The training data while its primary region is down: readable where, writable when, and the RTO in minutes.

    replication: the account's ``account_replication_type``; secondary_reachable: every hub region has a
    blob_secondary private endpoint and an approved outbound rule to it (RA-GRS / RA-GZRS only); cmk: its key
    is in a vault in the same (failed) region. ``rto_minutes`` is None where recovery has no known time bound
    (``reason`` says why).
    """
    pair = region(location).pair or "its pair"
    readable = replication.startswith("RA") and secondary_reachable
    key = (f" The account's customer-managed key is in a vault in {location}: Key Vault's failover to {pair} is "
           "Microsoft's, best effort and \"likely after a significant delay\" (several hours); whether the account "
           "keeps using its key until then is not documented." if cmk else "")
    if worm:
        return {"readable_in_secondary": readable, "rto_minutes": None,
                "reason": "an immutability (WORM) policy blocks account failover: writes wait for the region to recover",
                "reads": (f"read-only at the secondary endpoint in {pair}" if readable else
                          f"unreadable until the region recovers: {replication} gives no read access to the copy in "
                          f"{pair}, and WORM blocks the failover"),
                "writes": "only when the primary region recovers (failover is impossible with WORM)"}
    reads = (f"readable read-only at the secondary endpoint in {pair} (`<account>-secondary`, output "
             "`training_data_secondary_blob_endpoint`) through each hub region's blob_secondary private endpoint; "
             "Azure does not redirect the primary URL, so jobs must address the secondary endpoint. Azure ML compute "
             "runs in the hub's managed network and reaches it only through the AzAPI outbound rule: Microsoft lists "
             "\"Azure Storage (all sub resource types)\" as a managed-network target but never names blob_secondary, "
             "so check the rule is Active after the first apply; if Azure refuses it, no Azure ML compute reads the "
             "secondary (clients in the region VNets still can)" if readable else
             f"unreadable from every region until a customer-initiated account failover to {pair}, "
             f"which Microsoft says {STORAGE_FAILOVER}")
    if cmk:
        return {"readable_in_secondary": readable, "rto_minutes": None,
                "reason": f"the key vault holding the data's key fails over on Microsoft's schedule (best effort, "
                          f"several hours); the account failover itself {STORAGE_FAILOVER}",
                "reads": reads + "." + key, "writes": f"after a customer-initiated account failover to {pair} (it "
                f"{STORAGE_FAILOVER}) and access to the key; writes after the Last Sync Time are lost"}
    return {"readable_in_secondary": readable, "rto_minutes": 0 if readable else 60,
            "reason": "" if readable else f"Microsoft: a customer-initiated account failover {STORAGE_FAILOVER}",
            "reads": reads,
            "writes": f"after a customer-initiated account failover to {pair} (it {STORAGE_FAILOVER}); "
                      "writes after the Last Sync Time are lost"}


def _data_outage(built: Built) -> dict[str, object]:
    reachable = bool(built.region_stacks) and all(
        s.secondary_endpoint and s.approved_rules.get("blob_secondary") for s in built.region_stacks.values())
    return training_data_outage(built.data_replication, built.data_location, worm=built.worm,
                                secondary_reachable=reachable, cmk=built.data_cmk)


def _data_time(data: dict[str, object], *, reading: bool) -> str:
    if reading and data["readable_in_secondary"] and data["rto_minutes"] == 0:
        return "0 (read-only copy)"
    if data["rto_minutes"] is not None:
        return "about an hour after you start the failover (Microsoft)"
    return "unknown: " + str(data["reason"])


def _promoted_min(cfg: PlatformConfig, location: str) -> dict[str, int]:
    out = {}
    for c in cfg.raw.compute.clusters:
        low = next(s.min_nodes for s in cfg.clusters(location) if s.name == c.name)
        out[c.name] = max(low, c.failover_min_nodes)
    return out


def render(cfg: PlatformConfig, built: Built) -> str:
    primary, secondaries = cfg.regions.primary, list(cfg.secondary_regions)
    standby = secondaries[0]
    detect = detection_seconds(cfg)
    data = _data_outage(built)
    steps = _runbook(cfg, built, standby, detect, data)
    step = {key: i + 1 for i, (key, _) in enumerate(steps)}
    lines = [
        "# Failure modes",
        "",
        f"Generated by `python main.py failure-modes --config {_shown(cfg.source)}` from the config and the stacks it "
        "synthesizes; do not edit by hand (`make test` compares this file with the command's output for "
        "`config/default.yaml`). Structural claims are read from the synthesized output; figures are Microsoft's "
        "(sources at the end), computed from the config, or \"unknown\".",
        "",
        f"Platform: hubs in {', '.join(cfg.hub_regions)} ({cfg.regions.mode.value}, {cfg.active_region} served first); "
        f"registry `{built.registry_name}` at home in {built.registry_home} with replicas in "
        f"{', '.join(sorted(built.replicas)) or 'no region'}; training data {built.data_replication} in "
        f"{built.data_location}, geo copy in {region(built.data_location).pair}; state backend `{built.backend}`.",
        "",
    ]
    lines += _health_contract(cfg)
    for title, rows in (
        (f"Primary region down ({primary})", _primary_down(cfg, built, standby, detect, data, step)),
        (f"A secondary region down ({', '.join(secondaries)})", _secondary_down(cfg, built, detect, step)),
        (f"The registry's home region down ({built.registry_home})", _home_down(cfg, built, step)),
        ("The state backend's region down", _state_down(cfg, built, step)),
    ):
        lines += [f"## {title}", "", _table(rows), ""]
    lines += runbook_lines(cfg, built)
    lines += ["", "Terraform addresses the runbook touches (`terraform state show`, `-target`, import blocks):", ""]
    lines += [f"- {role}: " + ", ".join(f"`{a}`" for a in found) for role, found in built.addresses.items() if found]
    lines += ["", "## What the synthesized stacks contain (read back, not assumed)", ""]
    lines += [f"- {'yes' if ok else 'NO'}: {text}" for ok, text in checks(cfg, built)]
    lines += ["", "## Sources", ""]
    lines += [f"- {text}: <{url}>" for text, url in SOURCES.values()]
    return "\n".join(lines) + "\n"


def _health_contract(cfg: PlatformConfig) -> list[str]:
    """What Traffic Manager's probes need from the team's ingress in each region (the stacks do not build it)."""
    if cfg.routing is None:
        return []
    p = cfg.routing.probe
    target = f"{p.protocol.lower()}://<host>:{p.port}{p.path}" if p.protocol != "TCP" else f"TCP <host>:{p.port}"
    hosts = ", ".join(f"{loc}: `{h}`" for loc, h in cfg.routing_hosts.items())
    return [
        "## The health endpoint contract",
        "",
        f"Traffic Manager probes {target} of each region every {p.interval_seconds} s from the internet (its published "
        "probe ranges, service tag `AzureTrafficManager`), without credentials, expecting "
        f"{', '.join(p.expected_status_codes)}. A private hub's online endpoints cannot answer that. So each region's "
        "endpoint is a public, unauthenticated health path served by the team's ingress (not built by these stacks), "
        "answering outside the expected codes whenever that region cannot score. If nothing real answers, every "
        "endpoint goes Degraded and Traffic Manager answers as if all were up: no failover happens. Hosts in this "
        f"config: {hosts}; the shipped configs' hosts are examples until they name your ingress. The report lists the "
        f"ingress as an external dependency of inference (assumed {cfg.routing.ingress_sla_percent:g}%, "
        "`routing.ingress_sla_percent`).",
        "",
    ]


def runbook_lines(cfg: PlatformConfig, built: Built) -> list[str]:
    """The runbook for an outage of the primary region, as Markdown lines (the README quotes it)."""
    standby = cfg.secondary_regions[0]
    steps = _runbook(cfg, built, standby, detection_seconds(cfg), _data_outage(built))
    return [f"## Runbook: {cfg.regions.primary} is down", "", *(f"{i}. {text}" for i, (_, text) in enumerate(steps, 1))]


def checks(cfg: PlatformConfig, built: Built) -> list[tuple[bool, str]]:
    """Each structural fact the tables rely on, and whether the synthesized output holds it."""
    out = [(routed, f"registry replica {loc}: `regional_endpoint_enabled = true` (serves pulls through the global "
                    "endpoint)") for loc, routed in sorted(built.replicas.items())]
    networks = {"operations network": built.shared_records} if built.shared_records else {}
    networks |= {f"{loc} network": s.registry_records for loc, s in built.region_stacks.items() if s.registry_records}
    out += [(built.resolves_every_location(records), f"{name}: a private A record for the registry's login server and "
             "each registry location's data endpoint") for name, records in networks.items()]
    if cfg.registry.regional_endpoints and built.shared_records:
        out.append((built.resolves_regional_endpoints(built.shared_records), "operations network: a private A record "
                    "for each replica's regional endpoint (NAME.REGION.geo.azurecr.io, what the release gate asks)"))
    for loc, s in built.region_stacks.items():
        for sub, approved in sorted(s.approved_rules.items()):
            out.append((approved, f"{loc} hub: the outbound rule to the training data ({sub}) waits for \"Azure AI "
                                  "Enterprise Network Connection Approver\" on its target"))
        if built.data_replication.startswith("RA"):
            out.append((s.secondary_endpoint, f"{loc} network: a blob_secondary private endpoint to the training data"))
    if built.data_replication.startswith("RA"):
        out.append((built.secondary_output, "output `training_data_secondary_blob_endpoint`"))
    out.append((built.version_retention_days == cfg.training_data.version_retention_days,
                f"a lifecycle rule deletes training-data versions after {cfg.training_data.version_retention_days} days"))
    waits = {"shared": built.shared_key_wait} | {loc: s.key_wait for loc, s in built.region_stacks.items()}
    if cfg.encryption.customer_managed_keys:
        out += [(w is not None, f"{where}: customer-managed keys wait for RBAC ({w or 'no wait'})")
                for where, w in waits.items()]
    return out


def _shown(path: str) -> str:
    """The config path as a reader types it: relative to the repository when it is inside it."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else path


def _table(rows: list[tuple[str, ...]]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(cell.replace("|", "/").replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(out)


def _pulls(built: Built) -> str:
    serving, silent = built.replicas_serving, built.replicas_silent
    text = (f"`{built.registry_name}.azurecr.io` routes pulls to a healthy replica ({', '.join(serving)}: "
            "`regional_endpoint_enabled = true`)" if serving else "no replica takes part in the global endpoint's routing")
    if silent:
        text += f"; {', '.join(silent)}: regional endpoint disabled, Azure routes no pull there"
    return text


def _records_everywhere(built: Built) -> bool:
    return all(built.resolves_every_location(s.registry_records) for s in built.region_stacks.values())


def _primary_down(cfg, built: Built, standby: str, detect, data, step) -> list[tuple[str, ...]]:
    primary = cfg.regions.primary
    keys_wait = built.region_stacks[standby].key_wait
    promoted = _promoted_min(cfg, standby)
    quota = ", ".join(f"{n} {lo} -> {promoted[n]} (max {hi})" for n, (lo, hi) in built.region_stacks[standby].clusters.items())
    routing = (f"Traffic Manager marks {primary} degraded after {cfg.routing.probe.tolerated_failures + 1} failed probes "
               f"every {cfg.routing.probe.interval_seconds} s and answers {standby}; only if each region's endpoint is a "
               "public, unauthenticated health path reflecting its scoring health (else every endpoint is degraded and "
               "Traffic Manager answers as if all were up)") if cfg.routing else "no routing stack: clients must be repointed"
    return [
        ("registry pulls", _pulls(built) + (" over each region's private endpoint, whose DNS holds a record for every "
                                            "registry location" if _records_everywhere(built) else ""),
         "yes", "none", "on the order of minutes (Microsoft: health-aware failover of the global endpoint)"),
        ("registry pushes", "continue at a replica: every replica accepts pushes and replicates them when the home returns",
         "yes", "push as usual; the release gate waits for the replicas it can reach", "unknown"),
        ("registry configuration", f"frozen until {primary} recovers (replicas, network rules, CMK live in the home region)",
         "no", f"do not apply the shared stack (step {step['hold']})", f"until {primary} recovers"),
        ("training data reads", str(data["reads"]),
         "no: jobs must address the secondary endpoint" if data["readable_in_secondary"] else "no",
         f"point jobs at the secondary or fail the account over (step {step['data']})" if data["readable_in_secondary"]
         else f"decide on the account failover (step {step['data']})",
         _data_time(data, reading=True)),
        ("training data writes", str(data["writes"]), "no", f"step {step['data']}, then step {step['reprotect']}",
         _data_time(data, reading=False)),
        ("hubs and projects", f"the {primary} hub is down; {standby}'s hub, projects, storage and vault are independent "
         "and keep working; run history and jobs in flight in the lost region are not replicated",
         "partly (the hub exists)", f"resubmit jobs in {standby} (step {step['jobs']})", "0 for the hub; jobs: their run time"),
        ("compute", f"{standby}'s clusters scale out on demand from their minimum; promotion raises the minimum in place "
         f"({quota}); max_nodes is a quota ceiling, not reserved capacity",
         "scale-out yes; promotion no", f"promote (step {step['promote']}), watch quota (step {step['capacity']})",
         "unknown: node allocation depends on Azure's capacity in the region"),
        ("routing", routing, "yes", f"make it explicit: promote {standby} (step {step['promote']})",
         f"about {detect} s (probes + TTL)" if detect is not None else "unknown"),
        ("alerts", "every region stack's Service Health alert watches "
         + ", ".join(sorted(built.region_stacks[standby].service_health_locations))
         + f": {standby}'s rule reports {primary} (activity log alerts are global); Traffic Manager's endpoint alert "
         f"fires; Microsoft documents nothing on alert rules whose resource group is in {primary}",
         "yes", f"confirm (step {step['confirm']})", "unknown (Azure Monitor's own latency)"),
        ("key vaults and CMK", f"{standby}'s hub storage key is in {standby}'s own vault: unaffected. The shared vault "
         f"in {primary} (the training data's key) is unavailable until Microsoft fails it over to its pair, best effort "
         "and \"likely after a significant delay\"; then it is read-only (wrap, unwrap, get work; no new keys or "
         "rotation), and Private Link takes up to 20 minutes to reconnect"
         + (f"; new keys also wait {keys_wait} for RBAC after their role assignments" if keys_wait else ""),
         "yes (Microsoft-managed, not on your schedule)", "none possible", "several hours or longer (Microsoft)"),
        ("Terraform state", _state_text(built, primary), "-", f"step {step['apply']}", "-"),
        ("the pipeline", f"jobs on the shared runner (operations VNet in {primary}: shared stack, image push, gate) stop; "
         f"{standby}'s runner still plans and applies its stack and routing", "no",
         f"apply {standby} and routing from {standby}'s runner (step {step['apply']})", "as long as the outage"),
    ]


def _secondary_down(cfg, built: Built, detect, step) -> list[tuple[str, ...]]:
    primary = cfg.regions.primary
    return [
        ("registry pulls", f"{primary} pulls from its own location; a down replica is skipped by the global endpoint",
         "yes", "none", "unknown"),
        ("registry pushes", "continue; the down replica catches up when it returns", "yes",
         "the release gate times out for that replica (exit 1): its region does not roll forward", "until it recovers"),
        ("registry configuration", "unaffected (home region up); removing the replica would need the lock lifted", "-",
         "none", "-"),
        ("training data reads", f"unaffected in {primary}", "-", "none", "-"),
        ("training data writes", f"continue in {primary}; geo-replication to {region(built.data_location).pair} "
         "pauses if the pair is down: the Last Sync Time grows and the RPO is at risk",
         "-", f"`python main.py status` compares the lag with the RPO ({cfg.targets.rpo_minutes} min)", "until it recovers"),
        ("hubs and projects", "the secondary's hub is unavailable; the primary's is unaffected; standby capacity is lost",
         "-", "none", "until it recovers"),
        ("compute", "the secondary's clusters are unavailable", "-", "none", "until it recovers"),
        ("routing", "Traffic Manager marks the secondary degraded and keeps answering the active region", "yes", "none",
         f"about {detect} s" if detect is not None else "unknown"),
        ("alerts", f"{primary}'s Service Health alert reports the secondary", "yes", f"confirm (step {step['confirm']})",
         "unknown"),
        ("key vaults and CMK", "the secondary's own vault is unavailable with its hub; the shared vault is unaffected",
         "-", "none", "until it recovers"),
        ("Terraform state", _state_text(built, "the secondary"), "-", "-", "-"),
        ("the pipeline", "that region's plan and deploy jobs fail; the gate holds it back", "-",
         "release the other regions; re-run when it recovers", "-"),
    ]


def _home_down(cfg, built: Built, step) -> list[tuple[str, ...]]:
    home = built.registry_home
    same = home == cfg.regions.primary
    other = "as in \"Primary region down\"" if same else "unaffected"
    rows = [
        ("registry pulls", _pulls(built), "yes", "none", "unknown"),
        ("registry pushes", "continue at the replicas", "yes", "none", "unknown"),
        ("registry configuration", f"frozen: no stack may need a registry change while {home} is down; region stacks "
         "only read the shared stack's outputs", "-", f"step {step['hold']}", f"until {home} recovers"),
    ]
    for component in ("training data reads", "training data writes", "hubs and projects", "compute", "routing",
                      "alerts", "key vaults and CMK", "Terraform state", "the pipeline"):
        rows.append((component, other + (f" (the home is the primary, {home})" if same else ""), "-", "-", "-"))
    return rows


def _state_text(built: Built, where: str) -> str:
    return {
        "local": "state files on the machine that ran apply (`backend.type: local`): not region-bound, but one machine; "
                 "the release pipeline refuses it and synth warns for prod",
        "azurerm": f"in the state storage account: readable if that account is outside {where} (keep it in a third "
                   "region, RA-GZRS); region stacks read the shared stack's last outputs from it",
        "cloud": "in HCP Terraform, outside Azure: unaffected by an Azure region; region stacks read the shared "
                 "workspace's last outputs",
    }[built.backend]


def _state_down(cfg, built: Built, step) -> list[tuple[str, ...]]:
    running = ("registry pulls", "registry pushes", "training data reads", "training data writes", "hubs and projects",
               "compute", "routing", "alerts", "key vaults and CMK")
    rows = [(c, "unaffected: running resources do not read Terraform state", "-", "none", "-") for c in running]
    rows.insert(2, ("registry configuration", "no plan or apply can change it", "-", "wait", "-"))
    state = {
        "local": "the state is on one machine: lose it and every stack must be imported again",
        "azurerm": "no stack can plan or apply, and region stacks cannot read the shared outputs; with the state "
                   "account in the primary region this coincides with the outage that needs a plan most",
        "cloud": "HCP Terraform is not in an Azure region; its own availability applies",
    }[built.backend]
    rows += [("Terraform state", state, "-", "keep state outside the hub regions (docs/state.md)", "unknown"),
             ("the pipeline", "every plan and apply fails until the state is back", "-", "wait", "unknown")]
    return rows


def _runbook(cfg, built: Built, standby: str, detect, data) -> list[tuple[str, str]]:
    primary = cfg.regions.primary
    promoted = _promoted_min(cfg, standby)
    td = cfg.training_data
    data_step = "Training data: " + (
        "to keep reading, resubmit jobs against the secondary endpoint (output `training_data_secondary_blob_endpoint`, "
        "read-only). " if data["readable_in_secondary"] else "")
    if built.worm:
        data_step += "The container has an immutability (WORM) policy: Azure refuses an account failover; writes wait for " \
                     f"{primary} to recover."
    else:
        data_step += (("To write" if data["readable_in_secondary"] else "to read or write")
                      + f" before {primary} returns, fail the account over: check the "
                      f"Last Sync Time against the RPO ({cfg.targets.rpo_minutes} min) with `python main.py status`, then "
                      f"`az storage account failover --name <account>`; Microsoft says it {STORAGE_FAILOVER}, and writes "
                      "after the Last Sync Time are lost." + (
                          f" The data's customer-managed key is in {primary}'s vault: the account may stay unusable "
                          "until Microsoft fails that vault over (see \"key vaults and CMK\" in docs/failure-modes.md)." if built.data_cmk else ""))
    return [
        ("confirm", f"Confirm: {standby}'s Service Health alert, the Traffic Manager endpoint alert, `python main.py status` "
                    f"(exit 1, {primary} unknown or degraded)."),
        ("promote", f"Promote: set `regions.active: {standby}` in the config and commit it (a one-off "
                    f"`python main.py synth --active-region {standby}` is undone by the next plain synth, and synth "
                    "warns so). The plan "
                    f"changes the routing stack's priorities and {standby}'s cluster minimums ("
                    + ", ".join(f"{n}: {m}" for n, m in promoted.items())
                    + "), both in place: `scale_settings` is not ForceNew since azurerm 4.35.0. "
                    + (f"Traffic Manager already answers {standby} after about {detect} s if the health contract holds."
                       if detect is not None else "")),
        ("apply", f"Apply the routing stack (its resource group is in {built.routing_location}) and {cfg.namer.stack(standby)} "
                  f"from {standby}'s runner; both read only the shared stack's last outputs from state."),
        ("capacity", "Capacity: clusters scale to max_nodes on demand. max_nodes is a quota ceiling, not reserved "
                     f"capacity: watch the quota alert in {standby}; Azure may lack capacity in a region-wide incident."),
        ("hold", f"Do not apply {cfg.namer.stack('shared')} or {cfg.namer.stack(primary)} while {primary} is down: the "
                 "registry's configuration and the shared resource group's metadata are there."),
        ("data", data_step),
        ("reprotect", "After an account failover the account is LRS in the new primary. Set `training_data.failed_over: "
                      f"true`; once {primary}'s control plane is back, the shared stack's plan re-protects it in place "
                      f"(LRS -> {cfg.training_data_replication if td.failed_over else _reprotect(td.redundancy.value)}; "
                      "a zonal setting is converted by hand, synth's warning says how) and must show no replacement. "
                      f"Re-replicating {td.size_tb:g} TB to the new secondary is billed as bandwidth and takes time "
                      "(Microsoft gives no duration)."),
        ("jobs", f"Hub metadata is not replicated: resubmit jobs in {standby}, register models there from the pipeline."),
        ("failback", f"Fail back: when {primary} is healthy, set `regions.active: {primary}` (or remove the key) and "
                     f"commit it, then apply routing and {cfg.namer.stack(standby)}. Failing the data account back is another "
                     f"customer-initiated failover ({STORAGE_FAILOVER})."),
    ]


def _reprotect(redundancy: str) -> str:
    return {"GZRS": "GRS", "RAGZRS": "RAGRS"}.get(redundancy, redundancy)


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help=f"config file (default: {DEFAULT_CONFIG})")
    parser.add_argument("--out", metavar="FILE", default=None,
                        help="write to FILE (a regular file, replaced whole) instead of stdout; '-' is stdout")


def build(cfg: PlatformConfig) -> str:
    """Synthesize ``cfg`` into a scratch directory and render its failure modes."""
    from app.synth import synthesize

    with tempfile.TemporaryDirectory(prefix="failure-modes-") as scratch:
        synthesize(cfg, f"{scratch}/cdktf.out")
        return render(cfg, Built.read(f"{scratch}/cdktf.out"))


def run(args: argparse.Namespace) -> int:
    from app.config import load_config
    from app.output import check_file, write_text

    check_file(args.out)  # before the synth: a wrong --out fails fast and is left as it was
    cfg = load_config(args.config)
    text = build(cfg)
    write_text(args.out, text)
    if args.out not in (None, "-"):
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK
