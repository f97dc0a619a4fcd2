"""The self-check: the public checks on a student's own code, before the deadline.

``make check`` (in the student release, and in the instructors' repository
on the template or ``SUBMISSION=PATH``), ``python -m grader.selfcheck
[PATH] [--part NAME]`` and, in a notebook, ``from grader import check;
check("dropout_forward")`` all run the public checks of the assignment
config on a ``cs231n/`` package with the engine, sandbox and misconceptions
of the real grade, at fixed inputs (``SEED``, the inputs the student
release's expected answers were recorded at), and show what passes, what
fails, the likely misconception and its hint. Hidden checks are counted,
never described; inline questions are not looked at.

In a notebook, ``check`` grades the files on disk in a fresh process
(``python -m grader.selfcheck ROOT --json``), never the modules the kernel
imported, so a kernel not restarted since the last edit cannot fool it; it
returns a ``SelfCheck``, which Jupyter shows as HTML and a console as text.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import edition
from .errors import SubmissionError, UsageError
from .report import CheckResult, GradeReport
from .spare import start_before_imports

#: The seed of the self-check's inputs; the student release records its
#: expected answers at it, and its manifest repeats it.
SEED = 2310
#: Seconds a notebook's check() waits for the self-check process.
TIMEOUT = 300.0

EXIT_OK, EXIT_USAGE, EXIT_SUBMISSION = 0, 2, 3


@dataclass(frozen=True)
class SelfCheck:
    """The result of a self-check: the public checks' results (in
    ``report``), how many checks are hidden, and what was asked for.
    ``problem`` says why there is no report, when there is none."""

    report: GradeReport | None
    hidden: int
    hidden_points: float
    selection: str | None = None
    problem: str = ""

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return self.report.checks if self.report is not None else ()

    @property
    def passed(self) -> bool:
        """Did every public check that could run pass?"""
        return self.report is not None and all(
            c.outcome in ("passed", "skipped") for c in self.checks
        )

    def __str__(self) -> str:
        from .render.selfcheck import text

        return text(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from .render.selfcheck import html

        return html(self)

    def to_json(self) -> str:
        return json.dumps(
            {
                "report": self.report.to_dict() if self.report is not None else None,
                "hidden": self.hidden,
                "hidden_points": self.hidden_points,
                "selection": self.selection,
                "problem": self.problem,
                "release": edition.release() is not None,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> SelfCheck:
        data = json.loads(text)
        report = data.get("report")
        return cls(
            report=GradeReport.from_dict(report) if isinstance(report, dict) else None,
            hidden=int(data.get("hidden", 0)),
            hidden_points=float(data.get("hidden_points", 0.0)),
            selection=data.get("selection"),
            problem=str(data.get("problem", "")),
        )


def public_checks() -> list[str]:
    """The ids of the checks a student may see, in the assignment's order:
    the public, enabled checks of the assignment config."""
    from .config import current

    return [spec.id for spec, enabled in current().specs() if enabled and spec.public]


def hidden_checks() -> tuple[int, float]:
    """How many checks are graded after the deadline only, and their points."""
    release = edition.release()
    if release is not None:
        return release.hidden, release.hidden_points
    from .config import current

    hidden = [spec for spec, enabled in current().specs() if enabled and not spec.public]
    return len(hidden), sum(spec.points for spec in hidden)


def select(name: str | None, ids: list[str]) -> list[str]:
    """The checks ``name`` asks for among ``ids``: a check id, a part
    (``dropout_forward``), an id's beginning (``optim.adam``) or one of its
    words (``adam``, ``affine_forward``); every one for None. Raises
    UsageError listing what may be asked for."""
    if not name:
        return list(ids)
    name = name.strip()
    for matches in (
        lambda i: i == name,
        lambda i: i.startswith(name + "."),
        lambda i: name in i.split("."),
    ):
        found = [i for i in ids if matches(i)]
        if found:
            return found
    parts = list(dict.fromkeys(i.split(".", 1)[0] for i in ids))
    words = sorted({w for i in ids for w in i.split(".")[1:-1]} - set(parts))
    raise UsageError(
        f"no public check or part named {name!r}. Ask for a part ({', '.join(parts)}), "
        f"an update rule ({', '.join(words)}), or a check id (python -m grader.selfcheck "
        "--list lists them)"
    )


def run(path: Path, *, part: str | None = None) -> SelfCheck:
    """Self-check the submission at ``path`` (a folder holding cs231n/, a zip,
    a module file or a notebook). Raises UsageError for an unknown part and
    SubmissionError when the submission cannot be read."""
    from .grade import run as grade_run

    ids = select(part, public_checks())
    hidden, hidden_points = hidden_checks()
    report, _ = grade_run(path, seed=SEED, select=ids, questions=False)
    return SelfCheck(report, hidden, hidden_points, selection=part)


def find_root(start: Path | None = None) -> Path:
    """The folder holding the student's ``cs231n/``: ``start`` (by default the
    current folder, a notebook's working directory) or the nearest folder
    above it that holds one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "cs231n" / "__init__.py").is_file():
            return folder
        if (folder / "common" / "__init__.py").is_file():  # the class flavour
            return folder
    raise UsageError(
        f"no cs231n/ package in {here} or any folder above it: run the self-check from "
        "the assignment's folder (where cs231n/ and the notebooks are), or give its path"
    )


