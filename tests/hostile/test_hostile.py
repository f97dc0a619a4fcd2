"""Every hostile submission of tests/hostile/attacks, graded end to end in the
bubblewrap sandbox: it gains no points it did not earn, the host is
untouched, grading goes on, and what the sandbox contained is in the report.

The attacks of one group share one grade (see conftest.graded); each test
below asserts one promise for one attack."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.hostile.attacks import ATTACKS, FILE_OF, Attack
from tests.hostile.conftest import GradeGroup
from tests.hostile.runner import demonstrate


def _params(attacks: tuple[Attack, ...] | list[Attack]) -> list[object]:
    return [pytest.param(a, id=a.name, marks=[pytest.mark.slow] if a.slow else []) for a in attacks]


ALL = _params(ATTACKS)
GRADED = _params([a for a in ATTACKS if not a.rejected])


def test_hostile_suite_covers_enough_attacks_in_clean_groups() -> None:
    assert len(ATTACKS) >= 25
    groups: dict[str, list[Attack]] = {}
    for attack in ATTACKS:
        groups.setdefault(attack.group_name, []).append(attack)
    for name, members in groups.items():
        if len(members) == 1:
            continue
        places = Counter(a.where for a in members if a.where != "<import>")
        assert all(n == 1 for n in places.values()), f"{name}: two attacks in one function"
        assert all(a.archive is None and not a.rejected for a in members), name
        assert len({a.honest for a in members if a.honest} | {()}) <= 2, name
        assert all(a.where in FILE_OF or a.where == "<import>" for a in members), name


@pytest.mark.parametrize("attack", ALL)
def test_hostile_gains_no_points(attack: Attack, graded: GradeGroup) -> None:
    run = graded(attack.group_name)
    report = run.report
    if attack.rejected:
        assert re.search(attack.rejected, run.rejection), run.rejection
        assert report.checks and all(c.points == 0 for c in report.checks)
        assert report.score == 0
        return
    assert not run.rejection, run.rejection
    assert report.isolation == "bwrap"
    baseline = {c.id: c for c in run.baseline.checks}
    targeted = [c for c in report.checks if attack.targets(c.id)]
    assert targeted, f"the grade ran none of the checks {attack.checks!r}"
    assert {c.id for c in report.checks} == set(baseline)
    for c in report.checks:
        earned = baseline[c.id]
        assert c.points <= earned.points, f"{c.id}: {c.points} > {earned.points} earned"
    for c in targeted:
        earned = baseline[c.id]
        if attack.rule == "zero":
            assert c.points == 0 and c.outcome in ("failed", "error"), (c.id, c.message)
        else:
            assert (c.outcome, c.points) == (earned.outcome, earned.points), (c.id, c.message)
    if attack.rule == "zero":  # the attack's checks were worth something honestly
        assert sum(baseline[c.id].points for c in targeted) > 0 or attack.honest
    assert report.score <= run.baseline.score


@pytest.mark.parametrize("attack", ALL)
def test_hostile_leaves_the_host_untouched(attack: Attack, graded: GradeGroup) -> None:
    run = graded(attack.group_name)
    assert run.damage == [], run.damage
    assert run.strays == [], run.strays  # nothing with the attack's marker still runs
    assert run.leftovers == [], run.leftovers  # the grade's temporary files are gone
    assert run.connections == 0
    assert not run.context.create.exists()
    assert run.context.sentinel.read_text() == "the host's file, as it was\n"


@pytest.mark.parametrize("attack", ALL)
def test_hostile_grading_goes_on(attack: Attack, graded: GradeGroup) -> None:
    run = graded(attack.group_name)
    assert run.report.checks  # a report, whatever the submission did
    honest = run.honest
    assert honest.isolation == "bwrap"
    assert honest.checks and all(c.outcome == "passed" for c in honest.checks), [
        (c.id, c.message) for c in honest.checks if c.outcome != "passed"
    ]
    assert honest.score == honest.max_score > 0
    assert honest.events == ()


@pytest.mark.parametrize("attack", _params([a for a in ATTACKS if a.contained]))
def test_hostile_containment_is_recorded(attack: Attack, graded: GradeGroup) -> None:
    run = graded(attack.group_name)
    said = [*run.report.events, *(c.message for c in run.report.checks if attack.targets(c.id))]
    assert any(re.search(attack.contained, text) for text in said), said


@pytest.mark.parametrize("attack", _params([a for a in ATTACKS if a.ran or a.rejected]))
def test_hostile_attack_really_ran(attack: Attack, graded: GradeGroup) -> None:
    """Proof the attack was attempted: what it printed, or what the grader saw it do."""
    run = graded(attack.group_name)
    if attack.rejected:  # the grader read the hostile entry and refused it
        assert run.rejection
        return
    report = run.report
    seen = "\n".join([report.output, *report.events, *(c.message for c in report.checks)])
    found = re.findall(attack.ran, seen)
    assert len(found) >= attack.ran_count, (attack.ran, seen[:3000])


@pytest.mark.parametrize("attack", _params([a for a in ATTACKS if a.extra]))
def test_hostile_specifics(attack: Attack, graded: GradeGroup) -> None:
    assert attack.extra is not None
    attack.extra(graded(attack.group_name), attack)


@pytest.mark.parametrize("attack", _params([a for a in ATTACKS if a.unsandboxed]))
def test_hostile_attack_would_do_damage_unsandboxed(attack: Attack, tmp_path: Path) -> None:
    """Without the sandbox the same code damages throwaway copies of the host's things."""
    assert demonstrate(attack, tmp_path), "the attack did nothing even without a sandbox"
