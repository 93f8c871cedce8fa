"""Adopting what the team already has: Azure resource ids in, Terraform ``import`` blocks out.

Example::

    # config: training_data.existing_id, registry.existing_id, resource_groups.existing_ids.<shared|region>
    >>> from app.config import load_config
    >>> from app.adoption import imports
    >>> imports(load_config("config/default.yaml")).training_data is None   # nothing adopted by default
    True

Validation (:func:`adoption_problems`, run by ``app.config._cross_checks``) refuses, with exit 2, any id that
would not adopt the resource in place: the wrong resource type, no subscription GUID or resource group, another
name than the one the stacks give the resource, another resource group than the one the stacks put it in, or
another subscription than ``subscription_id``. Synth cannot see Azure, so for an adopted account and registry the
config states what they are today (``training_data.existing``, ``registry.existing``), and synth refuses a config
whose desired value for a setting azurerm 4.55 (or Azure) changes only by replacing the resource differs from
it. Sources, azurerm v4.55.0: ``internal/services/storage/storage_account_resource.go`` (schema ForceNew,
CustomizeDiff on ``account_kind`` and ``account_replication_type``),
``internal/services/containers/container_registry_resource.go`` (``zone_redundancy_enabled`` ForceNew;
``applyGeoReplicationLocations`` deletes and recreates a replica whose zone redundancy changes),
``internal/services/storage/storage_container_resource.go`` and ``internal/services/resource/
resource_group_resource.go``; Azure sets a registry's customer-managed key only when it is created.

The import ids the stacks emit are rebuilt from their parts with Azure's canonical spelling of the fixed
segments (``resourceGroups``, ``Microsoft.Storage/storageAccounts``) and the stacks' own spelling of the names:
azurerm parses an import id case-sensitively and reads ``name`` and ``resource_group_name`` back from it, so an
id copied with another casing (``resourcegroups``, ``RG-Fraud``) would fail the import or plan a replacement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.errors import Problem
from app.regions import REGIONS, region

if TYPE_CHECKING:  # pragma: no cover
    from app.config import ExistingAccount, ExistingRegistry, PlatformConfig, RawConfig

_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")
_SKU = re.compile(r"(Standard|Premium)(V2)?_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)\Z")
NON_ZONAL = ("LRS", "GRS", "RAGRS")
ZONAL = ("ZRS", "GZRS", "RAGZRS")
V = "azurerm 4.55"


@dataclass(frozen=True, slots=True)
class Kind:
    namespace: str | None  # None: a resource group
    type: str | None
    example: str


STORAGE_ACCOUNT = Kind("Microsoft.Storage", "storageAccounts",
                       "/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>")
CONTAINER_REGISTRY = Kind("Microsoft.ContainerRegistry", "registries",
                          "/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>")
RESOURCE_GROUP = Kind(None, None, "/subscriptions/<GUID>/resourceGroups/<name>")


@dataclass(frozen=True, slots=True)
class ArmId:
    """The parts of an Azure resource id that adoption needs."""

    subscription: str
    resource_group: str
    name: str  # the resource's name (the group's, for a resource group id)


def parse(value: str, kind: Kind, path: str) -> tuple[ArmId | None, list[Problem]]:
    """The id's parts, or the problems that make it unusable for ``kind`` (each names ``path``)."""
    segs = value.split("/")[1:]  # the pattern guarantees a leading "/"
    wanted = f"{kind.namespace}/{kind.type}" if kind.namespace else "a resource group"
    if len(segs) < 2 or segs[0].lower() != "subscriptions" or not segs[1]:
        return None, [Problem(code="id-subscription", path=path, value=value,
                              allowed=f"an id that starts with /subscriptions/<GUID>: {kind.example}")]
    if not _GUID.match(segs[1]):
        return None, [Problem(code="id-subscription", path=path, value=segs[1],
                              allowed=f"a subscription GUID after /subscriptions/: {kind.example}")]
    if len(segs) < 4 or segs[2].lower() != "resourcegroups" or not segs[3]:
        return None, [Problem(code="id-resource-group", path=path, value=value,
                              allowed=f"an id with its resource group (/resourceGroups/<group>): {kind.example}",
                              hint="a subscription-level id names no group, and adoption needs the group")]
    if kind.namespace is None:
        if len(segs) != 4:
            found = "/".join(segs[5:7]) if len(segs) >= 7 and segs[4].lower() == "providers" else value
            return None, [Problem(code="id-type", path=path, value=found,
                                  allowed=f"a resource group id (nothing after the group's name): {kind.example}")]
        return ArmId(subscription=segs[1], resource_group=segs[3], name=segs[3]), []
    ok = (len(segs) == 8 and segs[4].lower() == "providers" and segs[5].lower() == kind.namespace.lower()
          and segs[6].lower() == kind.type.lower() and bool(segs[7]))
    if not ok:
        found = "/".join(segs[5:7]) if len(segs) >= 7 and segs[4].lower() == "providers" else value
        if len(segs) == 4:
            found = "a resource group id"
        return None, [Problem(code="id-type", path=path, value=found,
                              allowed=f"a {wanted} id: {kind.example}",
                              hint="the resource's own id (az ... show --query id), not a child's or its group's")]
    return ArmId(subscription=segs[1], resource_group=segs[3], name=segs[7]), []


