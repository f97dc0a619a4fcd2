"""``python -m grader questions ...``: the TA's flow over the gradebook.

    questions import DIR --db FILE         add every submission's answers
    questions grade QUESTION --db FILE [--grader NAME]
                                           grade one question group by group,
                                           interactively (session.py)
    questions groups QUESTION --db FILE    the groups, largest first
    questions score QUESTION GROUP POINTS --db FILE [--comment C] [--grader NAME]
    questions override QUESTION STUDENT POINTS --db FILE [--comment C] [--grader NAME]
    questions export OUT.csv --db FILE

Each command (each score given in ``grade``) is one short transaction, so a
TA can stop at any point and carry on later, and two TAs can work on the
same file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ..errors import SubmissionError
from ..submission import open_submission
from . import gradebook, session
from .extract import Answer, extract


def _answers(entry: Path) -> list[Answer] | None:
    """The inline answers of one submission (a notebook, or a zip or folder
    holding notebooks), or None with a message when it cannot be read."""
    found: list[Answer] = []
    try:
        if entry.suffix == ".ipynb":
            return list(extract(entry.read_bytes(), entry.name).answers)
        with tempfile.TemporaryDirectory(prefix="grader-q-") as tmp:
            staged = open_submission(entry, Path(tmp) / "s")
            for name in staged.notebooks:
                try:
                    found += extract((staged.root / name).read_bytes(), Path(name).name).answers
                except SubmissionError as exc:
                    print(f"{entry.name}: {exc}", file=sys.stderr)
    except (SubmissionError, OSError) as exc:
        print(f"skipped {entry.name}: {exc}", file=sys.stderr)
        return None
    return found


def cmd_import(args: argparse.Namespace) -> int:
    from ..batch.discover import class_folder, discover

    folder = class_folder(Path(args.folder))
    # The same entries, under the same student names, as a batch of this folder.
    found = discover(folder)
    for skipped in found.skipped:
        print(f"skipped {skipped.name}: {skipped.reason}", file=sys.stderr)
    added = 0
    with gradebook.connect(Path(args.db)) as db:
        for entry in found.entries:
            if entry.path.suffix == ".py":
                continue  # a module holds no inline answers
            answers = _answers(entry.path)
            if answers is not None:
                gradebook.add(db, entry.student, answers)
                added += 1
    print(f"{added} submissions in {args.db}")
    return 0


def cmd_groups(args: argparse.Namespace) -> int:
    with gradebook.connect(Path(args.db), create=False) as db:
        found = gradebook.groups(db, args.question)
    if not found:
        print(f"no answers to {args.question} in {args.db}", file=sys.stderr)
        return 2
    for g in found:
        print(f"[{g.key}] {len(g.students)} students, {g.scored} scored; {g.description}")
        print(f"    suggested {g.suggested:g} / {g.max_points:g}; e.g. {g.sample[:200]!r}")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    return session.run(
        Path(args.db), args.question, grader=args.grader, console=session.stdio(), page=args.page
    )


def cmd_score(args: argparse.Namespace) -> int:
    with gradebook.connect(Path(args.db), create=False) as db:
        n = gradebook.score_group(
            db, args.question, args.group, args.points, args.comment, args.grader
        )
        keys = [g.key for g in gradebook.groups(db, args.question)] if not n else []
    if not n and args.group not in keys:
        print(
            f"error: no group [{args.group}] for {args.question}; its groups: "
            + ", ".join(f"[{k}]" for k in keys),
            file=sys.stderr,
        )
        return 2
    print(f"{n} students of [{args.group}] scored {args.points:g}")
    return 0 if n else 2


def cmd_override(args: argparse.Namespace) -> int:
    with gradebook.connect(Path(args.db), create=False) as db:
        gradebook.score_student(
            db, args.question, args.student, args.points, args.comment, args.grader
        )
    print(f"{args.student}: {args.points:g}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with gradebook.connect(Path(args.db), create=False) as db:
        n = gradebook.export_csv(db, Path(args.out))
    print(f"{n} students written to {args.out}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    q = sub.add_parser("questions", help="grade inline answers by groups (TA)")
    qs = q.add_subparsers(dest="questions_command", required=True)

    def db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", required=True, help="the gradebook file (SQLite)")
        p.add_argument(
            "--config",
            metavar="FILE",
            help="the assignment config whose rubric suggests points (default: "
            "$GRADER_CONFIG, else assignment.toml); see docs/config.md",
        )
        return p

    p = db(qs.add_parser("import", help="add the answers of every submission in a folder"))
    p.add_argument("folder")
    p.set_defaults(run=cmd_import)
    p = db(qs.add_parser("groups", help="the answers to one question, grouped"))
    p.add_argument("question")
    p.set_defaults(run=cmd_groups)
    p = db(qs.add_parser("grade", help="grade one question group by group, interactively"))
    p.add_argument("question")
    p.add_argument("--grader", default="ta", help="your name, recorded with every score")
    p.add_argument(
        "--page",
        type=int,
        default=10,
        help="answers shown per group before `all` shows the rest (default 10)",
    )
    p.set_defaults(run=cmd_grade)
    for name, target, run in (
        ("score", "group", cmd_score),
        ("override", "student", cmd_override),
    ):
        p = db(qs.add_parser(name, help=f"score one {target}"))
        p.add_argument("question")
        p.add_argument(target)
        p.add_argument("points", type=float)
        p.add_argument("--comment", default="")
        p.add_argument("--grader", default="ta")
        p.set_defaults(run=run)
    p = db(qs.add_parser("export", help="write the scores as CSV"))
    p.add_argument("out")
    p.set_defaults(run=cmd_export)
