"""The JSON renderer: the report's data as it is, indented, keys in a stable order.

Example::

    >>> json.loads(render_json(rep)) == rep
    True
"""

from __future__ import annotations

import json
from typing import Any


def render_json(rep: dict[str, Any]) -> str:
    return json.dumps(rep, indent=2, ensure_ascii=False) + "\n"
