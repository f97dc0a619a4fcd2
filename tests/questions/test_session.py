"""The TA's interactive session (``questions grade``), driven end to end by
scripts of keystrokes on a gradebook imported from a folder of notebooks."""

from __future__ import annotations

import csv
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from grader import REPO_ROOT
from grader.cli import main
from grader.questions import gradebook, session
from tests.questions.test_extract import MARKED_Q, notebook
from tests.questions.test_gradebook import Q1, class_of

Line = str | Callable[[], str]


class Script:
    """Keystrokes for a session: each prompt takes the next line (a function
    is called first, to act between two prompts); EOF when they run out."""

    def __init__(self, *lines: Line) -> None:
        self.lines = list(lines)
        self.out: list[str] = []

    def ask(self, prompt: str) -> str:
        self.out.append(prompt)
        if not self.lines:
            raise EOFError
        line = self.lines.pop(0)
        typed = line() if callable(line) else line
        self.out[-1] += typed
        return typed

    def say(self, text: str) -> None:
        self.out.append(text)

    @property
    def console(self) -> session.Console:
        return session.Console(self.ask, self.say)

    @property
    def text(self) -> str:
        return "\n".join(self.out)

    def headers(self) -> list[str]:
        """The groups shown, in order."""
        return [line.split("]")[0][4:] for line in self.out if line.startswith("-- [")]


def grade(db: Path, *lines: Line, grader: str = "ana", page: int = 10) -> Script:
    script = Script(*lines)
    assert session.run(db, Q1, grader=grader, console=script.console, page=page) == 0
    return script


