"""The README is a first read (issue "the first day of a Terraform team"): short, every link resolves, every
config key documented; the details live in docs/."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.conftest import ROOT

README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def _docs() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def test_the_readme_is_a_first_read():
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    for section in ("## Quick start", "## What it creates", "## Your first deploy", "## Before your first apply",
                    "## Commands", "## Config reference", "## When a region fails"):
        assert section in text, section
    assert "make synth" in text.split("## Quick start")[1].split("##")[0]
    assert "this build machine" not in text and "this machine" not in text


def test_every_relative_link_in_the_readme_and_docs_resolves():
    broken = []
    for doc in _docs():
        for target, _anchor in LINK.findall(doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken, broken


def test_every_key_of_the_default_config_is_in_the_config_reference():
    reference = README.read_text().split("## Config reference", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`\.?([a-z_][a-z_.<>|\[\]\\]*)`", reference))
    roots = {d.split(".")[0] for d in documented}

    def keys(node, prefix=""):
        for k, v in (node or {}).items():
            path = f"{prefix}{k}"
            yield path
            if isinstance(v, dict) and k not in ("tags", "address_spaces", "endpoints", "thresholds", "probe"):
                yield from keys(v, path + ".")

    config = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    missing = []
    for key in keys(config):
        leaf = key.rsplit(".", 1)[-1]
        if key.split(".")[0] not in roots or not re.search(rf"`[^`\n]*\b{leaf}\b[^`\n]*`", reference):
            missing.append(key)
    assert not missing, missing
