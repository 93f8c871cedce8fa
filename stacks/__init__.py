"""Stacks: one for what the regions share, one per hub region.

Example::

    from app.config import load_config
    from stacks.app import build_app

    app = build_app(load_config("config/default.yaml"), outdir="cdktf.out")
    app.synth()

A stack only composes a pattern from ``foundry_constructs.patterns`` for one
scope, adds its provider, backend and outputs, and tags everything.
"""
