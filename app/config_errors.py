"""pydantic's validation errors as :class:`~app.errors.Problem` s naming what is allowed, and the problems beside them.

Example::

    >>> from pydantic import ValidationError
    >>> from app.config_schema import RawConfig
    >>> doc = {"naming": {"org": "Contoso", "workload": "fraud", "environment": "prod"},
    ...        "tags": {"owner": "me", "cost_center": "cc"},
    ...        "regions": {"primary": "eastuss", "secondaries": ["westus"]},
    ...        "compute": {"clusters": [{"name": "cpu", "vm_size": "Standard_D4s_v3", "size": 3}]}}
    >>> try:
    ...     RawConfig.model_validate(doc)
    ... except ValidationError as e:
    ...     error = e
    >>> for p in [_from_pydantic(err) for err in error.errors()] + _problems_beside(doc, error):
    ...     print(p.render())  # doctest: +ELLIPSIS
    naming.org: got 'Contoso'; allowed: lowercase letters and digits, starting with a letter [string-pattern-mismatch]
    compute.clusters[0].size: got 'size'; allowed: one of: name, vm_size, vm_priority, ... [unknown-key]
    regions.primary: got 'eastuss'; allowed: an Azure region name ... (did you mean eastus or ...?) [unknown-region]

:func:`_from_pydantic` turns one pydantic error into a problem: unknown keys
list the keys the section has (:func:`_model_at`), a pattern is described in
words (:data:`_PATTERN_TEXT`), an enum lists its values, a tagged union
(``backend``) drops the tag pydantic puts into the path. :func:`_problems_beside`
still runs the cross-field checks of :mod:`app.config_checks` on a file with
structural errors: the fields that failed are put back to their defaults (or a
stand-in value where required) and their problems are not reported twice, so a
user sees every problem of the file in one run.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ValidationError

from app.config_checks import _cross_checks, _region_checks
from app.config_schema import (
    _ARM_ID,
    _CIDR,
    _EMAIL,
    _HOST,
    _IMAGE,
    _LOCATION,
    _LOWER_ALNUM,
    _RECEIVER,
    AzurermBackend,
    CloudBackend,
    LocalBackend,
    Mode,
    RawConfig,
    Redundancy,
    Regions,
    RegistrySku,
)
from app.errors import Problem


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the mapping at ``loc`` (for listing allowed keys)."""
    import typing

    model: Any = RawConfig
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return None
            model = field.annotation
        # unwrap Optional / Annotated / list / dict to the model inside
        for _ in range(4):
            args = [a for a in typing.get_args(model) if a is not type(None)]
            if isinstance(model, type) and issubclass(model, BaseModel):
                break
            model = args[-1] if args else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


_ENUMS: dict[str, type[enum.Enum]] = {e.__name__: e for e in (Mode, Redundancy, RegistrySku)}
_PATTERN_TEXT = {
    _LOWER_ALNUM: "lowercase letters and digits, starting with a letter",
    r"^Standard_[A-Za-z0-9_]+\Z": "an Azure VM size such as 'Standard_D4s_v3'",
    r"^[^<>%&\\?/]+\Z": "a tag name without < > % & \\ ? or /",
    r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z": "a subscription id (a GUID)",
    _IMAGE: "an image reference without registry host: REPOSITORY:TAG or REPOSITORY@sha256:DIGEST",
    _CIDR: "an IPv4 address space in CIDR notation, e.g. 10.10.0.0/16",
    _EMAIL: "an e-mail address",
    _HOST: "a DNS host name in lowercase, e.g. scoring-eus.contoso.com",
    _RECEIVER: "1-64 letters, digits, spaces, '_', '.' or '-'",
    r"^https://[^\s]+\Z": "an https:// URL",
    r"^/[^\s]*\Z": "an absolute URL path, e.g. /health",
    r"^[1-5]\d\d(-[1-5]\d\d)?\Z": "a status code or range, e.g. '200' or '200-299'",
    r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]\Z": "lowercase letters, digits and hyphens (a DNS label)",
    r"^[a-z0-9_.]+\Z": "a price key from app/prices.yaml",
    r"^[a-z0-9.{}-]+\Z": "a host name with {region} or {code}, e.g. scoring-{code}.fraud.contoso.com",
    r"^[-\w.()]{0,89}[-\w()]\Z": "a resource group name",
    r"^[a-z0-9]{3,24}\Z": "a storage account name: 3-24 lowercase letters and digits",
    r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\Z": "a blob container name: 3-63 lowercase letters, digits, single hyphens",
    r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,200}\Z": "letters, digits, '_', '.', '/', '-'",
    r"^(?!/)(?!.*\.\.)[A-Za-z0-9_./-]+\Z": "a relative folder without '..', e.g. state",
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z": "an HCP Terraform organization name",
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,60}\Z": "letters, digits, '_' and '-' (workspace names are <prefix>-<stack>)",
    r"^[A-Za-z0-9 _-]+\Z": "letters, digits, spaces, '_' and '-'",
    _ARM_ID: "an Azure resource id as `az ... show --query id` prints it: /subscriptions/<GUID>/resourceGroups/<group>"
             "[/providers/<namespace>/<type>/<name>], without $, %, {, } or spaces",
    _LOCATION: "an Azure location, e.g. eastus (or East US)",
    r"^(Standard|Premium)(V2)?_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)\Z": "the account's sku.name, e.g. Standard_GRS",
}


