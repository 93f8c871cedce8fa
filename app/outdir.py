"""The synth output directory: replaced only when synth wrote it, Terraform's files carried over.

Example::

    from app.outdir import Guard, check_target, staging_dir, swap_in

    check_target(target, guards)               # exit 2 before any work if target is not ours to replace
    recover_leftovers(target)                  # a killed run's .NAME.tmp-* / .NAME.old-*
    staging = staging_dir(target)              # .NAME.tmp-XXXXXXXX beside it, locked while we use it
    ...                                        # synthesize into staging
    swap_in(staging, target, guards)           # carry Terraform's files, then two renames

What synth may replace (:func:`foreign_entry` is the rule): a directory that
holds ``manifest.json`` (a JSON object with a ``stacks`` object) and otherwise
only what cdktf writes, ``stacks/<stack>/`` with ``cdk.tf.json`` (``cdk.tf``
and ``metadata.json`` with ``hclOutput``, ``assets/`` for TerraformAssets),
plus what Terraform writes in a stack directory (:data:`TERRAFORM_DIRS`,
:data:`TERRAFORM_FILES`, :func:`is_plan_file`). There is no marker file: the shape is the rule, so
outputs written before this module existed stay replaceable. Anything else,
including Terraform state (``terraform.tfstate``) or a ``.tfvars`` in a stack
directory, is not ours and stops synth with exit 2. Without ``manifest.json`` a
directory is accepted only when it holds no file at all (say ``stacks/`` left
empty) or only ``stacks/<stack>/.terraform.lock.hcl`` (a fresh clone of committed
lock files): there is nothing in it to lose, and the lock files are kept.

Refused outright, whatever they hold: a symbolic link (also to a directory),
anything that is not a directory (regular file, device, FIFO, socket), ``.``,
``..``, ``/``, a mount point or a directory with one inside (renaming it fails
with EBUSY; removing it would reach into the mounted file system), and a
directory that is or contains a guarded
path (:class:`Guard`: the working directory, the project, the config file's
directory, the local state directory).

Terraform's files of each stack that the new output still has move into the
new output before the swap (renames, so a provider cache of hundreds of MB
costs nothing); a stack the new output no longer has loses them with the old
output. Leftovers of a killed run are ours only when the name is exactly
``.NAME.tmp-XXXXXXXX`` or ``.NAME.old-XXXXXXXX`` (``tempfile.mkdtemp``'s 8
characters), the entry is a real directory owned by this user, shaped like an
output, and no live synth holds its lock (``flock`` on the directory); their
Terraform files go back where they came from, a lone old output comes back
when the target is missing, then they are removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app import signals
from app.output import OutputError, kind, os_message

TERRAFORM_DIRS = (".terraform",)
TERRAFORM_FILES = (".terraform.lock.hcl",)
# Saved plans (`terraform plan -out=FILE`) and their renderings: cdktf's CLI writes `plan`; the common
# spellings in Terraform's docs and CI templates are tfplan, plan.out, *.tfplan; show -json / -no-color
# renderings beside them are plan.json, plan.txt, *.tfplan.json, *.tfplan.txt.
PLAN_NAMES = ("plan", "tfplan", "plan.out", "plan.json", "plan.txt")
PLAN_SUFFIXES = (".tfplan", ".tfplan.json", ".tfplan.txt")
CDKTF_TOP = ("manifest.json", "stacks")
CDKTF_STACK_FILES = ("cdk.tf.json", "cdk.tf", "metadata.json")
CDKTF_STACK_DIRS = ("assets",)
_MANIFEST_MAX = 16 * 1024 * 1024


@dataclass(frozen=True)
class Guard:
    """A path synth must never replace, nor any directory above it."""

    path: Path
    what: str  # "the working directory", "the config file config/prod.yaml", ...


def is_plan_file(name: str) -> bool:
    return name in PLAN_NAMES or name.endswith(PLAN_SUFFIXES)


def is_terraform_entry(name: str, mode: int) -> bool:
    """Written by Terraform in a stack directory (and carried over by synth)."""
    if name in TERRAFORM_DIRS:
        return stat.S_ISDIR(mode)
    return stat.S_ISREG(mode) and (name in TERRAFORM_FILES or is_plan_file(name))


def refuse(target: Path, why: str) -> OutputError:
    return OutputError(f"error: refusing to synthesize into {target}: {why}; nothing was changed")


# --------------------------------------------------------------------------- what the output may hold


def foreign_entry(directory: Path, *, staging: bool = False) -> str | None:
    """The first thing in ``directory`` that synth or Terraform did not write, with why; None when all is ours.

    ``staging``: a run's own directory, so ``manifest.json`` may be missing (killed before cdktf wrote it).
    """
    try:
        top = {e.name: e for e in os.scandir(directory)}
    except OSError as e:
        return f"it cannot be read ({os_message(e)})"
    if not top:
        return None
    for name, entry in sorted(top.items()):
        if name not in CDKTF_TOP:
            return f"it holds {name}, which synth did not write"
    manifest = top.get("manifest.json")
    if manifest is None:
        if not staging and _holds_a_file(directory):
            return "it has no manifest.json, so synth did not write it"
    else:
        why = _manifest_problem(Path(manifest.path), manifest)
        if why:
            return why
    stacks = top.get("stacks")
    if stacks is None:
        return None
    if not stacks.is_dir(follow_symlinks=False):
        return f"stacks is a {kind(stacks.stat(follow_symlinks=False).st_mode)}, not synth's directory"
    try:
        stack_dirs = sorted(os.scandir(stacks.path), key=lambda e: e.name)
    except OSError as e:
        return f"stacks cannot be read ({os_message(e)})"
    for stack in stack_dirs:
        rel = f"stacks/{stack.name}"
        if not stack.is_dir(follow_symlinks=False):
            return f"it holds {rel}, a {kind(stack.stat(follow_symlinks=False).st_mode)} synth did not write"
        try:
            entries = sorted(os.scandir(stack.path), key=lambda e: e.name)
        except OSError as e:
            return f"{rel} cannot be read ({os_message(e)})"
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            if is_terraform_entry(entry.name, mode):
                continue
            if entry.name in CDKTF_STACK_FILES and stat.S_ISREG(mode):
                continue
            if entry.name in CDKTF_STACK_DIRS and stat.S_ISDIR(mode):
                continue
            hint = " (Terraform state: keep it under backend.path)" if "tfstate" in entry.name else ""
            return f"it holds {rel}/{entry.name}, a {kind(mode)} neither synth nor Terraform writes there{hint}"
    return None


def _holds_a_file(directory: Path) -> bool:
    """Anything but empty directories and committed lock files below ``directory`` (all an output without
    manifest.json may hold: ``stacks/<stack>/.terraform.lock.hcl`` is what a fresh clone has of an output whose
    lock files are committed, docs/terraform-teams.md "Lock files")."""
    for here, dirs, files in os.walk(directory):
        lock_dir = Path(here).parent == directory / "stacks"
        if any(not (lock_dir and name in TERRAFORM_FILES and os.path.isfile(os.path.join(here, name))
                    and not os.path.islink(os.path.join(here, name))) for name in files):
            return True
        # os.walk lists symlinks to directories under dirs and does not descend into them: count them as files
        if any(os.path.islink(os.path.join(here, d)) for d in dirs):
            return True
    return False


def _manifest_problem(path: Path, entry: os.DirEntry) -> str | None:
    st = entry.stat(follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode):
        return f"its manifest.json is a {kind(st.st_mode)}, not synth's"
    if st.st_size > _MANIFEST_MAX:
        return "its manifest.json is too large to be synth's"
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return "its manifest.json is not the JSON synth writes"
    if not isinstance(doc, dict) or not isinstance(doc.get("stacks"), dict):
        return "its manifest.json has no stacks object, so synth did not write it"
    return None


# --------------------------------------------------------------------------- where synth may write


def _inside(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor.rstrip(os.sep) + os.sep)


def check_target(target: Path, guards: list[Guard]) -> None:
    """Raise :class:`OutputError` (exit 2) unless synth may write ``target``; touches nothing."""
    raw = os.fspath(target)
    if not raw:
        raise refuse(target, "the path is empty")
    last = raw.rstrip("/").rsplit("/", 1)[-1] if raw.rstrip("/") else "/"
    if last == "/":
        raise refuse(target, "it is the file system root")
    if last in (".", ".."):
        raise refuse(target, f"'{last}' names {'the working directory' if last == '.' else 'a parent directory'}, "
                             "which synth would replace whole; name the output directory itself, e.g. cdktf.out")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise refuse(target, os_message(e)) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise refuse(target, f"it is a symbolic link (to {os.readlink(target)}); synth does not follow links, "
                             "pass the real directory")
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise refuse(target, f"it is a {kind(st.st_mode)}, not a directory synth wrote")
    resolved = os.path.realpath(target)
    for guard in guards:
        guarded = os.path.realpath(guard.path)
        if _inside(guarded, resolved):
            where = "it is" if guarded == resolved else "it contains"
            raise refuse(target, f"{where} {guard.what} ({guarded})")
    if st is None:
        return
    if os.path.ismount(target):
        raise refuse(target, "it is a mount point")
    below = mounts_below(resolved)
    if below:  # renaming would fail (EBUSY) or, for a stack that is gone, remove what is mounted there
        raise refuse(target, f"{os.path.relpath(below[0], resolved)} inside it is a mount point")
    why = foreign_entry(target)
    if why:
        raise refuse(target, f"{why} (synth replaces only a directory it wrote: manifest.json, stacks/<stack>/ with "
                             "cdk.tf.json and Terraform's .terraform/, .terraform.lock.hcl and plan files)")


def mounts_below(directory: str) -> list[str]:
    """Mount points strictly inside ``directory`` (resolved), from ``/proc/self/mountinfo``; [] where unknown."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) < 5:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        if point != directory and _inside(point, directory):
            found.append(point)
    return sorted(found)


