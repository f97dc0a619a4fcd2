"""``python -m grader batch DIR --out OUT``: grade a folder of submissions.

1. Find the submissions (grader/batch/discover.py) and read and hash each.
2. Look up each content hash, with the engine version and seed, in the
   results store (OUT/results.sqlite by default); grade only the missing
   ones, each distinct content once, N at a time, on this machine or on a
   Dask cluster, each grade in its own sandbox.
3. Store each result the moment it arrives (one transaction), then write the
   student's report.json and report.html.
4. Write the class exports and dashboard from the store, and a summary.

Stopped at any point (Ctrl-C, ``kill -9``, a lost machine), the next run
picks up where this one stopped and grades nothing twice.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .. import _scratch
from .._files import write_atomic
from ..config import AssignmentConfig, check_environment, check_seed, current, using
from ..errors import UsageError
from ..grade import unreadable
from ..report import GradeReport
from . import pool, store
from .discover import Content, Entry, discover, read
from .jobs import grade_job
from .results import StudentResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    files: dict[tuple[str, ...], bytes]
    seed: int
    config_text: str | None = None  # the assignment config, as TOML (grade_job)
    rubric_text: str | None = None  # its rubric

    @property
    def args(self) -> tuple[Any, ...]:
        """grade_job's arguments."""
        return (self.label, self.files, self.seed, self.config_text, self.rubric_text)


class Executor(Protocol):
    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, str | BaseException]]:
        """Each task with report.json's text, or the exception grading it raised."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """``jobs`` processes on this machine. A pool that breaks (a process
    killed from outside) is replaced once, and its unfinished tasks rerun."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, str | BaseException]]:
        remaining = list(tasks)
        for attempt in range(2):
            first = remaining[0] if remaining else None
            config_text = first.config_text if first else None
            rubric_text = first.rubric_text if first else None
            with pool.executor(self.jobs, config_text, rubric_text) as processes:
                running: dict[Future[str], Task] = {
                    processes.submit(grade_job, *t.args): t for t in remaining
                }
                broken = False
                while running:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task = running.pop(future)
                        try:
                            yield task, future.result()
                            remaining.remove(task)
                        except BrokenProcessPool as exc:
                            broken = True
                            if attempt == 1:
                                remaining.remove(task)
                                yield task, exc
                        except Exception as exc:
                            remaining.remove(task)
                            yield task, exc
                if not broken:
                    return

    def close(self) -> None:
        # The pool's processes have ended: their folders of temporary folders
        # go, and those of a process killed mid-grade with them.
        _scratch.sweep()


class DaskExecutor:
    """The tasks on a Dask cluster. The scheduler reruns the tasks of a worker
    it loses on another worker; each result streams back to this process,
    the only writer of the store."""

    def __init__(self, scheduler: str | Any) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise SystemExit(
                "error: --executor dask needs the distributed package: "
                ".venv/bin/pip install 'dropout-grader[dask]'"
            ) from None
        if not isinstance(scheduler, str):
            self.client, self.owned = scheduler, False
            return
        try:
            self.client = Client(scheduler)  # type: ignore[no-untyped-call]
        except OSError as exc:  # refused, or no answer within Dask's connect timeout
            raise UsageError(
                f"--scheduler {scheduler}: the Dask scheduler could not be reached ({exc}). "
                "Check the address and that the scheduler runs (dask scheduler), or leave "
                "--executor out to grade on this machine"
            ) from None
        self.owned = True

    def run(self, tasks: list[Task]) -> Iterator[tuple[Task, str | BaseException]]:
        from distributed import as_completed

        futures = {
            self.client.submit(grade_job, *t.args, key=f"grade-{t.key}", pure=False, retries=1): t
            for t in tasks
        }
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            task = futures[future]
            try:
                yield task, future.result()
            except Exception as exc:
                yield task, exc
            future.release()

    def close(self) -> None:
        if self.owned:
            self.client.close()


@dataclass
class Summary:
    submissions: int = 0
    graded: int = 0  # graded by this run
    cached: int = 0  # found in the store
    unreadable: int = 0
    failed: list[str] = field(default_factory=list)  # the grader itself failed
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    results: list[StudentResult] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.failed else EXIT_OK


_write_atomic = write_atomic


def _written(folder: Path, key: str) -> bool:
    marker = folder / ".key"
    return marker.is_file() and marker.read_text() == key and (folder / "report.html").is_file()


def _write_report(folder: Path, key: str, report_json: str) -> None:
    """report.json and report.html of one student, and the key they are for."""
    from ..render import html

    marker = folder / ".key"
    _write_atomic(folder / "report.json", report_json + "\n")
    _write_atomic(
        folder / "report.html", html.render(GradeReport.from_dict(json.loads(report_json)))
    )
    _write_atomic(marker, key)


def _write_safely(summary: Summary, folder: Path, key: str, report_json: str) -> None:
    """_write_report, with a failure (a full disk) noted instead of raised:
    the result is safe in the store, and the next run writes the files."""
    try:
        _write_report(folder, key, report_json)
    except OSError as exc:
        summary.failed.append(
            f"{folder.name}: its report files could not be written ({exc.strerror or exc}); "
            "the result is in the store, and the next run writes them"
        )


