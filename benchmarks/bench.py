"""Synth benchmark: `make bench` prints medians of interleaved runs and peak memory.

Example::

    .venv/bin/python benchmarks/bench.py --runs 5

Measured, side by side in one run, on the same venv:

- ``make synth`` of the default config (an already set-up checkout);
- ``python main.py synth`` of the 8-region config in ``benchmarks/``;
- the eager-import floor of a naive app: ``python -c "import cdktf_cdktf_provider_azurerm"``;
- the jsii floor: Node start + loading the cdktf and azurerm assemblies, no resources;
- with ``.venv-cdktn`` installed (``make bench`` installs it): the default and the 8-region synth on CDK
  Terrain + azurerm 5.x (docs/cdk-terrain.md), and the default synth there without the Node hook
  (what the hook saves on cdktn's index shape).

Runs are interleaved (A, B, C, D, A, B, ...) so machine noise hits all alike.
Peak memory is ``wait4``'s max RSS: the largest of the process and the
descendants it waited for. ``main.py`` does not wait for jsii's Node process,
so the synth rows show Python's own; the import rows include Node's.
This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CDKTN_PY = ROOT / ".venv-cdktn" / "bin" / "python"
CDKTN = {**os.environ, "FOUNDRY_CDK": "cdktn"}
UNHOOKED = (  # main.py synth, with azurerm.install_node_hook made a no-op
    "import os, sys; sys.path.insert(0, '.');"
    "import foundry_constructs.azurerm as a; a.install_node_hook = lambda: None;"
    "from app.cli import run; os._exit(run(sys.argv[1:]))"
)

JSII_FLOOR = (
    "import sys; sys.path.insert(0, '.');"
    "from app.synth import use_supported_node; use_supported_node();"
    "from foundry_constructs import azurerm; azurerm.load('provider')"
)


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    cases = {
        "default synth (make synth)": ["make", "-s", "synth"],
        "8-region synth": [PY, "main.py", "synth", "--config", "benchmarks/eight-regions.yaml", "--out", str(out / "eight")],
        "eager import (naive floor)": [PY, "-c", "import cdktf_cdktf_provider_azurerm"],
        "jsii floor (node + assemblies)": [PY, "-c", JSII_FLOOR],
    }
    envs: dict[str, dict[str, str]] = {}
    if CDKTN_PY.exists():
        cdktn = {
            "cdktn: make synth CDK=cdktn": ["make", "-s", "synth", "CDK=cdktn"],
            "cdktn: 8-region synth": [str(CDKTN_PY), "main.py", "synth", "--config", "benchmarks/eight-regions.yaml",
                                      "--out", str(out / "eight-cdktn")],
            "cdktn: default, no Node hook": [str(CDKTN_PY), "-c", UNHOOKED, "synth", "--out", str(out / "unhooked")],
        }
        cases |= cdktn
        envs = {k: CDKTN for k in cdktn}
    results: dict[str, list[tuple[float, int]]] = {k: [] for k in cases}
    for name, cmd in cases.items():  # warm-up: package caches, page cache
        run(cmd, envs.get(name))
    for _ in range(args.runs):
        for name, cmd in cases.items():
            results[name].append(run(cmd, envs.get(name)))
    med = {k: statistics.median(t for t, _ in v) for k, v in results.items()}
    rss = {k: max(m for _, m in v) for k, v in results.items()}
    eager = med["eager import (naive floor)"]
    default = med["default synth (make synth)"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"median of {args.runs} interleaved runs")
    print(f"| {'case':34} | {'median s':>8} | {'x eager':>7} | {'x default':>9} | {'peak RSS MiB':>12} |")
    print(f"|{'-' * 36}|{'-' * 10}:|{'-' * 8}:|{'-' * 10}:|{'-' * 13}:|")
    for k in cases:
        print(f"| {k:34} | {med[k]:8.2f} | {med[k] / eager:7.2f} | {med[k] / default:9.2f} | {rss[k] / 1024:12.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
