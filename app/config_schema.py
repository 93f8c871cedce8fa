"""The YAML file's shape: :class:`RawConfig`, one strict pydantic class per section, and its closed sets.

Example::

    >>> from app.config_schema import RawConfig
    >>> raw = RawConfig.model_validate({
    ...     "naming": {"org": "contoso", "workload": "fraud", "environment": "prod"},
    ...     "tags": {"owner": "ai-platform@contoso.com", "cost_center": "CC-4711"},
    ...     "regions": {"primary": "eastus", "secondaries": ["westus"]},
    ...     "compute": {"clusters": [{"name": "cpu-train", "vm_size": "Standard_D4s_v3"}]},
    ... })
    >>> raw.registry.sku.value, raw.training_data.redundancy.value, raw.backend.type
    ('Premium', 'GRS', 'local')

This is pass 1 of validation, the structure alone: types, unknown keys
(``extra="forbid"``), ranges, closed sets, patterns (each ends in ``\\Z``: a
``$`` would let a final newline through). Every model is frozen and strict.
The rules that need several fields at once are :mod:`app.config_checks`;
pydantic's errors become :class:`~app.errors.Problem` s in
:mod:`app.config_errors`. Read a config with :func:`app.config.load_config`,
which re-exports every public name defined here.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, regex_engine="python-re")


class Naming(_Model):
    """Inputs of every resource name (see :mod:`app.naming`)."""

    org: Annotated[str, Field(min_length=2, max_length=10, pattern=_LOWER_ALNUM)]
    workload: Annotated[str, Field(min_length=2, max_length=10, pattern=_LOWER_ALNUM)]
    environment: Annotated[str, Field(min_length=2, max_length=8, pattern=_LOWER_ALNUM)]
    # replaces org + workload + environment in the globally unique names (storage accounts, key vaults, the
    # registry) where those three are too long together; names are fixed at creation, so decide before the first apply
    short_name: Annotated[str, Field(min_length=2, max_length=16, pattern=_LOWER_ALNUM)] | None = None


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
    # "where-available" (default): every copy in a region with availability zones; true: the same, and a warning
    # for each hub region without zones (you asked for every copy); false: none
    zone_redundant: bool | Literal["where-available"] = "where-available"
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
    # the hub's own storage keeps shared keys (Azure ML signs SAS with them): a key-signed SAS valid for longer
    # than sas_expiration_hours is refused ("Block", azurerm >= 4.45.0, #30599) or only logged ("Log")
    sas_expiration_action: Literal["Block", "Log"] = "Block"
    sas_expiration_hours: Annotated[int, Field(ge=1, le=8760)] = 24


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
    registry's encryption only at creation) and read docs/security.md: Azure reaches the key for a registry
    only through trusted-service access, which a firewalled vault grants to system identities only.
    hub_customer_managed_key: each hub's own metadata too (the hub's ``encryption``: a key in its region's
    vault). Off unless set ``true``, which needs ``customer_managed_keys: true`` (the key lives in that
    region's CMK setup). Not on by default, though a regulated platform wants it, until a first apply on
    Azure confirms two things the stacks cannot: the hub pins a versioned key (azurerm 4.55 refuses a
    versionless id), so rotation never reaches it and the version's expiry would stop the hub unless it is
    moved by hand; and Microsoft's Azure ML CMK how-to grants the "Azure Cosmos DB" app access to the
    vault, whose per-tenant object id azurerm cannot look up. Fixed when a hub is
    created (ForceNew in azurerm 4.55; Microsoft: "CMK cannot be added to an existing hub"); Azure then
    creates Cosmos DB, AI Search and a storage account billed to the subscription (docs/security.md).
    """

    customer_managed_keys: bool = True
    registry_customer_managed_key: bool = False
    hub_customer_managed_key: bool | None = None
    # each key version expires after 730 days; Key Vault wants rotation at least 7 days before that
    key_rotation_days: Annotated[int, Field(ge=30, le=700)] = 365

    @property
    def hub_key(self) -> bool:
        """``hub_customer_managed_key`` as it takes effect: only when set true (unset: off)."""
        return bool(self.hub_customer_managed_key)


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


class CloudWorkspaces(_Model):
    """Present: synth also writes the ``<workload>-<env>-workspaces`` stack (docs/terraform-teams.md)."""

    # where plans and applies run: local = on your runners (they reach the private endpoints), HCP Terraform
    # keeps state and locks; agent = an agent pool in (or peered to) the VNets; remote = HCP's own workers
    execution_mode: Literal["local", "agent", "remote"] = "local"
    agent_pool: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,89}\Z")] | None = None  # with agent


class CloudBackend(_Model):
    """HCP Terraform / Terraform Enterprise: one named workspace per stack."""

    type: Literal["cloud"]
    organization: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")]
    workspace_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,60}\Z")]
    project: Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9 _-]+\Z")] | None = None
    hostname: Annotated[str, Field(pattern=_HOST)] = "app.terraform.io"
    workspaces: CloudWorkspaces | None = None  # unset: the workspaces are made by hand (or by `terraform init`)


Backend = Annotated[LocalBackend | AzurermBackend | CloudBackend, Field(discriminator="type")]


class Usage(_Model):
    """What the platform is used for in a month, priced by the report as estimates (app/report/usage.py)."""

    # node-hours of training jobs a month for each cluster (beyond its min_nodes), in the active region
    # (active-passive) or spread over every hub region (active-active); by cluster name to differ
    training_node_hours_month: Annotated[float, Field(ge=0, le=1e7)] = 200
    training_node_hours_by_cluster: dict[Annotated[str, Field(max_length=64)], Annotated[float, Field(ge=0, le=1e7)]] = {}
    # full reads of training_data.size_tb a month, through the hubs' private endpoints
    training_data_passes_month: Annotated[float, Field(ge=0, le=1000)] = 1
    # the team's inference instances (not built by these stacks): size, and how many serve in each serving region
    # all month; standby instances run in each passive region (active-passive only)
    inference_vm_size: Annotated[str, Field(pattern=r"^Standard_[A-Za-z0-9_]+\Z")] = "Standard_D4s_v3"
    inference_instances: Annotated[int, Field(ge=0, le=1000)] = 2
    inference_standby_instances: Annotated[int, Field(ge=0, le=1000)] = 0
    # GB of images pushed a month; geo-replication copies each to every replica region
    images_pushed_gb_month: Annotated[float, Field(ge=0, le=1e7)] = 50


class Report(_Model):
    """Inputs of ``python main.py report``: price overrides (USD per unit, see app/prices.yaml), units, usage."""

    price_overrides: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z0-9_.]+\Z")], Annotated[float, Field(ge=0, le=1e7)]],
                               Field(max_length=100)] = {}
    # how training_data.size_tb becomes billed GB: decimal 1 TB = 1,000 GB; binary reads size_tb as TiB, 1,024 GiB each
    storage_unit: Literal["decimal", "binary"] = "decimal"
    usage: Usage = Usage()


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
