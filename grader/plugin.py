"""The pytest plugin that turns the checks' outcomes into points.

It adds ``--submission``, provides the fixtures the checks use (``student``,
``evidence``) and records a ``CheckResult`` per check. ``grader/conftest.py``
loads it, so ``pytest grader --submission=PATH -k dropout`` grades from the
command line, and ``grader.grade`` runs the same suite in-process.
"""

from __future__ import annotations

import secrets
import tempfile
import time
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from . import oracle, profiles
from .args import whole
from .config import AssignmentConfig, environment_seed, load_selected
from .config import current as current_config
from .errors import ConfigError, SubmissionError, UsageError
from .oracle import NotRecordedError
from .profiles import Detection, Profile
from .proxy import StudentError, StudentProxy
from .registry import CHECKS, Evidence, diagnose, module_rank, ordered_checks
from .render import terminal
from .report import CheckResult, Diagnosis, Experiment, GradeReport, Outcome, TrainingRun
from .sandbox.launcher import WorkerProcess, isolation_level
from .submission import Submission, open_submission

STAGED = pytest.StashKey[Submission]()
RESULTS = pytest.StashKey[list[CheckResult]]()
PROXY = pytest.StashKey[StudentProxy]()
STARTED = pytest.StashKey[float]()
SEED = pytest.StashKey[int]()
PROFILE = pytest.StashKey[Detection]()
PROFILE_GIVEN = pytest.StashKey[str]()
ASSIGNMENT = pytest.StashKey[AssignmentConfig]()
ISOLATION = pytest.StashKey[str]()
EVIDENCE = pytest.StashKey[Evidence]()
#: A sandboxed worker grade.run started before pytest, for the first proxy.
PRESTARTED = pytest.StashKey[WorkerProcess]()
SETUP_SECONDS = pytest.StashKey[float]()
#: The ids of the checks to grade, when not all (grader.grade.run's select).
SELECTED = pytest.StashKey[frozenset[str]]()
#: The check modules (grader.checks.ALL_MODULES names) a grade did not collect
#: because the assignment config disables every check in them
#: (grader.grade.run): their checks are reported skipped all the same.
LEFT_OUT = pytest.StashKey[frozenset[str]]()

#: Makes the random generator of one probe, by probe name.
RngFactory = Callable[[str], np.random.Generator]

#: The message of a check the assignment config turns off (a skip reason).
DISABLED = "disabled in the assignment's config, so not graded"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader")
    group.addoption("--submission", help="the submission to grade: a folder with cs231n/, or a zip")
    group.addoption(
        "--grader-seed",
        type=whole(0, "a seed"),
        help="seed of the checks' random inputs (default: $GRADER_SEED, else fresh); "
        "the report records the seed so a grade can be reproduced",
    )
    group.addoption(
        "--profile",
        choices=sorted(profiles.PROFILES),
        help="the course year's conventions to grade by (default: detected from the code)",
    )
    group.addoption(
        "--assignment-config",
        help="the assignment config, a TOML file (default: $GRADER_CONFIG, else the "
        "repository's assignment.toml); see docs/config.md",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "grader_check(id): a gradable check (see grader.registry)")
    config.stash[RESULTS] = []
    config.stash[STARTED] = time.perf_counter()
    if SEED not in config.stash:
        config.stash[SEED] = _seed(config)
    assignment_of(config)  # a config that is not valid stops the run here


def assignment_of(config: pytest.Config) -> AssignmentConfig:
    """The assignment config of the run: given by grader.grade, else
    ``--assignment-config``, else grader.config's (GRADER_CONFIG, assignment.toml)."""
    if ASSIGNMENT not in config.stash:
        given = config.getoption("--assignment-config", None)
        try:
            config.stash[ASSIGNMENT] = load_selected(given) if given else current_config()
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    return config.stash[ASSIGNMENT]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Let ``-k`` select by check id (``-k dropout_forward``), not only by test name;
    skip the checks the assignment config disables (before any of their
    fixtures run: reported as skipped, counting toward neither the score nor
    the maximum); leave out the checks of parts only another flavour has
    (grader.flavours: they are not part of this submission's assignment at
    all, so its report does not list them); and run the check modules in the
    assignment's order (grader.checks.ALL_MODULES), so that a later part's
    misconceptions can read an earlier part's evidence."""

    assignment = assignment_of(config)
    selected = config.stash.get(SELECTED, None)
    if selected is not None:
        others = [item for item in items if _check_id(item) not in selected]
        if others:
            config.hook.pytest_deselected(items=others)
            items[:] = [item for item in items if item not in others]
    detection = resolve_profile(config) if STAGED in config.stash else None
    if detection is not None:
        foreign = [item for item in items if _other_flavour(item, detection.profile)]
        if foreign:
            config.hook.pytest_deselected(items=foreign)
            items[:] = [item for item in items if item not in foreign]
    for item in items:
        marker = item.get_closest_marker("grader_check")
        if marker is not None:
            item.extra_keyword_matches.add(marker.kwargs["id"])
            if not assignment.enabled(marker.kwargs["id"]):
                item.add_marker(pytest.mark.skip(reason=DISABLED))
    left_out = config.stash.get(LEFT_OUT, frozenset())
    if left_out:
        config.stash[RESULTS].extend(_left_out_results(config, left_out, detection))

    def order(item: pytest.Item) -> int:
        return module_rank(str(getattr(getattr(item, "module", None), "__name__", "")))

    items.sort(key=order)  # stable: each module keeps its own order


