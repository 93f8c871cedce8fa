"""A hub-based Microsoft Foundry hub (``azurerm_ai_foundry``) with its projects.

Example::

    FoundryHub(stack, "hub", HubProps(
        name="hub-fraud-prod-eus", location="eastus", resource_group=rg,
        storage=hub_storage, key_vault=vault, insights=monitoring.insights,
        registry=shared.registry, projects=(("fraud-detection", "proj-fraud-detection-eus"),),
        grants=(Grant(role="AcrPull", target=shared.registry),),
    ))

The hub gets a system-assigned identity; ``grants`` become Azure RBAC role
assignments for it (no admin keys anywhere). Its managed network allows only
approved outbound traffic: private endpoints to its own storage, key vault and
registry (added by Azure) and to each ``outbound`` target (e.g. the training
data); public network access is off (reach it through a private endpoint).

Since 2025-04-30 Azure no longer approves the private endpoints of a managed
network by itself: the hub's identity holds "Azure AI Enterprise Network
Connection Approver" on the target of every ``outbound`` rule, and each rule
(and the network's provisioning) waits for that role assignment and then for
``rbac_propagation_wait`` (a ``time_sleep``: RBAC takes up to 10 minutes to
take effect, and an endpoint left unapproved is never approved later). Sub-resources
the azurerm rule refuses (``blob_secondary``: it allows only blob, table, queue,
file, web and dfs for storage in 4.55) become an AzAPI ``outboundRules`` resource. Hubs and projects cannot be
soft-deleted, so a CanNotDelete lock and ``prevent_destroy`` guard the hub.
Note: the lock covers the hub's child resources too (its compute clusters):
deleting or recreating a cluster needs the lock lifted first.

``encryption`` (a :class:`HubEncryption`) encrypts the hub's own metadata with a
customer-managed key. It is fixed when the hub is created: azurerm 4.55 makes the
whole block ForceNew, and Microsoft allows it only at creation ("CMK cannot be added
to an existing hub after creation", "You cannot switch from customer-managed keys to
Microsoft-managed keys"), so turning it on or off later plans a new hub, which
``prevent_destroy`` refuses. What the hub then gets, and why:

- ``encryption {key_vault_id, key_id, user_assigned_identity_id}``. ``key_id`` must be a
  *versioned* key id: the provider validates it with
  ``keyvault.ValidateNestedItemID(keyvault.VersionTypeVersioned, ...)`` (a versionless id is
  refused at plan). ``user_assigned_identity_id`` is the identity that reaches the key: the
  hub's own system-assigned identity does not exist before the hub, so it cannot hold a key
  role in advance (RBAC vaults), and the hub is created with the key already in use.
  Source: hashicorp/terraform-provider-azurerm
  internal/services/machinelearning/ai_foundry_resource.go@0102f942bf0f9a1d26fef87d7894d4635aec1149
  (schema: ``encryption`` ``ForceNew: true``; ``expandEncryption`` sends
  ``identity.userAssignedIdentity`` and ``status: Enabled``).
- ``identity`` "SystemAssigned, UserAssigned" with ``identity_ids`` = that identity, and no
  ``primary_user_assigned_identity``: the system-assigned identity stays the hub's primary
  (workspace) identity, so every grant above (AcrPull, Storage Blob Data Reader, the approver
  role) and everything Azure assigns the hub itself still applies; the user-assigned identity
  serves only the key. Microsoft allows exactly this split ("System-assigned+user-assigned
  (SAI+UAI)"; "For a workspace with customer-managed keys for encryption, you can pass in a
  user-assigned managed identity to authenticate from storage to Key Vault ... This managed
  identity can be the same or different as the workspace primary user assigned managed
  identity"; "Add a user-assigned managed identity to a workspace in addition to a
  system-assigned identity ... without changing the existing workspace identity"; and "Once a
  workspace is created with SAI identity type, it can be updated to SAI+UAI, but not back").
  Source: MicrosoftDocs/azure-ai-docs
  articles/machine-learning/how-to-identity-based-service-authentication.md@014addf7c682f2874c82890aed81706cdcdf504b.
  azurerm's page says ``primary_user_assigned_identity`` "must be set when enabling encryption
  with a user assigned identity" (website/docs/r/ai_foundry.html.markdown@0a830d4090cbb35bfe22f18df94eae5e9897a4d4),
  but the provider does not enforce it, and its own acceptance test sets it only with
  ``identity.type = "UserAssigned"``, where no system identity exists to be primary
  (ai_foundry_resource_test.go@06035b8edfb28955f35b415a7133251c6e213596,
  ``encryptionWithUserAssignedId``). Making the user-assigned identity primary would move the
  hub's whole identity onto it, and Microsoft's table then requires that identity to hold:
  Contributor on the workspace; Contributor (+ optionally Storage Blob Data Contributor) on its
  storage; Contributor + Key Vault Administrator on its key vault (RBAC); Contributor on the
  registry; Contributor on Application Insights (same doc, "User-assigned managed identity").
  That is far more than wrap/unwrap on one key, for an identity that also holds the region's
  storage key, so the stacks keep the system-assigned identity primary.
- ``ignore_changes`` adds ``encryption[0].key_id`` and ``primary_user_assigned_identity``. The
  hub keeps the key *version* it was created with (Microsoft: "Rotate within same Key Vault;
  update hub to new key URI"); azurerm would replace the hub for any change of ``key_id``, so
  pointing the hub at a newer version is done outside Terraform and must not plan a new hub.
  (``azurerm_key_vault_key.id`` itself stays the creation version after rotation: its Read
  keeps ``d.Id()``; key_vault_key_resource.go@0100768b4bc35c267a67177056595df1e7a83338.)
  ``primary_user_assigned_identity`` is never set here, and azurerm's Update parses it
  unconditionally when it differs (``ParseUserAssignedIdentityID(state...)`` fails on ""), so a
  value Azure might report must not be "cleared".
- ``high_business_impact`` must stay on: azurerm notes "creating a hub that has encryption
  enabled will set this property to true" (Optional+Computed+ForceNew), so false would plan a
  new hub after the first apply; the config refuses that combination.

Microsoft's hub CMK page also says: the key vault in the same region and tenant, soft delete
and purge protection, trusted Microsoft services allowed through its firewall, and "Supported
keys: RSA / RSA-HSM 2048" (MicrosoftDocs/azure-ai-docs
articles/ai-foundry/concepts/hub-encryption-keys-portal.md@1718d33f7106f8b895aa3ed461894d7fa7b31c18).
For such a hub Azure creates Azure Cosmos DB, Azure AI Search and a storage account in a
Microsoft-managed resource group ("azureml-rg-workspacename_GUID") and bills them to the
subscription: "the costs for your subscription are higher because these resources are in your
subscription"; "If your subscription doesn't have enough quota for these services, a failure
will occur" (articles/machine-learning/concept-customer-managed-keys.md@0ceb10e36831575344d2793476678a0112d8cc1f;
no figure is published, so the report lists them unpriced). The preview that keeps that data
service-side (``enableServiceSideCMKEncryption``) is not in azurerm 4.55's ``azurerm_ai_foundry``
and, per the same page, not supported with a key vault whose public network access is disabled.

Not verified against a live subscription: (1) that Azure accepts SAI+UAI with the UAI only in
``encryption`` (the docs above allow it; azurerm's page suggests a primary UAI); (2) Microsoft's
Azure ML how-to gives the "Azure Cosmos DB" first-party app (a232010e-820c-4083-83bb-3ace5fc29d0b)
Get/Wrap/Unwrap on the vault (articles/machine-learning/how-to-setup-customer-managed-keys.md@1e2b49199b2d88a7217c8bcf487a6ecb109638c1,
"Allow Azure Cosmos DB to access the key"); with an RBAC vault that is "Key Vault Crypto Service
Encryption User" for its service principal, whose object id differs per tenant and which azurerm
cannot look up, so these stacks do not grant it; (3) a key version past its expiry is no longer
usable for wrapping (Key Vault: "the key MUST NOT be used for cryptographic operation, except for
certain operation types"), so a hub must be moved to the current version before the version it
was created with expires (730 days).
"""

