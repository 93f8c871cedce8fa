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
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
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


class FoundryHub(Construct):
    """``.hub``, ``.projects`` (by config name), ``.grants`` and ``.lock``."""

    def __init__(self, scope: Construct, id: str, props: HubProps):
        super().__init__(scope, id)
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
            identity=ai_foundry.AiFoundryIdentity(type="SystemAssigned"),
            public_network_access="Enabled" if props.public_network_access else "Disabled",
            managed_network=ai_foundry.AiFoundryManagedNetwork(isolation_mode="AllowOnlyApprovedOutbound"),
            # azurerm 4.55 updates a hub with GET + PUT, and when managed_network differs it replaces the whole
            # managedNetwork with {isolationMode} alone (ai_foundry_resource.go, Update: expandManagedNetwork),
            # dropping the outbound rules made as separate resources. Approved-only cannot be relaxed anyway
            # (Microsoft: a managed network's isolation cannot go back), so a diff here is never applied.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy,
                                                 ignore_changes=["managed_network"]),
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
