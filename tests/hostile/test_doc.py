"""docs/hostile.md lists exactly the attacks of tests/hostile/attacks."""

from __future__ import annotations

import re

from grader import REPO_ROOT
from tests.hostile.attacks import ATTACKS, doc

DOC = REPO_ROOT / "docs" / "hostile.md"


def test_doc_lists_every_attack_and_no_other() -> None:
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    in_code = [a.name for a in ATTACKS]
    assert sorted(set(listed) - set(in_code)) == [], "in docs/hostile.md, not in the suite"
    assert sorted(set(in_code) - set(listed)) == [], "in the suite, not in docs/hostile.md"
    assert len(listed) == len(set(listed)) == len(in_code)


def test_doc_is_the_suite_rendered() -> None:
    assert DOC.read_text(encoding="utf-8") == doc(), (
        "docs/hostile.md is out of date: python -m tests.hostile.attacks > docs/hostile.md"
    )


def test_every_attack_says_what_it_tries_how_it_is_stopped_and_what_the_report_shows() -> None:
    for attack in ATTACKS:
        assert attack.tries and attack.defence and attack.shows, attack.name
        assert attack.code or attack.archive, attack.name
