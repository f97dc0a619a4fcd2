"""The processes a batch grades in on this machine.

They are forked from multiprocessing's fork server, which imports the
grader (pytest, numpy, the checks) once, ``preload``, instead of each pool
process importing it after its start; the server is started as soon as a
batch knows it has something to grade here (``start_server``), so that it
imports while this process sets up the rest; a batch whose results are all
in the store starts no process. Each pool process then takes a
CPU of its own (grader.sandbox.affinity) and starts its sandbox (the zygote
in bubblewrap) before its first task arrives, so that the sandbox starts
while the first task is sent and pytest sets up (``take_slot``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

#: What the fork server imports before it forks any pool process.
PRELOAD = ["grader.batch._preload"]


def context() -> ForkServerContext:
    """The fork server context, with the grader to preload."""
    found = multiprocessing.get_context("forkserver")
    assert isinstance(found, ForkServerContext)
    found.set_forkserver_preload(PRELOAD)
    return found


def start_server() -> None:
    """Start the fork server now; its first pool process waits for its imports."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()


def start_early(argv: list[str]) -> bool:
    """For ``python -m grader batch`` (``argv``) grading a class here for the
    first time (its store does not exist yet, so every submission will be
    graded): start the fork server now, before this process imports the
    grader, so that the two import side by side (about 0.2 s sooner to the
    first grade). Anything else (a re-run, Dask, arguments the command will
    refuse) leaves it to run_batch, which starts it once it knows there is
    something to grade. True when it started the server."""
    import argparse

    from ..args import QuietParser, add_batch_arguments, store_path

    if argv[:1] != ["batch"]:
        return False
    probe = add_batch_arguments(QuietParser())
    try:
        args, _ = probe.parse_known_args(argv[1:])
    except (argparse.ArgumentError, ValueError):
        return False
    folder = Path(args.folder)
    try:
        if args.executor != "local" or not folder.is_dir() or store_path(args).exists():
            return False
        if not any(not entry.name.startswith(".") for entry in folder.iterdir()):
            return False
    except OSError:  # unreadable: the command itself will say what is wrong
        return False
    start_server()
    return True


def executor(
    jobs: int,
    config_text: str | None = None,
    rubric_text: str | None = None,
    processes: int | None = None,
) -> ProcessPoolExecutor:
    """``jobs`` pool processes as a batch has them: forked from the fork
    server, each started by ``take_slot`` under the batch's config and
    environment. ``processes``: how many grading processes share this
    machine's CPUs (default ``jobs``)."""
    found = context()
    start = (found.Value("i", 0), processes or jobs, config_text, rubric_text, settings())
    return ProcessPoolExecutor(jobs, mp_context=found, initializer=take_slot, initargs=start)


def settings() -> dict[str, str]:
    """This process's GRADER_* environment variables (the limits' overrides,
    the seed), for ``take_slot``."""
    return {name: value for name, value in os.environ.items() if name.startswith("GRADER_")}


def take_slot(
    slots: Any,
    processes: int,
    config_text: str | None,
    rubric_text: str | None,
    environment: dict[str, str] | None = None,
) -> None:
    """A pool process's start (ProcessPoolExecutor's initializer): the
    batch's GRADER_* ``environment`` (``settings()`` where the batch runs;
    the fork server's own is as it was when the server started, perhaps for
    an earlier batch of the same process), its number in the pool and with
    it a CPU, malloc tuned to reuse freed arrays (grader/_memory.py), then
    its sandbox for the first task's grade, under the batch's config
    (``config_text``, as grade_job gets it)."""
    from .._memory import keep_freed_memory
    from ..config import current
    from ..sandbox.affinity import pin_slot
    from ..spare import prestart
    from .jobs import _config

    if environment is not None:
        for name in settings():
            del os.environ[name]
        os.environ.update(environment)

    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    pin_slot(slot, processes)
    keep_freed_memory()  # grader/_memory.py: a grade's arrays reuse freed memory
    # Only a head start: the first grade starts a sandbox itself if this
    # fails, and reports whatever is wrong; an initializer that raised would
    # break the whole pool.
    with contextlib.suppress(Exception):
        prestart(_config(config_text, rubric_text) if config_text is not None else current())
