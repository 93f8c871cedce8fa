"""A wait inside the apply, for what Azure does after it answers (``time_sleep`` of hashicorp/time).

Example::

    wait = Wait(stack, "rbac-propagation", WaitProps(
        duration="10m", triggers={"officer": officer.id}, depends_on=(officer,),
    ))
    KeyVaultKey(..., depends_on=[wait.resource])

The wait runs when it is created and again only when a trigger changes (e.g. the
role assignment it waits for is replaced); every later apply passes through it.
Written as plain Terraform JSON, like the AzAPI resources; :func:`Wait` adds the
``time`` provider to its stack once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from cdktf import (
    ITerraformDependable,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
    TerraformStack,
)
from constructs import Construct

from foundry_constructs.addresses import readable

SOURCE = "hashicorp/time"
VERSION = "0.13.1"  # exact, like every provider the stacks use
PROVIDER_ID = "time"


class TimeProvider(TerraformProvider):
    """``provider "time" {}``: no credentials, no network."""

    def __init__(self, scope: Construct, id: str = PROVIDER_ID):
        super().__init__(
            scope,
            id,
            terraform_resource_type="time",
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(
                provider_name="time", provider_version_constraint=VERSION
            ),
            terraform_provider_source=SOURCE,
        )


@dataclass(frozen=True, kw_only=True)
class WaitProps:
    duration: str  # Go duration: "30s", "10m"
    triggers: Mapping[str, str] = field(default_factory=dict)  # a change re-runs the wait
    depends_on: tuple[ITerraformDependable, ...] = ()


class Wait(Construct):
    """``.resource``: one ``time_sleep``; depend on it to start after the wait."""

    def __init__(self, scope: Construct, id: str, props: WaitProps):
        if not re.fullmatch(r"(\d+h)?(\d+m)?(\d+s)?", props.duration) or not props.duration:
            raise ValueError(f"duration must be a Go duration like '10m' or '30s', got {props.duration!r}")
        super().__init__(scope, id)
        stack = TerraformStack.of(self)
        if stack.node.try_find_child(PROVIDER_ID) is None:
            TimeProvider(stack)
        self.resource = TerraformResource(
            self,
            "sleep",
            terraform_resource_type="time_sleep",
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(provider_name="time"),
            depends_on=list(props.depends_on) or None,
        )
        readable(self.resource)
        self.resource.add_override("create_duration", props.duration)
        if props.triggers:
            self.resource.add_override("triggers", dict(props.triggers))
