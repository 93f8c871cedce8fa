"""The gate itself: resolve the digest at the source, then poll every replica until each serves it.

Example::

    from app.gate.auth import DistributionTokenProvider
    from app.gate.poll import execute

    result = execute(plan, DistributionTokenProvider(None), None, sys.stderr)   # plan: app.gate.plan.build_plan
    result.exit_code, [(s.name, s.state) for s in result.replicas]
    # (0, [('westus', 'current')]); 1 when the deadline passed first; 2 when the source failed

One progress line per round goes to stderr (:class:`Reporter`). All pending
replicas of a round are asked in parallel, each request bounded by the
deadline; a replica that errs is a state (:func:`classify`,
:func:`_check_replica`), polled again next round, never an exception.
"""

from __future__ import annotations

import threading
import urllib.parse
from typing import Callable, Optional, TextIO

from app.gate.auth import TokenProvider
from app.gate.model import (
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    HARD_STOP_GRACE,
    STATE_CURRENT,
    STATE_ERROR,
    STATE_MISSING,
    STATE_PENDING,
    STATE_STALE,
    Deadline,
    DeadlineError,
    GatePlan,
    GateResult,
    ImageRef,
    Probe,
    RegistryError,
    ReplicaStatus,
    Stopped,
)
from app.gate.origins import is_loopback
from app.gate.registry import RegistryClient
from app.gate.text import display_url, safe_text
from app.gate.transport import Http
from app.gate.watchdog import Stopper


def classify(probe: Probe, image: ImageRef, source_digest: str) -> tuple[str, str]:
    """Map one replica's answer to (state, detail)."""
    if not probe.present:
        return STATE_MISSING, probe.detail or "not found"
    if image.is_digest or probe.digest == source_digest:
        return STATE_CURRENT, ""
    return STATE_STALE, f"serves {probe.digest}, expected {source_digest}"


def _check_replica(client: RegistryClient, status: ReplicaStatus, image: ImageRef,
                   source_digest: str, deadline: Deadline) -> None:
    """Ask one replica and update its status; never raises for network trouble."""
    try:
        probe = client.probe(image, deadline)
    except DeadlineError as exc:
        # Cut off by the deadline: keep the last real answer (e.g. "missing"), if any.
        if status.state == STATE_PENDING:
            status.state, status.digest, status.detail = STATE_ERROR, None, str(exc)
        return
    except RegistryError as exc:
        status.state, status.digest, status.detail = STATE_ERROR, None, str(exc)
        return
    except Stopped:
        return
    except Exception as exc:  # a bug must not turn into a crash (exit 1 is "timeout" only)
        status.state, status.digest, status.detail = STATE_ERROR, None, f"internal error: {type(exc).__name__}: {exc}"
        return
    status.state, status.detail = classify(probe, image, source_digest)
    status.digest = source_digest if (probe.present and image.is_digest) else probe.digest


class Reporter:
    """Progress lines on stderr: one per poll round. A broken stderr silences it, nothing more."""

    def __init__(self, err: Optional[TextIO], stopper: Optional[Stopper] = None) -> None:
        self.err = err
        self.stopper = stopper

    def line(self, text: str) -> None:
        if self.err is None or (self.stopper is not None and self.stopper.stopped):
            return
        try:
            self.err.write(f"gate: {safe_text(text)}\n")
            self.err.flush()
        except (OSError, ValueError):
            self.err = None


def wait_for_replicas(plan: GatePlan, clients: dict[str, RegistryClient], source_digest: str,
                      deadline: Deadline, reporter: Reporter,
                      sleep: Optional[Callable[[float], None]] = None,
                      statuses: Optional[list[ReplicaStatus]] = None,
                      stopper: Optional[Stopper] = None) -> tuple[list[ReplicaStatus], int, bool]:
    """Poll every replica once per interval until all are current or the deadline passes.

    Every request of a round is bounded by the deadline itself, so the run ends
    at ``--timeout`` (the last answers are at most one interval old).
    """
    stopper = stopper or Stopper()
    if statuses is None:
        statuses = [ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas]
    rounds = 0
    while True:
        if stopper.stopped:
            raise Stopped()
        pending = [s for s in statuses if s.state != STATE_CURRENT]
        rounds += 1
        threads = [threading.Thread(target=_check_replica, name=f"gate-{s.name}", daemon=True,
                                    args=(clients[s.name], s, plan.image, source_digest, deadline))
                   for s in pending]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline.remaining()) + HARD_STOP_GRACE / 2)
        if stopper.stopped:
            raise Stopped()
        done = sum(s.state == STATE_CURRENT for s in statuses)
        summary = ", ".join(s.describe() for s in statuses)
        reporter.line(f"round {rounds} at {deadline.elapsed():.1f}s: {done}/{len(statuses)} current; {summary}")
        if done == len(statuses):
            return statuses, rounds, True
        left = deadline.remaining()
        if left <= 0:
            return statuses, rounds, False
        if sleep is not None:
            sleep(min(plan.interval, left))
        elif stopper.wait(min(plan.interval, left)):
            raise Stopped()
        if deadline.remaining() <= 0:
            return statuses, rounds, False


