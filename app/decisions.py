"""Creation-time decisions: every setting the stacks use that Azure (or azurerm 4.55) fixes when a resource is created.

Example::

    python main.py decisions                 # config/default.yaml, to stdout
    python main.py decisions --out docs/creation-time-decisions.md

``docs/creation-time-decisions.md`` is this command's output for
``config/default.yaml`` (``make test`` compares them). The "ours" column is read
from the synthesized stacks, not from the config, so it says what the output
will create. Sources: azurerm 4.55 schema (ForceNew) and Microsoft's docs, named
in each row.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import EXIT_OK

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

DEFAULT_CONFIG = "config/default.yaml"
HEADER = ("setting", "ours", "why", "config key", "changing it later costs")


def _stacks(outdir: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {name: json.loads((outdir / meta["synthesizedStackPath"]).read_text())
            for name, meta in manifest["stacks"].items()}


def _all(stacks: dict[str, dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
    return [r for doc in stacks.values() for r in doc.get("resource", {}).get(rtype, {}).values()]


def rows(cfg: PlatformConfig, outdir: Path) -> list[tuple[str, str, str, str, str]]:
    """One row per creation-time setting, the value read from the synthesized output in ``outdir``."""
    stacks = _stacks(outdir)
    (registry,) = _all(stacks, "azurerm_container_registry")
    accounts = _all(stacks, "azurerm_storage_account")
    data = next(a for a in accounts if a["name"] == cfg.data_account_name)
    hub_accounts = [a for a in accounts if a is not data]
    hubs = _all(stacks, "azurerm_ai_foundry")
    vaults = _all(stacks, "azurerm_key_vault")
    replicas = registry.get("georeplications", [])

    def onoff(flag: bool) -> str:
        return "on" if flag else "off"

    def zr(value: Any) -> str:
        return "zone redundant" if value else "not zone redundant"

    cmk_accounts = [a["name"] for a in accounts if "customer_managed_key" in a]
    return [
        ("Registry customer-managed key", onoff("encryption" in registry),
         "set only when a registry is created (Microsoft: a registry's CMK cannot be enabled or disabled later); with "
         "a firewalled vault Azure reaches the key through trusted-service access for system identities only",
         "encryption.registry_customer_managed_key",
         "a new registry: every image pushed again; azurerm plans an in-place update that Azure refuses"),
        ("Hub encryption (customer-managed key for hub metadata)",
         (f"on: {sum('encryption' in h for h in hubs)} of {len(hubs)} hubs, each with a key in its own region's vault "
          "(RSA-HSM 2048), used through the region's user-assigned identity; the system-assigned identity stays primary"
          if any("encryption" in h for h in hubs) else "off (Microsoft-managed keys)"),
         "a regulated platform keeps job history, compute and asset metadata under a key it controls and can revoke; "
         "Microsoft allows it only when a hub is created and never back to Microsoft-managed keys, and azurerm 4.55 "
         "makes the whole `encryption` block ForceNew. Azure then creates Cosmos DB, AI Search and a storage account "
         "in a Microsoft-managed resource group billed to the subscription (\"the costs for your subscription are "
         "higher\"; no published figure: see the report) and turns high business impact on",
         "encryption.hub_customer_managed_key (off unless true: the hub pins a versioned key that rotation never "
         "reaches, and the managed Cosmos DB's vault access cannot be granted with azurerm; verify on Azure first)",
         "a new hub per region: its run history and registered assets are lost (not replicated); the hub stays on "
         "its key version until moved outside Terraform (a new key_id would replace the hub)"),
        ("Hub high business impact", ", ".join(sorted({onoff(h["high_business_impact_enabled"]) for h in hubs})),
         "less diagnostic data leaves the hub; ForceNew in azurerm 4.55", "hub.high_business_impact",
         "a new hub per region (run history and assets lost)"),
        ("Queue and table encryption key type",
         ", ".join(sorted({f"{a.get('queue_encryption_key_type', 'Service')}/{a.get('table_encryption_key_type', 'Service')}"
                           for a in accounts})) + f" ({len(cmk_accounts)} of {len(accounts)} accounts use a CMK)",
         "with a customer-managed key, queues and tables follow it only when created with `Account`; unset, azurerm "
         "sends `Service` (Microsoft-managed keys) for good; ForceNew", "encryption.customer_managed_keys",
         f"a new account and a full copy ({cfg.training_data.size_tb:g} TB for the training data)"),
        ("Account kind and hierarchical namespace",
         ", ".join(sorted({f"{a['account_kind']}, HNS {onoff(a.get('is_hns_enabled', False))}" for a in accounts})),
         "StorageV2 without HNS keeps blob versioning and point-in-time restore (HNS gives them up); `is_hns_enabled` "
         "is ForceNew, `account_kind` too except Storage -> StorageV2", "none (fixed)",
         "a new account and a full copy"),
        ("Infrastructure (double) encryption", onoff(all(a.get("infrastructure_encryption_enabled") for a in accounts)),
         "a second encryption layer at the infrastructure level; ForceNew", "none (fixed)", "a new account and a full copy"),
        ("Registry zone redundancy (home)", zr(registry.get("zone_redundancy_enabled")) + f" in {registry['location']}",
         "ForceNew on the registry", "registry.zone_redundant", "a new registry: every image pushed again"),
        ("Registry zone redundancy (each replica)",
         ", ".join(f"{g['location']}: {zr(g.get('zone_redundancy_enabled'))}" for g in replicas) or "no replica",
         "azurerm deletes and recreates a replica to change it; only where the region has zones",
         "registry.zone_redundant", "that replica recreated: it copies every image again before it serves them"),
        ("Training data redundancy family", f"{data['account_replication_type']} in {data['location']}",
         "azurerm 4.55 changes LRS/GRS/RAGRS among themselves in place but replaces an account to cross to "
         "ZRS/GZRS/RAGZRS or back (prevent_destroy then fails the plan)", "training_data.redundancy",
         "within the family: none; across it: Azure's own conversion outside Terraform, then a matching config"),
        ("Hub storage redundancy", ", ".join(f"{a['location']}: {a['account_replication_type']}" for a in hub_accounts),
         "GZRS where the region has zones, else GRS; same family rule as above", "none (derived from the region)",
         "across the family: a new account, which means a new hub (storage_account_id is ForceNew on the hub)"),
        ("A hub's storage account and key vault", "one of each per hub, in its region",
         "`storage_account_id` and `key_vault_id` are ForceNew on azurerm_ai_foundry", "none (fixed)",
         "a new hub per region"),
        ("Key vault purge protection", onoff(all(v.get("purge_protection_enabled") for v in vaults)),
         "Azure never lets purge protection be turned off once on", "none (fixed)", "irreversible"),
        ("Managed network isolation", ", ".join(sorted({h["managed_network"]["isolation_mode"] for h in hubs})),
         "Microsoft: a managed network's isolation mode cannot go back; the stacks ignore later changes to it",
         "none (fixed)", "a new hub per region"),
        ("WORM policy on the training data", (f"{cfg.training_data.immutability_days} days, "
                                              + ("locked" if cfg.training_data.immutability_locked else "unlocked"))
         if _all(stacks, "azurerm_storage_container_immutability_policy") else "off",
         "a locked policy can only be extended; WORM also blocks account failover",
         "training_data.immutability_days, .immutability_locked", "locked: irreversible"),
        ("Names", f"registry {registry['name']}, training data {data['name']}, "
                  f"{len(vaults)} key vaults, {len(hubs)} hubs",
         "every name is ForceNew; registry and storage names are globally unique, and a deleted key vault's name "
         "stays taken while it is soft-deleted", "naming.*, registry.name, training_data.account_name",
         "a new resource each, data copied; the old global names may be taken by someone else"),
    ]


def render(cfg: PlatformConfig, outdir: Path) -> str:
    from app.failure_modes import _shown

    lines = [
        "# Creation-time decisions",
        "",
        f"Generated by `python main.py decisions --config {_shown(cfg.source)}` from the stacks it synthesizes; do not "
        "edit by hand (`make test` compares this file with the command's output for `config/default.yaml`). Each "
        "setting below is fixed when its resource is created: changing it later replaces a registry, a hub or a "
        "storage account, which the locks and `prevent_destroy` block. Decide before the first apply.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows(cfg, outdir)]
    return "\n".join(lines) + "\n"


def build(cfg: PlatformConfig) -> str:
    from app.synth import synthesize

    with tempfile.TemporaryDirectory(prefix="decisions-") as scratch:
        out = Path(scratch) / "cdktf.out"
        synthesize(cfg, out)
        return render(cfg, out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help=f"config file (default: {DEFAULT_CONFIG})")
    parser.add_argument("--out", metavar="FILE", default=None, help="write to FILE instead of stdout; '-' is stdout")


def run(args: argparse.Namespace) -> int:
    from app.config import load_config
    from app.output import check_file, write_text

    cfg = load_config(args.config)
    check_file(args.out)  # before the synth: a wrong --out fails fast and is left as it was
    text = build(cfg)
    write_text(args.out, text)  # a regular file, written beside it and renamed over it; "-" or none: stdout
    if args.out not in (None, "-"):
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK
