"""Readable Terraform addresses: ``azurerm_storage_account.training_data``, not ``..._training-data_account_F325634F``.

Example::

    from foundry_constructs.addresses import address, readable

    account = storage_account.StorageAccount(self, "account", ...)   # gets its name on creation
    address(account)            # "azurerm_storage_account.training_data"

Every resource and data source the construct library creates gets its logical
id (the name part of its Terraform address) from its construct path, on
creation: the provider classes are fitted in :mod:`foundry_constructs.azurerm`,
the few plain ``TerraformResource``/``TerraformDataSource`` uses call
:func:`readable`. cdktf's own ids end in a hash and keep hyphens; plan reviews,
``terraform state`` commands, ``-target``, import blocks and runbooks would have
to spell those out.

The rule, a function of the path alone (so adding a second project or cluster
never renames the first): drop the stack and the pattern layers
(:data:`LAYERS`), drop a last part the resource type already says (a
construct's primary resource: ``training-data/account`` ->
``training_data``), fold an immediately repeated word (``hub/hub`` -> ``hub``),
drop a type's own prefix (``pe-registry`` -> ``registry`` for a private
endpoint), lower snake_case. Unique within a stack per type: a test checks every
address of every shipped config. Ids are API: renaming a construct renames its
address (state mv or destroy/create).
"""

from __future__ import annotations

import re
from typing import Any

LAYERS = frozenset({"platform", "regional", "network", "watch"})
GENERIC_LAST = frozenset({"resource", "read", "action", "sleep", "alert", "account", "vault", "registry", "hub",
                          "cluster"})
TYPE_PREFIX = {
    "azurerm_private_endpoint": "pe_",
    "azurerm_private_dns_zone": "zone_",
    "azurerm_private_dns_zone_virtual_network_link": "link_",
    "azurerm_monitor_diagnostic_setting": "diagnostics_",
    "azurerm_monitor_metric_alert": "metric_",
}
_MARK = "_foundry_logical_id"


def _snake(part: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", part.lower()).strip("_")


def logical_id(path: str, rtype: str) -> str:
    """The readable name of the element at construct ``path`` (``stack/...``) of Terraform type ``rtype``."""
    parts = path.split("/")[1:]
    while len(parts) > 1 and parts[0] in LAYERS:
        parts = parts[1:]
    words = [_snake(p) for p in parts]
    if len(words) > 1 and (rtype.endswith("_" + words[-1]) or words[-1] in GENERIC_LAST):
        words = words[:-1]
    name = re.sub(r"\b(\w+)_\1\b", r"\1", "_".join(words))
    prefix = TYPE_PREFIX.get(rtype)
    if prefix and name.startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix):]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"no readable Terraform name for {path!r} ({rtype}): got {name!r}")
    return name


def readable(element: Any) -> Any:
    """Give ``element`` (a resource or data source) its readable logical id; returns it."""
    name = logical_id(element.node.path, element.terraform_resource_type)
    element.override_logical_id(name)
    setattr(element, _MARK, name)
    return element


def address(element: Any) -> str:
    """``type.name`` (``data.type.name`` for a data source) of an element named by :func:`readable`."""
    from foundry_constructs.cdk import TerraformDataSource

    name = getattr(element, _MARK, None)
    if name is None:
        raise ValueError(f"{element.node.path} has no readable name: create it through foundry_constructs")
    prefix = "data." if isinstance(element, TerraformDataSource) else ""
    return f"{prefix}{element.terraform_resource_type}.{name}"