def run_batch(
    folder: Path,
    out: Path,
    *,
    jobs: int = 2,
    executor: Executor | None = None,
    seed: int | None = None,
    db_path: Path | None = None,
    progress: bool = True,
    on_result: Callable[[str], None] | None = None,
    config: AssignmentConfig | None = None,
) -> Summary:
    """Grade every submission in ``folder`` into ``out``; see the module docstring.

    ``config`` is the assignment config (default ``grader.config.current()``):
    every job grades by it, wherever it runs, and the results are keyed by
    its digest, so a changed config grades everything again. A GRADER_*
    variable it cannot use raises ConfigError before anything is graded."""
    check_environment()
    if jobs < 1:
        raise UsageError(f"jobs {jobs}: expected a whole number >= 1 (grades at once)")
    check_seed(seed)
    start = time.perf_counter()
    config = config or current()
    summary = Summary()
    found = discover(folder)
    summary.skipped = [f"{s.name}: {s.reason}" for s in found.skipped]
    summary.submissions = len(found.entries)
    if not found.entries:
        return summary
    db_path = db_path or out / "results.sqlite"

    contents: dict[str, tuple[Entry, Content, str]] = {}  # student -> entry, content, key
    for entry in found.entries:
        content = read(entry)
        key = store.key_for(
            content.hash,
            seed if seed is not None else store.seed_for(content.hash),
            config.digest,
        )
        contents[entry.student] = (entry, content, key)
    by_hash: dict[str, list[str]] = defaultdict(list)
    for student, (_, content, _) in contents.items():
        by_hash[content.hash].append(student)

    with store.connect(db_path) as db:
        before = store.done(db, {key for _, _, key in contents.values()})
        have = set(before)
        tasks: dict[str, Task] = {}
        for student, (entry, content, key) in contents.items():
            if key in have:
                continue
            if content.files is None:  # unreadable: its zero report needs no sandbox
                assert content.error is not None
                report = unreadable(Path(entry.path.name), content.error, config=config)
                store.put(db, key, student, report.to_json())
                have.add(key)
                summary.graded += 1
                continue
            if key not in tasks:
                tasks[key] = Task(
                    key,
                    entry.path.name,
                    content.files,
                    int(key.rsplit(":", 1)[1]),
                    config.text,
                    config.rubric_text,
                )
        if tasks and executor is None:
            pool.start_server()  # it imports the grader while this process sets up the rest
        summary.cached = sum(1 for _, _, k in contents.values() if k in before)
        owners: dict[str, list[str]] = defaultdict(list)
        for student, (_, _, key) in contents.items():
            owners[key].append(student)

        if tasks:
            work = executor or LocalExecutor(jobs)
            bar = _progress(len(tasks), progress)
            try:
                for task, answer in work.run(list(tasks.values())):
                    if isinstance(answer, BaseException):
                        summary.failed.append(f"{task.label}: {answer}")
                    else:
                        store.put(db, task.key, owners[task.key][0], answer)
                        summary.graded += 1
                        for student in owners[task.key]:
                            _write_safely(summary, out / "reports" / student, task.key, answer)
                        if on_result is not None:
                            on_result(task.key)
                    bar.update(1)
            finally:
                bar.close()
                if executor is None:
                    work.close()

        rows = []
        for student, (entry, content, key) in sorted(contents.items()):
            notes = list(entry.notes)
            twins = [s for s in by_hash[content.hash] if s != student]
            if twins:
                notes.append(f"same content as {', '.join(twins)}: graded once")
            if content.error is not None:
                notes.append(f"unreadable: {content.error}")
            rows.append((student, entry.path.name, content.hash, key, json.dumps(notes)))
            stored = store.get(db, key)
            if stored is None:
                continue  # its grading failed; listed in summary.failed
            if stored.get("isolation") == "not run":
                summary.unreadable += 1
            if not _written(out / "reports" / student, key):
                text = json.dumps(stored, indent=2, ensure_ascii=False)
                _write_safely(summary, out / "reports" / student, key, text)
            summary.results.append(
                StudentResult(
                    student=student,
                    entry=entry.path.name,
                    content_hash=content.hash,
                    report=stored,
                    report_html=f"reports/{student}/report.html",
                    notes=tuple(notes),
                )
            )
            summary.notes += [f"{student}: {n}" for n in notes]
        store.record_submissions(db, rows)

    with using(config):  # grades.csv's question columns come from its rubric
        summary.written, problems = _exports(summary.results, out, folder)
    summary.failed += problems
    summary.seconds = time.perf_counter() - start
    return summary


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="sub",
        desc="grading",
        disable=not enabled,
        file=sys.stderr,
        mininterval=0.5 if sys.stderr.isatty() else 5.0,
        dynamic_ncols=True,
    )


def _exports(results: list[StudentResult], out: Path, folder: Path) -> tuple[list[Path], list[str]]:
    """The class-level files, and what went wrong writing any of them. Each
    writer is looked up by name and runs on its own, so one that fails costs
    only its own file, never a per-student result."""
    written: list[Path] = []
    problems: list[str] = []
    exports = _optional("grader.batch.exports")
    dashboard = _optional("grader.render.dashboard")
    jobs: list[tuple[str, Callable[[Path], None] | None]] = [
        ("grades.csv", _bind(getattr(exports, "write_csv", None), results)),
        ("junit.xml", _bind(getattr(exports, "write_junit", None), results)),
    ]
    render = getattr(dashboard, "render_dashboard", None)
    if render is not None:

        def page(path: Path) -> None:
            title, now = f"Grades: {folder.name}", time.strftime("%Y-%m-%d %H:%M")
            _write_atomic(path, render(results, title=title, generated=now))

        jobs.append(("dashboard.html", page))
    for name, write in jobs:
        if write is None:
            continue
        try:
            write(out / name)
            written.append(out / name)
        except Exception as exc:
            problems.append(f"{name} could not be written: {type(exc).__name__}: {exc}")
    return written, problems


def _bind(write: Any, results: list[StudentResult]) -> Callable[[Path], None] | None:
    if write is None:
        return None
    return lambda path: write(results, path)


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None
