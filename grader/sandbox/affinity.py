"""One CPU for the grading process and its sandbox.

The trusted process and the worker take turns: one waits on the pipe while
the other runs, some 500 times a grade. On different CPUs each turn wakes an
idle CPU, about 70 us a round trip on this project's virtual machines; on
one CPU it is a switch of about 6 us (a plain ping-pong of two processes,
measured in the commit that added this file). Nothing is lost by sharing:
the two never run at the same time.

- A single grade (``pin_with``) keeps the worker's start free, so that
  Python and numpy start in the sandbox while pytest sets up here; once the
  worker has answered its first request, this process and every process of
  the sandbox move to the CPU this process is on. ``release`` gives this
  process back the CPUs it had.
- A batch's grading process (``pin_slot``) takes one CPU for its life, its
  own by its number in the pool, and the sandbox it starts inherits it.

The student's processes may move themselves elsewhere; that only costs them
speed. They cannot move the grader's (another user, no capability).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from .._proc import stat_fields

#: This process's CPUs before ``pin_with`` moved it, until ``release``.
_before: list[set[int]] = []


def current_cpu() -> int:
    """The CPU this process last ran on (field 39 of /proc/self/stat)."""
    return int(stat_fields()[36])


def pin_with(pids: Iterable[int]) -> None:
    """Run ``pids`` (a sandbox's processes) and this process on one CPU: the
    one this process has to itself, or else the one it is on now."""
    try:
        allowed = os.sched_getaffinity(0)
        if len(allowed) == 1:
            (cpu,) = allowed
        else:
            cpu = current_cpu()
            if cpu not in allowed:
                return
            os.sched_setaffinity(0, {cpu})
            _before.append(allowed)
    except OSError:
        return
    for pid in pids:
        with contextlib.suppress(OSError):  # ended meanwhile, or not ours to move
            os.sched_setaffinity(pid, {cpu})


def release() -> None:
    """Give this process back the CPUs it had before ``pin_with``."""
    if _before:  # pin_with records at most one: it moves this process once
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, _before.pop())


def pin_slot(slot: int, processes: int) -> None:
    """Pin this process, the ``slot``-th of ``processes`` grading processes,
    to a CPU of its own; not when there are more processes than CPUs (they
    would queue behind each other where the scheduler could spread them)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        if processes > len(cpus):
            return
        os.sched_setaffinity(0, {cpus[slot % len(cpus)]})
    except OSError:
        return
