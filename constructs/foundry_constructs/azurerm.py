"""The azurerm provider bindings, loaded one submodule at a time.

Example::

    from foundry_constructs.azurerm import container_registry, resource_group

    resource_group.ResourceGroup(stack, "rg", name="rg-x", location="eastus")

Why this module exists: ``import cdktf_cdktf_provider_azurerm.<anything>``
first runs the package ``__init__``, which imports all ~1,530 resource
submodules (about 5 s of a 7-10 s synth). A submodule only needs the package's
jsii assembly (``_jsii``) and ``cdktf``; it never uses its siblings. So, before
anything else touches the package, we register a bare package module in
``sys.modules`` whose ``__path__`` points at the real folder, load ``_jsii``
(which registers the assembly with the jsii kernel), and import only the
submodules the app names. jsii registers a class's type when its submodule is
imported, so every type the app builds or receives back (``ComplexList``
attributes, output references) comes from a submodule imported here.

If the real package was already imported (by another tool in the same
process), it is used as it is. ``tests/test_azurerm_loader.py`` fails if the
technique stops applying after a bindings upgrade (the stub is not used, or
too many submodules get loaded), and synthesizes every class the app uses.

This is also the seam for a later move to the CDK Terrain fork
(``cdktn-provider-azurerm``): the package name is in one place.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

PACKAGE = "cdktf_cdktf_provider_azurerm"
STUB_MARKER = "__foundry_lazy_stub__"


def _package() -> types.ModuleType:
    existing = sys.modules.get(PACKAGE)
    if existing is not None:
        return existing
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{PACKAGE} is not installed (pip install -r requirements.txt)")
    stub = importlib.util.module_from_spec(spec)  # the package object, its __init__ not executed
    setattr(stub, STUB_MARKER, True)
    sys.modules[PACKAGE] = stub
    try:
        importlib.import_module(f"{PACKAGE}._jsii")
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    return stub


def load(name: str) -> types.ModuleType:
    """Import one provider submodule (``"container_registry"``) without its siblings."""
    _package()
    return importlib.import_module(f"{PACKAGE}.{name}")


def uses_stub() -> bool:
    """True when the bindings were loaded through the fast path of this module."""
    return bool(getattr(sys.modules.get(PACKAGE), STUB_MARKER, False))


def loaded_submodules() -> list[str]:
    """Names of the provider submodules loaded so far (for tests and benchmarks)."""
    prefix = PACKAGE + "."
    return sorted(
        n[len(prefix):] for n in sys.modules if n.startswith(prefix) and "." not in n[len(prefix):]
    )


def __getattr__(name: str) -> Any:
    # ``from foundry_constructs.azurerm import storage_account`` lands here (PEP 562).
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        module = load(name)
    except ModuleNotFoundError as e:
        if e.name == f"{PACKAGE}.{name}":
            raise AttributeError(f"the azurerm bindings have no submodule {name!r}") from None
        raise
    globals()[name] = module
    return module