from __future__ import annotations

from dataclasses import dataclass

from foundry_constructs.cdk import TerraformResourceLifecycle
from constructs import Construct

from foundry_constructs.azapi import ArmResource, ArmResourceProps, ResourceAction, ResourceActionProps
from foundry_constructs.azurerm import (
    ai_foundry,
    ai_foundry_project,
    application_insights,
    machine_learning_workspace_network_outbound_rule_private_endpoint as outbound_rule,
    resource_group,
)
from foundry_constructs.interfaces import Grant, HasId, Lock, add_grants, add_lock
from foundry_constructs.waits import Wait, WaitProps

# Built-in role b556d68e-0be0-4f35-a333-ad7ee1ce17ea: approves the managed network's private endpoints
# on the resource it is assigned on (Microsoft: "Configure a managed network for hubs", approval of
# private endpoints; required since 2025-04-30).
NETWORK_APPROVER = "Azure AI Enterprise Network Connection Approver"
# what azurerm 4.55's outbound-rule resource accepts for Microsoft.Storage targets; anything else
# (blob_secondary) goes through AzAPI (Microsoft.MachineLearningServices/workspaces/outboundRules)
AZURERM_STORAGE_SUBRESOURCES = frozenset({"blob", "table", "queue", "file", "web", "dfs"})
OUTBOUND_RULES_API = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-10-01"


