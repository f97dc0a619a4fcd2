"""tools/compare without Otter-Grader or nbgrader installed: the class it
generates, the checks it hands the other tools, the verification that keeps
a run which did not really grade out of the table, and the table itself."""

from __future__ import annotations

import doctest
import json
import re
import types
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

import tools.compare as compare_module
from tools.compare import envs, nbgrader, otter, ours
from tools.compare.assignment import CHECKS, MAX_POINTS, Student, package_of, students
from tools.compare.results import DROPOUT, WHOLE, Row, UnverifiedRunError, Way, verify
from tools.compare.table import TARGET, headline, margin, margin_lines, render


def _row(
    tool: str,
    seconds: float,
    scores: dict[str, tuple[float, float]],
    *,
    way: Way = "one command for the class",
    jobs: int = 1,
    scope: str = DROPOUT,
) -> Row:
    expected = {"alice": True, "bob": True, "carol": False, "dan": False}
    return Row(
        tool=tool,
        version="1.0",
        way=way,
        jobs=jobs,
        scope=scope,
        command="grade",
        seconds=seconds,
        expected=expected,
        scores=scores,
    )


GOOD = {"alice": (8.0, 8.0), "bob": (8.0, 8.0), "carol": (4.0, 8.0), "dan": (0.0, 8.0)}


def _namespace(layers: bytes) -> dict[str, object]:
    module = types.ModuleType("layers")
    exec(compile(layers, "layers.py", "exec"), module.__dict__)
    return module.__dict__


def _check_passes(check_lines: tuple[str, ...], namespace: dict[str, object]) -> bool:
    scope = dict(namespace)
    try:
        for line in check_lines:
            exec(line, scope)
    except AssertionError:
        return False
    return True


def test_compare_students_are_distinct_files_half_of_them_buggy() -> None:
    class_ = students(10)
    assert len({s.name for s in class_}) == 10
    assert len({s.package["cs231n/layers.py"] for s in class_}) == 10
    assert [s.correct for s in class_] == [True] * 5 + [False] * 5
    reference, bug = package_of("reference"), package_of("keep_as_drop")
    for student in class_:
        origin = reference if student.correct else bug
        assert set(student.package) == set(origin)
        assert student.layers.startswith(origin["cs231n/layers.py"].decode())
        rest = student.layers[len(origin["cs231n/layers.py"]) :]
        assert rest.strip().startswith("#"), rest  # only a comment tells them apart


def test_compare_odd_class_has_more_correct_than_buggy_students() -> None:
    assert [s.correct for s in students(3)] == [True, True, False]


def test_compare_student_zip_holds_the_package(tmp_path: Path) -> None:
    student = students(2)[1]
    student.write_zip(tmp_path / "s.zip")
    with zipfile.ZipFile(tmp_path / "s.zip") as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == student.package


def test_compare_checks_pass_the_reference_and_fail_the_bug() -> None:
    """The lines Otter and nbgrader run: every check passes the correct
    student; the buggy one fails some, so it scores below full marks."""
    correct, buggy = students(2)
    good, bad = _namespace(correct.layers.encode()), _namespace(buggy.layers.encode())
    assert all(_check_passes(c.lines, good) for c in CHECKS)
    failed = {c.id for c in CHECKS if not _check_passes(c.lines, bad)}
    assert {"keep_fraction", "scaling"} <= failed
    assert MAX_POINTS == sum(c.points for c in CHECKS) == 8


def test_compare_backward_check_catches_a_wrong_gradient() -> None:
    correct = _namespace(students(1)[0].layers.encode())
    (backward,) = [c for c in CHECKS if c.id == "backward"]

    def no_mask(dout: np.ndarray, cache: object) -> np.ndarray:
        return dout

    assert not _check_passes(backward.lines, {**correct, "dropout_backward": no_mask})


def test_compare_otter_test_file_is_an_ok_format_doctest_of_the_check() -> None:
    check = CHECKS[0]
    code = "".join(f">>> {line}\n" for line in check.lines)
    text = otter.TEST_FILE.format(name="q1_keep_fraction", points=check.points, code=code)
    found: dict[str, object] = {}
    exec(text, found)
    assert found["OK_FORMAT"] is True
    test = found["test"]
    assert isinstance(test, dict) and test["points"] == check.points
    (case,) = test["suites"][0]["cases"]
    examples = doctest.DocTestParser().get_examples(case["code"])
    assert [e.source.strip() for e in examples] == list(check.lines)


