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