_TAGGED: dict[str, dict[str, type[BaseModel]]] = {
    "backend": {"local": LocalBackend, "azurerm": AzurermBackend, "cloud": CloudBackend},
}


def _from_pydantic(err: dict[str, Any]) -> Problem:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    value = err.get("input")
    tagged = _TAGGED.get(loc[0]) if loc else None
    if tagged is not None and len(loc) > 1 and loc[1] in tagged:
        # pydantic puts the union member's tag into the path; the user never wrote it
        member, loc = tagged[loc[1]], (loc[0], *loc[2:])
        if kind == "extra_forbidden":
            return Problem(code="unknown-key", path=_path(loc), value=loc[-1],
                           allowed=f"one of: {', '.join(member.model_fields)}", hint="remove it or fix its spelling")
    if kind in ("union_tag_invalid", "union_tag_not_found") and tagged is not None:
        return Problem(code="unknown-type", path=_path(loc) + ".type",
                       value=(value or {}).get("type") if isinstance(value, dict) else value,
                       allowed="one of " + ", ".join(repr(t) for t in tagged))
    if kind == "extra_forbidden":
        owner = _model_at(loc[:-1])
        known = ", ".join(owner.model_fields) if owner else "see config/default.yaml"
        return Problem(code="unknown-key", path=_path(loc), value=loc[-1], allowed=f"one of: {known}",
                       hint="remove it or fix its spelling")
    if kind == "missing":
        return Problem(code="missing", path=_path(loc), allowed="a value for this required field")
    ctx = err.get("ctx") or {}
    allowed = str(err.get("msg", "")).removeprefix("Input should be ").removeprefix("Value error, ")
    if kind == "is_instance_of" and ctx.get("class") in _ENUMS:
        allowed = "one of " + ", ".join(repr(m.value) for m in _ENUMS[ctx["class"]])
    elif kind == "string_pattern_mismatch":
        allowed = _PATTERN_TEXT.get(ctx.get("pattern", ""), allowed)
    return Problem(code=kind.replace("_", "-") or "invalid", path=_path(loc), value=value, allowed=allowed)


# --------------------------------------------------------------------------- the checks beside them


def _problems_beside(doc: dict[str, Any], error: ValidationError) -> list[Problem]:
    """With structural errors, still run the region, cross-field and name checks on what did validate: every
    problem of the file in one run. Fields that failed are put back to their defaults (or the default config's
    value where required) and their problems are not reported twice."""
    patched = _without_failed_fields(doc, error)
    if patched is None:
        return _region_problems_alone(doc)
    try:
        raw = RawConfig.model_validate(patched)
    except ValidationError:
        return _region_problems_alone(doc)
    failed = {_path(tuple(e.get("loc", ()))) for e in error.errors()}
    errors, _ = _cross_checks(raw)
    return [p for p in errors if not any(p.path == f or p.path.startswith(f + ".") or p.path.startswith(f + "[")
                                         for f in failed)]


def _without_failed_fields(doc: dict[str, Any], error: ValidationError) -> dict[str, Any] | None:
    import copy

    patched = copy.deepcopy(doc)
    fallback = _fallback_doc()
    for err in error.errors():
        loc = [p for p in err.get("loc", ()) if p not in ("local", "azurerm", "cloud")]
        if not loc:
            return None
        node, ref = patched, fallback
        for part in loc[:-1]:
            if isinstance(node, (dict, list)) and _has(node, part):
                node = node[part]
                ref = ref[part] if isinstance(ref, (dict, list)) and _has(ref, part) else None
            else:
                node = None
                break
        if not isinstance(node, (dict, list)) or not _has(node, loc[-1]):
            if err.get("type") == "missing" and isinstance(node, dict) and isinstance(ref, dict) and loc[-1] in ref:
                node[loc[-1]] = copy.deepcopy(ref[loc[-1]])
                continue
            return None
        if isinstance(ref, (dict, list)) and _has(ref, loc[-1]):
            node[loc[-1]] = copy.deepcopy(ref[loc[-1]])
        elif isinstance(node, dict):
            del node[loc[-1]]
        else:
            return None
    return patched


def _has(node: dict | list, key: Any) -> bool:
    return key in node if isinstance(node, dict) else isinstance(key, int) and 0 <= key < len(node)


def _fallback_doc() -> dict[str, Any]:
    """Values to stand in for fields that failed validation, so the other checks can still run."""
    return {
        "naming": {"org": "org", "workload": "work", "environment": "env"},
        "tags": {"owner": "owner", "cost_center": "cc"},
        "regions": {"primary": "eastus", "secondaries": ["westus"]},
        "compute": {"clusters": [{"name": "cluster", "vm_size": "Standard_D4s_v3"}]},
    }


def _region_problems_alone(doc: dict[str, Any]) -> list[Problem]:
    """When the file has structural errors, still report region mistakes: all problems at once."""
    try:
        regions = Regions.model_validate(doc.get("regions"))
    except ValidationError:
        return []
    return _region_checks(regions)[0]
