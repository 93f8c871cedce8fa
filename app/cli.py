"""The one command line: ``python main.py [synth|gate|status|report] ...``.

Example::

    python main.py                                   # = synth of config/default.yaml
    python main.py synth --config config/dev.yaml    # another config
    python main.py synth --active-region westus      # failover: Traffic Manager serves westus first
    python main.py gate --registry crcontosofraudprod --image fraud/model:v2   # replicas current?
    python main.py status --json                     # read-only Azure status per region
    python main.py report --format html --out report.html   # the design document
    python main.py --help

Exit codes: 0 done, 1 a check failed (e.g. the gate timed out), 2 a usage or
config error, or an output that cannot be written where it was asked to (the
message names the field or path, what was found and what is allowed; no
traceback, and an existing ``cdktf.out/`` is left exactly as it was), 130
Ctrl-C, 143 SIGTERM (both clean up first), 141 stdout closed by its reader
(``| head``). ``--help`` and config errors never load cdktf or jsii.
:func:`run` is :func:`main` as a process (``main.py``): signals handled, stdout
flushed, jsii's temporary files removed, never a traceback for those.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Sequence

from app import signals
from app.errors import EXIT_OK, EXIT_USAGE, UserError
from app.output import EXIT_BROKEN_PIPE, write_stdout

DEFAULT_CONFIG = "config/default.yaml"
DEFAULT_OUTDIR = "cdktf.out"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, no traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {message}\n")

    def _print_message(self, message: str, file=None) -> None:  # argparse drops write errors silently
        if not message:
            return
        if file is None or file is sys.stdout:
            write_stdout(message)  # --help to a closed pipe or a full disk: 141 or 2, not a silent 0
        else:
            _say(message.rstrip("\n"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python main.py",
        description="Resilient multi-region Microsoft Foundry on Azure, as Terraform JSON (cdktf).",
        epilog="Without a command, 'synth' runs: 'python main.py' = 'python main.py synth'.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    synth = sub.add_parser(
        "synth",
        help="synthesize the config into Terraform JSON (a shared stack, one per hub region, routing)",
        description="Validate the config, then write one Terraform JSON stack for what the regions share, "
        "one per hub region and (with a routing section) one for Traffic Manager into the output directory, "
        "replacing it only when synthesis succeeded. Only a directory synth wrote is replaced (manifest.json, "
        "stacks/<stack>/ and Terraform's .terraform/, .terraform.lock.hcl and plan files, which are kept); "
        "anything else is refused with exit 2 and left untouched. A missing directory is created.",
    )
    synth.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help=f"config file (default: {DEFAULT_CONFIG})")
    synth.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"output directory (default: $CDKTF_OUTDIR when run by the cdktf CLI, else {DEFAULT_OUTDIR})",
    )
    synth.add_argument(
        "--active-region",
        default=None,
        metavar="REGION",
        help="promote REGION: Traffic Manager serves it first (failover; routing changes only, = regions.active)",
    )
    gate = sub.add_parser(
        "gate",
        help="wait until every registry replica serves the image (exit 0), or time out (exit 1)",
        description="Resolve an image's digest at the source registry, then poll each replica until it serves "
        "the same digest. Exit 0: every replica current; 1: timeout; 2: usage error, source unreachable or "
        "image absent at the source. See docs/replication-gate.md.",
    )
    from app import gate as gate_command  # light: no azure, cdktf or requests at import

    gate_command.add_arguments(gate)
    status = sub.add_parser(
        "status",
        help="read-only Azure status: hubs, registry replicas, data replication lag vs RPO, serving region",
        description="Ask Azure (GET only) for each region's hub and registry replica, the training data's Last "
        "Sync Time against the RPO, and which region Traffic Manager serves. Exit 0: all ok; 1: something "
        "degraded, at risk or unknown; 2: usage, config or authentication error.",
    )
    from app import status as status_command  # light: no azure, cdktf or pydantic at import

    status_command.add_arguments(status)
    report = sub.add_parser(
        "report",
        help="the design document for approvers: diagram, availability, RPO/RTO, cost, decisions",
        description="Write the design document generated from the config: stacks and deployment order (Mermaid), "
        "availability against the target, RPO/RTO and durability, a monthly cost estimate and every decision with "
        "its trade-off. Nothing is synthesized.",
    )
    from app import report as report_command  # light: no cdktf, jsii or pydantic at import

    report_command.add_arguments(report)
    failure_modes = sub.add_parser(
        "failure-modes",
        help="what each component does in a regional outage, with the runbook (docs/failure-modes.md)",
        description="Synthesize the config into a scratch directory, read what the stacks contain and write one "
        "table per outage (primary, secondary, the registry's home, the state backend's region): per component what "
        "happens, what is automatic, the runbook step and how long it takes; then the runbook. Exit 0 written, "
        "2 usage or config error.",
    )
    from app import failure_modes as failure_modes_command  # light: cdktf loads only when it synthesizes

    failure_modes_command.add_arguments(failure_modes)
    decisions = sub.add_parser(
        "decisions",
        help="what Azure fixes when a resource is created, our choice and its cost (docs/creation-time-decisions.md)",
        description="Synthesize the config into a scratch directory and write the creation-time decisions table "
        "from what the stacks contain. Exit 0 written, 2 usage or config error.",
    )
    from app import decisions as decisions_command  # light: cdktf loads only when it synthesizes

    decisions_command.add_arguments(decisions)
    return parser


def _run_synth(args: argparse.Namespace) -> int:
    from app.config import load_config

    overrides = {"regions.active": args.active_region} if args.active_region else None
    cfg = load_config(args.config, overrides=overrides)
    for w in cfg.warnings:
        _warn(f"warning: {w.render()}")
    if args.active_region:
        from app.config_yaml import read_yaml

        committed = (read_yaml(args.config).get("regions") or {}).get("active") or cfg.regions.primary
        if committed != args.active_region:
            _warn(f"warning: --active-region {args.active_region} is not persisted: the next synth without it serves "
                  f"{committed} first again. Commit `regions.active: {args.active_region}` to {args.config} to keep "
                  "the promotion [active-region-not-persisted]")
    from app.synth import synthesize

    outdir = args.out if args.out is not None else (os.environ.get("CDKTF_OUTDIR") or DEFAULT_OUTDIR)
    stacks = synthesize(cfg, outdir)
    try:
        print(f"synthesized {len(stacks)} stacks into {outdir.rstrip('/')}/: {', '.join(stacks)}", flush=True)
    except (OSError, AttributeError, ValueError):
        # The output is the directory, swapped in by now: a stdout nobody reads does not make synth fail.
        sys.stdout = open(os.devnull, "w")  # what is left in the old buffer is never flushed (main.py: os._exit)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "synth")
    try:
        args = build_parser().parse_args(argv)
        if args.command == "synth":
            return _run_synth(args)
        if args.command == "gate":
            from app import gate

            return gate.run(args)
        if args.command == "status":
            from app import status

            return status.run(args)
        if args.command == "report":
            from app import report

            return report.run(args)
        if args.command == "failure-modes":
            from app import failure_modes

            return failure_modes.run(args)
        if args.command == "decisions":
            from app import decisions

            return decisions.run(args)
    except UserError as e:
        if str(e):
            _say(str(e))
        return e.exit_code
    except KeyboardInterrupt as e:
        _say("terminated" if isinstance(e, signals.Terminated) else "interrupted")
        return signals.exit_code(e)
    except BrokenPipeError:  # stdout's reader went away mid-print (status, gate): see app.output
        return EXIT_BROKEN_PIPE
    return EXIT_USAGE


def under_cdktf_cli() -> bool:
    """The cdktf CLI runs the app (``cdktf synth``/``deploy``): it sets these two for the app's process only
    (@cdktf/cli-core synth-stack.js) and prints everything the app writes to stderr as ``[ERROR]``."""
    return "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS" in os.environ and "SYNTH_HCL_OUTPUT" in os.environ


def _warn(message: str) -> None:
    """A warning: on stderr, or on stdout under the cdktf CLI, which shows stdout as it is and would label a
    warning on stderr ``[ERROR]``. Errors stay on stderr (exit 2: the CLI shows them as the failure they are)."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        print(message, file=sys.stdout if under_cdktf_cli() else sys.stderr, flush=True)


