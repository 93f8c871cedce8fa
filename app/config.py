"""The one config model: a YAML file in, a validated, frozen :class:`PlatformConfig` out.

Example::

    >>> from app.config import load_config
    >>> cfg = load_config("config/default.yaml")
    >>> cfg.regions.primary, cfg.secondary_regions, cfg.registry_name
    ('eastus', ('westus',), 'crcontosofraudprod')

Validation happens once, here, before cdktf is loaded. It runs in two passes:
the structure (types, unknown keys, ranges, closed sets) with pydantic, then the
Azure rules that need several fields at once (region pairs, zones, names). Each
pass reports every problem it finds; a :class:`~app.errors.ConfigError` carries
them all. Facts worth knowing but not fatal come back as warnings.

The config, one idea a module (each imports only the ones above it)::

    app/config_schema.py  the YAML file's shape: RawConfig, its sections, enums and patterns (pass 1)
    app/config_yaml.py    the file -> plain data: strict YAML (no aliases, duplicate keys or YAML 1.1 surprises)
    app/config_checks.py  the Azure rules across fields (pass 2): regions, data, compute, network, routing, names
    app/config_errors.py  pydantic's errors -> Problems, and pass 2 run beside them on a file that failed pass 1
    app/config.py         load_config() and PlatformConfig, what the rest of the project imports

Every name other code imported from ``app.config`` is importable from here
still (``from app.config import load_config, PlatformConfig, RawConfig,
price_override_problems, cfg_account, ...``). To monkeypatch a function,
patch the module that calls it, e.g. ``app.config_checks._price_keys``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app import naming
from app.config_checks import (
    PRICES_FILE,
    _cross_checks,
    _dedupe,
    address_spaces,
    cfg_account,
    cfg_namer,
    price_override_problems,
    routing_hosts,
)
from app.config_errors import _from_pydantic, _problems_beside
from app.config_schema import (
    MAX_HUB_REGIONS,
    ArmId,
    AzurermBackend,
    Backend,
    CloudBackend,
    Cluster,
    ClusterOverride,
    Compute,
    EmailReceiver,
    Encryption,
    ExistingAccount,
    ExistingRegistry,
    ExistingReplica,
    Hub,
    LocalBackend,
    Location,
    Mode,
    Monitoring,
    Naming,
    Network,
    Probe,
    RawConfig,
    Receivers,
    Redundancy,
    Registry,
    RegistrySku,
    Regions,
    ReleaseGate,
    Report,
    Usage,
    ResourceGroups,
    Routing,
    TagKey,
    Tags,
    TagValue,
    Targets,
    Thresholds,
    TrainingData,
    WebhookReceiver,
)
from app.config_yaml import MAX_CONFIG_BYTES, read_yaml
from app.errors import ConfigError, Problem
from app.regions import region

__all__ = [
    "MAX_CONFIG_BYTES", "MAX_HUB_REGIONS", "PRICES_FILE", "ArmId", "AzurermBackend", "Backend", "CloudBackend",
    "Cluster", "ClusterOverride", "ClusterSizing", "Compute", "EmailReceiver", "Encryption", "ExistingAccount",
    "ExistingRegistry", "ExistingReplica", "Hub", "LocalBackend", "Location", "Mode", "Monitoring", "Naming",
    "Network", "PlatformConfig", "Probe", "RawConfig", "Receivers", "Redundancy", "Registry", "RegistrySku",
    "Regions", "ReleaseGate", "Report", "ResourceGroups", "Routing", "TagKey", "TagValue", "Tags", "Targets",
    "Thresholds", "TrainingData", "Usage", "WebhookReceiver", "address_spaces", "cfg_account", "cfg_namer", "load_config",
    "price_override_problems", "read_yaml", "routing_hosts",
]


@dataclass(frozen=True, slots=True)
class ClusterSizing:
    """A cluster's effective settings in one region."""

    name: str
    vm_size: str
    vm_priority: str
    min_nodes: int
    max_nodes: int
    idle_minutes_before_scale_down: int


