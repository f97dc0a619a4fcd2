"""Grade one submission: stage it, run the checks in-process (the student's
code runs only in the sandboxed worker), and gather a ``GradeReport``."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from . import _scratch, profiles
from . import spare as spares
from .checks import ALL_MODULES
from .config import AssignmentConfig, check_environment, check_seed, current
from .errors import SubmissionError, UsageError
from .plugin import (
    ASSIGNMENT,
    DISABLED,
    EVIDENCE,
    ISOLATION,
    LEFT_OUT,
    PRESTARTED,
    PROFILE_GIVEN,
    SEED,
    SELECTED,
    STAGED,
    collect_report,
)
from .questions import answers_of
from .registry import Evidence, load_all
from .report import CheckResult, GradeReport, OutputCheck
from .sandbox import affinity
from .submission import Submission, open_submission, stage_files

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
#: pytest's plugins a grade has no use for. unraisableexception and
#: threadexception alone cost 60-85 ms per grade: at the end of every session
#: they run the garbage collector over the whole process several times, and
#: the objects they would report (the student's) live in the sandbox anyway.
UNUSED_PLUGINS = (
    "terminal",
    "cacheprovider",
    "unraisableexception",
    "threadexception",
    "pastebin",
    "junitxml",
    "doctest",
    "stepwise",
    # Per-test wrappers and fixtures the checks never use (10-20 ms per grade).
    "debugging",
    "unittest",
    "legacypath",
    "tmpdir",
    "monkeypatch",
    "recwarn",
    "setuponly",
    "setupplan",
    "warnings",
    "logging",
    "faulthandler",
    "subtests",
    # A grade sends pytest's output to /dev/null, and the student's code prints
    # into the sandbox's log; the check modules are imported before pytest
    # runs (registry.load_all), so no assert is ever rewritten. Together about
    # 7% of a dropout-only grade's Python calls.
    "capture",
    "assertion",
)


class _Session:
    """Hands the staged submission to the plugin and keeps the config."""

    def __init__(
        self,
        submission: Submission,
        seed: int | None,
        profile: str | None,
        isolation: str | None = None,
        assignment: AssignmentConfig | None = None,
        select: Sequence[str] | None = None,
    ) -> None:
        self.submission = submission
        self.select = select
        self.assignment = assignment
        self.isolation = isolation
        self.seed = seed
        self.profile = profile
        self.config: pytest.Config | None = None
        self.prestarted: Any = None
        self.left_out: frozenset[str] = frozenset()

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[STAGED] = self.submission
        # A failed check's message comes from its exception (plugin._message),
        # never from pytest's traceback text; the default "long" text parses
        # the check module's source for every failure (about 30 ms a grade).
        config.option.tbstyle = "line"
        if self.assignment is not None:
            config.stash[ASSIGNMENT] = self.assignment
        if self.seed is not None:
            config.stash[SEED] = self.seed
        if self.profile is not None:
            config.stash[PROFILE_GIVEN] = self.profile
        if self.isolation is not None:
            config.stash[ISOLATION] = self.isolation
        if self.prestarted is not None:
            config.stash[PRESTARTED] = self.prestarted
        if self.select is not None:
            config.stash[SELECTED] = frozenset(self.select)
        if self.left_out:
            config.stash[LEFT_OUT] = self.left_out
        self.config = config


def _needed_modules(
    config: AssignmentConfig, select: Sequence[str] | None, flavour: str
) -> list[str]:
    """The check modules a grade of a submission in ``flavour`` collects:
    each holding a check the config enables, ``select`` keeps and the
    flavour has, or a test that is not a check. The others' checks would all
    be skipped or deselected, and collecting a module and running its
    skipped tests costs pytest 3-5 ms each (a dropout-only grade 91 -> 62 ms
    of CPU); the plugin reports them as pytest would have (plugin.LEFT_OUT).
    All of them when none is needed, as pytest would collect."""
    load_all()
    needed = []
    for name in ALL_MODULES:
        module = sys.modules[f"grader.checks.{name}"]
        for attribute, test in vars(module).items():
            if not (attribute.startswith("test_") and callable(test)):
                continue
            marks = [m for m in getattr(test, "pytestmark", []) if m.name == "grader_check"]
            check_id = marks[0].kwargs["id"] if marks else None
            if check_id is None or (
                config.enabled(check_id)
                and (select is None or check_id in select)
                and not profiles.other_flavours(check_id, flavour)
            ):
                needed.append(name)
                break
    return needed or list(ALL_MODULES)


def grade(
    path: Path,
    *,
    keyword: str | None = None,
    seed: int | None = None,
    profile: str | None = None,
    config: AssignmentConfig | None = None,
) -> GradeReport:
    """Grade the submission at ``path``: a folder or zip holding cs231n/ (or
    loose module files), a single module file, or a notebook.

    ``keyword`` selects checks as pytest's ``-k`` does (by name or check
    id). ``seed`` fixes the checks' random inputs (default: $GRADER_SEED,
    else fresh); the report records the seed used. ``profile`` names the
    course year's conventions (see grader.profiles); by default the
    config's, else detected. ``config`` is the assignment config (points,
    visibility, parts, limits, rubric; see grader.config); by default
    ``grader.config.current()``.

    Raises ``SubmissionError`` when the submission cannot be read at all,
    and ``UsageError`` for an unknown profile.
    """
    return run(path, keyword=keyword, seed=seed, profile=profile, config=config)[0]


def unreadable(
    path: Path, error: SubmissionError, seconds: float = 0.0, config: AssignmentConfig | None = None
) -> GradeReport:
    """The report of a submission that could not be read at all: every check
    an error worth 0, with the reason, so no result is ever lost. The checks
    the config disables are skipped, as in any report."""
    config = config or current()
    message = f"the submission could not be graded: {error}"
    fallback = profiles.get(config.fallback_profile())
    checks = tuple(
        CheckResult(
            id=spec.id,
            part=spec.part,
            title=spec.title,
            outcome="error" if enabled else "skipped",
            points=0.0,
            max_points=spec.points if enabled else 0.0,
            message=message if enabled else f"Skipped: {DISABLED}",  # as pytest says it
            public=spec.public,
            seconds=0.0,
        )
        for spec, enabled in config.specs()
        if not fallback.excludes(spec.id)
    )
    return GradeReport(
        submission=str(path),
        profile="unknown",
        isolation="not run",  # no student code ran
        checks=checks,
        seconds=round(seconds, 3),
        warnings=(message,),
        profile_reason="the submission could not be read",
    )


def _outputs(
    submission: Submission, isolation: str | None, config: AssignmentConfig
) -> list[OutputCheck]:
    """The notebooks' printed dropout numbers against the submitted code, in a
    sandbox of their own; nothing to do (and no worker started) when no
    notebook carries such outputs."""
    from .outputs import compare, printed_numbers
    from .proxy import StudentProxy

    books = {}
    for name in submission.notebooks:
        try:
            content = (submission.root / name).read_bytes()
        except OSError:
            continue
        if printed_numbers(content):
            books[Path(name).name] = content
    if not books:
        return []
    limits = config.limits.sandbox()
    proxy = (
        StudentProxy(submission.root, limits=limits, isolation=isolation)
        if isolation
        else StudentProxy(submission.root, limits=limits)
    )
    try:
        return compare(proxy, books)
    finally:
        proxy.close()


def _refused(code: int | pytest.ExitCode, errors: str) -> None:
    """Raise UsageError when pytest refused the run (a -k expression it cannot
    read): a report of no checks would read as a grade of 0 / 0."""
    if code == pytest.ExitCode.USAGE_ERROR:
        said = [line.removeprefix("ERROR: ") for line in errors.splitlines() if line.strip()]
        raise UsageError(
            f"the checks could not be selected: {' '.join(said) or 'pytest refused the run'}. "
            "`python -m grader checks` lists the check ids -k can match"
        )


def run(
    path: Path,
    *,
    keyword: str | None = None,
    seed: int | None = None,
    profile: str | None = None,
    isolation: str | None = None,
    files: dict[tuple[str, ...], bytes] | None = None,
    config: AssignmentConfig | None = None,
    select: Sequence[str] | None = None,
    questions: bool = True,
    warm: bool = False,
) -> tuple[GradeReport, Evidence]:
    """``grade``, also returning the evidence the checks gathered.

    ``isolation="none"`` runs the student's code in this process: for
    benchmarks and soundness runs of trusted code only (see
    grader/sandbox/inprocess.py). ``files`` (from ``submission.read_files``)
    grades those contents, with ``path`` only as the report's label.
    ``select`` grades only the checks with these ids (the others are not in
    the report); ``questions=False`` leaves the notebooks alone (no inline
    answers, no outputs against code), as the self-check does. ``warm``
    starts a sandboxed worker for this process's next grade before returning
    (``grader.spare``): for a batch, which grades one submission after another.
    """
    check_environment()  # a GRADER_* variable it cannot use fails before any work
    check_seed(seed)
    if profile is not None:
        profiles.get(profile)  # an unknown name fails before any work
    config = config or current()
    start = time.perf_counter()
    level = limits = spare = None
    if isolation != "none":
        from .sandbox.launcher import isolation_level

        level, limits = isolation or isolation_level(), config.limits.sandbox()
        spare = spares.take(limits, level)
        if spare is None and warm and level == "bwrap":
            # A batch process's first grade: the zygote it keeps grades it too,
            # rather than a worker of its own and then a zygote for the next.
            spares.start(limits, level)
            spare = spares.take(limits, level)
    try:
        with tempfile.TemporaryDirectory(prefix="grader-", dir=_scratch.root()) as tmp:
            staging = spare.staging if spare is not None else Path(tmp) / "submission"
            if files is None:
                submission = open_submission(Path(path), staging)
            else:
                submission = stage_files(files, staging, Path(path))
            session = _Session(submission, seed, profile, isolation, config, select)
            if spare is not None:
                session.prestarted = spare.worker_for_grade()  # it has waited, warm
            if session.prestarted is None and level is not None and limits is not None:
                # The sandbox (bubblewrap, Python, numpy) starts while pytest sets up.
                from .sandbox.launcher import WorkerProcess

                session.prestarted = WorkerProcess(submission.root, limits, level)
            # No plugin of another installed package (hypothesis, pytest-cov, ...)
            # has a part in a grade; loading them and running their hooks on
            # every check cost about 16 ms of CPU per grade.
            args = ["--disable-plugin-autoload"]
            for name in UNUSED_PLUGINS:
                args += ["-p", f"no:{name}"]
            if keyword:
                args += ["-k", keyword, str(CHECKS_DIR)]
            else:
                needed = _needed_modules(config, select, submission.flavour)
                session.left_out = frozenset(ALL_MODULES) - set(needed)
                args += [str(CHECKS_DIR / f"{name}.py") for name in needed]
            # pytest's own errors (a -k expression it refuses) are kept to be told.
            errors = io.StringIO()
            with (
                open(os.devnull, "w") as devnull,
                contextlib.redirect_stdout(devnull),
                contextlib.redirect_stderr(errors),
            ):
                try:
                    code = pytest.main(args, plugins=[session])
                finally:
                    unused = session.config.stash.get(PRESTARTED, None) if session.config else None
                    if unused is not None:  # no check needed the student's code
                        unused.close()
                    elif session.config is None and session.prestarted is not None:
                        session.prestarted.close()
            _refused(code, errors.getvalue())
            assert session.config is not None
            answers: list[Any] = []
            notes: list[str] = []
            outputs: list[OutputCheck] = []
            if questions:
                answers, notes = answers_of(submission.root, submission.notebooks, config.rubric())
                outputs = _outputs(submission, isolation, config)
            notes += [
                f"{o.notebook}, cell {o.cell}: {o.label}: {o.note}. The notebook's outputs do "
                "not match the submitted code (stale outputs, or edited): a point for a person "
                "to check, not a penalty"
                for o in outputs
                if o.verdict == "mismatch"
            ]
            report = collect_report(session.config, str(path), time.perf_counter() - start)
            if keyword and not report.checks:
                raise UsageError(
                    f"-k {keyword!r} selects no check this assignment grades: none matches, or "
                    "the config disables every one that does. `python -m grader checks` lists "
                    "the check ids and whether each is graded"
                )
            report = dataclasses.replace(
                report,
                answers=tuple(answers),
                outputs=tuple(outputs),
                warnings=report.warnings + tuple(notes),
            )
            return report, session.config.stash.get(EVIDENCE, {})
    finally:
        affinity.release()
        # The spare's worker is closed by now; a batch keeps it for the next grade.
        if spare is not None and not (warm and spares.keep(spare)):
            spare.discard()
        if warm and level is not None:
            spares.start(limits, level)
