"""Build the whole app from a validated config: the shared stack, one stack per hub region, routing
(and, with ``backend.workspaces``, their HCP Terraform workspaces).

Example::

    app = build_app(cfg, outdir="cdktf.out")
    app.synth()
"""

from __future__ import annotations

from foundry_constructs.cdk import App

from app.config import CloudBackend, PlatformConfig
from foundry_constructs.tagging import default_tags
from stacks.region import RegionStack
from stacks.routing import RoutingStack
from stacks.shared import SharedStack
from stacks.workspaces import WorkspacesStack


def build_app(cfg: PlatformConfig, outdir: str) -> App:
    """The shared stack, one RegionStack per hub region (primary first) and, with routing, the routing stack."""
    # every string from the config reaches the stacks as a Terraform literal, never an expression
    cfg = cfg.literal()
    app = App(outdir=outdir, skip_validation=False, stack_traces=False)
    with default_tags(cfg.resource_tags):  # every taggable resource gets the platform's tags as defaults
        shared = SharedStack(app, cfg)
        stacks = [shared, *(RegionStack(app, cfg, location, shared) for location in cfg.hub_regions)]
        if cfg.routing is not None:
            stacks.append(RoutingStack(app, cfg))
    if isinstance(cfg.backend, CloudBackend) and cfg.backend.workspaces is not None:
        WorkspacesStack(app, cfg, stacks)  # optional: HCP Terraform workspaces as code (docs/terraform-teams.md)
    return app
