"""Build the whole app from a validated config: the shared stack, then one stack per hub region.

Example::

    app = build_app(cfg, outdir="cdktf.out")
    app.synth()
"""

from __future__ import annotations

from cdktf import App

from app.config import PlatformConfig
from stacks.region import RegionStack
from stacks.shared import SharedStack


def build_app(cfg: PlatformConfig, outdir: str) -> App:
    """An App holding the shared stack and one RegionStack per hub region, primary first."""
    app = App(outdir=outdir, skip_validation=False, stack_traces=False)
    shared = SharedStack(app, cfg)
    for location in cfg.hub_regions:
        RegionStack(app, cfg, location, shared)
    return app
