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
"""

from __future__ import annotations

import enum
import os
import re
import stat
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app import naming
from app.errors import ConfigError, Problem
from app.regions import REGIONS, region, suggest

MAX_CONFIG_BYTES = 256 * 1024
MAX_HUB_REGIONS = 16


class Redundancy(enum.StrEnum):
    """Geo-redundant replication types allowed for irreplaceable training data."""

    GRS = "GRS"
    RAGRS = "RAGRS"
    GZRS = "GZRS"
    RAGZRS = "RAGZRS"


class RegistrySku(enum.StrEnum):
    BASIC = "Basic"
    STANDARD = "Standard"
    PREMIUM = "Premium"


class Mode(enum.StrEnum):
    ACTIVE_PASSIVE = "active-passive"
    ACTIVE_ACTIVE = "active-active"


_LOWER_ALNUM = r"^[a-z][a-z0-9]*\Z"
_SPELLINGS = {"RA-GRS": "RAGRS", "RA-GZRS": "RAGZRS"}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, regex_engine="python-re")


class Naming(_Model):
    """Inputs of every resource name (see :mod:`app.naming`)."""

    org: Annotated[str, Field(min_length=2, max_length=10, pattern=_LOWER_ALNUM)]
    workload: Annotated[str, Field(min_length=2, max_length=10, pattern=_LOWER_ALNUM)]
    environment: Annotated[str, Field(min_length=2, max_length=8, pattern=_LOWER_ALNUM)]


TagValue = Annotated[str, Field(min_length=1, max_length=256)]
TagKey = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^<>%&\\?/]+\Z")]


class Tags(_Model):
    """Tags set once and put on everything taggable (with ``workload`` and ``environment``)."""

    owner: TagValue
    cost_center: TagValue
    extra: Annotated[dict[TagKey, TagValue], Field(max_length=40)] = {}


class Targets(_Model):
    """What the business asked for; the design is checked and reported against these."""

    availability_percent: Annotated[float, Field(ge=90, lt=100)] = 99.95
    rpo_minutes: Annotated[int, Field(ge=1, le=10080)] = 30
    rto_minutes: Annotated[int, Field(ge=1, le=10080)] = 60


class Regions(_Model):
    """Hub regions: one primary, at least one secondary."""

    primary: str
    secondaries: Annotated[list[str], Field(min_length=1, max_length=MAX_HUB_REGIONS - 1)]
    mode: Mode = Mode.ACTIVE_PASSIVE
    active: str | None = None  # the region traffic goes to first; the primary unless promoted (--active-region)

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> Any:
        return Mode(v) if isinstance(v, str) and v in Mode._value2member_map_ else v


# An Azure resource id (`az ... show --query id`). Letters, digits and - _ . ( ) / only: no $ % { } or spaces, so an
# id can never carry a Terraform template (${ / %{). Its parts are checked in app/adoption.py.
_ARM_ID = r"^/[-\w.()/]{1,1023}\Z"
_LOCATION = r"^[A-Za-z][A-Za-z0-9 ]{1,39}\Z"  # eastus, or "East US" as the portal shows it
ArmId = Annotated[str, Field(pattern=_ARM_ID)]
Location = Annotated[str, Field(pattern=_LOCATION)]


class ExistingReplica(_Model):
    """One replica the existing registry has (`az acr replication list`)."""

    zone_redundancy_enabled: bool  # zoneRedundancy == "Enabled"


class ExistingRegistry(_Model):
    """What the registry named by ``registry.existing_id`` is today: the settings a change of which azurerm 4.55
    (or Azure) would carry out by replacing it. Synth cannot see Azure; it compares these with the config."""

    location: Location  # az acr show --query location
    zone_redundancy_enabled: bool  # --query zoneRedundancy == "Enabled" (ForceNew)
    encryption: bool  # --query encryption.status == "enabled": a customer-managed key (set only at creation)
    # az acr replication list: every replica by region, the home region's entry is ignored
    replicas: Annotated[dict[Annotated[str, Field(pattern=_LOWER_ALNUM)], ExistingReplica], Field(max_length=40)]


class ExistingAccount(_Model):
    """What the account named by ``training_data.existing_id`` is today (`az storage account show`): every
    setting azurerm 4.55 can change only by replacing the account, and what else the first apply adopts."""

    location: Location  # location
    account_kind: Literal["StorageV2", "Storage", "BlobStorage", "BlockBlobStorage", "FileStorage"]  # kind
    sku_name: Annotated[str, Field(pattern=r"^(Standard|Premium)(V2)?_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)\Z")]  # sku.name
    is_hns_enabled: bool  # isHnsEnabled (null: false)
    infrastructure_encryption_enabled: bool  # encryption.requireInfrastructureEncryption (null: false)
    queue_encryption_key_type: Literal["Service", "Account"]  # encryption.services.queue.keyType (null: Service)
    table_encryption_key_type: Literal["Service", "Account"]  # encryption.services.table.keyType (null: Service)
    dns_endpoint_type: Literal["Standard", "AzureDnsZone"]  # dnsEndpointType (null: Standard)
    # an account-level immutability policy: immutableStorageWithVersioning.immutabilityPolicy is set (null: false)
    account_immutability_policy: bool
    # training_data.container_name exists in the account: it is imported (else created)
    container_exists: bool
    # that container's denyEncryptionScopeOverride (az storage container-rm show); required when it exists
    container_deny_encryption_scope_override: bool | None = None
    # the account has a lifecycle management policy (az storage account management-policy show): it is imported
    # and its rules are replaced by the platform's
    management_policy_exists: bool


class ResourceGroups(_Model):
    """Resource groups the team already owns, adopted instead of created.

    existing_ids: ``shared`` (the shared stack's group) or a hub region -> the group's Azure resource id.
    existing_locations: the same keys -> the group's location (`az group show --query location`); a group's
    location is ForceNew.
    """

    existing_ids: Annotated[dict[str, ArmId], Field(max_length=MAX_HUB_REGIONS + 1)] = {}
    existing_locations: Annotated[dict[str, Location], Field(max_length=MAX_HUB_REGIONS + 1)] = {}


class Registry(_Model):
    """The one shared container registry (geo-replicated to every secondary region)."""

    name: str | None = None
    sku: RegistrySku = RegistrySku.PREMIUM
    zone_redundant: bool = True
    untagged_retention_days: Annotated[int, Field(ge=0, le=365)] = 7
    # ACR regional endpoints (NAME.REGION.geo.azurecr.io), which the replication gate asks. A preview
    # feature azurerm 4.55 cannot set: enable it once with `az acr update --regional-endpoints enabled`.
    # true: every network writes private records for them too (a plan fails clearly until they exist)
    regional_endpoints: bool = True
    # adopt a registry the team already has: its Azure resource id (an import block), and what it is today
    existing_id: ArmId | None = None
    existing: ExistingRegistry | None = None

    @field_validator("sku", mode="before")
    @classmethod
    def _sku(cls, v: Any) -> Any:
        return RegistrySku(v) if isinstance(v, str) and v in RegistrySku._value2member_map_ else v


class TrainingData(_Model):
    """The geo-redundant account holding the irreplaceable training data."""

    account_name: str | None = None
    redundancy: Redundancy = Redundancy.GRS
    size_tb: Annotated[float, Field(gt=0, le=5000)] = 50
    container_name: str = "datasets"
    blob_soft_delete_days: Annotated[int, Field(ge=7, le=365)] = 30
    container_soft_delete_days: Annotated[int, Field(ge=7, le=365)] = 30
    point_in_time_restore_days: Annotated[int, Field(ge=0, le=364)] = 14
    immutability_days: Annotated[int, Field(ge=0, le=146000)] = 0  # WORM retention on the container; 0 = off
    immutability_locked: bool = False  # a locked policy can never be shortened or removed (irreversible)
    # a lifecycle rule deletes blob versions older than this (versioning on 50 TB grows without bound
    # otherwise); the change feed is kept as long. Must exceed point_in_time_restore_days.
    version_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    # true after a customer-initiated account failover: the account is LRS in the new primary; plan
    # against it without replacing it and re-protect it where azurerm can do so in place
    failed_over: bool = False
    # fixed when an account is created (azurerm 4.55: ForceNew); to adopt an existing account as it is
    infrastructure_encryption: bool = True
    # queues and tables: "Account" follows the account's key (the customer-managed one with CMK), "Service" stays
    # on Microsoft-managed keys; unset: "Account" with customer-managed keys, else Azure's "Service"
    queue_encryption_key_type: Literal["Service", "Account"] | None = None
    table_encryption_key_type: Literal["Service", "Account"] | None = None
    # adopt an account the team already has: its Azure resource id (an import block), and what it is today
    existing_id: ArmId | None = None
    existing: ExistingAccount | None = None

    @field_validator("redundancy", mode="before")
    @classmethod
    def _redundancy(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = _SPELLINGS.get(v.upper(), v.upper())
            return Redundancy(v) if v in Redundancy._value2member_map_ else v
        return v


class Hub(_Model):
    """The Foundry hub built identically in every region."""

    projects: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1, max_length=20)] = [
        "default"
    ]
    high_business_impact: bool = True


class ClusterOverride(_Model):
    """Per-region sizing of one compute cluster."""

    vm_size: Annotated[str, Field(pattern=r"^Standard_[A-Za-z0-9_]+\Z")] | None = None
    min_nodes: Annotated[int, Field(ge=0, le=1000)] | None = None
    max_nodes: Annotated[int, Field(ge=1, le=1000)] | None = None


class Cluster(_Model):
    """One autoscaling compute cluster, present in every hub region."""

    name: str
    vm_size: Annotated[str, Field(pattern=r"^Standard_[A-Za-z0-9_]+\Z")]
    vm_priority: Literal["Dedicated", "LowPriority"] = "Dedicated"
    min_nodes: Annotated[int, Field(ge=0, le=1000)] = 0
    max_nodes: Annotated[int, Field(ge=1, le=1000)] = 4
    idle_minutes_before_scale_down: Annotated[int, Field(ge=1, le=10080)] = 30
    # nodes a promoted secondary keeps running (regions.active / synth --active-region): claims capacity
    # early in a region-wide incident; scale_settings update in place, so promotion recreates nothing
    failover_min_nodes: Annotated[int, Field(ge=0, le=1000)] = 0
    regions: dict[str, ClusterOverride] = {}


class Compute(_Model):
    clusters: Annotated[list[Cluster], Field(min_length=1, max_length=20)]


_IMAGE = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})\Z"


class ReleaseGate(_Model):
    """The optional in-Terraform replication gate for workstation deploys (pipelines call the gate as a step)."""

    enabled: bool = False
    image: Annotated[str, Field(pattern=_IMAGE, max_length=300)] | None = None
    timeout_seconds: Annotated[int, Field(ge=60, le=7200)] = 1800
    interval_seconds: Annotated[int, Field(ge=1, le=600)] = 15


_CIDR = r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}\Z"


class Network(_Model):
    """Private networking: a VNet per hub region, private endpoints, public access off.

    ``private: false`` is for sandboxes only (one warning says so). Address spaces
    not listed are derived (10.<100+i>.0.0/16 for the i-th hub region).
    """

    private: bool = True
    address_spaces: dict[str, Annotated[str, Field(pattern=_CIDR)]] = {}
    shared_address_space: Annotated[str, Field(pattern=_CIDR)] = "10.9.0.0/24"  # operations network (runners)
    # public ranges of the runners that apply Terraform: admitted by the key vaults' firewalls, because keys are
    # created through the vaults' data plane (needed for the first apply, before any private network exists)
    operator_ip_ranges: Annotated[list[Annotated[str, Field(pattern=_CIDR)]], Field(max_length=20)] = []


class Encryption(_Model):
    """Customer-managed keys (Microsoft-managed when off).

    customer_managed_keys: the training data and every hub's storage.
    registry_customer_managed_key: the registry too. Decide it before the registry exists (Azure sets a
    registry's encryption only at creation) and read the README: Azure reaches the key for a registry
    only through trusted-service access, which a firewalled vault grants to system identities only.
    """

    customer_managed_keys: bool = True
    registry_customer_managed_key: bool = False
    # each key version expires after 730 days; Key Vault wants rotation at least 7 days before that
    key_rotation_days: Annotated[int, Field(ge=30, le=700)] = 365


_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z"
_HOST = r"^(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z"
_RECEIVER = r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}\Z"


class EmailReceiver(_Model):
    name: Annotated[str, Field(pattern=_RECEIVER)]
    address: Annotated[str, Field(pattern=_EMAIL, max_length=254)]


class WebhookReceiver(_Model):
    name: Annotated[str, Field(pattern=_RECEIVER)]
    uri: Annotated[str, Field(pattern=r"^https://[^\s]+\Z", max_length=2048)]


class Receivers(_Model):
    emails: Annotated[list[EmailReceiver], Field(max_length=10)] = []
    webhooks: Annotated[list[WebhookReceiver], Field(max_length=10)] = []


class Thresholds(_Model):
    """Metric alert thresholds (Azure Monitor Baseline Alerts defaults)."""

    storage_availability_percent: Annotated[float, Field(gt=0, le=100)] = 99.0
    registry_pull_success_percent: Annotated[float, Field(gt=0, le=100)] = 99.0
    quota_utilization_percent: Annotated[float, Field(gt=0, le=100)] = 90.0
    unusable_nodes: Annotated[int, Field(ge=0, le=1000)] = 0
    failed_runs: Annotated[int, Field(ge=0, le=10000)] = 0


class Monitoring(_Model):
    """Logs, alerts and who gets them.

    service_health_services: Service Health service names to alert on; empty = every service (the default:
    Azure does not reject a misspelt name, such an alert just never fires).
    """

    log_retention_days: Annotated[int, Field(ge=30, le=730)] = 90
    service_health_services: Annotated[list[Annotated[str, Field(min_length=2, max_length=80)]],
                                       Field(max_length=40)] = []
    receivers: Receivers = Receivers()
    thresholds: Thresholds = Thresholds()


class Probe(_Model):
    """Traffic Manager health probe of each region's inference endpoint."""

    protocol: Literal["HTTP", "HTTPS", "TCP"] = "HTTPS"
    port: Annotated[int, Field(ge=1, le=65535)] = 443
    path: Annotated[str, Field(pattern=r"^/[^\s]*\Z", max_length=1024)] = "/health"
    expected_status_codes: Annotated[list[Annotated[str, Field(pattern=r"^[1-5]\d\d(-[1-5]\d\d)?\Z")]],
                                     Field(min_length=1, max_length=8)] = ["200-299"]
    interval_seconds: Literal[10, 30] = 30
    timeout_seconds: Annotated[int, Field(ge=5, le=10)] = 10
    tolerated_failures: Annotated[int, Field(ge=0, le=9)] = 3


class Routing(_Model):
    """Failover routing: a Traffic Manager profile, Priority method, active region first."""

    dns_name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]\Z")] | None = None
    ttl_seconds: Annotated[int, Field(ge=0, le=2147483647)] = 30
    # each hub region's inference host: endpoints[region], else host_template with {region} / {code}
    host_template: Annotated[str, Field(pattern=r"^[a-z0-9.{}-]+\Z", max_length=253)] | None = None
    endpoints: dict[str, Annotated[str, Field(pattern=_HOST)]] = {}
    probe: Probe = Probe()
    # the team's ingress that serves each region's scoring endpoint and its health path (an external dependency of
    # the inference path); assumed SLA, default Azure Application Gateway v2's 99.95%
    ingress_sla_percent: Annotated[float, Field(ge=90, lt=100)] = 99.95


class LocalBackend(_Model):
    """State files under a relative folder (ignored by git), one per stack."""

    type: Literal["local"]
    path: Annotated[str, Field(pattern=r"^(?!/)(?!.*\.\.)[A-Za-z0-9_./-]+\Z", max_length=200)] = "state"


class AzurermBackend(_Model):
    """State in an Azure storage account, Azure AD auth only (no key, no secret)."""

    type: Literal["azurerm"]
    resource_group_name: Annotated[str, Field(pattern=r"^[-\w.()]{0,89}[-\w()]\Z")]
    storage_account_name: Annotated[str, Field(pattern=r"^[a-z0-9]{3,24}\Z")]
    container_name: Annotated[str, Field(pattern=r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\Z")]
    key_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,200}\Z")] | None = None
    subscription_id: Annotated[
        str, Field(pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")
    ] | None = None


class CloudBackend(_Model):
    """HCP Terraform / Terraform Enterprise: one named workspace per stack."""

    type: Literal["cloud"]
    organization: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")]
    workspace_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,60}\Z")]
    project: Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9 _-]+\Z")] | None = None
    hostname: Annotated[str, Field(pattern=_HOST)] = "app.terraform.io"


Backend = Annotated[LocalBackend | AzurermBackend | CloudBackend, Field(discriminator="type")]


class Report(_Model):
    """Inputs of ``python main.py report``: price overrides (USD per unit, see app/prices.yaml)."""

    price_overrides: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z0-9_.]+\Z")], Annotated[float, Field(ge=0, le=1e7)]],
                               Field(max_length=100)] = {}


