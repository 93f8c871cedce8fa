"""Cross-cutting features in one shape for every construct: locks and identity grants.

Example::

    from foundry_constructs.interfaces import Grant, Lock, add_grants, add_lock

    add_lock(self, registry, Lock(notes="Holds every model image"), name="lock-cr")
    add_grants(self, principal_id=hub.identity.principal_id,
               grants=(Grant(role="AcrPull", target=registry),))

Every resource construct that holds something worth keeping takes ``lock`` (on
by default, ``None`` to opt out) and, where it has a managed identity,
``grants``: the Azure RBAC roles its identity gets on other resources.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, Sequence

from constructs import Construct

from foundry_constructs.azurerm import management_lock, role_assignment


class HasId(Protocol):
    """Any Terraform resource: everything with an ``id`` attribute."""

    @property
    def id(self) -> str: ...


class LockLevel(enum.StrEnum):
    CAN_NOT_DELETE = "CanNotDelete"
    READ_ONLY = "ReadOnly"


@dataclass(frozen=True, kw_only=True)
class Lock:
    """A management lock on a construct's primary resource.

    level: CanNotDelete by default (ReadOnly would block normal operations).
    notes: why the lock is there, shown in the portal to whoever tries to delete.
    """

    notes: str
    level: LockLevel = LockLevel.CAN_NOT_DELETE


@dataclass(frozen=True, kw_only=True)
class Grant:
    """An Azure RBAC role for a construct's managed identity on another resource.

    role: a built-in role name, e.g. "AcrPull", "Storage Blob Data Reader".
    target: the resource the role is scoped to (an object, not an id string).
    """

    role: str
    target: HasId


def add_lock(scope: Construct, target: HasId, lock: Lock | None, *, name: str) -> management_lock.ManagementLock | None:
    """Lock ``target`` as ``lock`` says; nothing when ``lock`` is None."""
    if lock is None:
        return None
    return management_lock.ManagementLock(
        scope, "lock", name=name, scope=target.id, lock_level=lock.level.value, notes=lock.notes
    )


def add_grants(
    scope: Construct, *, principal_id: str, grants: Sequence[Grant], id_prefix: str = "grant"
) -> list[role_assignment.RoleAssignment]:
    """One role assignment per grant for a managed identity's ``principal_id``."""
    out = []
    for g in grants:
        slug = g.role.lower().replace(" ", "-")
        out.append(
            role_assignment.RoleAssignment(
                scope,
                f"{id_prefix}-{slug}-{_target_slug(g.target)}",
                scope=g.target.id,
                role_definition_name=g.role,
                principal_id=principal_id,
                principal_type="ServicePrincipal",
            )
        )
    return out


def _target_slug(target: HasId) -> str:
    node = getattr(target, "node", None)
    return node.id if node is not None else "target"
