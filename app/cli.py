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
config error (the message names the field, the value and what is allowed; no
traceback, and an existing ``cdktf.out/`` is left exactly as it was).
``--help`` and config errors never load cdktf or jsii.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from app.errors import EXIT_OK, EXIT_USAGE, UserError

DEFAULT_CONFIG = "config/default.yaml"
DEFAULT_OUTDIR = "cdktf.out"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, no traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {message}\n")


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
        "replacing it only when synthesis succeeded.",
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
    return parser


def _run_synth(args: argparse.Namespace) -> int:
    from app.config import load_config

    overrides = {"regions.active": args.active_region} if args.active_region else None
    cfg = load_config(args.config, overrides=overrides)
    for w in cfg.warnings:
        print(f"warning: {w.render()}", file=sys.stderr)
    from app.synth import synthesize

    outdir = args.out or os.environ.get("CDKTF_OUTDIR") or DEFAULT_OUTDIR
    stacks = synthesize(cfg, outdir)
    print(f"synthesized {len(stacks)} stacks into {outdir}/: {', '.join(stacks)}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "synth")
    args = build_parser().parse_args(argv)
    try:
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
    except UserError as e:
        print(str(e), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return EXIT_USAGE