class RawConfig(_Model):
    """The YAML file's shape, one class per section."""

    naming: Naming
    tags: Tags
    regions: Regions
    subscription_id: Annotated[
        str, Field(pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")
    ] | None = None
    targets: Targets = Targets()
    registry: Registry = Registry()
    training_data: TrainingData = TrainingData()
    hub: Hub = Hub()
    compute: Compute
    release_gate: ReleaseGate = ReleaseGate()
    network: Network = Network()
    encryption: Encryption = Encryption()
    monitoring: Monitoring = Monitoring()
    routing: Routing | None = None
    backend: Backend = LocalBackend(type="local")
    report: Report = Report()
    resource_groups: ResourceGroups = ResourceGroups()


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
        n = self.raw.naming
        return naming.Namer(org=n.org, workload=n.workload, environment=n.environment)

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
        return self.raw.registry.zone_redundant and region(location).zones

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


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that also refuses anchors/aliases and duplicate keys.

    Aliases are how a small file smuggles a huge or self-referencing object
    ("billion laughs"); a platform config never needs them. Duplicate keys are
    silently last-wins in PyYAML, which hides mistakes.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in a platform config", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML anchors (&name) are not allowed in a platform config", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # noqa: D102
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping keys must be strings, found {key!r}", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_YAML11_BOOL = {"yes", "no", "on", "off", "y", "n"}


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    """Only ``true``/``false``: YAML 1.1 also reads yes/no/on/off as booleans, which surprises."""
    if node.value.lower() not in ("true", "false"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} would be read as a boolean (YAML 1.1): write true or false, or quote it "
            f"('{node.value}') for text", node.start_mark)
    return node.value.lower() == "true"


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """Only plain decimal integers: YAML 1.1 reads 010 as 8, 0x10 as 16, 1_000 as 1000 and 1:30 as 90."""
    if not re.fullmatch(r"[-+]?(0|[1-9][0-9]*)", node.value):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} would be read as {yaml.SafeLoader.construct_yaml_int(loader, node)!r} "
            f"(YAML 1.1 octal, hex, '_' or base-60): write the decimal number, or quote it ('{node.value}') for text",
            node.start_mark)
    return int(node.value)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    """No ``.inf``, ``.nan``, ``_`` or base-60 floats: none is a sensible config value."""
    if "_" in node.value or ":" in node.value or node.value.lower().lstrip("+-") in (".inf", ".nan"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a plain decimal number: write e.g. 99.95, or quote it for text",
            node.start_mark)
    return yaml.SafeLoader.construct_yaml_float(loader, node)


_StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _file_problem(code: str, value: object, allowed: str, hint: str = "") -> Problem:
    return Problem(code=code, path="(file)", value=value, allowed=allowed, hint=hint)


def read_yaml(path: str) -> dict[str, Any]:
    """Read a config file into plain data, or raise :class:`ConfigError`."""
    try:
        # O_NONBLOCK: a FIFO or device opens at once instead of blocking; then only a regular file is read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ConfigError(path, [_file_problem("not-a-file", path, "a regular YAML file",
                                                       "not a FIFO, device, socket or directory")])
            data = f.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(path, [_file_problem("no-file", path, "a path to an existing YAML file")]) from None
    except IsADirectoryError:
        raise ConfigError(path, [_file_problem("not-a-file", path, "a regular YAML file", "this is a directory")]) from None
    except (IsADirectoryError, PermissionError, OSError) as e:
        raise ConfigError(path, [_file_problem("unreadable", path, "a readable YAML file", e.strerror or "")]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(path, [_file_problem("too-large", f"over {MAX_CONFIG_BYTES} bytes", f"at most {MAX_CONFIG_BYTES} bytes")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(path, [_file_problem("not-utf8", f"byte {e.start}", "UTF-8 text")]) from None
    try:
        doc = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError(
            path, [_file_problem("yaml-syntax", where, "plain YAML mappings, lists and scalars", e.problem or str(e))]
        ) from None
    except (yaml.YAMLError, RecursionError, ValueError) as e:
        raise ConfigError(path, [_file_problem("yaml-syntax", type(e).__name__, "plain YAML", str(e)[:120])]) from None
    if doc is None:
        raise ConfigError(path, [_file_problem("empty", "an empty document", "a mapping with the sections naming, tags, regions, compute")])
    if not isinstance(doc, dict):
        raise ConfigError(path, [_file_problem("not-a-mapping", type(doc).__name__, "a mapping at the top level")])
    return doc


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


def _problems_beside(doc: dict[str, Any], error: ValidationError) -> list[Problem]:
    """With structural errors, still run the region, cross-field and name checks on what did validate: every
    problem of the file in one run. Fields that failed are put back to their defaults (or the default config's
    value where required) and their problems are not reported twice."""
    patched = _without_failed_fields(doc, error)
    if patched is None:
        return _region_problems_alone(doc)
    try:
        raw = RawConfig.model_validate(patched)
    except ValidationError:
        return _region_problems_alone(doc)
    failed = {_path(tuple(e.get("loc", ()))) for e in error.errors()}
    errors, _ = _cross_checks(raw)
    return [p for p in errors if not any(p.path == f or p.path.startswith(f + ".") or p.path.startswith(f + "[")
                                         for f in failed)]


def _without_failed_fields(doc: dict[str, Any], error: ValidationError) -> dict[str, Any] | None:
    import copy

    patched = copy.deepcopy(doc)
    fallback = _fallback_doc()
    for err in error.errors():
        loc = [p for p in err.get("loc", ()) if p not in ("local", "azurerm", "cloud")]
        if not loc:
            return None
        node, ref = patched, fallback
        for part in loc[:-1]:
            if isinstance(node, (dict, list)) and _has(node, part):
                node = node[part]
                ref = ref[part] if isinstance(ref, (dict, list)) and _has(ref, part) else None
            else:
                node = None
                break
        if not isinstance(node, (dict, list)) or not _has(node, loc[-1]):
            if err.get("type") == "missing" and isinstance(node, dict) and isinstance(ref, dict) and loc[-1] in ref:
                node[loc[-1]] = copy.deepcopy(ref[loc[-1]])
                continue
            return None
        if isinstance(ref, (dict, list)) and _has(ref, loc[-1]):
            node[loc[-1]] = copy.deepcopy(ref[loc[-1]])
        elif isinstance(node, dict):
            del node[loc[-1]]
        else:
            return None
    return patched


def _has(node: dict | list, key: Any) -> bool:
    return key in node if isinstance(node, dict) else isinstance(key, int) and 0 <= key < len(node)


def _fallback_doc() -> dict[str, Any]:
    """Values to stand in for fields that failed validation, so the other checks can still run."""
    return {
        "naming": {"org": "org", "workload": "work", "environment": "env"},
        "tags": {"owner": "owner", "cost_center": "cc"},
        "regions": {"primary": "eastus", "secondaries": ["westus"]},
        "compute": {"clusters": [{"name": "cluster", "vm_size": "Standard_D4s_v3"}]},
    }


def _region_problems_alone(doc: dict[str, Any]) -> list[Problem]:
    """When the file has structural errors, still report region mistakes: all problems at once."""
    try:
        regions = Regions.model_validate(doc.get("regions"))
    except ValidationError:
        return []
    return _region_checks(regions)[0]


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


# --------------------------------------------------------------------------- pass 1: structure


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the mapping at ``loc`` (for listing allowed keys)."""
    import typing

    model: Any = RawConfig
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return None
            model = field.annotation
        # unwrap Optional / Annotated / list / dict to the model inside
        for _ in range(4):
            args = [a for a in typing.get_args(model) if a is not type(None)]
            if isinstance(model, type) and issubclass(model, BaseModel):
                break
            model = args[-1] if args else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


_ENUMS: dict[str, type[enum.Enum]] = {e.__name__: e for e in (Mode, Redundancy, RegistrySku)}
_PATTERN_TEXT = {
    _LOWER_ALNUM: "lowercase letters and digits, starting with a letter",
    r"^Standard_[A-Za-z0-9_]+\Z": "an Azure VM size such as 'Standard_D4s_v3'",
    r"^[^<>%&\\?/]+\Z": "a tag name without < > % & \\ ? or /",
    r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z": "a subscription id (a GUID)",
    _IMAGE: "an image reference without registry host: REPOSITORY:TAG or REPOSITORY@sha256:DIGEST",
    _CIDR: "an IPv4 address space in CIDR notation, e.g. 10.10.0.0/16",
    _EMAIL: "an e-mail address",
    _HOST: "a DNS host name in lowercase, e.g. scoring-eus.contoso.com",
    _RECEIVER: "1-64 letters, digits, spaces, '_', '.' or '-'",
    r"^https://[^\s]+\Z": "an https:// URL",
    r"^/[^\s]*\Z": "an absolute URL path, e.g. /health",
    r"^[1-5]\d\d(-[1-5]\d\d)?\Z": "a status code or range, e.g. '200' or '200-299'",
    r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]\Z": "lowercase letters, digits and hyphens (a DNS label)",
    r"^[a-z0-9_.]+\Z": "a price key from app/prices.yaml",
    r"^[a-z0-9.{}-]+\Z": "a host name with {region} or {code}, e.g. scoring-{code}.fraud.contoso.com",
    r"^[-\w.()]{0,89}[-\w()]\Z": "a resource group name",
    r"^[a-z0-9]{3,24}\Z": "a storage account name: 3-24 lowercase letters and digits",
    r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\Z": "a blob container name: 3-63 lowercase letters, digits, single hyphens",
    r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,200}\Z": "letters, digits, '_', '.', '/', '-'",
    r"^(?!/)(?!.*\.\.)[A-Za-z0-9_./-]+\Z": "a relative folder without '..', e.g. state",
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z": "an HCP Terraform organization name",
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,60}\Z": "letters, digits, '_' and '-' (workspace names are <prefix>-<stack>)",
    r"^[A-Za-z0-9 _-]+\Z": "letters, digits, spaces, '_' and '-'",
    _ARM_ID: "an Azure resource id as `az ... show --query id` prints it: /subscriptions/<GUID>/resourceGroups/<group>"
             "[/providers/<namespace>/<type>/<name>], without $, %, {, } or spaces",
    _LOCATION: "an Azure location, e.g. eastus (or East US)",
    r"^(Standard|Premium)(V2)?_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)\Z": "the account's sku.name, e.g. Standard_GRS",
}


_TAGGED: dict[str, dict[str, type[BaseModel]]] = {
    "backend": {"local": LocalBackend, "azurerm": AzurermBackend, "cloud": CloudBackend},
}


def _from_pydantic(err: dict[str, Any]) -> Problem:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    value = err.get("input")
    tagged = _TAGGED.get(loc[0]) if loc else None
    if tagged is not None and len(loc) > 1 and loc[1] in tagged:
        # pydantic puts the union member's tag into the path; the user never wrote it
        member, loc = tagged[loc[1]], (loc[0], *loc[2:])
        if kind == "extra_forbidden":
            return Problem(code="unknown-key", path=_path(loc), value=loc[-1],
                           allowed=f"one of: {', '.join(member.model_fields)}", hint="remove it or fix its spelling")
    if kind in ("union_tag_invalid", "union_tag_not_found") and tagged is not None:
        return Problem(code="unknown-type", path=_path(loc) + ".type",
                       value=(value or {}).get("type") if isinstance(value, dict) else value,
                       allowed="one of " + ", ".join(repr(t) for t in tagged))
    if kind == "extra_forbidden":
        owner = _model_at(loc[:-1])
        known = ", ".join(owner.model_fields) if owner else "see config/default.yaml"
        return Problem(code="unknown-key", path=_path(loc), value=loc[-1], allowed=f"one of: {known}",
                       hint="remove it or fix its spelling")
    if kind == "missing":
        return Problem(code="missing", path=_path(loc), allowed="a value for this required field")
    ctx = err.get("ctx") or {}
    allowed = str(err.get("msg", "")).removeprefix("Input should be ").removeprefix("Value error, ")
    if kind == "is_instance_of" and ctx.get("class") in _ENUMS:
        allowed = "one of " + ", ".join(repr(m.value) for m in _ENUMS[ctx["class"]])
    elif kind == "string_pattern_mismatch":
        allowed = _PATTERN_TEXT.get(ctx.get("pattern", ""), allowed)
    return Problem(code=kind.replace("_", "-") or "invalid", path=_path(loc), value=value, allowed=allowed)


# --------------------------------------------------------------------------- pass 2: Azure rules


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
    if raw.registry.zone_redundant:
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

    # Resources the team already has: ids, names, and the settings that would force a replacement.
    from app.adoption import adoption_problems

    adopt_errors, adopt_warnings = adoption_problems(raw, hub_regions)
    errors += adopt_errors
    warnings += adopt_warnings

    if raw.release_gate.enabled and raw.release_gate.image is None:
        errors.append(Problem(code="gate-needs-image", path="release_gate.image",
                              allowed="the image to gate, e.g. fraud/scorer:1.4.2, when release_gate.enabled is true"))

    # Names of everything, checked against Azure's rules before synthesis.
    namer = naming.Namer(org=raw.naming.org, workload=raw.naming.workload, environment=raw.naming.environment)
    for i, p in enumerate(raw.hub.projects):
        for loc in hub_regions:
            errors += naming.check("ai_foundry_project", namer.project(p, loc), f"hub.projects[{i}]")
    if len({p.lower() for p in raw.hub.projects}) != len(raw.hub.projects):
        errors.append(Problem(code="duplicate-project", path="hub.projects", value=raw.hub.projects,
                              allowed="each project once, ignoring case (Azure compares names case-insensitively)"))
    hint_path = "naming (org/workload/environment)"
    errors += naming.check("container_registry", raw.registry.name or namer.container_registry(),
                           "registry.name" if raw.registry.name else hint_path)
    errors += naming.check("storage_account", raw.training_data.account_name or namer.storage_account(purpose="data"),
                           "training_data.account_name" if raw.training_data.account_name else hint_path)
    if raw.encryption.customer_managed_keys:
        errors += naming.check("key_vault", namer.key_vault_shared("cmk"), hint_path)
    if raw.encryption.registry_customer_managed_key and not raw.encryption.customer_managed_keys:
        errors.append(Problem(code="registry-cmk-alone", path="encryption.registry_customer_managed_key", value=True,
                              allowed="false, or customer_managed_keys: true (the registry's key lives in that vault)"))
    if raw.routing is not None:
        errors += naming.check("traffic_manager_dns", raw.routing.dns_name or namer.traffic_manager_dns(),
                               "routing.dns_name" if raw.routing.dns_name else hint_path)
    for loc in hub_regions:
        errors += naming.check("virtual_network", namer.virtual_network(loc), hint_path)
        errors += naming.check("private_endpoint", namer.private_endpoint(namer.hub(loc), "amlworkspace", loc), hint_path)
        errors += naming.check("storage_account", namer.storage_account(loc), hint_path)
        errors += naming.check("key_vault", namer.key_vault(loc), hint_path)
        errors += naming.check("ai_foundry_hub", namer.hub(loc), hint_path)
        errors += naming.check("log_analytics_workspace", namer.log_analytics_workspace(loc), hint_path)
    return _dedupe(errors), _dedupe(warnings)


PRICES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prices.yaml")


def _price_keys() -> frozenset[str]:
    with open(PRICES_FILE, encoding="utf-8") as f:
        return frozenset(yaml.safe_load(f)["prices"])


def price_override_problems(raw: RawConfig, price_keys: frozenset[str] | set[str]) -> list[Problem]:
    """Every ``report.price_overrides`` key names a price: a key of the price list or ``vm.<a cluster's vm_size>``.

    The one check, run by every command that loads the config (synth, report, failure-modes) and by the report
    against the price list it uses.
    """
    import difflib

    sizes = {c.vm_size for c in raw.compute.clusters} | {
        o.vm_size for c in raw.compute.clusters for o in c.regions.values() if o.vm_size}
    allowed = sorted(set(price_keys) | {"vm." + size.lower() for size in sizes})
    problems = []
    for key, value in raw.report.price_overrides.items():
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=2, cutoff=0.6)
        problems.append(Problem(code="unknown-price-key", path=f"report.price_overrides.{key}", value=value,
                                allowed="a price key of app/prices.yaml or vm.<a cluster's vm_size in lowercase>: "
                                + ", ".join(allowed),
                                hint=f"did you mean {' or '.join(close)}?" if close else ""))
    return problems


def cfg_namer(raw: RawConfig) -> naming.Namer:
    n = raw.naming
    return naming.Namer(org=n.org, workload=n.workload, environment=n.environment)


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
