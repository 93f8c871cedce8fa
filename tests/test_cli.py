"""The command line: help, exit codes, atomic output, --out for files, stdout closed or full, no cdktf before it is needed."""

from __future__ import annotations

import hashlib
import os
import stat
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
    assert "warning: backend.type" in r.stderr  # the warnings of the default config reach stderr
    assert "end-of-life" not in r.stderr and "DeprecationWarning" not in r.stderr


def test_cdktf_outdir_is_honoured(tmp_path):
    r = run_main(env={"CDKTF_OUTDIR": str(tmp_path / "from-env")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "from-env" / "manifest.json").is_file()


def test_parser_lists_commands():
    assert "synth" in cli.build_parser().format_help()


# --------------------------------------------------------------------------- report / failure-modes --out


def snapshot(path: Path) -> list[tuple]:
    found = []
    for p in [path, *sorted(path.rglob("*"))] if path.is_dir() and not path.is_symlink() else [path]:
        st = os.lstat(p)
        body = p.read_bytes() if stat.S_ISREG(st.st_mode) else os.readlink(p) if stat.S_ISLNK(st.st_mode) else st.st_rdev
        found.append((str(p), st.st_mode, st.st_ino, body))
    return found


def test_report_out_dash_is_stdout(tmp_path):
    r = run_main("report", "--out", "-", "--config", str(ROOT / "config" / "default.yaml"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# ") and list(tmp_path.iterdir()) == []


def test_report_out_replaces_a_regular_file_and_creates_parents(tmp_path):
    old = tmp_path / "report.md"
    old.write_text("old report")
    assert run_main("report", "--out", str(old)).returncode == 0
    assert old.read_text().startswith("# ")
    new = tmp_path / "a" / "b" / "r.html"
    assert run_main("report", "--format", "html", "--out", str(new)).returncode == 0
    assert new.read_text().startswith("<!DOCTYPE html>") or "<html" in new.read_text()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "r.html", "report.md"]


def _dir(p: Path) -> str:
    p.mkdir()
    (p / "keep.txt").write_text("mine")
    return "it is a directory"


def _link_to_file(p: Path) -> str:
    (p.parent / "real.md").write_text("mine")
    p.symlink_to(p.parent / "real.md")
    return "it is a symbolic link"


def _link_to_dir(p: Path) -> str:
    (p.parent / "d").mkdir()
    p.symlink_to(p.parent / "d")
    return "it is a symbolic link"


def _dangling_link(p: Path) -> str:
    p.symlink_to(p.parent / "nowhere.md")
    return "it is a symbolic link"


def _fifo(p: Path) -> str:
    os.mkfifo(p)  # never opened: a FIFO would block the write forever
    return "it is a FIFO"


def _device(p: Path) -> str:
    try:
        os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    except OSError as e:
        pytest.skip(f"mknod not permitted here: {e}")
    return "it is a character device"


@pytest.mark.parametrize("command", ["report", "failure-modes", "decisions"])
@pytest.mark.parametrize("make", [_dir, _link_to_file, _link_to_dir, _dangling_link, _fifo, _device],
                         ids=lambda f: f.__name__.strip("_"))
def test_out_refuses_anything_but_a_regular_file(tmp_path, command, make):
    target = tmp_path / "out"
    words = make(target)
    before = snapshot(tmp_path)
    r = run_main(command, "--out", str(target))
    assert r.returncode == EXIT_USAGE, r.stderr
    assert f"refusing to write {target}: {words}" in r.stderr and "Traceback" not in r.stderr
    assert snapshot(tmp_path) == before


def test_report_out_dev_null_stays_a_device_when_not_root():
    """As root the mknod'd device above stands in for /dev/null; unprivileged, /dev/null itself is safe to try."""
    if os.geteuid() == 0:
        pytest.skip("root: covered by the mknod'd device (a regression would replace the real /dev/null)")
    st = os.lstat("/dev/null")
    r = run_main("report", "--out", "/dev/null")
    assert r.returncode == EXIT_USAGE and "character device" in r.stderr
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (st.st_ino, st.st_rdev)


def _mount(*args: str):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount")
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot mount here: {r.stderr.strip()}")


def test_report_out_enospc_keeps_the_old_file(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    _mount("-t", "tmpfs", "-o", "size=4k", "tmpfs", str(small))  # real ENOSPC: the html report is far larger
    try:
        old = small / "report.html"
        old.write_text("old")
        r = run_main("report", "--format", "html", "--out", str(old))
        assert r.returncode == EXIT_USAGE and "No space left on device" in r.stderr and "Traceback" not in r.stderr
        assert old.read_text() == "old" and [p.name for p in small.iterdir()] == ["report.html"]
    finally:
        subprocess.run(["umount", "-l", str(small)])


def test_report_out_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "report.md").write_text("old")
    _mount("--bind", str(ro), str(ro))
    try:
        assert subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)]).returncode == 0
        r = run_main("report", "--out", str(ro / "report.md"))
        assert r.returncode == EXIT_USAGE and "Read-only file system" in r.stderr and "Traceback" not in r.stderr
        assert (ro / "report.md").read_text() == "old"
    finally:
        subprocess.run(["umount", "-l", str(ro)])


# --------------------------------------------------------------------------- clean exits: stdout closed or full


def _run_with_stdout(kind: str, args: list[str]) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "main.py"), *args]
    if kind == "closed pipe":  # `| head -c0`: the reader is gone before anything is written
        read, write = os.pipe()
        os.close(read)
        try:
            p = subprocess.run(cmd, cwd=ROOT, stdout=write, stderr=subprocess.PIPE, text=True, timeout=300)
        finally:
            os.close(write)
        return p
    if kind == "full":  # >/dev/full
        with open("/dev/full", "w") as full:
            return subprocess.run(cmd, cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    # >&-: started with no stdout at all
    return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300,
                          preexec_fn=lambda: os.close(1))


STDOUT_KINDS = ["closed pipe", "full", "closed fd"]


@pytest.mark.parametrize("kind", STDOUT_KINDS)
@pytest.mark.parametrize("args", [["report"], ["report", "--format", "json"], ["failure-modes"], ["--help"],
                                  ["synth", "--help"], ["report", "--help"]], ids=" ".join)
def test_stdout_closed_or_full_is_an_exit_code_not_a_traceback(kind, args):
    if kind == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    r = _run_with_stdout(kind, args)
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr
    if kind == "closed pipe":
        assert r.returncode == 141 and "error" not in r.stderr  # like a tool killed by SIGPIPE: quiet
    else:
        assert r.returncode == EXIT_USAGE and "error: cannot write to stdout" in r.stderr, r.stderr


@pytest.mark.parametrize("kind", STDOUT_KINDS)
def test_synth_with_stdout_closed_or_full_still_writes_and_exits_0(tmp_path, kind):
    if kind == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    r = _run_with_stdout(kind, ["synth", "--out", str(tmp_path / "o")])
    assert r.returncode == 0, r.stderr  # the output is the directory; the summary line is a courtesy
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr
    assert (tmp_path / "o" / "manifest.json").is_file()
