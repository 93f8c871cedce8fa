"""The stacks as synth writes them: every resource with its address, and the stacks' Terraform dependencies.

Example::

    >>> out = synthesize(load_config("config/default.yaml"))     # in a temporary directory, removed after
    >>> out.addresses()[0]
    'fraud-prod-eastus:azapi_resource.key_expiry_subscription'
    >>> out.dependencies["fraud-prod-westus"]
    ['fraud-prod-shared']

The report reads its inventory, its resource counts and the resources behind each
cost line from here, never from a description of its own: what the report says is
what ``python main.py synth`` writes for the same config. :func:`synthesize` runs
the same synthesis as ``python main.py synth`` (:func:`app.synth.synthesize`) into
a temporary directory, so the user's ``cdktf.out/`` is never touched;
:meth:`Output.read` reads a directory synth wrote (the tests' session fixtures).
An address is ``stack:type.name``: the stack in ``cdktf.out/manifest.json`` and
the resource's address inside that stack's ``cdk.tf.json``.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from app.built import Built
    from app.config import PlatformConfig


@dataclass(frozen=True)
class Resource:
    """One resource of one synthesized stack."""

    stack: str
    type: str
    name: str
    body: dict[str, Any]

    @property
    def address(self) -> str:
        return f"{self.stack}:{self.type}.{self.name}"

    @property
    def ref(self) -> str:
        """How other resources of the same stack refer to it: ``${type.name.id}`` contains this."""
        return f"{self.type}.{self.name}."


@dataclass(frozen=True)
class Output:
    """One synthesized output: the stacks' JSON, the manifest's dependencies and the facts :class:`Built` reads."""

    stacks: dict[str, dict[str, Any]]
    dependencies: dict[str, list[str]]
    built: Built

    @classmethod
    def read(cls, outdir: str | Path) -> Output:
        from app.built import Built

        outdir = Path(outdir)
        manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
        stacks = {name: json.loads((outdir / meta["synthesizedStackPath"]).read_text(encoding="utf-8"))
                  for name, meta in manifest["stacks"].items()}
        deps = {name: sorted(meta.get("dependencies", [])) for name, meta in manifest["stacks"].items()}
        return cls(stacks=stacks, dependencies=deps, built=Built.read(outdir))

    def resources(self, stack: str | None = None, rtype: str | None = None) -> list[Resource]:
        """Every resource (of ``stack``, of ``rtype``), in a stable order: stack, type, name."""
        return list(self._iter(stack, rtype))

    def _iter(self, stack: str | None, rtype: str | None) -> Iterator[Resource]:
        for sname in sorted(self.stacks) if stack is None else [stack]:
            by_type = self.stacks.get(sname, {}).get("resource", {})
            for t in sorted(by_type) if rtype is None else [rtype]:
                for n in sorted(by_type.get(t, {})):
                    yield Resource(sname, t, n, by_type[t][n])

    def addresses(self) -> list[str]:
        return [r.address for r in self.resources()]


def synthesize(cfg: PlatformConfig) -> Output:
    """Synthesize ``cfg`` as ``python main.py synth`` does, into a temporary directory, and read it back."""
    from app.synth import synthesize as synth

    with tempfile.TemporaryDirectory(prefix="foundry-report-") as scratch:
        out = Path(scratch) / "cdktf.out"
        synth(cfg, out)
        return Output.read(out)
