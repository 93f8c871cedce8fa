"""The roles the release pipeline's identity may assign, computed from the synthesized stacks.

The identity that applies the stacks creates role assignments (AcrPull for the hubs, Key Vault
Crypto Officer for itself, ...). It gets "Role Based Access Control Administrator" with an ABAC
condition that allows assigning and removing exactly those roles and no others. The list is read
from ``cdktf.out/stacks/*/cdk.tf.json`` (every ``azurerm_role_assignment``), never written by hand,
so a stack that starts assigning a new role changes the condition, and a role missing from
:data:`BUILTIN_ROLES` stops the pipeline instead of slipping in unlisted. docs/pipeline.md explains.

Example::

    $ python -m app.pipeline_roles --out cdktf.out
    $ python -m app.pipeline_roles --condition-only      # for az role assignment create --condition

    >>> condition(["7f951dda-4ed3-4680-a7ca-43fe172d538d"])[:60]
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/w"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from app.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE

# Built-in roles the stacks may assign: name -> role definition id (the same in every Azure tenant).
# Each id checked against Microsoft's list of built-in roles
# (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). A role the stacks
# assign that is missing here raises UnknownRoleError: add it with its id, and to docs/pipeline.md.
BUILTIN_ROLES: dict[str, str] = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Azure AI Enterprise Network Connection Approver": "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
    "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
}

# What the pipeline's own identity holds (docs/pipeline.md, "Identity"): not assigned by the stacks.
PIPELINE_IDENTITY_ROLES: dict[str, str] = {
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Locks Contributor": "28bf596f-4eb7-45ce-b5bc-6cf482fec137",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
}

CONDITION_VERSION = "2.0"
DEFAULT_OUTDIR = "cdktf.out"
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ROLE_DEFINITION_ID = re.compile(
    r"^(?:/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleDefinitions/(" + _GUID.pattern + r")$",
    re.IGNORECASE,
)


class UnknownRoleError(ValueError):
    """A stack assigns a role that is not in :data:`BUILTIN_ROLES` (or one this module cannot name)."""


@dataclass(frozen=True)
class AssignedRole:
    """A role the stacks assign: its name, id, and where (``stack: resource address``)."""

    name: str
    id: str
    assignments: tuple[str, ...]


def assigned_roles(outdir: str | os.PathLike[str]) -> list[AssignedRole]:
    """Every role assigned in ``outdir/stacks/*/cdk.tf.json``, sorted by name.

    Raises :class:`FileNotFoundError` when ``outdir`` holds no synthesized stack and
    :class:`UnknownRoleError` for a role missing from :data:`BUILTIN_ROLES`.
    """
    files = sorted(Path(outdir).glob("stacks/*/cdk.tf.json"))
    if not files:
        raise FileNotFoundError(f"no synthesized stack in {outdir}/stacks/*/cdk.tf.json: run `make synth` first")
    found: dict[str, list[str]] = {}
    for path in files:
        stack = path.parent.name
        resources = json.loads(path.read_text()).get("resource", {}).get("azurerm_role_assignment", {})
        for address, body in sorted(resources.items()):
            name = _role_name(body, f"{stack}: azurerm_role_assignment.{address}")
            found.setdefault(name, []).append(f"{stack}: azurerm_role_assignment.{address}")
    return [AssignedRole(name=n, id=BUILTIN_ROLES[n], assignments=tuple(a)) for n, a in sorted(found.items())]


def _role_name(body: dict, where: str) -> str:
    name = body.get("role_definition_name")
    if name is not None:
        if name not in BUILTIN_ROLES:
            raise UnknownRoleError(
                f"{where} assigns {name!r}, which is not in app/pipeline_roles.py BUILTIN_ROLES: add it with its "
                "id from https://learn.microsoft.com/azure/role-based-access-control/built-in-roles and list it "
                "in docs/pipeline.md, so the pipeline identity's RBAC condition allows it"
            )
        return name
    ref = str(body.get("role_definition_id", ""))
    match = _ROLE_DEFINITION_ID.match(ref)
    by_id = {v: k for k, v in BUILTIN_ROLES.items()}
    if match and match.group(1).lower() in by_id:
        return by_id[match.group(1).lower()]
    raise UnknownRoleError(
        f"{where} assigns role definition {ref or '(none)'!r}, which is not a built-in role in "
        "app/pipeline_roles.py BUILTIN_ROLES (a computed id cannot be checked): use role_definition_name "
        "or add the role there and to docs/pipeline.md"
    )


def condition(role_ids: Iterable[str]) -> str:
    """The ABAC condition (version 2.0) limiting role assignment writes and deletes to ``role_ids``."""
    ids = sorted({i.lower() for i in role_ids})
    if not ids or any(not _GUID.fullmatch(i) for i in ids):
        raise ValueError(f"need at least one role definition GUID, got {ids!r}")
    listed = ", ".join(ids)
    return (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{listed}}})) "
        "AND "
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
        f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{listed}}}))"
    )


def render(roles: Sequence[AssignedRole]) -> str:
    """The role list and the condition, as ``python -m app.pipeline_roles`` prints them."""
    width = max(len(r.name) for r in roles)
    lines = ["Roles the stacks assign (the pipeline identity may assign these and no others):"]
    for r in roles:
        lines.append(f"  {r.name:<{width}}  {r.id}  ({len(r.assignments)} assignment{'s' * (len(r.assignments) != 1)})")
    lines += ["", f"Condition (version {CONDITION_VERSION}) for 'Role Based Access Control Administrator':",
              condition(r.id for r in roles)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.pipeline_roles",
        description="List the built-in roles the synthesized stacks assign and print the ABAC condition that "
        "limits the pipeline identity's 'Role Based Access Control Administrator' role to them.",
    )
    parser.add_argument("--out", help=f"synthesized output (default: $CDKTF_OUTDIR, else {DEFAULT_OUTDIR})")
    parser.add_argument("--condition-only", action="store_true", help="print only the condition string")
    args = parser.parse_args(argv)
    outdir = args.out or os.environ.get("CDKTF_OUTDIR") or DEFAULT_OUTDIR
    try:
        roles = assigned_roles(outdir)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except UnknownRoleError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    if not roles:
        print(f"error: the stacks in {outdir} assign no role: nothing to allow", file=sys.stderr)
        return EXIT_FAILED
    print(condition(r.id for r in roles) if args.condition_only else render(roles))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
