"""SIGINT and SIGTERM end a command the same way, and never in the middle of a swap.

Example::

    from app import signals

    signals.install()              # main.py, once: SIGTERM raises Terminated, SIGINT KeyboardInterrupt
    with signals.deferred():       # a signal that arrives in here is raised when the block ends
        os.rename(target, retired)
        os.rename(staging, target)

:class:`Terminated` is a :class:`KeyboardInterrupt`, so every ``except
KeyboardInterrupt`` / ``except BaseException`` clean-up that runs on Ctrl-C runs
on SIGTERM too (staging directories removed, the old output kept); the command
line maps it to exit 143 (128 + 15), Ctrl-C to 130.

:func:`deferred` works with the handlers :func:`install` sets: they run in the
main thread (Python's rule) and only note the signal while a block is open.
Without them (a library caller, pytest) it defers nothing and Python's own
SIGINT handling applies.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so the same clean-up runs."""


_depth = 0
_pending: list[int] = []


def _raise_for(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


def _handler(signum: int, frame: FrameType | None) -> None:
    if _depth:
        _pending.append(signum)
        return
    _raise_for(signum)


def install() -> None:
    """Route SIGINT and SIGTERM through :func:`_handler` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) == signal.SIG_IGN:  # e.g. started with nohup: keep it ignored
            continue
        signal.signal(signum, _handler)


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while the block runs; raise the first one that arrived when it ends."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending:
            signum = _pending[0]
            _pending.clear()
            _raise_for(signum)


def hold_forever() -> None:
    """From now on a signal is only noted (the process is about to end and has cleaned up)."""
    global _depth
    _depth += 1
