"""The markdown renderer: the document's blocks, the diagram in a ```mermaid fence.

Example::

    >>> render_markdown(build(cfg)).startswith("# ")
    True
"""

from __future__ import annotations

from typing import Any

from app.report.document import blocks

def render_markdown(rep: dict[str, Any]) -> str:
    parts: list[str] = []
    for b in blocks(rep):
        kind = b[0]
        if kind == "h":
            parts.append("#" * b[1] + " " + b[2])
        elif kind == "p":
            parts.append(b[1])
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in b[1]))
        elif kind == "code":
            parts.append("```text\n" + b[1] + "\n```")
        elif kind == "mermaid":
            parts.append("```mermaid\n" + b[1].rstrip("\n") + "\n```")
        elif kind == "table":
            def row(cells: list[str]) -> str:
                return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
            parts.append("\n".join([row(b[1]), "|" + "---|" * len(b[1])] + [row(r) for r in b[2]]))
    return "\n\n".join(parts) + "\n"

