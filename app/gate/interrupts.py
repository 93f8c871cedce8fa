"""SIGINT / SIGTERM during a gate run: raised in the main thread as :class:`_Signalled`, exit 130 / 143.

Example::

    with _SignalsRaise():                # main thread only; an ignored SIGINT stays ignored
        try:
            ...                          # wait for the worker thread
        except _Signalled as sig:
            stopper.stop()               # wakes the worker's sleeps, shuts its sockets down
            return sig.exit_code         # 130 for SIGINT, 143 for SIGTERM

The handlers are installed only for the duration of the block and the
previous ones restored after it.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from app.gate.model import EXIT_INTERRUPTED, EXIT_TERMINATED


class _Signalled(BaseException):
    """Raised in the main thread by the SIGINT / SIGTERM handler of :func:`run`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED
        self.name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT"


class _SignalsRaise:
    """In the main thread: SIGINT / SIGTERM raise _Signalled instead of killing or raising KeyboardInterrupt."""

    def __init__(self) -> None:
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> "_SignalsRaise":
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                current = signal.getsignal(signum)
                if current is signal.SIG_IGN:
                    continue  # e.g. started in the background with SIGINT ignored: keep ignoring it
                self._saved[signum] = current
                signal.signal(signum, self._raise)
            except (ValueError, OSError):
                pass
        return self

    @staticmethod
    def _raise(signum: int, _frame: Any) -> None:
        raise _Signalled(signum)

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self._saved.items():
            try:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
            except (ValueError, OSError):
                pass