def test_compare_nbgrader_notebook_has_a_solution_cell_and_a_graded_cell_per_check() -> None:
    notebook = nbgrader.source_notebook("def dropout_forward(x, p): pass")
    nbformat.validate(notebook)
    graded = [c.metadata["nbgrader"] for c in notebook.cells if "nbgrader" in c.metadata]
    (solution,) = [m for m in graded if m["solution"]]
    assert solution["grade_id"] == nbgrader.SOLUTION_ID
    tests = [m for m in graded if m["grade"]]
    assert [m["grade_id"] for m in tests] == [f"test_{c.id}" for c in CHECKS]
    assert sum(m["points"] for m in tests) == MAX_POINTS
    assert all(m["locked"] for m in tests)


def test_compare_verify_accepts_a_run_that_graded_right() -> None:
    row = _row("nbgrader", 4.0, GOOD)
    assert verify(row) is row
    assert row.full_marks() == (2, 2) and row.failing() == (2, 2)
    assert row.per_submission == 1.0


def test_compare_verify_refuses_a_correct_student_below_full_marks() -> None:
    row = _row("nbgrader", 4.0, {**GOOD, "bob": (6.0, 8.0)})
    with pytest.raises(UnverifiedRunError, match=r"bob is correct but below full marks \(6/8\)"):
        verify(row)


def test_compare_verify_refuses_a_buggy_student_at_full_marks() -> None:
    row = _row("Otter-Grader", 4.0, {**GOOD, "dan": (8.0, 8.0)})
    with pytest.raises(UnverifiedRunError, match="dan is buggy but at full marks"):
        verify(row)


def test_compare_verify_refuses_a_run_that_could_not_grade() -> None:
    """A tool that crashed scores nothing: 0 of 0 is not full marks, and a
    student with no grade at all is named."""
    crashed = {**GOOD, "alice": (0.0, 0.0)}
    crashed.pop("bob")
    with pytest.raises(UnverifiedRunError) as refused:
        verify(_row("Otter-Grader", 0.5, crashed))
    assert "no grade for bob" in str(refused.value)
    assert "alice is correct but below full marks (0/0)" in str(refused.value)


def test_compare_ours_refuses_reports_graded_outside_its_sandbox(tmp_path: Path) -> None:
    class_ = students(2)
    reports = {}
    for student in class_:
        path = tmp_path / student.name / "report.json"
        path.parent.mkdir()
        path.write_text(json.dumps({"score": 8, "max_score": 8, "isolation": "none"}))
        reports[student.name] = path
    with pytest.raises(UnverifiedRunError, match="real sandbox"):
        ours._row(
            class_,
            reports,
            way="one command for the class",
            jobs=1,
            scope=DROPOUT,
            command="grade",
            seconds=1.0,
        )