def write_class(folder: Path, books: dict[str, bytes]) -> None:
    folder.mkdir()
    for student, content in books.items():
        (folder / f"{student}.ipynb").write_bytes(content)


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A gradebook imported from a folder of 30 notebooks. Dropout_no_rescale
    falls into six groups: [train_shrinks+test_mismatch] (9, scored by the
    rubric), [wrong] (7), [train_shrinks] (5), [none of the key points] (4),
    [test_mismatch] (3), [unanswered] (2, 0 points without a TA)."""
    write_class(tmp_path / "class", class_of(30))
    path = tmp_path / "gradebook.sqlite"
    assert main(["questions", "import", str(tmp_path / "class"), "--db", str(path)]) == 0
    assert "30 submissions" in capsys.readouterr().out
    return path


def members(db: Path, key: str) -> list[gradebook.Member]:
    with gradebook.connect(db) as con:
        return gradebook.members(con, Q1, key)


def tally(db: Path) -> gradebook.Tally:
    with gradebook.connect(db) as con:
        return gradebook.tally(con, Q1)


def test_session_two_sittings_override_and_export(db: Path, tmp_path: Path) -> None:
    first = grade(db, "0 says the wrong direction", "1", "and at test time?", "q")
    assert "What goes wrong?" in first.text  # the question as the notebooks ask it
    assert "train_shrinks (1): In training the expected output" in first.text  # the rubric
    assert "30 answers in 6 groups; 4 of 6 groups left to grade" in first.text
    # Largest first; the groups scored without a TA are not shown.
    assert first.headers() == ["wrong", "train_shrinks", "none of the key points"]
    # Every student's whole answer, numbered, with what the rubric found wrong.
    for m in members(db, "wrong"):
        assert m.text in first.text
    assert "  7. student27" in first.text
    assert "! rubric: says nothing would go wrong" in first.text
    assert "rubric: found train_shrinks; missing test_mismatch" in first.text
    assert "suggested 1 of 2" in first.text
    assert "saved: 7 students of [wrong] scored 0" in first.text
    assert "23 of 30 students scored (12 by a TA, 9 by the rubric, 2 with no answer); 7 left" in (
        first.text
    )
    assert "saved; run the same command to continue: python -m grader questions grade" in (
        first.text
    )

    # Re-opened: the first group still unscored; one student overridden, then the rest.
    special = members(db, "none of the key points")[1]
    second = grade(db, "o", "2", "1.5", "close enough", "0", "", "1 half: and in training?")
    assert second.headers() == ["none of the key points", "test_mismatch"]
    assert "2 of 6 groups left" in second.text
    assert f"saved: {special.student} 1.5 (an override" in second.text
    assert "saved: 3 students of [none of the key points] scored 0; 1 override kept" in second.text
    assert "30 of 30 students scored (19 by a TA, 9 by the rubric, 2 with no answer); 0 left" in (
        second.text
    )
    assert f"next: python -m grader questions export scores.csv --db {db}" in second.text

    third = grade(db)  # nothing left: the summary only
    assert third.headers() == [] and "0 of 6 groups left" in third.text

    out = tmp_path / "scores.csv"
    assert main(["questions", "export", str(out), "--db", str(db)]) == 0
    with out.open(encoding="utf-8") as f:
        table = {row["student"]: row for row in csv.DictReader(f)}
    assert len(table) == 30
    expected = {"wrong": "0.0", "train_shrinks": "1.0", "test_mismatch": "1.0"}
    expected |= {"train_shrinks+test_mismatch": "2.0", "unanswered": "0.0"}
    for key, points in expected.items():
        assert all(table[m.student][Q1] == points for m in members(db, key)), key
    assert table[special.student][Q1] == "1.5"
    assert table[special.student][f"{Q1} comment"] == "close enough"
    rest = [m for m in members(db, "none of the key points") if m.student != special.student]
    assert {table[m.student][Q1] for m in rest} == {"0.0"}
    assert {m.grader for m in members(db, "test_mismatch")} == {"ana"}
    assert {table[m.student][f"{Q1} comment"] for m in members(db, "test_mismatch")} == {
        "half: and in training?"
    }
    assert {table[m.student][f"{Q1} comment"] for m in members(db, "train_shrinks")} == {
        "and at test time?"
    }


def test_session_refuses_invalid_input(db: Path) -> None:
    script = grade(db, "xyz", "", "3", "-1", "nan", "b", "?", "o", "99", "", "o", "1", "9", "", "q")
    lines = script.out
    assert "'xyz' is not a command. Type points (0-2), o, all, s, b, q, or ? for help." in lines
    assert "Type points (0-2), o, all, s, b, q, or ? for help." in lines
    assert "3 points is out of range: give 0-2" in lines
    assert "-1 points is out of range: give 0-2" in lines
    assert "'nan' is not a command. Type points (0-2), o, all, s, b, q, or ? for help." in lines
    assert "no group before this one in this session" in lines
    assert session.HELP in lines
    assert "'99': give an answer's number (1-7) or a student of this group" in lines
    assert "9 points is out of range: give 0-2" in lines
    assert script.headers() == ["wrong"]  # every refusal asked again, at the same group
    assert tally(db).by_ta == 0


def test_session_skip_back_and_paging(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    books = class_of(30)
    same = "Dropout is a regularizer that prevents overfitting."
    for i, spacing in enumerate(("  ", "\n", " ")):  # the same answer, typed differently
        cell = f"<!-- answer: {Q1} -->\n**Your Answer:** {same.replace(' ', spacing, 1)}"
        books[f"late{i}"] = notebook(("markdown", MARKED_Q), ("markdown", cell))
    write_class(tmp_path / "class", books)
    db = tmp_path / "gb.sqlite"
    assert main(["questions", "import", str(tmp_path / "class"), "--db", str(db)]) == 0

    script = grade(db, "all", "o", "1", "late1", "2", "", "s", "b", "1", "", "1", "", page=2)
    # [none of the key points] (7 students, four answers alike) and [wrong] (7), two at a time.
    assert script.out.index("  1. x4  late0, late1, late2, student10") < script.out.index(
        "  ... and 2 more, type `all` to see them"
    )
    assert f"     {same}" in script.out  # the four answers once
    assert "  4. student24" in script.out  # after `all`
    assert "  ... and 5 more, type `all` to see them" in script.out
    # Answer 1 is four students': the override asks which of them.
    assert "answer 1 is 4 students' (late0, late1, late2, student10)" in script.out
    assert "saved: late1 2 (an override: group scores leave it)" in script.out
    assert "saved: 6 students of [none of the key points] scored 1; 1 override kept" in script.out
    assert "skipped [none of the key points]; it stays unscored" in script.out
    # b returns to the skipped group; scoring it goes on to the next group still unscored.
    none, wrong = "none of the key points", "wrong"
    assert script.headers() == [none, wrong, none, wrong, "train_shrinks"]
    assert {m.points for m in members(db, "wrong")} == {1.0}
    assert [m.points for m in members(db, "none of the key points")] == [1, 2, 1, 1, 1, 1, 1]


def test_session_eof_or_ctrl_c_midway_loses_nothing(db: Path) -> None:
    script = grade(db, "0", "", "1")  # EOF at the comment prompt of the second group
    assert script.out[-1] == (
        "saved; run the same command to continue: "
        f"python -m grader questions grade {Q1} --db {db} --grader ana"
    )
    assert {m.points for m in members(db, "wrong")} == {0.0}
    assert {m.points for m in members(db, "train_shrinks")} == {None}

    def interrupt() -> str:
        raise KeyboardInterrupt

    script = Script("2", "", interrupt)
    assert session.run(db, Q1, grader="bo", console=script.console) == 130
    assert script.headers() == ["train_shrinks", "none of the key points"]
    assert "saved; run the same command to continue" in script.out[-1]
    assert {m.points for m in members(db, "train_shrinks")} == {2.0}
    assert tally(db).left == 7


def test_session_passes_over_a_group_another_process_scored(db: Path) -> None:
    def other_ta() -> str:
        """Bo, in another process, scores the next group while Ana reads this one."""
        command = ["questions", "score", Q1, "train_shrinks", "2", "--db", str(db)]
        done = subprocess.run(
            [sys.executable, "-m", "grader", *command, "--grader", "bo"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "5 students of [train_shrinks] scored 2" in done.stdout
        return "0"

    script = grade(db, other_ta, "q")
    assert script.headers() == ["wrong", "none of the key points"]
    assert {(m.points, m.grader) for m in members(db, "train_shrinks")} == {(2.0, "bo")}


class Remote:
    """A session in a thread of its own (its own connection), driven one line
    at a time: the test sees each prompt before it answers."""

    def __init__(self, db: Path, grader: str) -> None:
        self.prompts: queue.Queue[str] = queue.Queue()
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.out: list[str] = []
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self.run, args=(db, grader))
        self.thread.start()

    def run(self, db: Path, grader: str) -> None:
        try:
            session.run(db, Q1, grader=grader, console=session.Console(self.ask, self.out.append))
        except BaseException as exc:
            self.failure = exc

    def ask(self, prompt: str) -> str:
        self.prompts.put(prompt)
        line = self.lines.get(timeout=20)
        if line is None:
            raise EOFError
        return line

    def type(self, line: str) -> str:
        """Type a line; the next prompt."""
        self.lines.put(line)
        return self.expect()

    def expect(self) -> str:
        return self.prompts.get(timeout=10)

    def close(self) -> str:
        """Ctrl-D; what the session wrote."""
        self.lines.put(None)
        self.thread.join(timeout=10)
        assert self.failure is None, self.failure
        return "\n".join(self.out)


def test_session_two_tas_interleaved_on_one_file(db: Path) -> None:
    ana, bo = Remote(db, "ana"), Remote(db, "bo")
    try:
        assert ana.expect().startswith("[wrong]") and bo.expect().startswith("[wrong]")
        assert ana.type("0") == "comment (enter for none): "
        assert ana.type("wrong direction").startswith("[train_shrinks]")
        # Bo had [wrong] on screen while Ana scored it: told, not overwritten silently.
        assert bo.type("1").startswith("[wrong]")
        assert "meanwhile ana gave 7 students 0; type the points again" in bo.out[-1]
        assert bo.type("s").startswith("[train_shrinks]")  # read again: [wrong] is done

        # Bo overrides a student of the group both have on screen; Ana's score spares it.
        special = members(db, "train_shrinks")[0].student
        assert bo.type("o").startswith("override which answer?")
        assert bo.type("1") == f"points for {special} (0-2): "
        assert bo.type("2") == "comment (enter for none): "
        assert bo.type("complete after all").startswith("[train_shrinks]")
        assert ana.type("1").startswith("[train_shrinks]")
        assert "meanwhile bo gave 1 student 2 (an override)" in ana.out[-1]
        assert ana.type("1") == "comment (enter for none): "
        assert ana.type("").startswith("[none of the key points]")
        assert "saved: 4 students of [train_shrinks] scored 1; 1 override kept" in ana.out
    finally:
        ana_text, bo_text = ana.close(), bo.close()
    for text in (ana_text, bo_text):
        assert "saved; run the same command to continue" in text
    scores = {m.student: (m.points, m.grader, m.source) for m in members(db, "train_shrinks")}
    assert scores.pop(special) == (2.0, "bo", "student")
    assert set(scores.values()) == {(1.0, "ana", "group")}
    assert {(m.points, m.grader) for m in members(db, "wrong")} == {(0.0, "ana")}


def test_session_from_piped_stdin_and_its_errors(db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "grader", "questions", "grade", *args],
            cwd=REPO_ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
        )

    done = cli(Q1, "--db", str(db), stdin="0\nwrong direction\n5\n1\n\n")
    assert done.returncode == 0, done.stderr
    # Each line read is echoed after its prompt, so the output reads like the session.
    assert "(suggested 0), o, all, s, b, q, ? > 0\ncomment (enter for none): wrong direction\n" in (
        done.stdout
    )
    assert "5 points is out of range: give 0-2" in done.stdout
    assert done.stdout.rstrip().endswith(f"grade {Q1} --db {db}")
    assert {m.points for m in members(db, "train_shrinks")} == {1.0}

    unknown = cli("no_such_question", "--db", str(db))
    assert unknown.returncode == 2
    assert f"no answers to no_such_question in {db}; it has {Q1}" in unknown.stdout
    missing = cli(Q1, "--db", str(tmp_path / "nothing.sqlite"))
    assert missing.returncode == 2 and "python -m grader questions import DIR" in missing.stderr
    assert not (tmp_path / "nothing.sqlite").exists()


def test_session_counts_one_answer_in_one_group(tmp_path: Path) -> None:
    write_class(tmp_path / "class", dict(list(class_of(1).items())))
    path = tmp_path / "gradebook.sqlite"
    assert main(["questions", "import", str(tmp_path / "class"), "--db", str(path)]) == 0
    text = grade(path, "q").text
    assert "1 answer in 1 group; " in text and " of 1 group left to grade" in text, text