def normal_location(text: str) -> str:
    """``East US`` -> ``eastus``: how Azure and azurerm (location.Normalize) compare locations."""
    return text.replace(" ", "").lower()


def training_data_replication(raw: RawConfig) -> str:
    from app.config import PlatformConfig

    return PlatformConfig(raw=raw, source="").training_data_replication


def desired_key_type(raw: RawConfig, queue: bool) -> str:
    """What the stacks set for the training data's queue (table) encryption key type."""
    td = raw.training_data
    explicit = td.queue_encryption_key_type if queue else td.table_encryption_key_type
    return explicit or ("Account" if raw.encryption.customer_managed_keys else "Service")


def _family(replication: str) -> tuple[str, ...]:
    return ZONAL if replication in ZONAL else NON_ZONAL


def adoption_problems(raw: RawConfig, hub_regions: list[str]) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings of ``training_data.existing*``, ``registry.existing*`` and ``resource_groups``."""
    from app.config import cfg_account, cfg_namer

    errors: list[Problem] = []
    warnings: list[Problem] = []
    namer = cfg_namer(raw)
    primary = raw.regions.primary if raw.regions.primary in hub_regions else None
    shared_rg = namer.resource_group(primary, purpose="shared") if primary else None
    subs: dict[str, str] = {}  # path -> the id's subscription
    td, reg, rgs = raw.training_data, raw.registry, raw.resource_groups

    if not td.infrastructure_encryption:
        warnings.append(Problem(code="single-encryption", path="training_data.infrastructure_encryption", value=False,
                                allowed="true, unless an adopted account was created without it",
                                hint="the data is encrypted once (AES-256 at the service), not also at the "
                                     "infrastructure layer; Azure sets this only when an account is created"))

    # Resource groups: the shared stack's ("shared") and each hub region's.
    for key, rid in rgs.existing_ids.items():
        path = f"resource_groups.existing_ids.{key}"
        if key != "shared" and key not in hub_regions:
            errors.append(Problem(code="group-key", path=path, value=key,
                                  allowed=f"'shared' or a hub region: {', '.join(['shared', *hub_regions])}"))
            continue
        want_loc = primary if key == "shared" else key
        expected = shared_rg if key == "shared" else namer.resource_group(key)
        parts, found = parse(rid, RESOURCE_GROUP, path)
        errors += found
        if parts is not None:
            subs[path] = parts.subscription
            if expected is not None and parts.name.lower() != expected.lower():
                errors.append(Problem(
                    code="id-name", path=path, value=parts.name,
                    allowed=f"the group the stacks use: {expected!r}",
                    hint=f"the id names {parts.name!r}, the config derives {expected!r} (from naming and the "
                         f"region); a group's name is ForceNew, so another group cannot be adopted as this one"))
        loc = rgs.existing_locations.get(key)
        loc_path = f"resource_groups.existing_locations.{key}"
        if loc is None:
            errors.append(Problem(code="missing", path=loc_path,
                                  allowed=f"the group's location (az group show --name {expected or '<group>'} "
                                          f"--query location)",
                                  hint=f"a resource group's location is ForceNew in {V}: synth checks it is {want_loc}"))
        elif want_loc is not None and normal_location(loc) != want_loc:
            errors.append(Problem(
                code="forcenew-location", path=loc_path, value=loc,
                allowed=f"{want_loc}: the stacks put this group there",
                hint=f"location is ForceNew on azurerm_resource_group in {V}: the plan would replace the group "
                     f"(azurerm refuses to delete a group that still holds resources); a group in {loc} cannot be "
                     f"adopted as this one"))
    for key in rgs.existing_locations:
        if key not in rgs.existing_ids:
            errors.append(Problem(code="location-without-id", path=f"resource_groups.existing_locations.{key}",
                                  value=key, allowed="a key of resource_groups.existing_ids",
                                  hint="a location is read only for a group that is adopted"))

    adopting_shared = td.existing_id is not None or reg.existing_id is not None
    if adopting_shared and "shared" not in rgs.existing_ids:
        errors.append(Problem(
            code="adopt-needs-group", path="resource_groups.existing_ids.shared",
            allowed=f"the id of the resource group that holds the adopted account or registry ({shared_rg or 'the shared group'})",
            hint="that group exists already: the stacks must adopt it too, or the first apply fails creating it"))

    # The training data account.
    if td.existing_id is None:
        if td.existing is not None:
            warnings.append(Problem(code="existing-without-id", path="training_data.existing", value="set",
                                    allowed="nothing, or training_data.existing_id with it",
                                    hint="ignored: what an account is today is read only for an adopted account"))
    else:
        path = "training_data.existing_id"
        account = cfg_account(raw)
        parts, found = parse(td.existing_id, STORAGE_ACCOUNT, path)
        errors += found
        if parts is not None:
            subs[path] = parts.subscription
            if parts.name != account:  # storage account names are lowercase: compared exactly
                source = "training_data.account_name" if td.account_name else "derived from naming"
                errors.append(Problem(
                    code="id-name", path=path, value=parts.name,
                    allowed=f"the name the stacks give the account: {account!r} ({source})",
                    hint=f"the id names {parts.name!r}, the config {account!r}: set training_data.account_name: "
                         f"{parts.name} to adopt that account"))
            errors += _group_check(path, parts, shared_rg, "account")
        if td.existing is None:
            errors.append(Problem(
                code="missing", path="training_data.existing",
                allowed="what the account is today: location, account_kind, sku_name, is_hns_enabled, "
                        "infrastructure_encryption_enabled, queue_encryption_key_type, table_encryption_key_type, "
                        "dns_endpoint_type, account_immutability_policy, container_exists, management_policy_exists",
                hint="synth cannot see Azure; these are the settings a change of which replaces the account "
                     "(docs/adoption.md)"))
        else:
            e, w = _account_guard(raw, td.existing, primary)
            errors += e
            warnings += w

    # The registry.
    if reg.existing_id is None:
        if reg.existing is not None:
            warnings.append(Problem(code="existing-without-id", path="registry.existing", value="set",
                                    allowed="nothing, or registry.existing_id with it",
                                    hint="ignored: what a registry is today is read only for an adopted registry"))
    else:
        path = "registry.existing_id"
        name = _registry_name(raw)
        parts, found = parse(reg.existing_id, CONTAINER_REGISTRY, path)
        errors += found
        if parts is not None:
            subs[path] = parts.subscription
            if parts.name.lower() != name.lower():  # Azure compares registry names case-insensitively
                source = "registry.name" if reg.name else "derived from naming"
                errors.append(Problem(
                    code="id-name", path=path, value=parts.name,
                    allowed=f"the name the stacks give the registry: {name!r} ({source})",
                    hint=f"the id names {parts.name!r}, the config {name!r}: set registry.name: {parts.name} "
                         f"to adopt that registry"))
            errors += _group_check(path, parts, shared_rg, "registry")
        if reg.existing is None:
            errors.append(Problem(
                code="missing", path="registry.existing",
                allowed="what the registry is today: location, zone_redundancy_enabled, encryption, replicas",
                hint="synth cannot see Azure; these are the settings a change of which replaces the registry "
                     "or a replica (docs/adoption.md)"))
        else:
            e, w = _registry_guard(raw, reg.existing, primary, hub_regions)
            errors += e
            warnings += w

    # One subscription: the one the stacks deploy to.
    if subs:
        if raw.subscription_id is not None:
            for path, sub in subs.items():
                if sub.lower() != raw.subscription_id.lower():
                    errors.append(Problem(
                        code="id-subscription-mismatch", path=path, value=sub,
                        allowed=f"an id in subscription_id {raw.subscription_id}: the stacks deploy there",
                        hint="Terraform would import a resource of another subscription and create everything "
                             "else beside it in this one"))
        else:
            first_path, first = next(iter(subs.items()))
            for path, sub in subs.items():
                if sub.lower() != first.lower():
                    errors.append(Problem(
                        code="id-subscription-mismatch", path=path, value=sub,
                        allowed=f"the subscription of {first_path} ({first}): the stacks deploy to one subscription"))
            if not any(p.code == "id-subscription-mismatch" for p in errors):
                warnings.append(Problem(
                    code="adopt-subscription", path="subscription_id", value="unset",
                    allowed=f"subscription_id: {first} (the adopted resources' subscription)",
                    hint="unset, Terraform deploys to ARM_SUBSCRIPTION_ID; set it so synth checks the ids against it"))
    return errors, warnings


def _account_name(raw: RawConfig) -> str:
    from app.config import cfg_account

    return cfg_account(raw)


def _registry_name(raw: RawConfig) -> str:
    from app.config import cfg_namer

    return raw.registry.name or cfg_namer(raw).container_registry()


def _group_check(path: str, parts: ArmId, shared_rg: str | None, what: str) -> list[Problem]:
    if shared_rg is None or parts.resource_group.lower() == shared_rg.lower():
        return []
    return [Problem(
        code="id-group", path=path, value=parts.resource_group,
        allowed=f"the shared resource group {shared_rg!r}, where the stacks put the {what}",
        hint=f"resource_group_name is ForceNew in {V}: a {what} in {parts.resource_group!r} would be replaced, "
             f"not adopted (move it first: az resource move)")]


def _account_guard(raw: RawConfig, ex: ExistingAccount, primary: str | None) -> tuple[list[Problem], list[Problem]]:
    """The stated account against what the stacks would set: ForceNew differences are errors."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    base = "training_data.existing"
    td = raw.training_data

    if primary is not None and normal_location(ex.location) != primary:
        errors.append(Problem(
            code="forcenew-location", path=f"{base}.location", value=ex.location,
            allowed=f"{primary} (regions.primary: the stacks put the training data in the primary region)",
            hint=f"location is ForceNew on azurerm_storage_account in {V}: the plan would replace the account; "
                 f"adopt it with a primary region where it is"))

    m = _SKU.match(ex.sku_name)
    assert m is not None  # the model's pattern
    tier, v2, existing = m.group(1), m.group(2), m.group(3)
    if tier != "Standard" or v2:
        errors.append(Problem(
            code="forcenew-tier", path=f"{base}.sku_name", value=ex.sku_name,
            allowed="a Standard general-purpose account: Standard_<replication>",
            hint=f"account_tier (and provisioned_billing_model_version) are ForceNew in {V}, and the stacks create "
                 f"Standard (Premium and V2 accounts have no geo-redundant copy): the plan would replace it"))
    if ex.account_kind in ("BlockBlobStorage", "FileStorage"):
        errors.append(Problem(
            code="forcenew-kind", path=f"{base}.account_kind", value=ex.account_kind,
            allowed="StorageV2 (or Storage / BlobStorage, upgraded in place)",
            hint=f"the stacks create StorageV2; {ex.account_kind} is a Premium-only kind, so account_tier "
                 f"(ForceNew in {V}) would replace the account, and Azure cannot convert it"))
    elif ex.account_kind in ("Storage", "BlobStorage"):
        warnings.append(Problem(
            code="kind-upgrade", path=f"{base}.account_kind", value=ex.account_kind,
            allowed="StorageV2",
            hint=f"the first apply upgrades the account to StorageV2 in place ({V} replaces it only when the old "
                 f"kind is not Storage and the new one is not StorageV2); Azure cannot undo the upgrade, and "
                 f"StorageV2 prices transactions differently"))

    desired = training_data_replication(raw)
    if tier == "Standard" and not v2:
        if _family(existing) != _family(desired):
            same = "GRS" if existing in ("LRS", "GRS") else "RAGRS" if existing == "RAGRS" else \
                "GZRS" if existing in ("ZRS", "GZRS") else "RAGZRS"
            errors.append(Problem(
                code="forcenew-replication", path="training_data.redundancy", value=desired,
                allowed=f"a redundancy of the existing account's family ({existing}: "
                        f"{', '.join(_family(existing))}), e.g. training_data.redundancy: {same}",
                hint=f"{V} replaces an account whose account_replication_type moves between "
                     f"{{{', '.join(NON_ZONAL)}}} and {{{', '.join(ZONAL)}}} (CustomizeDiff ForceNewIfChange); "
                     f"{existing} -> {desired} is such a move. Set training_data.redundancy: {same} to adopt it as "
                     f"it is, or convert it with Azure first (az storage account migration start --sku "
                     f"Standard_{desired}) and state the new sku_name"))
        elif existing != desired:
            warnings.append(Problem(
                code="replication-change", path="training_data.redundancy", value=desired,
                allowed=f"{existing} to keep the account as it is",
                hint=f"the first apply changes account_replication_type in place, {existing} -> {desired} "
                     f"(same family: no replacement); a new geo copy of the data is billed as bandwidth"))

    if ex.is_hns_enabled:
        errors.append(Problem(
            code="forcenew-hns", path=f"{base}.is_hns_enabled", value=True,
            allowed="false: an account without a hierarchical namespace",
            hint=f"is_hns_enabled is ForceNew in {V} and the platform needs blob versioning and point-in-time "
                 f"restore on the training data, which Azure does not offer with a hierarchical namespace: the "
                 f"plan would replace the account"))

    if ex.infrastructure_encryption_enabled != td.infrastructure_encryption:
        errors.append(Problem(
            code="forcenew-infrastructure-encryption", path="training_data.infrastructure_encryption",
            value=td.infrastructure_encryption,
            allowed=f"{str(ex.infrastructure_encryption_enabled).lower()}, as the existing account",
            hint=f"infrastructure_encryption_enabled is ForceNew in {V} (Azure sets it only when an account is "
                 f"created): set training_data.infrastructure_encryption: "
                 f"{str(ex.infrastructure_encryption_enabled).lower()} to adopt the account as it is"))

    for queue, name in ((True, "queue"), (False, "table")):
        want = desired_key_type(raw, queue)
        have = ex.queue_encryption_key_type if queue else ex.table_encryption_key_type
        if want != have:
            note = (" (its queues and tables then stay on Microsoft-managed keys; the blobs use the "
                    "customer-managed key)" if have == "Service" and raw.encryption.customer_managed_keys else "")
            errors.append(Problem(
                code=f"forcenew-{name}-key-type", path=f"training_data.{name}_encryption_key_type", value=want,
                allowed=f"{have}, as the existing account",
                hint=f"{name}_encryption_key_type is ForceNew in {V} (fixed when an account is created): set "
                     f"training_data.{name}_encryption_key_type: {have} to adopt the account as it is{note}"))

    if ex.dns_endpoint_type != "Standard":
        errors.append(Problem(
            code="forcenew-dns-endpoint", path=f"{base}.dns_endpoint_type", value=ex.dns_endpoint_type,
            allowed="Standard",
            hint=f"dns_endpoint_type is ForceNew in {V} and the stacks leave it at its default, Standard "
                 f"(<account>.blob.core.windows.net, which the private DNS records use): the plan would replace "
                 f"the account"))
    if ex.account_immutability_policy:
        errors.append(Problem(
            code="forcenew-immutability", path=f"{base}.account_immutability_policy", value=True,
            allowed="false: no account-level immutability policy",
            hint=f"{V} reads it into immutability_policy, a ForceNew block the stacks do not set: the plan would "
                 f"replace the account (training_data.immutability_days sets a container policy instead)"))

    if ex.container_exists:
        deny = ex.container_deny_encryption_scope_override
        if deny is None:
            errors.append(Problem(
                code="missing", path=f"{base}.container_deny_encryption_scope_override",
                allowed=f"true or false: az storage container-rm show --storage-account <account> --name "
                        f"{td.container_name} --query denyEncryptionScopeOverride",
                hint="the container is adopted; this setting of it is ForceNew"))
        elif deny:
            errors.append(Problem(
                code="forcenew-container", path=f"{base}.container_deny_encryption_scope_override", value=True,
                allowed="false",
                hint=f"azurerm_storage_container's encryption_scope_override_enabled is ForceNew in {V} and the "
                     f"stacks leave it at its default, true: the plan would replace the container "
                     f"{td.container_name!r} and delete its blobs"))
    if ex.management_policy_exists:
        warnings.append(Problem(
            code="policy-replaced", path=f"{base}.management_policy_exists", value=True,
            allowed="a lifecycle policy the platform may overwrite",
            hint=f"it is imported and its rules are replaced by the platform's one rule (delete blob versions "
                 f"{td.version_retention_days} days after they were created): tiering or deletion rules the "
                 f"team relies on stop with the first apply"))
    warnings.append(Problem(
        code="adopt-in-place", path="training_data.existing_id", value=_account_name(raw),
        allowed="an account whose consumers are ready for the platform's settings",
        hint="the first apply changes the adopted account in place to the platform's settings: Shared Key "
             "access off (clients use Azure AD), public network access off (private endpoints), TLS 1.2, "
             "versioning, soft delete, point-in-time restore, a CanNotDelete lock, the platform's tags only; "
             "read the plan's in-place changes with the data's consumers"))
    return errors, warnings


