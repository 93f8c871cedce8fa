"""A config file in, plain data out, refusing what YAML would read differently from what was meant.

Example::

    >>> from app.config_yaml import read_yaml
    >>> read_yaml("config/default.yaml")["regions"]["secondaries"]
    ['westus']
    >>> import yaml
    >>> yaml.load("private: yes", Loader=_StrictLoader)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    yaml.constructor.ConstructorError: 'yes' would be read as a boolean (YAML 1.1): write true or false, ...

:func:`read_yaml` reads at most :data:`MAX_CONFIG_BYTES` of a regular file
(no FIFO, device or directory), UTF-8 only, with :class:`_StrictLoader`: a
``SafeLoader`` that refuses anchors and aliases ("billion laughs"), duplicate
keys (PyYAML keeps the last one silently), non-string keys, and YAML 1.1's
surprises (``yes``/``on`` as booleans, ``010`` as 8, ``1_000``, base 60,
``.inf``/``.nan``). Anything else raises :class:`~app.errors.ConfigError` with
one problem at the path ``(file)``; the structure is checked afterwards by
:func:`app.config.load_config`.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Any

import yaml

from app.errors import ConfigError, Problem

MAX_CONFIG_BYTES = 256 * 1024


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that also refuses anchors/aliases and duplicate keys.

    Aliases are how a small file smuggles a huge or self-referencing object
    ("billion laughs"); a platform config never needs them. Duplicate keys are
    silently last-wins in PyYAML, which hides mistakes.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in a platform config", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML anchors (&name) are not allowed in a platform config", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # noqa: D102
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping keys must be strings, found {key!r}", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_YAML11_BOOL = {"yes", "no", "on", "off", "y", "n"}


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    """Only ``true``/``false``: YAML 1.1 also reads yes/no/on/off as booleans, which surprises."""
    if node.value.lower() not in ("true", "false"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} would be read as a boolean (YAML 1.1): write true or false, or quote it "
            f"('{node.value}') for text", node.start_mark)
    return node.value.lower() == "true"


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """Only plain decimal integers: YAML 1.1 reads 010 as 8, 0x10 as 16, 1_000 as 1000 and 1:30 as 90."""
    if not re.fullmatch(r"[-+]?(0|[1-9][0-9]*)", node.value):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} would be read as {yaml.SafeLoader.construct_yaml_int(loader, node)!r} "
            f"(YAML 1.1 octal, hex, '_' or base-60): write the decimal number, or quote it ('{node.value}') for text",
            node.start_mark)
    return int(node.value)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    """No ``.inf``, ``.nan``, ``_`` or base-60 floats: none is a sensible config value."""
    if "_" in node.value or ":" in node.value or node.value.lower().lstrip("+-") in (".inf", ".nan"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a plain decimal number: write e.g. 99.95, or quote it for text",
            node.start_mark)
    return yaml.SafeLoader.construct_yaml_float(loader, node)


_StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _file_problem(code: str, value: object, allowed: str, hint: str = "") -> Problem:
    return Problem(code=code, path="(file)", value=value, allowed=allowed, hint=hint)


def read_yaml(path: str) -> dict[str, Any]:
    """Read a config file into plain data, or raise :class:`ConfigError`."""
    try:
        # O_NONBLOCK: a FIFO or device opens at once instead of blocking; then only a regular file is read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ConfigError(path, [_file_problem("not-a-file", path, "a regular YAML file",
                                                       "not a FIFO, device, socket or directory")])
            data = f.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(path, [_file_problem("no-file", path, "a path to an existing YAML file")]) from None
    except IsADirectoryError:
        raise ConfigError(path, [_file_problem("not-a-file", path, "a regular YAML file", "this is a directory")]) from None
    except (IsADirectoryError, PermissionError, OSError) as e:
        raise ConfigError(path, [_file_problem("unreadable", path, "a readable YAML file", e.strerror or "")]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(path, [_file_problem("too-large", f"over {MAX_CONFIG_BYTES} bytes", f"at most {MAX_CONFIG_BYTES} bytes")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(path, [_file_problem("not-utf8", f"byte {e.start}", "UTF-8 text")]) from None
    try:
        doc = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError(
            path, [_file_problem("yaml-syntax", where, "plain YAML mappings, lists and scalars", e.problem or str(e))]
        ) from None
    except (yaml.YAMLError, RecursionError, ValueError) as e:
        raise ConfigError(path, [_file_problem("yaml-syntax", type(e).__name__, "plain YAML", str(e)[:120])]) from None
    if doc is None:
        raise ConfigError(path, [_file_problem("empty", "an empty document", "a mapping with the sections naming, tags, regions, compute")])
    if not isinstance(doc, dict):
        raise ConfigError(path, [_file_problem("not-a-mapping", type(doc).__name__, "a mapping at the top level")])
    return doc