@dataclass(frozen=True, kw_only=True)
class Outbound:
    """A private endpoint from the hub's managed network to a resource it is not bound to.

    name: the rule's name (letters, digits, '-'); subresource: e.g. "blob".
    """

    name: str
    target: HasId
    subresource: str


@dataclass(frozen=True, kw_only=True)
class HubEncryption:
    """The hub's own metadata under a customer-managed key (fixed at creation: ForceNew; see the module doc).

    key_vault: the vault holding the key (in the hub's region: Microsoft wants the same region and tenant).
    key_id: the key's *versioned* id (azurerm 4.55 refuses a versionless one); referencing it orders the hub
    after the key, and so after the key's role assignments and their RBAC wait.
    identity_id: the user-assigned identity that may wrap/unwrap with the key; added to the hub's identities
    beside its system-assigned one, which stays primary.
    """

    key_vault: HasId
    key_id: str
    identity_id: str


@dataclass(frozen=True, kw_only=True)
class HubProps:
    name: str
    location: str
    resource_group: resource_group.ResourceGroup
    storage: HasId  # the hub's own default account, in its own region (never failed over)
    key_vault: HasId
    insights: application_insights.ApplicationInsights
    registry: HasId  # the shared, geo-replicated registry
    projects: tuple[tuple[str, str], ...] = ()  # (config name, Azure name)
    grants: tuple[Grant, ...] = ()
    high_business_impact: bool = True  # less diagnostic data leaves the hub; forces a new hub if changed
    public_network_access: bool = False  # False: reached only through private endpoints
    outbound: tuple[Outbound, ...] = ()  # approved outbound private endpoints besides the hub's own resources
    # provision the managed network when the hub is created (azapi; the action adds its provider): azurerm
    # refuses a compute cluster without public IPs and subnet until the managed network is Active
    provision_managed_network: bool = True
    rbac_propagation_wait: str = "10m"  # Microsoft: a role assignment takes up to 10 minutes to take effect
    lock: Lock | None = Lock(notes="Foundry hubs cannot be soft-deleted; remove this lock only to retire the region.")
    prevent_destroy: bool = True
    # a customer-managed key for the hub's metadata; None: Microsoft-managed. ForceNew: decide before the hub exists
    encryption: HubEncryption | None = None


