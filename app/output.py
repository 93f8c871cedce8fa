"""Where a command's text goes: stdout, or one regular file replaced whole; nothing else.

Example::

    from app.output import check_file, write_text

    check_file(args.out)           # before the work: a wrong --out fails fast, exit 2
    write_text(args.out, text)     # None or "-": stdout; else FILE, atomically

``report --out`` and ``failure-modes --out`` use it. ``FILE`` must be a regular
file or not exist yet (missing parent directories are created, and removed
again if the write fails). A directory, a symbolic link (to anything), a
device, a FIFO or a socket is refused with :class:`OutputError` (exit 2) and
left exactly as it was: as root, ``--out /dev/null`` used to replace the device
node with a regular file. The text is written beside the target
(``.FILE.tmp-XXXXXXXX``) and renamed over it, so a failed write (ENOSPC, a
read-only directory, Ctrl-C) leaves the old file whole and no temporary file.

stdout that cannot be written is not a traceback either: a reader that
stopped early (``| head``) ends the command with :data:`EXIT_BROKEN_PIPE`
(141, what a shell reports for SIGPIPE) and no message; any other error
(``>/dev/full``: ENOSPC) with exit 2 and a one-line message on stderr.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from pathlib import Path

from app.errors import EXIT_USAGE, UserError

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


class OutputError(UserError):
    """The output cannot go where it was asked to; nothing there was changed (exit 2)."""

    exit_code = EXIT_USAGE


class BrokenStdout(OutputError):
    """stdout's reader went away (EPIPE): no message, exit 141."""

    exit_code = EXIT_BROKEN_PIPE

    def __init__(self) -> None:
        super().__init__("")


def kind(mode: int) -> str:
    """What a file is, for messages: ``kind(os.lstat(p).st_mode)``."""
    for test, name in ((stat.S_ISREG, "regular file"), (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symbolic link"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"), (stat.S_ISFIFO, "FIFO"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


def os_message(e: OSError) -> str:
    return e.strerror or str(e)


def make_parents(directory: Path) -> list[Path]:
    """``mkdir -p directory``; return the directories it created, outermost first."""
    missing: list[Path] = []
    d = directory
    while not os.path.lexists(d):
        missing.append(d)
        if d.parent == d:
            break
        d = d.parent
    created: list[Path] = []
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        created.append(d)
    return created


def remove_created(created: list[Path]) -> None:
    """Undo :func:`make_parents` where the directories are still empty."""
    for d in reversed(created):
        with contextlib.suppress(OSError):
            d.rmdir()


def check_file(path: str | None) -> None:
    """Raise :class:`OutputError` unless ``path`` is stdout (None, ``-``), a regular file or missing."""
    if path is None or path == "-":
        return
    if not path:
        raise OutputError("error: --out: the path is empty (use '-' for stdout)")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(f"error: cannot write {path}: {os_message(e)}") from None
    if stat.S_ISREG(st.st_mode):
        return
    what = kind(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        why = f"it is a symbolic link (to {os.readlink(path)}); pass the file itself"
    elif stat.S_ISDIR(st.st_mode):
        why = "it is a directory; pass a file name"
    else:
        why = f"it is a {what}; --out writes regular files only (use '-' for stdout)"
    raise OutputError(f"error: refusing to write {path}: {why}; it was left as it was")


def write_stdout(text: str) -> None:
    """Write and flush ``text`` on stdout; a closed or full stdout becomes an :class:`OutputError`."""
    out = sys.stdout
    if out is None:  # started with stdout closed (>&-)
        raise OutputError("error: cannot write to stdout: it is closed")
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        raise BrokenStdout() from None
    except OSError as e:
        raise OutputError(f"error: cannot write to stdout: {os_message(e)}") from None


def write_file(path: str, text: str) -> None:
    """Replace the regular file ``path`` (or create it) with ``text``, all or nothing."""
    check_file(path)
    target = Path(path)
    try:
        created = make_parents(target.parent)
    except OSError as e:
        raise OutputError(f"error: cannot write {path}: {os_message(e)} (creating {e.filename or target.parent})") from None
    tmp = target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}")
    try:
        # O_EXCL: never through a planted file or link; 0o666 & ~umask, like any new file (mkstemp's is 0600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            with open(fd, "w", encoding="utf-8", closefd=False) as f:
                f.write(text)
        finally:
            os.close(fd)
        check_file(path)  # again, just before the rename: it may have changed meanwhile
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        remove_created(created)
        if isinstance(e, OSError):
            raise OutputError(f"error: cannot write {path}: {os_message(e)}; it was left as it was") from None
        raise


def write_text(dest: str | None, text: str) -> None:
    """``dest`` None or ``-``: stdout; otherwise the regular file ``dest`` (see :func:`write_file`)."""
    if dest is None or dest == "-":
        write_stdout(text)
    else:
        write_file(dest, text)
