"""Our grader on the same class, through its command line like the others,
with its real sandbox: ``python -m grader grade`` once per submission, and
``python -m grader batch`` over the class from a cold store (a fresh
``--out``).

With ``--config`` turning every part but dropout off (``DROPOUT_ONLY``), it
grades the scope the other tools grade (its ten dropout checks cover their
four: keep fraction, scaling, test mode, backward against numeric
derivatives). The whole assignment (every part, the regularization
experiment included) is timed too, for what a real grade costs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from .assignment import ROOT, Student
from .results import DROPOUT, WHOLE, Row, UnverifiedRunError, Way

# The assignment config that grades only dropout_forward and dropout_backward.
DROPOUT_ONLY = """[parts]
layers = { enabled = false }
fc_net = { enabled = false }
optim = { enabled = false }
experiment = { enabled = false }
"""


def version() -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return metadata.version("dropout-grader") + (f" ({commit})" if commit else "")


def prepare(class_: list[Student], folder: Path) -> None:
    """The class as course zips in ``folder/class``, the dropout-only config,
    the grader byte-compiled (pip compiled the other tools' packages when it
    installed them; ours is installed editable, and PYTHONDONTWRITEBYTECODE,
    set on some machines, would leave it compiling at every start), and one
    grade not timed, as the other tools get one."""
    (folder / "class").mkdir(parents=True)
    for student in class_:
        student.write_zip(folder / "class" / f"{student.name}.zip")
    (folder / "dropout-only.toml").write_text(DROPOUT_ONLY)
    _run([sys.executable, "-m", "compileall", "-q", str(ROOT / "grader")], folder / "compile.log")
    _run(_grade_command(folder, class_[0], folder / "warm", DROPOUT), folder / "warm.log")


def batch(class_: list[Student], folder: Path, *, jobs: int, scope: str, run: str = "") -> Row:
    """One ``grader batch`` over the class into a fresh store, timed (``run``
    names a repeated run's store)."""
    out = folder / f"batch-{jobs}-{_slug(scope)}{run}"
    command = [sys.executable, "-m", "grader", "batch", str(folder / "class"), "--out", str(out)]
    command += ["--jobs", str(jobs), "--no-progress", *_config(folder, scope)]
    start = time.perf_counter()
    _run(command, out.with_suffix(".log"))
    seconds = time.perf_counter() - start
    return _row(
        class_,
        {s.name: out / "reports" / s.name / "report.json" for s in class_},
        way="one command for the class",
        jobs=jobs,
        scope=scope,
        command=f"python -m grader batch CLASS --jobs {jobs}" + _shown(scope),
        seconds=seconds,
    )


def grade_each(class_: list[Student], folder: Path, *, jobs: int, scope: str) -> Row:
    """One ``grader grade`` process per student, ``jobs`` at a time, timed as a whole."""
    out = folder / f"grade-{jobs}-{_slug(scope)}"
    out.mkdir()

    def one(student: Student) -> None:
        target = out / student.name
        _run(_grade_command(folder, student, target, scope), out / f"{student.name}.log")

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, class_))
    seconds = time.perf_counter() - start
    return _row(
        class_,
        {s.name: out / s.name / "report.json" for s in class_},
        way="a process per submission",
        jobs=jobs,
        scope=scope,
        command="python -m grader grade STUDENT.zip --out OUT" + _shown(scope),
        seconds=seconds,
    )


def _row(
    class_: list[Student],
    reports: dict[str, Path],
    *,
    way: Way,
    jobs: int,
    scope: str,
    command: str,
    seconds: float,
) -> Row:
    """The row of one timed run, from the reports it wrote; ``UnverifiedRunError``
    if the student code did not run in the sandbox a grade here should use."""
    scores, isolation = {}, set()
    for student, path in reports.items():
        if path.is_file():
            report = json.loads(path.read_text())
            scores[student] = (float(report["score"]), float(report["max_score"]))
            isolation.add(report["isolation"])
    wanted = "bwrap" if shutil.which("bwrap") else "process"
    if isolation - {wanted}:
        raise UnverifiedRunError(
            f"our grader ran student code with isolation {sorted(isolation)}, not {wanted!r}: "
            "the comparison measures it with its real sandbox (see the reports' warnings)"
        )
    note = "sandbox: bubblewrap" if wanted == "bwrap" else "no bubblewrap: process isolation"
    return Row(
        tool="ours",
        version=version(),
        way=way,
        jobs=jobs,
        scope=scope,
        command=command,
        seconds=seconds,
        expected={s.name: s.correct for s in class_},
        scores=scores,
        note=note,
    )


def _grade_command(folder: Path, student: Student, out: Path, scope: str) -> list[str]:
    zip_path = str(folder / "class" / f"{student.name}.zip")
    command = [sys.executable, "-m", "grader", "grade", zip_path, "--out", str(out)]
    return command + _config(folder, scope)


def _config(folder: Path, scope: str) -> list[str]:
    return ["--config", str(folder / "dropout-only.toml")] if scope == DROPOUT else []


def _shown(scope: str) -> str:
    return " --config dropout-only.toml" if scope == DROPOUT else ""


def _slug(scope: str) -> str:
    return {DROPOUT: "dropout", WHOLE: "all"}[scope]


def _run(command: list[str], log: Path) -> None:
    with log.open("w") as sink:
        done = subprocess.run(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    if done.returncode:
        raise SystemExit(f"compare: {' '.join(command)} exited {done.returncode}; see {log}")
