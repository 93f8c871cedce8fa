"""The one place that picks the CDK framework: cdktf (default) or its fork CDK Terrain (cdktn).

Example::

    from foundry_constructs.cdk import TerraformStack, TerraformResourceLifecycle

    # FOUNDRY_CDK=cdktf (or unset): the names come from ``cdktf`` and the azurerm bindings
    # from ``cdktf_cdktf_provider_azurerm``; FOUNDRY_CDK=cdktn: from ``cdktn`` and ``cdktn_provider_azurerm``.

Why here: the constructs, the stacks and the app all build on the framework, and
``foundry_constructs`` is the package all three import (the app imports the
stacks, the stacks import the constructs), so the seam lives at the bottom of
that chain. The choice is made once, when this module is imported, from the
environment variable ``FOUNDRY_CDK``: ``make synth CDK=cdktn`` sets it and runs
the app from ``.venv-cdktn`` (``requirements-cdktn.txt``). Nothing heavy is
imported here: a name is taken from the framework the first time it is asked
for (PEP 562), so ``app.synth.use_supported_node`` can still prepare Node first.

cdktn 0.24.0 exports every name cdktf 0.21.0 does (183 of them, checked by
``tests/test_cdktn.py``), keeps ``cdktf.json``, ``cdktf.out/`` and the logical
ids, so everything else imports its framework names from this module and needs
no branch. What differs between the azurerm provider majors (the cdktf bindings
are frozen at 4.55.0, cdktn's are 5.x) is branched where it matters, in the
construct that uses it, on :func:`foundry_constructs.azurerm.major`.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any

ENV = "FOUNDRY_CDK"
DEFAULT = "cdktf"


@dataclass(frozen=True)
class Framework:
    """One framework and the azurerm bindings built for it."""

    name: str  # the value of FOUNDRY_CDK
    module: str  # the Python package of the framework
    provider_package: str  # the Python package of the azurerm bindings
    provider_distribution: str  # its name on PyPI (its metadata names the azurerm version it was built from)
    requirements: str  # the file that pins both
    venv: str  # the virtualenv `make` installs it into


FRAMEWORKS = {
    "cdktf": Framework("cdktf", "cdktf", "cdktf_cdktf_provider_azurerm", "cdktf-cdktf-provider-azurerm",
                       "requirements.txt", ".venv"),
    "cdktn": Framework("cdktn", "cdktn", "cdktn_provider_azurerm", "cdktn-provider-azurerm",
                       "requirements-cdktn.txt", ".venv-cdktn"),
}


class UnknownFramework(ValueError):
    """FOUNDRY_CDK names no framework this app supports (the message says what is allowed)."""


def selected(environ: Any = None) -> Framework:
    """The framework ``FOUNDRY_CDK`` names (unset or empty: cdktf).

    Example::

        selected({"FOUNDRY_CDK": "cdktn"}).provider_package   # 'cdktn_provider_azurerm'
    """
    value = (os.environ if environ is None else environ).get(ENV) or DEFAULT
    try:
        return FRAMEWORKS[value]
    except KeyError:
        allowed = " or ".join(repr(n) for n in FRAMEWORKS)
        raise UnknownFramework(
            f"{ENV}: got {value!r}; allowed: {allowed} (unset means {DEFAULT!r}); "
            f"e.g. `make synth CDK=cdktn`, or FOUNDRY_CDK=cdktn .venv-cdktn/bin/python main.py synth"
        ) from None


FRAMEWORK = selected()
PROVIDER_PACKAGE = FRAMEWORK.provider_package


def module() -> Any:
    """The framework's Python package itself (``cdktf`` or ``cdktn``); importing it starts jsii's Node."""
    try:
        return importlib.import_module(FRAMEWORK.module)
    except ModuleNotFoundError as e:
        if e.name != FRAMEWORK.module:
            raise
        hint = "make synth" if FRAMEWORK.name == DEFAULT else f"make synth CDK={FRAMEWORK.name}"
        raise ModuleNotFoundError(
            f"{ENV}={FRAMEWORK.name}: the Python package {FRAMEWORK.module!r} is not installed in this interpreter; "
            f"`{hint}` installs it into {FRAMEWORK.venv}/ ({FRAMEWORK.requirements})", name=e.name
        ) from None


def __getattr__(name: str) -> Any:
    # ``from foundry_constructs.cdk import App`` lands here (PEP 562): the framework's own object
    if name.startswith("__"):
        raise AttributeError(name)
    value = getattr(module(), name)
    globals()[name] = value
    return value
