"""The example submissions: up to date with the reference, the reference
example passes every test, and each buggy example fails the tests its bug
breaks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "examples"))
import build_submissions

from tests.reference_run import run_reference_tests

SUBMISSIONS = REPO_ROOT / "examples" / "submissions"

# Exactly the test functions each example fails.
EXPECTED_FAILURES = {
    "reference": set(),
    "keep_as_drop": {
        "test_dropout_forward_train_statistics",
        "test_train_loss_drops_units_after_each_hidden_relu",
    },
    "no_rescale": {
        "test_dropout_forward_train_statistics",
        "test_train_loss_drops_units_after_each_hidden_relu",
    },
    "momentum_state_lost": {
        "test_sgd_momentum_matches_course_arrays",
        "test_sgd_momentum_three_steps_by_hand",
        "test_state_is_stored_in_config",
    },
}


def test_examples_are_up_to_date(tmp_path: Path) -> None:
    build_submissions.main(tmp_path)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in SUBMISSIONS.iterdir())
    for name in built:
        assert (tmp_path / name).read_bytes() == (SUBMISSIONS / name).read_bytes(), (
            f"examples/submissions/{name} is stale: run `make examples`"
        )


def test_every_example_has_an_expectation() -> None:
    assert {e.name for e in build_submissions.EXAMPLES} == set(EXPECTED_FAILURES)


def failing_tests(submission: Path, tmp_path: Path) -> set[str]:
    outcomes = run_reference_tests(str(submission), tmp_path)
    return {name.split("::")[-1].split("[")[0] for name, failed in outcomes.items() if failed}


@pytest.mark.parametrize("name", sorted(EXPECTED_FAILURES))
def test_example_fails_exactly_where_its_bug_is(name: str, tmp_path: Path) -> None:
    failed = failing_tests(SUBMISSIONS / f"{name}.zip", tmp_path)
    assert failed == EXPECTED_FAILURES[name]
