"""Command line: parses, then delegates. ``python -m grader --help``.

Exit codes: 0 grading completed (whatever the score); 2 usage error (bad
option, missing path, an assignment config that is not valid); 3 the
submission could not be read at all (not a zip, no cs231n/ package, unsafe
archive): a zero-score report is still written, saying why; 4 the report
could not be written (a full disk, no permission): the grade was printed,
and no half-written report is left.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from . import config
from ._db import locked
from ._files import write_atomic
from .args import add_batch_arguments, add_grade_arguments, config_option, store_path
from .errors import SubmissionError, UsageError

EXIT_OK, EXIT_USAGE, EXIT_SUBMISSION, EXIT_WRITE = 0, 2, 3, 4


def cmd_grade(args: argparse.Namespace) -> int:
    from .grade import grade, unreadable
    from .render import html, terminal

    path = Path(args.submission)
    if not path.exists():
        print(f"error: {path}: no such file or folder. Give the path of a submission zip "
              "or of a folder holding cs231n/.", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    code = EXIT_OK
    try:
        report = grade(
            path, keyword=args.k, seed=args.seed, profile=args.profile, config=config.current()
        )
    except SubmissionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        report, code = unreadable(path, exc, config=config.current()), EXIT_SUBMISSION
    print(terminal.render(report))
    if args.out:
        out = Path(args.out)
        try:
            write_atomic(out / "report.json", report.to_json() + "\n")
            write_atomic(out / "report.html", html.render(report))
        except OSError as exc:
            then = "choose another --out"
            if not isinstance(exc, IN_THE_WAY):
                then = "free some space or " + then
            print(f"error: the report could not be written to {out} ({_os_trouble(exc)}). The "
                  f"grade above is complete; {then}, and run again.", file=sys.stderr)  # fmt: skip
            return EXIT_WRITE
        print(f"Report: {out / 'report.json'}")
        print(f"Report: {out / 'report.html'}")
    return code


def cmd_misconceptions(args: argparse.Namespace) -> int:
    from .registry import MISCONCEPTIONS, load_all

    load_all()
    for m in sorted(MISCONCEPTIONS.values(), key=lambda m: m.code):
        print(f"{m.code}: {m.title}")
        print(f"    {m.explanation}")
        print(f"    hint: {m.hint}")
        print(f"    shown by: {', '.join(m.checks)}")
    return EXIT_OK


def cmd_checks(args: argparse.Namespace) -> int:
    for spec, enabled in config.current().specs():
        if enabled:
            visibility = "public" if spec.public else "hidden"
            print(f"{spec.id:40} {spec.points:4g} pts  {visibility:6}  {spec.title}")
        else:
            print(f"{spec.id:40} {'disabled':16}  {spec.title}")
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    from .release import LeakError, build

    try:
        bundle = build(Path(args.out))
    except LeakError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{bundle.zip}: {len(bundle.files)} files, {bundle.bytes / 1024:.0f} KiB")
    print(f"  {len(bundle.public)} public checks; {bundle.hidden} hidden checks left out")
    print(f"  unpacked in {bundle.folder}: `make check` there runs the self-check")
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from .render.catalogue import markdown

    sys.stdout.write(markdown())
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch.discover import class_folder
    from .batch.runner import EXIT_USAGE as BATCH_USAGE
    from .batch.runner import DaskExecutor, run_batch

    folder, out = class_folder(Path(args.folder)), Path(args.out)
    if args.executor == "dask" and not args.scheduler:
        print("error: --executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)",
              file=sys.stderr)  # fmt: skip
        return BATCH_USAGE
    executor = DaskExecutor(args.scheduler) if args.executor == "dask" else None
    db_path = store_path(args)
    try:
        summary = run_batch(
            folder,
            out,
            jobs=args.jobs,
            executor=executor,
            seed=args.seed,
            db_path=db_path,
            progress=not args.no_progress,
            config=config.current(),
        )
    except sqlite3.OperationalError as exc:
        if locked(exc):
            why = "stayed locked by another process"
            then = "when the other process is done"
        else:  # "disk I/O error", "database or disk is full"
            why = "could not be written (is the disk full?)"
            then = "once there is room"
        print(f"error: the results store {db_path} {why} ({exc}). Nothing was lost: every "
              f"result already stored stays. Run the same command again {then}.",
              file=sys.stderr)  # fmt: skip
        return 1
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        print(f"error: {db_path} is not a results store ({exc}). Give --db the store of an "
              "earlier run of this class, or a new file name, or leave --db out to use "
              f"{Path(args.out) / 'results.sqlite'}.", file=sys.stderr)  # fmt: skip
        return BATCH_USAGE
    finally:
        if executor is not None:
            executor.close()
    if summary.submissions == 0:
        print(f"error: no submissions in {folder}", file=sys.stderr)
        for line in summary.skipped:
            print(f"  skipped {line}", file=sys.stderr)
        return BATCH_USAGE
    from .batch.report import render_summary

    print(render_summary(summary, out))
    return summary.exit_code


def cmd_gradescope_zip(args: argparse.Namespace) -> int:
    from .batch.gradescope import build_autograder_zip

    out = Path(args.out)
    if out.suffix != ".zip":
        print(f"error: {out}: give a file name ending in .zip", file=sys.stderr)
        return EXIT_USAGE
    files = build_autograder_zip(out, inline_questions=not args.no_inline_questions)
    print(f"wrote {out} ({len(files)} files); upload it as the assignment's autograder")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    g = add_grade_arguments(config_option(sub.add_parser("grade", help="grade one submission")))
    g.set_defaults(run=cmd_grade)
    b = config_option(
        sub.add_parser("batch", help="grade a folder of submissions (resumable, parallel)")
    )
    add_batch_arguments(b).set_defaults(run=cmd_batch)
    z = sub.add_parser("gradescope-zip", help="build the Gradescope autograder zip")
    z.add_argument("out", help="the zip to write, e.g. autograder.zip")
    z.add_argument(
        "--no-inline-questions",
        action="store_true",
        help="leave inline questions out of results.json (TAs grade them elsewhere)",
    )
    z.set_defaults(run=cmd_gradescope_zip)
    r = config_option(sub.add_parser("release", help="build the student release (make release)"))
    r.add_argument("--out", default="out/release", help="folder to build in (out/release)")
    r.set_defaults(run=cmd_release)
    sub.add_parser("misconceptions", help="list the diagnosable mistakes").set_defaults(
        run=cmd_misconceptions
    )
    config_option(
        sub.add_parser("checks", help="list the checks with their points and visibility")
    ).set_defaults(run=cmd_checks)
    sub.add_parser("docs", help="print docs/checks.md, the catalogue").set_defaults(run=cmd_docs)
    from .questions.commands import add_parser as add_questions

    add_questions(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if not hasattr(args, "config"):  # this command reads no config
            code: int = args.run(args)
            return code
        config.check_environment()  # GRADER_SEED and the like, before any work
        # The config every part of this command reads (grader.config.current).
        with config.using(config.load_selected(args.config)):
            code = args.run(args)
    except UsageError as exc:  # the config, the environment, a -k that selects nothing
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a path given (--out, --db, a folder) that cannot be used
        print(f"error: {_path_problem(exc)}", file=sys.stderr)
        return EXIT_WRITE
    return code


#: What a folder to write into raises when a file is where it should be.
IN_THE_WAY = (FileExistsError, NotADirectoryError)


def _os_trouble(exc: OSError) -> str:
    """What went wrong, in words: "File exists" says nothing to someone who
    gave a file's path as --out."""
    if isinstance(exc, IN_THE_WAY):
        return "a file is in the way where a folder is needed"
    return exc.strerror or str(exc)


def _path_problem(exc: OSError) -> str:
    if not exc.filename:  # not about a path: say what the system said
        return f"{_os_trouble(exc)}. Check the options given, and run again"
    return (
        f"{exc.filename}: {_os_trouble(exc)}. Give a path that can be read and written (a "
        "folder for --out), and run again"
    )
