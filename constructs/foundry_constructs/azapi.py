"""The few Azure operations azurerm 4.55 cannot express, through the AzAPI provider (no bindings needed).

Example::

    # each construct adds provider "azapi" to its stack once (ensure_provider)
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

from foundry_constructs.cdk import ITerraformDependable
from constructs import Construct

from foundry_constructs import plain
from foundry_constructs.addresses import address
from foundry_constructs.plain import PlainProviderSpec, plain_element

SOURCE = "azure/azapi"
VERSION = "2.4.0"  # exact: every plan, lock file and mirror resolves the same provider (docs/cdktf-cli.md, "Pinned all the way down")


PROVIDER = PlainProviderSpec(name="azapi", source=SOURCE, version=VERSION)


def ensure_provider(scope: Construct) -> None:
    """Add ``provider "azapi" {}`` to ``scope``'s stack unless it has one: same Azure AD credentials as azurerm
    (ARM_* environment, az login, OIDC)."""
    plain.ensure_provider(scope, PROVIDER)


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
        ensure_provider(self)
        self.resource = plain_element(self, "action", kind="resource", provider="azapi", rtype="azapi_resource_action",
                                      arguments={"type": props.resource_type, "resource_id": props.resource_id,
                                                 "action": props.action, "method": props.method,
                                                 "body": dict(props.body)},
                                      depends_on=props.depends_on)


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

    Bodies are written verbatim (no literal escaping): build them from code and references only, never
    from config strings.
    """

    def __init__(self, scope: Construct, id: str, props: ArmResourceProps):
        if "@" not in props.resource_type:
            raise ValueError(f"resource_type needs an api-version: {props.resource_type!r}")
        super().__init__(scope, id)
        ensure_provider(self)
        self.resource = plain_element(self, "resource", kind="resource", provider="azapi", rtype="azapi_resource",
                                      arguments={"type": props.resource_type, "name": props.name,
                                                 "parent_id": props.parent_id, "body": dict(props.body)},
                                      depends_on=props.depends_on)

    @property
    def id(self) -> str:
        return self.resource.get_string_attribute("id")


@dataclass(frozen=True, kw_only=True)
class ArmReadProps:
    """Read one ARM resource at plan time: ``resource_type`` "<namespace>/<type>@<api-version>"."""

    resource_type: str
    resource_id: str
    export: tuple[str, ...]  # response_export_values, e.g. ("properties.ipConfigurations",)
    depends_on: tuple[ITerraformDependable, ...] = ()  # read only after these are applied


class ArmRead(Construct):
    """``.data``: one ``data "azapi_resource"``; ``.output`` is the address of its exported values.

    Example::

        nic = ArmRead(stack, "nic", ArmReadProps(resource_type="Microsoft.Network/networkInterfaces@2024-05-01",
                                                 resource_id=nic_id, export=("properties.ipConfigurations",)))
        # ${data.azapi_resource.<id>.output.properties.ipConfigurations}
    """

    def __init__(self, scope: Construct, id: str, props: ArmReadProps):
        if "@" not in props.resource_type:
            raise ValueError(f"resource_type needs an api-version: {props.resource_type!r}")
        super().__init__(scope, id)
        ensure_provider(self)
        self.data = plain_element(self, "read", kind="data", provider="azapi", rtype="azapi_resource",
                                  arguments={"type": props.resource_type, "resource_id": props.resource_id,
                                             "response_export_values": list(props.export)},
                                  depends_on=props.depends_on)

    @property
    def output(self) -> str:
        return f"{address(self.data)}.output"
