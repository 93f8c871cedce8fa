"""Guards for decisions a newcomer could undo by accident."""

import importlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_constructs_folder_does_not_shadow_pypi_constructs():
    # A constructs/__init__.py would shadow the PyPI package cdktf is built on.
    assert not (ROOT / "constructs" / "__init__.py").exists()
    constructs = importlib.import_module("constructs")
    assert "site-packages" in (constructs.__file__ or "")
    assert hasattr(constructs, "Construct")
    lib = importlib.import_module("foundry_constructs")
    assert Path(lib.__file__).resolve().is_relative_to(ROOT / "constructs")


def test_cdktf_json_runs_main_py():
    cfg = json.loads((ROOT / "cdktf.json").read_text())
    assert cfg["app"] == "python3 main.py" and cfg["language"] == "python"


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-test.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"{name}: {line!r} is not pinned"
    reqs = (ROOT / "requirements.txt").read_text()
    assert "cdktf==0.21.0" in reqs and "cdktf-cdktf-provider-azurerm==14.23.1" in reqs


def test_build_output_is_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert {"cdktf.out/", ".venv/", "state/"} <= set(ignored)


def test_only_one_module_imports_the_provider_bindings():
    offenders = [
        str(p.relative_to(ROOT))
        for p in ROOT.glob("**/*.py")
        if ".venv" not in p.parts and "cdktf_cdktf_provider_azurerm" in p.read_text()
        and p.name not in ("azurerm.py", "cdk.py") and p.parent.name not in ("tests", "benchmarks")
    ]
    assert offenders == []


def test_only_the_seam_imports_the_framework():
    """cdktf or CDK Terrain is chosen in one place (foundry_constructs/cdk.py, FOUNDRY_CDK): nothing else imports it."""
    pattern = re.compile(r"^\s*(from (cdktf|cdktn)\b|import (cdktf|cdktn)\b)", re.M)
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("app", "stacks", "constructs")
        for p in (ROOT / folder).rglob("*.py")
        if pattern.search(p.read_text()) and p.name != "cdk.py"
    ]
    assert offenders == []
