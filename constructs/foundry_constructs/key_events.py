"""Key Vault key expiry, told to people: Event Grid events of a vault to the stack's action group.

Example::

    KeyExpiryAlerts(stack, "key-expiry", KeyExpiryProps(
        topic_name="egst-fraud-prod-keys-eus", vault=vault, location="eastus", resource_group=rg,
        action_group=watch.alerting,
    ))

A key's rotation policy (``notify_before_expiry``) makes Key Vault publish
``Microsoft.KeyVault.KeyNearExpiry`` 30 days before a version expires, and
``KeyExpired`` when it does: Event Grid events, which reach nobody without a
subscription. A customer-managed key that expires stops the data it encrypts.
A system topic on the vault and one subscription with Azure Monitor alerts as
the destination (Event Grid's ``MonitorAlert`` handler, offered for Key Vault
events) raise an alert through the stack's action group: the same e-mails and
webhooks as every other alert. azurerm 4.55's event subscription resource has
no such destination, so the subscription is an AzAPI resource
(``Microsoft.EventGrid/systemTopics/eventSubscriptions``; Azure Monitor alert
destinations take CloudEvents 1.0).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from foundry_constructs import azurerm
from foundry_constructs.azapi import ArmResource, ArmResourceProps
from foundry_constructs.azurerm import eventgrid_system_topic, resource_group
from foundry_constructs.interfaces import HasId

SUBSCRIPTIONS_API = "Microsoft.EventGrid/systemTopics/eventSubscriptions@2023-12-15-preview"
EVENTS = ("Microsoft.KeyVault.KeyNearExpiry", "Microsoft.KeyVault.KeyExpired")


@dataclass(frozen=True, kw_only=True)
class KeyExpiryProps:
    topic_name: str
    vault: HasId
    location: str  # the vault's region: a system topic lives where its source does
    resource_group: resource_group.ResourceGroup
    action_group: HasId
    severity: str = "Sev1"  # an expiring customer-managed key takes its data offline


class KeyExpiryAlerts(Construct):
    """``.topic`` (the vault's system topic) and ``.subscription`` (events -> Azure Monitor alert -> action group)."""

    def __init__(self, scope: Construct, id: str, props: KeyExpiryProps):
        if props.severity not in ("Sev0", "Sev1", "Sev2", "Sev3", "Sev4"):
            raise ValueError(f"severity must be Sev0-Sev4, got {props.severity!r}")
        super().__init__(scope, id)
        self.topic = eventgrid_system_topic.EventgridSystemTopic(
            self,
            "topic",
            name=props.topic_name,
            location=props.location,
            resource_group_name=props.resource_group.name,
            topic_type="Microsoft.KeyVault.vaults",
            # azurerm 5.0 removed the deprecated `source_arm_resource_id` in favour of `source_resource_id`, now Required
            # (5.0 upgrade guide, azurerm_eventgrid_system_topic; checked 2026-12-02); 4.55 output unchanged
            **({"source_resource_id": props.vault.id} if azurerm.major() >= 5
               else {"source_arm_resource_id": props.vault.id}),
        )
        self.subscription = ArmResource(self, "subscription", ArmResourceProps(
            resource_type=SUBSCRIPTIONS_API,
            name="key-expiry-to-alerts",
            parent_id=self.topic.id,
            body={"properties": {
                "eventDeliverySchema": "CloudEventSchemaV1_0",
                "filter": {"includedEventTypes": list(EVENTS)},
                "destination": {"endpointType": "MonitorAlert", "properties": {
                    "severity": props.severity,
                    "actionGroups": [props.action_group.id],
                    "description": "A customer-managed key is near expiry or expired: rotate it now, or the data it "
                                   "encrypts becomes unreadable.",
                }},
            }},
        )).resource
