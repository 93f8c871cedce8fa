"""The few Azure operations azurerm 4.55 cannot express, through the AzAPI provider (no bindings needed).

Example::

    AzapiProvider(stack, "azapi")                        # once per stack that uses an action
    action = ResourceAction(stack, "provision", ResourceActionProps(
        resource_type="Microsoft.MachineLearningServices/workspaces@2024-10-01",
        resource_id=hub.id, action="provisionManagedNetwork", body={"includeSpark": False},
    ))
    ComputeCluster(..., depends_on=(action,))

``azapi_resource_action`` calls one ARM action (a POST) with the provider's
Azure AD credentials and waits for it; it runs once, when created, and again
only if its inputs change. ``azapi_resource`` (:class:`ArmResource`) manages
one ARM resource that azurerm refuses to express. Both are written as plain
Terraform JSON (no generated bindings exist for AzAPI in this project).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from cdktf import ITerraformDependable, TerraformProvider, TerraformProviderGeneratorMetadata, TerraformResource
from constructs import Construct

SOURCE = "azure/azapi"
VERSION = "~> 2.0"


class AzapiProvider(TerraformProvider):
    """``provider "azapi" {}``: same Azure AD credentials as azurerm (ARM_* environment, az login, OIDC)."""

    def __init__(self, scope: Construct, id: str = "azapi"):
        super().__init__(
            scope,
            id,
            terraform_resource_type="azapi",
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(
                provider_name="azapi", provider_version_constraint=VERSION
            ),
            terraform_provider_source=SOURCE,
        )


@dataclass(frozen=True, kw_only=True)
class ResourceActionProps:
    resource_type: str  # "<provider namespace>/<type>@<api-version>"
    resource_id: str
    action: str
    body: Mapping[str, Any] = field(default_factory=dict)
    method: str = "POST"
    depends_on: tuple[ITerraformDependable, ...] = ()


class ResourceAction(Construct):
    """``.resource``: one ``azapi_resource_action``; depend on the construct to wait for the action."""

    def __init__(self, scope: Construct, id: str, props: ResourceActionProps):
        if "@" not in props.resource_type:
            raise ValueError(f"resource_type needs an api-version: {props.resource_type!r}")
        super().__init__(scope, id)
        self.resource = TerraformResource(
            self,
            "action",
            terraform_resource_type="azapi_resource_action",
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(provider_name="azapi"),
            depends_on=list(props.depends_on) or None,
        )
        for key, value in (("type", props.resource_type), ("resource_id", props.resource_id),
                           ("action", props.action), ("method", props.method), ("body", dict(props.body))):
            self.resource.add_override(key, value)


@dataclass(frozen=True, kw_only=True)
class ArmResourceProps:
    """One ARM resource: ``resource_type`` "<namespace>/<type>@<api-version>", its ``name`` under ``parent_id``."""

    resource_type: str
    name: str
    parent_id: str
    body: Mapping[str, Any]
    depends_on: tuple[ITerraformDependable, ...] = ()


class ArmResource(Construct):
    """``.resource``: one ``azapi_resource`` (created, updated and deleted with the stack).

    Example::

        ArmResource(stack, "rule", ArmResourceProps(
            resource_type="Microsoft.MachineLearningServices/workspaces/outboundRules@2024-10-01",
            name="training-data-blob-secondary", parent_id=hub.id,
            body={"properties": {"type": "PrivateEndpoint", ...}},
        ))
    """

    def __init__(self, scope: Construct, id: str, props: ArmResourceProps):
        if "@" not in props.resource_type:
            raise ValueError(f"resource_type needs an api-version: {props.resource_type!r}")
        super().__init__(scope, id)
        self.resource = TerraformResource(
            self,
            "resource",
            terraform_resource_type="azapi_resource",
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(provider_name="azapi"),
            depends_on=list(props.depends_on) or None,
        )
        for key, value in (("type", props.resource_type), ("name", props.name), ("parent_id", props.parent_id),
                           ("body", dict(props.body))):
            self.resource.add_override(key, value)

    @property
    def id(self) -> str:
        return self.resource.get_string_attribute("id")