# --------------------------------------------------------------------------- staging and leftovers


def _leftover_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(tmp|old)-[a-z0-9_]{{8}}")


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on directory ``path``, or None if a live process holds it."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError:  # a file system without flock: the name and shape checks still hold
        pass
    return fd


@contextlib.contextmanager
def parent_lock(directory: Path) -> Iterator[None]:
    """Serialize the short critical sections (leftovers, swap) of synths writing into one directory."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def leftovers(target: Path) -> list[tuple[Path, int]]:
    """A killed run's staging directories beside ``target``, each locked (path, fd); newest first."""
    pattern = _leftover_pattern(target)
    found: list[tuple[float, Path, int]] = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    for name in names:
        if not pattern.fullmatch(name):
            continue
        path = target.parent / name
        try:
            st = os.lstat(path)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or os.path.ismount(path):
                continue
            if mounts_below(os.path.realpath(path)):
                continue
            if foreign_entry(path, staging=True):
                continue  # not shaped like ours: leave it alone
            fd = _try_lock(path)
        except OSError:
            continue
        if fd is not None:
            found.append((st.st_mtime, path, fd))
    found.sort(key=lambda f: f[0], reverse=True)
    return [(p, fd) for _, p, fd in found]


def recover_leftovers(target: Path) -> list[Path]:
    """Remove a killed run's leftovers; first give Terraform's files (and a lone old output) back. Returns what was removed."""
    removed: list[Path] = []
    with parent_lock(target.parent), signals.deferred():
        found = leftovers(target)
        try:
            if not os.path.lexists(target):
                old = [p for p, _ in found if p.name.startswith(f".{target.name}.old-") and not foreign_entry(p)]
                if old:  # killed between the two renames of a swap: the previous output comes back
                    os.rename(old[0], target)
                    found = [(p, fd) for p, fd in found if p != old[0]]
            for path, _ in found:
                if os.path.isdir(target) and not os.path.islink(target):
                    _move_terraform_files(path, target, only_missing=True)
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        finally:
            for _, fd in found:
                os.close(fd)
    return removed


