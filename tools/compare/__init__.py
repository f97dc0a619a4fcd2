"""Our grader against the tools instructors use today, in one run.

The same small assignment (dropout_forward and dropout_backward: keep
fraction, scaling, test mode, backward against numeric derivatives) and the
same class (half the reference, half the keep-as-drop bug, each file made
distinct) graded by

- Otter-Grader (``otter run`` per submission, 1 and ``jobs`` at a time;
  ``otter grade`` needs Docker, which this machine does not run),
- nbgrader (``nbgrader autograde`` over a course folder; it has no parallel
  mode),
- our grader, with its sandbox, driven both ways: ``python -m grader grade``
  per submission and ``python -m grader batch`` over the class from a cold
  store, 1 and ``jobs`` at a time, on the dropout parts only (the same
  scope) and on the whole assignment; and at the margin, what each further
  submission costs (``table.margin``: batches of n and 5n, medians of 3),
  set against nbgrader's own margin measured the same way and against
  Otter-Grader's process per submission,

each other tool in its own throwaway environment (``envs``), every time taken
from outside the tool's command, set-up, installs and a first warm-up run
excluded. A run counts only if the tool gave every correct student full
marks and every buggy one less (``results.verify``); otherwise the
comparison stops rather than report it. The table sets each row against ours
driven the same way; the headline each tool's fastest against our fastest.
docs/benchmark.md has a measured run.

    .venv/bin/python -m tools.compare [--n 10] [--jobs 2] [--keep DIR] [--venvs DIR]
    make bench                        # runs it too (tools/bench.py --compare)
"""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import envs, nbgrader, otter, ours
from .assignment import Student, students
from .results import DROPOUT, WHOLE, Row, UnverifiedRunError, verify
from .table import TARGET, headline, margin, margin_lines, render

__all__ = ["UnverifiedRunError", "compare", "install", "machine", "machine_line"]

#: The margin: ours over the class and over a class this many times larger,
#: each batch run this many times (interleaved), dropout parts, ``jobs`` at a time.
MARGIN_FACTOR = 5
MARGIN_RUNS = 3


def install(venvs: Path = envs.DEFAULT_HOME) -> tuple[envs.Env, envs.Env]:
    """Otter-Grader's and nbgrader's environments, installed if missing (never timed)."""
    return envs.ensure("otter", "otter-grader", venvs), envs.ensure("nbgrader", "nbgrader", venvs)


def _margin(
    small: list[Student], big: list[Student], grade: Callable[[list[Student], str, int], Row]
) -> dict[str, Any]:
    """``table.margin`` of ``grade`` (class, "small" or "big", run number) over
    both classes, ``MARGIN_RUNS`` times each, interleaved so that a slower
    spell of the machine hits both sizes; every run verified."""
    runs: dict[str, list[Row]] = {"small": [], "big": []}
    for i in range(MARGIN_RUNS):
        for group, size in ((small, "small"), (big, "big")):
            row = grade(group, size, i)
            verify(row)
            runs[size].append(row)
    return margin(runs["small"], runs["big"])


def machine() -> dict[str, Any]:
    """What the figures were measured on, and when."""
    models = [
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    ]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": models[0] if models else platform.processor(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average": round(os.getloadavg()[0], 2),
        "docker_running": otter.docker_running(),
    }


def machine_line(found: dict[str, Any]) -> str:
    docker = "running" if found["docker_running"] else "not running"
    load = f"load average {found['load_average']} at the start"
    if "load_average_end" in found:
        load += f", {found['load_average_end']} at the end"
    return (
        f"{found['date']}; {found['nproc']} cores, {found['cpu']}; {found['system']}; "
        f"Python {found['python']}; {load}; Docker {docker}"
    )


def compare(
    n: int = 10, jobs: int = 2, keep: Path | None = None, venvs: Path = envs.DEFAULT_HOME
) -> dict[str, Any]:
    """Grade the same n students with every tool; print and return the figures.

    Raises ``UnverifiedRunError`` if a tool did not grade the class as expected.
    """
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    if keep and keep.exists() and any(keep.iterdir()):
        raise SystemExit(f"compare: --keep {keep} is not empty; name a new or empty folder")
    otter_env, nbgrader_env = install(venvs)
    class_ = students(n)
    found = machine()
    print(f"compare: {n} submissions on {machine_line(found)}", flush=True)
    counts = sorted({1, jobs})
    rows: list[Row] = []

    def measured(row: Row) -> None:
        verify(row)
        print(
            f"compare: {row.label}: {row.seconds:.1f} s, {row.per_submission:.3f} s per submission",
            flush=True,
        )
        rows.append(row)

    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for count in counts:
            measured(otter.grade(class_, work / f"otter-{count}", otter_env, jobs=count))
        measured(nbgrader.grade(class_, work / "nbgrader", nbgrader_env))
        ours.prepare(class_, work / "ours")
        for count in counts:
            measured(ours.grade_each(class_, work / "ours", jobs=count, scope=DROPOUT))
        for scope in (DROPOUT, WHOLE):
            for count in counts:
                measured(ours.batch(class_, work / "ours", jobs=count, scope=scope))
        big = students(n * MARGIN_FACTOR)
        ours.prepare(big, work / "ours-big")
        folders = {"small": "ours", "big": "ours-big"}
        at_margin = _margin(
            class_,
            big,
            lambda group, size, i: ours.batch(
                group, work / folders[size], jobs=jobs, scope=DROPOUT, run=f"-m{i}"
            ),
        )
        # nbgrader grades a class in one command, its start included: its own
        # margin, measured the same way, is what ours is set against.
        nbgrader_margin = _margin(
            class_,
            big,
            lambda group, size, i: nbgrader.grade(
                group, work / f"nbgrader-margin-{size}-{i}", nbgrader_env, warm=False
            ),
        )
        other_margins = {"nbgrader": nbgrader_margin}
    found["load_average_end"] = round(os.getloadavg()[0], 2)
    table = render(rows)
    summary = headline(rows)
    marginal = margin_lines(at_margin, rows, other_margins)
    print(f"compare: {n} submissions on {machine_line(found)}")
    print(table)
    for line in summary + marginal:
        print(f"compare: {line}")
    return {
        "machine": found,
        "machine_line": machine_line(found),
        "submissions": n,
        "jobs": jobs,
        "target": TARGET,
        "rows": [row.figures() for row in rows],
        "headline": summary,
        "margin": at_margin,
        "other_margins": other_margins,
        "margin_headline": marginal,
        "table": table,
    }
