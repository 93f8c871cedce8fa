"""The synth output directory: only what synth wrote is replaced, Terraform's files survive, failures leave it whole.

Real where this machine allows it, simulated where it cannot be made to happen on purpose:

- real: every refusal (file, symlink, device from mknod, FIFO, foreign content, ``.``, ``..``, ``/``, the
  project, the working directory, the config's and the state's directory and their ancestors), a tmpfs
  mount point, a mount inside the output, a read-only bind mount, ENOSPC on a 64 KiB tmpfs, SIGTERM and
  SIGINT sent to a running ``python main.py synth``, jsii's Node (relay or kernel) killed mid-synth,
  ``$TMPDIR`` left empty. Mounts and mknod need root: those tests skip elsewhere.
- simulated (monkeypatched in-process): EROFS and EBUSY at the renames of the swap (both need a mount or a
  race to happen for real, and the checks before synth already refuse those), ENOSPC reported by Node
  through jsii (without a tmpfs), to reach the roll-back paths.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import outdir, signals
from app.output import OutputError
from tests.conftest import DEFAULT_CONFIG, ROOT

PY = sys.executable
TERRAFORM_FILES = {".terraform.lock.hcl": "# lock\n", "tfplan": "plan", "plan": "cdktf plan", "prod.tfplan": "p"}


# --------------------------------------------------------------------------- helpers


def run_main(*args: str, cwd: Path = ROOT, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PY, str(ROOT / "main.py"), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300, **kw)


def snapshot(path: Path) -> list[tuple]:
    """Everything about ``path`` and below that 'nothing touched' covers: names, kinds, modes, bytes, links, devices."""
    def one(p: Path) -> tuple:
        st = os.lstat(p)
        if stat.S_ISREG(st.st_mode):
            body = hashlib.sha256(p.read_bytes()).hexdigest()
        elif stat.S_ISLNK(st.st_mode):
            body = os.readlink(p)
        else:
            body = st.st_rdev
        # a directory's mtime moves when an entry is renamed out and back (a rolled-back carry): not compared
        mtime = None if stat.S_ISDIR(st.st_mode) else st.st_mtime_ns
        return (str(p.relative_to(path.parent)), st.st_mode, st.st_ino, mtime, body)

    if not os.path.lexists(path):
        return []
    found = [one(path)]
    if stat.S_ISDIR(os.lstat(path).st_mode):
        for here, dirs, files in os.walk(path):
            found += [one(Path(here) / n) for n in sorted(dirs + files)]
    return found


def fake_output(out: Path, stacks=("fraud-prod-eastus", "fraud-prod-westus"), terraform: bool = False) -> Path:
    """An output shaped like synth's (small): manifest.json and stacks/<name>/cdk.tf.json, with Terraform's files."""
    (out / "stacks").mkdir(parents=True)
    manifest = {"stacks": {s: {"synthesizedStackPath": f"stacks/{s}/cdk.tf.json", "workingDirectory": f"stacks/{s}"}
                           for s in stacks}, "version": "0.21.0"}
    (out / "manifest.json").write_text(json.dumps(manifest))
    for s in stacks:
        (out / "stacks" / s).mkdir()
        (out / "stacks" / s / "cdk.tf.json").write_text('{"old": true}')
        if terraform:
            add_terraform_files(out / "stacks" / s)
    return out


def add_terraform_files(stack_dir: Path) -> None:
    (stack_dir / ".terraform" / "providers" / "registry.terraform.io").mkdir(parents=True)
    (stack_dir / ".terraform" / "terraform.tfstate").write_text('{"backend": "local"}')
    for name, body in TERRAFORM_FILES.items():
        (stack_dir / name).write_text(body)


def staging_of(out: Path) -> list[str]:
    return sorted(glob.glob(str(out.parent / f".{out.name}.tmp-*")) + glob.glob(str(out.parent / f".{out.name}.old-*")))


def children(pid: int) -> list[int]:
    kids: list[int] = []
    for f in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            kids += [int(k) for k in Path(f).read_text().split()]
    return kids


def start_synth(out: Path, tmpdir: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([PY, str(ROOT / "main.py"), "synth", "--out", str(out)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "TMPDIR": str(tmpdir)}, **kw)


def wait_for_staging(proc: subprocess.Popen, out: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not glob.glob(str(out.parent / f".{out.name}.tmp-*")):
        assert proc.poll() is None, f"synth ended before staging existed: {proc.communicate()}"
        assert time.monotonic() < deadline, "no staging directory appeared"
        time.sleep(0.002)


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def mount(*args: str):
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount here ({' '.join(args)}): {r.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", args[-1]], capture_output=True)


@contextlib.contextmanager
def tiny_tmpfs(point: Path, size: str = "64k"):
    point.mkdir(parents=True, exist_ok=True)
    with mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)):
        yield point


@contextlib.contextmanager
def read_only(point: Path):
    with mount("--bind", str(point), str(point)):
        r = subprocess.run(["mount", "-o", "remount,ro,bind", str(point)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot remount read-only: {r.stderr.strip()}")
        yield point


needs_root_mounts = pytest.mark.skipif(not can_mount(), reason="needs root and mount(8) for a real file system case")


# --------------------------------------------------------------------------- what may be replaced


def test_a_real_output_with_terraform_files_is_replaceable(default_synth, tmp_path):
    out = tmp_path / "cdktf.out"
    shutil.copytree(default_synth.outdir, out)
    for stack in (out / "stacks").iterdir():
        add_terraform_files(stack)
    for name in ("plan.out", "plan.json", "plan.txt", "a.tfplan.json", "b.tfplan.txt"):
        (out / "stacks" / "fraud-prod-shared" / name).write_text("x")
    (out / "stacks" / "fraud-prod-shared" / "assets").mkdir()  # cdktf's TerraformAsset copies
    outdir.check_target(out, [])  # no marker file: the shape is the rule, so older outputs qualify


@pytest.mark.parametrize("shape", ["empty", "only-empty-stacks", "manifest-only"])
def test_empty_or_file_less_directories_are_replaceable(tmp_path, shape):
    out = tmp_path / "o"
    out.mkdir()
    if shape == "only-empty-stacks":
        (out / "stacks" / "a").mkdir(parents=True)
    if shape == "manifest-only":
        (out / "manifest.json").write_text('{"stacks": {}}')
    outdir.check_target(out, [])


# Each: a name, how to make it under tmp_path, and words the message must hold.
def _file(p: Path) -> Path:
    p.write_text("my notes")
    return p


def _foreign_top(p: Path) -> Path:
    fake_output(p)
    (p / "notes.txt").write_text("mine")
    return p


def _foreign_in_stack(p: Path) -> Path:
    fake_output(p)
    (p / "stacks" / "fraud-prod-eastus" / "terraform.tfvars").write_text('x = 1')
    return p


def _state_in_stack(p: Path) -> Path:
    fake_output(p)
    (p / "stacks" / "fraud-prod-eastus" / "terraform.tfstate").write_text('{"version": 4}')
    return p


def _no_manifest(p: Path) -> Path:
    (p / "stacks" / "a").mkdir(parents=True)
    (p / "stacks" / "a" / "cdk.tf.json").write_text("{}")
    return p


def _bad_manifest(p: Path) -> Path:
    fake_output(p)
    (p / "manifest.json").write_text('{"name": "my-web-app"}')
    return p


def _symlinked_file_in_stack(p: Path) -> Path:
    fake_output(p)
    (p / "stacks" / "fraud-prod-eastus" / "cdk.tf.json").unlink()
    (p / "stacks" / "fraud-prod-eastus" / "cdk.tf.json").symlink_to("/etc/hostname")
    return p


def _symlink_to_dir(p: Path) -> Path:
    real = fake_output(p.parent / "real-output")
    p.symlink_to(real)
    return p


def _symlink_to_file(p: Path) -> Path:
    p.symlink_to(_file(p.parent / "a-file"))
    return p


def _fifo(p: Path) -> Path:
    os.mkfifo(p)
    return p


REFUSED = {
    "regular file": (_file, "it is a regular file"),
    "symlink to a synth output": (_symlink_to_dir, "symbolic link"),
    "symlink to a file": (_symlink_to_file, "symbolic link"),
    "FIFO": (_fifo, "it is a FIFO"),
    "user file at the top": (_foreign_top, "it holds notes.txt, which synth did not write"),
    "tfvars in a stack": (_foreign_in_stack, "stacks/fraud-prod-eastus/terraform.tfvars"),
    "state in a stack": (_state_in_stack, "Terraform state"),
    "no manifest": (_no_manifest, "no manifest.json"),
    "someone else's manifest": (_bad_manifest, "no stacks object"),
    "symlink inside": (_symlinked_file_in_stack, "a symbolic link neither synth nor Terraform writes"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_targets_exit_2_with_a_message_and_are_left_as_they_were(tmp_path, case):
    make, words = REFUSED[case]
    target = make(tmp_path / "out")
    before = snapshot(tmp_path)
    r = run_main("synth", "--out", str(target))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert f"refusing to synthesize into {target}" in r.stderr and words in r.stderr, r.stderr
    assert "nothing was changed" in r.stderr
    assert snapshot(tmp_path) == before


def test_a_device_is_refused_and_stays_a_device(tmp_path):
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as e:
        pytest.skip(f"mknod not permitted here: {e}")
    before = snapshot(tmp_path)
    r = run_main("synth", "--out", str(dev))
    assert r.returncode == 2 and "it is a character device" in r.stderr and "Traceback" not in r.stderr
    assert stat.S_ISCHR(os.lstat(dev).st_mode) and snapshot(tmp_path) == before


@pytest.mark.parametrize("given, words", [
    (".", "'.' names the working directory"),
    ("./", "'.' names the working directory"),
    ("..", "'..' names a parent directory"),
    ("sub/..", "'..' names a parent directory"),
    ("/", "it is the file system root"),
])
def test_dot_dotdot_and_root_are_refused(tmp_path, given, words):
    work = tmp_path / "work"
    fake_output(work)  # even shaped like an output: '.' is never the output directory
    if given.startswith("sub"):
        (work / "sub").mkdir()
    before = snapshot(tmp_path)
    r = run_main("synth", "--out", given, "--config", str(DEFAULT_CONFIG), cwd=work)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert snapshot(tmp_path) == before


def test_the_project_the_working_directory_and_their_ancestors_are_refused(tmp_path):
    # the first reason found is named: a project cloned under /tmp has the working directory (pytest's tmp_path)
    # inside its parent too, and either reason refuses
    for out, reasons in [(ROOT, ("it is the project",)),
                         (ROOT.parent, ("it contains the project", "it contains the working directory"))]:
        r = run_main("synth", "--out", str(out), "--config", str(DEFAULT_CONFIG), cwd=tmp_path)
        assert r.returncode == 2 and any(w in r.stderr for w in reasons), r.stderr
    work = tmp_path / "w" / "here"
    work.mkdir(parents=True)
    for out, words in [(work, "it is the working directory"), (tmp_path / "w", "it contains the working directory")]:
        r = run_main("synth", "--out", str(out), "--config", str(DEFAULT_CONFIG), cwd=work)
        assert r.returncode == 2 and words in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["here", "w"]


def _config_in(directory: Path, backend_path: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = DEFAULT_CONFIG.read_text()
    if backend_path:
        lines = text.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("  type: local"))
        lines.insert(at + 1, f"  path: {backend_path}")
        text = "\n".join(lines) + "\n"
    cfg = directory / "platform.yaml"
    cfg.write_text(text)
    return cfg


def test_the_config_directory_and_its_ancestors_are_refused(tmp_path):
    cfg = _config_in(tmp_path / "team" / "configs")
    for out, words in [(cfg.parent, "it is the directory of the config file"),
                       (tmp_path / "team", "it contains the directory of the config file")]:
        before = snapshot(tmp_path)
        r = run_main("synth", "--config", str(cfg), "--out", str(out))
        assert r.returncode == 2 and words in r.stderr and str(cfg) in r.stderr, r.stderr
        assert snapshot(tmp_path) == before


def test_the_local_state_directory_and_its_ancestors_are_refused(tmp_path):
    cfg = _config_in(tmp_path / "cfg")
    state = tmp_path / "state"  # where Terraform puts it: <output>/stacks/<stack>/../../../state
    (state).mkdir()
    (state / "fraud-prod-shared.tfstate").write_text('{"version": 4}')
    r = run_main("synth", "--config", str(cfg), "--out", str(state))
    assert r.returncode == 2 and "it is the local state directory (backend.path: state)" in r.stderr, r.stderr
    # backend.path inside the output: every synth would swap the state away
    cfg2 = _config_in(tmp_path / "cfg2", backend_path="o/tfstate")
    r = run_main("synth", "--config", str(cfg2), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "it contains the local state directory (backend.path: o/tfstate)" in r.stderr, r.stderr
    assert not (tmp_path / "o").exists() and (state / "fraud-prod-shared.tfstate").is_file()


@needs_root_mounts
def test_mount_points_are_refused(tmp_path):
    point = fake_output(tmp_path / "out")
    with tiny_tmpfs(point, "1m"):
        fake_output(point / "inner")  # content of the mounted file system
        r = run_main("synth", "--out", str(point))
        assert r.returncode == 2 and "it is a mount point" in r.stderr, r.stderr
    out = fake_output(tmp_path / "out2", terraform=True)
    cache = out / "stacks" / "fraud-prod-eastus" / ".terraform" / "providers"
    with tiny_tmpfs(cache, "1m"):
        (cache / "provider-binary").write_text("big")
        before = snapshot(out)
        r = run_main("synth", "--out", str(out))
        assert r.returncode == 2, r.stderr
        assert "stacks/fraud-prod-eastus/.terraform/providers inside it is a mount point" in r.stderr
        assert snapshot(out) == before and (cache / "provider-binary").is_file()


# --------------------------------------------------------------------------- creating and replacing


def test_a_missing_target_is_created_with_its_parents(default_cfg, tmp_path):
    from app.synth import synthesize

    out = tmp_path / "a" / "b" / "cdktf.out"
    assert len(synthesize(default_cfg, out)) == 4
    assert (out / "manifest.json").is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["cdktf.out"]


def test_a_failed_synth_removes_the_parents_it_created(default_cfg, tmp_path, monkeypatch):
    import stacks.app
    from app.synth import synthesize

    monkeypatch.setattr(stacks.app, "build_app", lambda cfg, out: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        synthesize(default_cfg, tmp_path / "new" / "deeper" / "cdktf.out")
    assert list(tmp_path.iterdir()) == []


def test_terraform_files_are_carried_and_a_gone_stack_loses_them(tmp_path):
    from app.config import load_config
    from app.synth import synthesize

    out = tmp_path / "cdktf.out"
    synthesize(load_config(DEFAULT_CONFIG, overrides={"regions.secondaries": ["westus2", "westus"]}), out)
    for stack in (out / "stacks").iterdir():
        add_terraform_files(stack)
    kept = out / "stacks" / "fraud-prod-eastus"
    inode = os.lstat(kept / ".terraform").st_ino
    synthesize(load_config(DEFAULT_CONFIG), out)  # westus2 is no longer a region
    assert sorted(p.name for p in (out / "stacks").iterdir()) == [
        "fraud-prod-eastus", "fraud-prod-routing", "fraud-prod-shared", "fraud-prod-westus"]
    for stack in (out / "stacks").iterdir():
        for name, body in TERRAFORM_FILES.items():
            assert (stack / name).read_text() == body, stack / name
        assert (stack / ".terraform" / "terraform.tfstate").is_file()
    assert os.lstat(kept / ".terraform").st_ino == inode  # moved, not copied
    assert not (out / "stacks" / "fraud-prod-westus2").exists()
    assert json.loads((kept / "cdk.tf.json").read_text())["terraform"]  # the new JSON
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out"]


# --------------------------------------------------------------------------- leftovers of a killed run


def _leftover(parent: Path, name: str, *, terraform_for: str | None = None, full: bool = False) -> Path:
    p = parent / name
    if full:
        fake_output(p)
    else:
        (p / "stacks" / "fraud-prod-eastus").mkdir(parents=True)
        (p / "stacks" / "fraud-prod-eastus" / "cdk.tf.json").write_text("{")  # half written
    if terraform_for:
        (p / "stacks" / terraform_for).mkdir(parents=True, exist_ok=True)
        add_terraform_files(p / "stacks" / terraform_for)
    return p


def test_leftovers_of_ours_are_removed_and_look_alikes_kept(tmp_path):
    out = fake_output(tmp_path / "out")
    ours = [_leftover(tmp_path, ".out.tmp-ab12_z9q"), _leftover(tmp_path, ".out.old-0123abcd", full=True)]
    look_alikes = [
        _leftover(tmp_path, ".out.tmp-short"),  # not mkdtemp's 8 characters
        _leftover(tmp_path, ".out.tmp-ABCDEFGH"),  # mkdtemp never uses capitals
        _leftover(tmp_path, ".out.tmp-abcdefgh.bak"),
        _leftover(tmp_path, ".other.tmp-abcdefgh"),  # another output's
        _leftover(tmp_path, "out.tmp-abcdefgh"),  # not hidden
    ]
    (tmp_path / ".out.tmp-filefile").write_text("a file, not a directory")
    (tmp_path / ".out.tmp-linklink").symlink_to(ours[1])
    foreign = _leftover(tmp_path, ".out.old-userdata")
    (foreign / "my-thesis.tex").write_text("years of work")
    busy = _leftover(tmp_path, ".out.tmp-livesynt")  # a synth running right now holds its lock
    fd = os.open(busy, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        keep = snapshot(tmp_path / ".out.tmp-linklink") + snapshot(foreign) + snapshot(busy)
        removed = outdir.recover_leftovers(out)
    finally:
        os.close(fd)
    assert sorted(removed) == sorted(ours)
    assert not any(p.exists() for p in ours)
    assert all(p.is_dir() for p in look_alikes) and (tmp_path / ".out.tmp-filefile").is_file()
    assert keep == snapshot(tmp_path / ".out.tmp-linklink") + snapshot(foreign) + snapshot(busy)


def test_leftovers_give_terraform_files_back_and_a_lone_old_output_comes_back(tmp_path):
    out = fake_output(tmp_path / "out")
    # killed while carrying: eastus's Terraform files were in the staging directory
    _leftover(tmp_path, ".out.tmp-carrying", terraform_for="fraud-prod-eastus")
    outdir.recover_leftovers(out)
    for name, body in TERRAFORM_FILES.items():
        assert (out / "stacks" / "fraud-prod-eastus" / name).read_text() == body
    assert staging_of(out) == []
    # killed between the two renames: no target, the old output (with Terraform's files) beside it
    gone = tmp_path / "gone"
    old = fake_output(tmp_path / ".gone.old-between2", terraform=True)
    before = snapshot(old)
    outdir.recover_leftovers(gone)
    assert [t[1:] for t in snapshot(gone)] == [t[1:] for t in before]


def test_the_next_synth_removes_leftovers(default_cfg, tmp_path):
    from app.synth import synthesize

    out = fake_output(tmp_path / "cdktf.out", terraform=True)
    _leftover(tmp_path, ".cdktf.out.tmp-k1ll3d_x")
    _leftover(tmp_path, ".cdktf.out.old-k1ll3d_y", full=True)
    synthesize(default_cfg, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out"]
    assert (out / "stacks" / "fraud-prod-eastus" / ".terraform.lock.hcl").is_file()


# --------------------------------------------------------------------------- failures around the output


@needs_root_mounts
def test_read_only_parent_exit_2_old_output_intact(tmp_path):
    parent = tmp_path / "ro"
    out = fake_output(parent / "cdktf.out", terraform=True)
    with read_only(parent):
        before = snapshot(parent)
        r = run_main("synth", "--out", str(out))
        assert r.returncode == 2 and "Read-only file system" in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert snapshot(parent) == before
        r = run_main("synth", "--out", str(parent / "new" / "deeper"))
        assert r.returncode == 2 and "Read-only file system" in r.stderr, r.stderr


@needs_root_mounts
def test_enospc_exit_2_old_output_intact(tmp_path):
    with tiny_tmpfs(tmp_path / "small", "64k") as small:  # the output is ~190 KB
        out = fake_output(small / "cdktf.out", terraform=True)
        before = snapshot(small)
        r = run_main("synth", "--out", str(out), env={"TMPDIR": str(tmp_path)})
        assert r.returncode == 2, r.stderr
        assert "no space left on device" in r.stderr.lower() and "was left as it was" in r.stderr
        assert "Traceback" not in r.stderr
        assert snapshot(small) == before


def test_enospc_from_node_simulated(default_cfg, tmp_path, monkeypatch):
    import stacks.app
    from jsii.errors import JSIIError
    from app.synth import synthesize

    class App:
        def synth(self):
            raise JSIIError("ENOSPC: no space left on device, write")

    out = fake_output(tmp_path / "cdktf.out", terraform=True)
    before = snapshot(tmp_path)
    monkeypatch.setattr(stacks.app, "build_app", lambda cfg, staging: App())
    with pytest.raises(OutputError, match="ENOSPC: no space left on device") as e:
        synthesize(default_cfg, out)
    assert e.value.exit_code == 2 and snapshot(tmp_path) == before


@pytest.mark.parametrize("failing_rename, code", [(1, errno.EROFS), (2, errno.EBUSY), (2, errno.EROFS),
                                                  (3, errno.ENOSPC)])
def test_a_failed_rename_in_the_swap_puts_everything_back_simulated(default_cfg, tmp_path, monkeypatch,
                                                                    failing_rename, code):
    """Renames: the carried Terraform files (one per file), target -> .old, staging -> target. Fail one of them."""
    from app.synth import synthesize

    out = fake_output(tmp_path / "cdktf.out", stacks=("fraud-prod-eastus",), terraform=False)
    add_terraform_files(out / "stacks" / "fraud-prod-eastus")
    before = snapshot(tmp_path)
    real = os.rename
    carried = len(TERRAFORM_FILES) + 1
    calls = []

    def rename(src, dst):
        calls.append((src, dst))
        index = {1: 1, 2: carried + 1, 3: carried + 2}[failing_rename]
        if len(calls) == index:
            raise OSError(code, os.strerror(code), str(src))
        return real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError) as e:
        synthesize(default_cfg, out)
    monkeypatch.setattr(os, "rename", real)
    assert e.value.exit_code == 2 and os.strerror(code) in str(e.value) and "was left as it was" in str(e.value)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("victim", ["relay", "kernel"])
def test_a_killed_node_exits_2_and_keeps_the_old_output(tmp_path, victim):
    out = fake_output(tmp_path / "cdktf.out", terraform=True)
    before = snapshot(out)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = start_synth(out, scratch)
    wait_for_staging(proc, out)
    relay = children(proc.pid)[0]
    os.kill(relay if victim == "relay" else children(relay)[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "jsii's Node.js process ended" in err and "was left as it was" in err and "Traceback" not in err
    assert snapshot(out) == before and staging_of(out) == [] and list(scratch.iterdir()) == []


# --------------------------------------------------------------------------- signals


@pytest.mark.parametrize("how, code, word", [("TERM", 143, "terminated"), ("INT", 130, "interrupted"),
                                             ("INT-group", 130, "interrupted")])
def test_sigterm_and_sigint_remove_staging_and_keep_the_old_output(tmp_path, how, code, word):
    """INT-group: Ctrl-C at a terminal, the whole process group (jsii's Node too) gets SIGINT."""
    out = fake_output(tmp_path / "cdktf.out", terraform=True)
    before = snapshot(out)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = start_synth(out, scratch, start_new_session=how == "INT-group")
    wait_for_staging(proc, out)
    if how == "INT-group":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, getattr(signal, f"SIG{how}"))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert word in err and "Traceback" not in err
    assert snapshot(out) == before
    assert staging_of(out) == [] and list(scratch.iterdir()) == []


def test_signals_wait_for_the_end_of_a_deferred_block():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        signals.install()
        reached = False
        with pytest.raises(signals.Terminated):
            with signals.deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)  # Python runs the handler here: it only notes the signal
                reached = True
        assert reached
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
    finally:
        for s, h in saved.items():
            signal.signal(s, h)


# --------------------------------------------------------------------------- nothing left in $TMPDIR


def test_a_synth_leaves_nothing_in_tmpdir(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    r = run_main("synth", "--out", str(tmp_path / "out"), env={"TMPDIR": str(scratch)})
    assert r.returncode == 0, r.stderr
    assert list(scratch.iterdir()) == []  # right away: not left for Node to clean up after we exit
    time.sleep(0.5)
    assert list(scratch.iterdir()) == []
