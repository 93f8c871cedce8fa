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

from foundry_constructs.cdk import ITerraformDependable
from constructs import Construct

from foundry_constructs.plain import PlainProviderSpec, ensure_provider, plain_element

SOURCE = "hashicorp/time"
VERSION = "0.13.1"  # exact, like every provider the stacks use
PROVIDER_ID = "time"


PROVIDER = PlainProviderSpec(name=PROVIDER_ID, source=SOURCE, version=VERSION)  # no credentials, no network


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
        ensure_provider(self, PROVIDER)
        arguments: dict = {"create_duration": props.duration}
        if props.triggers:
            arguments["triggers"] = dict(props.triggers)
        self.resource = plain_element(self, "sleep", kind="resource", provider="time", rtype="time_sleep",
                                      arguments=arguments, depends_on=props.depends_on)
