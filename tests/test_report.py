"""python main.py report: the design document, from the config and the stacks it synthesizes; its three formats."""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import report
from app.report.to_html import MERMAID_SHA256, MERMAID_VERSION, mermaid_js
from tests.report_support import DEFAULT_STACKS, ROOT, build, default_report, europe, run_report, three_region  # noqa: F401

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")


@pytest.mark.parametrize("make", [three_region, europe], ids=["three-regions", "northeurope-westeurope"])
def test_other_region_sets_render_in_every_format(tmp_path, make):
    path = make(tmp_path)
    rep = build(path)
    names = [s["name"] for s in rep["stacks"]]
    assert names[0] == "fraud-prod-shared" and names[-1] == "fraud-prod-routing"
    md = report.render(rep, "markdown")
    data = json.loads(report.render(rep, "json"))
    page = report.render(rep, "html")
    for name in names:
        assert name in md and name in rep["deployment_diagram"] and name in page
    for loc in [rep["meta"]["primary"], *rep["meta"]["secondaries"]]:
        assert f"<b>{loc}</b>" in rep["diagram"]
    assert data["stacks"] == rep["stacks"]
    if make is europe:
        assert names[1:3] == ["fraud-prod-northeurope", "fraud-prod-westeurope"]
        assert "replicated asynchronously to westeurope" in md
        # Europe pricing uses the same (East US) table; the pair is a hub region, so no pair warning.
        assert not any(w["code"] == "pair-not-secondary" for w in rep["warnings"])


def test_markdown_has_the_mermaid_fence_and_every_stack(default_report):
    md = report.render(default_report, "markdown")
    assert "```mermaid\nflowchart TB\n" in md and "```mermaid\nflowchart LR\n" in md
    for name in DEFAULT_STACKS:
        assert name in md
    for heading in ("## What replicates where", "## Stacks and deployment order", "## Availability", "## RPO, RTO and durability",
                    "## Monthly cost estimate", "## Decisions and trade-offs"):
        assert heading in md
    assert "A_design <= A_regions x A_global" in md


def test_json_is_deterministic_with_stable_keys():
    first, second = run_report("--format", "json"), run_report("--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert {"stacks", "topology", "availability", "rpo_rto", "durability", "cost", "usage", "comparisons", "decisions",
            "warnings", "sources"} <= set(data)


class _Refs(html.parser.HTMLParser):
    """Every URL the page would fetch by itself: script/img/iframe src, link href, object data, CSS url()."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[str] = []
        self.scripts_with_src = 0
        self.csp = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and "src" in a:
            self.scripts_with_src += 1
        for attr in ("src", "data", "poster") if tag != "a" else ():
            if a.get(attr):
                self.fetches.append(a[attr] or "")
        if tag == "link" and a.get("href"):
            self.fetches.append(a["href"] or "")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content") or ""


def test_html_is_self_contained(tmp_path, default_report):
    out = tmp_path / "report.html"
    r = run_report("--format", "html", "--out", str(out))
    assert r.returncode == 0 and r.stdout == "" and f"wrote {out}" in r.stderr
    page = out.read_text()
    refs = _Refs()
    refs.feed(page)
    assert refs.fetches == [] and refs.scripts_with_src == 0
    assert "default-src 'none'" in refs.csp and "connect-src" not in refs.csp
    assert "@import" not in page.split("<script>")[0] and "url(http" not in page
    assert MERMAID_VERSION in page and '<pre class="mermaid" id="replication-diagram">' in page and 'id="deployment-diagram">' in page
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_vendored_mermaid_matches_its_recorded_digest():
    assert mermaid_js().startswith('"use strict";')
    readme = (ROOT / "app" / "vendor" / "mermaid" / "README.md").read_text()
    assert MERMAID_SHA256 in readme and MERMAID_VERSION in readme
    assert "MIT" in (ROOT / "app" / "vendor" / "mermaid" / "LICENSE").read_text()


def test_report_imports_light_and_renders_a_synthesized_output_without_node(default_synth):
    """The CLI imports the package to build its parser: no pydantic then. Given an output, no cdktf or jsii either."""
    code = ("import sys\nfrom app import report\nassert 'pydantic' not in sys.modules, 'import must stay light'\n"
            "from app.config import load_config\nfrom app.report.synthesized import Output\n"
            f"out = Output.read({str(default_synth.outdir)!r})\n"
            "report.render(report.build(load_config('config/default.yaml'), output=out), 'html')\n"
            "print(sorted(m for m in ('cdktf', 'jsii', 'constructs') if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the page in a real browser


def find_browser() -> str:
    """A headless Chromium; skip when missing on a developer machine, fail under CI=true."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    reason = f"needs a headless Chromium on PATH ({', '.join(BROWSERS)}; apt-get install -y chromium-headless-shell)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


