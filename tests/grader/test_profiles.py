"""Course-year profiles: detected from the code, given with --profile, and
each submission graded by the conventions it was written for."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import REPO_ROOT, profiles
from grader.errors import UsageError
from grader.grade import grade
from tests.grader.conftest import MakeSubmission

DOC = "      - p: the probability of KEEPING each unit (0 < p <= 1).\n"
MASK = "        mask = (np.random.rand(*x.shape) < p) / p\n"
KEYWORD = "        dropout_keep_ratio=1,\n"
USE = "        self.use_dropout = dropout_keep_ratio != 1\n"
PARAM = '            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}\n'
NET = "classifiers/fc_net.py"


def net_with(keyword: str, default: str, use: str) -> list[tuple[str, str, str]]:
    return [
        (NET, KEYWORD, f"        {keyword}={default},\n"),
        (NET, USE, f"        self.use_dropout = {use}\n"),
        (NET, PARAM, PARAM.replace("dropout_keep_ratio", keyword)),
    ]


COURSE_2017 = [
    ("layers.py", DOC, "      - p: Dropout parameter. We drop each unit with probability p.\n"),
    ("layers.py", MASK, "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n"),
    *net_with("dropout", "0", "dropout > 0"),
]
COURSE_2018 = [
    ("layers.py", DOC, "      - p: Dropout parameter. We keep each unit with probability p.\n"),
    *net_with("dropout", "1", "dropout != 1"),
]
NO_ADAGRAD = [("optim.py", "def adagrad(", "def _unused_adagrad(")]


def detected(make: MakeSubmission, changes: list[tuple[str, str, str]]) -> profiles.Detection:
    return profiles.detect(make(*changes))


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ([], "template"),
        (NO_ADAGRAD, "course-2019"),
        (COURSE_2018, "course-2018"),
        (COURSE_2017, "course-2017"),
    ],
    ids=["template", "2019", "2018", "2017"],
)
def test_profile_detected_from_the_code(
    changes: list[tuple[str, str, str]], name: str, make_submission: MakeSubmission
) -> None:
    found = detected(make_submission, changes)
    assert found.profile.name == name
    assert found.reason and not found.warnings


def test_profile_docstring_disagreeing_with_the_code_is_reported(
    make_submission: MakeSubmission,
) -> None:
    found = detected(make_submission, [COURSE_2017[0]])  # 2017 docstring, 2019 net
    assert found.profile.name == "template"
    assert len(found.warnings) == 1 and "docstring" in found.warnings[0]
    assert "dropping" in found.warnings[0] and "--profile" in found.warnings[0]


def test_profile_unparsable_code_falls_back_to_the_default(tmp_path: Path) -> None:
    (tmp_path / "cs231n" / "classifiers").mkdir(parents=True)
    (tmp_path / "cs231n" / "classifiers" / "fc_net.py").write_text("class (:\n")
    assert profiles.detect(tmp_path).profile.name == profiles.DEFAULT


def test_profile_2017_submission_gets_full_marks(make_submission: MakeSubmission) -> None:
    report = grade(make_submission(*COURSE_2017), keyword="dropout or fc_net")
    assert report.profile == "course-2017"
    assert len(report.checks) >= 18
    assert [c.id for c in report.checks if c.outcome != "passed"] == []


def test_profile_2018_submission_gets_full_marks(make_submission: MakeSubmission) -> None:
    report = grade(make_submission(*COURSE_2018), keyword="dropout or fc_net")
    assert report.profile == "course-2018"
    assert [c.id for c in report.checks if c.outcome != "passed"] == []


def test_profile_given_overrides_detection_and_names_the_swap() -> None:
    reference = REPO_ROOT / "examples/submissions/reference.zip"
    report = grade(reference, keyword="dropout_forward", profile="course-2017")
    assert report.profile == "course-2017" and "given" in report.profile_reason
    assert {c.part for c in report.checks} == {"dropout_forward"}
    codes = {d.code for c in report.checks for d in c.diagnoses}
    assert "DROPOUT_P_AS_KEEP" in codes and "DROPOUT_P_AS_DROP" not in codes
    failed = {c.id for c in report.checks if c.outcome != "passed"}
    assert {"dropout_forward.keep_fraction", "dropout_forward.scaling"} <= failed


def test_profile_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError, match="course-2017, course-2018, course-2019, template"):
        grade(REPO_ROOT / "examples/submissions/reference.zip", profile="2016")


def test_profile_without_adagrad_skips_its_checks_from_score_and_maximum(
    make_submission: MakeSubmission,
) -> None:
    report = grade(make_submission(*NO_ADAGRAD), keyword="optim")
    assert report.profile == "course-2019"
    adagrad = [c for c in report.checks if c.id.startswith("optim.adagrad.")]
    assert adagrad and {c.outcome for c in adagrad} == {"skipped"}
    assert "course-2019" in adagrad[0].message
    assert (
        report.score
        == report.max_score
        == sum(c.max_points for c in report.checks if not c.id.startswith("optim.adagrad."))
    )


def test_profile_gate_skips_any_check_the_profile_excludes(
    make_submission: MakeSubmission, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plugin's gate itself, not the optimizer probe, does the skipping."""
    monkeypatch.setattr(
        profiles.Profile, "excludes", lambda self, check_id: check_id.startswith("fc_net.")
    )
    report = grade(REPO_ROOT / "examples/submissions/reference.zip", keyword="fc_net")
    assert report.checks and {c.outcome for c in report.checks} == {"skipped"}
    assert report.max_score == 0
