"""The one naming module: Azure abbreviations and per-type name rules as data.

Example::

    >>> from app.naming import Namer
    >>> n = Namer(org="contoso", workload="fraud", environment="prod")
    >>> n.resource_group("eastus")
    'rg-fraud-prod-eus'
    >>> n.storage_account("eastus")
    'stcontosofraudprodeus'
    >>> n.storage_account(purpose="data")
    'stcontosofraudproddata'
    >>> n.container_registry()
    'crcontosofraudprod'

Abbreviations follow the Cloud Adoption Framework list (``rg-``, ``st``,
``cr``, ``kv-``, ``log-``, ``appi-``, ``hub-``, ``proj-``). Rules (length,
characters, global uniqueness) mirror the azurerm 4.55 validators and Azure's
naming-rules page; :func:`check` applies them before synthesis so a bad name is
a config error, not a failed apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import Problem
from app.regions import REGIONS, region


@dataclass(frozen=True, slots=True)
class NameRule:
    """Azure's constraints for one resource type's name."""

    kind: str
    abbreviation: str
    min_length: int
    max_length: int
    pattern: str
    description: str
    globally_unique: bool = False

    def problems(self, name: str, path: str) -> list[Problem]:
        if self.min_length <= len(name) <= self.max_length and re.fullmatch(self.pattern, name):
            return []
        scope = "globally unique, " if self.globally_unique else ""
        return [
            Problem(
                code="invalid-name",
                path=path,
                value=name,
                allowed=f"a {self.kind.replace('_', ' ')} name: {scope}{self.min_length}-{self.max_length} "
                f"characters, {self.description}",
                hint=f"{len(name)} characters",
            )
        ]


RULES: dict[str, NameRule] = {
    r.kind: r
    for r in (
        NameRule("resource_group", "rg", 1, 90, r"[-\w.()]*[-\w()]", "letters, digits, '-', '_', '.', '(', ')'; not ending in '.'"),
        NameRule("storage_account", "st", 3, 24, r"[a-z0-9]+", "lowercase letters and digits only", True),
        NameRule("container_registry", "cr", 5, 50, r"[a-zA-Z0-9]+", "letters and digits only", True),
        NameRule("key_vault", "kv", 3, 24, r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]", "letters, digits and single hyphens, starting with a letter", True),
        NameRule("log_analytics_workspace", "log", 4, 63, r"[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]", "letters, digits and hyphens, starting and ending alphanumeric"),
        NameRule("application_insights", "appi", 1, 255, r"[^%&\\?/]+", "no %, &, \\, ? or /"),
        NameRule("ai_foundry_hub", "hub", 3, 33, r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}", "letters, digits, '-' and '_', starting alphanumeric"),
        NameRule("ai_foundry_project", "proj", 3, 33, r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}", "letters, digits, '-' and '_', starting alphanumeric"),
        NameRule("compute_cluster", "", 3, 32, r"[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]", "letters, digits and '-', starting with a letter, ending alphanumeric"),
        NameRule("storage_container", "", 3, 63, r"[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]", "lowercase letters, digits and single hyphens, starting and ending alphanumeric"),
        NameRule("management_lock", "lock", 1, 260, r"[^<>*%:?+/\\]+", "no < > * % : ? + / or \\"),
        NameRule("virtual_network", "vnet", 2, 64, r"[a-zA-Z0-9][\w.-]*\w", "letters, digits, '_', '.', '-', starting alphanumeric, ending with a letter, digit or '_'"),
        NameRule("private_endpoint", "pe", 2, 80, r"[a-zA-Z0-9][\w.-]*\w", "letters, digits, '_', '.', '-', starting alphanumeric, ending with a letter, digit or '_'"),
        NameRule("action_group", "ag", 1, 260, r"[^%&\\?/<>]+", "no % & \\ ? / < >"),
        NameRule("user_assigned_identity", "id", 3, 128, r"[a-zA-Z0-9][a-zA-Z0-9_-]*", "letters, digits, '-' and '_', starting alphanumeric"),
        NameRule("traffic_manager_profile", "traf", 1, 63, r"[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]", "letters, digits, '.' and '-'"),
        NameRule("traffic_manager_dns", "", 1, 63, r"[a-z0-9][a-z0-9-]*[a-z0-9]", "a DNS label: lowercase letters, digits and '-'", True),
    )
}


def check(kind: str, name: str, path: str) -> list[Problem]:
    """Problems with ``name`` as a ``kind`` name (empty when valid)."""
    return RULES[kind].problems(name, path)


@dataclass(frozen=True, slots=True)
class Namer:
    """Derives every resource name of the platform from org, workload and environment.

    Globally unique names (registry, storage accounts, key vaults) carry the
    org; regional names carry the region's short code so the regions never
    collide and a reader can tell them apart in the portal.
    """

    org: str
    workload: str
    environment: str
    short_name: str | None = None  # replaces org + workload + environment in the globally unique names

    @classmethod
    def of(cls, naming: object) -> "Namer":
        """The namer of a config's ``naming`` section: ``Namer.of(cfg.raw.naming)``."""
        return cls(org=naming.org, workload=naming.workload, environment=naming.environment,  # type: ignore[attr-defined]
                   short_name=getattr(naming, "short_name", None))

    @property
    def _base(self) -> str:
        return f"{self.workload}-{self.environment}"

    @property
    def stem(self) -> str:
        """What the globally unique names are built on: ``contosofraudprod``, or ``naming.short_name``."""
        return self.short_name or f"{self.org}{self.workload}{self.environment}"

    def stack(self, scope: str) -> str:
        """Stack (and state) name: ``fraud-prod-shared``, ``fraud-prod-eastus``."""
        return f"{self._base}-{scope}"

    def resource_group(self, location: str, purpose: str = "") -> str:
        middle = f"-{purpose}" if purpose else ""
        return f"rg-{self._base}{middle}-{region(location).code}"

    def container_registry(self) -> str:
        return f"cr{self.stem}"

    def storage_account(self, location: str | None = None, purpose: str = "") -> str:
        """Regional accounts end in the region code; the shared data account in its purpose."""
        suffix = region(location).code if location else ""
        return f"st{self.stem}{purpose}{suffix}"

    def key_vault(self, location: str) -> str:
        return f"kv-{self.stem}-{region(location).code}"

    def log_analytics_workspace(self, location: str, purpose: str = "") -> str:
        middle = f"-{purpose}" if purpose else ""
        return f"log-{self._base}{middle}-{region(location).code}"

    def application_insights(self, location: str) -> str:
        return f"appi-{self._base}-{region(location).code}"

    def hub(self, location: str) -> str:
        return f"hub-{self._base}-{region(location).code}"

    def project(self, project: str, location: str) -> str:
        return f"proj-{project}-{region(location).code}"

    def virtual_network(self, location: str, purpose: str = "") -> str:
        middle = f"-{purpose}" if purpose else ""
        return f"vnet-{self._base}{middle}-{region(location).code}"

    def network_security_group(self, location: str, subnet: str) -> str:
        return f"nsg-{self._base}-{subnet}-{region(location).code}"

    @staticmethod
    def registry_hosts(registry: str, locations: tuple[str, ...] | list[str], regional: bool = False) -> dict[str, str]:
        """A registry's login server and the dedicated data endpoint of its home and every replica, by role:
        ``{"login": "crx.azurecr.io", "data-eastus": "crx.eastus.data.azurecr.io", ...}`` (what its private
        endpoints must resolve); ``regional``: also each location's regional endpoint, ``crx.eastus.geo.azurecr.io``."""
        hosts = {"login": f"{registry}.azurecr.io",
                 **{f"data-{loc}": f"{registry}.{loc}.data.azurecr.io" for loc in sorted(locations)}}
        if regional:
            hosts |= {f"geo-{loc}": f"{registry}.{loc}.geo.azurecr.io" for loc in sorted(locations)}
        return hosts

    @staticmethod
    def private_endpoint(target: str, subresource: str, location: str, network: str = "") -> str:
        """``pe-crcontosofraudprod-registry-eus``: the target's name, what it reaches, where from
        (``network="shared"``: from the operations network, ``pe-...-registry-eus-shared``)."""
        suffix = f"-{network}" if network else ""
        return f"pe-{target}-{subresource}-{region(location).code}{suffix}"

    def event_grid_system_topic(self, purpose: str, scope: str) -> str:
        """``egst-fraud-prod-keys-eus`` (a region) or ``egst-fraud-prod-keys-shared``."""
        suffix = region(scope).code if scope in REGIONS else scope
        return f"egst-{self._base}-{purpose}-{suffix}"

    def action_group(self, scope: str) -> str:
        """``ag-fraud-prod-eus`` (a region) or ``ag-fraud-prod-shared``."""
        suffix = region(scope).code if scope in REGIONS else scope
        return f"ag-{self._base}-{suffix}"

    def action_group_short(self, scope: str) -> str:
        """The action group's SMS/e-mail sender name: at most 12 characters, e.g. ``fraudprodeus``."""
        suffix = region(scope).code if scope in REGIONS else scope[:3]
        return f"{self.workload}{self.environment}"[: 12 - len(suffix)] + suffix

    def alert(self, scope: str, what: str) -> str:
        """``alert-fraud-prod-eus-hub-health``: an alert rule's name."""
        suffix = region(scope).code if scope in REGIONS else scope
        return f"alert-{self._base}-{suffix}-{what}"

    def user_assigned_identity(self, purpose: str, location: str) -> str:
        return f"id-{self._base}-{purpose}-{region(location).code}"

    def key_vault_shared(self, purpose: str = "cmk") -> str:
        """The shared stack's vault for customer-managed keys: ``kv-contosofraudprod-cmk``."""
        return f"kv-{self.stem}-{purpose}"

    def traffic_manager(self) -> str:
        return f"traf-{self._base}"

    def traffic_manager_dns(self) -> str:
        """Default DNS label: ``contoso-fraud-prod`` (<label>.trafficmanager.net is global)."""
        return f"{self.org}-{self._base}"

    @staticmethod
    def lock(target: str) -> str:
        return f"lock-{target}"