# Appended to a copy of the page: once Mermaid has drawn, the smallest rendered text of each diagram's SVG in CSS px
# (its computed font size times the SVG's scale on the page), written where --dump-dom shows it.
MEASURE_TEXT = """<script>
(function poll() {
  if (document.body.getAttribute('data-diagram') === 'pending') { setTimeout(poll, 50); return; }
  var out = [];
  document.querySelectorAll('pre.mermaid svg').forEach(function (svg) {
    var vb = svg.viewBox.baseVal, scale = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
    var min = 1e9, n = 0;
    svg.querySelectorAll('text, foreignObject span, foreignObject div, foreignObject p').forEach(function (el) {
      if (!el.textContent.trim()) return;
      n += 1; min = Math.min(min, parseFloat(getComputedStyle(el).fontSize) * scale);
    });
    out.push(svg.closest('pre').id + '=' + min.toFixed(2) + '/' + n);
  });
  document.body.setAttribute('data-text-px', out.join(' '));
})();
</script>
"""


def render_in_browser(tmp_path: Path, config: Path, name: str) -> tuple[str, dict[str, tuple[float, int]]]:
    """The page for ``config`` as a 1,400 px wide headless Chromium renders it: its DOM and each diagram's smallest text."""
    browser = find_browser()
    out = tmp_path / f"{name}.html"
    assert run_report("--config", str(config), "--format", "html", "--out", str(out)).returncode == 0
    head, tail = out.read_text().rsplit("</body>", 1)
    measured = tmp_path / f"{name}-measured.html"
    measured.write_text(head + MEASURE_TEXT + "</body>" + tail)
    r = subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                        f"--user-data-dir={tmp_path / ('profile-' + name)}", "--window-size=1400,1000",
                        "--virtual-time-budget=10000", "--dump-dom", measured.as_uri()],
                       capture_output=True, text=True, timeout=120)
    dom = r.stdout
    assert 'data-diagram="rendered"' in dom, (r.returncode, dom[:500], r.stderr[-2000:])
    found = dom.split('data-text-px="', 1)[1].split('"', 1)[0]
    sizes = {k: (float(v.split("/")[0]), int(v.split("/")[1])) for k, v in (x.split("=") for x in found.split())}
    return dom, sizes


def diagram_svg(dom: str, diagram_id: str) -> str:
    start = dom.index(f'id="{diagram_id}"')
    tag = dom[dom.rindex("<pre", 0, start):dom.index(">", start)]
    assert 'data-processed="true"' in tag, diagram_id
    svg = dom[start:dom.index("</pre>", start)]
    assert "<svg" in svg, diagram_id
    return svg


def test_html_diagram_renders_in_a_browser(tmp_path):
    dom, sizes = render_in_browser(tmp_path, three_region(tmp_path), "three")
    deploy = diagram_svg(dom, "deployment-diagram")
    for name in ("fraud-prod-shared", "fraud-prod-eastus", "fraud-prod-westus2", "fraud-prod-westus", "fraud-prod-routing"):
        assert f">{name} (" in deploy, name  # a text node of the rendered SVG, not the source
    assert "remote state: ids" in deploy and "deploy after" in deploy
    replication = diagram_svg(dom, "replication-diagram")
    for text in ("eastus</b>: primary, active, served 1st", "westus2</b>: secondary, passive, served 2nd",
                 "registry, async", "GRS data to the pair", "Traffic Manager, Priority"):
        assert text in replication, text
    # text an approver can read at 1,400 px: at least 12 px in both diagrams
    assert set(sizes) == {"replication-diagram", "deployment-diagram"}
    for diagram_id, (px, count) in sizes.items():
        assert count >= 5 and px >= 12, (diagram_id, px)


def test_eight_regions_stay_readable_in_a_browser(tmp_path):
    dom, sizes = render_in_browser(tmp_path, ROOT / "benchmarks" / "eight-regions.yaml", "eight")
    for diagram_id, (px, count) in sizes.items():  # drawn one edge per region, 8 regions shrank the text to ~10 px
        assert count >= 8 and px >= 12, (diagram_id, px)
    replication = diagram_svg(dom, "replication-diagram")
    for loc in ("westus", "eastus2", "centralus", "westus2", "westus3", "southcentralus", "northcentralus"):
        assert f"{loc}</b>: secondary, passive" in replication, loc
    assert "7 other regions, served 2nd to 8th on failure" in replication
