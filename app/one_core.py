"""Keep synth's Python<->Node round trips on one CPU core while it runs.

Example::

    from app.one_core import one_core

    with one_core():          # after jsii has started Node (importing cdktf does)
        build_app(cfg, outdir).synth()

Why: a synth is ~400-1,400 small synchronous jsii requests. Python writes one,
jsii's Node relay process passes it to the jsii kernel process, the answer
comes back the same way, and only then does Python go on: one process runs
at a time, three take turns, four wake-ups per request. Where the scheduler
puts them on different cores, every wake-up is a cross-core wake-up, and on a
virtual machine (a Firecracker VM here, as on most CI runners) that costs
~45 us: a pipe ping-pong between two processes takes 4 us on one core and
~90 us across two. A trivial jsii request (``app.node``) took 220-330 us with
the processes free and 80-100 us with them on one core; at ~150 requests per
hub region that was a quarter of each region's cost.

What it does: pins the calling thread (the synth runs on Python's main
thread) and the main thread of every process below it (in a synth: jsii's
Node relay and kernel) to the core the calling thread last ran on, and puts
every mask back on exit. Only those threads: Node's helper threads (garbage
collector, optimising compiler) and Python's other threads keep all cores.
A thread or process started *inside* the block by a pinned thread inherits
the one core and keeps it (a synth starts none). Nothing is pinned unless at
least one child process is found (pinning Python alone would gain nothing).
It does nothing where it cannot help or cannot work: not Linux (no
``sched_setaffinity`` or ``/proc/<pid>/task/<tid>/children``), a single
allowed core, or ``FOUNDRY_ONE_CORE=0`` in the environment (set it when
several synths run side by side on a small machine: each pins to the core it
is on, and two may pick the same one). It changes timing only: the
synthesized output is the same byte for byte.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

OPT_OUT = "FOUNDRY_ONE_CORE"
_PROC = Path("/proc")


@contextlib.contextmanager
def one_core() -> Iterator[int | None]:
    """Pin this thread and the main threads of all processes below it to one core; yield the core (or None)."""
    saved: list[tuple[int, set[int]]] = []
    try:
        cpu = _pin(saved)
        yield cpu
    finally:
        for tid, mask in reversed(saved):
            with contextlib.suppress(OSError):  # a child may have exited meanwhile
                os.sched_setaffinity(tid, mask)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first), from ``/proc/<pid>/task/<tid>/children``."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop(0)
        try:
            tasks = list((_PROC / str(parent) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def _pin(saved: list[tuple[int, set[int]]]) -> int | None:
    if os.environ.get(OPT_OUT) == "0" or not hasattr(os, "sched_setaffinity"):
        return None
    try:
        allowed = os.sched_getaffinity(0)
    except OSError:
        return None
    cpu = _current_cpu()
    if len(allowed) < 2 or cpu not in allowed:
        return None
    children = descendants(os.getpid())
    if not children:
        return None
    for tid in [0, *children]:  # 0: the calling thread; a child's pid is its main thread's id
        try:
            saved.append((tid, os.sched_getaffinity(tid)))  # first: putting back an unchanged mask is harmless
            os.sched_setaffinity(tid, {cpu})
        except OSError:  # exited, or not ours to pin: leave it free
            continue
    return cpu


def _current_cpu() -> int | None:
    """The core this thread last ran on: field 39 of ``/proc/self/task/<tid>/stat``."""
    try:
        stat = (_PROC / "self" / "task" / str(threading.get_native_id()) / "stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return None