def _registry_guard(raw: RawConfig, ex: ExistingRegistry, primary: str | None,
                    hub_regions: list[str]) -> tuple[list[Problem], list[Problem]]:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    base = "registry.existing"
    if primary is not None:
        if normal_location(ex.location) != primary:
            errors.append(Problem(
                code="forcenew-location", path=f"{base}.location", value=ex.location,
                allowed=f"{primary} (regions.primary: the registry's home is the primary region)",
                hint=f"location is ForceNew on azurerm_container_registry in {V}: the plan would replace the "
                     f"registry and every image in it"))
        want = raw.registry.zone_redundant and region(primary).zones
        if ex.zone_redundancy_enabled != want:
            fix = "false" if not ex.zone_redundancy_enabled else "true"
            errors.append(Problem(
                code="forcenew-zone-redundancy", path="registry.zone_redundant", value=raw.registry.zone_redundant,
                allowed=f"{fix}, as the existing registry (zone redundancy "
                        f"{'on' if ex.zone_redundancy_enabled else 'off'})",
                hint=f"zone_redundancy_enabled is ForceNew on azurerm_container_registry in {V}: the plan would "
                     f"replace the registry; set registry.zone_redundant: {fix} to adopt it as it is"))
    want_cmk = raw.encryption.registry_customer_managed_key
    if ex.encryption != want_cmk:
        if ex.encryption:
            hint = ("Azure cannot turn a registry's customer-managed key off, and the stacks would leave that key "
                    "unmanaged: set encryption.registry_customer_managed_key: true (with customer_managed_keys: true)")
        else:
            hint = ("Azure sets a registry's customer-managed key only when the registry is created: set "
                    "encryption.registry_customer_managed_key: false to adopt it as it is")
        errors.append(Problem(code="creation-only-encryption", path="encryption.registry_customer_managed_key",
                              value=want_cmk, allowed=f"{str(ex.encryption).lower()}, as the existing registry",
                              hint=hint))
    elif ex.encryption:
        warnings.append(Problem(
            code="registry-key-switch", path=f"{base}.encryption", value=True,
            allowed="a registry whose key may move to the platform's vault",
            hint="the first apply points the registry at the platform's key and user-assigned identity (replacing "
                 "its identities): keep its current key and identity until that apply has succeeded"))
    secondaries = set(hub_regions[1:] if primary else hub_regions)
    for loc, rep in ex.replicas.items():
        path = f"{base}.replicas.{loc}"
        if loc == primary:
            continue  # az acr replication list names the home region too
        if loc not in REGIONS:
            errors.append(Problem(code="unknown-region", path=path, value=loc,
                                  allowed="an Azure region name in lowercase, as az acr replication list prints it"))
            continue
        if loc in secondaries:
            want = raw.registry.zone_redundant and region(loc).zones
            if rep.zone_redundancy_enabled != want:
                errors.append(Problem(
                    code="replica-zone-redundancy", path=f"{path}.zone_redundancy_enabled",
                    value=rep.zone_redundancy_enabled,
                    allowed=f"{str(want).lower()}: what the stacks set for the {loc} replica",
                    hint=f"{V} deletes and recreates a replica whose zone redundancy changes (the plan shows an "
                         f"in-place update): {loc} would pull from another region until it resyncs; "
                         f"registry.zone_redundant applies to every copy where the region has zones"))
        else:
            warnings.append(Problem(
                code="replica-removed", path=path, value=loc,
                allowed=f"a replica in a hub region ({', '.join(sorted(secondaries))})",
                hint=f"the first apply deletes the {loc} replica; add {loc} to regions.secondaries to keep it"))
    warnings.append(Problem(
        code="adopt-in-place", path="registry.existing_id", value=_registry_name(raw),
        allowed="a registry whose clients are ready for the platform's settings",
        hint="the first apply changes the adopted registry in place: admin user and anonymous pull off (pulls "
             "use Azure AD), public network access and export off (private endpoints), the untagged-manifest "
             "retention, managed identities the platform does not set removed, a CanNotDelete lock, the "
             "platform's tags only; read the plan's in-place changes"))
    return errors, warnings


