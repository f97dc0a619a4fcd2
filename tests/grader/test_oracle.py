"""grader.oracle: expected answers computed in the instructors' grader,
recorded by the release builder and replayed, as data only, by the student
release; a call it has no answer for is 'not available', never a failure."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from grader import oracle, reference_root
from grader.grade import run
from grader.oracle import NotRecordedError
from tests.grader.conftest import MakeSubmission

SEED = 5


def test_expect_computes_the_named_oracle_on_copies() -> None:
    w, dw = np.ones((2, 3)), np.full((2, 3), 2.0)
    next_w, config = oracle.expect("optim.step", "sgd", w, dw, None)
    assert np.array_equal(next_w, 1 - 1e-2 * dw) and config == {"learning_rate": 1e-2}
    assert np.array_equal(w, np.ones((2, 3)))  # sgd updates in place: its copy only


def test_an_unknown_oracle_lists_the_valid_names() -> None:
    with pytest.raises(KeyError, match=r"optim\.step"):
        oracle.expect("optim.nesterov", np.ones(1))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((1, 2), [1, 2]),
        (1, 1.0),
        (0.0, -0.0),
        (np.zeros(3), np.zeros(3, dtype=np.float32)),
        (np.zeros((2, 3)), np.zeros((3, 2))),
        ({"a": 1}, {"b": 1}),
        (None, 0),
        (True, 1),
    ],
)
def test_the_digest_tells_apart_what_a_check_could_tell_apart(a: object, b: object) -> None:
    assert oracle.digest("x", (a,), {}) != oracle.digest("x", (b,), {})
    assert oracle.digest("x", (a,), {}) == oracle.digest("x", (a,), {})


def test_the_digest_refuses_what_no_recording_can_hold() -> None:
    with pytest.raises(TypeError):
        oracle.digest("x", (object(),), {})
    with pytest.raises(TypeError):
        oracle.digest("x", (np.array([object()]),), {})


def test_saved_answers_load_bit_exact_and_the_file_is_reproducible(tmp_path: Path) -> None:
    value = {
        "loss": -0.0,
        "odd": (math.nan, math.inf, 0.1 + 0.2),
        "grads": {"W1": np.arange(6.0).reshape(2, 3) / 7, "b1": np.float32([1.5])},
        "list": [1, True, None, "text", np.int64(3), np.array(2.5)],
    }
    answers = oracle.Answers({"k": value})
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    oracle.save(answers, first)
    oracle.save(answers, second)
    assert first.read_bytes() == second.read_bytes()
    got = oracle.load(first).values["k"]
    assert got["loss"] == 0.0 and math.copysign(1, got["loss"]) == -1
    assert isinstance(got["odd"], tuple) and math.isnan(got["odd"][0])
    assert got["odd"][1:] == (math.inf, 0.1 + 0.2)
    assert got["grads"]["W1"].tobytes() == value["grads"]["W1"].tobytes()  # type: ignore[index]
    assert got["grads"]["b1"].dtype == np.float32
    assert got["list"][:4] == [1, True, None, "text"]
    assert type(got["list"][4]) is np.int64 and got["list"][5].shape == ()


def test_replay_answers_the_recorded_calls_and_no_others() -> None:
    w, dw = np.ones(4), np.arange(4.0)
    with oracle.recording() as answers:
        want = oracle.expect("optim.step", "rmsprop", w, dw, None)
    assert len(answers) == 1 and not oracle.offline()
    with oracle.replaying(answers):
        assert oracle.offline()
        got = oracle.expect("optim.step", "rmsprop", w.copy(), dw.copy(), None)
        assert np.array_equal(got[0], want[0])
        got[0][:] = 0  # the caller's copy: the recording is unchanged
        assert np.array_equal(oracle.expect("optim.step", "rmsprop", w, dw, None)[0], want[0])
        with pytest.raises(NotRecordedError, match="not available in the self-check"):
            oracle.expect("optim.step", "rmsprop", w, dw + 1e-12, None)


@pytest.fixture(scope="module")
def recorded() -> oracle.Answers:
    """The answers of a grade of the reference at SEED."""
    with oracle.recording() as answers:
        run(reference_root(), seed=SEED, isolation="none")
    return answers


def test_a_replayed_grade_of_the_reference_is_the_computed_one(recorded: oracle.Answers) -> None:
    computed, _ = run(reference_root(), seed=SEED, isolation="none")
    with oracle.replaying(recorded):
        replayed, _ = run(reference_root(), seed=SEED, isolation="none")
    assert [(c.id, c.outcome) for c in replayed.checks] == [
        (c.id, c.outcome) for c in computed.checks
    ]
    assert replayed.score == computed.score == computed.max_score


def test_at_other_inputs_the_checks_that_need_answers_are_not_available(
    recorded: oracle.Answers,
) -> None:
    with oracle.replaying(recorded):
        report, _ = run(reference_root(), seed=SEED + 1, isolation="none")
    outcomes = {c.id: c.outcome for c in report.checks}
    assert "failed" not in outcomes.values() and "error" not in outcomes.values()
    for check_id in ("layers.affine_forward", "fc_net.loss", "optim.adam.one_step"):
        assert outcomes[check_id] == "skipped"
    unavailable = [c for c in report.checks if c.outcome == "skipped"]
    assert all(c.message == oracle.UNAVAILABLE and not c.diagnoses for c in unavailable)
    # Statistical checks and checks of the student's own consistency need no answer.
    assert outcomes["dropout_forward.keep_fraction"] == outcomes["dropout_backward.train"]
    assert outcomes["dropout_forward.keep_fraction"] == "passed"
    assert report.max_score < 54


def test_masks_unlike_the_reference_make_the_net_dropout_checks_unavailable(
    recorded: oracle.Answers, make_submission: MakeSubmission
) -> None:
    """A correct dropout that draws its masks otherwise: the net's expected
    answers depend on the student's masks, which the recording cannot know."""
    own_draw = (
        "layers.py",
        "        mask = (np.random.rand(*x.shape) < p) / p\n",
        "        mask = (1 - np.random.rand(*x.shape) < p) / p\n",
    )
    with oracle.replaying(recorded):
        report, _ = run(make_submission(own_draw), seed=SEED, isolation="none")
    outcomes = {c.id: c.outcome for c in report.checks}
    assert outcomes["fc_net.dropout_train"] == outcomes["fc_net.dropout_test"] == "skipped"
    assert outcomes["fc_net.gradients"] == outcomes["dropout_forward.scaling"] == "passed"
    assert set(outcomes.values()) == {"passed", "skipped"}
