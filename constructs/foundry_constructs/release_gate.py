"""An in-Terraform replication gate for workstation deploys of a secondary region.

Example::

    guard = ReplicationGuard(stack, "replication-gate", GuardProps(
        registry_name="crcontosofraudprod", region="westus", image="fraud/scorer:1.4.2",
    ))
    # then: depends_on=[guard.resource] on that region's image consumers

A ``terraform_data`` resource keyed on the image reference (and region): a new
image replaces it, and its local-exec runs ``python3 main.py gate`` against
the region's registry replica before anything that depends on it is created or
updated. The gate exits non-zero on timeout, which fails the apply before the
region's consumers change. The command runs from the repository root (three
levels above ``cdktf.out/stacks/<stack>/``); ``main.py`` finds the project's
``.venv`` itself. Pipelines should call the gate as a step instead (see
``.github/workflows/release.yml``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from foundry_constructs.cdk import DataResource, LocalExecProvisioner
from constructs import Construct

from foundry_constructs.addresses import readable


@dataclass(frozen=True, kw_only=True)
class GuardProps:
    registry_name: str
    region: str
    image: str  # REPOSITORY:TAG or REPOSITORY@sha256:DIGEST, validated by the config
    timeout_seconds: int = 1800
    interval_seconds: int = 15
    repository_root: str = "../../.."  # from the stack's working directory


class ReplicationGuard(Construct):
    """``.resource`` is the terraform_data resource to depend on."""

    def __init__(self, scope: Construct, id: str, props: GuardProps):
        super().__init__(scope, id)
        command = shlex.join([
            "python3", "main.py", "gate",
            "--registry", props.registry_name,
            "--regions", props.region,
            "--image", props.image,
            "--timeout", str(props.timeout_seconds),
            "--interval", str(props.interval_seconds),
        ])
        self.resource = DataResource(
            self,
            "gate",
            triggers_replace={"image": props.image, "region": props.region, "registry": props.registry_name},
            provisioners=[
                LocalExecProvisioner(type="local-exec", command=command, working_dir=props.repository_root)
            ],
        )
        readable(self.resource)
