"""The HTML renderer: one self-contained page, the vendored Mermaid inlined (checked against its sha256).

Example::

    >>> page = render_html(build(cfg))
    >>> '<pre class="mermaid" id="replication-diagram">' in page
    True
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Any

from app.report.document import blocks

MERMAID_JS = Path(__file__).resolve().parents[1] / "vendor" / "mermaid" / "mermaid.min.js"
MERMAID_VERSION = "11.17.2"
MERMAID_SHA256 = "581ed7d74bd9048d0e3a91363927d72ef22942d7722546b27f7cc29e35390eb8"

def _inline(text: str) -> str:
    out = html.escape(text, quote=True)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(https://[^\s<,;)]+)", r'<a href="\1">\1</a>', out)


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:75rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}h3{margin-top:1.4rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:13px}th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}code,pre{font-family:ui-monospace,Consolas,monospace;font-size:12.5px}pre{background:#f6f8fa;padding:.6rem;overflow:auto}
.diagram{border:1px solid #ddd;padding:.5rem;overflow:auto}details{margin:.5rem 0}
"""


def render_html(rep: dict[str, Any]) -> str:
    js = mermaid_js()
    body: list[str] = []
    for b in blocks(rep):
        kind = b[0]
        if kind == "h":
            body.append(f"<h{b[1]}>{_inline(b[2])}</h{b[1]}>")
        elif kind == "p":
            body.append(f"<p>{_inline(b[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b[1]) + "</ul>")
        elif kind == "code":
            body.append(f"<pre>{html.escape(b[1])}</pre>")
        elif kind == "mermaid":
            body.append(f'<div class="diagram"><pre class="mermaid" id="{html.escape(b[2])}">{html.escape(b[1])}</pre></div>')
            body.append(f"<details><summary>Diagram source (Mermaid)</summary><pre>{html.escape(b[1])}</pre></details>")
        elif kind == "table":
            head = "".join(f"<th>{_inline(h)}</th>" for h in b[1])
            rows = "".join("<tr>" + "".join(f"<td>{_inline(str(c))}</td>" for c in r) + "</tr>" for r in b[2])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    title = html.escape(rep["meta"]["title"])
    csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body data-diagram=\"pending\">\n"
        + "\n".join(body)
        + f"\n<!-- mermaid {MERMAID_VERSION} (MIT licence, Copyright (c) 2014 - 2022 Knut Sveidqvist), inlined from "
          "app/vendor/mermaid/mermaid.min.js; bundled licence notices are kept inside it -->\n"
        + "<script>\n" + js + "\n</script>\n"
        + "<script>\n"
          "mermaid.initialize({startOnLoad: false, securityLevel: 'strict', theme: 'neutral'});\n"
          "mermaid.run({querySelector: 'pre.mermaid'}).then(\n"
          "  function () { document.body.setAttribute('data-diagram', 'rendered'); },\n"
          "  function (e) { document.body.setAttribute('data-diagram', 'failed: ' + e); });\n"
          "</script>\n</body>\n</html>\n"
    )


def mermaid_js() -> str:
    """The vendored mermaid bundle, checked against its recorded sha256 before it goes into a page."""
    data = MERMAID_JS.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != MERMAID_SHA256:
        raise RuntimeError(f"{MERMAID_JS}: sha256 {digest} does not match the recorded {MERMAID_SHA256} "
                           "(see app/vendor/mermaid/README.md)")
    text = data.decode("utf-8")
    if "</script" in text.lower():
        raise RuntimeError(f"{MERMAID_JS} contains '</script' and cannot be inlined")
    return text