# --------------------------------------------------------------------------- what the stacks import


@dataclass(frozen=True)
class Imports:
    """Canonical import ids, by what they adopt (None / empty: created, not adopted)."""

    shared_group: str | None = None
    region_groups: dict[str, str] = field(default_factory=dict)
    training_data: str | None = None
    training_data_container: str | None = None
    training_data_policy: str | None = None
    registry: str | None = None


def _rg_id(sub: str, group: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}"


def imports(cfg: PlatformConfig) -> Imports:
    """The ids the stacks import, rebuilt in the spelling azurerm parses and reads back (see the module doc)."""
    raw, n = cfg.raw, cfg.namer
    primary = raw.regions.primary
    shared_rg = n.resource_group(primary, purpose="shared")

    def sub(value: str) -> str:
        return value.split("/")[2]

    groups = raw.resource_groups.existing_ids
    region_groups = {loc: _rg_id(sub(rid), n.resource_group(loc)) for loc, rid in groups.items() if loc != "shared"}
    td = raw.training_data
    account = container = policy = None
    if td.existing_id is not None:
        account = (f"{_rg_id(sub(td.existing_id), shared_rg)}/providers/Microsoft.Storage/storageAccounts/"
                   f"{cfg.data_account_name}")
        if td.existing is not None and td.existing.container_exists:
            container = f"{account}/blobServices/default/containers/{td.container_name}"
        if td.existing is not None and td.existing.management_policy_exists:
            policy = f"{account}/managementPolicies/default"
    registry = None
    if raw.registry.existing_id is not None:
        registry = (f"{_rg_id(sub(raw.registry.existing_id), shared_rg)}/providers/Microsoft.ContainerRegistry/"
                    f"registries/{cfg.registry_name}")
    return Imports(
        shared_group=_rg_id(sub(groups["shared"]), shared_rg) if "shared" in groups else None,
        region_groups=region_groups,
        training_data=account,
        training_data_container=container,
        training_data_policy=policy,
        registry=registry,
    )
