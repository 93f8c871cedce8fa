"""The command line: help, exit codes, atomic output, and no cdktf before it is needed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from app.errors import EXIT_USAGE

ROOT = Path(__file__).resolve().parents[1]


def run_main(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def tree_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        h.update(str(p.relative_to(path)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def good_output(tmp_path: Path) -> Path:
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "x").mkdir(parents=True)
    (out / "manifest.json").write_text('{"stacks": {}}')
    (out / "stacks" / "x" / "cdk.tf.json").write_text("{}")
    return out


def test_help_explains_synth_and_default_without_loading_cdktf():
    code = (
        "import sys, contextlib, io\n"
        "from app import cli\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    try: cli.main(['--help'])\n"
        "    except SystemExit: pass\n"
        "    try: cli.main(['synth', '--help'])\n"
        "    except SystemExit: pass\n"
        "print(buf.getvalue())\n"
        "print('LOADED', sorted(m for m in ('cdktf', 'jsii', 'constructs', 'pydantic') if m in sys.modules))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "synth" in r.stdout and "--config" in r.stdout and "python main.py synth" in r.stdout
    assert "LOADED []" in r.stdout


def test_config_error_exits_2_lists_problems_and_keeps_output(tmp_path, good_output):
    bad = tmp_path / "bad.yaml"
    bad.write_text("naming: {org: contoso, workload: fraud, environment: prod}\nregions: {primary: mars, secondaries: [westus]}\n")
    before = tree_digest(good_output)
    r = run_main("synth", "--config", str(bad), "--out", str(good_output))
    assert r.returncode == EXIT_USAGE
    assert "Traceback" not in r.stderr
    assert "regions.primary: got 'mars'" in r.stderr and "tags: got nothing" in r.stderr
    assert tree_digest(good_output) == before
    assert sorted(p.name for p in good_output.parent.iterdir()) == ["bad.yaml", "cdktf.out"]


def test_usage_error_exits_2_without_traceback():
    r = run_main("synth", "--no-such-flag")
    assert r.returncode == EXIT_USAGE and "Traceback" not in r.stderr and "unrecognized arguments" in r.stderr


def test_failed_synthesis_leaves_existing_output_untouched(monkeypatch, good_output, default_cfg):
    from app import synth

    before = tree_digest(good_output)

    def broken(cfg, outdir):
        Path(outdir, "half-written.json").write_text("{")
        raise RuntimeError("synthesis blew up")

    import stacks.app

    monkeypatch.setattr(stacks.app, "build_app", broken)
    with pytest.raises(RuntimeError):
        synth.synthesize(default_cfg, good_output)
    assert tree_digest(good_output) == before
    assert sorted(p.name for p in good_output.parent.iterdir()) == ["cdktf.out"]


def test_successful_synth_replaces_output_whole(default_cfg, good_output):
    from app.synth import synthesize

    names = synthesize(default_cfg, good_output)
    assert sorted(names) == ["fraud-prod-eastus", "fraud-prod-routing", "fraud-prod-shared", "fraud-prod-westus"]
    assert not (good_output / "stacks" / "x").exists()
    assert sorted(p.name for p in good_output.parent.iterdir()) == ["cdktf.out"]


def test_main_without_command_is_synth(tmp_path):
    r = run_main("--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "manifest.json").is_file()
    assert "synthesized 4 stacks" in r.stdout
    assert "warning: registry.zone_redundant" in r.stderr
    assert "end-of-life" not in r.stderr and "DeprecationWarning" not in r.stderr


def test_cdktf_outdir_is_honoured(tmp_path):
    r = run_main(env={"CDKTF_OUTDIR": str(tmp_path / "from-env")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "from-env" / "manifest.json").is_file()


def test_parser_lists_commands():
    assert "synth" in cli.build_parser().format_help()