def _check_id(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("grader_check")
    return None if marker is None else str(marker.kwargs["id"])


def _other_flavour(item: pytest.Item, profile: Profile) -> bool:
    check_id = _check_id(item)
    return check_id is not None and profiles.other_flavours(check_id, profile.flavour)


def _left_out_results(
    config: pytest.Config, modules: frozenset[str], detection: Detection | None
) -> list[CheckResult]:
    """The results of the checks in ``modules``, which were not collected
    because the assignment config disables all of them: each exactly what
    the check would get collected (skipped, no points, pytest's message:
    the profile's exclusion comes first, as in pytest_runtest_setup), and
    left out where a collected one would be deselected."""
    assignment = assignment_of(config)
    selected = config.stash.get(SELECTED, None)
    results = []
    for spec in ordered_checks():
        if spec.module.rsplit(".", 1)[-1] not in modules:
            continue
        if selected is not None and spec.id not in selected:
            continue
        if detection is not None and profiles.other_flavours(spec.id, detection.profile.flavour):
            continue
        spec = assignment.spec(spec)
        assert not assignment.enabled(spec.id), f"{spec.id} is graded: its module is needed"
        excluded = detection is not None and detection.profile.excludes(spec.id)
        reason = _excluded(detection.profile) if detection and excluded else DISABLED
        results.append(
            CheckResult(
                id=spec.id,
                part=spec.part,
                title=spec.title,
                outcome="skipped",
                points=0.0,
                max_points=0.0,
                message=f"Skipped: {reason}",  # as pytest says it
                public=spec.public,
                seconds=0.0,
            )
        )
    return results


#: What each flavour's code looks like, for the warning about a submission
#: in the other flavour.
FLAVOUR_SHAPES = {
    "functions": "a cs231n/ package of functions",
    "classes": "a common/ package of layer and optimizer classes",
}


def _seed(config: pytest.Config) -> int:
    given = config.getoption("--grader-seed", None)
    if given is not None:
        return int(given)
    try:
        seed = environment_seed()
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    return seed if seed is not None else secrets.randbits(32)


def resolve_profile(config: pytest.Config) -> Detection | None:
    """The profile the run grades by: given, else detected from the staged code."""
    if PROFILE in config.stash:
        return config.stash[PROFILE]
    given = config.stash.get(PROFILE_GIVEN, None) or config.getoption("--profile", None)
    chosen = assignment_of(config).profile
    staged = config.stash.get(STAGED, None)
    if given:
        try:
            detection = Detection(profiles.get(given), "given with --profile")
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    elif chosen != "auto":
        detection = Detection(profiles.get(chosen), "set by the assignment's config")
    elif staged is not None:
        detection = profiles.detect(staged.root, staged.flavour)
    else:
        return None
    if staged is not None and detection.profile.flavour != staged.flavour:
        # A profile grades the submissions of its own flavour only (a batch
        # may hold both flavours): the other flavour's are graded by the
        # profile detected from their code, with a warning.
        found = profiles.detect(staged.root, staged.flavour)
        detection = Detection(
            found.profile,
            found.reason,
            (
                *found.warnings,
                f"the profile {detection.profile.name} ({detection.reason}) is for the "
                f"{detection.profile.flavour} flavour, but this submission is in the "
                f"{staged.flavour} flavour, so it was graded by the {found.profile.name} profile",
            ),
        )
    course = assignment_of(config).flavour
    if staged is not None and staged.flavour != course:
        detection = replace(
            detection,
            warnings=(
                *detection.warnings,
                f"this assignment is in the {course} flavour, but this submission is written "
                f"in the {staged.flavour} flavour ({FLAVOUR_SHAPES[staged.flavour]}): it was "
                f"graded as the {staged.flavour} flavour, by that flavour's checks",
            ),
        )
    config.stash[PROFILE] = detection
    return detection


@pytest.fixture(scope="session")
def profile(request: pytest.FixtureRequest, submission: Submission) -> Profile:
    """The course year's conventions this submission is graded by."""
    detection = resolve_profile(request.config)
    assert detection is not None
    return detection.profile


@pytest.fixture(autouse=True)
def profile_gate(request: pytest.FixtureRequest, profile: Profile) -> None:
    """Skip the checks of parts the submission's course year did not have:
    a skipped check counts toward neither the score nor the maximum."""
    marker = request.node.get_closest_marker("grader_check")
    if marker is not None and profile.excludes(marker.kwargs["id"]):
        pytest.skip(f"not part of the {profile.name} assignment, so not graded")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a check the profile excludes before its fixtures run, so that a
    probe it shares with graded checks cannot turn it into an error (the
    fixture profile_gate does the same when the profile is not known yet)."""
    marker = item.get_closest_marker("grader_check")
    if marker is None or STAGED not in item.config.stash:
        return
    detection = resolve_profile(item.config)
    if detection is not None and detection.profile.excludes(marker.kwargs["id"]):
        pytest.skip(_excluded(detection.profile))


def _excluded(profile: Profile) -> str:
    """Why a check the profile excludes is skipped."""
    return f"not part of the {profile.name} assignment, so not graded"


@pytest.fixture(scope="session")
def assignment(request: pytest.FixtureRequest) -> AssignmentConfig:
    """The assignment config the run grades by (limits, points, parts)."""
    return assignment_of(request.config)


@pytest.fixture(scope="session")
def rng_for(request: pytest.FixtureRequest) -> RngFactory:
    """rng_for("probe name") -> a generator seeded by the run's seed and the name,
    so a probe draws the same inputs whichever checks are selected."""
    seed = request.config.stash[SEED]

    def make(name: str) -> np.random.Generator:
        return np.random.default_rng([seed, zlib.crc32(name.encode())])

    return make


@pytest.fixture(scope="session")
def submission(request: pytest.FixtureRequest) -> Iterator[Submission]:
    """The staged submission: given by grader.grade, or staged from --submission."""
    config = request.config
    if STAGED in config.stash:
        yield config.stash[STAGED]
        return
    path = config.getoption("--submission")
    if not path:
        raise pytest.UsageError("pass --submission=PATH: a folder holding cs231n/, or a zip")
    with tempfile.TemporaryDirectory(prefix="grader-sub-") as tmp:
        try:
            staged = open_submission(Path(path), Path(tmp) / "submission")
        except SubmissionError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.stash[STAGED] = staged
        yield staged


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest, submission: Submission) -> Iterator[StudentProxy]:
    """The student's code, behind the sandbox."""
    isolation = request.config.stash.get(ISOLATION, None)
    limits = assignment_of(request.config).limits.sandbox()
    if isolation is not None:
        proxy = StudentProxy(submission.root, limits=limits, isolation=isolation)
    else:
        proxy = StudentProxy(submission.root, limits=limits)
    prestarted = request.config.stash.get(PRESTARTED, None)
    if prestarted is not None and prestarted.isolation == proxy.isolation:
        proxy.prestarted = prestarted
        del request.config.stash[PRESTARTED]
    request.config.stash[PROXY] = proxy
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """What the checks measured, shared with the misconception detectors."""
    found: Evidence = {}
    request.config.stash[EVIDENCE] = found
    return found


def _message(excinfo: pytest.ExceptionInfo[BaseException]) -> tuple[Outcome, str, str]:
    exc = excinfo.value
    if isinstance(exc, StudentError):
        return "error", exc.message, exc.detail
    if isinstance(exc, NotRecordedError):
        # Only in the student release: the expected answer is not recorded.
        # Not the student's failure: the check counts toward neither score.
        return "skipped", exc.message, ""
    if isinstance(exc, AssertionError):
        # `assert ok, "message"`: keep the message, drop pytest's expansion.
        text = str(exc).split("\nassert ", 1)[0].strip()
        return "failed", text or "the check's condition does not hold", ""
    return (
        "error",
        f"the grader failed on this check ({type(exc).__name__}: {exc}); "
        "this is a problem of the grader, not of your code: tell the course staff",
        "",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    marker = item.get_closest_marker("grader_check")
    if marker is None:
        return report
    assignment = assignment_of(item.config)
    spec = assignment.spec(CHECKS[marker.kwargs["id"]])  # its points and visibility
    enabled = assignment.enabled(spec.id)
    if call.when == "setup":
        item.stash[SETUP_SECONDS] = call.duration
    done = call.when == "call" or (call.when == "setup" and not report.passed)
    if not done:
        return report
    detail, diagnoses = "", tuple[Diagnosis, ...]()
    if report.passed:
        outcome, message = "passed", ""
        if oracle.is_recording():
            # The release builder records the answers the detectors ask for
            # at these inputs, so that the release can name a misconception.
            diagnose(spec.id, item.config.stash.get(EVIDENCE, {}))
    elif report.skipped:
        outcome = "skipped"
        longrepr = report.longrepr
        message = str(longrepr[2]) if isinstance(longrepr, tuple) else "skipped"
    else:
        assert call.excinfo is not None
        outcome, message, detail = _message(call.excinfo)
        if outcome != "skipped":
            # All the evidence of the session, whichever fixtures this check used.
            store: Evidence = item.config.stash.get(EVIDENCE, {})
            diagnoses = tuple(
                Diagnosis(m.code, m.title, m.explanation, m.hint) for m in diagnose(spec.id, store)
            )
    result = CheckResult(
        id=spec.id,
        part=spec.part,
        title=spec.title,
        outcome=outcome,  # type: ignore[arg-type]
        points=spec.points if outcome == "passed" and enabled else 0.0,
        max_points=spec.points if enabled else 0.0,
        message=message,
        public=spec.public,
        # The setup share holds the probes this check was the first to need.
        seconds=round(
            item.stash.get(SETUP_SECONDS, 0.0) + (call.duration if call.when == "call" else 0.0), 4
        ),
        diagnoses=diagnoses,
        detail=detail,
    )
    item.config.stash[RESULTS].append(result)
    return report


def collect_report(config: pytest.Config, label: str, seconds: float) -> GradeReport:
    """The GradeReport of the run that config belongs to."""
    # In the assignment's order (as pytest ran them), the checks of modules
    # that were not collected (LEFT_OUT) among them.
    results: list[CheckResult] = config.stash.get(RESULTS, [])
    found = sorted(
        results, key=lambda r: module_rank(CHECKS[r.id].module if r.id in CHECKS else "")
    )
    proxy = config.stash.get(PROXY, None)
    staged = config.stash.get(STAGED, None)
    # With no check that needed the student's code, none of it ran: the
    # isolation it would have run under, not "none".
    isolation = proxy.isolation if proxy else config.stash.get(ISOLATION, None) or isolation_level()
    output, output_bytes = proxy.printed() if proxy else ("", 0)
    warnings = list(staged.warnings) if staged else []
    detection = resolve_profile(config)
    if detection is not None:
        warnings += detection.warnings
    if isolation == "none":
        warnings.append(
            "isolation: none. The student's code ran inside the grader's own process; "
            "this mode exists for benchmarks and soundness runs, never for grading"
        )
    elif isolation != "bwrap":
        warnings.append(
            "isolation: bubblewrap was not available, so the student's code ran as a plain "
            "process with resource limits only (no network or file-system isolation)"
        )
    return GradeReport(
        submission=label,
        profile=detection.profile.name if detection else "unknown",
        profile_reason=detection.reason if detection else "",
        isolation=isolation,
        checks=tuple(found),
        seconds=round(seconds, 3),
        warnings=tuple(warnings),
        events=tuple(proxy.events) if proxy else (),
        output=output,
        output_bytes=output_bytes,
        seed=config.stash.get(SEED, None),
        experiment=_experiment(config.stash.get(EVIDENCE, {})),
    )


def _experiment(evidence: Evidence) -> Experiment | None:
    """The regularization experiment's curves, when its checks ran."""
    found = evidence.get("experiment")
    if not isinstance(found, dict):
        return None
    from .checks.test_experiment import DESCRIPTION

    runs = tuple(
        TrainingRun(keep=keep, train=tuple(curve["train"]), val=tuple(curve["val"]))
        for keep, curve in found.get("runs", {}).items()
    )
    return Experiment(
        description=DESCRIPTION,
        runs=runs,
        seconds=float(found.get("seconds", 0.0)),
        error=str(found.get("error", "")),
        pairs=max(len(found.get("pairs", [])), 1),
    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """With ``pytest grader --submission=PATH``: the grade after pytest's own report."""
    if not config.stash.get(RESULTS, []):
        return
    label = str(config.getoption("--submission"))
    report = collect_report(config, label, time.perf_counter() - config.stash[STARTED])
    terminalreporter.section("grade")
    terminalreporter.write_line(terminal.render(report))