@dataclass(frozen=True)
class PlatformConfig:
    """A validated config plus what follows from it (names, region roles, sizing)."""

    raw: RawConfig
    source: str
    warnings: tuple[Problem, ...] = ()

    def __getattr__(self, item: str) -> Any:
        # Sections read naturally: cfg.regions, cfg.registry, cfg.training_data, ...
        if item.startswith("_") or item in ("raw", "source", "warnings"):
            raise AttributeError(item)
        return getattr(self.raw, item)

    @property
    def namer(self) -> naming.Namer:
        return naming.Namer.of(self.raw.naming)

    @property
    def hub_regions(self) -> tuple[str, ...]:
        return (self.raw.regions.primary, *self.raw.regions.secondaries)

    @property
    def secondary_regions(self) -> tuple[str, ...]:
        return tuple(self.raw.regions.secondaries)

    @property
    def registry_name(self) -> str:
        return self.raw.registry.name or self.namer.container_registry()

    @property
    def data_account_name(self) -> str:
        return self.raw.training_data.account_name or self.namer.storage_account(purpose="data")

    @property
    def active_region(self) -> str:
        """The region Traffic Manager sends traffic to first (the primary unless promoted)."""
        return self.raw.regions.active or self.raw.regions.primary

    @property
    def routing_hosts(self) -> dict[str, str]:
        """Hub region -> inference host name (empty without a routing section)."""
        return routing_hosts(self.raw, self.hub_regions)

    @property
    def address_spaces(self) -> dict[str, str]:
        return address_spaces(self.raw, self.hub_regions)

    @staticmethod
    def hub_storage_replication(location: str) -> str:
        """A hub's default storage: a geo copy of hub artifacts where the region has a pair (never failed
        over: Azure ML does not support that), else zone- or locally redundant."""
        r = region(location)
        if r.pair:
            return "GZRS" if r.zones else "GRS"
        return "ZRS" if r.zones else "LRS"

    @property
    def training_data_replication(self) -> str:
        """The account's ``account_replication_type``: the configured redundancy, except after a failover.

        After a customer-initiated failover the account is LRS in the new primary. azurerm 4.55 changes
        LRS -> GRS/RAGRS in place but replaces the account for LRS -> GZRS/RAGZRS (another family), so a
        failed-over zonal account is re-protected as GRS/RAGRS and converted back by hand (a warning says how).
        """
        td = self.raw.training_data
        if td.failed_over:
            return {"GZRS": "GRS", "RAGZRS": "RAGRS"}.get(td.redundancy.value, td.redundancy.value)
        return td.redundancy.value

    @property
    def training_data_secondary_readable(self) -> bool:
        """RA-GRS / RA-GZRS: the secondary copy is readable (``<account>-secondary``) before any failover."""
        return self.training_data_replication.startswith("RA")

    def is_passive(self, location: str) -> bool:
        return self.raw.regions.mode is Mode.ACTIVE_PASSIVE and location != self.raw.regions.primary

    def literal(self) -> "PlatformConfig":
        """This config with every string a Terraform literal (``${`` -> ``$${``): what the stacks are built from."""
        from app.literal import literal_model

        return PlatformConfig(raw=literal_model(self.raw), source=self.source, warnings=self.warnings)

    def is_promoted(self, location: str) -> bool:
        """A secondary region that Traffic Manager serves first (``regions.active`` / ``--active-region``)."""
        return location == self.active_region and location != self.raw.regions.primary

    def replica_zone_redundant(self, location: str) -> bool:
        return bool(self.raw.registry.zone_redundant) and region(location).zones

    @property
    def resource_tags(self) -> dict[str, str]:
        """Tags for every taggable resource; config-derived keys win over ``tags.extra``."""
        t = self.raw.tags
        base = {
            "workload": self.raw.naming.workload,
            "environment": self.raw.naming.environment,
            "owner": t.owner,
            "cost-center": t.cost_center,
            "managed-by": "cdktf",
        }
        return {**t.extra, **base}

    def clusters(self, location: str) -> tuple[ClusterSizing, ...]:
        """Each cluster's settings in ``location``; a promoted region runs at least ``failover_min_nodes``."""
        out = []
        for c in self.raw.compute.clusters:
            o = c.regions.get(location) or ClusterOverride()
            low = c.min_nodes if o.min_nodes is None else o.min_nodes
            out.append(
                ClusterSizing(
                    name=c.name,
                    vm_size=o.vm_size or c.vm_size,
                    vm_priority=c.vm_priority,
                    min_nodes=max(low, c.failover_min_nodes) if self.is_promoted(location) else low,
                    max_nodes=c.max_nodes if o.max_nodes is None else o.max_nodes,
                    idle_minutes_before_scale_down=c.idle_minutes_before_scale_down,
                )
            )
        return tuple(out)


# --------------------------------------------------------------------------- loading


def load_config(path: str | os.PathLike[str], *, overrides: dict[str, Any] | None = None) -> PlatformConfig:
    """Load, validate and return the config at ``path``; raise :class:`ConfigError` with every problem."""
    source = os.fspath(path)
    doc = read_yaml(source)
    for dotted, value in (overrides or {}).items():
        _set_dotted(doc, dotted, value)
    early = _control_characters(doc)
    try:
        raw = RawConfig.model_validate(doc)
    except ValidationError as e:
        said = {p.path for p in early}
        found = [p for p in (_from_pydantic(err) for err in e.errors()) if p.path not in said]
        raise ConfigError(source, _dedupe(early + found + _problems_beside(doc, e))) from None
    errors, warnings = _cross_checks(raw)
    if early or errors:
        raise ConfigError(source, _dedupe(early + errors))
    return PlatformConfig(raw=raw, source=source, warnings=tuple(warnings))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _control_characters(node: Any, path: str = "") -> list[Problem]:
    """No config string holds a newline, tab or other control character: a pattern's ``$`` lets ``"host\\n"``
    through, and names, hosts, ids and tags never need one."""
    out: list[Problem] = []
    if isinstance(node, dict):
        for k, v in node.items():
            sub = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and _CONTROL.search(k):
                out.append(Problem(code="control-character", path=sub, value=k, allowed="a key without control characters"))
            out += _control_characters(v, sub)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _control_characters(v, f"{path}[{i}]")
    elif isinstance(node, str) and _CONTROL.search(node):
        out.append(Problem(code="control-character", path=path, value=node,
                           allowed="text without control characters (newline, tab, ...)"))
    return out


def _set_dotted(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = doc
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[leaf] = value
