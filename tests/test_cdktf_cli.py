"""The cdktf CLI pinned in package.json: `npx cdktf synth` runs this app (cdktf.json's "app") as cdktf users expect.

The CLI test needs `npm ci` to have run (node_modules/.bin/cdktf) and a Node that cdktf-cli 0.21.0 can
load: its terminal module (@cdktf/node-pty-prebuilt-multiarch) ships prebuilt binaries for Node 18 to 22
only, and the CLI loads it on every command. Without them the test skips on a developer machine and
fails under CI=true, like the gate tests' tools (tests/gate_support.py). It runs the CLI once (~10 s).
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PINNED = "0.21.0"
CLI_BIN = ROOT / "node_modules" / ".bin" / "cdktf"
PTY_MODULE = "@cdktf/node-pty-prebuilt-multiarch"


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["CHECKPOINT_DISABLE"] = "1"  # cdktf's telemetry (HashiCorp Checkpoint): off
    env["FORCE_COLOR"] = "0"
    env.pop("CDKTF_OUTDIR", None)  # the CLI sets it for the app from --output
    return env


def _require_cli() -> None:
    """Skip when the pinned CLI cannot run here; fail instead under CI=true."""
    reason = None
    if shutil.which("node") is None or shutil.which("npx") is None:
        reason = "needs Node.js with npx on PATH (Node 18 to 22; Debian/NodeSource nodejs)"
    elif not CLI_BIN.exists():
        reason = "needs node_modules/.bin/cdktf: run `npm ci --ignore-scripts --no-audit --no-fund` (make cli)"
    else:
        probe = subprocess.run(["node", "-e", f"require({PTY_MODULE!r})"], cwd=ROOT, capture_output=True,
                               text=True, timeout=60, env=_cli_env(), stdin=subprocess.DEVNULL)
        if probe.returncode != 0:
            version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
            first = next(iter(probe.stderr.strip().splitlines()), "")
            reason = (f"cdktf-cli {PINNED} cannot load {PTY_MODULE} on Node {version} "
                      f"(prebuilt for Node 18 to 22): {first}")
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def _diff(a: Path, b: Path) -> str:
    lines = difflib.unified_diff(a.read_text().splitlines(), b.read_text().splitlines(), str(a), str(b),
                                 lineterm="", n=1)
    return "\n".join(list(lines)[:40])


def _files(outdir: Path) -> list[str]:
    return sorted(str(p.relative_to(outdir)) for p in outdir.rglob("*") if p.is_file())


def test_package_json_pins_cdktf_cli_exactly() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    deps = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    assert deps.get("cdktf-cli") == PINNED, "cdktf-cli must be pinned exactly (no ^ or ~): the app is cdktf 0.21.0"
    assert package.get("private") is True


def test_package_lock_resolves_cdktf_cli_to_the_pin() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["lockfileVersion"] == 3
    root = lock["packages"][""]
    for key in ("dependencies", "devDependencies"):
        assert root.get(key, {}) == package.get(key, {}), "package-lock.json is stale: run npm install"
    cli = lock["packages"]["node_modules/cdktf-cli"]
    assert cli["version"] == PINNED
    assert cli["integrity"].startswith("sha512-")
    # The CLI's own cdktf library matches the Python app's cdktf (requirements.txt: cdktf==0.21.0).
    assert lock["packages"]["node_modules/cdktf"]["version"] == PINNED


@pytest.mark.slow  # the cdktf CLI test: one `npx cdktf synth` (~10 s)
def test_npx_cdktf_synth_writes_what_the_app_writes(tmp_path: Path, default_synth) -> None:
    _require_cli()
    installed = json.loads((ROOT / "node_modules" / "cdktf-cli" / "package.json").read_text())["version"]
    assert installed == PINNED, f"node_modules has cdktf-cli {installed}, package-lock.json pins {PINNED}: npm ci"

    out = tmp_path / "out"
    proc = subprocess.run(["npx", "--no-install", "cdktf", "synth", "--output", str(out)], cwd=ROOT,
                          env=_cli_env(), capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    log = f"exit {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, log
    assert (out / "manifest.json").is_file(), f"the app did not write into --output (CDKTF_OUTDIR)\n{log}"

    manifest = json.loads((out / "manifest.json").read_text())
    expected = default_synth.manifest
    assert sorted(manifest["stacks"]) == sorted(expected["stacks"])
    assert manifest["version"] == PINNED
    assert "Generated Terraform code for the stacks" in proc.stdout, log
    # The default config's one warning (local state in prod) reaches the user as a warning, not as [ERROR]
    shown = [line for line in proc.stdout.splitlines() if "[prod-local-state]" in line]
    assert shown and all("[ERROR]" not in line for line in shown), log

    # Byte for byte what `python main.py synth` writes: same files, same manifest, same stacks.
    assert _files(out) == _files(default_synth.outdir)
    for path in ["manifest.json", *(meta["synthesizedStackPath"] for meta in expected["stacks"].values())]:
        ours, theirs = default_synth.outdir / path, out / path
        assert theirs.read_bytes() == ours.read_bytes(), f"{path} differs:\n{_diff(ours, theirs)}"
