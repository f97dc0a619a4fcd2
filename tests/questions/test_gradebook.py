"""A TA grades Q1 of a class by groups, in two sittings, with a second TA
working at the same time; the scores survive and export."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.questions import gradebook
from grader.questions.extract import extract
from tests.questions.labelled import LABELLED
from tests.questions.test_extract import MARKED_Q, notebook

Q1 = "dropout_no_rescale"


def class_of(n: int) -> dict[str, bytes]:
    """n students' Dropout.ipynb, answers drawn from the labelled set; two unanswered."""
    texts = [text for _, text, *_ in LABELLED]
    books = {}
    for i in range(n):
        answer = "*fill this in*" if i % 15 == 7 else texts[i % len(texts)]
        cell = f"<!-- answer: {Q1} -->\n**Your Answer:** {answer}"
        books[f"student{i:02d}"] = notebook(("markdown", MARKED_Q), ("markdown", cell))
    return books


def fill(db_path: Path, books: dict[str, bytes]) -> None:
    with gradebook.connect(db_path) as db:
        for student, content in books.items():
            gradebook.add(db, student, list(extract(content, "Dropout.ipynb").answers))


def test_gradebook_group_flow_resumes_and_exports(tmp_path: Path) -> None:
    db_path = tmp_path / "gradebook.sqlite"
    fill(db_path, class_of(30))

    # Sitting 1: the largest groups first; score the first one, then stop.
    with gradebook.connect(db_path) as db:
        groups = gradebook.groups(db, Q1)
        assert sum(len(g.students) for g in groups) == 30
        assert [len(g.students) for g in groups] == sorted(
            (len(g.students) for g in groups), reverse=True
        )
        unanswered = next(g for g in groups if g.key == "unanswered")
        assert unanswered.scored == len(unanswered.students) == 2  # 0 points, automatically
        partial = next(g for g in groups if g.key == "train_shrinks")
        assert gradebook.score_group(
            db, Q1, partial.key, 1.0, "half: and at test time?", "ta1"
        ) == len(partial.students)

    # A second TA, meanwhile, overrides one student of that group.
    special = partial.students[0]
    with gradebook.connect(db_path) as other:
        gradebook.score_student(other, Q1, special, 1.5, "close enough", "ta2")

    # Sitting 2: the first group is done; regrading it spares the override.
    with gradebook.connect(db_path) as db:
        again = {g.key: g for g in gradebook.groups(db, Q1)}
        assert again["train_shrinks"].scored == len(partial.students)
        gradebook.score_group(db, Q1, "train_shrinks", 0.5, "regraded", "ta1")
        for group in gradebook.groups(db, Q1):
            if group.scored < len(group.students):
                gradebook.score_group(db, Q1, group.key, group.suggested, "by group", "ta1")
        assert all(g.scored == len(g.students) for g in gradebook.groups(db, Q1))
        rows = gradebook.export_csv(db, tmp_path / "q.csv")
    assert rows == 30

    with (tmp_path / "q.csv").open(encoding="utf-8") as f:
        table = {row["student"]: row for row in csv.DictReader(f)}
    assert table[special][Q1] == "1.5" and table[special][f"{Q1} comment"] == "close enough"
    others = [s for s in partial.students if s != special]
    assert all(table[s][Q1] == "0.5" for s in others)
    assert table["student07"][Q1] == "0.0"


def test_gradebook_reimport_keeps_scores(tmp_path: Path) -> None:
    db_path = tmp_path / "gradebook.sqlite"
    books = class_of(3)
    fill(db_path, books)
    with gradebook.connect(db_path) as db:
        gradebook.score_student(db, Q1, "student01", 2.0, "great", "ta1")
    fill(db_path, books)  # the batch ran again
    with gradebook.connect(db_path) as db:
        points = db.execute(
            "SELECT points, comment FROM scores WHERE student = 'student01'"
        ).fetchone()
    assert points == (2.0, "great")


def test_export_defuses_formulas_in_names_and_comments(tmp_path: Path) -> None:
    db_path = tmp_path / "g.sqlite"
    fill(db_path, {'=HYPERLINK("x")': class_of(1)["student00"]})
    with gradebook.connect(db_path) as db:
        gradebook.score_student(db, Q1, '=HYPERLINK("x")', 1.0, "+cmd|' /C calc'!A0", "ta")
        gradebook.export_csv(db, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[1][0] == '\'=HYPERLINK("x")'
    assert rows[1][2] == "'+cmd|' /C calc'!A0"
