"""Each layer check and misconception: it fails (and names the mistake) on a
submission with the bug, passes on the reference, and reports the
template's functions as not implemented. Bugs that do not get in each
other's way share a submission, one grade for several."""

from __future__ import annotations

import pytest

from grader import REPO_ROOT, template_root
from grader.grade import grade, run
from grader.registry import MISCONCEPTIONS
from grader.report import GradeReport
from tests.grader.conftest import MakeSubmission

LAYER_CHECKS = {
    "layers.affine_forward",
    "layers.affine_backward",
    "layers.relu",
    "layers.softmax_loss",
    "layers.softmax_stable",
    "layers.cache",
    "layers.no_side_effects",
}
CODES = {
    "AFFINE_DB_MEAN",
    "AFFINE_DX_NOT_RESHAPED",
    "AFFINE_NO_RESHAPE",
    "SOFTMAX_UNSTABLE",
    "SOFTMAX_NOT_AVERAGED",
}

# name -> (changes to layers.py, exactly the checks that fail, the misconceptions
# named, {check: what its message says})
GROUPS = {
    "db mean, flat dx, unstable softmax, relu in place": (
        [
            ("    db = dout.sum(axis=0)\n", "    db = dout.mean(axis=0)\n"),
            ("    dx = (dout @ w.T).reshape(x.shape)\n", "    dx = dout @ w.T\n"),
            ("    shifted = x - x.max(axis=1, keepdims=True)\n", "    shifted = x\n"),
            ("    out = np.maximum(x, 0)\n", "    np.maximum(x, 0, out=x)\n    out = x\n"),
        ],
        {"layers.affine_backward", "layers.softmax_stable", "layers.no_side_effects"},
        {"AFFINE_DB_MEAN", "AFFINE_DX_NOT_RESHAPED", "SOFTMAX_UNSTABLE"},
        {
            "layers.affine_backward": "dx should have shape (8, 4, 5)",
            "layers.softmax_stable": "overflows",
            "layers.no_side_effects": "relu_forward changed its argument x",
        },
    ),
    "x not flattened, softmax summed, relu without dout": (
        [
            (
                "    flat = x.reshape(x.shape[0], -1)\n    out = flat @ w + b\n",
                "    out = x @ w + b\n",
            ),
            (
                "    loss = -log_probs[np.arange(n), y].mean()\n",
                "    loss = -log_probs[np.arange(n), y].sum()\n",
            ),
            ("    dx /= n\n", ""),
            ("    dx = dout * (x > 0)\n", "    dx = (x > 0) * 1.0\n"),
        ],
        # The forward pass fails, so the checks that need its answer fail too.
        {
            "layers.affine_forward",
            "layers.cache",
            "layers.no_side_effects",
            "layers.softmax_loss",
            "layers.relu",
        },
        {"AFFINE_NO_RESHAPE", "SOFTMAX_NOT_AVERAGED"},
        {
            "layers.affine_forward": "raised ValueError",
            "layers.relu": "relu_backward's dx is wrong",
        },
    ),
    "flat x cached, bias forgotten": (
        [
            ("    cache = (x, w, b)\n", "    cache = (flat, w, b)\n"),
            ("    out = flat @ w + b\n", "    out = flat @ w\n"),
        ],
        {"layers.affine_forward", "layers.cache"},
        set(),
        {"layers.cache": "with the cache of your affine_forward, affine_backward's dx"},
    ),
}


def failed(report: GradeReport) -> set[str]:
    return {c.id for c in report.checks if c.outcome != "passed"}


def test_reference_passes_every_layer_check_and_shows_no_mistake() -> None:
    report, evidence = run(
        REPO_ROOT / "examples" / "submissions" / "reference.zip", keyword="layers"
    )
    assert {c.id for c in report.checks} == LAYER_CHECKS
    assert failed(report) == set()
    assert not [d for c in report.checks for d in c.diagnoses]
    # Not even asked, no detector of this part fires on a correct submission.
    assert not [code for code in CODES if MISCONCEPTIONS[code].detect(evidence)]


def test_every_misconception_of_the_layers_is_tested() -> None:
    tested = set().union(*(codes for _, _, codes, _ in GROUPS.values()))
    declared = {m.code for m in MISCONCEPTIONS.values() if m.checks[0].startswith("layers.")}
    assert tested == CODES == declared


@pytest.mark.parametrize("name", list(GROUPS))
def test_bugs_fail_their_checks_and_are_diagnosed(
    name: str, make_submission: MakeSubmission
) -> None:
    changes, must_fail, codes, messages = GROUPS[name]
    report = grade(
        make_submission(*[("layers.py", old, new) for old, new in changes]), keyword="layers"
    )
    assert failed(report) == must_fail
    named = {d.code for c in report.checks for d in c.diagnoses}
    assert codes <= named
    assert not named - codes, f"named wrongly: {named - codes}"
    by_id = {c.id: c for c in report.checks}
    for check_id, text in messages.items():
        assert text in by_id[check_id].message


def test_template_reports_every_layer_check_not_implemented() -> None:
    report = grade(template_root(), keyword="layers")
    assert {c.id for c in report.checks} == LAYER_CHECKS
    assert report.score == 0
    assert all(c.outcome == "error" and "not implemented" in c.message for c in report.checks)