def _python() -> str:
    """The interpreter of the self-check process: $GRADER_PYTHON, else the
    release's own .venv (made by make check), else this one."""
    given = os.environ.get("GRADER_PYTHON", "").strip()
    if given:
        return given
    venv = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "python"
    return str(venv) if venv.is_file() else sys.executable


def check(part: str | None = None, *, path: str | os.PathLike[str] | None = None) -> SelfCheck:
    """Self-check the code on disk, from a notebook: ``check("dropout_forward")``
    for one part, ``check()`` for every public check.

    The cs231n/ package is found from ``path``, else from the notebook's
    working directory. The checks run in a fresh process, so what is graded
    is the files as saved, whatever the kernel has imported. Never raises for
    what the student did: a problem is shown in the result instead."""
    hidden, hidden_points = 0, 0.0
    try:
        root = find_root(Path(path) if path is not None else None)
    except UsageError as exc:
        return SelfCheck(None, hidden, hidden_points, part, problem=str(exc))
    package = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package, os.environ.get("PYTHONPATH", "")])}
    command = [_python(), "-m", "grader.selfcheck", str(root), "--json"]
    if part:
        command += ["--part", part]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        why = f"the self-check took longer than {TIMEOUT:g} s"
        return SelfCheck(None, hidden, hidden_points, part, problem=why)
    except OSError as exc:
        if os.environ.get("GRADER_PYTHON", "").strip():
            chosen = "$GRADER_PYTHON"
            then = "Unset GRADER_PYTHON, or set it to the Python that has the grader installed"
        else:
            chosen, then = "Python", "`make check` in the assignment's folder sets up what it needs"
        why = (
            f"the self-check could not start {command[0]} ({chosen}: {exc.strerror or exc}). {then}"
        )
        return SelfCheck(None, hidden, hidden_points, part, problem=why)
    lines = done.stdout.strip().splitlines()
    try:
        return SelfCheck.from_json(lines[-1])
    except (IndexError, ValueError, KeyError, TypeError):
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        return SelfCheck(
            None,
            hidden,
            hidden_points,
            part,
            problem="the self-check could not run (exit code "
            f"{done.returncode}): {' / '.join(tail) or 'no output'}. In a terminal, "
            "`make check` in the assignment's folder sets up what it needs",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.selfcheck",
        description="The public checks on your cs231n/ package, with what fails and why.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        help="your assignment's folder (holding cs231n/), a zip, a module file or a "
        "notebook (default: the current folder or the nearest one above it with cs231n/)",
    )
    parser.add_argument(
        "--part", help="one part (dropout_forward), update rule (adam) or check id only"
    )
    parser.add_argument("--list", action="store_true", help="list the public checks")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.list:
        for check_id in public_checks():
            print(check_id)
        return EXIT_OK
    try:
        root = Path(args.path) if args.path else find_root()
        if not root.exists():
            raise UsageError(f"{root}: no such file or folder")
        # The sandbox starts Python and numpy while the checks are imported.
        start_before_imports()
        result = run(root, part=args.part)
        code = EXIT_OK
    except UsageError as exc:
        result, code = SelfCheck(None, *hidden_checks(), args.part, str(exc)), EXIT_USAGE
    except SubmissionError as exc:
        result, code = SelfCheck(None, *hidden_checks(), args.part, str(exc)), EXIT_SUBMISSION
    if args.json:
        print(result.to_json())
    else:
        print(result)
    return code


if __name__ == "__main__":
    from ._console import tolerant_output

    tolerant_output()
    sys.exit(main())
