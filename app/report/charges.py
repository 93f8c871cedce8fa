"""What Azure does not bill, by Terraform type, with the reason: the other half of the cost lines.

Example::

    >>> groups = not_charged(out, priced={"fraud-prod-shared:azurerm_container_registry.registry", ...})
    >>> [g["type"] for g in groups["not_charged"]][:2], groups["unclassified"]
    (['azapi_resource:Microsoft.EventGrid/systemTopics/eventSubscriptions', 'azapi_resource_action'], [])

Every address of the synthesized output is either in a cost line's ``resources`` or
here; an address that is neither lands in ``unclassified`` (the report warns, and a test
fails), so a new resource type cannot slip into the stacks unpriced. An AzAPI resource
is classified by the ARM type it creates. Checked 2026-12-02 against the pages named in
:data:`SOURCES`.
"""

from __future__ import annotations

from typing import Any

from app.report.synthesized import Output, Resource

OUTBOUND_RULE = "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"
OUTBOUND_RULES_API = "Microsoft.MachineLearningServices/workspaces/outboundRules"

SOURCES = {
    "ml": "https://azure.microsoft.com/pricing/details/machine-learning/",
    "rbac": "https://learn.microsoft.com/azure/role-based-access-control/overview",
    "identity": "https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview",
    "vnet": "https://azure.microsoft.com/pricing/details/virtual-network/",
    "dns": "https://azure.microsoft.com/pricing/details/dns/",
    "monitor": "https://azure.microsoft.com/pricing/details/monitor/",
    "lifecycle": "https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview",
    "storage": "https://azure.microsoft.com/pricing/details/storage/blobs/",
    "eventgrid": "https://azure.microsoft.com/pricing/details/event-grid/",
    "managed_network": "https://learn.microsoft.com/azure/ai-foundry/how-to/configure-managed-network#pricing",
    "hcp": "https://www.hashicorp.com/products/terraform/pricing",
}

# charge key (the Terraform type, or "azapi_resource:<ARM type>") -> (reason, source)
NOT_CHARGED: dict[str, tuple[str, str]] = {
    "azurerm_resource_group": ("a container for resources: no charge of its own", SOURCES["rbac"]),
    # the optional workspaces stack (backend.workspaces): HCP Terraform objects, not Azure resources
    **{t: ("an HCP Terraform object, not an Azure resource: HCP Terraform bills by its own plan, not Azure",
           SOURCES["hcp"]) for t in ("tfe_project", "tfe_workspace", "tfe_workspace_settings", "tfe_agent_pool")},
    "azurerm_role_assignment": ("Azure RBAC has no charge", SOURCES["rbac"]),
    "azurerm_management_lock": ("management locks have no charge", SOURCES["rbac"]),
    "azurerm_user_assigned_identity": ("managed identities have no charge", SOURCES["identity"]),
    "azurerm_virtual_network": ("virtual networks have no charge (peering and gateways do; none here)", SOURCES["vnet"]),
    "azurerm_subnet": ("part of the virtual network: no charge", SOURCES["vnet"]),
    "azurerm_network_security_group": ("network security groups have no charge", SOURCES["vnet"]),
    "azurerm_subnet_network_security_group_association": ("an association: no charge", SOURCES["vnet"]),
    "azurerm_private_dns_a_record": ("no meter of its own: Azure DNS bills the hosted zone (priced under Private DNS "
                                     "zones) and the queries (not included)", SOURCES["dns"]),
    "azurerm_private_dns_zone_virtual_network_link": ("no meter of its own: Azure DNS bills the hosted zone (priced "
                                                      "under Private DNS zones) and the queries resolved through the "
                                                      "link (not included)", SOURCES["dns"]),
    "azurerm_ai_foundry": ("no charge for the hub itself: Azure Machine Learning bills the compute and the Azure "
                           "resources it uses (each priced on its own line; with a customer-managed key see "
                           "not_priced)", SOURCES["ml"]),
    "azurerm_ai_foundry_project": ("no charge for a project itself: it uses its hub's resources", SOURCES["ml"]),
    "azurerm_monitor_activity_log_alert": ("activity log (service and resource health) alerts have no charge",
                                           SOURCES["monitor"]),
    "azurerm_monitor_action_group": ("no charge to exist; notifications are billed per use beyond a monthly free "
                                     "grant (not included)", SOURCES["monitor"]),
    "azurerm_monitor_diagnostic_setting": ("no charge of its own: what it sends is billed as the workspace's "
                                           "ingestion (priced under Log Analytics)", SOURCES["monitor"]),
    "azurerm_storage_container": ("no meter of its own: the account bills the data's capacity (priced under the "
                                  "account) and transactions (not included)", SOURCES["storage"]),
    "azurerm_storage_container_immutability_policy": ("no charge of its own; data kept by the policy is billed as "
                                                      "capacity on the account", SOURCES["storage"]),
    "azurerm_storage_management_policy": ("lifecycle management has no charge; the operations it runs are billed as "
                                          "transactions (not included)", SOURCES["lifecycle"]),
    "azurerm_eventgrid_system_topic": ("Event Grid bills operations, with a monthly free grant; key expiry events "
                                       "are a few a year", SOURCES["eventgrid"]),
    "azapi_resource:Microsoft.EventGrid/systemTopics/eventSubscriptions": (
        "Event Grid bills delivered operations, with a monthly free grant; key expiry events are a few a year",
        SOURCES["eventgrid"]),
    "azapi_resource_action": ("an API call Terraform makes (provision the hub's managed network); it creates "
                              "nothing billed by itself", SOURCES["managed_network"]),
    "time_sleep": ("exists only in Terraform's state: a wait while role assignments propagate", ""),
    "terraform_data": ("exists only in Terraform's state: runs the replication gate on the machine that applies", ""),
}


def charge_key(res: Resource) -> str:
    """The Terraform type, or ``azapi_resource:<ARM type>`` (the API version dropped) for an AzAPI resource."""
    if res.type == "azapi_resource":
        return f"azapi_resource:{res.body.get('type', '').split('@')[0]}"
    return res.type


def is_outbound_rule(res: Resource) -> bool:
    """A hub managed-network outbound rule of type private endpoint (azurerm's, or AzAPI's for blob_secondary)."""
    return res.type == OUTBOUND_RULE or charge_key(res) == f"azapi_resource:{OUTBOUND_RULES_API}"


def not_charged(out: Output, priced: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Every address no cost line prices: grouped by type with the reason, or ``unclassified``."""
    groups: dict[str, list[str]] = {}
    unclassified = []
    for res in out.resources():
        if res.address in priced:
            continue
        key = charge_key(res)
        if key in NOT_CHARGED:
            groups.setdefault(key, []).append(res.address)
        else:
            unclassified.append(res.address)
    return {
        "not_charged": [{"type": key, "count": len(addrs), "reason": NOT_CHARGED[key][0], "source": NOT_CHARGED[key][1],
                         "resources": addrs} for key, addrs in sorted(groups.items())],
        "unclassified": unclassified,
    }
