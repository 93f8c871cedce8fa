"""The stacks as a Mermaid flowchart: one subgraph per stack, one box per group of resources.

Example::

    >>> print(mermaid(stacks(cfg)))   # doctest: +SKIP
    flowchart TB
      subgraph st0["fraud-prod-shared (eastus)"]
      ...
"""

from __future__ import annotations

import re
from typing import Any

def mermaid(all_stacks: list[dict[str, Any]]) -> str:
    """A flowchart: one subgraph per stack, one box per group of resources, edges for dependencies."""
    ids = {s["name"]: f"st{i}" for i, s in enumerate(all_stacks)}
    lines = ["flowchart TB"]  # stacks top to bottom in deployment order; each stack a row of boxes
    for s in all_stacks:
        sid = ids[s["name"]]
        where = "global" if s["location"] == "global" else s["location"]
        lines.append(f'  subgraph {sid}["{_mm(s["name"])} ({where})"]')
        groups: dict[str, list[str]] = {}
        for r in s["resources"]:
            groups.setdefault(r["group"], []).append(f'{r["kind"]} x{r["count"]}')
        for gi, (group, items) in enumerate(groups.items()):
            label = "<br/>".join([f"<b>{_mm(group)}</b>"] + [_mm(i) for i in items])
            lines.append(f'    {sid}g{gi}["{label}"]')
        if len(groups) > 1:  # invisible links keep a stack's boxes in one row
            lines.append("    " + " ~~~ ".join(f"{sid}g{gi}" for gi in range(len(groups))))
        lines.append("  end")
    for s in all_stacks:  # solid: a Terraform dependency (manifest.json); dotted: the release policy's order
        for dep in s["depends_on"]:
            lines.append(f'  {ids[dep]} -- "remote state: ids" --> {ids[s["name"]]}')
        for before in s.get("deploy_after", []):
            lines.append(f'  {ids[before]} -. "deploy after (release gate)" .-> {ids[s["name"]]}')
    for s in all_stacks:
        if s["scope"] == "routing":
            for r in all_stacks:
                if r["scope"] == "region":
                    lines.append(f'  {ids[s["name"]]} -. "probe, failover" .-> {ids[r["name"]]}')
    return "\n".join(lines) + "\n"


def _mm(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return re.sub(r'["#;]', "", text).replace("&", "and")

