"""Guards for app/one_core.py: who gets pinned, who stays free, and that everything is put back."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.one_core import OPT_OUT, descendants, one_core


def _can_pin() -> bool:
    """Linux with /proc/<pid>/task/<tid>/children, two allowed cores, and leave to set affinities."""
    if not hasattr(os, "sched_setaffinity"):
        return False
    if not Path(f"/proc/self/task/{threading.get_native_id()}/children").exists():
        return False
    try:
        mask = os.sched_getaffinity(0)
        os.sched_setaffinity(0, mask)
    except OSError:
        return False
    return len(mask) >= 2


pytestmark = pytest.mark.skipif(not _can_pin(), reason="needs Linux /proc, two allowed cores, sched_setaffinity")

# A child with a helper thread of its own and a grandchild below it (as jsii: Python -> relay -> kernel).
CHILD = r"""
import subprocess, sys, threading, time
threading.Thread(target=time.sleep, args=(120,), daemon=True).start()
grandchild = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
print(grandchild.pid, threading.enumerate()[1].native_id, flush=True)
sys.stdin.read()
grandchild.stdin.close(); grandchild.wait()
"""


@pytest.fixture
def family():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    grandchild, helper = (int(x) for x in child.stdout.readline().split())
    yield child.pid, grandchild, helper
    child.stdin.close()
    child.wait(timeout=30)


def test_main_threads_share_one_core_helpers_stay_free_and_all_is_put_back(family):
    child, grandchild, helper = family
    mine = threading.Thread(target=threading.Event().wait, args=(60,), daemon=True)
    mine.start()
    before = {t: os.sched_getaffinity(t) for t in (0, child, grandchild, helper, mine.native_id)}
    assert {child, grandchild} <= set(descendants(os.getpid()))
    with one_core() as cpu:
        assert cpu in before[0]
        for tid in (0, child, grandchild):  # this thread and each process's main thread
            assert os.sched_getaffinity(tid) == {cpu}
        assert os.sched_getaffinity(helper) == before[helper]  # the child's other thread keeps every core
        assert os.sched_getaffinity(mine.native_id) == before[mine.native_id]  # and so does ours
    assert {t: os.sched_getaffinity(t) for t in before} == before


def test_opt_out_and_no_children_change_nothing(family, monkeypatch):
    child, _, _ = family
    before = (os.sched_getaffinity(0), os.sched_getaffinity(child))
    monkeypatch.setenv(OPT_OUT, "0")
    with one_core() as cpu:
        assert cpu is None
        assert (os.sched_getaffinity(0), os.sched_getaffinity(child)) == before
    monkeypatch.delenv(OPT_OUT)
    monkeypatch.setattr("app.one_core.descendants", lambda pid: [])
    with one_core() as cpu:
        assert cpu is None and os.sched_getaffinity(0) == before[0]


def test_an_error_inside_still_puts_everything_back(family):
    child, _, _ = family
    before = (os.sched_getaffinity(0), os.sched_getaffinity(child))
    with pytest.raises(RuntimeError), one_core():
        raise RuntimeError("synth failed")
    assert (os.sched_getaffinity(0), os.sched_getaffinity(child)) == before


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # exited meanwhile
        return ""


def test_it_reaches_jsii_relay_and_kernel(default_synth):
    # default_synth started jsii in this process: its Node relay (a child) and kernel (a grandchild)
    below = {pid: _cmdline(pid) for pid in descendants(os.getpid())}
    relay = [pid for pid, cmd in below.items() if "jsii-runtime" in cmd]
    kernel = [pid for pid, cmd in below.items() if "program.js" in cmd]
    assert relay and kernel, below
    with one_core() as cpu:
        assert all(os.sched_getaffinity(pid) == {cpu} for pid in relay + kernel)


def test_synthesize_builds_and_synthesizes_on_one_core(monkeypatch, tmp_path, default_cfg, default_synth):
    import json

    import stacks.app

    seen: list[set[int]] = []

    class App:
        def synth(self) -> None:
            seen.append(os.sched_getaffinity(0))
            (self.outdir / "manifest.json").write_text(json.dumps({"stacks": {}}))

    def build_app(cfg, outdir):
        app = App()
        app.outdir = Path(outdir)
        seen.append(os.sched_getaffinity(0))
        return app

    before = os.sched_getaffinity(0)
    monkeypatch.setattr(stacks.app, "build_app", build_app)
    from app.synth import synthesize

    synthesize(default_cfg, tmp_path / "out")
    assert len(seen) == 2 and all(len(mask) == 1 for mask in seen)  # built and synthesized pinned
    assert os.sched_getaffinity(0) == before  # and put back