def staging_dir(target: Path) -> tuple[Path, int]:
    """A new ``.NAME.tmp-XXXXXXXX`` beside ``target`` (mode as the umask says), locked: (path, fd)."""
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        path.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the output is not secret
        fd = _try_lock(path)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    assert fd is not None  # nobody else knows the name yet
    return path, fd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- carry and swap


def _move_terraform_files(source: Path, dest: Path, *, only_missing: bool = True) -> list[tuple[Path, Path]]:
    """Rename Terraform's files of each stack in ``source`` into ``dest``'s same stack directory, where it exists.

    Returns the (from, to) pairs done; on an error, undoes them and raises.
    """
    moved: list[tuple[Path, Path]] = []
    src_stacks = source / "stacks"
    try:
        stacks = sorted(e.name for e in os.scandir(src_stacks) if e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return moved
    try:
        for name in stacks:
            into = dest / "stacks" / name
            if not into.is_dir() or into.is_symlink():
                continue  # the stack is gone: its Terraform files go with the old output
            for entry in sorted(os.scandir(src_stacks / name), key=lambda e: e.name):
                if not is_terraform_entry(entry.name, entry.stat(follow_symlinks=False).st_mode):
                    continue
                to = into / entry.name
                if os.path.lexists(to):
                    if only_missing:
                        continue
                    raise FileExistsError(errno.EEXIST, "synth wrote a file Terraform owns", str(to))
                os.rename(entry.path, to)
                moved.append((Path(entry.path), to))
    except BaseException:
        for frm, to in reversed(moved):
            with contextlib.suppress(OSError):
                os.rename(to, frm)
        raise
    return moved


def swap_in(staging: Path, target: Path, guards: list[Guard]) -> None:
    """Carry Terraform's files from ``target`` into ``staging``, then put ``staging`` in ``target``'s place.

    All or nothing, and signals wait until it is done: on any error the old output is
    back as it was (Terraform's files included) and :class:`OutputError` says why.
    """
    with parent_lock(target.parent), signals.deferred():
        check_target(target, guards)  # again: it may have changed while synth ran
        existed = os.path.lexists(target)
        retired: Path | None = None
        carried: list[tuple[Path, Path]] = []
        step = f"moving Terraform's files from {target} into the new output"
        try:
            if existed:
                carried = _move_terraform_files(target, staging, only_missing=False)
                retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
                retired.rmdir()
                step = f"renaming {target} to {retired.name}"
                os.rename(target, retired)
            step = f"renaming {staging.name} to {target}"
            os.rename(staging, target)
        except OSError as e:
            if retired is not None and os.path.lexists(retired) and not os.path.lexists(target):
                with contextlib.suppress(OSError):
                    os.rename(retired, target)
            for frm, to in reversed(carried):
                with contextlib.suppress(OSError):
                    os.rename(to, frm)
            raise OutputError(f"error: cannot replace {target}: {step}: {os_message(e)}; "
                              f"{target} was left as it was" if existed else
                              f"error: cannot create {target}: {step}: {os_message(e)}") from None
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
