"""Config strings as Terraform literals: ``${`` -> ``$${``, ``%{`` -> ``%%{``, in one place.

Example::

    >>> literal('${file("/etc/hostname")}')
    '$${file("/etc/hostname")}'
    >>> literal("100%{ for x in y }")
    '100%%{ for x in y }'

Every string of the Terraform JSON syntax is a template: ``${...}`` is
evaluated, ``%{...}`` is a directive. A config value such as
``tags.owner: '${file("/etc/hostname")}'`` would read a file on whoever runs
``terraform plan`` into tags, plan logs and state. :func:`literal_model` turns a
whole validated config into the same config with every string (map keys too)
escaped; ``stacks.app.build_app`` hands the stacks only that copy, so no
construct needs to escape a field of its own. Strings the constructs build
themselves (references, ``timeadd(...)``) are not config and stay expressions.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def literal(text: str) -> str:
    """``text`` as a Terraform template that evaluates to exactly ``text``."""
    return text.replace("${", "$${").replace("%{", "%%{")


def unliteral(text: str) -> str:
    """The value Terraform reads from a template written by :func:`literal` (for tests and reports)."""
    return text.replace("$${", "${").replace("%%{", "%{")


def literal_model(model: M) -> M:
    """A copy of ``model`` whose every string, at any depth, is :func:`literal` (enums are left alone)."""
    return _escape(model)


def _escape(value: Any) -> Any:
    if isinstance(value, enum.Enum):  # StrEnum members are str too: closed sets, never templates
        return value
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, BaseModel):
        fields = {name: _escape(getattr(value, name)) for name in type(value).model_fields}
        return type(value).model_construct(_fields_set=value.model_fields_set, **fields)
    if isinstance(value, dict):
        return {_escape(k): _escape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_escape(v) for v in value)
    return value
