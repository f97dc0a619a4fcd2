"""The class flavour graded end to end by the function flavour's checks:
the reference passes every check that applies to it, the template fails
every one as not implemented, and the grade does not depend on where the
student's code ran or how it was handed in."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from grader import REPO_ROOT, flavours, profiles
from grader.grade import grade, run
from grader.registry import ordered_checks
from grader.report import GradeReport
from tests.flavours.conftest import MakeClassSubmission

#: The checks of the function API with no counterpart in the class flavour.
NOT_APPLICABLE = {"dropout_forward.api", "layers.cache"}


def by_outcome(report: GradeReport, outcome: str) -> set[str]:
    return {c.id for c in report.checks if c.outcome == outcome}


def applicable() -> set[str]:
    """Every registered check the classes profile grades."""
    return {s.id for s in ordered_checks() if not profiles.get("classes").excludes(s.id)}


@pytest.fixture(scope="module")
def reference_report() -> GradeReport:
    return grade(flavours.reference_root())


def test_reference_passes_every_applicable_check(reference_report: GradeReport) -> None:
    assert reference_report.profile == "classes"
    assert "class flavour" in reference_report.profile_reason
    assert by_outcome(reference_report, "passed") == applicable()
    assert by_outcome(reference_report, "skipped") == NOT_APPLICABLE
    assert reference_report.score == reference_report.max_score > 0
    assert not [d for c in reference_report.checks for d in c.diagnoses]
    assert reference_report.warnings == ()


def test_only_the_cache_checks_have_no_counterpart() -> None:
    every = {s.id for s in ordered_checks()}
    assert every - applicable() == NOT_APPLICABLE | {
        s for s in every if profiles.FLAVOUR_PARTS.get(s.split(".")[0], "classes") != "classes"
    }


def test_template_fails_every_check_as_not_implemented() -> None:
    report = grade(flavours.template_root())
    assert report.profile == "classes" and report.score == 0
    scored = [c for c in report.checks if c.max_points > 0 and c.outcome != "skipped"]
    assert {c.id for c in scored} == {s.id for s in ordered_checks() if s.points > 0} & applicable()
    for check in scored:
        assert check.outcome == "error", check.id
        assert "not implemented yet" in check.message, (check.id, check.message)
        assert "common/" in check.message  # names the student's file to fill in
    # SGD is given complete, as in the function flavour: checked, worth nothing.
    given = {c.id for c in report.checks if c.max_points == 0}
    assert given == {c.id for c in report.checks if c.id.startswith("optim.sgd.")}
    assert given <= by_outcome(report, "passed")


def test_same_grade_in_process_as_in_the_sandbox(reference_report: GradeReport) -> None:
    report, _ = run(flavours.reference_root(), isolation="none", seed=reference_report.seed)
    assert [(c.id, c.outcome) for c in report.checks] == [
        (c.id, c.outcome) for c in reference_report.checks
    ]


def test_zip_one_folder_down_with_notebooks(tmp_path: Path) -> None:
    path = tmp_path / "hw2.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted((flavours.reference_root() / "common").glob("*.py")):
            archive.write(file, f"hw2/common/{file.name}")
        notebook = REPO_ROOT / "student_template" / "Dropout.ipynb"
        archive.write(notebook, "hw2/Dropout.ipynb")
        archive.writestr("hw2/train.py", "import common\n")
    report = grade(path, keyword="dropout")
    assert report.profile == "classes"
    assert by_outcome(report, "passed") == {c.id for c in report.checks} - NOT_APPLICABLE
    assert {a.notebook for a in report.answers} == {"Dropout.ipynb"}


def test_missing_module_comes_from_the_template(tmp_path: Path) -> None:
    root = tmp_path / "submission"
    shutil.copytree(flavours.reference_root(), root)
    (root / "common" / "optimizer.py").unlink()
    report = grade(root, keyword="optim or layers")
    assert any("common/optimizer.py was missing" in w for w in report.warnings)
    failing = by_outcome(report, "error")
    assert failing and all(c.startswith("optim.") for c in failing)
    assert not [c for c in failing if c.startswith("optim.sgd.")]  # given in the template


def test_import_error_named_with_the_students_file(
    make_class_submission: MakeClassSubmission,
) -> None:
    root = make_class_submission(("layers", "class Relu:\n", "class Relu\n"))
    report = grade(root, keyword="layers.relu")
    (relu,) = report.checks
    assert relu.outcome == "error"
    assert "common/layers.py could not be imported (SyntaxError" in relu.message
