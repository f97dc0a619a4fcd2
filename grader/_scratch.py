"""Where a grading process keeps its temporary folders.

Each process that grades puts the folders of its grades (the staged
submission, the sandbox's working folders) in one folder of its own in the
system's temporary folder, ``grader-proc-NS-PID-START`` (NS: its PID
namespace; START: its start time, so that a later process with the same
number is told apart). A process killed from outside (``kill -9``, the
out-of-memory killer, a pool process lost mid-batch) cannot remove what it
made; the next grading process on the machine, and a batch when it ends,
remove the folders of every such process that is gone (``sweep``). Only
processes of the same PID namespace can be judged gone: the folders of
another one (a container sharing the temporary folder) are left alone.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from ._proc import stat_fields

PREFIX = "grader-proc-"

#: This process's folder: (its pid, the temporary folder it is in, the folder).
_root: tuple[int, Path, Path] | None = None


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), None if there is none."""
    try:
        return stat_fields(pid)[19]
    except (OSError, IndexError):
        return None


def _namespace() -> str:
    """This process's PID namespace (the inode of /proc/self/ns/pid)."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def root() -> Path:
    """This process's own folder for temporary folders, in the system's
    temporary folder (``tempfile.gettempdir()``, as it is now). Made on first
    use, after a ``sweep``; a forked child makes its own."""
    global _root
    pid = os.getpid()
    base = Path(tempfile.gettempdir())
    if _root is not None and _root[:2] == (pid, base) and _root[2].is_dir():
        return _root[2]
    sweep(base)
    path = base / f"{PREFIX}{_namespace()}-{pid}-{_start_time(pid)}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return base  # an unwritable place: the folders go where they always went
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        # Someone else's, under the name this process would use: not ours to use.
        path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{_namespace()}-{pid}-x", dir=base))
    _root = (pid, base, path)
    atexit.register(_remove, pid, path)
    return path


def _remove(pid: int, path: Path) -> None:
    if os.getpid() == pid:  # not in a forked child that exits
        shutil.rmtree(path, ignore_errors=True)


def sweep(base: Path | None = None) -> list[Path]:
    """Remove the folders of grading processes that are gone (this user's
    only); the folders removed."""
    base = base or Path(tempfile.gettempdir())
    removed = []
    uid = os.getuid()
    here = _namespace()
    with contextlib.suppress(OSError), os.scandir(base) as entries:
        for entry in entries:
            if not entry.name.startswith(PREFIX):
                continue
            try:
                if (
                    not entry.is_dir(follow_symlinks=False)
                    or entry.stat(follow_symlinks=False).st_uid != uid
                ):
                    continue
            except OSError:
                continue
            namespace, _, rest = entry.name[len(PREFIX) :].partition("-")
            if namespace != here:
                continue  # another PID namespace's: whether its process runs is not known here
            pid, _, started = rest.partition("-")
            running = _start_time(int(pid)) if pid.isdigit() else None
            if running is not None and (started == running or started.startswith("x")):
                continue  # its process still runs (its own folder, or a mkdtemp fallback)
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed
