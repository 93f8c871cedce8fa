"""Build the whole app from a validated config: the shared stack, one stack per hub region, routing.

Example::

    app = build_app(cfg, outdir="cdktf.out")
    app.synth()
"""

from __future__ import annotations

from foundry_constructs.cdk import App

from app.config import PlatformConfig
from foundry_constructs.tagging import default_tags
from stacks.region import RegionStack
from stacks.routing import RoutingStack
from stacks.shared import SharedStack


def build_app(cfg: PlatformConfig, outdir: str) -> App:
    """The shared stack, one RegionStack per hub region (primary first) and, with routing, the routing stack."""
    # every string from the config reaches the stacks as a Terraform literal, never an expression
    cfg = cfg.literal()
    app = App(outdir=outdir, skip_validation=False, stack_traces=False)
    with default_tags(cfg.resource_tags):  # every taggable resource gets the platform's tags as defaults
        shared = SharedStack(app, cfg)
        for location in cfg.hub_regions:
            RegionStack(app, cfg, location, shared)
        if cfg.routing is not None:
            RoutingStack(app, cfg)
    return app
