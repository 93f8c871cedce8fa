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

The same tax exists a second time on the Node side: when jsii loads the
package, Node runs its ``lib/index.js``, which ``require``s all ~1,530
JavaScript submodules (185 MB of source, about 2.5 s). ``install_node_hook()``
puts ``azurerm_hook.cjs`` (beside this file) into ``NODE_OPTIONS`` before jsii
starts Node; that hook makes those ``require`` calls lazy, and stops cdktf from
recording a JavaScript stack trace for every token (see the hook's header). It
must run before anything imports ``constructs`` or ``cdktf``
(``app.synth.use_supported_node`` calls it). Without it, or on a Node older
than 22.15, everything still works, only slower.

Round trips between Python and Node and jsii's Python side are the rest of
the cost. ``load`` fits each resource class it hands out so that
``id``/``name`` tokens are fetched once per resource and default tags travel
in the create call, and hands every jsii-generated module (the provider's,
``cdktf``, ``constructs``) to ``jsii_speed.fit`` (cheaper argument checks and
struct reads, same results).

Which bindings: :mod:`foundry_constructs.cdk` names the package
(``cdktf_cdktf_provider_azurerm`` = azurerm 4.55.0 for cdktf,
``cdktn_provider_azurerm`` = azurerm 5.10.0 for CDK Terrain); :func:`major` is
the azurerm major version they were generated from, for the constructs that
branch on a provider change. cdktn's bindings come from a newer jsii whose
package ``__init__`` is lazy already; the stub below costs nothing there and
keeps one code path.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import importlib.util
import inspect
import os
import sys
import types
import typing
from pathlib import Path
from typing import Any, Callable

from foundry_constructs import cdk, jsii_speed

PACKAGE = cdk.PROVIDER_PACKAGE
STUB_MARKER = "__foundry_lazy_stub__"
PREPARED_MARKER = "__foundry_prepared__"
REFERENCE_ATTRIBUTES = ("id", "name")
NODE_HOOK = Path(__file__).with_name("azurerm_hook.cjs")


def provider_version(distribution: str = cdk.FRAMEWORK.provider_distribution) -> str:
    """The azurerm version the installed bindings were generated from (``"4.55.0"``, ``"5.10.0"``).

    Example::

        provider_version("cdktn-provider-azurerm")   # '5.10.0' with requirements-cdktn.txt

    Read from the distribution's metadata without importing it: both projects' README (the package
    description) opens with "prebuilt bindings for hashicorp/azurerm provider version X.Y.Z", the
    version the synthesized ``required_providers`` pins (tests/test_cdktn.py compares the two).
    """
    import importlib.metadata
    import re

    try:
        meta = importlib.metadata.metadata(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(f"{distribution} is not installed (pip install -r {cdk.FRAMEWORK.requirements})") from None
    text = meta.get_payload() or meta.get("Description") or ""  # type: ignore[attr-defined]
    found = re.search(r"hashicorp/azurerm provider version (\d+\.\d+\.\d+)", text)
    if found is None:
        raise ImportError(f"{distribution}: its metadata names no azurerm provider version")
    return found.group(1)


@functools.cache
def major() -> int:
    """The azurerm major version of the bindings in use: 4 (cdktf, 14.23.1) or 5 (cdktn, 18.9.0).

    Example::

        if azurerm.major() >= 5:   # azurerm 5.0 removed regional_endpoint_enabled ...
    """
    return int(provider_version().split(".")[0])


def install_node_hook() -> None:
    """Add ``--require <azurerm_hook.cjs>`` to ``NODE_OPTIONS`` (once) for the Node that jsii starts.

    Example::

        install_node_hook()   # then: import cdktf ...
    """
    if cdk.FRAMEWORK.name == "cdktn":
        # cdktn's own switch for what the hook does to cdktf's stack-trace.js (see azurerm_hook.cjs, 2.);
        # a value the caller set is kept
        os.environ.setdefault("CDKTN_DISABLE_CREATION_STACK", "1")
    if not NODE_HOOK.is_file():  # never hand Node a --require it cannot load: every Node would refuse to start
        return
    options = os.environ.get("NODE_OPTIONS", "")
    # NODE_OPTIONS splits on spaces; in a double-quoted string Node reads \\ and \" as escapes, nothing else.
    quoted = '"' + str(NODE_HOOK).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if quoted in options:
        return
    os.environ["NODE_OPTIONS"] = f"{options} --require {quoted}".strip()


def _package() -> types.ModuleType:
    existing = sys.modules.get(PACKAGE)
    if existing is not None:
        return existing
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{PACKAGE} is not installed (pip install -r {cdk.FRAMEWORK.requirements})")
    stub = importlib.util.module_from_spec(spec)  # the package object, its __init__ not executed
    setattr(stub, STUB_MARKER, True)
    sys.modules[PACKAGE] = stub
    try:
        importlib.import_module(f"{PACKAGE}._jsii")
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    for name in ("constructs", cdk.FRAMEWORK.module):  # imported by _jsii: the other jsii-generated modules the app calls
        jsii_speed.fit(sys.modules[name])
    return stub


def load(name: str) -> types.ModuleType:
    """Import one provider submodule (``"container_registry"``) without its siblings."""
    _package()
    module = importlib.import_module(f"{PACKAGE}.{name}")
    if not getattr(module, PREPARED_MARKER, False):
        _prepare(module)
        setattr(module, PREPARED_MARKER, True)
    return module


def _prepare(module: types.ModuleType) -> None:
    """Fit the resource classes of one submodule for fewer Python<->Node round trips.

    - ``id`` and ``name`` are asked for again and again (``rg.name`` for every
      resource in a group): each ask costs a round trip and returns a new token
      for the same reference (``${azurerm_resource_group.x.name}``). The first
      token is kept on the instance and handed out again; the setter is kept.
      A reference reads differently once ``for_each`` is set (``x.*.id``), so
      setting ``for_each`` forgets the kept tokens.
    - Taggable resources (``tags`` is a map) get the platform's default tags
      (``tagging.default_tags``) in the call that creates them, not with a get
      and a set afterwards.
    - Every resource and data source gets its readable address on creation
      (:mod:`foundry_constructs.addresses`).
    """
    from foundry_constructs.cdk import TerraformDataSource, TerraformResource

    from foundry_constructs.tagging import with_default_tags

    jsii_speed.fit(module)
    for cls in list(vars(module).values()):
        if isinstance(cls, type) and issubclass(cls, TerraformDataSource) and cls.__module__ == module.__name__:
            cls.__init__ = _named(cls.__init__)
            continue
        if not (isinstance(cls, type) and issubclass(cls, TerraformResource) and cls.__module__ == module.__name__):
            continue
        cls.__init__ = _named(cls.__init__)
        kept = False
        for attr in REFERENCE_ATTRIBUTES:
            prop = cls.__dict__.get(attr)
            if isinstance(prop, property) and prop.fget is not None:
                setattr(cls, attr, property(_kept(prop.fget, attr), prop.fset, prop.fdel, prop.__doc__))
                kept = True
        if kept:
            for_each = inspect.getattr_static(cls, "for_each")
            cls.for_each = property(for_each.fget, _forgetting(for_each.fset), for_each.fdel, for_each.__doc__)
        if _has_map_tags(cls):
            cls.__init__ = with_default_tags(cls.__init__)


def _named(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a resource or data source constructor so the element gets its readable address on creation."""
    from foundry_constructs.addresses import readable

    if getattr(init, "__foundry_named__", False):
        return init

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        readable(self)

    __init__.__foundry_named__ = True  # type: ignore[attr-defined]
    return __init__


def _has_map_tags(cls: type) -> bool:
    """True when the resource's ``tags`` argument is a map (two azurerm resources take a list)."""
    prop = cls.__dict__.get("tags_input")
    if not isinstance(prop, property) or prop.fget is None:
        return False
    hint = typing.get_type_hints(prop.fget).get("return")
    args = typing.get_args(hint) or (hint,)  # Optional[Mapping[str, str]] -> (Mapping[str, str], None)
    return any(typing.get_origin(a) is collections.abc.Mapping for a in args)


def _forgetting(setter: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    @functools.wraps(setter)
    def set_(self: Any, value: Any) -> None:
        for attr in REFERENCE_ATTRIBUTES:
            self.__dict__.pop(f"_foundry_ref_{attr}", None)
        setter(self, value)

    return set_


def _kept(getter: Callable[[Any], Any], attr: str) -> Callable[[Any], Any]:
    slot = f"_foundry_ref_{attr}"

    @functools.wraps(getter)
    def get(self: Any) -> Any:
        try:
            return self.__dict__[slot]
        except KeyError:
            value = self.__dict__[slot] = getter(self)
            return value

    return get


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
