"""``python -m grader questions grade QUESTION --db FILE``: one TA grades one
question across the class in the terminal, a group of similar answers at a
time.

The session shows the question, then every group not yet fully scored,
largest first: what the rubric found, the suggested points, and every
student's whole answer (identical answers once, with a count). At the
prompt the TA types points for the group (then a comment), or a command
(``HELP`` lists them). Each score is its own transaction (gradebook.py), so
``q``, Ctrl-D and Ctrl-C lose nothing, and the same command resumes at the
first group still unscored.

Two TAs can grade the same file at once: the groups are read again before
each one is shown, so a group someone else scored meanwhile is passed over;
a group score never replaces a per-student override; and a group someone
else scores while it is on this screen is pointed out before this score
replaces theirs.

Input and output go through a ``Console``, so tests drive the whole loop
with a script of lines; ``stdio()`` is the terminal, and when stdin is not a
TTY it reads line by line and echoes each line, so the output reads like the
session typed.
"""

from __future__ import annotations

import contextlib
import math
import shlex
import sqlite3
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import gradebook
from .gradebook import Group, Member
from .suggest import Question, load

HELP = """\
  2            score the whole group 2 points, then type a comment (enter for none)
  2 text       score the group 2 points with the comment "text"
  o            override one student of the group (their score is kept from then on)
  all          show every answer of the group
  s            skip the group for now (it stays unscored)
  b            back to the previous group
  q            quit; every score given is saved
  ?            this help"""

Step = Literal["next", "back", "quit"]


@dataclass(frozen=True)
class Console:
    """Where the session reads and writes. ``ask`` shows a prompt and returns
    the line typed, without its newline; it raises EOFError at the end of
    input (Ctrl-D) and KeyboardInterrupt on Ctrl-C, like ``input``."""

    ask: Callable[[str], str]
    say: Callable[[str], None]


def stdio() -> Console:
    """The terminal; line by line, with each line echoed, when stdin is not a TTY."""
    if sys.stdin.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (arrow keys and history for input())
        return Console(input, print)

    def ask(prompt: str) -> str:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        line = line.rstrip("\r\n")
        print(line)
        return line

    return Console(ask, print)


@dataclass(frozen=True)
class Entry:
    """Identical answers of a group (equal up to white space), shown once."""

    text: str
    members: tuple[Member, ...]


def entries(members: list[Member]) -> list[Entry]:
    by_text: dict[str, list[Member]] = {}
    for m in members:
        by_text.setdefault(" ".join(m.text.split()), []).append(m)
    ordered = sorted(by_text.values(), key=lambda ms: (-len(ms), ms[0].student))
    return [Entry(typical([m.text for m in ms]), tuple(ms)) for ms in ordered]


def typical(texts: list[str]) -> str:
    """The way most of them wrote it; the shortest of those ways on a tie."""
    return max(texts, key=lambda t: (texts.count(t), -len(t)))


def mark(m: Member) -> str:
    """A student's score as the group shows it, "" when not scored."""
    if m.points is None:
        return ""
    how = {"auto": "by the rubric", "group": f"by {m.grader}", "student": f"override by {m.grader}"}
    comment = f": {m.comment}" if m.comment else ""
    return f" [{m.points:g} {how.get(m.source, m.source)}{comment}]"


def others(before: list[Member], now: list[Member]) -> str:
    """What someone else wrote to these students since ``before`` was read."""
    changed: dict[tuple[str, float | None, str], int] = {}
    was = {m.student: m for m in before}
    for m in now:
        if was.get(m.student) != m:
            key = (m.grader or "someone", m.points, m.source)
            changed[key] = changed.get(key, 0) + 1
    return (
        "; ".join(
            f"{who} gave {n} student{'s' * (n > 1)} {points:g}"
            + (" (an override)" if source == "student" else "")
            if points is not None
            else f"{n} scores were removed"
            for (who, points, source), n in changed.items()
        )
        or "someone changed these scores"
    )