def _say(message: str) -> None:
    """A line on stderr; a closed or full stderr is not a reason for a traceback."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        print(message, file=sys.stderr, flush=True)


def run(argv: Sequence[str] | None = None) -> int:
    """:func:`main` as a whole process; returns the exit code and never raises.

    SIGTERM cleans up like Ctrl-C (exit 143, 130), ``--help`` and usage errors
    return their code instead of raising SystemExit, stdout is flushed here
    (a closed pipe: 141, silent; a full disk: 2, one line) and jsii's temporary
    files are removed. Signals after this are only noted: the caller ends the
    process (``main.py``: ``os._exit``).
    """
    signals.install()
    try:
        try:
            code = main(argv)
        except SystemExit as e:  # argparse: --help, usage errors
            code = e.code if isinstance(e.code, int) else (EXIT_OK if e.code is None else EXIT_USAGE)
            if not isinstance(e.code, (int, type(None))):
                _say(str(e.code))
    except KeyboardInterrupt as e:  # arrived outside main()'s own handling (e.g. while parsing)
        _say("terminated" if isinstance(e, signals.Terminated) else "interrupted")
        code = signals.exit_code(e)
    signals.hold_forever()
    code = _flush_stdout(code)
    with contextlib.suppress(OSError, AttributeError, ValueError):
        sys.stderr.flush()
    synth = sys.modules.get("app.synth")
    if synth is not None:
        synth.remove_jsii_scratch()
    return code


def _flush_stdout(code: int) -> int:
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        return code or EXIT_BROKEN_PIPE
    except (OSError, ValueError) as e:
        _say(f"error: cannot write to stdout: {getattr(e, 'strerror', None) or e}")
        return code or EXIT_USAGE
    return code
