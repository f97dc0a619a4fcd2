"""Each dropout check and misconception: it fails (and names the mistake) on
a submission with the bug, and passes on the reference."""

from __future__ import annotations

import re

import pytest

from grader.grade import grade
from grader.report import GradeReport
from tests.grader.conftest import MakeSubmission

TRAIN_MASK = "        mask = (np.random.rand(*x.shape) < p) / p\n"
TEST_OUT = '    elif mode == "test":\n        out = x\n'
SEED = '    if "seed" in dropout_param:\n        np.random.seed(dropout_param["seed"])\n'
BACKWARD = "        dx = dout * mask\n"

# misconception -> (changes to layers.py, checks that must fail)
BUGS = {
    "DROPOUT_P_AS_DROP": (
        [(TRAIN_MASK, "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n")],
        {"dropout_forward.keep_fraction", "dropout_forward.scaling"},
    ),
    "DROPOUT_UNSCALED": (
        [(TRAIN_MASK, "        mask = (np.random.rand(*x.shape) < p) * 1.0\n")],
        {"dropout_forward.scaling", "dropout_forward.mean_preserved"},
    ),
    "DROPOUT_VANILLA": (
        [
            (TRAIN_MASK, "        mask = (np.random.rand(*x.shape) < p) * 1.0\n"),
            (TEST_OUT, '    elif mode == "test":\n        out = x * p\n'),
        ],
        {"dropout_forward.scaling", "dropout_forward.test_identity"},
    ),
    "DROPOUT_TEST_MODE": (
        [
            (
                TEST_OUT,
                '    elif mode == "test":\n        out = x * (np.random.rand(*x.shape) < p)\n',
            )
        ],
        {"dropout_forward.test_identity"},
    ),
    "DROPOUT_MASK_DISTRIBUTION": (
        [(TRAIN_MASK, "        mask = (np.random.randn(*x.shape) < p) / p\n")],
        {"dropout_forward.keep_fraction"},
    ),
    "DROPOUT_MASK_SHARED": (
        [(TRAIN_MASK, "        mask = (np.random.rand(*x.shape[1:]) < p) / p\n")],
        {"dropout_forward.independent_masks"},
    ),
    "DROPOUT_SEED_IGNORED": ([(SEED, "")], {"dropout_forward.seed"}),
    "DROPOUT_BACKWARD_UNSCALED": (
        [(BACKWARD, "        dx = dout * (mask != 0)\n")],
        {"dropout_backward.train"},
    ),
    "DROPOUT_BACKWARD_NO_MASK": (
        [(BACKWARD, "        dx = dout\n")],
        {"dropout_backward.train"},
    ),
}


def failed(report: GradeReport) -> set[str]:
    return {c.id for c in report.checks if c.outcome != "passed"}


def codes(report: GradeReport) -> set[str]:
    return {d.code for c in report.checks for d in c.diagnoses}


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory: pytest.TempPathFactory) -> GradeReport:
    from grader import REPO_ROOT

    return grade(REPO_ROOT / "examples" / "submissions" / "reference.zip")


def test_reference_gets_full_marks(reference_report: GradeReport) -> None:
    assert reference_report.checks, "no check ran"
    assert failed(reference_report) == set()
    assert reference_report.score == reference_report.max_score > 0
    assert codes(reference_report) == set()


@pytest.mark.parametrize("code", sorted(BUGS))
def test_bug_fails_its_checks_and_is_diagnosed(code: str, make_submission: MakeSubmission) -> None:
    changes, must_fail = BUGS[code]
    report = grade(make_submission(*[("layers.py", old, new) for old, new in changes]))
    assert must_fail <= failed(report)
    diagnosed = {d.code for c in report.checks if c.id in must_fail for d in c.diagnoses}
    assert code in diagnosed
    assert report.score < report.max_score


def test_template_fails_every_check_with_a_message() -> None:
    from grader import template_root

    report = grade(template_root())
    assert report.score == 0
    scored = [c for c in report.checks if c.max_points > 0]
    assert scored and all(c.outcome == "error" and "not implemented" in c.message for c in scored)
    # What students receive complete (sgd) is checked but worth nothing.
    given = {c.id for c in report.checks if c.max_points == 0}
    assert given and all(check_id.startswith("optim.sgd.") for check_id in given)


def test_scaling_message_names_the_one_factor_or_the_range(
    make_submission: MakeSubmission,
) -> None:
    """p taken as the drop probability scales every kept unit alike (1 / (1 - 0.3)
    at p = 0.3); a scale drawn per unit gives a range."""
    one = grade(make_submission(("layers.py", *BUGS["DROPOUT_P_AS_DROP"][0][0])))
    message = next(c.message for c in one.checks if c.id == "dropout_forward.scaling")
    assert "i.e. multiplied by 3.333; yours were all multiplied by 1.429" in message
    unscaled = grade(make_submission(("layers.py", *BUGS["DROPOUT_UNSCALED"][0][0])))
    message = next(c.message for c in unscaled.checks if c.id == "dropout_forward.scaling")
    assert message.endswith("yours were all left unchanged (multiplied by 1)")
    spread = "        mask = (np.random.rand(*x.shape) < p) * np.random.uniform(1, 2, x.shape)\n"
    many = grade(make_submission(("layers.py", TRAIN_MASK, spread)))
    message = next(c.message for c in many.checks if c.id == "dropout_forward.scaling")
    assert re.search(r"yours were multiplied by 1(\.\d+)? to [12](\.\d+)?$", message), message