class Session:
    def __init__(
        self,
        db: sqlite3.Connection,
        question: str,
        grader: str,
        console: Console,
        *,
        page: int,
        width: int,
        db_path: str,
    ) -> None:
        self.db, self.question, self.grader = db, question, grader
        self.ask, self.say = console.ask, console.say
        self.page, self.width, self.db_path = page, width, db_path
        self.command = shlex.join(
            ["python", "-m", "grader", "questions", "grade", question, "--db", db_path]
            + (["--grader", grader] if grader != "ta" else [])
        )
        self.rubric: Question | None = load().questions.get(question)
        self.history: list[str] = []  # groups shown in this session before the current one
        self.skipped: set[str] = set()

    # -- the loop -----------------------------------------------------------

    def run(self) -> None:
        self.intro()
        key = self.next_key()
        while key is not None:
            step = self.grade(key)
            if step == "quit":
                return
            if step == "back":
                key = self.history.pop()
                continue
            self.history.append(key)
            key = self.next_key()

    def groups(self) -> list[Group]:
        return gradebook.groups(self.db, self.question)

    def next_key(self) -> str | None:
        """The largest group not fully scored and not skipped, read afresh."""
        for g in self.groups():
            if g.scored < len(g.students) and g.key not in self.skipped:
                return g.key
        return None

    def grade(self, key: str) -> Step:
        group = next(g for g in self.groups() if g.key == key)
        members = gradebook.members(self.db, self.question, key)
        self.show(group, members)
        while True:
            line = self.ask(self.prompt(group)).strip()
            command = line.lower()
            if command in ("?", "h", "help"):
                self.say(HELP)
            elif command == "q":
                return "quit"
            elif command == "s":
                self.skipped.add(key)
                self.say(f"skipped [{key}]; it stays unscored")
                return "next"
            elif command == "b":
                if self.history:
                    return "back"
                self.say("no group before this one in this session")
            elif command == "all":
                self.show_answers(members, everything=True)
            elif command == "o":
                self.override(group, members)
                members = gradebook.members(self.db, self.question, key)
            elif not line:
                self.say(self.usage(group.max_points))
            else:
                points, comment = self.points(line, group.max_points)
                if points is None:
                    continue
                now = gradebook.members(self.db, self.question, key)
                if now != members:  # someone else scored here since it was shown
                    self.say(
                        f"meanwhile {others(members, now)}; type the points again to "
                        "replace their group score (overrides stay), or s to move on"
                    )
                    members = now
                    continue
                self.score(key, members, points, comment)
                return "next"

    def score(self, key: str, members: list[Member], points: float, comment: str | None) -> None:
        if comment is None:
            comment = self.ask("comment (enter for none): ").strip()
        n = gradebook.score_group(self.db, self.question, key, points, comment, self.grader)
        kept = sum(m.source == "student" for m in members)
        self.say(
            f"saved: {n} student{'s' * (n != 1)} of [{key}] scored {points:g}"
            + (f"; {kept} override{'s' * (kept != 1)} kept" if kept else "")
        )
        self.skipped.discard(key)

    # -- input --------------------------------------------------------------

    def span(self, most: float) -> str:
        """The points allowed; a question without a rubric has no maximum."""
        return f"0-{most:g}" if most > 0 else "0 or more"

    def usage(self, most: float) -> str:
        return f"Type points ({self.span(most)}), o, all, s, b, q, or ? for help."

    def prompt(self, group: Group) -> str:
        return (
            f"[{group.key}] points {self.span(group.max_points)} "
            f"(suggested {group.suggested:g}), o, all, s, b, q, ? > "
        )

    def points(self, line: str, most: float) -> tuple[float | None, str | None]:
        """The points at the start of line and the comment after them (None:
        none given); (None, None) with a message when line is not usable."""
        first, _, rest = line.partition(" ")
        try:
            points = float(first)
        except ValueError:
            self.say(f"{line!r} is not a command. {self.usage(most)}")
            return None, None
        if not math.isfinite(points):
            self.say(f"{line!r} is not a command. {self.usage(most)}")
            return None, None
        if points < 0 or (most > 0 and points > most):
            self.say(f"{first} points is out of range: give {self.span(most)}")
            return None, None
        return points, rest.strip() or None

    def override(self, group: Group, members: list[Member]) -> None:
        """Score one student of the group: pick by answer number or by name."""
        shown = entries(members)
        names = {m.student: m for m in members}
        student: Member | None = None
        while student is None:
            pick = self.ask("override which answer? number or student (enter to cancel): ")
            pick = pick.strip()
            if not pick:
                return
            if pick in names:
                student = names[pick]
            elif pick.isdigit() and 1 <= int(pick) <= len(shown):
                entry = shown[int(pick) - 1]
                if len(entry.members) == 1:
                    student = entry.members[0]
                else:
                    listed = ", ".join(m.student for m in entry.members)
                    self.say(f"answer {pick} is {len(entry.members)} students' ({listed})")
            else:
                self.say(
                    f"{pick!r}: give an answer's number (1-{len(shown)}) or a student of this group"
                )
        points = None
        while points is None:
            line = self.ask(f"points for {student.student} ({self.span(group.max_points)}): ")
            if not line.strip():
                return
            points, comment = self.points(line.strip(), group.max_points)
        if comment is None:
            comment = self.ask("comment (enter for none): ").strip()
        gradebook.score_student(
            self.db, self.question, student.student, points, comment, self.grader
        )
        self.say(f"saved: {student.student} {points:g} (an override: group scores leave it)")

    # -- output -------------------------------------------------------------

    def wrapped(self, text: str, indent: str, hanging: str | None = None) -> str:
        """text wrapped to the width, its lines kept, each indented."""
        lines = []
        for line in text.splitlines() or [""]:
            lines += textwrap.wrap(
                line, self.width, initial_indent=indent, subsequent_indent=hanging or indent
            ) or [indent.rstrip()]
        return "\n".join(lines)

    def wrong(self, contradiction: str, answer: str) -> str:
        """What the rubric says is wrong, with the clause that says it only
        when the answer holds more than that clause."""
        known = [text for text, _ in self.rubric.contradictions] if self.rubric else []
        what = next((t for t in known if contradiction.startswith(f"{t}: ")), "")
        if not what:
            what = contradiction.partition(": ")[0]
        clause = " ".join(contradiction[len(what) + 2 :].split())
        whole = " ".join(answer.split()).rstrip(".!?;\u3002\uff01\uff1f ")
        return what if not clause or clause == whole else f'{what}: "{clause}"'

    def intro(self) -> None:
        q = self.rubric
        where = f" ({q.notebook}, {q.points:g} points)" if q else " (no rubric: no maximum)"
        self.say(f"Question {self.question}{where}")
        text = gradebook.prompt(self.db, self.question)
        if text:
            self.say(self.wrapped(text, "  "))
        if q and q.key_points:
            self.say("Key points of the rubric:")
            for k in q.key_points:
                self.say(self.wrapped(f"{k.id} ({k.points:g}): {k.text}", "  ", "      "))
        groups = self.groups()
        left = sum(g.scored < len(g.students) for g in groups)
        answers = sum(len(g.students) for g in groups)
        self.say(
            f"{answers} answer{'s' * (answers != 1)} in {len(groups)} group"
            f"{'s' * (len(groups) != 1)}; {left} of {len(groups)} group{'s' * (len(groups) != 1)} "
            "left to grade. Type ? for help."
        )

    def found(self, key: str) -> str:
        """What the rubric found in the group's answers, in words."""
        if key in ("unanswered", "missing"):
            return f"{key}: no answer to grade"
        if self.rubric is None or key == "answered":
            return "no rubric for this question: read and score"
        parts = set(key.split("+"))
        found = [k.id for k in self.rubric.key_points if k.id in parts]
        missing = [k.id for k in self.rubric.key_points if k.id not in parts]
        words = [f"found {', '.join(found)}" if found else "found none of the key points"]
        if missing and found:
            words.append(f"missing {', '.join(missing)}")
        if "wrong" in parts:
            words.append("states something wrong")
        return "; ".join(words)

    def show(self, group: Group, members: list[Member]) -> None:
        groups = self.groups()
        left = sum(g.scored < len(g.students) for g in groups)
        n = len(group.students)
        title = f"-- [{group.key}] {n} student{'s' * (n != 1)} "
        status = f"{left} of {len(groups)} groups left"
        self.say("")
        self.say(f"{title}{'-' * max(3, self.width - len(title) - len(status) - 1)} {status}")
        self.say(f"rubric: {self.found(group.key)}")
        scored = f"; {group.scored} of {n} already scored" if group.scored else ""
        self.say(f"suggested {group.suggested:g} of {group.max_points:g}{scored}")
        self.show_answers(members, everything=False)

    def show_answers(self, members: list[Member], *, everything: bool) -> None:
        shown = entries(members)
        limit = len(shown) if everything else self.page
        for i, entry in enumerate(shown[:limit], 1):
            count = f"x{len(entry.members)}  " if len(entry.members) > 1 else ""
            names = ", ".join(m.student + mark(m) for m in entry.members)
            self.say(f"{i:3}. {count}{names}")
            self.say(self.wrapped(entry.text, "     "))
            for wrong in entry.members[0].contradictions:
                said = self.wrong(wrong, entry.text)
                self.say(self.wrapped(f"! rubric: {said}", "     ", "       "))
        if len(shown) > limit:
            more = len(shown) - limit
            self.say(f"  ... and {more} more, type `all` to see them")

    def summary(self, finished: bool) -> None:
        t = gradebook.tally(self.db, self.question)
        self.say("")
        self.say(
            f"{self.question}: {t.students - t.left} of {t.students} students scored "
            f"({t.by_ta} by a TA, {t.by_rubric} by the rubric, {t.no_answer} with no answer); "
            f"{t.left} left"
        )
        if self.skipped and finished:
            keys = ", ".join(f"[{k}]" for k in sorted(self.skipped))
            self.say(f"skipped: {keys}")
        if t.left == 0:
            export = ["python", "-m", "grader", "questions", "export", "scores.csv"]
            self.say(f"all scored; next: {shlex.join([*export, '--db', self.db_path])}")
        else:
            self.say(f"saved; run the same command to continue: {self.command}")


def run(
    db_path: Path,
    question: str,
    *,
    grader: str,
    console: Console,
    page: int = 10,
    width: int = 88,
) -> int:
    """Grade ``question`` in the gradebook at db_path until every group is
    scored or skipped, or the TA stops. Returns the exit code: 0, 2 for a
    question the gradebook does not have, 130 after Ctrl-C."""
    with gradebook.connect(db_path, create=False) as db:
        known = gradebook.questions(db)
        if question not in known:
            console.say(
                f"error: no answers to {question} in {db_path}; it has "
                + (", ".join(known) if known else "none: import a folder of submissions first")
            )
            return 2
        session = Session(
            db, question, grader, console, page=page, width=width, db_path=str(db_path)
        )
        code, finished = 0, False
        try:
            session.run()
            finished = session.next_key() is None
        except EOFError:
            pass
        except KeyboardInterrupt:
            code = 130
        session.summary(finished)
    return code
