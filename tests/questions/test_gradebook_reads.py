"""What the gradebook tells an interactive session: a group's members with
their scores, where a question stands, and the question's text."""

from __future__ import annotations

from pathlib import Path

from grader.questions import gradebook
from tests.questions.test_extract import notebook
from tests.questions.test_gradebook import Q1, class_of, fill


def test_gradebook_members_tally_and_prompt(tmp_path: Path) -> None:
    db_path = tmp_path / "gb.sqlite"
    books = class_of(30)
    # One student edited the question's text; the text most notebooks have wins.
    edited = f"<!-- question: {Q1} -->\nmy own notes"
    books["student29"] = notebook(
        ("markdown", edited), ("markdown", f"<!-- answer: {Q1} -->\n**Your Answer:** hmm")
    )
    fill(db_path, books)
    with gradebook.connect(db_path) as db:
        assert gradebook.questions(db) == [Q1]
        assert gradebook.prompt(db, Q1) == "## Inline Question 1\n\nWhat goes wrong?"
        assert gradebook.prompt(db, "no_such_question") == ""
        assert gradebook.tally(db, Q1) == gradebook.Tally(
            students=30, by_ta=0, by_rubric=9, no_answer=2, left=19
        )

        wrong = gradebook.members(db, Q1, "wrong")
        assert [m.student for m in wrong] == sorted(m.student for m in wrong)
        assert all(m.points is None and m.source == "" for m in wrong)
        assert all(m.contradictions for m in wrong)
        gradebook.score_group(db, Q1, "wrong", 0.0, "wrong direction", "ana")
        gradebook.score_student(db, Q1, wrong[0].student, 0.5, "half", "bo")
        after = {m.student: m for m in gradebook.members(db, Q1, "wrong")}
        assert (after[wrong[0].student].points, after[wrong[0].student].source) == (0.5, "student")
        assert {(m.points, m.grader, m.comment) for m in list(after.values())[1:]} == {
            (0.0, "ana", "wrong direction")
        }
        assert gradebook.tally(db, Q1).by_ta == len(wrong)
