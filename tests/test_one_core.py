"""Guards for app/one_core.py: who gets pinned, who stays free, and that everything is put back."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.one_core import OPT_OUT, descendants, one_core

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2 or not Path("/proc/self/task").is_dir(),
    reason="needs Linux and at least two allowed cores",
)

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


def test_it_reaches_jsii_node_processes(default_synth):
    # default_synth started jsii in this process: its relay and its kernel are Node processes below us
    node = []
    for pid in descendants(os.getpid()):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        if "jsii-runtime" in cmdline or "program.js" in cmdline:
            node.append(pid)
    assert len(node) >= 1
    with one_core() as cpu:
        assert all(os.sched_getaffinity(pid) == {cpu} for pid in node)
