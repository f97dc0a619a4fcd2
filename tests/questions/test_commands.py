"""The TA's commands, end to end on a folder of submissions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.cli import main
from tests.questions.test_gradebook import Q1, class_of


def test_questions_commands_import_group_score_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for student, content in class_of(30).items():
        (folder / f"{student}.ipynb").write_bytes(content)
    (folder / "notes.ipynb").write_text("{broken")
    db = str(tmp_path / "gb.sqlite")

    assert main(["questions", "import", str(folder), "--db", db]) == 0
    out, err = capsys.readouterr()
    assert "30 submissions" in out and "notes.ipynb" in err

    assert main(["questions", "groups", Q1, "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "[unanswered] 2 students, 2 scored" in listing
    assert (
        main(["questions", "score", Q1, "train_shrinks", "1", "--db", db, "--grader", "ana"]) == 0
    )
    assert "scored 1" in capsys.readouterr().out
    assert main(["questions", "override", Q1, "student03", "2", "--db", db]) == 0
    assert main(["questions", "score", Q1, "no such group", "1", "--db", db]) == 2

    out_csv = tmp_path / "q.csv"
    assert main(["questions", "export", str(out_csv), "--db", db]) == 0
    with out_csv.open(encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert len(rows) == 30 and rows["student03"][Q1] == "2.0"


def test_questions_import_takes_the_entries_a_batch_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pipe named .zip (before: the import waited on it for ever), a link,
    a name that is not UTF-8: each skipped with its reason; the rest imported
    under the batch's student names."""
    import os
    import shutil

    from grader import REPO_ROOT

    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "examples" / "submissions" / "reference.zip", folder / "ada.zip")
    os.mkfifo(folder / "pipe.zip")
    (folder / "link.zip").symlink_to(folder / "ada.zip")
    (folder / os.fsdecode(b"b\xffd.ipynb")).write_bytes(class_of(1)["student00"])
    db = str(tmp_path / "gb.sqlite")
    assert main(["questions", "import", str(folder), "--db", db]) == 0
    out, err = capsys.readouterr()
    assert "1 submissions" in out
    assert "skipped pipe.zip: not a submission" in err
    assert "skipped link.zip: a symbolic link" in err
    assert "skipped b\ufffdd.ipynb: its name is not UTF-8 text" in err
    assert main(["questions", "export", str(tmp_path / "s.csv"), "--db", db]) == 0
    with (tmp_path / "s.csv").open(encoding="utf-8") as f:
        assert [r["student"] for r in csv.DictReader(f)] == ["ada"]


def test_questions_scores_outside_the_question_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: override gave a student -5 points, or a score for a student or
    question the gradebook does not have, and the export carried them."""
    folder = tmp_path / "class"
    folder.mkdir()
    for student, content in class_of(6).items():
        (folder / f"{student}.ipynb").write_bytes(content)
    db = str(tmp_path / "gb.sqlite")
    assert main(["questions", "import", str(folder), "--db", db]) == 0
    before = tmp_path / "before.csv"
    assert main(["questions", "export", str(before), "--db", db]) == 0
    capsys.readouterr()
    refused = [
        (["score", Q1, "train_shrinks", "-1"], "-1 points is out of range"),
        (["score", Q1, "train_shrinks", "99"], "99 points is out of range"),
        (["score", Q1, "train_shrinks", "nan"], "nan points is out of range"),
        (["override", Q1, "student01", "-5"], "-5 points is out of range"),
        (["override", Q1, "nobody", "1"], "no student 'nobody' in the gradebook"),
        (["override", "no_such_question", "student01", "1"], "no answers to no_such_question"),
        (["score", Q1, "no such group", "1"], "no group [no such group]"),
    ]
    for argv, said in refused:
        assert main(["questions", *argv, "--db", db]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and said in err, (argv, err)
    after = tmp_path / "after.csv"
    assert main(["questions", "export", str(after), "--db", db]) == 0
    assert after.read_text() == before.read_text()  # nothing refused reached the export
    assert main(["questions", "override", Q1, "student01", "1.5", "--db", db]) == 0
    assert main(["questions", "export", str(after), "--db", db]) == 0
    with after.open(encoding="utf-8") as f:
        assert {r["student"]: r[Q1] for r in csv.DictReader(f)}["student01"] == "1.5"
