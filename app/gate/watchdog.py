"""The hard deadline under every request: a watchdog shuts a request's sockets down when time is up.

Example::

    from app.gate.watchdog import Stopper, _Guard

    stopper = Stopper()                    # one per run; SIGINT / SIGTERM call stopper.stop()
    guard = _Guard(deadline.remaining())   # one per request (app.gate.transport.Http arms it)
    stopper.add(guard)
    guard.start()                          # at the deadline: every socket the request opened is shut down
    ...
    guard.cancel()
    stopper.discard(guard)
    stopper.stop()                         # wakes every sleep and shuts every socket in use down

requests' timeouts are per read, so a server that sends one byte a second
would hold a request for ever. :func:`_guarded_adapter_class` builds a
requests adapter whose urllib3 connections report to the guard of the request
running in their thread (``_CURRENT.guard``); shutting a socket down from the
timer thread wakes the blocked read at once.
"""

from __future__ import annotations

import functools
import socket
import threading
from typing import Any


class _Guard:
    """Shuts down the sockets of one request when the deadline passes (or the run is stopped).

    A read blocked on a socket returns at once when the socket is shut down from
    another thread; that is what makes ``--timeout`` hold against a server that
    sends one byte a second, which a per-read timeout alone cannot.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._conns: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self.fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def watch(self, conn: Any) -> None:
        with self._lock:
            self._conns.append(conn)
            fired = self.fired
        if fired:
            _shutdown(conn)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)


def _shutdown(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        # The plain socket method on purpose: ssl.SSLSocket.shutdown() would drop its
        # SSL object under the reading thread's feet; shutting the fd down wakes it cleanly.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


_CURRENT = threading.local()


def _watch_connection(conn: Any) -> None:
    guard = getattr(_CURRENT, "guard", None)
    if guard is not None:
        guard.watch(conn)


@functools.lru_cache(maxsize=None)
def _guarded_adapter_class() -> type:
    """requests' HTTPAdapter whose urllib3 connections report to the current request's guard."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched:
        """Reports the connection to the request's guard before it connects and before each request."""

        def connect(self) -> None:
            _watch_connection(self)
            super().connect()  # type: ignore[misc]

        def request(self, *args: Any, **kwargs: Any) -> None:
            _watch_connection(self)
            super().request(*args, **kwargs)  # type: ignore[misc]

    class WatchedHTTPConnection(Watched, HTTPConnection):
        pass

    class WatchedHTTPSConnection(Watched, HTTPSConnection):
        pass

    class Pool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class TlsPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    pools = {"http": Pool, "https": TlsPool}

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            manager.pool_classes_by_scheme = pools
            return manager

    return GuardedAdapter


class Stopper:
    """Cancels a run: wakes every sleep and shuts down every socket in use."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._guards: set[_Guard] = set()
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def stop(self) -> None:
        self._event.set()
        with self._lock:
            guards = list(self._guards)
        for guard in guards:
            guard.fire()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when stopped meanwhile."""
        return self._event.wait(max(0.0, seconds))

    def add(self, guard: _Guard) -> None:
        with self._lock:
            self._guards.add(guard)
        if self.stopped:
            guard.fire()

    def discard(self, guard: _Guard) -> None:
        with self._lock:
            self._guards.discard(guard)
