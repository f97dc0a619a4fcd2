"""A fast sample of the soundness run (make soundness sweeps 1000 seeds)."""

from __future__ import annotations

import sys

import pytest

from grader import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import soundness


def test_soundness_reference_sample_has_no_false_fail_and_no_detector_firing() -> None:
    _, tally = soundness._sweep((soundness.REFERENCE, 100, 110))
    assert tally.runs == 10 and tally.bad == 0, tally.examples


def test_soundness_catalogue_holds_every_tested_bug() -> None:
    cases = soundness.catalogue()
    assert len(cases) >= 35
    assert {"DROPOUT_P_AS_DROP", "ADAM_T_ORDER", "fc_net: dropout on scores"} <= set(cases)


def test_soundness_command_reports_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert soundness.main(["--seeds", "2", "--jobs", "1", "--only", "MASK_SHARED"]) == 0
    table = capsys.readouterr().out
    assert "DROPOUT_MASK_SHARED" in table and "0 bug runs with a missed" in table


def test_soundness_counts_a_false_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tally can fail: a buggy layer posing as the reference is caught."""
    cases = soundness.catalogue()
    posing = soundness.Case(
        soundness.REFERENCE, cases["DROPOUT_UNSCALED"].changes, frozenset(), frozenset(), "dropout"
    )
    monkeypatch.setattr(soundness, "catalogue", lambda: {soundness.REFERENCE: posing})
    _, tally = soundness._sweep((soundness.REFERENCE, 0, 1))
    assert tally.runs == 1 and tally.bad == 1
    assert any("false fail" in problem for problem in tally.examples)