def plain_http_warnings(plan: GatePlan) -> list[str]:
    """One warning per plain-http:// registry: its answers (and anything sent to it) are readable in transit."""
    warnings = []
    for endpoint in (plan.source, *plan.replicas):
        if urllib.parse.urlsplit(endpoint.url).scheme != "http":
            continue
        label = "source" if endpoint is plan.source else f"replica {endpoint.name}"
        if is_loopback(endpoint.url):
            note = "loopback only, so credentials may go to it; use https:// for a real registry"
        else:
            note = "answers can be read and forged in transit, and no credentials are sent to it"
        warnings.append(f"{label} {display_url(endpoint.url)} is plain http://: {note}")
    return warnings


def execute(plan: GatePlan, tokens: TokenProvider, basic: Optional[tuple[str, str]],
            err: Optional[TextIO], sleep: Optional[Callable[[float], None]] = None,
            stopper: Optional[Stopper] = None, deadline: Optional[Deadline] = None,
            result: Optional[GateResult] = None) -> GateResult:
    """Resolve the source digest, then wait for every replica. Never raises RegistryError.

    ``result`` (optional) is filled in as the run goes, so the caller can report
    it even if this function is abandoned; ``stopper`` cancels the run (Stopped).
    """
    stopper = stopper or Stopper()
    deadline = deadline or Deadline(plan.timeout)
    reporter = Reporter(err, stopper)
    statuses = [ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas]
    trusted = plan.trusted_origins

    def client(url: str) -> RegistryClient:
        http = Http(plan.retry, stopper=stopper)
        if sleep is not None:
            http.sleep = sleep
        return RegistryClient(url, http, tokens, basic, trusted)

    if result is None:
        result = GateResult(image=str(plan.image), source=plan.source.url, source_digest=None,
                            replicas=statuses, elapsed_seconds=0.0, ok=False, exit_code=EXIT_USAGE)
    else:
        result.replicas = statuses
    result.warnings = plain_http_warnings(plan)
    for warning in result.warnings:
        reporter.line(f"warning: {warning}")
    try:
        probe = client(plan.source.url).probe(plan.image, deadline)
    except DeadlineError as exc:
        result.exit_code = EXIT_TIMEOUT
        result.error = (f"timed out after {plan.timeout:g}s before the source {display_url(plan.source.url)} "
                        f"answered: {exc}")
        result.elapsed_seconds = deadline.elapsed()
        return result
    except RegistryError as exc:
        result.error = f"source {display_url(plan.source.url)} cannot be checked: {exc}"
        result.elapsed_seconds = deadline.elapsed()
        return result
    if not probe.present:
        result.error = (f"image {plan.image} is absent at the source {display_url(plan.source.url)} ({probe.detail}); "
                        "push it there first, or check --image")
        result.elapsed_seconds = deadline.elapsed()
        return result
    source_digest = plan.image.reference if plan.image.is_digest else (probe.digest or "")
    result.source_digest, result.media_type = source_digest, probe.media_type
    reporter.line(f"source {display_url(plan.source.url)} serves {plan.image} as {source_digest} "
                  f"({probe.media_type or 'unknown type'})")
    result.exit_code = EXIT_TIMEOUT  # from here on, an abandoned run is a timeout
    clients = {e.name: client(e.url) for e in plan.replicas}
    statuses, rounds, ok = wait_for_replicas(plan, clients, source_digest, deadline, reporter, sleep,
                                             statuses=statuses, stopper=stopper)
    result.replicas, result.rounds, result.ok = statuses, rounds, ok
    result.exit_code = EXIT_OK if ok else EXIT_TIMEOUT
    result.elapsed_seconds = deadline.elapsed()
    if not ok:
        behind = "; ".join(s.describe() for s in statuses if s.state != STATE_CURRENT)
        result.error = f"timed out after {plan.timeout:g}s waiting for {plan.image} ({source_digest}): {behind}"
    return result
