"""``python main.py report``: options, the format dispatch and the run.

Example::

    python main.py report --format html --out report.html
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.errors import EXIT_OK

FORMATS = ("markdown", "json", "html")
DEFAULT_CONFIG = "config/default.yaml"


def render(rep: dict[str, Any], fmt: str) -> str:
    """The report in one of :data:`FORMATS`: ``render(build(cfg), "html")``."""
    from app.report.to_html import render_html
    from app.report.to_json import render_json
    from app.report.to_markdown import render_markdown

    return {"json": render_json, "html": render_html}.get(fmt, render_markdown)(rep)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the report options to a (sub)parser."""
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help=f"config file (default: {DEFAULT_CONFIG})")
    parser.add_argument("--format", choices=FORMATS, default="markdown",
                        help="markdown (with a mermaid diagram), json (the same data, stable keys) or html "
                             "(one self-contained page, diagram rendered in the browser; default: markdown)")
    parser.add_argument("--out", metavar="FILE", default=None,
                        help="write to FILE (a regular file, replaced whole) instead of stdout; '-' is stdout")
    parser.epilog = ("Prices: app/prices.yaml, overridable per key with report.price_overrides in the config. "
                     "Exit codes: 0 written, 2 usage or config error, or --out not a regular file (a directory, "
                     "symlink or device is refused and left as it was) or not writable; 141 stdout closed early.")


def run(args: argparse.Namespace) -> int:
    from app.config import load_config
    from app.output import check_file, write_text

    check_file(args.out)  # before the work: a wrong --out fails fast and is left as it was
    cfg = load_config(args.config)
    for w in cfg.warnings:
        print(f"warning: {w.render()}", file=sys.stderr)
    from app.report.assemble import build

    text = render(build(cfg), args.format)
    write_text(args.out, text)
    if args.out not in (None, "-"):
        print(f"wrote {args.out} ({args.format}, {len(text.encode('utf-8')):,} bytes)", file=sys.stderr)
    return EXIT_OK
