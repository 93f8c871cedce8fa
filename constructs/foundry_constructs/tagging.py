"""The platform's tags on every taggable resource, as defaults.

Example::

    from foundry_constructs.tagging import default_tags

    with default_tags({"owner": "ai-platform@contoso.com"}):
        stack = SharedStack(app, cfg)             # every taggable resource built here gets them

A tag a construct passes itself is never overwritten: defaults fill in, they
do not override. Only resources whose schema has a ``tags`` map get them;
nothing is created. A nested block adds to (and may override) the outer one.

How: ``foundry_constructs.azurerm`` wraps the constructor of every taggable
resource class it loads with ``with_default_tags``, so the tags travel in the
call that creates the resource. So the defaults are applied at construction:
assigning ``resource.tags`` later replaces the whole map, defaults included.
Not a cdktf Aspect: an Aspect is visited from Node.js, one callback into
Python per construct (~0.25 s of a synth), and setting tags after the fact
costs two Python<->Node round trips per resource.
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar
from typing import Any, Callable, Iterator, Mapping

_DEFAULTS: ContextVar[Mapping[str, str]] = ContextVar("foundry_default_tags", default={})


@contextlib.contextmanager
def default_tags(tags: Mapping[str, str]) -> Iterator[None]:
    """Within the block, every taggable resource created gets ``tags`` under its own."""
    token = _DEFAULTS.set({**_DEFAULTS.get(), **tags})
    try:
        yield
    finally:
        _DEFAULTS.reset(token)


def merged(own: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """``own`` tags over the current defaults (``None`` when there are neither)."""
    defaults = _DEFAULTS.get()
    if not defaults:
        return own
    return {**defaults, **(own or {})}


def with_default_tags(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a resource constructor (keyword argument ``tags``) so it merges the current defaults."""
    if getattr(init, "__foundry_tagged__", False):
        return init

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, tags: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        init(self, *args, tags=merged(tags), **kwargs)

    __init__.__foundry_tagged__ = True  # type: ignore[attr-defined]
    return __init__
