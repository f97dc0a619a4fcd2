"""Otter-Grader on the assignment: OK-format tests, ``otter generate``, and
one ``otter run`` per submission.

``otter grade`` grades in Docker containers and nothing else; where Docker
is not running (``docker info`` fails, as on this machine), Otter's own
answer is ``otter run``: non-containerized grading of one submission in a
temporary copy of the autograder's tree, executing it in a Jupyter kernel
of the environment Otter is installed in. That is the mode measured here. It
leaves out the image build and a container's start-up per submission that
``otter grade`` adds, and it runs the student's code with no isolation
(ours is timed with its sandbox), so it is Otter's fastest way here.

The submission is the student's ``layers.py`` as a Python script: Otter
runs it, then each ``tests/qN.py`` against the names it defined.
"""

from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .assignment import CHECKS, Student
from .results import DROPOUT, Row

if TYPE_CHECKING:
    from .envs import Env

TEST_FILE = """OK_FORMAT = True

test = {{
    "name": {name!r},
    "points": {points},
    "suites": [
        {{
            "cases": [{{"code": {code!r}, "hidden": False, "locked": False}}],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }}
    ],
}}
"""


def docker_running() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def build(folder: Path, env: Env) -> Path:
    """The autograder zip, from one OK-format test file per check."""
    tests = folder / "tests"
    tests.mkdir(parents=True)
    for number, check in enumerate(CHECKS, start=1):
        code = "".join(f">>> {line}\n" for line in check.lines)
        (tests / f"q{number}.py").write_text(
            TEST_FILE.format(name=f"q{number}_{check.id}", points=check.points, code=code)
        )
    autograder = folder / "autograder.zip"
    env.run(
        "otter",
        "generate",
        "--no-requirements",
        "--no-environment",
        "--no-config",
        "-o",
        str(autograder),
        cwd=folder,
        log=folder / "generate.log",
    )
    return autograder


def grade(
    class_: list[Student], folder: Path, env: Env, *, jobs: int = 1, warm: bool = True
) -> Row:
    """``otter run`` on every student, ``jobs`` at a time, timed as a whole."""
    autograder = build(folder / "assignment", env)
    scripts = folder / "submissions"
    scripts.mkdir()
    for student in class_:
        (scripts / f"{student.name}.py").write_text(student.layers)

    def run(student: Student, out: Path, log: Path) -> None:
        script = str(scripts / f"{student.name}.py")
        command = ["run", "-a", str(autograder), "-o", str(out), "--no-logo", script]
        env.run("otter", *command, cwd=folder, log=log)

    def one(student: Student) -> None:
        out = folder / "results" / student.name
        out.mkdir(parents=True)
        run(student, out, out / "run.log")

    if warm:  # the first run of a fresh environment compiles its bytecode
        (folder / "warm").mkdir()
        run(class_[0], folder / "warm", folder / "warm" / "run.log")
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, class_))
    seconds = time.perf_counter() - start
    scores = {}
    for student in class_:
        results = folder / "results" / student.name / "results.json"
        if results.is_file():
            scores[student.name] = _score(results)
    return Row(
        tool="Otter-Grader",
        version=env.version,
        way="a process per submission",
        jobs=jobs,
        scope=DROPOUT,
        command="otter run -a autograder.zip -o OUT --no-logo STUDENT.py",
        seconds=seconds,
        expected={s.name: s.correct for s in class_},
        scores=scores,
        note="no Docker: otter run, Otter's non-containerized grading",
    )


def _score(results: Path) -> tuple[float, float]:
    """(points, max points) from Otter's Gradescope-style results.json."""
    found = json.loads(results.read_text())
    tests = [t for t in found["tests"] if "max_score" in t]
    if not tests:  # "Autograder Failed": Otter could not grade at all
        return 0.0, 0.0
    return sum(t.get("score", 0) for t in tests), sum(t["max_score"] for t in tests)
