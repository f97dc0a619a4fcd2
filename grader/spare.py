"""A sandbox started ahead of a grade, and kept from one grade to the next.

A grade's worker takes Python and numpy about 60 ms to start; a grade
started without one waits for it. ``grade.run`` takes the spare this
process keeps, if one fits the grade's limits and isolation level:

- a batch's grading process keeps one from grade to grade
  (``run(warm=True)``, ``prestart`` before its first task);
- ``python -m grader grade`` and the self-check start one before they
  import the grader (``start_early``, ``start_before_imports``), so that the
  sandbox starts while the command imports pytest and the checks, and the
  grade does not wait for it.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _scratch

if TYPE_CHECKING:
    from .config import AssignmentConfig


class Spare:
    """A worker started ahead for the next grade of this process, on a
    staging folder that is still empty: the files staged into it later are
    what the worker imports. A batch keeps one per grading process
    (``run(warm=True)``), which takes the worker's start (Python and numpy,
    about 0.1 s of CPU) out of the next grade's wait. It is used only by a
    grade with the same limits and isolation level, grades one submission,
    and is closed, with its folder, when this process exits. (In bubblewrap
    the spare is a ``ZygoteSpare`` instead.)"""

    def __init__(self, limits: Any, isolation: str) -> None:
        self.limits, self.isolation = limits, isolation
        self.folder = Path(tempfile.mkdtemp(prefix="grader-spare-", dir=_scratch.root()))
        self.staging = self.folder / "submission"
        self.staging.mkdir()
        try:
            self._start()
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def _start(self) -> None:
        from .sandbox.launcher import WorkerProcess

        self.worker: Any = WorkerProcess(self.staging, self.limits, self.isolation)

    def _stop(self) -> None:
        self.worker.close()

    def usable(self) -> bool:
        return self.worker.dead is None and self.worker.process.poll() is None

    def worker_for_grade(self) -> Any:
        """The worker that grades the submission now staged."""
        return self.worker

    def recycle(self) -> bool:
        """After its grade: can it serve the next one? A worker serves one."""
        return False

    def discard(self) -> None:
        self._stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class ZygoteSpare(Spare):
    """The bubblewrap sandbox a batch's grading process keeps from one grade
    to the next (``sandbox.launcher.Zygote``): it imports numpy once and forks
    a fresh worker for each submission, which is staged into the one folder
    it binds. After each grade it ends the student's processes and empties
    its scratch folders, checked from outside, and the staging folder is
    emptied; if any of that fails it is closed and replaced. A zygote that
    cannot fork a worker leaves the grade to a worker of its own."""

    def _start(self) -> None:
        from .sandbox.launcher import Zygote

        self.zygote = Zygote(self.staging, self.limits)

    def _stop(self) -> None:
        self.zygote.close()

    def usable(self) -> bool:
        return self.zygote.broken is None and self.zygote.process.poll() is None

    def worker_for_grade(self) -> Any:
        from .sandbox.launcher import ZygoteError

        try:
            return self.zygote.spawn()
        except (ZygoteError, OSError):
            return None

    def recycle(self) -> bool:
        if not self.zygote.clean():
            return False
        try:
            for entry in list(self.staging.iterdir()):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        except OSError:
            return False
        return True


kept: list[Spare] = []


def take(limits: Any, isolation: str) -> Spare | None:
    """The spare, if there is one that fits; any other is discarded."""
    if not kept:
        return None
    spare = kept.pop()
    if spare.limits == limits and spare.isolation == isolation and spare.usable():
        return spare
    spare.discard()
    return None


def keep(spare: Spare) -> bool:
    """After ``spare``'s grade: keep it for this process's next grade, if it
    can serve one (a zygote cleaned, checked from outside). True when kept."""
    if not kept and spare.recycle():
        kept.append(spare)
        return True
    return False


def prestart(config: AssignmentConfig | None = None) -> None:
    """Start the sandbox for this process's next grade now, under ``config``
    (default ``current()``): a batch's pool process does before its first
    task, so that the sandbox starts while the task is on its way."""
    from .config import current
    from .sandbox.launcher import isolation_level

    config = config or current()
    start(config.limits.sandbox(), isolation_level())


def start(limits: Any, isolation: str) -> None:
    if kept:
        return
    kind = ZygoteSpare if isolation == "bwrap" else Spare
    try:
        kept.append(kind(limits, isolation))
    except OSError:  # no spare only costs the next grade its wait
        return
    _discard_at_exit()


@functools.cache
def _discard_at_exit() -> None:
    """Once per process: discard the spare when it exits. A pool process ends
    through multiprocessing, which runs its own finalizers, not atexit's (and
    has imported multiprocessing.util; a command that has not, a single grade,
    does not import it for this)."""
    atexit.register(discard_spare)
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.Finalize(None, discard_spare, exitpriority=10)


def discard_spare() -> None:
    """Close the spare worker, if any, and remove its folder."""
    while kept:
        kept.pop().discard()


def start_early(argv: list[str]) -> bool:
    """For ``python -m grader grade`` (``argv``): start the sandbox for its
    grade now, before this process imports the grader (pytest, the checks,
    nbformat: about 0.2 s), under the limits of the config the command will
    use. Anything the command will refuse (bad arguments, a missing
    submission, a config it cannot read) leaves it to the grade; a spare
    the grade does not take (other limits) is discarded, and the grade starts
    its own. True when it started one."""
    from .args import QuietParser, add_grade_arguments, config_option

    if argv[:1] != ["grade"]:
        return False
    probe = add_grade_arguments(config_option(QuietParser()))
    try:
        args, _ = probe.parse_known_args(argv[1:])
        if not Path(args.submission).exists():
            return False
    except (argparse.ArgumentError, ValueError, OSError):
        return False
    return start_before_imports(args.config)


def start_before_imports(config: str | None = None) -> bool:
    """Start the sandbox for this process's one grade now, under the limits of
    the config ``config`` names (as ``--config``; default the one in force),
    before the grader's heavy imports: for ``start_early`` and the
    self-check. False, and nothing started, when the config's limits cannot
    be read (the command's own load of the config then says why)."""
    from .config import check_environment, limits_selected
    from .errors import ConfigError

    try:
        check_environment()  # the command says what is wrong with it
    except ConfigError:
        return False
    settings = limits_selected(config)
    if settings is None:
        return False
    from .sandbox.launcher import isolation_level

    start(settings.sandbox(), isolation_level())
    return bool(kept)
