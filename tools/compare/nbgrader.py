"""nbgrader on the assignment: a course folder with one notebook,
``nbgrader generate_assignment``, the class in ``submitted/``, and one
``nbgrader autograde`` over all of it.

The source notebook has one solution cell (the student's ``layers.py`` goes
there) and one autograded test cell per check. Each student's notebook is
the released one with their code in the solution cell, as a student would
hand it in. ``autograde`` restores the test cells from its gradebook,
executes every notebook in a fresh Jupyter kernel of nbgrader's environment
(one after another: nbgrader has no parallel mode) and records the points;
``nbgrader export`` reads them back. Only ``autograde`` is timed. Like
``otter run``, it runs the student's code with no isolation.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from .assignment import CHECKS, Student
from .results import DROPOUT, Row

if TYPE_CHECKING:
    from .envs import Env

ASSIGNMENT = "ps1"
NOTEBOOK = "dropout.ipynb"
SOLUTION_ID = "dropout_code"
CONFIG = """c = get_config()
c.CourseDirectory.course_id = "bench"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
"""


def source_notebook(solution: str) -> nbformat.NotebookNode:
    """The instructors' notebook: a solution cell, then one test cell per check."""
    cells = [
        nbformat.v4.new_markdown_cell(
            "# Dropout\n\nImplement `dropout_forward` and `dropout_backward`."
        ),
        _cell(f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION", SOLUTION_ID, solution=True),
    ]
    cells += [
        _cell("\n".join(check.lines), f"test_{check.id}", points=check.points) for check in CHECKS
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def _cell(
    source: str, grade_id: str, *, solution: bool = False, points: int | None = None
) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    meta: dict[str, object] = {
        "grade": points is not None,
        "solution": solution,
        "locked": not solution,
    }
    meta |= {"grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def course(folder: Path, env: Env, solution: str) -> Path:
    """A course folder with the assignment generated (released) and in the gradebook."""
    source = folder / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(CONFIG)
    nbformat.write(source_notebook(solution), source / NOTEBOOK)
    env.run("nbgrader", "generate_assignment", ASSIGNMENT, cwd=folder, log=folder / "generate.log")
    return folder / "release" / ASSIGNMENT / NOTEBOOK


def hand_in(folder: Path, released: Path, student: Student) -> None:
    notebook = nbformat.read(released, as_version=4)
    (cell,) = [
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == SOLUTION_ID
    ]
    cell.source = student.layers
    target = folder / "submitted" / student.name / ASSIGNMENT
    target.mkdir(parents=True)
    nbformat.write(notebook, target / NOTEBOOK)


def grade(class_: list[Student], folder: Path, env: Env, *, warm: bool = True) -> Row:
    """``nbgrader autograde`` over the whole class, timed; scores by ``nbgrader export``."""
    solution = next(s for s in class_ if s.correct).layers
    if warm:  # the first run of a fresh environment compiles its bytecode
        warm_folder = folder / "warm"
        hand_in(warm_folder, course(warm_folder, env, solution), class_[0])
        env.run(
            "nbgrader", "autograde", ASSIGNMENT, cwd=warm_folder, log=warm_folder / "autograde.log"
        )
    folder = folder / "course"
    released = course(folder, env, solution)
    for student in class_:
        hand_in(folder, released, student)
    start = time.perf_counter()
    env.run("nbgrader", "autograde", ASSIGNMENT, cwd=folder, log=folder / "autograde.log")
    seconds = time.perf_counter() - start
    env.run("nbgrader", "export", cwd=folder, log=folder / "export.log")
    with (folder / "grades.csv").open() as table:
        scores = {
            row["student_id"]: (float(row["raw_score"]), float(row["max_score"]))
            for row in csv.DictReader(table)
        }
    return Row(
        tool="nbgrader",
        version=env.version,
        way="one command for the class",
        jobs=1,
        scope=DROPOUT,
        command=f"nbgrader autograde {ASSIGNMENT}",
        seconds=seconds,
        expected={s.name: s.correct for s in class_},
        scores=scores,
        note="a fresh kernel per notebook; nbgrader has no parallel mode",
    )
