"""The Azure resource providers the platform's azurerm resources live in, for the provider block.

Example::

    provider.AzurermProvider(stack, "azurerm", features=[...], **provider_registrations())
    # azurerm 4.x: {} (the provider registers its "legacy" set itself)
    # azurerm 5.x: {"resource_providers_to_register": ["Microsoft.ContainerRegistry", ...]}

azurerm 5.0 changed the default of ``resource_provider_registrations`` from ``legacy`` (about 60
namespaces registered on every run) to ``none`` (5.0 upgrade guide, "Resource Provider Registration
Changes", hashicorp/terraform-provider-azurerm website/docs/5.0-upgrade-guide.html.markdown; checked
2026-12-02). On a fresh subscription a namespace that was never registered fails the first apply
("MissingSubscriptionRegistration"), so on 5.x the stacks name the namespaces they need. Registering
needs ``*/register/action`` on the subscription (Contributor has it); a registered namespace costs nothing.
``tests/test_cdktn.py`` checks that every azurerm resource type in every shipped config's output maps
to a namespace here, and that every namespace here is used by one.
"""

from __future__ import annotations

from foundry_constructs import azurerm

# namespace -> the azurerm resource types (prefixes) that create resources in it. Microsoft.Resources
# (groups) and Microsoft.Authorization (locks, role assignments) are registered in every subscription.
RESOURCE_PROVIDERS: dict[str, tuple[str, ...]] = {
    "Microsoft.ContainerRegistry": ("azurerm_container_registry",),
    "Microsoft.EventGrid": ("azurerm_eventgrid_",),
    # spelled as the provider's own sets spell it (internal/resourceproviders/required.go: "resource providers are
    # case-sensitive")
    "microsoft.insights": ("azurerm_application_insights", "azurerm_monitor_"),
    "Microsoft.KeyVault": ("azurerm_key_vault",),
    "Microsoft.MachineLearningServices": ("azurerm_ai_foundry", "azurerm_machine_learning_"),
    "Microsoft.ManagedIdentity": ("azurerm_user_assigned_identity",),
    "Microsoft.Network": ("azurerm_network_security_group", "azurerm_private_dns_", "azurerm_private_endpoint",
                          "azurerm_subnet", "azurerm_traffic_manager_", "azurerm_virtual_network"),
    "Microsoft.OperationalInsights": ("azurerm_log_analytics_",),
    "Microsoft.Storage": ("azurerm_storage_",),
}
ALWAYS_REGISTERED: dict[str, tuple[str, ...]] = {
    "Microsoft.Resources": ("azurerm_resource_group",),
    "Microsoft.Authorization": ("azurerm_management_lock", "azurerm_role_assignment"),
}


def namespace_of(resource_type: str) -> str | None:
    """The namespace an azurerm resource type creates resources in (``None``: not in the tables above)."""
    for table in (RESOURCE_PROVIDERS, ALWAYS_REGISTERED):
        for namespace, prefixes in table.items():
            if resource_type.startswith(prefixes):
                return namespace
    return None


def provider_registrations() -> dict[str, list[str]]:
    """The provider block's registration arguments for the azurerm major version in use."""
    if azurerm.major() >= 5:
        # azurerm 5.0: resource_provider_registrations defaults to "none" (see the module docstring)
        return {"resource_providers_to_register": sorted(RESOURCE_PROVIDERS)}
    # azurerm 4.x: "legacy" by default, which holds every namespace above (internal/resourceproviders/required.go,
    # Legacy()); output unchanged
    return {}
