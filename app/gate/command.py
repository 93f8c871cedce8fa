"""The ``gate`` command: its options, and the run that turns them into an exit code.

Example::

    parser = argparse.ArgumentParser(prog="gate")
    add_arguments(parser)
    code = run(parser.parse_args(["--image", "fraud/scorer:1.4.2", "--source", "https://registry.example.com",
                                  "--replica", "westus=https://westus.registry.example.com", "--json"]))

:func:`run` never raises: it builds the plan (:mod:`app.gate.plan`), runs
:func:`app.gate.poll.execute` in a worker thread while the main thread waits,
so SIGINT / SIGTERM (:mod:`app.gate.interrupts`) and the deadline are honoured
even while a request hangs, and writes the verdict (:mod:`app.gate.verdict`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Optional, TextIO

from app.gate.interrupts import _Signalled, _SignalsRaise
from app.gate.model import (
    EXIT_TIMEOUT,
    EXIT_USAGE,
    HARD_STOP_GRACE,
    PASSWORD_ENV,
    STATE_CURRENT,
    USERNAME_ENV,
    Deadline,
    GateResult,
    GateUsageError,
    ReplicaStatus,
    Stopped,
)
from app.gate.plan import (
    DEFAULT_CONFIG,
    DEFAULT_INTERVAL,
    DEFAULT_TIMEOUT,
    MIN_INTERVAL,
    REGISTRY_FROM_CONFIG,
    build_plan,
)
from app.gate.poll import execute
from app.gate.text import _first_line, display_url
from app.gate.verdict import _Output, _print_result
from app.gate.watchdog import Stopper


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the gate options to a (sub)parser."""
    parser.description = "Wait until every registry replica serves exactly the image the source serves."
    parser.add_argument("--image", required=True, metavar="REPOSITORY:TAG|REPOSITORY@sha256:DIGEST",
                        help="image to check, without the registry host")
    parser.add_argument("--source", metavar="URL", help="registry the image was pushed to, e.g. https://myacr.azurecr.io")
    parser.add_argument("--replica", action="append", default=[], metavar="NAME=URL",
                        help="a replica endpoint; repeat for several")
    parser.add_argument("--registry", metavar="NAME", nargs="?", const=REGISTRY_FROM_CONFIG,
                        help="ACR name (alone: the config's registry name): source https://NAME.azurecr.io, "
                             "replicas https://NAME.REGION.geo.azurecr.io, Azure AD auth (DefaultAzureCredential)")
    parser.add_argument("--regions", metavar="REGION[,REGION...]",
                        help="replica regions for --registry (default: the config's secondary regions)")
    parser.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"config read for --registry defaults (default: {DEFAULT_CONFIG})")
    parser.add_argument("--token-server", action="append", default=[], metavar="URL",
                        help="a Bearer token server on another host that may receive "
                             f"{USERNAME_ENV}/{PASSWORD_ENV} (e.g. https://auth.docker.io); repeat for several. "
                             "Without it, token servers off the registry hosts get anonymous requests")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"hard wall-clock deadline for the whole run (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL, metavar="SECONDS",
                        help=f"seconds between poll rounds, at least {MIN_INTERVAL:g} (default: {DEFAULT_INTERVAL:g})")
    parser.add_argument("--json", action="store_true", help="print one JSON result object on stdout")
    parser.epilog = (f"Basic auth for --source/--replica comes from {USERNAME_ENV} / {PASSWORD_ENV}; it is sent only "
                     "to those hosts (and --token-server ones), never over plain http:// except to loopback. "
                     "Exit codes: 0 all replicas current, 1 timeout (only), 2 usage/source/output error, "
                     "130/143 SIGINT/SIGTERM.")


def run(args: argparse.Namespace, out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    """Run the gate for parsed arguments; returns the exit code and never raises.

    The gate itself runs in a worker thread; this thread only waits, so SIGINT /
    SIGTERM are handled at once (exit 130 / 143) even while a registry hangs, and
    the result is reported by the deadline even if a worker is stuck.
    """
    output = _Output(out if out is not None else sys.stdout, err if err is not None else sys.stderr)
    as_json = bool(getattr(args, "json", False))
    stopper = Stopper()
    result: Optional[GateResult] = None
    with _SignalsRaise():
        try:
            try:
                plan, tokens, basic = build_plan(args)
            except GateUsageError as exc:
                output.to_err(f"gate: error: {exc}")
                if as_json:
                    output.json(GateResult(image=str(getattr(args, "image", "") or ""),
                                           source=display_url(getattr(args, "source", "") or ""),
                                           source_digest=None, replicas=[], elapsed_seconds=0.0, ok=False,
                                           exit_code=EXIT_USAGE, error=str(exc)).to_json())
                return output.finish(EXIT_USAGE)
            deadline = Deadline(plan.timeout)
            result = GateResult(image=str(plan.image), source=plan.source.url, source_digest=None,
                                replicas=[ReplicaStatus(name=e.name, url=e.url) for e in plan.replicas],
                                elapsed_seconds=0.0, ok=False, exit_code=EXIT_USAGE)
            crash: list[BaseException] = []
            done = threading.Event()

            def work() -> None:
                try:
                    execute(plan, tokens, basic, output.err, stopper=stopper, deadline=deadline, result=result)
                except Stopped:
                    pass
                except Exception as exc:  # never a traceback, never exit 1 for a crash
                    crash.append(exc)
                finally:
                    done.set()

            worker = threading.Thread(target=work, name="gate", daemon=True)
            worker.start()
            while not done.wait(min(0.25, max(0.01, deadline.remaining() + HARD_STOP_GRACE))):
                if deadline.remaining() + HARD_STOP_GRACE <= 0:
                    break
            if not done.is_set():
                stopper.stop()
                result.exit_code = EXIT_TIMEOUT
                result.elapsed_seconds = deadline.elapsed()
                behind = "; ".join(s.describe() for s in result.replicas if s.state != STATE_CURRENT)
                result.error = (f"timed out after {plan.timeout:g}s; a request was still running at the deadline"
                                + (f": {behind}" if behind else ""))
            elif crash:
                exc = crash[0]
                result.exit_code, result.ok = EXIT_USAGE, False
                result.error = f"internal error: {type(exc).__name__}: {_first_line(exc)}"
            _print_result(result, as_json, output)
            return output.finish(result.exit_code)
        except _Signalled as sig:
            stopper.stop()
            output.to_err(f"gate: {'terminated' if sig.signum == signal.SIGTERM else 'interrupted'} by {sig.name}; "
                          "nothing was decided")
            if as_json:
                partial = result or GateResult(image=str(getattr(args, "image", "") or ""), source="",
                                               source_digest=None, replicas=[], elapsed_seconds=0.0, ok=False,
                                               exit_code=sig.exit_code)
                partial.exit_code, partial.ok = sig.exit_code, False
                partial.error = f"{'terminated' if sig.signum == signal.SIGTERM else 'interrupted'} by {sig.name}"
                output.json(partial.to_json())
            return sig.exit_code