def test_compare_table_sets_each_tool_against_ours_driven_the_same_way() -> None:
    per_process: Way = "a process per submission"
    rows = [
        _row("Otter-Grader", 12.0, GOOD, way=per_process),
        _row("nbgrader", 6.0, GOOD),
        _row("ours", 2.0, GOOD, way=per_process),
        _row("ours", 1.0, GOOD),
        _row("ours", 1.6, GOOD, scope=WHOLE),
    ]
    lines = render(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert len({line.count("|") for line in lines}) == 1  # every row has every column
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    otter_row, nbgrader_row, *mine = cells
    assert otter_row[6:9] == ["3.000", "0.500", "6.0x"]  # against ours, a process each
    assert nbgrader_row[6:9] == ["1.500", "0.250", "6.0x"]  # against ours, one batch
    assert all(row[7:9] == ["-", "-"] for row in mine)
    assert [row[9:] for row in cells] == [["2/2", "2/2"]] * len(rows)


def test_compare_headline_says_whether_the_target_is_met() -> None:
    rows = [
        _row("Otter-Grader", 12.0, GOOD, way="a process per submission"),
        _row("Otter-Grader", 6.0, GOOD, way="a process per submission", jobs=2),
        _row("nbgrader", 124.0, GOOD),
        _row("ours", 1.0, GOOD, jobs=2),
        _row("ours", 0.1, GOOD, scope=WHOLE),  # another scope: never the baseline
    ]
    otter_line, nbgrader_line = headline(rows)
    assert otter_line.startswith("Otter-Grader: 1.500 s per submission at best")
    assert "ours 6.0x faster" in otter_line and otter_line.endswith(f"{TARGET:g}x not met")
    assert "ours 124.0x faster" in nbgrader_line and nbgrader_line.endswith("x met")


def _class_row(size: int, seconds: float) -> Row:
    names = [f"s{i}" for i in range(size)]
    return Row(
        tool="ours",
        version="1.0",
        way="one command for the class",
        jobs=2,
        scope=DROPOUT,
        command="grade",
        seconds=seconds,
        expected={name: i < size // 2 for i, name in enumerate(names)},
        scores={name: (8.0, 8.0) for name in names},
    )


def test_compare_margin_is_the_cost_of_each_further_submission() -> None:
    small = [_class_row(10, s) for s in (1.3, 1.1, 1.2)]
    big = [_class_row(50, s) for s in (3.2, 3.5, 3.3)]
    found = margin(small, big)
    assert found["sizes"] == [10, 50] and found["runs"] == 3 and found["jobs"] == 2
    assert found["seconds"] == [1.2, 3.3]  # the medians
    assert found["per_further_submission"] == pytest.approx((3.3 - 1.2) / 40)
    rows = [
        _row("nbgrader", 4.0, GOOD),
        _row("Otter-Grader", 4.0, GOOD, way="a process per submission"),
        _row("Otter-Grader", 2.0, GOOD, way="a process per submission", jobs=2),
    ]
    first, nbgrader_line, otter_line = margin_lines(found, rows)
    assert first.startswith("ours at the margin: 0.052 s per further submission")
    assert "10 in 1.20 s, 50 in 3.30 s, medians of 3" in first
    # nbgrader's time per submission holds its start, spread over the class.
    assert nbgrader_line.startswith("nbgrader: grades the class in one command")
    assert "x less" not in nbgrader_line and "target" not in nbgrader_line
    assert otter_line.startswith("Otter-Grader: 0.500 s per submission at best")
    assert "9.5x less" in otter_line and otter_line.endswith(f"target {TARGET:g}x not met")
    quick = margin(small, [_class_row(50, 1.3)])  # 40 more students in 0.1 s: 200x
    assert margin_lines(quick, rows)[2].endswith("x met")


def test_compare_margin_of_a_tool_grading_the_class_in_one_command() -> None:
    ours = margin([_class_row(10, 1.2)], [_class_row(50, 3.2)])  # 0.050 s each
    theirs = margin([_class_row(10, 12.0)], [_class_row(50, 52.0)])  # 1.000 s each
    rows = [_row("nbgrader", 12.0, GOOD)]
    _, line = margin_lines(ours, rows, {"nbgrader": theirs})
    assert line.startswith("nbgrader: 1.000 s per further submission")
    assert "10 in 12.00 s, 50 in 52.00 s" in line
    assert "20.0x less" in line and line.endswith(f"target {TARGET:g}x not met")
    quicker = margin([_class_row(10, 1.2)], [_class_row(50, 2.4)])  # 0.030 s: 33.3x
    assert margin_lines(quicker, rows, {"nbgrader": theirs})[1].endswith(
        "33.3x less; target 30x met"
    )


def test_compare_envs_run_tools_with_their_own_bin_first(tmp_path: Path) -> None:
    env = envs.Env("otter", tmp_path / "otter", "7.0.0")
    environ = env.environ()
    assert environ["PATH"].split(":")[0] == str(tmp_path / "otter" / "bin")
    assert environ["VIRTUAL_ENV"] == str(tmp_path / "otter")


def test_compare_pins_every_package_and_the_tool_itself() -> None:
    for tool, distribution in (("otter", "otter-grader"), ("nbgrader", "nbgrader")):
        lines = [
            line
            for line in envs.requirements(tool).read_text().splitlines()
            if line and not line.startswith("#")
        ]
        assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", line) for line in lines), lines
        assert any(line.startswith(f"{distribution}==") for line in lines)


def test_compare_margin_runs_interleave_the_sizes_and_verify_each_run() -> None:
    small, big = students(4), students(12)
    calls: list[tuple[str, int]] = []

    def grade(group: list[Student], size: str, i: int, *, right: bool = True) -> Row:
        calls.append((size, i))
        return Row(
            tool="nbgrader",
            version="1.0",
            way="one command for the class",
            jobs=1,
            scope=DROPOUT,
            command="grade",
            seconds=0.5 + 0.25 * len(group) + 0.01 * i,
            expected={s.name: s.correct for s in group},
            scores={s.name: (8.0 if s.correct or not right else 0.0, 8.0) for s in group},
        )

    found = compare_module._margin(small, big, grade)
    assert calls == [(size, i) for i in range(3) for size in ("small", "big")]
    assert found["sizes"] == [4, 12] and found["runs"] == 3 and found["jobs"] == 1
    assert found["per_further_submission"] == pytest.approx(0.25)
    with pytest.raises(UnverifiedRunError):  # a buggy student at full marks
        compare_module._margin(small, big, lambda g, s, i: grade(g, s, i, right=False))