class FoundryHub(Construct):
    """``.hub``, ``.projects`` (by config name), ``.grants`` and ``.lock``."""

    def __init__(self, scope: Construct, id: str, props: HubProps):
        super().__init__(scope, id)
        if props.encryption is not None and not props.high_business_impact:
            # azurerm 4.55: Azure sets high_business_impact_enabled on a hub created with encryption (O+C, ForceNew)
            raise ValueError("a hub with a customer-managed key is created with high business impact on: "
                             "high_business_impact=False would plan a new hub after the first apply")
        enc = props.encryption
        ignored = ["managed_network"]
        if enc is not None:
            # the hub keeps the key version it was created with; moving it to a newer version happens outside
            # Terraform (azurerm would replace the hub), and primary_user_assigned_identity is never ours to clear
            ignored += ["encryption[0].key_id", "primary_user_assigned_identity"]
        self.hub = ai_foundry.AiFoundry(
            self,
            "hub",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            storage_account_id=props.storage.id,
            key_vault_id=props.key_vault.id,
            application_insights_id=props.insights.id,
            container_registry_id=props.registry.id,
            high_business_impact_enabled=props.high_business_impact,
            # with a key: the key's user-assigned identity beside the system-assigned one, which stays primary
            # (no primary_user_assigned_identity: see the module doc for why and Microsoft's source)
            identity=ai_foundry.AiFoundryIdentity(type="SystemAssigned") if enc is None else
            ai_foundry.AiFoundryIdentity(type="SystemAssigned, UserAssigned", identity_ids=[enc.identity_id]),
            encryption=None if enc is None else ai_foundry.AiFoundryEncryption(
                key_vault_id=enc.key_vault.id, key_id=enc.key_id, user_assigned_identity_id=enc.identity_id,
            ),
            public_network_access="Enabled" if props.public_network_access else "Disabled",
            managed_network=ai_foundry.AiFoundryManagedNetwork(isolation_mode="AllowOnlyApprovedOutbound"),
            # azurerm 4.55 updates a hub with GET + PUT, and when managed_network differs it replaces the whole
            # managedNetwork with {isolationMode} alone (ai_foundry_resource.go, Update: expandManagedNetwork),
            # dropping the outbound rules made as separate resources. Approved-only cannot be relaxed anyway
            # (Microsoft: a managed network's isolation cannot go back), so a diff here is never applied.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy, ignore_changes=ignored),
        )
        # one approver assignment per distinct target (two on one scope would be refused by Azure as a duplicate)
        self.approvals: dict[str, object] = {}
        for o in props.outbound:
            if _key(o.target) not in self.approvals:
                (self.approvals[_key(o.target)],) = add_grants(
                    self, principal_id=self.principal_id, grants=(Grant(role=NETWORK_APPROVER, target=o.target),),
                    id_prefix="approve",
                )
        # Azure RBAC takes up to 10 minutes to take effect: a rule created before the hub may approve its
        # endpoint stays unapproved, and nothing re-approves it later. Wait once, when an assignment is created.
        self.approval_wait = Wait(self, "approval-propagation", WaitProps(
            duration=props.rbac_propagation_wait,
            triggers={f"approval-{i}": a.id for i, a in enumerate(self.approvals.values())},
            depends_on=tuple(self.approvals.values()),
        )) if self.approvals else None
        self.outbound: dict[str, object] = {}
        for o in props.outbound:  # one after another: the service changes one workspace's rules in turn
            self.outbound[o.name] = self._outbound_rule(o, after=tuple(self.outbound.values()))
        self.projects = {
            key: ai_foundry_project.AiFoundryProject(
                self,
                f"project-{key}",
                name=azure_name,
                location=props.location,
                ai_services_hub_id=self.hub.id,
                high_business_impact_enabled=props.high_business_impact,
                identity=ai_foundry_project.AiFoundryProjectIdentity(type="SystemAssigned"),
                lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy),
            )
            for key, azure_name in props.projects
        }
        # projects are workspaces of their own (not children of the hub): each gets its own lock
        self.project_locks = {
            key: add_lock(self, project, props.lock and Lock(notes="Foundry projects cannot be soft-deleted.",
                                                             level=props.lock.level),
                          name=f"lock-{azure_name}", id=f"lock-project-{key}")
            for (key, project), (_, azure_name) in zip(self.projects.items(), props.projects)
        }
        # compute depends on ``ready``: the hub, its outbound rules and (if asked) its provisioned managed network
        self.network_provisioning = ResourceAction(self, "provision-managed-network", ResourceActionProps(
            resource_type="Microsoft.MachineLearningServices/workspaces@2024-10-01",
            resource_id=self.hub.id,
            action="provisionManagedNetwork",
            body={"includeSpark": False},
            depends_on=(*self.outbound.values(), *self.approvals.values(),
                        *((self.approval_wait.resource,) if self.approval_wait else ())),
        )) if props.provision_managed_network else None
        self.grants = add_grants(self, principal_id=self.principal_id, grants=props.grants)
        self.lock = add_lock(self, self.hub, props.lock, name=f"lock-{props.name}")

    def _outbound_rule(self, o: Outbound, after: tuple = ()):
        """The rule for ``o``, created only once the hub may approve its private endpoint (and after ``after``)."""
        approval = (self.approvals[_key(o.target)], *((self.approval_wait.resource,) if self.approval_wait else ()),
                    *after)
        if o.subresource in AZURERM_STORAGE_SUBRESOURCES:
            return outbound_rule.MachineLearningWorkspaceNetworkOutboundRulePrivateEndpoint(
                self,
                f"outbound-{o.name}",
                name=o.name,
                workspace_id=self.hub.id,
                service_resource_id=o.target.id,
                sub_resource_target=o.subresource,
                depends_on=list(approval),
            )
        return ArmResource(self, f"outbound-{o.name}", ArmResourceProps(
            resource_type=OUTBOUND_RULES_API,
            name=o.name,
            parent_id=self.hub.id,
            body={"properties": {
                "type": "PrivateEndpoint",
                "category": "UserDefined",
                "destination": {"serviceResourceId": o.target.id, "subresourceTarget": o.subresource,
                                "sparkEnabled": False},
            }},
            depends_on=approval,
        )).resource

    @property
    def id(self) -> str:
        return self.hub.id

    @property
    def ready(self) -> tuple:
        """What compute must wait for: the managed network's provisioning, else the hub itself."""
        return (self.network_provisioning.resource,) if self.network_provisioning else (self.hub,)

    @property
    def principal_id(self) -> str:
        return self.hub.identity.principal_id


def _key(target: HasId) -> str:
    """A target's identity across outbound rules: its construct path (its id token where it has no node)."""
    node = getattr(target, "node", None)
    return node.path if node is not None else target.id
