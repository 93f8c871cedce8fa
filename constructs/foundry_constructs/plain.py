"""Providers, resources and data sources without generated bindings, written as plain Terraform JSON.

Example::

    ensure_provider(stack, PlainProviderSpec(name="time", source="hashicorp/time", version="0.13.1"))
    sleep = plain_element(scope, "sleep", kind="resource", provider="time", rtype="time_sleep",
                          arguments={"create_duration": "10m"})

The project has bindings for azurerm only. AzAPI (``foundry_constructs.azapi``)
and hashicorp/time (``foundry_constructs.waits``) are used through these two
helpers: one provider block per stack at an exact version, and elements that get
their readable address (:mod:`foundry_constructs.addresses`) and arguments as
overrides. Arguments are written verbatim (no literal escaping): build them from
code and references only, never from config strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from foundry_constructs.cdk import (
    ITerraformDependable,
    TerraformDataSource,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
    TerraformStack,
)
from constructs import Construct

from foundry_constructs.addresses import readable


@dataclass(frozen=True, kw_only=True)
class PlainProviderSpec:
    name: str  # the provider's local name, e.g. "azapi"
    source: str  # registry address, e.g. "azure/azapi"
    version: str  # exact version


class PlainProvider(TerraformProvider):
    """``provider "<name>" {}`` at an exact version; credentials come from the environment (as for azurerm)."""

    def __init__(self, scope: Construct, spec: PlainProviderSpec):
        super().__init__(
            scope,
            spec.name,
            terraform_resource_type=spec.name,
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(
                provider_name=spec.name, provider_version_constraint=spec.version
            ),
            terraform_provider_source=spec.source,
        )


def ensure_provider(scope: Construct, spec: PlainProviderSpec) -> None:
    """Add the provider to ``scope``'s stack unless it has it."""
    stack = TerraformStack.of(scope)
    if stack.node.try_find_child(spec.name) is None:
        PlainProvider(stack, spec)


def plain_element(
    scope: Construct, id: str, *, kind: str, provider: str, rtype: str, arguments: Mapping[str, Any],
    depends_on: Sequence[ITerraformDependable] = (),
) -> TerraformResource | TerraformDataSource:
    """One ``resource`` (``kind="resource"``) or ``data`` block of ``rtype``, named readably, with ``arguments``."""
    cls = {"resource": TerraformResource, "data": TerraformDataSource}[kind]
    element = cls(
        scope,
        id,
        terraform_resource_type=rtype,
        terraform_generator_metadata=TerraformProviderGeneratorMetadata(provider_name=provider),
        depends_on=list(depends_on) or None,
    )
    readable(element)
    for key, value in arguments.items():
        element.add_override(key, value)
    return element
