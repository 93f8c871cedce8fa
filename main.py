#!/usr/bin/env python3
"""Entry point for ``make synth``, ``cdktf synth`` and every subcommand: see ``app/cli.py``.

Example::

    python main.py                 # synthesize config/default.yaml into cdktf.out/
    python main.py synth --config config/default.yaml
    python main.py --help

When the pinned dependencies are not importable from the running interpreter
(``cdktf synth`` runs plain ``python3 main.py``) and the project's ``.venv``
exists, this re-runs itself with ``.venv/bin/python`` (``.venv-cdktn`` when
``FOUNDRY_CDK=cdktn``, see docs/cdk-terrain.md).
"""

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _ensure_venv() -> None:
    # the framework FOUNDRY_CDK selects (foundry_constructs/cdk.py): cdktf from .venv, cdktn from .venv-cdktn
    framework, venv = ("cdktn", ".venv-cdktn") if os.environ.get("FOUNDRY_CDK") == "cdktn" else ("cdktf", ".venv")
    venv_python = ROOT / venv / "bin" / "python"
    if importlib.util.find_spec("pydantic") and importlib.util.find_spec(framework):
        return
    if venv_python.exists() and Path(sys.prefix).resolve() != (ROOT / venv).resolve():
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])


if __name__ == "__main__":
    _ensure_venv()
    sys.path.insert(0, str(ROOT))
    from app.cli import run

    # run() never raises: SIGTERM/Ctrl-C clean up (143/130), stdout is flushed (a closed pipe or a
    # full disk is an exit code, not a traceback) and jsii's temporary files are already removed.
    code = run()
    # Everything is written and swapped in by now. Skip interpreter teardown:
    # jsii's atexit hook otherwise waits ~0.2 s for its Node process to stop,
    # which exits by itself when our end of its stdin pipe closes.
    os._exit(code)
